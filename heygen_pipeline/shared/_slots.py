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
import threading
import time
import uuid
from typing import Any, Final

import redis

from heygen_pipeline import errors
from heygen_pipeline._library_logging import library_logger
from heygen_pipeline.shared import _slots_scripts as lua
from heygen_pipeline.shared._checks import check_callable, check_count, check_seconds
from heygen_pipeline.shared._connection import (
    DEFAULT_NAMESPACE,
    Guard,
    OnError,
    check_connection,
    check_name,
)
from heygen_pipeline.shared._errors import SlotTimeoutError
from heygen_pipeline.shared._link import Link, Script, after_fork
from heygen_pipeline.shared._slot import Slot
from heygen_pipeline.shared._slots_local import LocalSlots
from heygen_pipeline.shared._slots_videos import VideoJobBookkeeping
from heygen_pipeline.typing import Clock, Random, Sleep

__all__ = ["JobSlots", "Slot"]

_MS: Final = 1000.0
_LEAST_TRY: Final = 0.05
"""Seconds one try of an acquire may take in Redis even when its timeout is used up."""


class JobSlots(VideoJobBookkeeping):
    """At most ``limit`` video jobs in flight per API key, across every process and host.

    ``on_error="open"`` (default): while Redis is out of reach, slots come from a semaphore in
    this process (``fallback_limit`` slots, default ``limit``), with one warning per outage;
    slots taken then are given back there. ``"closed"``: `acquire`, `in_use` and
    `release_video` raise [SharedStateError][heygen_pipeline.shared.SharedStateError].
    Releasing never raises: a slot that cannot be given back returns when its lease ends.

    Taking a slot is safe to retry: each `acquire` has one holder id for all its tries, and
    Redis gives a holder that already has a slot that same slot. When an `acquire` gives up
    on Redis after a try whose answer never came (a timeout: the script may still have run),
    its holder id is released on the next operation that reaches Redis, so a stall does not
    keep slots taken for a whole lease.
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
        self._link = Link(check_connection(connection))
        self.api_key_id = check_name("api_key_id", api_key_id)
        self.limit = check_count("limit", limit)
        self.fallback_limit = (
            limit if fallback_limit is None else check_count("fallback_limit", fallback_limit)
        )
        self.lease_seconds = check_seconds("lease_seconds", lease_seconds, positive=True)
        self._poll = check_seconds("poll_interval", poll_interval, positive=True)
        self._max_poll = max(self._poll, check_seconds("max_poll_interval", max_poll_interval))
        for name, value in (("sleep", sleep), ("clock", clock), ("random", random)):
            check_callable(name, value)
        self._sleep = sleep
        self._clock = clock
        self._random = random
        base = f"{check_name('namespace', namespace)}:slots:{{{api_key_id}}}"
        self.keys: tuple[str, str, str] = (base, f"{base}:videos", f"{base}:holders")
        """The Redis keys: leases (sorted set), video -> holder, holder -> video."""
        self._logger = logger if logger is not None else library_logger("heygen_pipeline.shared")
        self._guard = Guard(
            "job slots",
            on_error=on_error,
            retry_interval=retry_interval,
            clock=clock,
            logger=self._logger,
            link=self._link,
        )
        self._local = LocalSlots(clock)
        self._scripts = {
            name: Script(source)
            for name, source in (
                ("acquire", lua.ACQUIRE),
                ("adopt", lua.ADOPT),
                ("renew", lua.RENEW),
                ("release", lua.RELEASE),
                ("release_many", lua.RELEASE_MANY),
                ("bind", lua.BIND),
                ("release_video", lua.RELEASE_VIDEO),
                ("renew_video", lua.RENEW_VIDEO),
                ("in_use", lua.IN_USE),
            )
        }
        self._repairs_lock = threading.Lock()
        self._orphans: set[str] = set()
        """Holders whose acquire may have run in Redis unseen: to be released."""
        self._unbound: dict[str, str] = {}
        """Videos HeyGen created whose slot is not yet recorded in Redis: holder by video."""
        after_fork(self, JobSlots._reset_in_child)

    def _reset_in_child(self) -> None:
        self._repairs_lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        """Whether Redis failed on the last try."""
        return self._guard.degraded

    @property
    def _lease_ms(self) -> int:
        return max(1, round(self.lease_seconds * _MS))

    def _run(self, name: str, *args: str | int, timeout: float | None = None) -> Any:
        """Run a script, after the repairs left over from earlier failures."""
        self._repair(timeout)
        return self._script(name, *args, timeout=timeout)

    def _script(self, name: str, *args: str | int, timeout: float | None) -> Any:
        keys = self.keys[:1] if name == "in_use" else self.keys
        return self._link.run(self._scripts[name], list(keys), list(args), timeout=timeout)

    def _repair(self, timeout: float | None) -> None:
        """Release orphaned holders and record created videos' slots (raises Redis errors)."""
        with self._repairs_lock:
            orphans = sorted(self._orphans)
            unbound = dict(self._unbound)
        if orphans:
            self._script("release_many", *orphans, timeout=timeout)
            with self._repairs_lock:
                self._orphans.difference_update(orphans)
            self._logger.info("job_slots_repaired", released=len(orphans))
        for video_id, holder in unbound.items():
            self._script("adopt", holder, video_id, self._lease_ms, timeout=timeout)
            with self._repairs_lock:
                if self._unbound.get(video_id) == holder:
                    del self._unbound[video_id]
            self._logger.info("job_slot_repaired", video_id=video_id, holder=holder)

    def try_acquire(self, job_hint: str | None = None) -> Slot | None:
        """A slot if one is free now, else ``None``."""
        holder = uuid.uuid4().hex
        slot, _, unsure = self._try(holder, job_hint, None)
        if slot is None and unsure:
            self._orphan(holder)
        return slot

    def acquire(self, timeout: float = 30.0, job_hint: str | None = None) -> Slot:
        """Wait for a free slot, at most ``timeout`` seconds (Redis waits included).

        Args:
            timeout: the longest wait, in seconds (0: one try).
            job_hint: what the slot is for, for logs (a prompt, a request id; no secrets).

        Raises:
            SlotTimeoutError: no slot came free in time.
            SharedStateError: Redis failed and ``on_error="closed"``.
        """
        timeout = check_seconds("timeout", timeout)
        holder = uuid.uuid4().hex  # one holder for every try: a retried try is idempotent
        unsure = [False]
        try:
            slot = self._wait_for_slot(holder, timeout, job_hint, unsure)
        except BaseException:
            if unsure[0]:
                self._orphan(holder)
            raise
        if not slot.shared and unsure[0]:
            self._orphan(holder)
        return slot

    def _wait_for_slot(
        self, holder: str, timeout: float, job_hint: str | None, unsure: list[bool]
    ) -> Slot:
        """`acquire`'s loop; ``unsure[0]`` is set once a try's answer got lost."""
        start = self._clock()
        end = start + timeout
        step = self._poll
        while True:
            slot, hint, lost = self._try(holder, job_hint, end)
            unsure[0] = unsure[0] or lost
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

    def _orphan(self, holder: str) -> None:
        """Remember to release ``holder``: its acquire may have run without our seeing it."""
        with self._repairs_lock:
            self._orphans.add(holder)
        self._logger.info("job_slot_orphaned", holder=holder)

    def _try(
        self, holder: str, job_hint: str | None, end: float | None
    ) -> tuple[Slot | None, float, bool]:
        """One try: a slot or ``None``, the seconds until a lease ends, and a lost answer.

        The last is True when the shared try's answer never came: it may have taken a slot.
        """
        lease_ms = self._lease_ms
        asked = [False]

        def shared(timeout: float | None) -> tuple[Slot | None, float]:
            self._repair(timeout)
            asked[0] = True
            took, wait_ms = self._script("acquire", holder, self.limit, lease_ms, timeout=timeout)
            asked[0] = False
            if int(took):
                return Slot(self, holder, job_hint=job_hint, shared=True), 0.0
            return None, max(int(wait_ms), 0) / _MS

        def local() -> tuple[Slot | None, float]:
            took, wait = self._local.acquire(holder, self.fallback_limit, self.lease_seconds)
            if took:
                return Slot(self, holder, job_hint=job_hint, shared=False), 0.0
            return None, wait

        # Each try gets at least a short round trip, even with no time left (timeout=0).
        deadline = None if end is None else max(end, self._clock() + _LEAST_TRY)
        try:
            slot, hint = self._guard.call(shared, local, deadline=deadline)
        except errors.TimeoutError:
            slot, hint = None, 0.0
        except BaseException:
            if asked[0]:
                self._orphan(holder)  # the caller gets the error; Redis may hold the slot
            raise
        if slot is not None:
            self._logger.debug(
                "job_slot_acquired", holder=holder, job_hint=job_hint, shared=slot.shared
            )
        return slot, hint, asked[0]

    def in_use(self) -> int:
        """Slots held now (under leases that have not ended)."""
        return self._guard.call(
            lambda timeout: int(self._run("in_use", timeout=timeout)), self._local.in_use
        )

    # ---- what a Slot asks of its owner ---------------------------------------------------

    def _bind(self, slot: Slot, video_id: str) -> bool:
        if not slot.shared:
            return self._local.bind(slot.holder, video_id)
        return bool(
            self._guard.call(
                lambda timeout: int(self._run("bind", slot.holder, video_id, timeout=timeout)),
                lambda: 1,
            )
        )

    def _renew(self, slot: Slot) -> bool | None:
        """True renewed, False lease gone, None: Redis unreachable (open mode)."""
        if not slot.shared:
            return self._local.renew(slot.holder, self.lease_seconds)
        result: int | None = self._guard.call(
            lambda timeout: int(self._run("renew", slot.holder, self._lease_ms, timeout=timeout)),
            lambda: None,
        )
        return None if result is None else bool(result)

    def _release(self, slot: Slot) -> None:
        if slot.shared:

            def later() -> int:
                self._orphan(slot.holder)
                return 0

            self._guard.call(
                lambda timeout: int(self._run("release", slot.holder, timeout=timeout)),
                later,
                always_fall_back=True,
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
