"""Video batches and bulk statuses: the part of ``client.videos`` that handles many at once.

`VideoBatches` is the base of `Videos`: ``create_batch`` starts up to 100 videos in one call
(``POST /v3/videos/batches``), ``get_batch`` reads a batch and a page of its items, and
``statuses`` asks for many videos' and batches' statuses in one call.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Final

from heygen_pipeline.resources._base import JobResource, drop_none, path_id
from heygen_pipeline.resources._checks import (
    check_limit,
    id_list,
    optional_text,
    parsed,
    parsed_items,
    required_text,
)
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._results_assets import JobStatus
from heygen_pipeline.resources._results_videos import VideoBatch
from heygen_pipeline.resources._videos_request import VideoRequest

__all__ = ["BATCH_LIMIT", "MAX_BATCH_VIDEOS", "VideoBatches"]

MAX_BATCH_VIDEOS: Final = 100
"""A batch holds at most this many videos (the spec)."""
BATCH_LIMIT: Final = 100
"""The ``limit`` maximum of a batch's item page (``GET /v3/videos/batches/{batch_id}``)."""


def _entries(videos: object) -> builtins.list[dict[str, Any]]:
    """The batch's ``videos``: each a `VideoRequest`, or a mapping of its fields."""
    if isinstance(videos, (str, bytes, Mapping)) or not isinstance(videos, Sequence):
        msg = f"videos must be a list of VideoRequest, not {type(videos).__name__}"
        raise TypeError(msg)
    if not 1 <= len(videos) <= MAX_BATCH_VIDEOS:
        msg = f"a batch holds 1 to {MAX_BATCH_VIDEOS} videos, not {len(videos)}"
        raise ValueError(msg)
    entries = []
    for n, item in enumerate(videos):
        if isinstance(item, VideoRequest):
            entries.append(item.to_api())
        elif isinstance(item, Mapping):
            fields = dict(item)
            kind = fields.pop("type", fields.pop("video_type", "avatar"))
            try:
                entries.append(VideoRequest.of(kind, **fields).to_api())
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"videos[{n}]: {exc}") from exc
        else:
            msg = f"videos[{n}] must be a VideoRequest or a mapping, not {type(item).__name__}"
            raise TypeError(msg)
    return entries


class VideoBatches(JobResource):
    """Many videos at once: batches and bulk statuses."""

    __slots__ = ()

    @operation("POST /v3/videos/batches", model=VideoBatch)
    def create_batch(
        self,
        videos: Sequence[VideoRequest | Mapping[str, Any]],
        *,
        title: str | None = None,
        callback_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> VideoBatch:
        """Start 1-100 videos as one batch (``POST /v3/videos/batches``).

        Each entry is a `VideoRequest` (``VideoRequest.of(avatar_id=look_id, script=...)``)
        or a mapping of the same fields (``type`` picks the kind; ``avatar`` by default),
        checked before anything is sent. ``callback_url`` is called once, when every video
        of the batch is done. The client adds an ``Idempotency-Key`` unless you pass one.
        """
        body: dict[str, Any] = {"videos": _entries(videos)}
        body.update(
            drop_none(
                title=optional_text(title, "title"),
                callback_url=optional_text(callback_url, "callback_url"),
            )
        )
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        response = self._client.request("POST", "/v3/videos/batches", json=body, **options)
        return parsed(VideoBatch.from_api, response)

    @operation("GET /v3/videos/batches/{batch_id}", model=VideoBatch)
    def get_batch(
        self, batch_id: str, *, page_size: int | None = None, token: str | None = None
    ) -> VideoBatch:
        """A batch and one page of its items (1-100); ``token`` is the batch's ``next_token``."""
        path = f"/v3/videos/batches/{path_id(batch_id, 'batch_id')}"
        params: dict[str, str | int] = {}
        limit = check_limit(page_size, BATCH_LIMIT)
        if limit is not None:
            params["limit"] = limit
        if token is not None:
            params["token"] = required_text(token, "token")
        return parsed(VideoBatch.from_api, self._client.request("GET", path, params=params))

    @operation("GET /v3/videos/statuses", model=JobStatus)
    def statuses(
        self, video_ids: Sequence[str] | None = None, *, batch_ids: Sequence[str] | None = None
    ) -> builtins.list[JobStatus]:
        """Many videos' and batches' statuses in one call (``GET /v3/videos/statuses``).

        A batch id expands to one entry per item (with ``batch_id`` and ``item_index``); an
        unknown id answers ``not_found``. Give at least one id.
        """
        params = {
            "video_ids": id_list(video_ids, "video_ids"),
            "batch_ids": id_list(batch_ids, "batch_ids"),
        }
        query = {k: v for k, v in params.items() if v is not None}
        if not query:
            msg = "pass video_ids= or batch_ids= (or both)"
            raise TypeError(msg)
        response = self._client.request("GET", "/v3/videos/statuses", params=query)
        return parsed_items(JobStatus.from_api, response, "video statuses")
