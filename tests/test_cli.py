import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest

from heygen_pipeline import DEFAULT_NAMES, __version__
from heygen_pipeline._cli._console import Console, Progress, is_tty, one_line, plain
from heygen_pipeline._cli._demo import Demo
from heygen_pipeline.cli import _DEMO_KEY, main
from heygen_pipeline.resources import Videos
from heygen_pipeline.testing import FakeHeyGen, Fault
from heygen_pipeline.testing.pytest_plugin import checked_fake

STACK_NAMES = ["envelope", "backoff", "redirects", "breaker", "logging", "auth", "transport"]
DEMO_SECTIONS = [
    "== The stack, outermost first",
    "   envelope -> backoff -> redirects -> breaker -> logging -> auth -> urllib3",
    "== Avatars and voices (client.avatars.list(), client.voices.list())",
    "== A video job: create (with an Idempotency-Key), wait, download",
    "== 429 with Retry-After: 1 (the backoff waits as asked, then succeeds)",
    "== An outage: 503s open the breaker, which then fails fast",
    "== Bad requests: refused before sending, or by HeyGen in its own words",
    "== The key in log lines: REDACTED",
]
ESCAPES = re.compile(r"\x1b|\r|[\x00-\x08\x0b-\x1f\x7f]")
"""ANSI escapes, carriage returns and every other control character but newline and tab."""


class TtyBuffer(io.StringIO):
    """A buffer that says it is a terminal."""

    def isatty(self):
        """Always: this buffer stands in for a terminal."""
        return True


@attrs.frozen
class Run:
    """The outcome of one in-process run of the command line."""

    status: int
    out: str
    err: str


def cli(*argv, env=None, out=None, err=None):
    """Run ``main`` in-process with its own streams and environment."""
    out = io.StringIO() if out is None else out
    err = io.StringIO() if err is None else err
    status = main(list(argv), out=out, err=err, env={} if env is None else env)
    return Run(status, out.getvalue(), err.getvalue())


def without_status_lines(run: Run, video_id: str) -> Run:
    """``run`` with the piped wait's ``video ID: status`` lines taken out of stderr."""
    prefix = f"video {video_id}: "
    kept = [line for line in run.err.splitlines(keepends=True) if not line.startswith(prefix)]
    return Run(run.status, run.out, "".join(kept))


def listed_names(text: str) -> list[str]:
    """The names in ``heygen-pipeline stack`` output, in order."""
    return [line.split()[1] for line in text.splitlines() if line.strip()]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a command in a subprocess (bounded in time), capturing its output."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("HEYGEN_API_KEY", None)
    return subprocess.run(  # noqa: S603 - the arguments are this test's own
        args, capture_output=True, text=True, timeout=60, check=False, env=env
    )


def closed_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fake():
    """A fresh FakeHeyGen (jobs complete on the third poll)."""
    with checked_fake(api_key="cli-test-key-0b8e41d7") as server:
        yield server


@pytest.fixture
def api(fake):
    """Run a command against ``fake`` with its key in the environment."""

    def run(*argv, env=None, **streams):
        env = {"HEYGEN_API_KEY": fake.api_key} if env is None else env
        return cli("--base-url", fake.base_url, *argv, env=env, **streams)

    return run


def one_error_line(run: Run) -> str:
    """The single ``error: ...`` line on stderr (asserting there is exactly one, no traceback)."""
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith("error: ")
    assert "Traceback" not in run.err
    return run.err.strip()


LOOK = "Daisy-inskirt-20220818"
"""A look id: what ``POST /v3/videos`` takes as ``avatar_id``."""


def create_video(api) -> str:
    """Create a video through the CLI and return its id."""
    run = api("videos", "create", "--avatar-id", LOOK, "--script", "hello", "--json")
    assert run.status == 0, run.err
    return json.loads(run.out)["video_id"]


