"""Result models of ``client.avatars``: avatar groups, their looks, creations and consents.

In HeyGen's v3 API an avatar **group** (``GET /v3/avatars``) is an identity, a container; its
**looks** (``GET /v3/avatars/looks``: outfits, styles, poses) are what a video shows. The id
``POST /v3/videos`` takes as ``avatar_id`` is a look's ``id``. Frozen attrs classes built
with ``from_api(data)``, tolerant like every model here, keeping the whole object in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from heygen_pipeline.resources import _fields as f

__all__ = [
    "AVATAR_TYPES",
    "OWNERSHIPS",
    "AvatarConsent",
    "AvatarCreation",
    "AvatarGroup",
    "AvatarLook",
]

AVATAR_TYPES: Final = ("studio_avatar", "digital_twin", "photo_avatar")
"""A look's ``avatar_type`` (the spec's enum), which decides the engines it works with."""
OWNERSHIPS: Final = ("public", "private")
"""HeyGen's stock avatars (``public``) or the account's own (``private``)."""
_DONE: Final = frozenset({"completed", "complete"})


def _status(raw: Mapping[str, Any]) -> str | None:
    status = f.text(raw, "status")
    return status.lower() if status else None


class _Training:
    """Status helpers shared by groups and looks (``status`` is set for private ones only)."""

    __slots__ = ()
    status: str | None
    error: Mapping[str, Any] | None

    @property
    def is_ready(self) -> bool:
        """Whether it can be used: trained (``completed``), or a stock one with no status."""
        return self.status is None or self.status in _DONE

    @property
    def is_failed(self) -> bool:
        """Whether training failed (``error`` then says why)."""
        return self.status == "failed"

    @property
    def failure_code(self) -> str | None:
        """HeyGen's machine-readable reason for a failure, if it gave one."""
        return None if self.error is None else f.text(self.error, "code")

    @property
    def failure_message(self) -> str | None:
        """HeyGen's human-readable reason for a failure, if it gave one."""
        return None if self.error is None else f.text(self.error, "message")


@attrs.frozen(kw_only=True)
class AvatarGroup(_Training):
    """An avatar group: one identity and the number of looks it holds.

    Not something a video can show: list its looks (``client.avatars.list(group_id=...)``)
    and pass a look's ``id`` as ``avatar_id``. ``status`` and ``consent_status`` are set for
    private (trained) avatars only; ``error`` says why training failed. Legacy v2 groups
    (``GET /v2/avatar_group.list``) read into the same fields.
    """

    id: str | None = None
    name: str | None = None
    looks_count: int | None = None
    created_at: datetime | None = None
    gender: str | None = None
    preview_image_url: str | None = None
    preview_video_url: str | None = None
    default_voice_id: str | None = None
    status: str | None = None
    consent_status: str | None = None
    error: Mapping[str, Any] | None = attrs.field(default=None, hash=False)
    group_type: str | None = None
    """Legacy v2 only (``PUBLIC``, ``PHOTO``, ...)."""
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AvatarGroup:
        """Read a v3 avatar group, or a legacy v2 one (``num_looks``, ``train_status``...)."""
        raw = f.obj(data, "an avatar group")
        return cls(
            id=f.text(raw, "id", "group_id"),
            name=f.text(raw, "name"),
            looks_count=f.integer(raw, "looks_count", "num_looks"),
            created_at=f.when(raw, "created_at"),
            gender=f.text(raw, "gender"),
            preview_image_url=f.text(raw, "preview_image_url", "preview_image"),
            preview_video_url=f.text(raw, "preview_video_url"),
            default_voice_id=f.text(raw, "default_voice_id"),
            status=_status(raw) or _status({"status": raw.get("train_status")}),
            group_type=f.text(raw, "group_type"),
            consent_status=f.text(raw, "consent_status"),
            error=f.nested(raw, "error"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class AvatarLook(_Training):
    """An avatar look: what a video shows. Its ``id`` is ``POST /v3/videos``'s ``avatar_id``.

    ``avatar_type`` is ``studio_avatar``, ``digital_twin`` or ``photo_avatar``;
    ``supported_api_engines`` the video engines it works with (``avatar_v``, ``avatar_iv``,
    ``avatar_iii``); ``group_id`` the group it belongs to.
    """

    id: str | None = None
    name: str | None = None
    avatar_type: str | None = None
    group_id: str | None = None
    gender: str | None = None
    preview_image_url: str | None = None
    preview_video_url: str | None = None
    default_voice_id: str | None = None
    tags: tuple[str, ...] = ()
    supported_api_engines: tuple[str, ...] = ()
    preferred_orientation: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    status: str | None = None
    error: Mapping[str, Any] | None = attrs.field(default=None, hash=False)
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AvatarLook:
        """Read a v3 avatar look object."""
        raw = f.obj(data, "an avatar look")
        return cls(
            id=f.text(raw, "id", "look_id"),
            name=f.text(raw, "name"),
            avatar_type=f.text(raw, "avatar_type"),
            group_id=f.text(raw, "group_id"),
            gender=f.text(raw, "gender"),
            preview_image_url=f.text(raw, "preview_image_url"),
            preview_video_url=f.text(raw, "preview_video_url"),
            default_voice_id=f.text(raw, "default_voice_id"),
            tags=f.texts(raw, "tags"),
            supported_api_engines=f.texts(raw, "supported_api_engines"),
            preferred_orientation=f.text(raw, "preferred_orientation"),
            image_width=f.integer(raw, "image_width"),
            image_height=f.integer(raw, "image_height"),
            status=_status(raw),
            error=f.nested(raw, "error"),
            raw=raw,
        )


def _nested(cls: Any, raw: Mapping[str, Any], key: str) -> Any:
    value = raw.get(key)
    return cls.from_api(value) if isinstance(value, Mapping) else None


@attrs.frozen(kw_only=True)
class AvatarCreation:
    """What ``POST /v3/avatars`` answers: the group the new avatar is in, and its look.

    Both are usually ``processing`` at first; a digital twin waits for consent
    (``pending_consent``: see `Avatars.consent`). ``look`` is the spec's ``avatar_item``.
    """

    avatar_group: AvatarGroup | None = None
    avatar_item: AvatarLook | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @property
    def look(self) -> AvatarLook | None:
        """The new look (the spec calls it ``avatar_item``): its ``id`` goes in videos."""
        return self.avatar_item

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AvatarCreation:
        """Read an avatar creation's answer."""
        raw = f.obj(data, "an avatar creation")
        return cls(
            avatar_group=_nested(AvatarGroup, raw, "avatar_group"),
            avatar_item=_nested(AvatarLook, raw, "avatar_item"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class AvatarConsent:
    """What ``POST /v3/avatars/{group_id}/consent`` answers.

    ``url`` is the consent page to send the person on camera to (``None`` when a consent
    video was submitted directly).
    """

    avatar_group: AvatarGroup | None = None
    url: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AvatarConsent:
        """Read a consent request's answer."""
        raw = f.obj(data, "an avatar consent")
        return cls(
            avatar_group=_nested(AvatarGroup, raw, "avatar_group"),
            url=f.text(raw, "url"),
            raw=raw,
        )
