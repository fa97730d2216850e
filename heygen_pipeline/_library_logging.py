"""The library's default logger: silent until the application configures logging.

A library must not print on its own, nor configure logging for the process. Events of a
middleware or shared-state class given no logger go through `LibraryLogger`, which decides
per event, from the application's own configuration:

- structlog configured (``structlog.configure`` was called): through
  ``structlog.get_logger(name)``, so the application's processors, renderer and level filter
  apply;
- otherwise through the standard library logger ``name`` (``heygen_pipeline`` and below), as
  one record whose message is ``event key=value ...`` and whose fields are also record
  attributes (for JSON formatters); the ``heygen_pipeline`` logger has a ``NullHandler``, so
  nothing is written until the application adds a handler (``logging.basicConfig(...)``) and
  the logger's level admits the event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

import structlog

__all__ = ["LIBRARY_LOGGER", "LibraryLogger", "library_logger"]

LIBRARY_LOGGER: Final = "heygen_pipeline"

_NAMES: Final = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}
_RESERVED: Final = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
}
"""LogRecord attribute names a field may not overwrite (it is kept in the message only)."""

logging.getLogger(LIBRARY_LOGGER).addHandler(logging.NullHandler())


class LibraryLogger:
    """A logger that speaks through whatever the application configured (see the module).

    It has ``bind``, ``is_enabled_for`` and the level methods of a structlog bound logger, so
    it stands wherever the library takes one.
    """

    __slots__ = ("_context", "_stdlib", "name")

    def __init__(
        self, name: str = LIBRARY_LOGGER, context: Mapping[str, Any] | None = None
    ) -> None:
        """Log as ``name`` (a logger under ``heygen_pipeline``), with ``context`` in every event."""
        self.name = name
        self._stdlib = logging.getLogger(name)
        self._context: dict[str, Any] = dict(context or {})

    def bind(self, **new_values: Any) -> LibraryLogger:
        """This logger with ``new_values`` added to every event."""
        if not new_values:
            return self
        return LibraryLogger(self.name, {**self._context, **new_values})

    def is_enabled_for(self, level: int) -> bool:
        """Whether an event at ``level`` would be written anywhere."""
        if structlog.is_configured():
            check = getattr(structlog.get_logger(self.name).bind(), "is_enabled_for", None)
            return check is None or bool(check(level))
        return self._stdlib.isEnabledFor(level)

    def log(self, level: int, event: str, **fields: Any) -> None:
        """Emit ``event`` at ``level`` with ``fields``."""
        if self._context:
            fields = {**self._context, **fields}
        if structlog.is_configured():
            method = getattr(structlog.get_logger(self.name), _NAMES.get(level, "info"))
            method(event, **fields)
            return
        stdlib = self._stdlib
        if stdlib.isEnabledFor(level):
            extra = {k: v for k, v in fields.items() if k not in _RESERVED}
            stdlib.log(level, "%s", _Message(event, fields), extra=extra, stacklevel=3)

    def debug(self, event: str, **fields: Any) -> None:
        """Emit at DEBUG."""
        self.log(logging.DEBUG, event, **fields)

    def info(self, event: str, **fields: Any) -> None:
        """Emit at INFO."""
        self.log(logging.INFO, event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        """Emit at WARNING."""
        self.log(logging.WARNING, event, **fields)

    def error(self, event: str, **fields: Any) -> None:
        """Emit at ERROR."""
        self.log(logging.ERROR, event, **fields)

    def critical(self, event: str, **fields: Any) -> None:
        """Emit at CRITICAL."""
        self.log(logging.CRITICAL, event, **fields)

    def __repr__(self) -> str:
        """The logger's name."""
        return f"LibraryLogger({self.name!r})"


class _Message:
    """``event key=value ...``, rendered only if a handler formats the record."""

    __slots__ = ("event", "fields")

    def __init__(self, event: str, fields: Mapping[str, Any]) -> None:
        self.event = event
        self.fields = fields

    def __str__(self) -> str:
        parts = [self.event]
        parts += [f"{key}={value!r}" for key, value in self.fields.items()]
        return " ".join(parts)


def library_logger(name: str = LIBRARY_LOGGER) -> LibraryLogger:
    """The default logger of the library's classes, ``name`` under ``heygen_pipeline``."""
    return LibraryLogger(name)
