"""Structured logging: one structlog event per attempt, with every secret redacted.

The event carries the method, the redacted URL, the status, the elapsed time, the attempt number,
HeyGen's request id and, inside the backoff middleware, the retry decision. Success is INFO, an
attempt that will be retried is WARNING, the final failure is ERROR. Headers pass through an
allowlist (the rest shows as ``REDACTED``); bodies are logged only on request, truncated and
scrubbed, and a streamed body is never read. The library never configures structlog or logging:
events go to the logger the caller passes, or to ``structlog.get_logger("heygen_pipeline")``.

`RedactSecrets` is a structlog processor for the caller's own chain: it removes given
secrets (and every secret the library registered) from anything in an event.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol

import structlog
from structlog.typing import EventDict, WrappedLogger

from heygen_pipeline._headers import Headers
from heygen_pipeline._models import Request, Response
from heygen_pipeline._redact import (
    MIN_SECRET_LEN,
    REDACTED,
    SENSITIVE_HEADERS,
    Secret,
    cut,
    redact_url,
    scrub,
)
from heygen_pipeline.middleware._context import ATTEMPT, Attempt, Outcome, RetryDecision
from heygen_pipeline.typing import Clock, Handler

__all__ = ["DEFAULT_LOGGED_HEADERS", "EventLogger", "LoggingMiddleware", "RedactSecrets"]

DEFAULT_LOGGED_HEADERS: Final = frozenset(
    {
        "accept",
        "content-encoding",
        "content-length",
        "content-type",
        "date",
        "idempotency-key",
        "location",
        "retry-after",
        "retry-after-ms",
        "transfer-encoding",
        "user-agent",
        "x-request-id",
    }
)
"""Headers whose values are logged (after scrubbing); every other value shows as ``REDACTED``."""

_INFO: Final = 20
_WARNING: Final = 30
_ERROR: Final = 40
_FAILED_STATUS: Final = 400
_SCRUB_MARGIN: Final = 4096
"""Bytes decoded beyond the limit, so a secret cut by the slice is scrubbed before truncation."""
_MAX_DEPTH: Final = 32
_MAX_HEADER_VALUE: Final = 256
"""Characters of a logged header value; a server may send 64 KiB in one (cut, marked)."""
_ATOMS: Final = (int, float, bool, type(None))


class EventLogger(Protocol):
    """What the middleware needs of a logger: a structlog bound logger (or its lazy proxy)."""

    def bind(self, **new_values: Any) -> Any:
        """A logger to call ``info``/``warning``/``error`` on (and ``is_enabled_for``, if any)."""
        ...


class LoggingMiddleware:
    """Log one structlog event per attempt; re-raise whatever the inner stack raised, unchanged.

    Example::

        stack = Stack([("logging", LoggingMiddleware(structlog.get_logger("my.service")))])
    """

    __slots__ = (
        "_allowed",
        "_clock",
        "_concrete",
        "_event",
        "_limit",
        "_log_bodies",
        "_log_headers",
        "_logger",
    )

    def __init__(
        self,
        logger: EventLogger | None = None,
        *,
        event: str = "http_request",
        log_headers: bool = True,
        header_allowlist: Iterable[str] = DEFAULT_LOGGED_HEADERS,
        log_bodies: bool = False,
        body_limit: int = 1000,
        clock: Clock = time.perf_counter,
    ) -> None:
        """Configure what each event carries.

        Args:
            logger: a structlog bound logger; default ``structlog.get_logger("heygen_pipeline")``
                (resolved on each event, so configuring structlog later still applies).
            event: the event name.
            log_headers: add ``request_headers`` and ``response_headers`` to each event.
            header_allowlist: header names (any case) whose values are logged; the others show
                as ``REDACTED``. Credential headers cannot be allowlisted.
            log_bodies: add ``request_body`` and ``response_body`` (byte bodies only; streams
                are never read), truncated to ``body_limit`` characters and scrubbed.
            body_limit: how many characters of a body to log.
            clock: ``time.perf_counter``-like, for the elapsed time.
        """
        if logger is None:
            logger = structlog.get_logger("heygen_pipeline")
        elif not callable(getattr(logger, "bind", None)):
            msg = (
                "logger must be a structlog bound logger (structlog.get_logger(...)); wrap a "
                f"stdlib logger with structlog.wrap_logger, not pass a {type(logger).__name__}"
            )
            raise TypeError(msg)
        if isinstance(header_allowlist, (str, bytes)):
            msg = "header_allowlist must be an iterable of header names, not a single str"
            raise TypeError(msg)
        listed = list(header_allowlist)
        if not all(isinstance(name, str) for name in listed):
            msg = "header_allowlist must hold header names as str"
            raise TypeError(msg)
        allowed = frozenset(name.lower() for name in listed)
        if allowed & SENSITIVE_HEADERS:
            names = ", ".join(sorted(allowed & SENSITIVE_HEADERS))
            msg = f"credential headers are always redacted; remove {names} from header_allowlist"
            raise ValueError(msg)
        if isinstance(body_limit, bool) or not isinstance(body_limit, int) or body_limit < 0:
            msg = f"body_limit must be an int >= 0, not {body_limit!r}"
            raise ValueError(msg)
        self._logger = logger
        # A logger whose class answers is_enabled_for is used as is; anything else (structlog's
        # lazy proxy above all) is bound per event, so configuring structlog later applies.
        self._concrete = hasattr(type(logger), "is_enabled_for")
        self._event = event
        self._log_headers = log_headers
        self._allowed = allowed
        self._log_bodies = log_bodies
        self._limit = body_limit
        self._clock = clock

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Pass ``request`` on, time it, and log the outcome."""
        clock = self._clock
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
        decision = attempt.decision(outcome) if attempt is not None else None
        failed = not isinstance(outcome, Response) or outcome.status >= _FAILED_STATUS
        if decision is not None and decision.retry:
            level, name = _WARNING, "warning"
        elif failed:
            level, name = _ERROR, "error"
        else:
            level, name = _INFO, "info"
        logger = self._logger if self._concrete else self._logger.bind()
        enabled = getattr(logger, "is_enabled_for", None)
        if enabled is not None and not enabled(level):
            return
        fields = self._fields(request, outcome, elapsed, attempt, decision)
        getattr(logger, name)(self._event, **fields)

    def _fields(
        self,
        request: Request,
        outcome: Outcome,
        elapsed: float,
        attempt: Attempt | None,
        decision: RetryDecision | None,
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "method": request.method,
            "url": _url(request.url),
            "attempt": attempt.number if attempt is not None else 1,
            "elapsed_ms": round(elapsed * 1000, 3),
        }
        if attempt is not None:
            fields["max_attempts"] = attempt.max_attempts
        if isinstance(outcome, Response):
            fields["status"] = outcome.status
            request_id = outcome.request_id
        else:
            fields["status"] = getattr(outcome, "status", None)
            fields["error"] = type(outcome).__name__
            fields["error_message"] = _message(outcome)
            request_id = getattr(outcome, "request_id", None)
        fields["request_id"] = scrub(request_id) if isinstance(request_id, str) else None
        if decision is not None:
            fields["retry"] = decision.retry
            if decision.retry:
                fields["retry_in"] = round(decision.delay, 3)
            if decision.reason:
                fields["reason"] = scrub(decision.reason)
        if self._log_headers:
            fields["request_headers"] = self._headers(request.headers)
            if isinstance(outcome, Response):
                fields["response_headers"] = self._headers(outcome.headers)
        if self._log_bodies:
            body = request.body
            fields["request_body"] = self._text(body) if isinstance(body, bytes) else _stream(body)
            if isinstance(outcome, Response):
                fields["response_body"] = (
                    "<stream>" if outcome.stream is not None else self._text(outcome.content)
                )
        return fields

    def _headers(self, headers: Headers) -> dict[str, str]:
        """Allowlisted values scrubbed (``Location`` as a redacted URL); the rest ``REDACTED``.

        Names are scrubbed too: a server may echo a key in a header's name.
        """
        allowed = self._allowed
        entries = headers._data.items()  # {lower name: (name, value)}
        # One scrub over every name and every value that would be shown: when it finds no
        # secret (the usual case), none of the parts can hold one, so none is scrubbed alone.
        parts = [name for name, _ in headers._data.values()]
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
        limit = self._limit
        head = data[: 4 * (limit + _SCRUB_MARGIN)]  # UTF-8: at most 4 bytes a character
        text = scrub(head.decode("utf-8", "replace"))
        if len(text) > limit or len(head) < len(data):
            return f"{text[:limit]}... ({len(data)} bytes)"
        return text

    def __repr__(self) -> str:
        """Settings only."""
        return (
            f"LoggingMiddleware(event={self._event!r}, log_headers={self._log_headers}, "
            f"log_bodies={self._log_bodies}, body_limit={self._limit})"
        )


def _url(url: str) -> str:
    """``redact_url``, skipping the parse when there is no query or userinfo to hide."""
    if "?" in url or "@" in url:
        return redact_url(url)
    return scrub(url)


def _stream(body: object) -> str | None:
    """How an unread (streamed or absent) request body shows in an event."""
    return None if body is None else "<stream>"


def _message(exc: BaseException) -> str:
    """The exception's message, scrubbed; a broken ``__str__`` must not hide the real error."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - logging must never replace the caller's error
        return "<unprintable>"
    return scrub(text)


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

    def __repr__(self) -> str:
        """Never the secrets: only whether registered secrets are included."""
        return f"RedactSecrets(registered={self._registered})"


def _short(value: str) -> str:
    """``value``, or its first `_MAX_HEADER_VALUE` characters (scrubbed before the cut)."""
    if len(value) <= _MAX_HEADER_VALUE:
        return value
    return cut(value, _MAX_HEADER_VALUE, ellipsis="...")
