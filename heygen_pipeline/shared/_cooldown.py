"""SharedCooldown: when one worker is told 429 + Retry-After, every worker on the key waits.

HeyGen limits requests per API key, and answers 429 with a ``Retry-After``. Each worker's
[BackoffMiddleware][heygen_pipeline.middleware.BackoffMiddleware] waits out its own 429s, but the
other workers keep sending and collect 429s of their own. This middleware publishes the wait in
Redis, and waits it out before every attempt of every worker on the same key.

The wait is stored as a Redis key that expires when the wait ends (``PTTL`` gives what is left),
so it is measured on the Redis server's clock: hosts whose clocks disagree still agree on it,
and nothing is left behind. It only ever grows (a Lua script keeps the longer of the two).
The key is named after [key_id][heygen_pipeline.shared.key_id], a hash of the API key.

Only the API's answers count: with ``hosts`` (the breaker's allowlist, which
[with_shared_state][heygen_pipeline.shared.with_shared_state] passes on) requests to other
hosts, a CDN download say, neither wait nor publish; without, each host has a cool-down of its
own, so a CDN's 429 never pauses the API. A ``Retry-After`` longer than ``max_wait`` (the
backoff policy's cap) is never published: the backoff gives up on it at once, and so should
nobody else wait for it. Every Redis round trip and every wait ends by the request's deadline.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Final

import redis

from heygen_pipeline import errors
from heygen_pipeline._hosts import HostAllowlist
from heygen_pipeline._library_logging import library_logger
from heygen_pipeline._models import Request, Response
from heygen_pipeline.errors import RateLimitError
from heygen_pipeline.middleware import parse_retry_after
from heygen_pipeline.shared._checks import check_callable, check_seconds
from heygen_pipeline.shared._connection import (
    DEFAULT_NAMESPACE,
    Guard,
    OnError,
    check_connection,
    check_name,
)
from heygen_pipeline.shared._link import Link, Script, after_fork
from heygen_pipeline.typing import Clock, Handler, Sleep

__all__ = ["SharedCooldown"]

_TOO_MANY_REQUESTS: Final = 429
_MS: Final = 1000.0
_ROUNDS: Final = 4
"""Waits in a row before an attempt (another 429 may extend the wait while we sleep)."""
_ALL: Final = "all"
_HOST_NAME: Final = 16
"""Hex digits of a host's hash in a per-host key name."""

# KEYS[1]: the cool-down key. ARGV[1]: the wait in ms. Keeps the longer wait; returns what is left.
_EXTEND: Final = Script("""
local ttl = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[1])
if ttl < ms then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ms)
  return ms
end
return ttl
""")


