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

import math
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Final

import redis
import structlog

from heygen_pipeline import _pybreaker as pb
from heygen_pipeline.middleware import BreakerSnapshot
from heygen_pipeline.shared._breaker_local import MemoryBreakerState
from heygen_pipeline.shared._connection import (
    DEFAULT_NAMESPACE,
    Guard,
    OnError,
    check_connection,
    check_name,
    text,
)
from heygen_pipeline.shared._link import Link, Script
from heygen_pipeline.typing import Clock

__all__ = ["MalformedStateError", "RedisBreakerStorage"]

_LOGGER_NAME: Final = "heygen_pipeline.shared"

# Every script starts here. It reads the hash and checks every field: a hash another program
# (or a bug, or an attacker with Redis access) filled with garbage is "bad", never a Lua error
# or a number Python cannot read. Times are the Redis server's (TIME), in Unix seconds, so
# hosts whose clocks disagree still agree on how long the breaker has been open.
_PRELUDE: Final = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function count(v)
  if not v then return 0 end
  if string.len(v) > 15 or not string.match(v, '^%d+$') then return nil end
  return tonumber(v)
end
local function stamp(v)
  if not v or v == '' then return '' end
  if string.len(v) > 40 then return nil end
  local n = tonumber(v)
  if not n or n ~= n or n < 0 or n > 1e11 then return nil end
  return string.format('%.6f', n)
end
local kind = redis.call('TYPE', KEYS[1])['ok']
local state, failures, successes, opened, gen = 'closed', 0, 0, '', 0
local valid = kind == 'none'
if kind == 'hash' then
  local v = redis.call('HMGET', KEYS[1], 'state', 'failures', 'successes', 'opened_at',
                       'generation')
  state = v[1] or 'closed'
  failures, successes, opened, gen = count(v[2]), count(v[3]), stamp(v[4]), count(v[5])
  valid = (state == 'closed' or state == 'open' or state == 'half-open')
    and failures ~= nil and successes ~= nil and opened ~= nil and gen ~= nil
end
local function reply()
  return {'ok', state, opened, tostring(gen), string.format('%.6f', now)}
end
"""

_READ: Final = Script(
    _PRELUDE
    + """
if not valid then return {'bad'} end
return reply()
"""
)

_HALF_OPEN: Final = Script(  # ARGV: generation
    _PRELUDE
    + """
if not valid then return {'bad'} end
if state == 'open' and gen == tonumber(ARGV[1]) then
  state, gen = 'half-open', gen + 1
  redis.call('HSET', KEYS[1], 'state', state, 'successes', 0, 'generation', gen)
end
return reply()
"""
)

_RECORD: Final = Script(  # ARGV: 1 if success else 0, generation, fail_max, success_threshold
    _PRELUDE
    + """
if not valid then return {'bad'} end
if gen == tonumber(ARGV[2]) then
  if ARGV[1] == '0' then
    failures = failures + 1
    redis.call('HSET', KEYS[1], 'failures', failures)
    if state == 'half-open' or (state == 'closed' and failures >= tonumber(ARGV[3])) then
      state, opened, gen = 'open', string.format('%.6f', now), gen + 1
      redis.call('HSET', KEYS[1], 'state', state, 'opened_at', opened, 'successes', 0,
                 'generation', gen)
    end
  else
    redis.call('HSET', KEYS[1], 'failures', 0)
    if state == 'half-open' then
      successes = successes + 1
      redis.call('HSET', KEYS[1], 'successes', successes)
      if successes >= tonumber(ARGV[4]) then
        state, gen = 'closed', gen + 1
        redis.call('HSET', KEYS[1], 'state', state, 'successes', 0, 'generation', gen)
      end
    end
  end
end
return reply()
"""
)

# A bad hash is replaced by a closed breaker, in a generation no ticket can hold (the time in
# ms, unless the old generation was readable). A good one is left as it is.
_RESET: Final = Script(
    _PRELUDE
    + """
