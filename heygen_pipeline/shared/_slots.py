"""JobSlots: a distributed semaphore with leases, for HeyGen's limit on concurrent video jobs.

HeyGen limits how many video jobs one API key may have in flight (10 on pay-as-you-go); more
get 429. Workers take a slot before ``POST /v3/videos`` and give it back when the job ends.

In Redis, a sorted set ``{namespace}:slots:{<key id>}`` holds one member per slot in use, scored
by the instant its lease ends (on the Redis server's clock, so hosts need not agree on the
time); two hashes bind video ids to holders, so a later process (the one that sees the job
finish) can give the slot back by video id. Every operation is one Lua script: taking a slot
drops ended leases and adds the holder only if fewer than ``limit`` remain, atomically. A worker
that dies holding a slot loses it when its lease ends. The keys expire on their own once no
lease is left; the braces put them in one Redis Cluster hash slot.
"""

from __future__ import annotations

import random as _random
import time
import uuid
from types import TracebackType
from typing import Any, Final

import redis
import structlog

from heygen_pipeline.shared import _slots_scripts as lua
from heygen_pipeline.shared._connection import (
    DEFAULT_NAMESPACE,
    Guard,
    OnError,
    check_connection,
    check_name,
    check_seconds,
)
from heygen_pipeline.shared._errors import SlotLostError, SlotTimeoutError
from heygen_pipeline.shared._slots_local import LocalSlots
from heygen_pipeline.typing import Clock, Random, Sleep

__all__ = ["JobSlots", "Slot"]

_MS: Final = 1000.0


class Slot:
    """One video-job slot, held under a lease until `release` (or the lease's end).

    Use it as a context manager, or call `release` when the job is over. A job that runs
    longer than the lease must `renew` it (waiting on the job's status is the place).
    """

    __slots__ = ("_owner", "holder", "job_hint", "released", "shared", "video_id")

    def __init__(self, owner: JobSlots, holder: str, *, job_hint: str | None, shared: bool) -> None:
        """A slot of ``owner`` held as ``holder`` (made by `JobSlots.acquire`)."""
        self._owner = owner
        self.holder = holder
        """This holder's id in Redis."""
        self.job_hint = job_hint
        """What the caller said the slot is for (logs only)."""
        self.shared = shared
        """False when the slot was taken from the local fallback while Redis was down."""
        self.video_id: str | None = None
        """The video bound with `bind`, if any."""
        self.released = False
        """Whether `release` was called."""

    def bind(self, video_id: str) -> None:
        """Tie the slot to ``video_id``, so `JobSlots.release_video` can free it elsewhere.

        Raises:
            SlotLostError: the lease had ended.
        """
        if not isinstance(video_id, str) or not video_id:
            msg = f"video_id must be a non-empty str, not {video_id!r}"
            raise ValueError(msg)
        if not self._owner._bind(self, video_id):
            msg = f"the slot's lease ended before video {video_id!r} could be bound to it"
            raise SlotLostError(msg)
        self.video_id = video_id

    def renew(self) -> bool:
        """Start a new full lease; False when Redis could not be reached (``on_error="open"``).

        Raises:
            SlotLostError: the lease had already ended (the slot may be someone else's).
        """
        renewed = self._owner._renew(self)
        if renewed is None:
            return False
        if not renewed:
            msg = "the slot's lease ended before it was renewed"
            raise SlotLostError(msg)
        return True

    def release(self) -> None:
        """Give the slot back (again is a no-op). Never raises for Redis errors."""
        if not self.released:
            self.released = True
            self._owner._release(self)

    def __enter__(self) -> Slot:
        """Hold the slot for the ``with`` block."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Release the slot."""
        self.release()

    def __repr__(self) -> str:
        """Holder, video and state."""
        return (
            f"Slot(holder={self.holder!r}, video_id={self.video_id!r}, "
            f"shared={self.shared}, released={self.released})"
        )


