"""``client.videos``: create (v3 and legacy v2), get, list, delete, wait and download."""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from heygen_pipeline._models import Timeout
from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._base import JobResource, drop_none, path_id
from heygen_pipeline.resources._download import (
    DEFAULT_CHUNK_SIZE,
    DownloadResult,
    Progress,
    fetch_to_file,
)
from heygen_pipeline.resources._models import Video
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._wait import wait_for

__all__ = ["VideoRef", "Videos"]

VideoRef = Video | str
"""A video id, or a `Video` (its ``id`` is used)."""

DEFAULT_WAIT: Final = 1800.0
"""Renders take 5-15 minutes, 20+ at peak: half an hour covers a slow day."""


def video_id(video: VideoRef) -> str:
    """The id of a `Video` or an id string, checked and quoted for use in a path."""
    if isinstance(video, Video):
        if video.id is None:
            msg = "this Video has no id (HeyGen sent none)"
            raise ValueError(msg)
        return path_id(video.id, "the video id")
    return path_id(video, "the video id")


def _raw_id(video: VideoRef) -> str:
    return (video.id or "") if isinstance(video, Video) else video


def failure_of(video: Video, job_id: str, request_id: str | None = None) -> JobFailedError | None:
    """The error for a failed video (HeyGen's code and message, or that it gave none)."""
    if not video.is_failed:
        return None
    code, reason = video.failure_code, video.failure_message
    if reason is not None:
        message = f"the video {job_id} failed: {reason}"
    elif code is not None:
        message = f"the video {job_id} failed with code {code}; HeyGen gave no message"
    else:
        message = f"the video {job_id} failed, and HeyGen gave no reason"
    return JobFailedError(
        message,
        code=video.failure_code,
        request_id=request_id,
        job_id=job_id,
        job_status=video.status,
        failure_message=video.failure_message,
    )