if valid then return reply() end
local next_gen = gen and gen + 1 or (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'closed', 'failures', 0, 'successes', 0,
           'generation', next_gen)
state, opened, gen = 'closed', '', next_gen
return reply()
"""
)

_SET_STATE: Final = Script(
    _PRELUDE
    + """
if not valid then return {'bad'} end
if state ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'state', ARGV[1])
  redis.call('HSET', KEYS[1], 'generation', gen + 1)
end
return 1
"""
)

_STATES: Final = frozenset({pb.CLOSED, pb.OPEN, pb.HALF_OPEN})
_MAX_COUNT: Final = 2**53
_REPLY_LENGTH: Final = 5


class MalformedStateError(redis.RedisError):
    """The breaker's hash in Redis holds values that are not a breaker state."""


def _parse(reply: object) -> BreakerSnapshot | None:
    """A snapshot from a script's ``{'ok', state, opened_at, generation, now}``, or None."""
    if not isinstance(reply, (list, tuple)) or len(reply) != _REPLY_LENGTH:
        return None
    try:
        status, state, opened, generation, now = (text(value) for value in reply)
        stamp = float(opened) if opened else None
        gen = int(generation or "")
        clock = float(now or "")
    except (TypeError, ValueError, UnicodeDecodeError):
        return None
    if status != "ok" or state not in _STATES or not 0 <= gen < _MAX_COUNT:
        return None
    if (stamp is not None and not math.isfinite(stamp)) or not math.isfinite(clock):
        return None
    return BreakerSnapshot(state=state, opened_at=stamp, generation=gen, now=clock)


def _snapshot(reply: object) -> BreakerSnapshot:
    """`_parse`, or `MalformedStateError` when the reply is not a breaker state."""
    snapshot = _parse(reply)
    if snapshot is None:
        msg = "the breaker's hash in Redis is not a breaker state"
        raise MalformedStateError(msg)
    return snapshot


def _count(value: object) -> int:
    """A counter field, strictly: digits only, within 2**53."""
    raw = text(value)
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 15):  # noqa: PLR2004 - 2**53 fits
        msg = "a breaker counter in Redis is not a count"
        raise MalformedStateError(msg)
    return int(raw)