class JobSlots:
    """At most ``limit`` video jobs in flight per API key, across every process and host.

    ``on_error="open"`` (default): while Redis is out of reach, slots come from a semaphore in
    this process (``fallback_limit`` slots, default ``limit``), with one warning per outage;
    slots taken then are given back there. ``"closed"``: `acquire`, `in_use` and
    `release_video` raise [SharedStateError][heygen_pipeline.shared.SharedStateError].
    Releasing never raises: a slot that cannot be given back returns when its lease ends.
    """

    def __init__(
        self,
        connection: redis.Redis,
        *,
        api_key_id: str,
        limit: int = 10,
        lease_seconds: float = 300.0,
        namespace: str = DEFAULT_NAMESPACE,
        on_error: OnError = "open",
        fallback_limit: int | None = None,
        poll_interval: float = 0.05,
        max_poll_interval: float = 1.0,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        random: Random = _random.random,
        retry_interval: float = 1.0,
        logger: Any = None,
    ) -> None:
        """Share ``limit`` slots among the workers of one API key.

        Args:
            connection: a Redis client (see [connect][heygen_pipeline.shared.connect]).
            api_key_id: [key_id][heygen_pipeline.shared.key_id] of the API key, never the key.
            limit: jobs allowed in flight at once (HeyGen's limit for the key, or less).
            lease_seconds: how long a slot stays held without `Slot.renew`: the time a dead
                worker's slot stays lost. Renew more often than this.
            namespace: prefix of every key, to keep apps or environments apart.
            on_error: ``"open"`` or ``"closed"`` (see the class doc).
            fallback_limit: slots of the local fallback (default ``limit``): with N workers,
                ``limit // N`` keeps the total under the limit during an outage.
            poll_interval: first wait between tries when every slot is taken; doubles up to
                ``max_poll_interval`` (with jitter), never past the first lease's end.
            max_poll_interval: the longest wait between tries.
            sleep: waits.
            clock: a monotonic clock for timeouts and the local fallback's leases.
            random: a sample from ``[0, 1)`` per wait, for the jitter.
            retry_interval: seconds Redis is left alone after an error.
            logger: a structlog logger (default ``heygen_pipeline.shared``).
        """
        self._redis = check_connection(connection)
        self.api_key_id = check_name("api_key_id", api_key_id)
        self.limit = _check_count("limit", limit)
        self.fallback_limit = (
            limit if fallback_limit is None else _check_count("fallback_limit", fallback_limit)
        )
        self.lease_seconds = check_seconds("lease_seconds", lease_seconds, positive=True)
        self._poll = check_seconds("poll_interval", poll_interval, positive=True)
        self._max_poll = max(self._poll, check_seconds("max_poll_interval", max_poll_interval))
        for name, value in (("sleep", sleep), ("clock", clock), ("random", random)):
            if not callable(value):
                msg = f"{name} must be callable, not {type(value).__name__}"
                raise TypeError(msg)
        self._sleep = sleep
        self._clock = clock
        self._random = random
        base = f"{check_name('namespace', namespace)}:slots:{{{api_key_id}}}"
        self.keys: tuple[str, str, str] = (base, f"{base}:videos", f"{base}:holders")
        """The Redis keys: leases (sorted set), video -> holder, holder -> video."""
        self._logger = (
            logger if logger is not None else structlog.get_logger("heygen_pipeline.shared")
        )
        self._guard = Guard(
            "job slots",
            on_error=on_error,
            retry_interval=retry_interval,
            clock=clock,
            logger=self._logger,
        )
        self._local = LocalSlots(clock)
        register = self._redis.register_script
        self._scripts = {
            name: register(source)
            for name, source in (
                ("acquire", lua.ACQUIRE),
                ("renew", lua.RENEW),
                ("release", lua.RELEASE),
                ("bind", lua.BIND),
                ("release_video", lua.RELEASE_VIDEO),
                ("renew_video", lua.RENEW_VIDEO),
                ("in_use", lua.IN_USE),
            )
        }

    @property
    def degraded(self) -> bool:
        """Whether Redis failed on the last try."""
        return self._guard.degraded

    @property
    def _lease_ms(self) -> int:
        return max(1, round(self.lease_seconds * _MS))

    def _run(self, name: str, *args: str | int) -> Any:
        keys = self.keys[:1] if name == "in_use" else self.keys
        return self._scripts[name](keys=list(keys), args=list(args))

    def try_acquire(self, job_hint: str | None = None) -> Slot | None:
        """A slot if one is free now, else ``None``."""
        return self._try(job_hint)[0]

    def acquire(self, timeout: float = 30.0, job_hint: str | None = None) -> Slot:
        """Wait for a free slot, at most ``timeout`` seconds.

        Args:
            timeout: the longest wait, in seconds (0: one try).
            job_hint: what the slot is for, for logs (a prompt, a request id; no secrets).

        Raises:
            SlotTimeoutError: no slot came free in time.
            SharedStateError: Redis failed and ``on_error="closed"``.
        """
        timeout = check_seconds("timeout", timeout)
        start = self._clock()
        step = self._poll
        while True:
            slot, hint = self._try(job_hint)
            if slot is not None:
                return slot
            waited = self._clock() - start
            left = timeout - waited
            if left <= 0:
                msg = (
                    f"no video-job slot came free in {timeout:g} s "
                    f"(all {self.limit} held for API key id {self.api_key_id})"
                )
                raise SlotTimeoutError(msg, limit=self.limit, waited=waited)
            wait = min(step * (0.5 + self._random() / 2), left)
            if hint > 0:
                wait = min(wait, hint)
            self._sleep(max(wait, 0.001))
            step = min(step * 2, self._max_poll)

    def _try(self, job_hint: str | None) -> tuple[Slot | None, float]:
        """One try: a slot or ``None``, and the seconds until a lease ends (a hint)."""
        holder = uuid.uuid4().hex
        lease_ms = self._lease_ms

        def shared() -> tuple[Slot | None, float]:
            took, wait_ms = self._run("acquire", holder, self.limit, lease_ms)
            if int(took):
                return Slot(self, holder, job_hint=job_hint, shared=True), 0.0
            return None, max(int(wait_ms), 0) / _MS

        def local() -> tuple[Slot | None, float]:
            took, wait = self._local.acquire(holder, self.fallback_limit, self.lease_seconds)
            if took:
                return Slot(self, holder, job_hint=job_hint, shared=False), 0.0
            return None, wait

        slot, hint = self._guard.call(shared, local)
        if slot is not None:
            self._logger.debug(
                "job_slot_acquired", holder=holder, job_hint=job_hint, shared=slot.shared
            )
        return slot, hint

    def release_video(self, video_id: str) -> bool:
        """Give back the slot bound to ``video_id`` (from any process); False if none was."""
        return bool(
            self._guard.call(
                lambda: int(self._run("release_video", video_id)),
                lambda: int(self._local.release_video(video_id)),
            )
        )

    def renew_video(self, video_id: str) -> bool:
        """Start a new lease for the slot bound to ``video_id``; False if none is held."""
        return bool(
            self._guard.call(
                lambda: int(self._run("renew_video", video_id, self._lease_ms)),
                lambda: int(self._local.renew_video(video_id, self.lease_seconds)),
            )
        )

    def in_use(self) -> int:
        """Slots held now (under leases that have not ended)."""
        return self._guard.call(lambda: int(self._run("in_use")), self._local.in_use)

    # ---- what a Slot asks of its owner ---------------------------------------------------

    def _bind(self, slot: Slot, video_id: str) -> bool:
        if not slot.shared:
            return self._local.bind(slot.holder, video_id)
        return bool(
            self._guard.call(lambda: int(self._run("bind", slot.holder, video_id)), lambda: 1)
        )

    def _renew(self, slot: Slot) -> bool | None:
        """True renewed, False lease gone, None: Redis unreachable (open mode)."""
        if not slot.shared:
            return self._local.renew(slot.holder, self.lease_seconds)
        result: int | None = self._guard.call(
            lambda: int(self._run("renew", slot.holder, self._lease_ms)), lambda: None
        )
        return None if result is None else bool(result)

    def _release(self, slot: Slot) -> None:
        if slot.shared:
            self._guard.call(
                lambda: int(self._run("release", slot.holder)), lambda: 0, always_fall_back=True
            )
        else:
            self._local.release(slot.holder)
        self._logger.debug("job_slot_released", holder=slot.holder, video_id=slot.video_id)

    def __repr__(self) -> str:
        """Keys, limit and lease."""
        return (
            f"JobSlots(key={self.keys[0]!r}, limit={self.limit}, "
            f"lease_seconds={self.lease_seconds:g}, on_error={self._guard.on_error!r})"
        )


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{name} must be an int >= 1, not {value!r}"
        raise ValueError(msg)
    return value
