"""A v3 media job endpoint: create, list, get, delete and wait under one base path.

AI clipping (``/v3/ai-clipping``), background removal (``/v3/background-removals``) and
lipsyncs (``/v3/lipsyncs``, which add renames, batches and bulk statuses) are the same kind
of resource: a job created by ``POST base``, listed by ``GET base``, read and
deleted at ``base/{job_id}``, and polled there until it completes. `MediaJobs` does all of
that once; each endpoint's helper says which endpoint it is (a `MediaJob`) and checks its own
``create`` arguments. The public methods stay on each helper, tagged with its own operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Protocol, TypeVar

import attrs

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._base import JobResource, path_id
from heygen_pipeline.resources._checks import check_limit, parsed
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results_assets import Deletion
from heygen_pipeline.resources._wait import job_failure

__all__ = ["MediaJob", "MediaJobs"]


class _Model(Protocol):
    """A media job's status model."""

    @property
    def status(self) -> str | None:
        """HeyGen's status text."""
        ...

    @property
    def is_completed(self) -> bool:
        """Whether the job is done."""
        ...

    @property
    def is_failed(self) -> bool:
        """Whether the job failed (or was cancelled or deleted)."""
        ...


M = TypeVar("M", bound=_Model)


@attrs.frozen
class MediaJob(Generic[M]):
    """What tells one media job endpoint from another."""

    base: str
    """The endpoint's path, such as ``/v3/ai-clipping``."""
    read: Callable[[Mapping[str, Any]], M]
    """The model's ``from_api``."""
    what: str
    """What a job is called in messages, such as ``"AI clipping job"``."""
    reason: Callable[[M], str | None]
    """HeyGen's reason for a failed job."""
    list_limit: int
    """The ``limit`` maximum of the list."""
    id_name: str = "job_id"
    """What the id argument is called, in messages."""

    def failure(self, job: M, job_id: str, request_id: str | None = None) -> JobFailedError | None:
        """The error for a failed job (HeyGen's reason, if any), or ``None``."""
        if not job.is_failed:
            return None
        return job_failure(self.what, job_id, job.status, self.reason(job), request_id)

    def path(self, job_id: object) -> str:
        """``base/{job_id}``, the id checked and quoted."""
        return f"{self.base}/{path_id(job_id, self.id_name)}"


class MediaJobs(JobResource, Generic[M]):
    """The calls every media job helper makes; a subclass sets ``_job``."""

    __slots__ = ()

    _job: MediaJob[M]

    def _create(self, body: Mapping[str, Any]) -> M:
        """``POST base`` with a checked body."""
        job = self._job
        return parsed(job.read, self._client.request("POST", job.base, json=dict(body)))

    def _list(self, page_size: int | None, max_pages: int | None) -> Iterator[M]:
        """Every job, page by page (``limit`` checked against the endpoint's maximum)."""
        job = self._job
        pages = paginate(
            self._client,
            job.base,
            page_size=check_limit(page_size, job.list_limit),
            max_pages=max_pages,
        )
        return (job.read(item) for item in pages)

    def _get(self, job_id: str) -> M:
        """``GET base/{job_id}``."""
        job = self._job
        return parsed(job.read, self._client.request("GET", job.path(job_id)))

    def _delete(self, job_id: str) -> Deletion:
        """``DELETE base/{job_id}``."""
        return parsed(Deletion.from_api, self._client.request("DELETE", self._job.path(job_id)))

    def _wait(
        self,
        job_id: str,
        *,
        timeout: float,
        poll: float,
        max_poll: float,
        on_progress: Callable[[M], None] | None,
    ) -> M:
        """Poll ``base/{job_id}`` until the job completes, fails, or ``timeout`` passes."""
        job = self._job
        return self._wait_job(
            job.path(job_id),
            job.read,
            finished=lambda current: current.is_completed,
            failure=job.failure,
            what=job.what,
            job_id=job_id,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
        )
