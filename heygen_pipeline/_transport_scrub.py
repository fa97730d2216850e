"""Scrubbing what urllib3 and http.client say about a server's bytes: log records and causes.

A server can echo the key into its framing (a status line, a chunk size, a header line, a
redirect target). urllib3 logs some of it (a malformed header line at WARNING, each request
line at DEBUG) and http.client keeps it in the exceptions chained behind ours. The library
never configures logging: it only adds a `logging.Filter` to the urllib3 loggers it makes
speak (no handler, no level), and it scrubs the chain of every exception it translates.
"""

from __future__ import annotations

import logging
from typing import Final

from heygen_pipeline._redact import scrub

URLLIB3_LOGGERS: Final = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.poolmanager",
    "urllib3.util.retry",
)
"""The loggers urllib3 writes to while serving this library's calls."""


def _scrub_bytes(value: bytes) -> bytes:
    text = value.decode("latin-1")
    clean = scrub(text)
    return value if clean == text else clean.encode("latin-1")


class SecretScrubber(logging.Filter):
    """Rewrites a record whose message or traceback shows a registered secret; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub ``record`` in place (message rendered once, arguments dropped)."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot render: leave it to logging
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            scrub_chain(record.exc_info[1])
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text = scrub(record.exc_text)
            if text != record.exc_text:
                record.exc_text, record.exc_info = text, None
        return True


_FILTER: Final = SecretScrubber()


def install_log_filter() -> None:
    """Attach the scrubber to urllib3's loggers, once (idempotent)."""
    for name in URLLIB3_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SecretScrubber) for f in logger.filters):
            logger.addFilter(_FILTER)


def _scrubbed(value: object, nested: list[BaseException | None]) -> object:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, bytes):
        return _scrub_bytes(value)
    if isinstance(value, BaseException):
        nested.append(value)
    return value


def _scrub_one(exc: BaseException, nested: list[BaseException | None]) -> None:
    """Remove registered secrets from ``exc``'s args and string/bytes attributes, in place.

    Exceptions found in its args or attributes (urllib3 nests the socket error) go to ``nested``.
    """
    try:
        exc.args = tuple(_scrubbed(arg, nested) for arg in exc.args)
        for name, value in list(vars(exc).items()):
            if isinstance(value, (str, bytes, BaseException)):
                setattr(exc, name, _scrubbed(value, nested))
    except (AttributeError, TypeError):  # a read-only or slotted exception: left as it is
        return


def scrub_chain(exc: BaseException) -> None:
    """Scrub ``exc`` and every exception chained or nested behind it (each once), in place."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:  # bounded: each exception is visited once
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        _scrub_one(current, pending)
        pending += (current.__cause__, current.__context__)
