"""Structured logging: one structlog event per attempt, with every secret redacted.

The event carries the method, the redacted URL, the status, the elapsed time, the attempt number
(out of the maximum, inside the backoff middleware) and HeyGen's request id: one line a person
reads. Success is INFO; a failed attempt is WARNING while the backoff may still try again and
ERROR on the last attempt (or with no backoff outside). The retry decision is the backoff's own
(its ``http_retry`` event); this middleware never computes it. Header dicts are added only when
the logger is enabled for DEBUG, through an allowlist (the rest shows as ``REDACTED``); bodies
only on request, truncated and scrubbed, and a streamed body is never read. The library never
configures structlog or logging: events go to the logger the caller passes, or through the
application's structlog configuration or its stdlib logger ``heygen_pipeline``, and nowhere
until one of the two is configured.

`RedactSecrets` is a structlog processor for the caller's own chain: it removes given
secrets (and every secret the library registered) from anything in an event.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs
from structlog.typing import EventDict, WrappedLogger

from heygen_pipeline import _checks
from heygen_pipeline._headers import Headers
from heygen_pipeline._models import Request, Response
from heygen_pipeline._redact import (
    MIN_SECRET_LEN,
    REDACTED,
    SCRUB_MARGIN,
    SENSITIVE_HEADERS,
    Secret,
    cut,
    redact_url,
    scrub,
)
from heygen_pipeline.middleware import _events
from heygen_pipeline.middleware._context import ATTEMPT, Outcome
from heygen_pipeline.middleware._events import EventLogger
from heygen_pipeline.typing import Clock, Handler

__all__ = ["DEFAULT_LOGGED_HEADERS", "EventLogger", "LoggingMiddleware", "RedactSecrets"]

DEFAULT_LOGGED_HEADERS: Final = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "accept-ranges",
        "age",
        "allow",
        "cache-control",
        "connection",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "content-range",
        "content-type",
        "date",
        "etag",
        "expires",
        "host",
        "idempotency-key",
        "keep-alive",
        "last-modified",
        "location",
        "range",
        "retry-after",
        "retry-after-ms",
        "server",
        "transfer-encoding",
        "user-agent",
        "vary",
        "via",
        "x-request-id",
    }
)
"""Standard headers whose values are logged (after scrubbing); any other shows as ``REDACTED``."""

_FAILED_STATUS: Final = 400
_MAX_DEPTH: Final = 32
_MAX_HEADER_VALUE: Final = 256
"""Characters of a logged header value; a server may send 64 KiB in one (cut, marked)."""
_ATOMS: Final = (int, float, bool, type(None))


def _allowlist(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, (str, bytes)):
        msg = "header_allowlist must be an iterable of header names, not a single str"
        raise TypeError(msg)
    listed = list(value)
    if not all(isinstance(name, str) for name in listed):
        msg = "header_allowlist must hold header names as str"
        raise TypeError(msg)
    allowed = frozenset(name.lower() for name in listed)
    if allowed & SENSITIVE_HEADERS:
        names = ", ".join(sorted(allowed & SENSITIVE_HEADERS))
        msg = f"credential headers are always redacted; remove {names} from header_allowlist"
        raise ValueError(msg)
    return allowed


def _limit(_inst: object, _attr: object, value: object) -> None:
    _checks.count("body_limit", value)


def _logger(value: object) -> EventLogger:
    return _events.default_logger() if value is None else _events.check_logger(value)


@attrs.frozen(repr=False)
class LoggingMiddleware:
    """Log one structlog event per attempt; re-raise whatever the inner stack raised, unchanged.

    A frozen value: derive variants with ``attrs.evolve``.

    Example:
        ```python
        stack = Stack([("logging", LoggingMiddleware(structlog.get_logger("my.service")))])
        ```

    Constructor arguments:

    - ``logger``: a structlog bound logger; default: the library's logger, which speaks
      through the application's structlog configuration or stdlib logger ``heygen_pipeline``,
      and is silent until one is configured (decided per event, so configuring logging later
      still applies).
    - ``event``: the event name.
    - ``log_headers``: add ``request_headers`` and ``response_headers`` when the logger is
      enabled for DEBUG.
    - ``header_allowlist``: header names (any case) whose values are logged; the others show
      as ``REDACTED``. Credential headers cannot be allowlisted.
    - ``log_bodies``: add ``request_body`` and ``response_body`` (byte bodies only; streams
      are never read), truncated to ``body_limit`` characters and scrubbed.
    - ``body_limit``: how many characters of a body to log.
    - ``clock``: ``time.perf_counter``-like, for the elapsed time.
    """

    logger: EventLogger = attrs.field(default=None, converter=_logger, eq=False)
    event: str = attrs.field(default="http_request", kw_only=True)
    log_headers: bool = attrs.field(default=True, kw_only=True)
    header_allowlist: frozenset[str] = attrs.field(
        default=DEFAULT_LOGGED_HEADERS, kw_only=True, converter=_allowlist
    )
    log_bodies: bool = attrs.field(default=False, kw_only=True)
    body_limit: int = attrs.field(default=1000, kw_only=True, validator=_limit)
    clock: Clock = attrs.field(default=time.perf_counter, kw_only=True)
    _concrete: bool = attrs.field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        """Remember whether the logger is used as is or bound per event."""
        object.__setattr__(self, "_concrete", _events.is_concrete(self.logger))

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Pass ``request`` on, time it, and log the outcome."""
        clock = self.clock
        started = clock()
        try:
            response = call_next(request)
        except Exception as exc:
            self._log(request, exc, clock() - started)
            raise
        self._log(request, response, clock() - started)
        return response

    def _log(self, request: Request, outcome: Outcome, elapsed: float) -> None:
        """Emit the event for one attempt, building its fields only if it will be logged."""
        attempt = request.options.extension(ATTEMPT)
        if isinstance(outcome, Response) and outcome.status < _FAILED_STATUS:
            level = _events.INFO
        elif attempt is not None and not attempt.is_last:
            level = _events.WARNING
        else:
            level = _events.ERROR
        logger = _events.bound(self.logger, self._concrete)
        if not _events.enabled(logger, level):
            return
        debug = self.log_headers and _events.enabled(logger, _events.DEBUG)
        fields = self._fields(request, outcome, elapsed, debug)
        getattr(logger, _events.LEVEL_NAMES[level])(self.event, **fields)

    def _fields(
        self,
        request: Request,
        outcome: Outcome,
        elapsed: float,
        debug: bool,
    ) -> dict[str, Any]:
        """The event's fields; header dicts only when ``debug``."""
        attempt = request.options.extension(ATTEMPT)
        fields: dict[str, Any] = {
            "method": request.method,
            "url": _events.url_field(request.url),
            "attempt": attempt.number if attempt is not None else 1,
            "elapsed_ms": round(elapsed * 1000, 3),
        }
        if attempt is not None:
            fields["max_attempts"] = attempt.max_attempts
        _events.outcome_fields(fields, outcome)
        if debug:
            fields["request_headers"] = self._headers(request.headers)
            if isinstance(outcome, Response):
                fields["response_headers"] = self._headers(outcome.headers)
        if self.log_bodies:
            self._bodies(fields, request, outcome)
        return fields

    def _bodies(self, fields: dict[str, Any], request: Request, outcome: Outcome) -> None:
        body = request.body
        fields["request_body"] = self._text(body) if isinstance(body, bytes) else _stream(body)
        if isinstance(outcome, Response):
            fields["response_body"] = (
                "<stream>" if outcome.stream is not None else self._text(outcome.content)
            )

    def _headers(self, headers: Headers) -> dict[str, str]:
        """Allowlisted values scrubbed (``Location`` as a redacted URL); the rest ``REDACTED``.

        Names are scrubbed too: a server may echo a key in a header's name.
        """
        allowed = self.header_allowlist
        view = headers.entries()  # {lower name: (name as sent, value)}
        entries = view.items()
        # One scrub over every name and every value that would be shown: when it finds no
        # secret (the usual case), none of the parts can hold one, so none is scrubbed alone.
        parts = [name for name, _ in view.values()]
        parts += [value for key, (_, value) in entries if key in allowed]
        text = "\n".join(parts)
        if scrub(text) == text:
            return {
                name: REDACTED
                if key not in allowed
                else _short(redact_url(value) if key == "location" else value)
                for key, (name, value) in entries
            }
        shown: dict[str, str] = {}
        for key, (name, value) in entries:
            if key not in allowed:
                text = REDACTED
            elif key == "location":
                text = redact_url(value)
            else:
                text = scrub(value)
            shown[scrub(name)] = text if text is REDACTED else _short(text)
        return shown

    def _text(self, data: bytes) -> str:
        """At most ``body_limit`` characters of ``data``, scrubbed before it is cut."""
        limit = self.body_limit
        head = data[: 4 * limit + SCRUB_MARGIN]  # UTF-8: at most 4 bytes a character
        text = scrub(head.decode("utf-8", "replace"))
        if len(text) > limit or len(head) < len(data):
            return f"{text[:limit]}... ({len(data)} bytes)"
        return text

    def __repr__(self) -> str:
        """Settings only."""
        return (
            f"LoggingMiddleware(event={self.event!r}, log_headers={self.log_headers}, "
            f"log_bodies={self.log_bodies}, body_limit={self.body_limit})"
        )


