"""The errors of shared state: Redis out of reach, no job slot free, a lease lost."""

from __future__ import annotations

from heygen_pipeline.errors import HeyGenError

__all__ = ["SharedStateError", "SlotLostError", "SlotTimeoutError"]


class SharedStateError(HeyGenError):
    """Shared state in Redis could not be read or written, and ``on_error="closed"`` asked to fail.

    Raised before a request is sent, so nothing reached HeyGen. The Redis error, when there
    was one, is the ``__cause__``.
    """


class SlotTimeoutError(HeyGenError):
    """No video-job slot came free within the ``timeout`` given to ``JobSlots.acquire``."""

    def __init__(self, message: str, *, limit: int, waited: float) -> None:
        """Keep the limit and how long the caller waited, in seconds."""
        self.limit = limit
        self.waited = waited
        super().__init__(message)


class SlotLostError(HeyGenError):
    """A slot's lease ran out (or it was released elsewhere): it may be another worker's now."""
