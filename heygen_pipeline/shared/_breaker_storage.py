"""RedisBreakerStorage: one circuit breaker's state shared by every process, changed atomically.

pybreaker's own ``CircuitRedisStorage`` reads, then writes: two workers both open the breaker,
and a worker that notices another's transition resets the counters the others just raised.
Here the whole state of a breaker is one Redis hash (``{namespace}:breaker:{name}``: state,
failures, successes, opened_at, generation) and every transition is one Lua script, which Redis
runs atomically. [CircuitBreakerMiddleware][heygen_pipeline.middleware.CircuitBreakerMiddleware]
drives it through its `AtomicBreakerStorage` interface: one read per call, so a breaker opened
by one worker fails fast in all the others from their next call on. pybreaker's fine-grained
methods work too (each one atomic), for code that uses ``pybreaker.CircuitBreaker`` directly.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Final

import pybreaker
import redis

from heygen_pipeline.middleware._breaker import BreakerSnapshot
from heygen_pipeline.shared._breaker_local import MemoryBreakerState
from heygen_pipeline.shared._connection import (
    DEFAULT_NAMESPACE,
    Guard,
    OnError,
    check_connection,
    check_name,
    text,
)
from heygen_pipeline.typing import Clock

__all__ = ["RedisBreakerStorage"]

_SNAPSHOT_FIELDS: Final = ("state", "opened_at", "generation")

# Every script reads the hash's state, opened_at and generation the same way (HMGET gives
# false for a missing field) and returns {state, opened_at or "", generation}.
_READ: Final = """
local v = redis.call('HMGET', KEYS[1], 'state', 'opened_at', 'generation')
local state = v[1] or 'closed'
local opened = v[2] or ''
local gen = tonumber(v[3] or '0')
"""

_HALF_OPEN: Final = (
    _READ
    + """
if state == 'open' and gen == tonumber(ARGV[1]) then
  state, gen = 'half-open', gen + 1
  redis.call('HSET', KEYS[1], 'state', state, 'successes', 0, 'generation', gen)
end
return {state, opened, tostring(gen)}
"""
)

# ARGV: 1 if success else 0, generation, now, fail_max, success_threshold
_RECORD: Final = (
    _READ
    + """
if gen == tonumber(ARGV[2]) then
  if ARGV[1] == '0' then
    local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
    if state == 'half-open' or (state == 'closed' and failures >= tonumber(ARGV[4])) then
      state, opened, gen = 'open', ARGV[3], gen + 1
      redis.call('HSET', KEYS[1], 'state', state, 'opened_at', opened, 'successes', 0,
                 'generation', gen)
    end
  else
    redis.call('HSET', KEYS[1], 'failures', 0)
    if state == 'half-open' then
      local successes = redis.call('HINCRBY', KEYS[1], 'successes', 1)
      if successes >= tonumber(ARGV[5]) then
        state, gen = 'closed', gen + 1
        redis.call('HSET', KEYS[1], 'state', state, 'successes', 0, 'generation', gen)
      end
    end
  end
