"""``client.lipsyncs``: re-voice a video with new audio (v3 lipsyncs), and wait for it.

A lipsync is a job, like a render or a translation: `create` starts one, `wait` polls it
with the shared wait helper (deadline, jittered backoff). Batches, bulk statuses, the list,
renames and deletes are here too.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

import attrs

from heygen_pipeline.errors import JobFailedError, MalformedResponseError
from heygen_pipeline.resources._base import drop_none, path_id
from heygen_pipeline.resources._checks import (
    check_limit,
    id_list,
    optional_text,
    parsed,
    parsed_items,
    required_text,
)
from heygen_pipeline.resources._lipsyncs_request import LipsyncRequest
from heygen_pipeline.resources._media_jobs import MediaJob, MediaJobs
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._results_assets import Deletion, JobStatus
from heygen_pipeline.resources._results_lipsyncs import Lipsync, LipsyncBatch

__all__ = ["DEFAULT_WAIT", "LIST_LIMIT", "MAX_BATCH_ITEMS", "Lipsyncs", "lipsync_failure"]

DEFAULT_WAIT: Final = 3600.0
"""Lipsyncs run about as long as translations: an hour by default."""
LIST_LIMIT: Final = 100
"""The ``limit`` maximum of the lipsync list and of a batch's items."""
MAX_BATCH_ITEMS: Final = 100
"""A batch holds at most this many lipsyncs (one item each)."""
_BASE: Final = "/v3/lipsyncs"


_JOB: Final = MediaJob(
    _BASE,
    Lipsync.from_api,
    "lipsync",
    lambda job: job.failure_message,
    LIST_LIMIT,
    id_name="lipsync_id",
)


def lipsync_failure(
    job: Lipsync, job_id: str, request_id: str | None = None
) -> JobFailedError | None:
    """The error for a failed lipsync (HeyGen's message, or that it gave none)."""
    return _JOB.failure(job, job_id, request_id)


def _request(fields: dict[str, Any]) -> LipsyncRequest:
    """A `LipsyncRequest` from keyword fields; unknown ones go into ``extra``."""
    known = {a.name for a in attrs.fields(LipsyncRequest)} - {"extra"}
    extra = {k: v for k, v in fields.items() if k not in known}
    return LipsyncRequest(**{k: v for k, v in fields.items() if k in known}, extra=extra)