class SharedCooldown:
    """Wait before each attempt until the shared 429 cool-down of this API key is over.

    Place it just inside ``backoff`` (so each attempt waits, and the backoff's deadline and
    its own 429 handling stay outside)::

        stack.insert_after("backoff", "cooldown", SharedCooldown(redis, api_key_id=key_id(k)))

    Before an attempt it reads the time left (one Redis round trip) and sleeps it; a wait
    longer than ``max_wait``, or one that would pass the request's
    [deadline][heygen_pipeline.RequestOptions], raises
    [RateLimitError][heygen_pipeline.RateLimitError] with ``retry_after`` at once. After a 429
    with a usable ``Retry-After`` it publishes that wait. Waits are also kept in this process,
    so its threads coordinate even while Redis is out of reach.

    ``on_error="open"`` (default): if Redis fails, carry on with the waits known locally,
    logging one warning per outage. ``"closed"``: raise
    [SharedStateError][heygen_pipeline.shared.SharedStateError] instead of sending. Publishing
    never raises (the 429 response still reaches the backoff).
    """

    def __init__(
        self,
        connection: redis.Redis,
        *,
        api_key_id: str,
        namespace: str = DEFAULT_NAMESPACE,
        on_error: OnError = "open",
        max_wait: float = 30.0,
        scope: Callable[[Request], str] | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        retry_interval: float = 1.0,
        logger: Any = None,
        hosts: Iterable[str] | None = None,
    ) -> None:
        """Share the cool-down of one API key.

        Args:
            connection: a Redis client (see [connect][heygen_pipeline.shared.connect]).
            api_key_id: [key_id][heygen_pipeline.shared.key_id] of the API key, never the key.
            namespace: prefix of every key, to keep apps or environments apart.
            on_error: ``"open"`` or ``"closed"`` (see the class doc).
            max_wait: the longest wait taken, and the longest published; longer ones raise
                ``RateLimitError`` at once (keep it equal to the backoff policy's
                ``max_delay``, as `with_shared_state` does).
            scope: names the cool-down a request belongs to (default: one for the whole key);
                a 429 pauses only requests of the same scope.
            sleep: waits.
            clock: a monotonic clock; request deadlines are instants on it.
            wall_clock: Unix time, to read HTTP-date ``Retry-After`` values.
            retry_interval: seconds Redis is left alone after an error.
            logger: a structlog logger (default ``heygen_pipeline.shared``).
            hosts: the API hosts (``host`` or ``host:port``) whose 429s pause each other;
                requests to any other host pass untouched. Default: each host on its own.
        """
        self._link = Link(check_connection(connection))
        if isinstance(hosts, str):
            msg = "hosts must be an iterable of host names, not a single str"
            raise TypeError(msg)
        self._hosts = None if hosts is None else HostAllowlist(hosts)
        self.api_key_id = check_name("api_key_id", api_key_id)
        self.key = f"{check_name('namespace', namespace)}:cooldown:{api_key_id}"
        """The Redis key of the whole-key cool-down (scopes append ``:{scope}``)."""
        self._max_wait = check_seconds("max_wait", max_wait)
        for name, value in (("sleep", sleep), ("clock", clock), ("wall_clock", wall_clock)):
            check_callable(name, value)
        if scope is not None and not callable(scope):
            msg = f"scope must be a function of the request, not {type(scope).__name__}"
            raise TypeError(msg)
        self._scope = scope
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._logger = logger if logger is not None else library_logger("heygen_pipeline.shared")
        self._guard = Guard(
            "cooldown",
            on_error=on_error,
            retry_interval=retry_interval,
            clock=clock,
            logger=self._logger,
            link=self._link,
        )
        self._lock = threading.Lock()
        self._local: dict[str, float] = {}
        after_fork(self, SharedCooldown._reset_in_child)

    def _reset_in_child(self) -> None:
        self._lock = threading.Lock()

    @property
    def hosts(self) -> frozenset[str] | None:
        """The API hosts sharing the cool-down (``None``: each host has its own)."""
        return None if self._hosts is None else frozenset(self._hosts.entries)

    @property
    def degraded(self) -> bool:
        """Whether Redis failed on the last try."""
        return self._guard.degraded

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Wait out the shared cool-down, send, and publish the wait a 429 asks for."""
        if self._hosts is not None and not self._hosts.allows(request):
            return call_next(request)  # not the API: a CDN's 429 is nobody else's business
        scope = self._scope_of(request)
        self._wait(request, scope)
        response = call_next(request)
        if response.status == _TOO_MANY_REQUESTS:
            seconds = parse_retry_after(response.headers, now_epoch=self._wall_clock())
            if seconds and seconds > self._max_wait:
                self._logger.info(
                    "shared_cooldown_not_published",
                    api_key_id=self.api_key_id,
                    scope=scope,
                    retry_after=seconds,
                    max_wait=self._max_wait,
                )
            elif seconds:
                self._publish(seconds, scope, request.options.deadline)
        return response

    def remaining(self, scope: str = _ALL, *, deadline: float | None = None) -> float:
        """Seconds until requests of ``scope`` may go out (0 when they may now)."""
        key = self._key(scope)
        shared = self._guard.call(
            lambda timeout: self._pttl(key, timeout), lambda: 0.0, deadline=deadline
        )
        with self._lock:
            local = self._local.get(scope, 0.0) - self._clock()
        return max(shared, local, 0.0)

    def publish(self, seconds: float, *, scope: str = _ALL) -> float:
        """Make every worker wait ``seconds`` from now (unless a longer wait is already set).

        Returns the wait now in force, in seconds. Never raises for Redis errors.

        Raises:
            ValueError: ``seconds`` is negative or more than ``max_wait``: a wait nobody
                would take is not stored for everyone.
        """
        seconds = check_seconds("seconds", seconds)
        if seconds > self._max_wait:
            msg = f"seconds must be at most max_wait ({self._max_wait:g}), not {seconds!r}"
            raise ValueError(msg)
        return self._publish(seconds, scope, None)

    def _publish(self, seconds: float, scope: str, deadline: float | None) -> float:
        key = self._key(scope)
        with self._lock:
            until = self._clock() + seconds
            self._local[scope] = max(self._local.get(scope, until), until)
        millis = max(1, math.ceil(seconds * _MS))
        in_force = self._guard.call(
            lambda timeout: int(self._link.run(_EXTEND, [key], [millis], timeout=timeout)) / _MS,
            lambda: seconds,
            always_fall_back=True,
            deadline=deadline,
        )
        self._logger.info(
            "shared_cooldown_published",
            api_key_id=self.api_key_id,
            scope=scope,
            retry_after=seconds,
            in_force=in_force,
        )
        return in_force

    def _wait(self, request: Request, scope: str) -> None:
        """Sleep until the cool-down is over, or raise if that is too long."""
        deadline = request.options.deadline
        for _ in range(_ROUNDS):
            left = self.remaining(scope, deadline=deadline)
            if left <= 0:
                break
            if left > self._max_wait or (deadline is not None and self._clock() + left > deadline):
                why = (
                    f"more than max_wait ({self._max_wait:g} s)"
                    if left > self._max_wait
                    else "past the request's deadline"
                )
                msg = (
                    f"HeyGen asked every worker on this API key to wait {left:.3g} s more "
                    f"(a 429 seen by a worker); that is {why}"
                )
                raise RateLimitError(msg, retry_after=left, request=request)
            self._logger.info(
                "shared_cooldown_wait", api_key_id=self.api_key_id, scope=scope, seconds=left
            )
            self._sleep(left)
        if deadline is not None and self._clock() >= deadline:
            error = errors.TimeoutError(
                "the deadline passed while waiting out the shared cool-down", request=request
            )
            error.sent = False
            raise error

    def _pttl(self, key: str, timeout: float | None) -> float:
        """Seconds left on ``key`` (0 when it is gone)."""
        millis = int(self._link.execute("PTTL", key, timeout=timeout))
        return millis / _MS if millis > 0 else 0.0

    def key_of(self, request: Request) -> str:
        """The Redis key holding the cool-down ``request`` waits for."""
        return self._key(self._scope_of(request))

    def _scope_of(self, request: Request) -> str:
        scope = _ALL if self._scope is None else check_name("scope", self._scope(request))
        if self._hosts is not None:
            return scope
        # No allowlist: each host waits out its own 429s only.
        host = f"{request.host}:{request.port}".encode(errors="surrogateescape")
        digest = hashlib.sha256(host).hexdigest()[:_HOST_NAME]
        return f"host-{digest}" if scope == _ALL else f"{scope}:host-{digest}"

    def _key(self, scope: str) -> str:
        return self.key if scope == _ALL else f"{self.key}:{check_name('scope', scope)}"

    def __repr__(self) -> str:
        """The key and the policy."""
        return (
            f"SharedCooldown(key={self.key!r}, on_error={self._guard.on_error!r}, "
            f"max_wait={self._max_wait:g})"
        )
