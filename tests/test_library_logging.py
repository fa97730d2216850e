"""Where the library's events go: nowhere until configured, then through the app's logging."""

import io
import logging
import subprocess
import sys
import textwrap

import pytest
import structlog
from structlog.testing import capture_logs

from heygen_pipeline import HeyGenClient
from heygen_pipeline._library_logging import LIBRARY_LOGGER, LibraryLogger, library_logger
from heygen_pipeline.middleware import RedactSecrets
from heygen_pipeline.testing import FakeHeyGen, Fault

ME = "/v3/users/me"
OTHER_TOKEN = "hgtest_other_token_0123456789"

# One call retried after a 429 (WARNING and http_retry), one that fails for good (ERROR),
# with the key echoed by the server into the error body.
SCRIPT = textwrap.dedent(
    """
    import sys
    from heygen_pipeline import HeyGenClient, default_stack
    from heygen_pipeline.errors import HeyGenError
    from heygen_pipeline.middleware import BackoffMiddleware
    from heygen_pipeline.testing import FakeHeyGen, Fault

    PREAMBLE

    with FakeHeyGen() as fake:
        stack = default_stack().replace("backoff", BackoffMiddleware(sleep=lambda _s: None))
        with HeyGenClient(fake.api_key, base_url=fake.base_url, stack=stack) as client:
            fake.inject("GET", "/v3/users/me", Fault.rate_limited("1"))
            client.get("/v3/users/me")
            fake.inject_always("GET", "/v3/users/me", Fault.server_error(503))
            try:
                client.get("/v3/users/me")
            except HeyGenError:
                pass
            APP_EVENT
        print("KEY=" + fake.api_key, file=sys.stderr)
    """
)


def run_script(preamble="", app_event=""):
    """Run SCRIPT in a fresh interpreter; return (stdout, stderr without the KEY line, key)."""
    source = SCRIPT.replace("PREAMBLE", preamble).replace("APP_EVENT", app_event)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=120, check=True
    )
    lines = done.stderr.splitlines()
    key = lines[-1].removeprefix("KEY=")
    return done.stdout, "\n".join(lines[:-1]), key


class TestSilentUntilConfigured:
    """A process that configures neither structlog nor logging gets no output at all."""

    def test_nothing_written(self):
        """Retries, a final failure and breaker events: stdout and stderr stay empty."""
        out, err, _ = run_script()
        assert (out, err) == ("", "")

    def test_import_adds_only_a_null_handler(self):
        """The library's logger holds a NullHandler; the root logger is left alone."""
        handlers = logging.getLogger(LIBRARY_LOGGER).handlers
        assert any(isinstance(h, logging.NullHandler) for h in handlers)
        code = "import logging, heygen_pipeline; print(len(logging.getLogger().handlers))"
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.strip() == "0"