@pytest.fixture(scope="module")
def demo_output() -> tuple[int, str, float]:
    """The demo, run once for the module (about two seconds of real waiting)."""
    buffer = io.StringIO()
    started = time.monotonic()
    status = main(["demo"], out=buffer, err=io.StringIO(), env={})
    return status, buffer.getvalue(), time.monotonic() - started


class TestDemo:
    """``heygen-pipeline demo``: the walk through the pipeline against an embedded fake."""

    def test_exit_status_and_duration(self, demo_output):
        """The demo succeeds, within a few seconds (two real one-second waits)."""
        assert demo_output[0] == 0
        assert demo_output[2] < 20

    def test_sections_in_order(self, demo_output):
        """Every section is printed, in the order of the walk."""
        text = demo_output[1]
        positions = [text.find(section) for section in DEMO_SECTIONS]
        assert -1 not in positions
        assert positions == sorted(positions)

    def test_each_step_reports_its_outcome(self, demo_output):
        """Each step prints what happened, including the typed errors."""
        text = demo_output[1]
        assert "avatar looks (a look's id is a video's avatar_id), first: " in text
        assert "     Daisy-inskirt-20220818" in text
        assert re.search(r"created \w+ \(the POST carried Idempotency-Key: \w+\)", text)
        assert "   status: pending\n" in text
        assert "   status: completed\n" in text
        assert re.search(r"downloaded 1048576 bytes from the CDN host", text)
        assert "the CDN host saw the key: False" in text
        assert "succeeded after " in text
        assert "CircuitOpenError after " in text
        assert "client.videos.create(avatar_id='Abigail_expressive_2024112501'" in text
        assert "recovered: fake-user, wallet balance 120 usd" in text
        assert "before sending: ValueError: avatar_id is required" in text
        assert re.search(
            r"from the server: BadRequestError: HTTP 400 \[invalid_parameter\] "
            r"body\.avatar_id: .* \(param: avatar_id\)",
            text,
        )
        assert text.rstrip().endswith("CDN saw key = False")

    def test_retry_after_is_honoured(self, demo_output):
        """The 429 step waits about the second it was asked to."""
        waited = float(re.search(r"succeeded after (\d+\.\d) s", demo_output[1]).group(1))
        assert 0.9 <= waited < 5

    def test_log_lines_are_terse(self, demo_output):
        """Log lines are key=value, without header dicts, request ids or timings."""
        logs = [line for line in demo_output[1].splitlines() if line.startswith("   log: ")]
        assert any("level='info' event='http_request' method='GET'" in line for line in logs)
        assert any("event='circuit_breaker_state_change'" in line for line in logs)
        assert any("status=429 attempt=1 retry_in=1.0" in line for line in logs)
        general = [line for line in logs if "request_headers" not in line]
        assert len(general) == len(logs) - 1
        assert not any(k in line for line in logs for k in ("elapsed_ms", "request_id="))

    def test_key_shown_as_redacted(self, demo_output):
        """The line logged inside auth shows X-Api-Key as REDACTED; so does the app event."""
        text = demo_output[1]
        assert "'X-Api-Key': 'REDACTED'" in text
        assert "note='calling HeyGen with key REDACTED'" in text
        assert re.search(r"The key appears in none of the \d+ lines above: True", text)

    def test_never_prints_the_key(self, demo_output):
        """The demo key appears nowhere in the output."""
        assert _DEMO_KEY not in demo_output[1]

    def test_piped_output_is_plain(self, demo_output):
        """Not a terminal: no carriage returns, no escape sequences, no control characters."""
        assert ESCAPES.search(demo_output[1]) is None

    def test_live_progress_on_a_terminal(self, tmp_path):
        """On a terminal the wait redraws one status line in place and leaves the final one."""
        out = TtyBuffer()
        with FakeHeyGen(render_polls=3) as fake:
            demo = Demo(fake, out, tmp_path)
            with demo.client() as client:
                demo.video(client, *demo.catalogue(client))
        text = out.getvalue()
        assert "\r   status: pending (" in text
        assert "\r   status: completed" in text
        assert "\x1b" not in text
        assert "downloaded 65536 bytes" in text  # this test's fake serves 64 KiB videos
        (saved,) = tmp_path.iterdir()
        assert saved.stat().st_size == 65536


