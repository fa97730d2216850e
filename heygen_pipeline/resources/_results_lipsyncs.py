"""Result models of ``client.lipsyncs``: lipsync jobs and their batches.

Tolerant like every model here: a field HeyGen drops or sends empty becomes ``None``; every
field it sends stays in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from heygen_pipeline.resources import _fields as f
from heygen_pipeline.resources._results import COMPLETED, FAILED
from heygen_pipeline.resources._results_assets import AssetBatch

__all__ = ["Lipsync", "LipsyncBatch"]


@attrs.frozen(kw_only=True)
class Lipsync:
    """A lipsync job: a video re-voiced with new audio, its mouth movements re-synced.

    Statuses are ``pending``, ``running``, then ``completed`` (``video_url`` and, with
    captions, ``caption_url`` are presigned links) or ``failed`` (``failure_message``).
    Creating one answers only its ``id``.
    """

    id: str | None = None
    status: str | None = None
    title: str | None = None
    video_url: str | None = None
    caption_url: str | None = None
    duration: float | None = None
    failure_message: str | None = None
    callback_id: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Lipsync:
        """Read a lipsync object (or a creation's ``{lipsync_id}``)."""
        raw = f.obj(data, "a lipsync")
        status = f.text(raw, "status")
        return cls(
            id=f.text(raw, "id", "lipsync_id"),
            status=status.lower() if status else None,
            title=f.text(raw, "title"),
            video_url=f.text(raw, "video_url"),
            caption_url=f.text(raw, "caption_url"),
            duration=f.number(raw, "duration"),
            failure_message=f.text(raw, "failure_message"),
            callback_id=f.text(raw, "callback_id"),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the lipsync finished."""
        return self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the lipsync failed."""
        return self.status in FAILED

    @property
    def is_done(self) -> bool:
        """Whether the job reached a final state."""
        return self.is_completed or self.is_failed


@attrs.frozen(kw_only=True)
class LipsyncBatch(AssetBatch):
    """A lipsync batch and one page of its items (one item per lipsync submitted)."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> LipsyncBatch:
        """Read a lipsync batch (also what creating one answers)."""
        return cls(**attrs.asdict(AssetBatch.from_api(data), recurse=False))