def _stream(body: object) -> str | None:
    """How an unread (streamed or absent) request body shows in an event."""
    return None if body is None else "<stream>"


class RedactSecrets:
    """A structlog processor that replaces secrets anywhere in an event with ``REDACTED``.

    It walks nested dicts, lists and tuples; scrubs ``str`` and ``bytes`` values (and keys);
    and replaces any other object whose ``repr`` shows a secret by its scrubbed ``repr``. With
    ``registered=True`` it also removes every secret the library registered (API keys, tokens),
    including those registered after the processor was made. Put it after
    ``format_exc_info`` / ``dict_tracebacks`` (so rendered tracebacks are scrubbed too) and
    before the renderer::

        structlog.configure(
            processors=[
                structlog.processors.format_exc_info,
                RedactSecrets(os.environ["OTHER_TOKEN"]),
                structlog.processors.JSONRenderer(),
            ]
        )
    """

    __slots__ = ("_bytes", "_pattern", "_registered")

    def __init__(self, *secrets: str | Secret, registered: bool = True) -> None:
        """Remove ``secrets`` (and, if ``registered``, the library's registered secrets)."""
        values: set[str] = set()
        for secret in secrets:
            value = secret.reveal() if isinstance(secret, Secret) else secret
            if not isinstance(value, str):
                msg = f"secrets must be str or Secret, not {type(secret).__name__}"
                raise TypeError(msg)
            if len(value) < MIN_SECRET_LEN:
                msg = f"a secret shorter than {MIN_SECRET_LEN} characters cannot be redacted"
                raise ValueError(msg)
            values.add(value)
        ordered = sorted(values, key=len, reverse=True)  # longest first: remove whole secrets
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._bytes = (
            re.compile(b"|".join(re.escape(v.encode()) for v in ordered)) if ordered else None
        )
        self._registered = registered

    def __call__(
        self, _logger: WrappedLogger, _method_name: str, event_dict: EventDict
    ) -> EventDict:
        """Return ``event_dict`` with every secret replaced (``exc_info`` is left for later)."""
        for key, value in list(event_dict.items()):
            if key != "exc_info":
                event_dict[key] = self._clean(value, 0)
        return event_dict

    def _str(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        return scrub(text) if self._registered else text

    def _clean(self, value: object, depth: int) -> object:
        if isinstance(value, str):
            return self._str(value)
        if isinstance(value, _ATOMS):
            return value
        if isinstance(value, bytes):
            if self._bytes is not None:
                value = self._bytes.sub(REDACTED.encode(), value)
            if self._registered:
                text = value.decode("utf-8", "surrogateescape")
                return scrub(text).encode("utf-8", "surrogateescape")
            return value
        if depth < _MAX_DEPTH:
            if isinstance(value, Mapping):
                return {
                    self._clean(k, depth + 1): self._clean(v, depth + 1) for k, v in value.items()
                }
            if isinstance(value, list):
                return [self._clean(v, depth + 1) for v in value]
            if isinstance(value, tuple):
                return tuple(self._clean(v, depth + 1) for v in value)
        shown = repr(value)
        cleaned = self._str(shown)
        return value if cleaned == shown else cleaned

    def logging_filter(self) -> logging.Filter:
        """The same redaction for the standard library: a filter to add to a handler.

        It renders each record's message (with its arguments), scrubs it, every extra field
        and the formatted traceback, so an application that logs through ``logging`` keeps
        its own events free of secrets too::

            handler.addFilter(RedactSecrets(os.environ["OTHER_TOKEN"]).logging_filter())
        """
        return _RedactingFilter(self)

    def __repr__(self) -> str:
        """Never the secrets: only whether registered secrets are included."""
        return f"RedactSecrets(registered={self._registered})"


_RECORD_FIELDS: Final = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__)


class _RedactingFilter(logging.Filter):
    """A `logging.Filter` applying a `RedactSecrets` to whole records (never drops one)."""

    def __init__(self, redact: RedactSecrets) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the rendered message, the extra fields and the traceback text in place."""
        clean = self._redact._clean
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not hide the event
            message = str(record.msg)
        record.msg, record.args = clean(message, 0), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = str(clean(record.exc_text, 0))
        for key, value in list(record.__dict__.items()):
            if key not in _RECORD_FIELDS:
                record.__dict__[key] = clean(value, 0)
        return True


def _short(value: str) -> str:
    """``value``, or its first `_MAX_HEADER_VALUE` characters (scrubbed before the cut)."""
    if len(value) <= _MAX_HEADER_VALUE:
        return value
    return cut(value, _MAX_HEADER_VALUE, ellipsis="...")
