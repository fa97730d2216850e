"""Result models of ``client.assets``: assets, direct uploads, batches, statuses, search results.

Frozen attrs classes built with ``from_api(data)``, tolerant like every model here (a field
HeyGen drops or sends empty becomes ``None``), with one exception: a model whose answer lacks
what the next step needs (a direct upload without its ``upload_url``) raises
`MalformedResponseError`, since nothing sensible can be done with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from heygen_pipeline._redact import redact_url
from heygen_pipeline.errors import MalformedResponseError
from heygen_pipeline.resources import _fields as f

__all__ = [
    "Asset",
    "AssetBatch",
    "AssetSearchResult",
    "BatchItem",
    "Deletion",
    "DirectUpload",
    "DirectUploadBatch",
    "JobStatus",
]


@attrs.frozen(kw_only=True)
class Asset:
    """An asset: a v3 upload or completion, a v3 asset (get, list), or a legacy v1 upload.

    ``file_type`` is the spec's ``type`` (``image``, ``video``, ``audio``, ``font``), ``size``
    its ``size_bytes`` and ``created_at`` its ``uploaded_at``. ``status`` is set by a direct
    upload's completion (``processing`` at first).
    """

    id: str | None = None
    name: str | None = None
    url: str | None = None
    file_type: str | None = None
    mime_type: str | None = None
    size: int | None = None
    image_key: str | None = None
    created_at: datetime | None = None
    owner: str | None = None
    space_id: str | None = None
    folder_id: str | None = None
    status: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Asset:
        """Read an asset object of any version."""
        raw = f.obj(data, "an asset")
        return cls(
            id=f.text(raw, "asset_id", "id"),
            name=f.text(raw, "name", "file_name"),
            url=f.text(raw, "url"),
            file_type=f.text(raw, "file_type", "type"),
            mime_type=f.text(raw, "mime_type", "content_type"),
            size=f.integer(raw, "size_bytes", "size"),
            image_key=f.text(raw, "image_key"),
            created_at=f.when(raw, "uploaded_at", "created_at"),
            owner=f.text(raw, "owner"),
            space_id=f.text(raw, "space_id"),
            folder_id=f.text(raw, "folder_id"),
            status=f.text(raw, "status"),
            raw=raw,
        )


def _redacted(url: str) -> str:
    return repr(redact_url(url))


@attrs.frozen(kw_only=True)
class DirectUpload:
    """A presigned upload slot (``POST /v3/assets/direct-uploads`` and its batch form).

    PUT the file's raw bytes to ``upload_url`` with ``upload_headers`` verbatim, then complete
    it. The URL is signed for that one file: its repr shows it with the signature hidden.
    """

    asset_id: str
    upload_url: str = attrs.field(repr=_redacted)
    upload_headers: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    expires_in_seconds: int | None = None
    max_bytes: int | None = None
    status: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DirectUpload:
        """Read presigned upload instructions; without an id and a URL they are useless."""
        raw = f.obj(data, "a direct upload")
        asset_id, url = f.text(raw, "asset_id"), f.text(raw, "upload_url")
        if asset_id is None or url is None:
            msg = "a direct upload came without its asset_id or upload_url"
            raise MalformedResponseError(msg)
        headers = f.mapping(raw, "upload_headers")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            msg = "a direct upload's upload_headers are not all strings"
            raise MalformedResponseError(msg)
        return cls(
            asset_id=asset_id,
            upload_url=url,
            upload_headers=headers,
            expires_in_seconds=f.integer(raw, "expires_in_seconds"),
            max_bytes=f.integer(raw, "max_bytes"),
            status=f.text(raw, "status"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class DirectUploadBatch:
    """Presigned slots for several files (``POST /v3/assets/direct-uploads/batches``), in order."""

    batch_id: str | None = None
    items: tuple[DirectUpload, ...] = ()
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DirectUploadBatch:
        """Read a batch of presigned slots."""
        raw = f.obj(data, "a direct upload batch")
        items = f.items(raw, "items", "the slots of a direct upload batch")
        return cls(
            batch_id=f.text(raw, "batch_id"),
            items=tuple(DirectUpload.from_api(item) for item in items),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class BatchItem:
    """One item of a batch (assets, translations): its position, status and id once it exists.

    The spec names the id ``video_id`` (the batch shape is shared by every family); ``id``
    reads it, or ``asset_id`` should HeyGen send that.
    """

    item_index: int | None = None
    status: str | None = None
    id: str | None = None
    error: Mapping[str, Any] | None = attrs.field(default=None, hash=False)
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> BatchItem:
        """Read one batch item."""
        raw = f.obj(data, "a batch item")
        return cls(
            item_index=f.integer(raw, "item_index"),
            status=f.text(raw, "status"),
            id=f.text(raw, "asset_id", "video_id", "id"),
            error=f.nested(raw, "error"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class AssetBatch:
    """A batch and one page of its items (``GET /v3/assets/batches/{batch_id}``).

    ``status`` is ``processing``, ``completed`` or ``failed``; ``counts_by_status`` counts the
    items per status. More items than this page: ``has_more`` and ``next_token``.
    """

    batch_id: str | None = None
    status: str | None = None
    title: str | None = None
    total_items: int | None = None
    counts_by_status: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    created_at: datetime | None = None
    items: tuple[BatchItem, ...] = ()
    has_more: bool | None = None
    next_token: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AssetBatch:
        """Read a batch (also what creating or completing one answers)."""
        raw = f.obj(data, "a batch")
        return cls(
            batch_id=f.text(raw, "batch_id", "id"),
            status=f.text(raw, "status"),
            title=f.text(raw, "title"),
            total_items=f.integer(raw, "total_items"),
            counts_by_status=f.mapping(raw, "counts_by_status"),
            created_at=f.when(raw, "created_at"),
            items=tuple(BatchItem.from_api(i) for i in f.items(raw, "items", "batch items")),
            has_more=f.flag(raw, "has_more"),
            next_token=f.text(raw, "next_token"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class JobStatus:
    """One entry of a bulk statuses call (assets, translations); ``not_found`` if unknown.

    As in batches, the spec calls the id ``video_id``; ``id`` reads it (or ``asset_id``).
    """

    id: str | None = None
    status: str | None = None
    batch_id: str | None = None
    item_index: int | None = None
    error: Mapping[str, Any] | None = attrs.field(default=None, hash=False)
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> JobStatus:
        """Read one status entry."""
        raw = f.obj(data, "a status entry")
        return cls(
            id=f.text(raw, "asset_id", "video_id", "id"),
            status=f.text(raw, "status"),
            batch_id=f.text(raw, "batch_id"),
            item_index=f.integer(raw, "item_index"),
            error=f.nested(raw, "error"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class AssetSearchResult:
    """One image or icon from ``GET /v3/assets/search`` (``type`` says which)."""

    id: str | None = None
    url: str | None = None
    type: str | None = None
    width: int | None = None
    height: int | None = None
    orientation: str | None = None
    is_transparent: bool | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AssetSearchResult:
        """Read one search result."""
        raw = f.obj(data, "an asset search result")
        return cls(
            id=f.text(raw, "id"),
            url=f.text(raw, "url"),
            type=f.text(raw, "type"),
            width=f.integer(raw, "width"),
            height=f.integer(raw, "height"),
            orientation=f.text(raw, "orientation"),
            is_transparent=f.flag(raw, "is_transparent"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class Deletion:
    """What a v3 delete answers: the id of what is gone (``voice_id`` for a voice)."""

    id: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Deletion:
        """Read a delete's answer."""
        raw = f.obj(data, "a deletion")
        return cls(id=f.text(raw, "id", "voice_id"), raw=raw)