class TestStack:
    """``heygen-pipeline stack``: the default stack, outermost first."""

    def test_lists_the_default_names_in_order(self):
        """The six default names, in order, then the transport."""
        run = cli("stack")
        assert run.status == 0
        assert listed_names(run.out) == [*DEFAULT_NAMES, "transport"] == STACK_NAMES

    def test_numbered_with_reprs(self):
        """Each line is numbered and shows the middleware's repr; the key placeholder too."""
        lines = cli("stack").out.splitlines()
        assert [line.split(".")[0] for line in lines] == [str(i) for i in range(1, 8)]
        assert lines[5].endswith("ClientAuth()")
        assert lines[6].endswith("Urllib3Transport()")

    def test_json(self):
        """--json (before or after the command) prints the names and reprs as one document."""
        for argv in (["stack", "--json"], ["--json", "stack"]):
            doc = json.loads(cli(*argv).out)
            assert [entry["name"] for entry in doc] == STACK_NAMES
            assert doc[-1]["middleware"] == "Urllib3Transport()"

    def test_defaults_to_stdout(self, capsys):
        """Without ``out`` the listing goes to standard output."""
        assert main(["stack"]) == 0
        assert listed_names(capsys.readouterr().out) == STACK_NAMES


class TestCatalogue:
    """``avatars list`` and ``voices list`` against FakeHeyGen."""

    def test_avatars_table(self, api):
        """A heading and one aligned row per avatar look (v3: looks are what videos show)."""
        run = api("avatars", "list")
        assert run.status == 0
        lines = run.out.splitlines()
        assert lines[0].split() == ["LOOK", "ID", "NAME", "TYPE", "GENDER"]
        assert len(lines) == 7
        assert lines[2].startswith("Daisy-inskirt-20220818 ")
        assert lines[2].endswith("studio_avatar  female")
        assert run.err == ""

    def test_avatars_json(self, api):
        """--json: the looks as a JSON list of the model's fields (a look id is an avatar_id)."""
        doc = json.loads(api("avatars", "list", "--json").out)
        assert [a["id"] for a in doc][:2] == [
            "Abigail_expressive_2024112501",
            "Daisy-inskirt-20220818",
        ]
        assert {a["group_id"] for a in doc} >= {"grp-daisy"}

    def test_voices_filtered_by_language(self, api):
        """--language keeps only that language's voices, whatever the case."""
        run = api("voices", "list", "--language", "spanish")
        assert run.status == 0
        assert run.out.splitlines()[1:] == ["v-f-es-1  Lucia - Warm  Spanish   female"]

    def test_voices_json(self, api):
        """--json: every voice."""
        assert len(json.loads(api("voices", "list", "--json").out)) == 6

    def test_rate_limit_is_retried(self, api, fake):
        """A 429 with Retry-After: 0 is retried and the command succeeds."""
        fake.inject("GET", "/v3/avatars/looks", Fault.rate_limited("0"))
        assert api("avatars", "list").status == 0
        assert len(fake.requests_for("GET", "/v3/avatars/looks")) == 2


class TestAccount:
    """``account``: the v3 account (GET /v3/users/me) and its balance."""

    def test_human(self, api, fake):
        """User, billing type and wallet balance, from /v3/users/me."""
        run = api("account")
        assert run.status == 0
        assert run.out == (
            "user: fake-user (Fake User)\nbilling: wallet\nwallet balance: 120 usd\n"
        )
        assert fake.requests_for("GET", "/v3/users/me")

    def test_json(self, api):
        """--json: the User model's fields."""
        data = json.loads(api("account", "--json").out)
        assert data["username"] == "fake-user"
        assert data["wallet"]["remaining_balance"] == 120.0


