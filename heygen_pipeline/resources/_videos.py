"""``client.videos``: create (v3 and legacy v2), get, list, delete, wait and download."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from heygen_pipeline._models import Timeout
from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._checks import check_limit, parsed, required_text
from heygen_pipeline.resources._download import (
    DEFAULT_CHUNK_SIZE,
    DownloadResult,
    Progress,
    fetch_to_file,
)
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results import Video
from heygen_pipeline.resources._results_assets import Deletion
from heygen_pipeline.resources._videos_legacy import LegacyVideos, VideoRef, raw_id, video_id
from heygen_pipeline.resources._videos_request import video_body

__all__ = ["DEFAULT_WAIT", "LIST_LIMIT", "Videos"]

DEFAULT_WAIT: Final = 1800.0
"""Renders take 5-15 minutes, 20+ at peak: half an hour covers a slow day."""
LIST_LIMIT: Final = 100
"""The ``limit`` maximum of ``GET /v3/videos``."""


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


class Videos(LegacyVideos):
    """Video jobs: create (one or a batch), look up, list, delete, wait for and download.

    ``client.videos`` is one; build ``Videos(client, sleep=..., clock=..., random=...)`` to
    control how `wait` sleeps (in tests, say).
    """

    __slots__ = ()

    @operation("POST /v3/videos", model=Video)
    def create(
        self,
        *,
        video_type: str = "avatar",
        avatar_id: str | Sequence[str] | None = None,
        script: str | None = None,
        voice_id: str | None = None,
        title: str | None = None,
        audio_url: str | None = None,
        audio_asset_id: str | None = None,
        image: Mapping[str, Any] | None = None,
        image_url: str | None = None,
        image_asset_id: str | None = None,
        prompt: str | None = None,
        scenes: Sequence[Mapping[str, Any]] | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        background: Mapping[str, Any] | None = None,
        caption: Mapping[str, Any] | None = None,
        engine: str | Mapping[str, Any] | None = None,
        voice_settings: Mapping[str, Any] | None = None,
        output_format: str | None = None,
        callback_url: str | None = None,
        callback_id: str | None = None,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Video:
        """Start a render with ``POST /v3/videos``; returns the new video (``id``, ``status``).

        ``video_type`` is the spec's ``type``: ``avatar`` (default: an avatar look speaks;
        ``avatar_id`` is a **look id** from ``client.avatars.looks``, required), ``image``
        (an image is animated: ``image_url``, ``image_asset_id`` or ``image``, required),
        ``cinematic_avatar`` (``prompt`` and 1-3 look ids in ``avatar_id``, required) or
        ``studio`` (1-50 ``scenes``, required). The speech is ``script`` (with ``voice_id``;
        an avatar falls back to its look's default voice) or ``audio_url`` /
        ``audio_asset_id``. ``fields`` are the spec's other fields of that kind
        (``expressiveness``, ``fit``, ``motion_prompt``, ``remove_background``,
        ``watermark``, ``duration``, ``auto_duration``, ``enhance_prompt``, ``references``);
        ``extra={...}`` is sent unchecked, for fields the spec adds later.

        Everything is checked against the spec before anything is sent: a required field
        missing or a value outside its enum is a ``ValueError``, a field another kind of
        video takes (or two the spec calls mutually exclusive) a ``TypeError``, each naming
        the field. Fields left ``None`` are not sent (HeyGen's defaults apply). The client
        adds an ``Idempotency-Key`` (pass ``idempotency_key`` to choose it, e.g. from your
        own job id), so a retried create never renders twice.
        """
        body = video_body(
            video_type,
            avatar_id=avatar_id,
            script=script,
            voice_id=voice_id,
            title=title,
            audio_url=audio_url,
            audio_asset_id=audio_asset_id,
            image=image,
            image_url=image_url,
            image_asset_id=image_asset_id,
            prompt=prompt,
            scenes=scenes,
            resolution=resolution,
            aspect_ratio=aspect_ratio,
            background=background,
            caption=caption,
            engine=engine,
            voice_settings=voice_settings,
            output_format=output_format,
            callback_url=callback_url,
            callback_id=callback_id,
            **fields,
        )
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        return self._with_slot(
            lambda: parsed(
                Video.from_api,
                self._client.request("POST", "/v3/videos", json=body, **options),
            ),
            hint=title or callback_id,
        )

    @operation("GET /v3/videos/{video_id}", model=Video)
    def get(self, video: VideoRef) -> Video:
        """The video's current state (``GET /v3/videos/{id}``), with fresh signed links."""
        response = self._client.request("GET", f"/v3/videos/{video_id(video)}")
        return parsed(Video.from_api, response)

    @operation("GET /v3/videos", model=Video)
    def list(
        self,
        *,
        folder_id: str | None = None,
        title: str | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[Video]:
        """Every video, newest first (``GET /v3/videos``), fetched lazily page by page.

        ``folder_id`` keeps one folder's videos, ``title`` those whose title matches;
        ``page_size`` is 1-100 (the endpoint's maximum).
        """
        given = {"folder_id": folder_id, "title": title}
        params = {k: required_text(v, k) for k, v in given.items() if v is not None}
        pages = paginate(
            self._client,
            "/v3/videos",
            params=params,
            page_size=check_limit(page_size, LIST_LIMIT),
            max_pages=max_pages,
        )
        return (Video.from_api(item) for item in pages)

    @operation("DELETE /v3/videos/{video_id}", model=Deletion)
    def delete(self, video: VideoRef) -> Deletion:
        """Delete a video (``DELETE /v3/videos/{id}``), freeing its job slot at once."""
        response = self._client.request("DELETE", f"/v3/videos/{video_id(video)}")
        if self._client.job_slots is not None:
            self._client.job_slots.job_ended(raw_id(video))
        return parsed(Deletion.from_api, response)

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
        job = raw_id(video)
        video_id(video)  # checks it before the first poll
        slots = self._client.job_slots

        def keep_slot() -> None:
            if slots is not None:
                slots.job_running(job)  # renders outlive a lease: keep the slot while we watch

        params: dict[str, str] | None = None
        if legacy:
            path, params = "/v1/video_status.get", {"video_id": job}
        else:
            path = f"/v3/videos/{video_id(job)}"
        try:
            result = self._wait_job(
                path,
                Video.from_api,
                finished=lambda v: v.is_completed,
                failure=failure_of,
                what="video",
                job_id=job,
                timeout=timeout,
                poll=poll,
                max_poll=max_poll,
                on_progress=on_progress,
                params=params,
                before_poll=keep_slot,
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
                    f"the video {current.id or raw_id(video)} has no video_url yet "
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