class Videos(JobResource):
    """Video jobs: create, look up, list, delete, wait for and download videos.

    ``client.videos`` is one; build ``Videos(client, sleep=..., clock=..., random=...)`` to
    control how `wait` sleeps (in tests, say).
    """

    __slots__ = ()

    def create(
        self,
        *,
        script: str | None = None,
        avatar_id: str | None = None,
        voice_id: str | None = None,
        video_type: str = "avatar",
        title: str | None = None,
        audio_url: str | None = None,
        audio_asset_id: str | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        background: Mapping[str, Any] | None = None,
        caption: Mapping[str, Any] | None = None,
        callback_url: str | None = None,
        callback_id: str | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> Video:
        """Start a render with ``POST /v3/videos``; returns the new video (its ``id`` set).

        Fields left ``None`` are not sent (HeyGen's defaults apply); ``extra`` is sent as is,
        for fields this method does not name (and overrides those it does). The client adds
        an ``Idempotency-Key`` (pass ``idempotency_key`` to choose it, e.g. from your own job
        id), so a retried create never renders twice.
        """
        body = {
            "type": video_type,
            **drop_none(
                avatar_id=avatar_id,
                script=script,
                voice_id=voice_id,
                title=title,
                audio_url=audio_url,
                audio_asset_id=audio_asset_id,
                resolution=resolution,
                aspect_ratio=aspect_ratio,
                background=background,
                caption=caption,
                callback_url=callback_url,
                callback_id=callback_id,
            ),
            **extra,
        }
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        return self._with_slot(
            lambda: Video.from_api(
                self._client.request("POST", "/v3/videos", json=body, **options).data
            ),
            hint=title or callback_id,
        )

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

    def create_v2(
        self,
        video_inputs: Sequence[Mapping[str, Any]],
        *,
        dimension: Mapping[str, int] | tuple[int, int] | None = None,
        title: str | None = None,
        test: bool | None = None,
        caption: bool | None = None,
        callback_id: str | None = None,
        callback_url: str | None = None,
        **extra: Any,
    ) -> Video:
        """Start a render with the legacy ``POST /v2/video/generate`` (1-50 scenes).

        ``dimension`` is ``{"width": w, "height": h}`` or a ``(w, h)`` pair. The legacy
        endpoint takes no ``Idempotency-Key``, so a create that fails on the way is not
        retried (it might have rendered).
        """
        if isinstance(video_inputs, (str, bytes, Mapping)) or not isinstance(
            video_inputs, Sequence
        ):
            msg = "video_inputs must be a list of scene objects"
            raise TypeError(msg)
        if isinstance(dimension, tuple):
            dimension = {"width": dimension[0], "height": dimension[1]}
        body = {
            "video_inputs": builtins.list(video_inputs),
            **drop_none(
                dimension=dimension,
                title=title,
                test=test,
                caption=caption,
                callback_id=callback_id,
                callback_url=callback_url,
            ),
            **extra,
        }
        return self._with_slot(
            lambda: Video.from_api(self._client.post("/v2/video/generate", json=body)), title
        )

    def get(self, video: VideoRef) -> Video:
        """The video's current state (``GET /v3/videos/{id}``), with fresh signed links."""
        return Video.from_api(self._client.get(f"/v3/videos/{video_id(video)}"))

    def get_status_v1(self, video: VideoRef) -> Video:
        """The video's state from the legacy ``GET /v1/video_status.get``."""
        path_id(_raw_id(video), "the video id")
        data = self._client.get("/v1/video_status.get", params={"video_id": _raw_id(video)})
        return Video.from_api(data)

    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[Video]:
        """Every video, newest first (``GET /v3/videos``), fetched lazily page by page."""
        pages = paginate(self._client, "/v3/videos", page_size=page_size, max_pages=max_pages)
        return (Video.from_api(item) for item in pages)

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

    def delete(self, video: VideoRef) -> None:
        """Delete a video (``DELETE /v3/videos/{id}``), freeing its job slot at once."""
        self._client.delete(f"/v3/videos/{video_id(video)}")
        if self._client.job_slots is not None:
            self._client.job_slots.job_ended(_raw_id(video))

    def wait(
        self,
        video: VideoRef,
        *,
        timeout: float = DEFAULT_WAIT,
        poll: float = 5.0,
        max_poll: float = 30.0,
        on_progress: Callable[[Video], None] | None = None,
        legacy: bool = False,
    ) -> Video:
        """Poll until the video is completed; always ends within ``timeout`` seconds.

        Waits ``poll`` seconds after the first poll, then 1.5 times longer each time up to
        ``max_poll`` (each wait jittered by ±25 %, so many waiters do not poll in step). A
        poll that fails for a passing reason (network, 5xx, 429, open breaker) does not end
        the wait. ``legacy=True`` polls ``/v1/video_status.get`` instead of ``/v3/videos``.

        Returns:
            The completed video (with its ``video_url``).

        Raises:
            JobFailedError: the render failed (HeyGen's code and message, or "no reason").
            WaitTimeoutError: ``timeout`` passed first; the video may still complete.
        """
        job = _raw_id(video)
        video_id(video)  # checks it before the first poll
        request_ids: list[str | None] = [None]

        slots = self._client.job_slots

        def fetch(left: float) -> Video:
            if slots is not None:
                slots.job_running(job)  # renders outlive a lease: keep the slot while we watch
            if legacy:
                response = self._client.request(
                    "GET", "/v1/video_status.get", params={"video_id": job}, total_timeout=left
                )
            else:
                response = self._client.request(
                    "GET", f"/v3/videos/{video_id(job)}", total_timeout=left
                )
            request_ids[0] = response.request_id
            return Video.from_api(response.data)

        try:
            result = wait_for(
                fetch,
                finished=lambda v: v.is_completed,
                failure=lambda v: failure_of(v, job, request_ids[0]),
                status=lambda v: v.status,
                what="video",
                job_id=job,
                timeout=timeout,
                poll=poll,
                max_poll=max_poll,
                on_progress=on_progress,
                sleep=self._sleep,
                clock=self._clock,
                random=self._random,
            )
        except JobFailedError:
            if slots is not None:
                slots.job_ended(job)
            raise
        if slots is not None:
            slots.job_ended(job)
        return result

    def download(
        self,
        video: VideoRef,
        dest: str | os.PathLike[str],
        *,
        on_progress: Progress | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: Timeout | float | None = None,
    ) -> DownloadResult:
        """Stream a video to ``dest`` (a file, or a folder to put ``<id>.mp4`` in).

        ``video`` is a `Video` with a ``video_url``, a video id (its current signed link is
        fetched first) or a video URL. The download never carries the API key (the CDN is
        another host), keeps memory flat, checks the length and only renames the finished
        file into place; see `download` for details. In a folder, the file is named after
        the id HeyGen gave, which must be a plain file name (see `download`): nothing the
        server says can put a file outside the folder.

        Raises:
            ValueError: the video has no ``video_url`` yet (it is not completed).
            UnsafeDestinationError: the id is not a plain file name, or ``dest`` (or the
                file in the folder) exists and is not a regular file; nothing is fetched.
        """
        name = None
        if isinstance(video, str) and video.startswith(("http://", "https://")):
            url = video
        else:
            current = video if isinstance(video, Video) and video.video_url else self.get(video)
            if current.video_url is None:
                msg = (
                    f"the video {current.id or _raw_id(video)} has no video_url yet "
                    f"(status: {current.status}); wait for it first"
                )
                raise ValueError(msg)
            url = current.video_url
            name = f"{current.id}.mp4" if current.id else None
        return fetch_to_file(
            self._client,
            url,
            dest,
            name=name,
            on_progress=on_progress,
            chunk_size=chunk_size,
            timeout=timeout,
        )
