"""Video-job slots in local memory: `JobSlots`'s fallback when Redis fails, its scripts' model.

Same operations and results as the Lua scripts of `JobSlots`, on an injected clock; the tests
hold the two to the same answers.
"""

from __future__ import annotations

import threading
import time

from heygen_pipeline.shared._link import after_fork
from heygen_pipeline.typing import Clock

__all__ = ["LocalSlots"]


class LocalSlots:
    """Holders with lease expiries, and the video each is bound to (thread-safe)."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        """Start with every slot free; leases run on ``clock`` (seconds)."""
        self._clock = clock
        self._lock = threading.Lock()
        after_fork(self, LocalSlots._reset_in_child)
        self._leases: dict[str, float] = {}
        self._videos: dict[str, str] = {}  # video id -> holder
        self._bound: dict[str, str] = {}  # holder -> video id

    def _reset_in_child(self) -> None:
        self._lock = threading.Lock()

    def acquire(self, holder: str, limit: int, lease: float) -> tuple[bool, float]:
        """Take a slot for ``holder`` if fewer than ``limit`` are held.

        Returns ``(True, 0)``, or ``(False, seconds until the first lease ends)``.
        """
        with self._lock:
            now = self._purge()
            if len(self._leases) < limit:
                self._leases[holder] = now + lease
                return True, 0.0
            return False, max(min(self._leases.values(), default=now) - now, 0.0)

    def renew(self, holder: str, lease: float) -> bool:
        """Extend ``holder``'s lease to ``lease`` seconds from now; False if it had ended."""
        with self._lock:
            now = self._purge()
            if holder not in self._leases:
                return False
            self._leases[holder] = now + lease
            return True

    def release(self, holder: str) -> bool:
        """Give ``holder``'s slot back; False if it held none (or its lease had ended)."""
        with self._lock:
            self._purge()
            self._unbind(holder)
            return self._leases.pop(holder, None) is not None

    def bind(self, holder: str, video_id: str) -> bool:
        """Record that ``holder``'s slot runs ``video_id``; False if its lease had ended."""
        with self._lock:
            self._purge()
            if holder not in self._leases:
                return False
            self._unbind(holder)
            self._videos[video_id] = holder
            self._bound[holder] = video_id
            return True

    def release_video(self, video_id: str) -> bool:
        """Give back the slot bound to ``video_id``; False if no live slot was bound to it."""
        with self._lock:
            self._purge()
            holder = self._videos.pop(video_id, None)
            if holder is None:
                return False
            self._bound.pop(holder, None)
            return self._leases.pop(holder, None) is not None

    def renew_video(self, video_id: str, lease: float) -> bool:
        """Extend the lease of the slot bound to ``video_id``; False if there is none."""
        with self._lock:
            now = self._purge()
            holder = self._videos.get(video_id)
            if holder is None or holder not in self._leases:
                return False
            self._leases[holder] = now + lease
            return True

    def in_use(self) -> int:
        """Slots held under a lease that has not ended."""
        with self._lock:
            now = self._clock()
            return sum(1 for expiry in self._leases.values() if expiry > now)

    def _purge(self) -> float:
        """Drop ended leases (and their bindings); the current time."""
        now = self._clock()
        for holder in [h for h, expiry in self._leases.items() if expiry <= now]:
            del self._leases[holder]
            self._unbind(holder)
        return now

    def _unbind(self, holder: str) -> None:
        video = self._bound.pop(holder, None)
        if video is not None and self._videos.get(video) == holder:
            del self._videos[video]
