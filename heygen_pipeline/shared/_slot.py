"""Slot: one video-job slot of `JobSlots`, and whether a failed create may have started a job."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from heygen_pipeline import errors
from heygen_pipeline.shared._errors import SlotLostError

if TYPE_CHECKING:
    from heygen_pipeline.shared._slots import JobSlots

__all__ = ["Slot", "may_have_created"]


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

    def bind_created(self, video_id: str) -> None:
        """`bind` for a job HeyGen created: never raises (see `JobSlots.bind_created`)."""
        self._owner.bind_created(self, video_id)

    def create_failed(self, error: BaseException) -> None:
        """The create raised ``error``: see `JobSlots.create_failed`. Never raises."""
        self._owner.create_failed(self, error)

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


def may_have_created(error: BaseException) -> bool:
    """Whether a create that raised ``error`` may have started a job at HeyGen."""
    if not isinstance(error, errors.HeyGenError):
        return True  # an interrupt or a bug mid-call: we cannot know
    if isinstance(error, errors.TransportError):
        return error.sent
    return isinstance(error, (errors.ServerError, errors.MalformedResponseError))
