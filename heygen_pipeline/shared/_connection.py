"""Connecting to Redis, naming keys, and what a component does when Redis fails.

Every shared component talks to Redis through a `Guard`: a Redis error (refused, timed out,
read-only replica during a failover, ...) either falls back to the component's local state
with one warning per outage (``on_error="open"``) or raises
[SharedStateError][heygen_pipeline.shared.SharedStateError] (``"closed"``). After an error the
guard leaves Redis alone for ``retry_interval`` seconds, so an outage costs one short timeout
per interval rather than one per call; the next call after that tries Redis again, and
redis-py opens a fresh connection by itself. A caller's deadline bounds each round trip (see
`Guard.call`).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Final, Literal, TypeVar

import redis
import structlog
from redis.backoff import NoBackoff
from redis.retry import Retry

from heygen_pipeline import errors
from heygen_pipeline._redact import Secret, scrub
from heygen_pipeline.shared._checks import check_callable, check_seconds
from heygen_pipeline.shared._errors import SharedStateError
from heygen_pipeline.shared._link import Link, after_fork
from heygen_pipeline.typing import Clock

__all__ = [
    "BOOKKEEPING_GRACE",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TIMEOUT",
    "Guard",
    "OnError",
    "check_connection",
    "check_name",
    "check_on_error",
    "connect",
    "key_id",
    "text",
]

T = TypeVar("T")
OnError = Literal["open", "closed"]
"""``"open"``: carry on with local state, logging a warning. ``"closed"``: raise."""

DEFAULT_NAMESPACE: Final = "heygen"
DEFAULT_TIMEOUT: Final = 0.25
"""Seconds redis-py may spend connecting, or waiting for one reply, before giving up."""
_KEY_ID_DOMAIN: Final = b"heygen-pipeline/key-id\x00"
_KEY_ID_HEX: Final = 16
_NAME: Final = re.compile(r"[A-Za-z0-9_.:\-]{1,200}")
_LOGGER_NAME: Final = "heygen_pipeline.shared"
BOOKKEEPING_GRACE: Final = 0.1
"""Seconds past a deadline that writes after the fact (a result, a release) may still take."""


def connect(
    url: str = "redis://localhost:6379/0", *, timeout: float = DEFAULT_TIMEOUT, **options: Any
) -> redis.Redis:
    """A Redis client that never hangs: short timeouts, one immediate retry on a dead connection.

    Args:
        url: ``redis://``, ``rediss://`` (TLS) or ``unix://`` URL, with password and db if any.
        timeout: seconds allowed for connecting and for each reply (the socket timeouts).
        **options: further ``redis.Redis.from_url`` keywords (they win over these defaults).

    The one retry covers a pooled connection that died with a restarted server; a timeout
    is not retried, so a stuck server costs at most about ``2 * timeout``.
    """
    check_seconds("timeout", timeout, positive=True, finite=False)
    settings: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    }
    settings.update(options)
    return redis.Redis.from_url(url, **settings)


def key_id(api_key: str | Secret) -> str:
    """A short, stable identifier of an API key, safe to use in Redis key names and logs.

    The first 16 hex digits of a SHA-256 of the key (with a fixed prefix): equal keys give
    equal ids, and the key cannot be read back from its id.
    """
    value = api_key.reveal() if isinstance(api_key, Secret) else api_key
    if not isinstance(value, str) or not value:
        msg = "api_key must be a non-empty str or Secret"
        raise TypeError(msg)
    return hashlib.sha256(_KEY_ID_DOMAIN + value.encode()).hexdigest()[:_KEY_ID_HEX]


def check_name(what: str, value: object) -> str:
    """``value`` if it is fit for a Redis key part (letters, digits, ``_ . : -``), else an error."""
    if not isinstance(value, str) or _NAME.fullmatch(value) is None:
        msg = f"{what} must be 1-200 letters, digits or '_.:-', not {value!r}"
        raise ValueError(msg)
    return value


def check_on_error(value: object) -> OnError:
    """``value`` if it is ``"open"`` or ``"closed"``, else an error."""
    if value == "open":
        return "open"
    if value == "closed":
        return "closed"
    msg = f"on_error must be 'open' or 'closed', not {value!r}"
    raise ValueError(msg)


def text(value: object) -> str | None:
    """A Redis reply as ``str`` (clients may or may not decode replies), ``None`` for nil."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode(errors="replace")  # garbage stays garbage, and fails to parse
    return str(value)


def check_connection(connection: object) -> redis.Redis:
    """``connection`` if it is a ``redis.Redis`` client, else a clear error."""
    if not isinstance(connection, redis.Redis):
        msg = (
            "connection must be a redis.Redis client (see heygen_pipeline.shared.connect), "
            f"not {type(connection).__name__}"
        )
        raise TypeError(msg)
    return connection


