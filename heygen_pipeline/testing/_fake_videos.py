"""FakeHeyGen state for v3 videos beyond the render jobs `FakeState` runs: options and batches.

A render's lifecycle is `FakeState`'s (a step per status call: ``waiting``/``pending`` →
``processing`` → ``completed``, or ``failed`` when scripted with ``fail_video``). This keeps
what the v3 routes echo on top of it (the options a video was made with) and video batches.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class VideoBatch:
    """A batch: its title and its videos, one per submitted entry, in order."""

    id: str
    title: str | None
    video_ids: list[str]
    created_at: int = field(default_factory=lambda: int(time.time()))


class VideoExtras:
    """The v3 options of each video, and video batches."""

    def __init__(self) -> None:
        """Start with none."""
        self._lock = threading.Lock()
        self._options: dict[str, dict[str, Any]] = {}
        self._batches: dict[str, VideoBatch] = {}

    def remember(self, video_id: str, options: dict[str, Any]) -> None:
        """Keep the options a video was created with (the first create of a key wins)."""
        with self._lock:
            self._options.setdefault(video_id, dict(options))

    def options(self, video_id: str) -> dict[str, Any]:
        """The options a video was created with (empty for legacy or seeded ones)."""
        with self._lock:
            return dict(self._options.get(video_id, {}))

    def forget(self, video_id: str) -> None:
        """Drop a deleted video's options."""
        with self._lock:
            self._options.pop(video_id, None)

    def new_batch(self, title: str | None, video_ids: list[str]) -> VideoBatch:
        """Record a batch of created videos."""
        batch = VideoBatch(secrets.token_hex(16), title, list(video_ids))
        with self._lock:
            self._batches[batch.id] = batch
        return batch

    def batch(self, batch_id: str) -> VideoBatch | None:
        """A batch by id."""
        with self._lock:
            return self._batches.get(batch_id)
