"""The command line's fake server, option checks, global help and retry lines (issue 13)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from heygen_pipeline import HeyGenClient
from heygen_pipeline._cli._commands import retry_line
from heygen_pipeline.middleware import Attempt, RetryDecision, RetryReport
from heygen_pipeline.testing import Fault
from tests.test_cli import LOOK, cli, closed_port, fake, one_error_line

__all__ = ["fake"]  # the fixture, shared with test_cli

_GLOBAL_FLAGS = ("--base-url", "--upload-url", "--max-attempts", "--verbose")


def start_fake_server(*args: str) -> subprocess.Popen[str]:
    """``heygen-pipeline fake-server`` as a subprocess, its output piped."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("HEYGEN_API_KEY", None)
    return subprocess.Popen(  # noqa: S603 - the arguments are this test's own
        [sys.executable, "-m", "heygen_pipeline", "fake-server", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    """Send ``signum`` and wait (bounded) for a clean end; the status and the rest of the output."""
    process.send_signal(signum)
    out, err = process.communicate(timeout=10)
    return process.returncode, out, err


class TestFakeServer:
    """``fake-server``: a FakeHeyGen served from the shell until Ctrl-C."""

    def test_serves_a_real_client_then_stops_on_sigint(self):
        """It prints URL, upload URL and key; HeyGenClient calls it; SIGINT ends it with 0."""
        process = start_fake_server()
        try:
            base_url, upload_url, key = (process.stdout.readline().strip() for _ in range(3))
            assert base_url.startswith("http://127.0.0.1:")
            assert upload_url.startswith("http://127.0.0.1:")
            with HeyGenClient(key, base_url=base_url, upload_url=upload_url) as client:
                assert client.user.me().username
            started = time.monotonic()
            status, rest, err = stop(process, signal.SIGINT)
        finally:
            process.kill()
            process.wait(timeout=10)
        assert status == 0, err
        assert time.monotonic() - started < 5
        assert rest == ""
        assert "Traceback" not in err
        assert "stopped" in err

    def test_json_and_sigterm(self):
        """``--json`` prints one document with the URLs and key; SIGTERM also stops it with 0."""
        process = start_fake_server("--json")
        try:
            lines = []
            while not lines or lines[-1].strip() != "}":
                lines.append(process.stdout.readline())
            where = json.loads("".join(lines))
            with HeyGenClient(where["api_key"], base_url=where["base_url"]) as client:
                assert client.voices.list()
            status, _, err = stop(process, signal.SIGTERM)
        finally:
            process.kill()
            process.wait(timeout=10)
        assert status == 0, err
        assert set(where) == {"base_url", "upload_url", "api_key"}

    def test_chosen_port(self):
        """``--port N`` puts the API host on that port."""
        port = closed_port()
        process = start_fake_server("--port", str(port))
        try:
            assert process.stdout.readline().strip() == f"http://127.0.0.1:{port}"
            status, _, err = stop(process, signal.SIGINT)
        finally:
            process.kill()
            process.wait(timeout=10)
        assert status == 0, err

    def test_in_process_stop(self):
        """Run in-process off the main thread (no signal handlers), it stops when asked."""
        import io  # noqa: PLC0415 - only here

        from heygen_pipeline._cli import _fake_server  # noqa: PLC0415
        from heygen_pipeline._cli._commands import Context  # noqa: PLC0415
        from heygen_pipeline._cli._console import Console  # noqa: PLC0415

        out, err = io.StringIO(), io.StringIO()
        ctx = Context(Console(out, err), {})
        args = type("Args", (), {"host": "localhost", "port": 0, "json": False})()
        halt = threading.Event()
        result: list[int] = []
        thread = threading.Thread(
            target=lambda: result.append(_fake_server.fake_server(args, ctx, halt))
        )
        thread.start()
        deadline = time.monotonic() + 10
        while out.getvalue().count("\n") < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        halt.set()
        thread.join(timeout=10)
        assert result == [0]
        assert out.getvalue().splitlines()[0].startswith("http://127.0.0.1:")

    @pytest.mark.parametrize(
        ("host", "message"),
        [
            ("0.0.0.0", "this machine only"),  # noqa: S104 - refused, never bound
            ("192.0.2.1", "this machine only"),
            ("::1", "only"),
        ],
    )
    def test_only_loopback_hosts(self, host, message):
        """A host beyond 127.0.0.1 is refused (exit 2), before anything listens."""
        run = cli("fake-server", "--host", host)
        assert run.status == 2
        assert message in one_error_line(run)
        assert run.out == ""

    def test_bad_port(self):
        """A port out of range is a usage error."""
        run = cli("fake-server", "--port", "70000")
        assert run.status == 2
        assert "--port" in one_error_line(run)

    def test_client_options_refused(self):
        """The fake server calls no API: --base-url given to it is refused, not ignored."""
        run = cli("fake-server", "--base-url", "http://127.0.0.1:1")
        assert run.status == 2
        assert "`fake-server` calls no API: --base-url" in one_error_line(run)


class TestOptionsHonouredOrRefused:
    """Every option is honoured or refused with a clear error, never ignored."""

    @pytest.mark.parametrize(
        "argv",
        [
            ["--base-url", "http://127.0.0.1:1"],
            ["--upload-url", "http://127.0.0.1:1"],
            ["--max-attempts", "2"],
            ["--verbose"],
        ],
    )
    def test_demo_refuses_client_options(self, argv):
        """The demo uses its own fake: a client option is refused (exit 2), before or after."""
        for args in (["demo", *argv], [*argv, "demo"]):
            run = cli(*args)
            assert run.status == 2
            line = one_error_line(run)
            assert "the demo always runs against its own embedded fake" in line
            assert argv[0] in line
            assert run.out == ""

    def test_stack_refuses_client_options(self):
        """``stack`` calls nothing, so --max-attempts is refused."""
        run = cli("stack", "--max-attempts", "2")
        assert run.status == 2
        assert "`stack` calls no API: --max-attempts" in one_error_line(run)

    @pytest.mark.parametrize("url", ["ftp://x", "x", "file:///etc/passwd", "http://"])
    @pytest.mark.parametrize("flag", ["--base-url", "--upload-url"])
    def test_non_http_urls_refused(self, flag, url):
        """A URL that is not http(s) with a host is a usage error naming the option."""
        for argv in (["stack", flag, url], [flag, url, "quota"]):
            run = cli(*argv, env={"HEYGEN_API_KEY": "k" * 8})
            assert run.status == 2
            assert f"{flag} must be an http:// or https:// URL" in one_error_line(run)

    def test_non_http_url_from_the_environment_refused(self):
        """``HEYGEN_BASE_URL=ftp://x`` is refused the same way."""
        run = cli("quota", env={"HEYGEN_API_KEY": "k" * 8, "HEYGEN_BASE_URL": "ftp://x"})
        assert run.status == 2
        assert "HEYGEN_BASE_URL must be an http:// or https:// URL" in one_error_line(run)

    def test_demo_json_not_offered(self):
        """``demo --help`` does not offer --json (which the demo refuses)."""
        run = cli("demo", "--help")
        assert run.status == 0
        assert "--json" not in run.out


class TestGlobalHelp:
    """Global options are documented once, in the top-level help."""

    def test_top_level_help_lists_them(self):
        """``--help`` shows every global option."""
        run = cli("--help")
        for flag in ("--json", *_GLOBAL_FLAGS):
            assert flag in run.out

    @pytest.mark.parametrize(
        "argv", [["quota"], ["stack"], ["videos", "wait"], ["voices", "list"], ["fake-server"]]
    )
    def test_subcommand_help_leaves_them_out(self, argv):
        """A command's help has its own options and a pointer to the global ones."""
        run = cli(*argv, "--help")
        assert run.status == 0
        for flag in ("--json", *_GLOBAL_FLAGS):
            assert flag not in run.out.split("global options")[0]
        assert "heygen-pipeline --help" in run.out

    def test_still_accepted_after_the_name(self, fake):
        """Documented once, a global option still works after the command's name."""
        env = {"HEYGEN_API_KEY": fake.api_key}
        run = cli("quota", "--json", "--base-url", fake.base_url, env=env)
        assert run.status == 0, run.err
        assert json.loads(run.out)["remaining_seconds"] == 3600

    @pytest.mark.parametrize(
        "argv",
        [["stack"], ["account"], ["quota"], ["avatars", "list"], ["voices", "list"]],
    )
    def test_json_everywhere(self, fake, argv):
        """Every command that prints data prints exactly one JSON document with --json."""
        env = {"HEYGEN_API_KEY": fake.api_key}
        base = [] if argv == ["stack"] else ["--base-url", fake.base_url]
        run = cli(*base, *argv, "--json", env=env)
        assert run.status == 0, run.err
        json.loads(run.out)


class TestRetryLines:
    """Retries show on stderr as a progress line; stdout stays clean."""

    def test_rate_limit_shown_on_stderr(self, fake):
        """A 429 then success: stderr names the wait, attempt and reason; stdout is JSON."""
        fake.inject("GET", "/v3/voices", Fault.rate_limited("0.2"))
        env = {"HEYGEN_API_KEY": fake.api_key}
        run = cli("--base-url", fake.base_url, "voices", "list", "--json", env=env)
        assert run.status == 0, run.err
        assert run.err == "retrying in 0.2 s (attempt 1 of 3): rate limited (HTTP 429)\n"
        assert isinstance(json.loads(run.out), list)

    def test_server_errors_until_giving_up(self, fake):
        """Every retry is a line, then the error; nothing on stdout."""
        fake.inject("GET", "/v3/users/me", *[Fault.server_error(503)] * 2)
        env = {"HEYGEN_API_KEY": fake.api_key}
        run = cli("--base-url", fake.base_url, "--max-attempts", "2", "account", env=env)
        assert run.status == 1
        lines = run.err.splitlines()
        assert len(lines) == 2, run.err
        assert lines[0].startswith("retrying in ")
        assert lines[0].endswith("(attempt 1 of 2): HTTP 503")
        assert lines[1].startswith("error: ")
        assert run.out == ""

    def test_video_create_retried_with_its_key(self, fake):
        """A POST with an Idempotency-Key is retried, and the retry shown."""
        fake.inject("POST", "/v3/videos", Fault.rate_limited("0"))
        env = {"HEYGEN_API_KEY": fake.api_key}
        argv = ["--base-url", fake.base_url, "videos", "create", "--avatar-id", LOOK]
        run = cli(*argv, "--script", "hi", "--json", env=env)
        assert run.status == 0, run.err
        assert "retrying in 0.0 s (attempt 1 of 3): rate limited (HTTP 429)" in run.err
        assert json.loads(run.out)["video_id"]

    def test_no_line_without_a_retry(self):
        """A decision not to retry gives no line."""
        report = RetryReport(
            request=None,  # type: ignore[arg-type]
            outcome=None,  # type: ignore[arg-type]
            attempt=Attempt(3, 3),
            decision=RetryDecision(retry=False, reason="HTTP 503; out of attempts", gave_up=True),
        )
        assert retry_line(report) is None