class Guard:
    """Runs one component's Redis operations under its ``on_error`` policy (thread-safe).

    An operation gets the seconds its round trip may take (``None``: the client's own
    timeout): the time left to the caller's ``deadline``, so no Redis wait outlives the call.
    A timeout caused by that bound says nothing about Redis: it neither warns nor pauses Redis
    for the other callers; a read then raises a `TimeoutError` (nothing was sent) and
    bookkeeping falls back.
    """

    def __init__(
        self,
        component: str,
        *,
        on_error: OnError,
        retry_interval: float,
        clock: Clock = time.monotonic,
        logger: Any = None,
        link: Link | None = None,
    ) -> None:
        """Guard ``component`` (a name for logs and errors).

        Args:
            component: what is guarded, e.g. ``"cooldown"``.
            on_error: ``"open"`` or ``"closed"``.
            retry_interval: seconds Redis is left alone after an error.
            clock: a monotonic clock for ``retry_interval`` and deadlines.
            logger: a structlog logger (default ``heygen_pipeline.shared``).
            link: the component's `Link` (its client's timeout tells a deadline's cut apart).
        """
        self.component = component
        self.on_error = check_on_error(on_error)
        self.retry_interval = check_seconds("retry_interval", retry_interval)
        check_callable("clock", clock, like="time.monotonic")
        self._clock = clock
        self._link = link
        self._logger = logger if logger is not None else structlog.get_logger(_LOGGER_NAME)
        self._lock = threading.Lock()
        self._down_until: float | None = None
        self._last_error: redis.RedisError | None = None
        after_fork(self, Guard._reset_in_child)

    def _reset_in_child(self) -> None:
        self._lock = threading.Lock()

    @property
    def clock(self) -> Clock:
        """The monotonic clock deadlines are read on."""
        return self._clock

    @property
    def degraded(self) -> bool:
        """Whether the last attempt to use Redis failed (and no later one succeeded)."""
        return self._last_error is not None

    def call(
        self,
        operation: Callable[[float | None], T],
        fallback: Callable[[], T],
        *,
        always_fall_back: bool = False,
        deadline: float | None = None,
    ) -> T:
        """``operation(timeout)`` on Redis; on a Redis error, ``fallback()`` or `SharedStateError`.

        ``always_fall_back`` uses the fallback under ``"closed"`` too: for bookkeeping after
        the fact (recording a result, releasing a slot) that must not lose a response; it
        gets `BOOKKEEPING_GRACE` seconds past the deadline. ``deadline`` is an instant on the
        guard's clock by which the operation must end.
        """
        with self._lock:
            skipping = self._down_until is not None and self._clock() < self._down_until
            last = self._last_error
        if skipping and last is not None:
            return self._fail(last, fallback, always_fall_back=always_fall_back, fresh=False)
        timeout: float | None = None
        cut = False
        if deadline is not None:
            left = deadline - self._clock()
            if always_fall_back:
                left = max(left, BOOKKEEPING_GRACE)
            elif left <= 0:
                return self._out_of_time(fallback, always_fall_back=always_fall_back)
            own = self._link.timeout if self._link is not None else None
            if own is None or left < own:
                timeout, cut = left, True
        try:
            result = operation(timeout)
        except redis.TimeoutError as exc:
            if cut:
                return self._out_of_time(fallback, always_fall_back=always_fall_back)
            return self._fail(exc, fallback, always_fall_back=always_fall_back, fresh=True)
        except redis.RedisError as exc:
            return self._fail(exc, fallback, always_fall_back=always_fall_back, fresh=True)
        if last is not None:
            self._recovered()
        return result

    def _out_of_time(self, fallback: Callable[[], T], *, always_fall_back: bool) -> T:
        """The caller's deadline cut a Redis wait short: fall back, or a `TimeoutError`."""
        if always_fall_back:
            return fallback()
        msg = f"{self.component}: the call's deadline passed while waiting for Redis"
        error = errors.TimeoutError(msg)
        error.sent = False
        raise error

    def _fail(
        self,
        exc: redis.RedisError,
        fallback: Callable[[], T],
        *,
        always_fall_back: bool,
        fresh: bool,
    ) -> T:
        """Note the failure (warning once per outage) and fall back or raise."""
        if fresh:
            with self._lock:
                first = self._last_error is None
                self._last_error = exc
                self._down_until = self._clock() + self.retry_interval
            if first:
                self._logger.warning(
                    "shared_state_unavailable",
                    component=self.component,
                    on_error=self.on_error,
                    error=scrub(f"{type(exc).__name__}: {exc}"),
                    retry_in=self.retry_interval,
                )
        if self.on_error == "open" or always_fall_back:
            return fallback()
        detail = scrub(f"{type(exc).__name__}: {exc}")
        when = "" if fresh else f" (failed less than {self.retry_interval:g} s ago)"
        msg = f"{self.component}: Redis is unavailable{when}: {detail}"
        raise SharedStateError(msg) from exc

    def _recovered(self) -> None:
        """Redis answered again after an error: log it once and use Redis from now on."""
        with self._lock:
            was_down = self._last_error is not None
            self._last_error = None
            self._down_until = None
        if was_down:
            self._logger.info("shared_state_recovered", component=self.component)