class RedisBreakerStorage(pb.CircuitBreakerStorage):
    """A pybreaker storage in Redis whose transitions are atomic across processes and hosts.

    Pass it as ``CircuitBreakerMiddleware(storage=...)`` in every worker, with the same
    ``namespace`` and ``name``: they then share one breaker. When Redis fails, ``on_error``
    decides: ``"open"`` (default) carries on with a breaker in local memory, logging a warning
    once per outage, and goes back to the shared one when Redis answers again; ``"closed"``
    refuses calls with [SharedStateError][heygen_pipeline.shared.SharedStateError]. Recording the
    result of a call already made never raises (the response is not lost): it is counted
    locally.

    Times come from the Redis server's clock (``TIME`` in the scripts): ``opened_at`` is
    stamped by Redis and every snapshot carries Redis's ``now``, so a worker whose own clock is
    off decides exactly as the others do. A hash that does not hold a breaker state (wrong
    types, missing or huge numbers, garbage) is reset to a closed breaker under
    ``on_error="open"`` (with a warning) and is a ``SharedStateError`` under ``"closed"``.
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
            clock: a monotonic clock for ``retry_interval`` and request deadlines.
            logger: a structlog logger (default ``heygen_pipeline.shared``).
        """
        super().__init__(check_name("name", name))
        self._link = Link(check_connection(connection))
        self.key = f"{check_name('namespace', namespace)}:breaker:{name}"
        """The Redis hash holding this breaker's state."""
        self._local = MemoryBreakerState()
        self._logger = logger if logger is not None else structlog.get_logger(_LOGGER_NAME)
        self._guard = Guard(
            f"breaker {name!r}",
            on_error=on_error,
            retry_interval=retry_interval,
            clock=clock,
            logger=self._logger,
            link=self._link,
        )

    @property
    def degraded(self) -> bool:
        """Whether Redis failed on the last try (the breaker then runs on local state)."""
        return self._guard.degraded

    def _script(
        self, script: Script, args: Sequence[str | int], timeout: float | None
    ) -> BreakerSnapshot:
        """Run a transition; a bad hash is reset (``"open"``) or an error (``"closed"``)."""
        reply = self._link.run(script, [self.key], args, timeout=timeout)
        try:
            return _snapshot(reply)
        except MalformedStateError:
            if self._guard.on_error == "closed":
                raise
        self._logger.warning("shared_breaker_state_reset", key=self.key, reason="malformed")
        return _snapshot(self._link.run(_RESET, [self.key], [], timeout=timeout))

    # ---- the atomic interface the middleware uses ----------------------------------------

    def snapshot(self, *, deadline: float | None = None) -> BreakerSnapshot:
        """State, ``opened_at``, generation and Redis's clock, in one round trip."""
        return self._guard.call(
            lambda timeout: self._script(_READ, [], timeout),
            self._local.snapshot,
            deadline=deadline,
        )

    def half_open(self, generation: int, *, deadline: float | None = None) -> BreakerSnapshot:
        """Move an open breaker to half-open if it is still in ``generation``."""
        return self._guard.call(
            lambda timeout: self._script(_HALF_OPEN, [generation], timeout),
            lambda: self._local.half_open(generation),
            deadline=deadline,
        )

    def record(
        self,
        success: bool,
        *,
        generation: int,
        now: float,
        fail_max: int,
        success_threshold: int,
        deadline: float | None = None,
    ) -> BreakerSnapshot:
        """Count a result if the breaker is still in ``generation``; never raises for Redis.

        ``now`` stamps an opening in the local fallback only: Redis stamps its own.
        """
        args = [1 if success else 0, generation, fail_max, success_threshold]
        return self._guard.call(
            lambda timeout: self._script(_RECORD, args, timeout),
            lambda: self._local.record(
                success,
                generation=generation,
                now=now,
                fail_max=fail_max,
                success_threshold=success_threshold,
            ),
            always_fall_back=True,
            deadline=deadline,
        )

    # ---- pybreaker's interface, each operation atomic -------------------------------------

    @property
    def state(self) -> str:
        """The breaker's state."""
        return self.snapshot().state

    @state.setter
    def state(self, state: str) -> None:
        def shared(timeout: float | None) -> object:
            reply = self._link.run(_SET_STATE, [self.key], [state], timeout=timeout)
            if text(reply[0] if isinstance(reply, list) else reply) == "bad":
                self._script(_RESET, [], timeout)  # raises under "closed"
                return self._link.run(_SET_STATE, [self.key], [state], timeout=timeout)
            return reply

        self._guard.call(shared, lambda: self._local.set_state(state))

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
            lambda timeout: self._link.execute(
                "HSET", self.key, "opened_at", repr(stamp), timeout=timeout
            ),
            lambda: self._local.set_opened_at(stamp),
        )

    def _change(self, field: str, delta: int) -> None:
        """Add ``delta`` to a counter, or reset it when ``delta`` is 0."""
        if delta:
            self._guard.call(
                lambda timeout: self._link.execute(
                    "HINCRBY", self.key, field, delta, timeout=timeout
                ),
                lambda: self._local.add(field, delta),
            )
        else:
            self._guard.call(
                lambda timeout: self._link.execute("HSET", self.key, field, 0, timeout=timeout),
                lambda: self._local.reset(field),
            )

    def _count(self, field: str) -> int:
        def shared(timeout: float | None) -> int:
            value = self._link.execute("HGET", self.key, field, timeout=timeout)
            try:
                return _count(value)
            except MalformedStateError:
                if self._guard.on_error == "closed":
                    raise
            self._script(_RESET, [], timeout)
            return 0

        return self._guard.call(shared, lambda: int(getattr(self._local, field)))

    def __repr__(self) -> str:
        """The key and the policy, never the connection's password."""
        return f"RedisBreakerStorage(key={self.key!r}, on_error={self._guard.on_error!r})"
