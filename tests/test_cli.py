import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from heygen_pipeline import DEFAULT_NAMES, __version__
from heygen_pipeline.cli import _DEMO_KEY, main

STACK_NAMES = ["envelope", "backoff", "redirects", "breaker", "logging", "auth", "transport"]
DEMO_SECTIONS = [
    "== The stack, outermost first",
    "   envelope -> backoff -> redirects -> breaker -> logging -> auth -> urllib3",
    "== Avatars and voices (v2 envelopes, unwrapped)",
    "== A video job (v3 create with an Idempotency-Key, v1 status polling)",
    "== 429 with Retry-After: 1 (the backoff waits as asked, then succeeds)",
    "== An outage: 503s open the breaker, which then fails fast",
    "== A bad request becomes a typed error with HeyGen's own words",
]


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


@pytest.fixture(scope="module")
def demo_output() -> tuple[int, str]:
    """The demo, run once for the module (it takes about two seconds of real waiting)."""
    buffer = io.StringIO()
    status = main(["demo"], out=buffer)
    return status, buffer.getvalue()


class TestDemo:
    """``heygen-pipeline demo``: the walk through the pipeline against an embedded fake."""

    def test_exit_status(self, demo_output):
        """The demo succeeds."""
        assert demo_output[0] == 0

    def test_sections_in_order(self, demo_output):
        """Every section is printed, in the order of the walk."""
        text = demo_output[1]
        positions = [text.find(section) for section in DEMO_SECTIONS]
        assert -1 not in positions
        assert positions == sorted(positions)

    def test_each_step_reports_its_outcome(self, demo_output):
        """Each step prints what happened, including the typed errors."""
        text = demo_output[1]
        assert "avatars, first: " in text
        assert "   status: completed" in text
        assert "succeeded after " in text
        assert "CircuitOpenError after " in text
        assert "recovered: remaining quota 3600 seconds" in text
        assert "BadRequestError: HTTP 400 [invalid_parameter] video_inputs is invalid" in text
        assert text.rstrip().endswith("CDN saw key = False")

    def test_logs_go_to_the_given_stream(self, demo_output):
        """The structured log lines are written to the CLI's output, key=value rendered."""
        text = demo_output[1]
        assert "level='info' event='http_request' method='GET'" in text
        assert "event='circuit_breaker_state_change'" in text
        assert "'Idempotency-Key'" in text

    def test_never_prints_the_key(self, demo_output):
        """The demo key appears nowhere in the output."""
        assert _DEMO_KEY not in demo_output[1]


class TestStack:
    """``heygen-pipeline stack``: the default stack, outermost first."""

    def test_lists_the_default_names_in_order(self):
        """The six default names, in order, then the transport."""
        buffer = io.StringIO()
        assert main(["stack"], out=buffer) == 0
        assert listed_names(buffer.getvalue()) == [*DEFAULT_NAMES, "transport"] == STACK_NAMES

    def test_numbered_with_reprs(self):
        """Each line is numbered and shows the middleware's repr; the key placeholder too."""
        buffer = io.StringIO()
        main(["stack"], out=buffer)
        lines = buffer.getvalue().splitlines()
        assert [line.split(".")[0] for line in lines] == [str(i) for i in range(1, 8)]
        assert lines[5].endswith("ClientAuth()")
        assert lines[6].endswith("Urllib3Transport()")

    def test_defaults_to_stdout(self, capsys):
        """Without ``out`` the listing goes to standard output."""
        assert main(["stack"]) == 0
        assert listed_names(capsys.readouterr().out) == STACK_NAMES


class TestArguments:
    """Argument parsing."""

    def test_version(self, capsys):
        """--version prints the program name and version, and exits 0."""
        with pytest.raises(SystemExit) as info:
            main(["--version"])
        assert info.value.code == 0
        assert capsys.readouterr().out.strip() == f"heygen-pipeline {__version__}"

    @pytest.mark.parametrize("argv", [["frobnicate"], [], ["stack", "--bogus"]])
    def test_bad_usage_exits_2(self, argv, capsys):
        """An unknown or missing command is a usage error: exit status 2, message on stderr."""
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "usage: heygen-pipeline" in capsys.readouterr().err


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
