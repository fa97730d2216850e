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

        class Lines(io.StringIO):
            """Output that signals once the server has printed its three lines."""

            printed = threading.Event()

            def write(self, text: str) -> int:
                written = super().write(text)
                if self.getvalue().count("\n") >= 3:
                    self.printed.set()
                return written

        out, err = Lines(), io.StringIO()
        ctx = Context(Console(out, err), {})
        args = type("Args", (), {"host": "localhost", "port": 0, "json": False})()
        halt = threading.Event()
        result: list[int] = []
        thread = threading.Thread(
            target=lambda: result.append(_fake_server.fake_server(args, ctx, halt))
        )
        thread.start()
        assert out.printed.wait(timeout=10), out.getvalue()
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
        shown = run.out.split("global options (before or after the command's name):")[1]
        for flag in ("--json", *_GLOBAL_FLAGS):
            assert flag in shown

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
        [
            ["stack"],
            ["account"],
            ["quota"],
            ["avatars", "list"],
            ["voices", "list"],
            ["videos", "list"],
            ["templates", "list"],
            ["translations", "list"],
            ["webhooks", "list"],
        ],
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


@pytest.fixture
def v3(fake):
    """Run a command against ``fake``; also a client on it, to set things up."""

    def run(*argv):
        return cli("--base-url", fake.base_url, *argv, env={"HEYGEN_API_KEY": fake.api_key})

    with HeyGenClient(fake.api_key, base_url=fake.base_url, upload_url=fake.upload_url) as client:
        run.client = client
        yield run


class TestV3Commands:
    """The v3 listing and housekeeping commands, against FakeHeyGen."""

    def test_videos_list_table_and_json(self, v3):
        """``videos list`` prints every video; --json the same ids as the library's list."""
        expected = [video.id for video in v3.client.videos.list()]
        table = v3("videos", "list")
        assert table.status == 0, table.err
        assert table.out.splitlines()[0].split() == ["VIDEO", "ID", "STATUS", "TITLE"]
        assert all(video_id in table.out for video_id in expected)
        run = v3("videos", "list", "--json")
        assert [row["id"] for row in json.loads(run.out)] == expected

    def test_videos_list_limit(self, v3):
        """``--limit 1`` prints only the newest video; 0 is a usage error."""
        run = v3("videos", "list", "--limit", "1", "--json")
        assert len(json.loads(run.out)) == 1
        assert v3("videos", "list", "--limit", "0").status == 2

    def test_videos_delete(self, v3):
        """``videos delete`` deletes: the video is then not found."""
        video_id = next(iter(v3.client.videos.list())).id
        run = v3("videos", "delete", video_id, "--json")
        assert run.status == 0, run.err
        assert json.loads(run.out) == {"deleted": video_id}
        gone = v3("videos", "status", video_id)
        assert gone.status == 1
        assert "NotFoundError" in one_error_line(gone)

    def test_templates_list(self, v3):
        """``templates list`` shows the templates by id and name."""
        run = v3("templates", "list", "--json")
        assert run.status == 0, run.err
        rows = json.loads(run.out)
        assert [row["id"] for row in rows] == [t.id for t in v3.client.templates.list()]
        assert "NAME" in v3("templates", "list").out

    def test_translations_list(self, v3):
        """``translations list`` lists the translation jobs started."""
        [job] = v3.client.translations.create(
            video_url="https://example.com/source.mp4", output_languages=["French (France)"]
        )
        run = v3("translations", "list", "--json")
        assert run.status == 0, run.err
        assert job.id in [row["id"] for row in json.loads(run.out)]
        assert job.id in v3("translations", "list").out

    def test_webhooks_list_never_shows_secrets(self, v3):
        """``webhooks list`` lists endpoints by URL and never prints a signing secret."""
        endpoint = v3.client.webhook_endpoints.create("https://example.com/hook")
        run = v3("webhooks", "list", "--json")
        assert run.status == 0, run.err
        [row] = json.loads(run.out)
        assert row["url"] == "https://example.com/hook"
        assert "secret" not in row
        assert endpoint.secret
        assert endpoint.secret not in run.out
        assert "https://example.com/hook" in v3("webhooks", "list").out

    def test_assets_upload(self, v3, tmp_path):
        """``assets upload`` streams a file and prints the new asset."""
        path = tmp_path / "logo.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2048))
        run = v3("assets", "upload", str(path), "--json")
        assert run.status == 0, run.err
        asset = json.loads(run.out)
        assert asset["id"]
        assert v3.client.assets.get(asset["id"]).id == asset["id"]
        human = v3("assets", "upload", str(path))
        assert human.out.startswith("id ")

    def test_assets_upload_missing_file_is_usage(self, v3, tmp_path):
        """A path that is not a file: exit 2 before any call."""
        run = v3("assets", "upload", str(tmp_path / "nope.png"))
        assert run.status == 2
        assert "no such file" in one_error_line(run)


class TestRetryLinesBesideProgress:
    """A retry during a live wait is written above the status line, not through it."""

    def test_retry_during_a_live_wait(self, fake):
        """On a terminal the retry line stands alone and the status line is redrawn after it."""
        from tests.test_cli import TtyBuffer  # noqa: PLC0415 - only here

        env = {"HEYGEN_API_KEY": fake.api_key}
        created = cli(
            "--base-url", fake.base_url, "videos", "create", "--avatar-id", LOOK,
            "--script", "hi", "--json", env=env,
        )  # fmt: skip
        video_id = json.loads(created.out)["video_id"]
        fake.inject("GET", f"/v3/videos/{video_id}", Fault.server_error(503))
        argv = ["--base-url", fake.base_url, "videos", "wait", video_id, "--poll", "0.01"]
        run = cli(*argv, env=env, err=TtyBuffer())
        assert run.status == 0, run.err
        assert "\nretrying in " not in run.out
        lines = run.err.split("\r")
        retry = [part for part in lines if "retrying in " in part]
        assert retry, run.err
        assert retry[0].lstrip().startswith("retrying in ")
        assert "(attempt 1 of 3): HTTP 503\n" in retry[0]


class TestPipedWaitProgress:
    """Piped (a CI log), a wait prints each new status once as a plain line on stderr."""

    def test_each_status_once_without_redraws(self, fake):
        """Each status the polls saw is one line, no carriage return; stdout is the result."""
        env = {"HEYGEN_API_KEY": fake.api_key}
        created = cli(
            "--base-url", fake.base_url, "videos", "create", "--avatar-id", LOOK,
            "--script", "hi", "--json", env=env,
        )  # fmt: skip
        video_id = json.loads(created.out)["video_id"]
        fake.inject("GET", f"/v3/videos/{video_id}", Fault.server_error(503))
        argv = ["--base-url", fake.base_url, "videos", "wait", video_id, "--poll", "0.01"]
        run = cli(*argv, env=env)
        assert run.status == 0, run.err
        assert "\r" not in run.err
        lines = run.err.splitlines()
        statuses = [line for line in lines if line.startswith(f"video {video_id}: ")]
        assert statuses, run.err
        assert statuses[-1] == f"video {video_id}: completed"
        assert len(statuses) == len(set(statuses))  # each change once, never a repeat
        assert any(line.startswith("retrying in ") for line in lines), run.err
        assert f"video {video_id} completed" in run.out