class TestQuota:
    """``quota``: seconds and credits."""

    def test_human(self, api):
        """Seconds and credits (60 seconds a credit)."""
        assert api("quota").out == "remaining quota: 3600 seconds (60 credits)\n"

    def test_json(self, api):
        """--json: seconds and credits."""
        assert json.loads(api("quota", "--json").out) == {
            "remaining_seconds": 3600,
            "credits": 60.0,
        }

    def test_base_url_from_the_environment(self, fake):
        """HEYGEN_BASE_URL points the command at another host when --base-url is absent."""
        env = {"HEYGEN_API_KEY": fake.api_key, "HEYGEN_BASE_URL": fake.base_url}
        assert cli("quota", env=env).status == 0


class TestVideos:
    """``videos create``, ``videos status`` and ``videos wait``."""

    def test_create_from_flags(self, api, fake):
        """The flags become a v3 create body, sent with an Idempotency-Key."""
        run = api("videos", "create", "--avatar-id", "a1", "--voice-id", "v1", "--script", "hi")
        assert run.status == 0
        assert run.out.startswith("created video ")
        video_id = run.out.split()[-1]
        assert video_id in fake.video_ids
        (sent,) = fake.requests_for("POST", "/v3/videos")
        assert json.loads(sent.body) == {
            "type": "avatar",
            "avatar_id": "a1",
            "voice_id": "v1",
            "script": "hi",
        }
        assert sent.headers.get("idempotency-key")

    def test_create_with_own_idempotency_key(self, api, fake):
        """--idempotency-key is sent as given; repeating it creates one video."""
        argv = ("--avatar-id", LOOK, "--script", "hi", "--idempotency-key", "order-7", "--json")
        first = api("videos", "create", *argv)
        again = api("videos", "create", *argv)
        assert json.loads(first.out) == json.loads(again.out)
        assert fake.creations_by_key == {"order-7": 1}

    def test_create_from_json_body(self, api, fake, tmp_path):
        """--json-body is sent as is, with the flags given laid over it."""
        body = tmp_path / "body.json"
        doc = {"type": "avatar", "avatar_id": LOOK, "script": "from file", "title": "t"}
        body.write_text(json.dumps(doc))
        run = api("videos", "create", "--json-body", str(body), "--title", "flag")
        assert run.status == 0
        (sent,) = fake.requests_for("POST", "/v3/videos")
        assert json.loads(sent.body) == {**doc, "title": "flag"}

    def test_create_refuses_what_the_spec_refuses(self, api, fake):
        """No look id for an avatar video: exit 2 naming avatar_id, before any request."""
        run = api("videos", "create", "--script", "hi")
        assert run.status == 2
        assert "avatar_id is required" in one_error_line(run)
        assert fake.requests_for("POST", "/v3/videos") == []

    @pytest.mark.parametrize(
        ("content", "message"),
        [(None, "cannot read --json-body"), ("{", "is not JSON"), ("[1]", "a JSON object")],
    )
    def test_bad_json_body_is_usage(self, api, tmp_path, content, message):
        """A missing, non-JSON or non-object body file: exit 2, one line, nothing sent."""
        body = tmp_path / "body.json"
        if content is not None:
            body.write_text(content)
        run = api("videos", "create", "--json-body", str(body))
        assert run.status == 2
        assert message in one_error_line(run)

    def test_create_without_script_is_usage(self, api, fake):
        """Nothing to say: exit 2 before any request."""
        run = api("videos", "create", "--avatar-id", "a1")
        assert run.status == 2
        assert "--script" in one_error_line(run)
        assert fake.requests_for("POST", "/v3/videos") == []

    def test_status_human_and_json(self, api):
        """Status as aligned fields, or as the v3 video object."""
        video_id = create_video(api)
        run = api("videos", "status", video_id)
        assert run.status == 0
        assert re.search(rf"^id +{video_id}$", run.out, re.MULTILINE)
        assert re.search(r"^status +pending$", run.out, re.MULTILINE)
        doc = json.loads(api("videos", "status", video_id, "--json").out)
        assert doc["id"] == video_id
        assert doc["status"] == "processing"

    def test_status_of_unknown_video(self, api):
        """404: exit 1 with HeyGen's status, code, message and request id on one line."""
        run = api("videos", "status", "no-such-video")
        assert run.status == 1
        line = one_error_line(run)
        assert "NotFoundError: HTTP 404 [video_not_found] Video not found" in line
        assert "request id: " in line
        assert run.out == ""

    def test_wait_then_download_to_a_folder(self, api, fake, tmp_path):
        """The wait ends at completed; the video lands as VIDEO_ID.mp4; the CDN saw no key."""
        video_id = create_video(api)
        run = api("videos", "wait", video_id, "--poll", "0.01", "--download", str(tmp_path))
        assert run.status == 0, run.err
        saved = tmp_path / f"{video_id}.mp4"
        assert saved.read_bytes() == fake.video_payload()
        assert f"video {video_id} completed: " in run.out
        assert f"saved 65536 bytes to {saved}" in run.out
        assert [p.name for p in tmp_path.iterdir()] == [saved.name]  # no partial file left
        assert fake.cdn_saw_key is False
        # Not a terminal: each status once, as plain lines (no redraws).
        assert run.err.splitlines()[-1] == f"video {video_id}: completed"
        assert "\r" not in run.err

    def test_wait_json_with_download_to_a_file(self, api, tmp_path):
        """--json: the final video object and where it was saved."""
        video_id = create_video(api)
        dest = tmp_path / "clip.mp4"
        run = api("videos", "wait", video_id, "--poll", "0.01", "--download", str(dest), "--json")
        doc = json.loads(run.out)
        assert doc["video"]["status"] == "completed"
        assert doc["download"]["bytes"] == 65536
        assert Path(doc["download"]["path"]).name == "clip.mp4"

    def test_wait_progress_on_a_terminal(self, api):
        """With stderr on a terminal the wait redraws a status line there; stdout stays plain."""
        video_id = create_video(api)
        run = api("videos", "wait", video_id, "--poll", "0.01", err=TtyBuffer())
        assert run.status == 0
        assert f"\rvideo {video_id}: pending" in run.err
        assert ESCAPES.search(run.out) is None

    def test_wait_for_a_failed_video(self, api, fake):
        """A failed render: exit 1 with HeyGen's code and message on one line."""
        fake.fail_video(code="AVATAR_NOT_READY", message="The avatar is still training")
        video_id = create_video(api)
        run = api("videos", "wait", video_id, "--poll", "0.01")
        assert run.status == 1
        assert run.err.startswith(f"video {video_id}: pending\n")
        line = one_error_line(without_status_lines(run, video_id))
        assert video_id in line
        assert "AVATAR_NOT_READY" in line
        assert "The avatar is still training" in line

    def test_wait_times_out(self, api):
        """A job not done by --timeout: exit 1 with one line naming the video and its status.

        The wait really lasts the 0.3 s timeout (the poll interval of 5 s is cut to it).
        """
        video_id = create_video(api)
        started = time.monotonic()
        run = api("videos", "wait", video_id, "--timeout", "0.3", "--poll", "5")
        assert time.monotonic() - started < 3
        assert run.status == 1
        line = one_error_line(without_status_lines(run, video_id))
        assert line.startswith("error: WaitTimeoutError: ")
        assert video_id in line
        assert "last status: pending" in line

    @pytest.mark.parametrize(("timeout", "poll"), [("0", "1"), ("-1", "1"), ("10", "-1")])
    def test_wait_bad_bounds_are_usage(self, api, timeout, poll):
        """A timeout that cannot bound the wait is a usage error."""
        run = api("videos", "wait", "v", "--timeout", timeout, "--poll", poll)
        assert run.status == 2
        one_error_line(run)

    def test_download_into_missing_folder_is_usage(self, api, tmp_path):
        """--download into a folder that does not exist: exit 2 before waiting."""
        run = api("videos", "wait", "v", "--download", str(tmp_path / "no" / "x.mp4"))
        assert run.status == 2
        assert "no such directory" in one_error_line(run)

    def test_an_id_that_is_not_a_file_name_is_usage(self, api, tmp_path):
        """--download into a folder with an id like ``../x``: exit 2, nothing written."""
        run = api("videos", "wait", "../x", "--download", str(tmp_path))
        assert run.status == 2
        assert "not a safe file name" in one_error_line(run)
        assert list(tmp_path.parent.glob("x.mp4")) == []