class Lipsyncs(MediaJobs[Lipsync]):
    """Lipsync jobs: a video's speech replaced by new audio, the lips re-synced to it."""

    __slots__ = ()
    _job = _JOB

    @operation("POST /v3/lipsyncs", model=Lipsync)
    def create(self, *, idempotency_key: str | None = None, **fields: Any) -> Lipsync:
        """Start a lipsync with ``POST /v3/lipsyncs``.

        ``fields`` are those of `LipsyncRequest`: one of ``video_url``/``video_asset_id``
        and one of ``audio_url``/``audio_asset_id`` are required; ``title``, ``mode``,
        ``start_time``, ``end_time``, ``enable_caption``, ... are optional; all are checked
        before anything is sent, and a field it does not know goes into ``extra`` as given.
        Returns the job (its ``id``; poll it with `get` or `wait`). The client adds an
        ``Idempotency-Key`` unless you pass one.
        """
        request = _request(fields)
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        response = self._client.request("POST", _BASE, json=request.to_api(), **options)
        job = parsed(Lipsync.from_api, response)
        if job.id is None:
            return parsed(_no_id, response)
        return attrs.evolve(job, title=job.title or request.title)

    @operation("GET /v3/lipsyncs/{lipsync_id}", model=Lipsync)
    def get(self, lipsync_id: str) -> Lipsync:
        """A lipsync's current state (``GET /v3/lipsyncs/{id}``)."""
        return self._get(lipsync_id)

    @operation("GET /v3/lipsyncs", model=Lipsync)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[Lipsync]:
        """Every lipsync (``GET /v3/lipsyncs``), page by page (1-100 a page)."""
        return self._list(page_size, max_pages)

    @operation("PATCH /v3/lipsyncs/{lipsync_id}", model=Lipsync)
    def update(self, lipsync_id: str, *, title: str) -> Lipsync:
        """Rename a lipsync (``PATCH /v3/lipsyncs/{id}``)."""
        path = _JOB.path(lipsync_id)
        body = {"title": required_text(title, "title")}
        return parsed(Lipsync.from_api, self._client.request("PATCH", path, json=body))

    @operation("DELETE /v3/lipsyncs/{lipsync_id}", model=Deletion)
    def delete(self, lipsync_id: str) -> Deletion:
        """Delete a lipsync (``DELETE /v3/lipsyncs/{id}``)."""
        return self._delete(lipsync_id)

    @operation("POST /v3/lipsyncs/batches", model=LipsyncBatch)
    def create_batch(
        self,
        requests: Sequence[LipsyncRequest],
        *,
        title: str | None = None,
        callback_url: str | None = None,
    ) -> LipsyncBatch:
        """Start many lipsyncs as one batch (``POST /v3/lipsyncs/batches``).

        Each `LipsyncRequest` becomes one item; 1 to 100 in all. ``callback_url`` is called
        once, when every item is done.
        """
        if isinstance(requests, (str, bytes)) or not isinstance(requests, Sequence):
            msg = f"requests must be a list of LipsyncRequest, not {type(requests).__name__}"
            raise TypeError(msg)
        for n, item in enumerate(requests):
            if not isinstance(item, LipsyncRequest):
                msg = f"requests[{n}] must be a LipsyncRequest, not {type(item).__name__}"
                raise TypeError(msg)
        if not 1 <= len(requests) <= MAX_BATCH_ITEMS:
            msg = f"a batch holds 1 to {MAX_BATCH_ITEMS} lipsyncs, not {len(requests)}"
            raise ValueError(msg)
        body: dict[str, Any] = {"lipsyncs": [r.to_api() for r in requests]}
        body.update(
            drop_none(
                title=optional_text(title, "title"),
                callback_url=optional_text(callback_url, "callback_url"),
            )
        )
        response = self._client.request("POST", f"{_BASE}/batches", json=body)
        return parsed(LipsyncBatch.from_api, response)

    @operation("GET /v3/lipsyncs/batches/{batch_id}", model=LipsyncBatch)
    def get_batch(
        self, batch_id: str, *, page_size: int | None = None, token: str | None = None
    ) -> LipsyncBatch:
        """A batch and one page of its items; ``token`` is the batch's ``next_token``."""
        path = f"{_BASE}/batches/{path_id(batch_id, 'batch_id')}"
        params: dict[str, str | int] = {}
        limit = check_limit(page_size, LIST_LIMIT)
        if limit is not None:
            params["limit"] = limit
        if token is not None:
            params["token"] = required_text(token, "token")
        return parsed(LipsyncBatch.from_api, self._client.request("GET", path, params=params))

    @operation("GET /v3/lipsyncs/statuses", model=JobStatus)
    def statuses(
        self,
        lipsync_ids: Sequence[str] | None = None,
        *,
        batch_ids: Sequence[str] | None = None,
    ) -> builtins.list[JobStatus]:
        """The statuses of several lipsyncs and batches at once (``not_found`` if unknown).

        Give at least one id.
        """
        params = {
            "lipsync_ids": id_list(lipsync_ids, "lipsync_ids"),
            "batch_ids": id_list(batch_ids, "batch_ids"),
        }
        query = {k: v for k, v in params.items() if v is not None}
        if not query:
            msg = "pass lipsync_ids= or batch_ids= (or both)"
            raise TypeError(msg)
        response = self._client.request("GET", f"{_BASE}/statuses", params=query)
        return parsed_items(JobStatus.from_api, response, "lipsync statuses")

    def wait(
        self,
        lipsync_id: str,
        *,
        timeout: float = DEFAULT_WAIT,
        poll: float = 10.0,
        max_poll: float = 60.0,
        on_progress: Callable[[Lipsync], None] | None = None,
    ) -> Lipsync:
        """Poll until the lipsync completes; always ends within ``timeout`` seconds.

        Same schedule and rules as ``client.videos.wait``.

        Raises:
            JobFailedError: the lipsync failed (with HeyGen's message, if it gave one).
            WaitTimeoutError: ``timeout`` passed first.
        """
        return self._wait(
            lipsync_id, timeout=timeout, poll=poll, max_poll=max_poll, on_progress=on_progress
        )


def _no_id(data: Any) -> Lipsync:
    """A creation answer without ``lipsync_id``: nothing could be polled."""
    del data
    raise MalformedResponseError("a lipsync creation answered no lipsync_id")
