"""Result models of the smaller v3 families: AI clipping, background removals, sounds, brands.

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

__all__ = [
    "AiClip",
    "AiClipping",
    "BackgroundRemoval",
    "BrandGlossary",
    "BrandKit",
    "Sound",
]


@attrs.frozen(kw_only=True)
class AiClip:
    """One clip an AI clipping job cut: ``pending``, then ``completed`` or ``failed``."""

    id: str | None = None
    status: str | None = None
    title: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    aspect_ratio: str | None = None
    duration_seconds: float | None = None
    virality_score: int | None = None
    failure_message: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AiClip:
        """Read one clip."""
        raw = f.obj(data, "a clip")
        return cls(
            id=f.text(raw, "id"),
            status=f.lower(f.text(raw, "status")),
            title=f.text(raw, "title"),
            video_url=f.text(raw, "video_url"),
            thumbnail_url=f.text(raw, "thumbnail_url"),
            aspect_ratio=f.text(raw, "aspect_ratio"),
            duration_seconds=f.number(raw, "duration_seconds"),
            virality_score=f.integer(raw, "virality_score"),
            failure_message=f.text(raw, "failure_message"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class AiClipping:
    """An AI clipping job: a long video cut into short, captioned highlight clips.

    Statuses are ``pending``, ``running``, then ``completed`` (``clips`` hold the results),
    ``failed`` (``failure_message``) or ``cancelled``; ``progress`` is 0-100.
    """

    id: str | None = None
    status: str | None = None
    title: str | None = None
    progress: int | None = None
    input_language: str | None = None
    source_duration: float | None = None
    output_settings: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    clips: tuple[AiClip, ...] = ()
    failure_message: str | None = None
    callback_id: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AiClipping:
        """Read an AI clipping job (or a creation's answer)."""
        raw = f.obj(data, "an AI clipping job")
        return cls(
            id=f.text(raw, "id", "job_id"),
            status=f.lower(f.text(raw, "status")),
            title=f.text(raw, "title"),
            progress=f.integer(raw, "progress"),
            input_language=f.text(raw, "input_language"),
            source_duration=f.number(raw, "source_duration"),
            output_settings=f.mapping(raw, "output_settings"),
            clips=tuple(AiClip.from_api(c) for c in f.items(raw, "clips", "clips")),
            failure_message=f.text(raw, "failure_message"),
            callback_id=f.text(raw, "callback_id"),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the clips are cut."""
        return self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the job failed or was cancelled."""
        return self.status in FAILED or self.status == "cancelled"


@attrs.frozen(kw_only=True)
class BackgroundRemoval:
    """A background removal job: a video split into layers (foreground, mask, background).

    Statuses are ``pending``, ``processing``, then ``completed`` (``layers`` maps each layer
    to a presigned link) or ``failed`` (``error`` says why); ``deleted`` once deleted.
    """

    id: str | None = None
    status: str | None = None
    layers: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    duration: float | None = None
    error: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> BackgroundRemoval:
        """Read a background removal job."""
        raw = f.obj(data, "a background removal")
        return cls(
            id=f.text(raw, "id"),
            status=f.lower(f.text(raw, "status")),
            layers=f.mapping(raw, "layers"),
            duration=f.number(raw, "duration"),
            error=f.text(raw, "error"),
            created_at=f.when(raw, "created_at"),
            completed_at=f.when(raw, "completed_at"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the layers are ready."""
        return self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the job failed (or was deleted before it finished)."""
        return self.status in FAILED or self.status == "deleted"


@attrs.frozen(kw_only=True)
class Sound:
    """A music track or sound effect from HeyGen's library (``GET /v3/audio/sounds``)."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    type: str | None = None
    audio_url: str | None = None
    score: float | None = None
    duration: float | None = None
    peak_offset: float | None = None
    placement: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Sound:
        """Read one search result."""
        raw = f.obj(data, "a sound")
        return cls(
            id=f.text(raw, "id"),
            name=f.text(raw, "name"),
            description=f.text(raw, "description"),
            type=f.text(raw, "type"),
            audio_url=f.text(raw, "audio_url"),
            score=f.number(raw, "score"),
            duration=f.number(raw, "duration"),
            peak_offset=f.number(raw, "peak_offset"),
            placement=f.text(raw, "placement"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class BrandKit:
    """A brand kit: colours and a logo (``brand_kit_id`` of the video agent and others)."""

    id: str | None = None
    name: str | None = None
    colors: tuple[str, ...] = ()
    logo_url: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> BrandKit:
        """Read one brand kit."""
        raw = f.obj(data, "a brand kit")
        return cls(
            id=f.text(raw, "brand_kit_id", "id"),
            name=f.text(raw, "name"),
            colors=f.all_strings(raw.get("colors")),
            logo_url=f.text(raw, "logo_url"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class BrandGlossary:
    """A brand glossary: terms translations keep (``brand_glossary_id`` of a translation)."""

    id: str | None = None
    name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> BrandGlossary:
        """Read one brand glossary."""
        raw = f.obj(data, "a brand glossary")
        return cls(
            id=f.text(raw, "brand_glossary_id", "id"),
            name=f.text(raw, "name"),
            created_at=f.when(raw, "created_at"),
            updated_at=f.when(raw, "updated_at"),
            raw=raw,
        )