class TestErrors:
    """Errors are one line on stderr, with the right exit status, and never show the key."""

    def test_missing_key(self):
        """No HEYGEN_API_KEY: exit 2 and a line saying what to do."""
        run = cli("quota", env={"HEYGEN_API_KEY": "  "})
        assert run.status == 2
        line = one_error_line(run)
        assert "HEYGEN_API_KEY is not set" in line
        assert "demo" in line

    @pytest.mark.parametrize(
        "argv",
        [
            ["quota"],
            ["avatars", "list"],
            ["voices", "list", "--json"],
            ["videos", "status", "x"],
            ["videos", "create", "--avatar-id", "look-1", "--script", "s"],
            ["-v", "quota"],
        ],
    )
    def test_wrong_key_never_printed(self, fake, argv):
        """401: exit 1, one line with the status, and the key passed via env appears nowhere."""
        key = "sk-live-WRONG-5d1c7a3b9e"
        run = cli("--base-url", fake.base_url, *argv, env={"HEYGEN_API_KEY": key})
        assert run.status == 1
        assert "HTTP 401" in run.err.splitlines()[-1]
        assert "AuthenticationError" in run.err
        assert key not in run.out
        assert key not in run.err
        if "-v" not in argv:
            one_error_line(run)

    def test_key_echoed_by_the_server(self, api, fake):
        """An error body that echoes the key: the one error line shows REDACTED instead."""
        echo = {"error": {"code": "invalid_parameter", "message": f"bad key {fake.api_key}"}}
        fake.inject("GET", "/v2/user/remaining_quota", Fault.status(400, echo))
        run = api("quota")
        assert run.status == 1
        line = one_error_line(run)
        assert "bad key REDACTED" in line
        assert fake.api_key not in line

    def test_verbose_logs_to_stderr(self, api, fake):
        """-v logs each attempt to stderr, key redacted; stdout keeps its one JSON document."""
        run = api("-v", "avatars", "list", "--json")
        assert run.status == 0
        assert "event='http_request' method='GET'" in run.err
        assert fake.api_key not in run.err
        assert len(json.loads(run.out)) == 6

    def test_server_error_without_retries(self, api, fake):
        """--max-attempts 1: a 503 is reported at once as one line with the status."""
        fake.inject("GET", "/v2/user/remaining_quota", Fault.server_error(503))
        run = api("quota", "--max-attempts", "1")
        assert run.status == 1
        assert "ServerError: HTTP 503" in one_error_line(run)

    def test_bad_max_attempts_is_usage(self, api):
        """--max-attempts 0 is a usage error."""
        run = api("quota", "--max-attempts", "0")
        assert run.status == 2
        one_error_line(run)

    def test_transport_error(self):
        """Nothing listening: exit 1 with a ConnectError line, no traceback."""
        url = f"http://127.0.0.1:{closed_port()}"
        run = cli(
            "--base-url", url, "--max-attempts", "1", "quota", env={"HEYGEN_API_KEY": "k" * 8}
        )
        assert run.status == 1
        assert one_error_line(run).startswith("error: ConnectError")

    def test_insecure_base_url_is_usage(self):
        """Sending the key over plain http to a remote host is refused as a usage error."""
        env = {"HEYGEN_API_KEY": "k" * 8}
        run = cli("--base-url", "http://api.example.com", "quota", env=env)
        assert run.status == 2
        assert "InsecureTransportError" in one_error_line(run)

    def test_ctrl_c(self, api, monkeypatch):
        """Ctrl-C during a command: exit 130 with one line, no traceback."""

        def interrupted(*_args):
            raise KeyboardInterrupt

        monkeypatch.setattr(Videos, "get", interrupted)
        run = api("videos", "status", "v")
        assert run.status == 130
        assert one_error_line(run) == "error: interrupted"


