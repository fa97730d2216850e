"""Result models of ``client.translations``: translations, batches, statuses and proofreads.

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

__all__ = [
    "Proofread",
    "ProofreadSrt",
    "Translation",
    "TranslationBatch",
]


@attrs.frozen(kw_only=True)
class Translation:
    """A video translation job (v3 ``video-translations`` or legacy v2 ``video_translate``).

    Statuses are ``pending``, ``running``, then ``completed`` or ``failed`` (v2 says
    ``success``). The links (``video_url``, ``audio_url`` and, with captions, the SRT and
    VTT ones) are presigned and appear once it completed.
    """

    id: str | None = None
    status: str | None = None
    title: str | None = None
    input_language: str | None = None
    output_language: str | None = None
    video_url: str | None = None
    audio_url: str | None = None
    srt_caption_url: str | None = None
    vtt_caption_url: str | None = None
    translate_audio_only: bool | None = None
    duration: float | None = None
    failure_message: str | None = None
    callback_id: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Translation:
        """Read a v3 or v2 translation object (or a proofread's generate answer)."""
        raw = f.obj(data, "a translation")
        status = f.text(raw, "status")
        return cls(
            id=f.text(raw, "id", "video_translation_id", "video_translate_id"),
            status=status.lower() if status else None,
            title=f.text(raw, "title"),
            input_language=f.text(raw, "input_language"),
            output_language=f.text(raw, "output_language"),
            video_url=f.text(raw, "video_url", "url"),
            audio_url=f.text(raw, "audio_url"),
            srt_caption_url=f.text(raw, "srt_caption_url"),
            vtt_caption_url=f.text(raw, "vtt_caption_url"),
            translate_audio_only=f.flag(raw, "translate_audio_only"),
            duration=f.number(raw, "duration"),
            failure_message=f.text(raw, "failure_message", "message", "error"),
            callback_id=f.text(raw, "callback_id"),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the translation finished (v3 ``completed``, v2 ``success``)."""
        return self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the translation failed."""
        return self.status in FAILED

    @property
    def is_done(self) -> bool:
        """Whether the job reached a final state."""
        return self.is_completed or self.is_failed


@attrs.frozen(kw_only=True)
class TranslationBatch(AssetBatch):
    """A translation batch and one page of its items (one item per output language)."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TranslationBatch:
        """Read a translation batch (also what creating one answers)."""
        return cls(**attrs.asdict(AssetBatch.from_api(data), recurse=False))


@attrs.frozen(kw_only=True)
class Proofread:
    """A proofread session: HeyGen's draft translation, to check before the video is made.

    Statuses are ``processing``, then ``completed`` (the SRT can be read and replaced, and
    the video generated) or ``failed`` (with ``failure_message``).
    """

    id: str | None = None
    status: str | None = None
    title: str | None = None
    input_language: str | None = None
    output_language: str | None = None
    failure_message: str | None = None
    submitted_for_review: bool | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Proofread:
        """Read a proofread object."""
        raw = f.obj(data, "a proofread")
        status = f.text(raw, "status")
        return cls(
            id=f.text(raw, "id", "proofread_id"),
            status=status.lower() if status else None,
            title=f.text(raw, "title"),
            input_language=f.text(raw, "input_language"),
            output_language=f.text(raw, "output_language"),
            failure_message=f.text(raw, "failure_message"),
            submitted_for_review=f.flag(raw, "submitted_for_review"),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the draft is ready."""
        return self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the proofread failed."""
        return self.status in FAILED


@attrs.frozen(kw_only=True)
class ProofreadSrt:
    """Where a proofread's subtitles are: the edited SRT, and the original one if given."""

    srt_url: str | None = None
    original_srt_url: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ProofreadSrt:
        """Read the SRT links."""
        raw = f.obj(data, "a proofread's SRT")
        return cls(
            srt_url=f.text(raw, "srt_url"),
            original_srt_url=f.text(raw, "original_srt_url"),
            raw=raw,
        )
