"""The video-job side of JobSlots: slots bound to HeyGen video ids, kept and freed with the job.

`JobSlots` is a semaphore with leases; this part ties its slots to the jobs that
``client.videos`` creates: a slot is bound to the video id HeyGen returns, kept while the job
may be rendering, renewed while it runs and freed when it ends, from any process, by video id.
The bookkeeping calls never raise: what Redis cannot take now is logged and repaired on the
next operation that reaches it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from heygen_pipeline import errors
from heygen_pipeline.shared._slot import may_have_created

if TYPE_CHECKING:
    from heygen_pipeline.shared._connection import Guard
    from heygen_pipeline.shared._slot import Slot
    from heygen_pipeline.shared._slots_local import LocalSlots

__all__ = ["VideoJobBookkeeping"]


class VideoJobBookkeeping:
    """Slots by video id, for `JobSlots` (which provides the attributes declared here)."""

    lease_seconds: float
    fallback_limit: int
    _guard: Guard
    _local: LocalSlots
    _logger: Any
    _repairs_lock: threading.Lock
    _unbound: dict[str, str]

    if TYPE_CHECKING:

        @property
        def _lease_ms(self) -> int: ...

        def _run(self, name: str, *args: str | int, timeout: float | None = None) -> Any: ...

        def _script(self, name: str, *args: str | int, timeout: float | None) -> Any: ...

        def _repair(self, timeout: float | None) -> None: ...

    def release_video(self, video_id: str) -> bool:
        """Give back the slot bound to ``video_id`` (from any process); False if none was."""
        return bool(
            self._guard.call(
                lambda timeout: int(self._run("release_video", video_id, timeout=timeout)),
                lambda: int(self._local.release_video(video_id)),
            )
        )

    def renew_video(self, video_id: str) -> bool:
        """Start a new lease for the slot bound to ``video_id``; False if none is held."""
        return bool(
            self._guard.call(
                lambda timeout: int(
                    self._run("renew_video", video_id, self._lease_ms, timeout=timeout)
                ),
                lambda: int(self._local.renew_video(video_id, self.lease_seconds)),
            )
        )

    def bind_created(self, slot: Slot, video_id: str) -> None:
        """Bind ``slot`` to the video HeyGen just created; never raises (see `Slot.bind`).

        A lease that ended meanwhile is taken again for the video (over the limit if need
        be: the job runs, so it counts); with Redis out of reach the binding is made on the
        next operation that reaches it.
        """
        slot.video_id = video_id
        if not slot.shared:
            if not self._local.bind(slot.holder, video_id):
                self._local.acquire(slot.holder, self.fallback_limit + 1, self.lease_seconds)
                self._local.bind(slot.holder, video_id)
            return

        def shared(timeout: float | None) -> int:
            self._repair(timeout)
            if int(self._script("bind", slot.holder, video_id, timeout=timeout)):
                return 1
            self._logger.warning(
                "job_slot_rebound", holder=slot.holder, video_id=video_id, reason="lease ended"
            )
            return int(
                self._script("adopt", slot.holder, video_id, self._lease_ms, timeout=timeout)
            )

        def later() -> int:
            with self._repairs_lock:
                self._unbound[video_id] = slot.holder
            self._logger.warning("job_slot_bind_deferred", holder=slot.holder, video_id=video_id)
            return 0

        try:
            self._guard.call(shared, later, always_fall_back=True)
        except errors.HeyGenError:  # pragma: no cover - always_fall_back never raises these
            later()

    def create_failed(self, slot: Slot, error: BaseException) -> None:
        """A create failed with ``error``: free the slot unless the job may be running.

        A create that may have reached HeyGen (a timeout or broken connection after
        sending, a 5xx, an answer that could not be read, an interrupt) may be rendering: its
        slot is kept until its lease ends. Never raises.
        """
        if may_have_created(error):
            self._logger.warning(
                "job_slot_kept",
                holder=slot.holder,
                reason=type(error).__name__,
                lease_seconds=self.lease_seconds,
            )
            return
        slot.release()

    def job_ended(self, video_id: str) -> None:
        """The job ended (finished, failed or deleted): free its slot. Never raises."""
        try:
            self._guard.call(
                lambda timeout: int(self._run("release_video", video_id, timeout=timeout)),
                lambda: int(self._local.release_video(video_id)),
                always_fall_back=True,
            )
        except errors.HeyGenError as exc:  # pragma: no cover - always_fall_back
            self._logger.warning("job_slot_release_failed", video_id=video_id, error=str(exc))
        with self._repairs_lock:
            self._unbound.pop(video_id, None)

    def job_running(self, video_id: str) -> None:
        """The job still runs: renew its slot's lease. Never raises."""
        self._guard.call(
            lambda timeout: int(
                self._run("renew_video", video_id, self._lease_ms, timeout=timeout)
            ),
            lambda: int(self._local.renew_video(video_id, self.lease_seconds)),
            always_fall_back=True,
        )