class TestArguments:
    """Argument parsing: usage errors return 2, --help and --version return 0."""

    def test_version(self):
        """--version prints the program name and version on stdout."""
        run = cli("--version")
        assert run.status == 0
        assert run.out.strip() == f"heygen-pipeline {__version__}"

    def test_help(self):
        """--help lists the commands on stdout."""
        run = cli("--help")
        assert run.status == 0
        for name in ("demo", "stack", "quota", "avatars", "voices", "videos"):
            assert name in run.out

    @pytest.mark.parametrize(
        "argv", [["frobnicate"], [], ["stack", "--bogus"], ["videos"], ["videos", "wait"]]
    )
    def test_bad_usage_exits_2(self, argv):
        """An unknown or missing command or argument: exit 2, usage on stderr, nothing on stdout."""
        run = cli(*argv)
        assert run.status == 2
        assert "usage: heygen-pipeline" in run.err
        assert run.out == ""

    def test_demo_has_no_json(self):
        """``demo --json`` is refused: the demo only talks to people."""
        run = cli("demo", "--json")
        assert run.status == 2
        assert "no --json" in one_error_line(run)

    def test_defaults_to_process_streams(self, capsys):
        """Without ``err`` a usage error goes to standard error."""
        assert main(["nope"], env={}) == 2
        assert "invalid choice" in capsys.readouterr().err


