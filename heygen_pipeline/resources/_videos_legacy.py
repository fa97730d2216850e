"""The legacy part of ``client.videos`` (v1/v2 routes), and what every video method shares.

`LegacyVideos` is a base of `Videos`: the legacy create (``POST /v2/video/generate``), status
(``GET /v1/video_status.get``) and list (``GET /v1/video.list``), and the job-slot handling
both creates use.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from heygen_pipeline.resources._base import drop_none, path_id
from heygen_pipeline.resources._checks import check_int
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results import Video
from heygen_pipeline.resources._videos_batches import VideoBatches

__all__ = ["DEFAULT_DIMENSION", "LegacyVideos", "VideoRef", "raw_id", "video_id"]

VideoRef = Video | str
"""A video id, or a `Video` (its ``id`` is used)."""

DEFAULT_DIMENSION: Final = (1280, 720)
"""The legacy create's ``dimension`` when none is given: 16:9 at 720p (the spec's defaults)."""


def _dimension(value: object) -> dict[str, int]:
    """``{"width", "height"}`` from a mapping or a ``(w, h)`` pair of positive ints."""
    if isinstance(value, Mapping):
        pair: tuple[object, ...] = (value.get("width"), value.get("height"))
    elif isinstance(value, tuple) and len(value) == 2:  # noqa: PLR2004 - a (w, h) pair
        pair = value
    else:
        msg = f"dimension must be (width, height) or a mapping of them, not {value!r}"
        raise TypeError(msg)
    sides: dict[str, int] = {}
    for name, given in zip(("width", "height"), pair, strict=True):
        side = check_int(given, f"dimension {name}")
        if side < 1:
            msg = f"dimension {name} must be >= 1, not {side}"
            raise ValueError(msg)
        sides[name] = side
    return sides


def video_id(video: VideoRef) -> str:
    """The id of a `Video` or an id string, checked and quoted for use in a path."""
    if isinstance(video, Video):
        if video.id is None:
            msg = "this Video has no id (HeyGen sent none)"
            raise ValueError(msg)
        return path_id(video.id, "the video id")
    return path_id(video, "the video id")


def raw_id(video: VideoRef) -> str:
    return (video.id or "") if isinstance(video, Video) else video


class LegacyVideos(VideoBatches):
    """The legacy video routes, and the job slot a create holds."""

    __slots__ = ()

    def _with_slot(self, create: Callable[[], Video], hint: str | None) -> Video:
        """Run ``create`` holding a job slot (when the client limits jobs), bound to the video."""
        slots = self._client.job_slots
        if slots is None:
            return create()
        slot = slots.acquire(timeout=self._client.slot_timeout, job_hint=hint)
        try:
            video = create()
        except BaseException as exc:
            slot.create_failed(exc)  # kept if the job may be running, else freed
            raise
        # HeyGen created the job: bookkeeping problems are logged and repaired, never raised.
        if video.id:
            slot.bind_created(video.id)
        else:
            slot.release()
        return video

    @operation("POST /v2/video/generate", spec="legacy", model=Video)
    def create_v2(
        self,
        video_inputs: Sequence[Mapping[str, Any]],
        *,
        dimension: Mapping[str, int] | tuple[int, int] = DEFAULT_DIMENSION,
        title: str | None = None,
        test: bool | None = None,
        caption: bool | None = None,
        callback_id: str | None = None,
        callback_url: str | None = None,
        folder_id: str | None = None,
        **extra: Any,
    ) -> Video:
        """Start a render with the legacy ``POST /v2/video/generate`` (1-50 scenes).

        ``dimension`` (required by the legacy spec) is ``{"width": w, "height": h}`` or a
        ``(w, h)`` pair; by default 1280 x 720 (16:9 at 720p, the spec's defaults). The
        legacy endpoint takes no ``Idempotency-Key``, so a create that fails on the way is
        not retried (it might have rendered).
        """
        if isinstance(video_inputs, (str, bytes, Mapping)) or not isinstance(
            video_inputs, Sequence
        ):
            msg = "video_inputs must be a list of scene objects"
            raise TypeError(msg)
        body = {
            "video_inputs": builtins.list(video_inputs),
            "dimension": _dimension(dimension),
            **drop_none(
                title=title,
                test=test,
                caption=caption,
                callback_id=callback_id,
                callback_url=callback_url,
                folder_id=folder_id,
            ),
            **extra,
        }
        return self._with_slot(
            lambda: Video.from_api(self._client.post("/v2/video/generate", json=body)), title
        )

    @operation("GET /v1/video_status.get", spec="legacy", model=Video)
    def get_status_v1(self, video: VideoRef) -> Video:
        """The video's state from the legacy ``GET /v1/video_status.get``."""
        path_id(raw_id(video), "the video id")
        data = self._client.get("/v1/video_status.get", params={"video_id": raw_id(video)})
        return Video.from_api(data)

    @operation("GET /v1/video.list", spec="legacy", model=Video)
    def list_v1(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[Video]:
        """Every video from the legacy ``GET /v1/video.list`` (paged by ``token``), lazily."""
        pages = paginate(
            self._client,
            "/v1/video.list",
            page_size=page_size,
            max_pages=max_pages,
            items_key="videos",
        )
        return (Video.from_api(item) for item in pages)
