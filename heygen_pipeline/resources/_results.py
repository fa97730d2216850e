"""Result models: small frozen attrs classes for the fields users need, and ``raw`` for the rest.

Each model is built with ``from_api(data)`` from whichever API version answered (field names
differ between v1, v2 and v3). A field HeyGen drops, renames or sends empty becomes ``None``
(or an empty tuple or dict), never a ``KeyError``; a field it adds is kept in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from heygen_pipeline._redact import register_secret
from heygen_pipeline.resources import _fields as f

__all__ = [
    "Avatar",
    "Quota",
    "TalkingPhoto",
    "Template",
    "Video",
    "Voice",
    "WebhookEndpoint",
]

COMPLETED: Final = frozenset({"completed", "success", "complete"})
"""Job statuses that mean done (v3 says ``completed``; v2 translations ``success``)."""
FAILED: Final = frozenset({"failed", "fail", "error"})
"""Job statuses that mean the job failed."""


@attrs.frozen(kw_only=True)
class Video:
    """A video job: its status and, once completed, where to download it.

    Built from the v3 video object, the v1 status object, a v1 list entry or a create result
    (which has only ``id``, ``status`` and ``output_format``). v3 statuses are ``pending``,
    ``processing``, ``completed`` and ``failed`` (a create may answer ``waiting``). The links
    (``video_url``, ``thumbnail_url``, ``gif_url``, ``captioned_video_url``,
    ``subtitle_url``) are signed CDN links (valid about 7 days, re-signed on every status
    call). ``failure_code``/``failure_message`` are HeyGen's reason for a failed job, both
    ``None`` when it gave none. ``output_language`` is set on translated videos only.
    """

    id: str | None = None
    status: str | None = None
    title: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    gif_url: str | None = None
    captioned_video_url: str | None = None
    subtitle_url: str | None = None
    video_page_url: str | None = None
    duration: float | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    callback_id: str | None = None
    folder_id: str | None = None
    output_language: str | None = None
    output_format: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent, with every field (also those this model does not name)."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Video:
        """Read any version's video object."""
        raw = f.obj(data, "a video")
        error = f.mapping(raw, "error")  # v1: {"code", "message", "detail"} or null
        status = f.text(raw, "status")
        return cls(
            id=f.text(raw, "id", "video_id"),
            status=status.lower() if status else None,
            title=f.text(raw, "title", "video_title"),
            video_url=f.text(raw, "video_url", "url"),
            thumbnail_url=f.text(raw, "thumbnail_url"),
            gif_url=f.text(raw, "gif_url"),
            captioned_video_url=f.text(raw, "captioned_video_url", "video_url_caption"),
            subtitle_url=f.text(raw, "subtitle_url", "caption_url"),
            video_page_url=f.text(raw, "video_page_url"),
            duration=f.number(raw, "duration"),
            created_at=f.when(raw, "created_at"),
            completed_at=f.when(raw, "completed_at"),
            failure_code=f.text(raw, "failure_code") or f.text(error, "code"),
            failure_message=f.text(raw, "failure_message")
            or f.text(error, "message", "detail")
            or (f.text(raw, "error") if isinstance(raw.get("error"), str) else None),
            callback_id=f.text(raw, "callback_id"),
            folder_id=f.text(raw, "folder_id"),
            output_language=f.text(raw, "output_language"),
            output_format=f.text(raw, "output_format"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the render finished and the video can be downloaded."""
        return self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the render failed."""
        return self.status in FAILED

    @property
    def is_done(self) -> bool:
        """Whether the job reached a final state (completed or failed)."""
        return self.is_completed or self.is_failed


@attrs.frozen(kw_only=True)
class Avatar:
    """A legacy avatar (an entry of ``GET /v2/avatars``).

    v3 has two models instead: `AvatarLook` (what a video shows; its ``id`` is a video's
    ``avatar_id``) and `AvatarGroup` (an identity holding looks).
    """

    id: str | None = None
    name: str | None = None
    gender: str | None = None
    preview_image_url: str | None = None
    preview_video_url: str | None = None
    premium: bool | None = None
    type: str | None = None
    tags: tuple[str, ...] = ()
    default_voice_id: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Avatar:
        """Read a v2 or v3 avatar object."""
        raw = f.obj(data, "an avatar")
        return cls(
            id=f.text(raw, "avatar_id", "id"),
            name=f.text(raw, "avatar_name", "name"),
            gender=f.text(raw, "gender"),
            preview_image_url=f.text(raw, "preview_image_url"),
            preview_video_url=f.text(raw, "preview_video_url"),
            premium=f.flag(raw, "premium"),
            type=f.text(raw, "type", "avatar_type"),
            tags=f.texts(raw, "tags"),
            default_voice_id=f.text(raw, "default_voice_id"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class TalkingPhoto:
    """A talking photo (the second list of ``GET /v2/avatars``)."""

    id: str | None = None
    name: str | None = None
    preview_image_url: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TalkingPhoto:
        """Read a talking photo object."""
        raw = f.obj(data, "a talking photo")
        return cls(
            id=f.text(raw, "talking_photo_id", "id"),
            name=f.text(raw, "talking_photo_name", "name"),
            preview_image_url=f.text(raw, "preview_image_url"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class Voice:
    """A voice (v3 list, get and design results; legacy v2 list entries).

    ``id`` is what ``POST /v3/videos`` and ``POST /v3/voices/speech`` take as ``voice_id``.
    ``type`` is ``public`` (HeyGen's) or ``private`` (the account's own, e.g. a clone);
    ``support_locale`` says whether it speaks locale variants. A cloned voice has a
    ``status`` (``processing``, ``complete``, ``failed``; ``failure_message`` says why).
    """

    id: str | None = None
    name: str | None = None
    language: str | None = None
    gender: str | None = None
    type: str | None = None
    preview_audio_url: str | None = None
    support_pause: bool | None = None
    support_locale: bool | None = None
    support_interactive_avatar: bool | None = None
    emotion_support: bool | None = None
    status: str | None = None
    failure_message: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Voice:
        """Read a v2 or v3 voice object."""
        raw = f.obj(data, "a voice")
        status = f.text(raw, "status")
        return cls(
            id=f.text(raw, "voice_id", "id"),
            name=f.text(raw, "name", "display_name"),
            language=f.text(raw, "language"),
            gender=f.text(raw, "gender"),
            type=f.text(raw, "type"),
            preview_audio_url=f.text(raw, "preview_audio_url", "preview_audio"),
            support_pause=f.flag(raw, "support_pause"),
            support_locale=f.flag(raw, "support_locale"),
            support_interactive_avatar=f.flag(raw, "support_interactive_avatar"),
            emotion_support=f.flag(raw, "emotion_support"),
            status=status.lower() if status else None,
            failure_message=f.text(raw, "failure_message"),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the voice can be used: a clone that finished, or one with no status."""
        return self.status is None or self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether cloning failed."""
        return self.status in FAILED

    @property
    def is_done(self) -> bool:
        """Whether cloning reached a final state (or the voice never had one)."""
        return self.is_completed or self.is_failed


@attrs.frozen(kw_only=True)
class Template:
    """A template; ``variables`` is filled by `Templates.get` (the list omits them)."""

    id: str | None = None
    name: str | None = None
    thumbnail_url: str | None = None
    aspect_ratio: str | None = None
    variables: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Template:
        """Read a template list entry or a template's details."""
        raw = f.obj(data, "a template")
        return cls(
            id=f.text(raw, "template_id", "id"),
            name=f.text(raw, "name", "title"),
            thumbnail_url=f.text(raw, "thumbnail_image_url", "thumbnail_url"),
            aspect_ratio=f.text(raw, "aspect_ratio"),
            variables=f.mapping(raw, "variables"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class WebhookEndpoint:
    """A registered webhook endpoint.

    ``secret`` (``whsec_...``) signs the events sent to it; HeyGen returns it when the endpoint
    is added (v3 lists leave it out). It never shows in the repr, and it is registered with
    the library's scrubbing so no error message or log line can carry it.
    """

    id: str | None = None
    url: str | None = None
    status: str | None = None
    events: tuple[str, ...] = ()
    secret: str | None = attrs.field(default=None, repr=False)
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent (the secret included)."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WebhookEndpoint:
        """Read a v1 or v3 endpoint object."""
        raw = f.obj(data, "a webhook endpoint")
        secret = f.text(raw, "secret")
        if secret is not None:
            register_secret(secret)
        return cls(
            id=f.text(raw, "endpoint_id", "id"),
            url=f.text(raw, "url"),
            status=f.text(raw, "status"),
            events=f.texts(raw, "events"),
            secret=secret,
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class Quota:
    """The legacy remaining quota: HeyGen counts seconds, one credit is 60 of them."""

    remaining_seconds: float | None = None
    details: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @property
    def credits(self) -> float | None:
        """The remaining quota in credits (seconds / 60), or ``None`` when HeyGen sent none."""
        return None if self.remaining_seconds is None else self.remaining_seconds / 60

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Quota:
        """Read ``GET /v2/user/remaining_quota``'s data (``details`` may be ``{}``)."""
        raw = f.obj(data, "the remaining quota")
        return cls(
            remaining_seconds=f.number(raw, "remaining_quota"),
            details=f.mapping(raw, "details"),
            raw=raw,
        )