class TestConsole:
    """The output helpers: plain text, aligned tables, live or quiet progress."""

    def test_plain_escapes_control_characters(self):
        """Control characters and bidi overrides from the API are shown escaped."""
        assert plain("a\x1b[31mb\rc\u202e") == "a\\x1b[31mb\\x0dc\\x202e"
        assert plain(None) == ""

    def test_one_line(self):
        """Newlines and runs of spaces fold into one line."""
        assert one_line("a\n  b\tc") == "a b c"

    def test_table_escapes_cells(self):
        """A value with an escape sequence cannot reach the terminal raw."""
        out = io.StringIO()
        Console(out, io.StringIO()).table([("NAME", "n")], [{"n": "evil\x1b[2J"}])
        assert "\x1b" not in out.getvalue()
        assert "evil\\x1b[2J" in out.getvalue()

    def test_hidden_secrets_never_written(self):
        """A hidden secret shows as REDACTED on every stream and in JSON; short ones are ignored."""
        out, err = io.StringIO(), io.StringIO()
        console = Console(out, err)
        console.hide("sk-hide-me-123")
        console.hide("ab")
        console.line("key sk-hide-me-123 ab")
        console.json({"k": "sk-hide-me-123"})
        console.error("bad sk-hide-me-123")
        assert "sk-hide-me-123" not in out.getvalue() + err.getvalue()
        assert out.getvalue().startswith("key REDACTED ab\n")
        assert err.getvalue() == "error: bad REDACTED\n"

    def test_is_tty(self):
        """Buffers are not terminals; a closed stream is not either."""
        closed = io.StringIO()
        closed.close()
        assert is_tty(TtyBuffer())
        assert not is_tty(io.StringIO())
        assert not is_tty(closed)

    def test_live_progress_redraws_in_place(self):
        """Live: redrawn in place, shorter text padded over the longer; close ends the line."""
        now = [0.0]
        out = TtyBuffer()
        progress = Progress(out, live=True, clock=lambda: now[0])
        progress.show("waiting", detail="(1 s)")
        now[0] = 1.0
        progress.show("done")
        progress.close()
        assert out.getvalue() == "\rwaiting (1 s)\rdone         \n"

    def test_live_progress_is_throttled(self):
        """Live redraws come at most ten a second; close shows the latest text."""
        out = TtyBuffer()
        progress = Progress(out, live=True, clock=lambda: 0.0)
        for n in range(100):
            progress.show(f"{n}%")
        assert out.getvalue() == "\r0%"
        progress.close()
        assert out.getvalue().endswith("\r99%\n")

    def test_lines_above_live_progress(self):
        """A line written while progress is live appears above it; the status is redrawn."""
        out = TtyBuffer()
        progress = Progress(out, live=True, clock=lambda: 0.0)
        progress.show("busy")
        progress.write_line("log line")
        assert out.getvalue() == "\rbusy\r    \rlog line\n\rbusy"

    def test_piped_lines_mode(self):
        """Piped with ``lines``: each new text once, details dropped, nothing else."""
        out = io.StringIO()
        progress = Progress(out, live=False, lines=True)
        for text in ("pending", "pending", "done"):
            progress.show(text, detail="(0 s)")
        progress.close("done")
        assert out.getvalue() == "pending\ndone\n"

    def test_piped_quiet_mode(self):
        """Piped without ``lines``: progress prints nothing."""
        out = io.StringIO()
        progress = Progress(out, live=False)
        progress.show("50%")
        progress.close("100%")
        assert out.getvalue() == ""


