"""urllib3's own log records are scrubbed by a filter the library adds, and nothing else.

The library never configures logging: on the urllib3 loggers it makes speak it adds one
filter (no handler, no level), which rewrites only records that show a registered secret.
"""

import logging

import pytest

from heygen_pipeline import HeyGenClient
from heygen_pipeline._transport_scrub import URLLIB3_LOGGERS, SecretScrubber

KEY = "log-filter-key-5c1e9a7f3b"


@pytest.fixture(scope="module")
def client():
    """A client, so ``KEY`` is a registered secret while the tests run."""
    with HeyGenClient(KEY) as c:
        yield c


def record(msg, *args, exc_info=None):
    """A urllib3-style WARNING record."""
    return logging.LogRecord(
        "urllib3.connection", logging.WARNING, __file__, 1, msg, args, exc_info
    )


class TestSecretScrubber:
    """The filter rewrites records that show a secret, and only those."""

    def test_installed_on_urllib3_loggers_only(self, client):
        """Each urllib3 logger has the filter; no handler or level was set by the library."""
        for name in URLLIB3_LOGGERS:
            logger = logging.getLogger(name)
            assert sum(isinstance(f, SecretScrubber) for f in logger.filters) == 1
            assert logger.handlers == []
            assert logger.level == logging.NOTSET
        assert not any(isinstance(f, SecretScrubber) for f in logging.getLogger().filters)

    def test_plain_record_untouched(self, client):
        """A record without a secret keeps its message and arguments as they were."""
        plain = record("Starting new HTTP connection (%d): %s", 1, "api.heygen.com")
        assert SecretScrubber().filter(plain) is True
        assert (plain.msg, plain.args) == (
            "Starting new HTTP connection (%d): %s",
            (1, "api.heygen.com"),
        )

    def test_secret_in_arguments_and_traceback(self, client):
        """A secret in the arguments or the exception is replaced; the record is kept."""
        exc = ValueError(f"unparsed data: {KEY!r}")
        info = (ValueError, exc, None)
        echoed = record(
            "Failed to parse headers (url=%s): %s", f"/x?sig={KEY}", "bad", exc_info=info
        )
        assert SecretScrubber().filter(echoed) is True
        text = logging.Formatter().format(echoed)
        assert KEY not in text
        assert "Failed to parse headers" in text
        assert "REDACTED" in text

    def test_real_urllib3_logger_scrubs(self, client, caplog):
        """A record logged through urllib3's logger reaches handlers scrubbed."""
        with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
            logging.getLogger("urllib3.connectionpool").debug('"GET /next?sig=%s HTTP/1.1"', KEY)
        assert caplog.records
        assert all(KEY not in r.getMessage() for r in caplog.records)