end
return {state, opened, tostring(gen)}
"""
)

_SET_STATE: Final = """
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'state', ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'generation', 1)
end
return 1
"""


def _snapshot(reply: Sequence[object]) -> BreakerSnapshot:
    """A snapshot from ``[state, opened_at, generation]`` as the scripts or HMGET give them."""
    state, opened, generation = (text(value) for value in reply)
    return BreakerSnapshot(
        state=state or pybreaker.STATE_CLOSED,
        opened_at=float(opened) if opened else None,
        generation=int(generation) if generation else 0,
    )


class RedisBreakerStorage(pybreaker.CircuitBreakerStorage):
    """A pybreaker storage in Redis whose transitions are atomic across processes and hosts.

    Pass it as ``CircuitBreakerMiddleware(storage=...)`` in every worker, with the same
    ``namespace`` and ``name``: they then share one breaker. When Redis fails, ``on_error``
    decides: ``"open"`` (default) carries on with a breaker in local memory, logging a warning
    once per outage, and goes back to the shared one when Redis answers again; ``"closed"``
    refuses calls with [SharedStateError][heygen_pipeline.shared.SharedStateError]. Recording the
    result of a call already made never raises (the response is not lost): it is counted
    locally.
    """

    def __init__(
        self,
        connection: redis.Redis,
        *,
        name: str = "heygen",
        namespace: str = DEFAULT_NAMESPACE,
        on_error: OnError = "open",
        retry_interval: float = 1.0,
        clock: Clock = time.monotonic,
        logger: Any = None,
    ) -> None:
        """Share the breaker ``name`` under ``namespace``.

        Args:
            connection: a Redis client (see [connect][heygen_pipeline.shared.connect]).
            name: the breaker's name; workers with the same name share it.
            namespace: prefix of every key, to keep apps or environments apart.
            on_error: ``"open"`` or ``"closed"`` (see the class doc).
            retry_interval: seconds Redis is left alone after an error.
            clock: a monotonic clock for ``retry_interval``.
            logger: a structlog logger (default ``heygen_pipeline.shared``).
        """
        super().__init__(check_name("name", name))
        self._redis = check_connection(connection)
        self.key = f"{check_name('namespace', namespace)}:breaker:{name}"
        """The Redis hash holding this breaker's state."""
        self._local = MemoryBreakerState()
        self._guard = Guard(
            f"breaker {name!r}",
            on_error=on_error,
            retry_interval=retry_interval,
            clock=clock,
            logger=logger,
        )
        self._half_open_script = self._redis.register_script(_HALF_OPEN)
        self._record_script = self._redis.register_script(_RECORD)
        self._set_state_script = self._redis.register_script(_SET_STATE)

    @property
    def degraded(self) -> bool:
        """Whether Redis failed on the last try (the breaker then runs on local state)."""
        return self._guard.degraded

    # ---- the atomic interface the middleware uses ----------------------------------------

    def snapshot(self) -> BreakerSnapshot:
        """State, ``opened_at`` and generation, in one round trip."""
        return self._guard.call(
            lambda: _snapshot(self._redis.hmget(self.key, _SNAPSHOT_FIELDS)),
            self._local.snapshot,
        )

    def half_open(self, generation: int) -> BreakerSnapshot:
        """Move an open breaker to half-open if it is still in ``generation``."""
        return self._guard.call(
            lambda: _snapshot(self._half_open_script(keys=[self.key], args=[generation])),
            lambda: self._local.half_open(generation),
        )

    def record(
        self,
        success: bool,
        *,
        generation: int,
        now: float,
        fail_max: int,
        success_threshold: int,
    ) -> BreakerSnapshot:
        """Count a result if the breaker is still in ``generation``; never raises for Redis."""
        args = [1 if success else 0, generation, repr(float(now)), fail_max, success_threshold]
        return self._guard.call(
            lambda: _snapshot(self._record_script(keys=[self.key], args=args)),
            lambda: self._local.record(
                success,
                generation=generation,
                now=now,
                fail_max=fail_max,
                success_threshold=success_threshold,
            ),
            always_fall_back=True,
        )

    # ---- pybreaker's interface, each operation atomic -------------------------------------

    @property
    def state(self) -> str:
        """The breaker's state."""
        return self.snapshot().state

    @state.setter
    def state(self, state: str) -> None:
        self._guard.call(
            lambda: self._set_state_script(keys=[self.key], args=[state]),
            lambda: self._local.set_state(state),
        )

    def increment_counter(self) -> None:
        """Count one more failure."""
        self._change("failures", 1)

    def reset_counter(self) -> None:
        """Set the failure count to zero."""
        self._change("failures", 0)

    def increment_success_counter(self) -> None:
        """Count one more success."""
        self._change("successes", 1)

    def reset_success_counter(self) -> None:
        """Set the success count to zero."""
        self._change("successes", 0)

    @property
    def counter(self) -> int:
        """Consecutive failures."""
        return self._count("failures")

    @property
    def success_counter(self) -> int:
        """Successes while half-open."""
        return self._count("successes")

    @property
    def opened_at(self) -> datetime | None:
        """When the breaker last opened (UTC)."""
        when = self.snapshot().opened_at
        return None if when is None else datetime.fromtimestamp(when, tz=timezone.utc)

    @opened_at.setter
    def opened_at(self, when: datetime) -> None:
        stamp = when.timestamp()
        self._guard.call(
            lambda: self._redis.hset(self.key, "opened_at", repr(stamp)),
            lambda: self._local.set_opened_at(stamp),
        )

    def _change(self, field: str, delta: int) -> None:
        """Add ``delta`` to a counter, or reset it when ``delta`` is 0."""
        if delta:
            self._guard.call(
                lambda: self._redis.hincrby(self.key, field, delta),
                lambda: self._local.add(field, delta),
            )
        else:
            self._guard.call(
                lambda: self._redis.hset(self.key, field, 0),
                lambda: self._local.reset(field),
            )

    def _count(self, field: str) -> int:
        value = self._guard.call(
            lambda: text(self._redis.hget(self.key, field)),
            lambda: str(getattr(self._local, field)),
        )
        return int(value) if value else 0

    def __repr__(self) -> str:
        """The key and the policy, never the connection's password."""
        return f"RedisBreakerStorage(key={self.key!r}, on_error={self._guard.on_error!r})"
