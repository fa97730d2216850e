"""``client.ai_clipping``: cut a long video into short highlight clips (v3), and wait for it.

A clipping job is a job like a render: `create` starts one, `wait` polls it with the shared
wait helper (deadline, jittered backoff) until its clips are cut.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, Literal

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._checks import (
    check_bool,
    input_source,
    optional_text,
)
from heygen_pipeline.resources._media_jobs import MediaJob, MediaJobs
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._results_assets import Deletion
from heygen_pipeline.resources._results_media import AiClipping

__all__ = ["ASPECT_RATIOS", "DURATION_TYPES", "LIST_LIMIT", "AiClippings", "clipping_failure"]

LIST_LIMIT: Final = 100
"""The ``limit`` maximum of the clipping job list."""
ASPECT_RATIOS: Final = ("landscape", "portrait", "square")
DURATION_TYPES: Final = ("30", "60", "180", "long")
"""Target clip lengths: seconds, or ``long``; each produces its own clip."""
MAX_CLIP_PROMPT: Final = 500
DEFAULT_WAIT: Final = 3600.0
_BASE: Final = "/v3/ai-clipping"


_JOB: Final = MediaJob(
    _BASE, AiClipping.from_api, "AI clipping job", lambda job: job.failure_message, LIST_LIMIT
)


def clipping_failure(
    job: AiClipping, job_id: str, request_id: str | None = None
) -> JobFailedError | None:
    """The error for a failed or cancelled clipping job (HeyGen's message, if any)."""
    return _JOB.failure(job, job_id, request_id)


def _durations(value: Sequence[str] | None) -> builtins.list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        msg = f"duration_types must be a list such as ['30', '60'], not {type(value).__name__}"
        raise TypeError(msg)
    if not value:
        msg = "duration_types must not be empty (pass None for HeyGen's default)"
        raise ValueError(msg)
    for item in value:
        if item not in DURATION_TYPES:
            msg = f"duration_types must hold {', '.join(map(repr, DURATION_TYPES))}, not {item!r}"
            raise ValueError(msg)
    return builtins.list(value)


def _settings(
    aspect_ratio: object,
    captions: object,
    caption_style: object,
    duration_types: Sequence[str] | None,
    prompt: object,
) -> dict[str, Any]:
    if aspect_ratio is not None and aspect_ratio not in ASPECT_RATIOS:
        msg = f"aspect_ratio must be one of {', '.join(map(repr, ASPECT_RATIOS))}"
        raise ValueError(msg)
    check_bool(captions, "captions")
    text = optional_text(prompt, "prompt")
    if text is not None and len(text) > MAX_CLIP_PROMPT:
        msg = f"prompt must be at most {MAX_CLIP_PROMPT} characters, not {len(text)}"
        raise ValueError(msg)
    settings = {
        "aspect_ratio": aspect_ratio,
        "captions": captions,
        "caption_style": optional_text(caption_style, "caption_style"),
        "duration_types": _durations(duration_types),
        "prompt": text,
    }
    return {k: v for k, v in settings.items() if v is not None}


class AiClippings(MediaJobs[AiClipping]):
    """AI clipping jobs: highlight clips cut from a long video."""

    __slots__ = ()
    _job = _JOB

    @operation("POST /v3/ai-clipping", model=AiClipping)
    def create(
        self,
        *,
        video_url: str | None = None,
        video_asset_id: str | None = None,
        title: str | None = None,
        input_language: str | None = None,
        aspect_ratio: Literal["landscape", "portrait", "square"] | None = None,
        captions: bool | None = None,
        caption_style: str | None = None,
        duration_types: Sequence[str] | None = None,
        prompt: str | None = None,
        callback_url: str | None = None,
        callback_id: str | None = None,
    ) -> AiClipping:
        """Start a clipping job (``POST /v3/ai-clipping``) on ``video_url`` or an asset.

        ``aspect_ratio``, ``captions``, ``caption_style``, ``duration_types`` (any of
        ``"30"``, ``"60"``, ``"180"``, ``"long"``) and ``prompt`` (editorial guidance, at most
        500 characters) go into ``output_settings``. Checked before anything is sent.
        """
        body: dict[str, Any] = {
            "video": input_source("video", video_url, video_asset_id, required=True)
        }
        settings = _settings(aspect_ratio, captions, caption_style, duration_types, prompt)
        if settings:
            body["output_settings"] = settings
        extra = {
            "title": optional_text(title, "title"),
            "input_language": optional_text(input_language, "input_language"),
            "callback_url": optional_text(callback_url, "callback_url"),
            "callback_id": optional_text(callback_id, "callback_id"),
        }
        body.update({k: v for k, v in extra.items() if v is not None})
        return self._create(body)

    @operation("GET /v3/ai-clipping", model=AiClipping)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[AiClipping]:
        """Every clipping job (``GET /v3/ai-clipping``), page by page (1-100 a page)."""
        return self._list(page_size, max_pages)

    @operation("GET /v3/ai-clipping/{job_id}", model=AiClipping)
    def get(self, job_id: str) -> AiClipping:
        """A clipping job's state and clips (``GET /v3/ai-clipping/{job_id}``)."""
        return self._get(job_id)

    @operation("DELETE /v3/ai-clipping/{job_id}", model=Deletion)
    def delete(self, job_id: str) -> Deletion:
        """Delete a clipping job (``DELETE /v3/ai-clipping/{job_id}``)."""
        return self._delete(job_id)

    def wait(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_WAIT,
        poll: float = 10.0,
        max_poll: float = 60.0,
        on_progress: Callable[[AiClipping], None] | None = None,
    ) -> AiClipping:
        """Poll until the clips are cut; always ends within ``timeout`` seconds.

        Raises:
            JobFailedError: the job failed or was cancelled.
            WaitTimeoutError: ``timeout`` passed first.
        """
        return self._wait(
            job_id, timeout=timeout, poll=poll, max_poll=max_poll, on_progress=on_progress
        )
