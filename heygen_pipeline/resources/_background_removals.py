"""``client.background_removals``: split a video into layers (v3), and wait for it.

A background removal is a job: `create` starts one, `wait` polls it with the shared wait
helper (deadline, jittered backoff) until its layers are ready. This endpoint takes no
``Idempotency-Key``: its own ``request_id`` field is the idempotency key.
"""

from __future__ import annotations

import base64
import builtins
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._checks import optional_text, required_text
from heygen_pipeline.resources._media_jobs import MediaJob, MediaJobs
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._results_assets import Deletion
from heygen_pipeline.resources._results_media import BackgroundRemoval

__all__ = ["LAYERS", "LIST_LIMIT", "BackgroundRemovals", "removal_failure"]

LIST_LIMIT: Final = 100
"""The ``limit`` maximum of the background removal list."""
LAYERS: Final = ("foreground", "mask", "background")
"""The layers a removal makes (all three unless you ask for fewer)."""
DEFAULT_WAIT: Final = 3600.0
_BASE: Final = "/v3/background-removals"


_JOB: Final = MediaJob(
    _BASE, BackgroundRemoval.from_api, "background removal", lambda job: job.error, LIST_LIMIT
)


def removal_failure(
    job: BackgroundRemoval, job_id: str, request_id: str | None = None
) -> JobFailedError | None:
    """The error for a failed (or deleted) removal, with HeyGen's ``error``."""
    return _JOB.failure(job, job_id, request_id)


def _video(url: object, asset_id: object, data: object, media_type: object) -> dict[str, str]:
    given = [v for v in (url, asset_id, data) if v is not None]
    if len(given) != 1:
        msg = "pass exactly one of video_url=, video_asset_id= and video_data="
        raise TypeError(msg)
    if url is not None:
        return {"type": "url", "url": required_text(url, "video_url")}
    if asset_id is not None:
        return {"type": "asset_id", "asset_id": required_text(asset_id, "video_asset_id")}
    if not isinstance(data, (bytes, bytearray, memoryview)) or not data:
        msg = "video_data must be non-empty bytes"
        raise TypeError(msg)
    media = required_text(media_type, "media_type")
    return {"type": "base64", "media_type": media, "data": base64.b64encode(data).decode()}


def _layers(value: Sequence[str] | None) -> builtins.list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        msg = f"layers must be a list such as ['foreground'], not {type(value).__name__}"
        raise TypeError(msg)
    if not value or any(layer not in LAYERS for layer in value):
        msg = f"layers must be a non-empty list of {', '.join(map(repr, LAYERS))}"
        raise ValueError(msg)
    return builtins.list(value)


class BackgroundRemovals(MediaJobs[BackgroundRemoval]):
    """Background removal jobs: a video's subject, matte and background as separate layers."""

    __slots__ = ()
    _job = _JOB

    @operation("POST /v3/background-removals", model=BackgroundRemoval)
    def create(
        self,
        *,
        video_url: str | None = None,
        video_asset_id: str | None = None,
        video_data: bytes | None = None,
        media_type: str | None = None,
        layers: Sequence[str] | None = None,
        title: str | None = None,
        request_id: str | None = None,
    ) -> BackgroundRemoval:
        """Start a removal (``POST /v3/background-removals``).

        The video is ``video_url``, ``video_asset_id`` or inline ``video_data`` (bytes, with
        its ``media_type``): exactly one. ``layers`` picks from ``foreground``, ``mask`` and
        ``background`` (all by default). ``request_id`` is this endpoint's idempotency key:
        the same one returns the original job.
        """
        body: dict[str, Any] = {"video": _video(video_url, video_asset_id, video_data, media_type)}
        extra = {
            "layers": _layers(layers),
            "title": optional_text(title, "title"),
            "request_id": optional_text(request_id, "request_id"),
        }
        body.update({k: v for k, v in extra.items() if v is not None})
        return self._create(body)

    @operation("GET /v3/background-removals", model=BackgroundRemoval)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[BackgroundRemoval]:
        """Every removal (``GET /v3/background-removals``), page by page (1-100 a page)."""
        return self._list(page_size, max_pages)

    @operation("GET /v3/background-removals/{job_id}", model=BackgroundRemoval)
    def get(self, job_id: str) -> BackgroundRemoval:
        """A removal's state and layers (``GET /v3/background-removals/{job_id}``)."""
        return self._get(job_id)

    @operation("DELETE /v3/background-removals/{job_id}", model=Deletion)
    def delete(self, job_id: str) -> Deletion:
        """Delete a removal (``DELETE /v3/background-removals/{job_id}``)."""
        return self._delete(job_id)

    def wait(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_WAIT,
        poll: float = 10.0,
        max_poll: float = 60.0,
        on_progress: Callable[[BackgroundRemoval], None] | None = None,
    ) -> BackgroundRemoval:
        """Poll until the layers are ready; always ends within ``timeout`` seconds.

        Raises:
            JobFailedError: the removal failed (with HeyGen's ``error``) or was deleted.
            WaitTimeoutError: ``timeout`` passed first.
        """
        return self._wait(
            job_id, timeout=timeout, poll=poll, max_poll=max_poll, on_progress=on_progress
        )
