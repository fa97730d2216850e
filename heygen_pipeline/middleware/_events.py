"""What the middlewares that emit structlog events share: levels, the logger protocol, fields.

Every value put into an event passes through these helpers, so the logging middleware's
events and the backoff's ``http_retry`` events redact the same way.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from heygen_pipeline._library_logging import LIBRARY_LOGGER, library_logger
from heygen_pipeline._redact import redact_url, scrub
from heygen_pipeline.middleware._context import Outcome

__all__ = ["DEBUG", "ERROR", "INFO", "WARNING", "EventLogger", "bound", "outcome_fields"]

DEBUG: Final = 10
INFO: Final = 20
WARNING: Final = 30
ERROR: Final = 40

LEVEL_NAMES: Final = {DEBUG: "debug", INFO: "info", WARNING: "warning", ERROR: "error"}


class EventLogger(Protocol):
    """What the middlewares need of a logger: a structlog bound logger (or its lazy proxy)."""

    def bind(self, **new_values: Any) -> Any:
        """A logger to call ``info``/``warning``/``error`` on (and ``is_enabled_for``, if any)."""
        ...


def check_logger(logger: object) -> EventLogger:
    """``logger`` if it can ``bind``; a clear ``TypeError`` otherwise."""
    if not callable(getattr(logger, "bind", None)):
        msg = (
            "logger must be a structlog bound logger (structlog.get_logger(...)); wrap a "
            f"stdlib logger with structlog.wrap_logger, not pass a {type(logger).__name__}"
        )
        raise TypeError(msg)
    return logger  # type: ignore[return-value]  # checked above: it has bind


def default_logger(name: str = LIBRARY_LOGGER) -> EventLogger:
    """The library's own logger: silent until the application configures structlog or logging.

    See `heygen_pipeline._library_logging`: events go through the application's structlog
    configuration when there is one, else through the stdlib logger ``name``.
    """
    return library_logger(name)


def bound(logger: EventLogger, concrete: bool) -> Any:
    """The logger to call: ``logger`` itself when concrete, else a fresh ``bind()``.

    structlog's lazy proxy binds per event, so configuring structlog later still applies.
    """
    return logger if concrete else logger.bind()


def is_concrete(logger: EventLogger) -> bool:
    """Whether ``logger``'s class answers ``is_enabled_for`` (then it is used as is)."""
    return hasattr(type(logger), "is_enabled_for")


def enabled(logger: Any, level: int) -> bool:
    """Whether ``logger`` emits at ``level`` (True when it cannot tell)."""
    check = getattr(logger, "is_enabled_for", None)
    return check is None or bool(check(level))


def url_field(url: str) -> str:
    """``redact_url``, skipping the parse when there is no query or userinfo to hide."""
    if "?" in url or "@" in url:
        return redact_url(url)
    return scrub(url)


def message(exc: BaseException) -> str:
    """The exception's message, scrubbed; a broken ``__str__`` must not hide the real error."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - logging must never replace the caller's error
        return "<unprintable>"
    return scrub(text)


def outcome_fields(fields: dict[str, Any], outcome: Outcome) -> None:
    """Add ``status``, ``request_id`` and, for an exception, ``error`` and ``error_message``."""
    if isinstance(outcome, BaseException):
        fields["status"] = getattr(outcome, "status", None)
        fields["error"] = type(outcome).__name__
        fields["error_message"] = message(outcome)
        request_id = getattr(outcome, "request_id", None)
    else:
        fields["status"] = outcome.status
        request_id = outcome.request_id
    fields["request_id"] = scrub(request_id) if isinstance(request_id, str) else None