class TestEntryPoints:
    """The installed console script and ``python -m heygen_pipeline``."""

    def test_console_script(self):
        """``heygen-pipeline stack`` works as installed next to this interpreter."""
        script = Path(sys.executable).with_name("heygen-pipeline")
        if not script.exists():
            pytest.skip("the package is not installed with its console script")
        result = run_cli(str(script), "stack")
        assert result.returncode == 0, result.stderr
        assert listed_names(result.stdout) == STACK_NAMES

    def test_python_dash_m(self):
        """``python -m heygen_pipeline stack`` works."""
        result = run_cli(sys.executable, "-m", "heygen_pipeline", "stack")
        assert result.returncode == 0, result.stderr
        assert listed_names(result.stdout) == STACK_NAMES
        assert result.stderr == ""

    def test_python_dash_m_usage_error(self):
        """``python -m heygen_pipeline`` with a bad command exits 2."""
        result = run_cli(sys.executable, "-m", "heygen_pipeline", "nope")
        assert result.returncode == 2
        assert "invalid choice" in result.stderr

    def test_reader_going_away(self):
        """``demo | head -1``: the demo stops quietly when its reader closes the pipe."""
        env = {**os.environ, "PYTHONWARNINGS": "error"}
        with subprocess.Popen(
            [sys.executable, "-m", "heygen_pipeline", "demo"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        ) as process:
            assert process.stdout is not None
            assert process.stdout.readline() == b"== The stack, outermost first\n"
            process.stdout.close()
            _, errors = process.communicate(timeout=60)
        assert process.returncode == 1
        assert errors == b""

    def test_python_dash_m_missing_key(self):
        """A command that needs the key, without one: exit 2, one line, no traceback."""
        result = run_cli(sys.executable, "-m", "heygen_pipeline", "quota")
        assert result.returncode == 2
        assert result.stderr.startswith("error: HEYGEN_API_KEY is not set")
        assert result.stderr.count("\n") == 1


class TestCoreDumps:
    """The command forbids core dumps of its process, which would hold the key."""

    def test_main_sets_the_core_limit_to_zero(self):
        """After main() runs, in a fresh process, RLIMIT_CORE is (0, 0)."""
        code = (
            "import resource, io\n"
            "from heygen_pipeline.cli import main\n"
            "main(['stack'], out=io.StringIO())\n"
            "print(resource.getrlimit(resource.RLIMIT_CORE))\n"
        )
        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
        assert result.stdout.strip().splitlines()[-1] == "(0, 0)"