class TestStdlibRoute:
    """With stdlib logging configured (and structlog not), events are stdlib records."""

    def test_basic_config_shows_events_without_the_key(self):
        """logging.basicConfig at INFO: attempt, retry and failure lines; the key nowhere."""
        preamble = (
            "import logging\n"
            "logging.basicConfig(level=logging.INFO, stream=sys.stdout,"
            " format='%(levelname)s %(name)s %(message)s')"
        )
        out, err, key = run_script(preamble)
        assert err == ""
        lines = out.splitlines()
        assert any(line.startswith("WARNING heygen_pipeline http_request ") for line in lines)
        assert any(line.startswith("WARNING heygen_pipeline http_retry ") for line in lines)
        assert any(line.startswith("ERROR heygen_pipeline http_request ") for line in lines)
        assert any(line.startswith("INFO heygen_pipeline http_request ") for line in lines)
        assert "status=429" in out
        assert key not in out

    def test_app_events_redacted_by_the_filter(self):
        """The app's own records pass RedactSecrets.logging_filter(): its token is removed."""
        preamble = (
            "import logging\n"
            "from heygen_pipeline.middleware import RedactSecrets\n"
            "handler = logging.StreamHandler(sys.stdout)\n"
            f"handler.addFilter(RedactSecrets({OTHER_TOKEN!r}).logging_filter())\n"
            "logging.basicConfig(level=logging.WARNING, handlers=[handler])"
        )
        app_event = (
            "logging.getLogger('app').warning('calling with %s and %s',"
            f" {OTHER_TOKEN!r}, fake.api_key, extra={{'token': {OTHER_TOKEN!r}}})"
        )
        out, _, key = run_script(preamble, app_event)
        assert "calling with REDACTED and REDACTED" in out
        assert OTHER_TOKEN not in out
        assert key not in out

    @pytest.fixture
    def stdlib_only(self, monkeypatch):
        """The process as an app that configured stdlib logging and not structlog."""
        monkeypatch.setattr(structlog, "is_configured", lambda: False)
        logger = logging.getLogger(LIBRARY_LOGGER)
        level = logger.level
        logger.setLevel(logging.DEBUG)
        yield logger
        logger.setLevel(level)

    def test_records_carry_the_fields(self, stdlib_only, caplog):
        """Each record's attributes hold the event's fields, for structured formatters."""
        with FakeHeyGen() as fake, HeyGenClient(fake.api_key, base_url=fake.base_url) as client:
            caplog.set_level(logging.INFO, logger=LIBRARY_LOGGER)
            client.get(ME)
        (record,) = [r for r in caplog.records if r.name == LIBRARY_LOGGER]
        assert record.levelno == logging.INFO
        assert (record.method, record.status, record.attempt) == ("GET", 200, 1)
        assert record.request_id == fake.requests[-1].request_id
        assert record.getMessage().startswith("http_request method='GET' url=")
        assert "request_headers" not in record.__dict__  # INFO: no header dicts

    def test_debug_level_adds_headers(self, stdlib_only, caplog):
        """At DEBUG the header dicts come along, the key REDACTED."""
        with FakeHeyGen() as fake, HeyGenClient(fake.api_key, base_url=fake.base_url) as client:
            caplog.set_level(logging.DEBUG, logger=LIBRARY_LOGGER)
            client.get(ME)
        (record,) = [r for r in caplog.records if r.name == LIBRARY_LOGGER]
        assert "request_headers" in record.__dict__
        assert fake.api_key not in repr(record.__dict__)

    def test_level_filter_skips_building(self, stdlib_only, caplog):
        """Below the stdlib logger's level, no record is made."""
        stdlib_only.setLevel(logging.ERROR)
        with FakeHeyGen() as fake, HeyGenClient(fake.api_key, base_url=fake.base_url) as client:
            caplog.set_level(logging.ERROR, logger=LIBRARY_LOGGER)
            fake.inject("GET", ME, Fault.rate_limited("0"))
            client.get(ME)
        assert [r for r in caplog.records if r.name.startswith(LIBRARY_LOGGER)] == []

    def test_reserved_names_stay_in_the_message(self, stdlib_only, caplog):
        """A field named like a LogRecord attribute is not an attribute, only in the text."""
        caplog.set_level(logging.INFO, logger=LIBRARY_LOGGER)
        library_logger().info("x_event", name="field", msg="m", status=1)
        (record,) = caplog.records
        assert record.name == LIBRARY_LOGGER
        assert record.status == 1
        assert record.getMessage() == "x_event name='field' msg='m' status=1"


class TestStructlogRoute:
    """With structlog configured by the app, events go through its processors."""

    def test_configured_structlog_receives_events(self):
        """capture_logs configures structlog: the library's events reach it."""
        with (
            FakeHeyGen() as fake,
            HeyGenClient(fake.api_key, base_url=fake.base_url) as client,
            capture_logs() as events,
        ):
            client.get(ME)
        assert [e["event"] for e in events] == ["http_request"]

    def test_app_processor_chain_with_redaction(self):
        """The app's own chain (RedactSecrets, a renderer) handles the library's events."""
        out = io.StringIO()
        was_configured, before = structlog.is_configured(), structlog.get_config()
        structlog.configure(
            processors=[RedactSecrets(OTHER_TOKEN), structlog.processors.KeyValueRenderer()],
            logger_factory=structlog.PrintLoggerFactory(out),
        )
        try:
            with FakeHeyGen() as fake:
                with HeyGenClient(fake.api_key, base_url=fake.base_url) as client:
                    client.get(ME, headers={"X-Trace": OTHER_TOKEN})
                structlog.get_logger("app").info("app_event", token=OTHER_TOKEN, key=fake.api_key)
        finally:
            structlog.reset_defaults()
            if was_configured:
                structlog.configure(**before)
        text = out.getvalue()
        assert "event='http_request'" in text
        assert "token='REDACTED'" in text
        assert OTHER_TOKEN not in text
        assert fake.api_key not in text


class TestLibraryLogger:
    """The logger object itself."""

    def test_bind_adds_context(self, monkeypatch, caplog):
        """bind() returns a logger whose events carry the bound fields."""
        monkeypatch.setattr(structlog, "is_configured", lambda: False)
        caplog.set_level(logging.INFO, logger=LIBRARY_LOGGER)
        logger = library_logger().bind(component="slots")
        assert logger.bind() is logger
        logger.info("repaired", released=2)
        (record,) = caplog.records
        assert (record.component, record.released) == ("slots", 2)

    def test_repr_and_names(self):
        """It names itself; shared and breaker loggers sit under heygen_pipeline."""
        shown = repr(LibraryLogger("heygen_pipeline.shared"))
        assert shown == "LibraryLogger('heygen_pipeline.shared')"
        assert library_logger().name == LIBRARY_LOGGER
