"""FakeHeyGen state for AI clipping and background removal jobs.

Each job moves a step per status call, like every fake job: the first running state (first
poll), the second, then completed, or failed when scripted (``FakeHeyGen.fail_ai_clipping``,
``fail_background_removal``). Lists and deletions do not advance jobs.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from heygen_pipeline.testing._fake_state import Failure

__all__ = ["CLIPPING_STATES", "REMOVAL_STATES", "MediaJobStore", "MediaJobView"]

CLIPPING_STATES: Final = ("pending", "running", "completed", "failed")
"""An AI clipping job's two running states, then its success and failure states."""
REMOVAL_STATES: Final = ("pending", "processing", "completed", "failed")
"""A background removal's two running states, then its success and failure states."""


@dataclass
class _Job:
    id: str
    options: dict[str, Any]
    created_at: int
    polls: int = 0
    failure: Failure | None = None
    deleted: bool = False
    completed_at: int | None = None


@dataclass(frozen=True)
class MediaJobView:
    """A snapshot of one job, taken under the store's lock."""

    id: str
    options: dict[str, Any]
    created_at: int
    status: str
    progress: int
    failure: Failure | None
    completed_at: int | None


class MediaJobStore:
    """Jobs of one kind, with its status names, idempotency keys and scripted failures."""

    def __init__(self, polls: int, states: tuple[str, str, str, str]) -> None:
        """Jobs finish after ``polls`` status calls; ``states``: two running, done, failed."""
        self._polls = polls
        self._states = states
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._by_key: dict[str, str] = {}
        self._next_failures: list[Failure] = []

    def _view(self, job: _Job) -> MediaJobView:
        first, second, done, failed = self._states
        if job.deleted:
            status = "deleted"
        elif job.polls >= self._polls:
            status = failed if job.failure else done
        else:
            status = first if job.polls <= 1 else second
        if status in {done, failed} and job.completed_at is None:
            job.completed_at = int(time.time())
        progress = 100 if status == done else 100 * job.polls // max(self._polls, 1)
        return MediaJobView(
            job.id,
            dict(job.options),
            job.created_at,
            status,
            min(progress, 100),
            job.failure if status == failed else None,
            job.completed_at,
        )

    def create(self, options: dict[str, Any], key: str | None = None) -> tuple[MediaJobView, bool]:
        """A new job; ``(state, replayed)`` (a known key creates nothing)."""
        with self._lock:
            if key is not None and key in self._by_key:
                return self._view(self._jobs[self._by_key[key]]), True
            job = _Job(secrets.token_hex(16), dict(options), int(time.time()))
            job.failure = self._next_failures.pop(0) if self._next_failures else None
            self._jobs[job.id] = job
            if key is not None:
                self._by_key[key] = job.id
            return self._view(job), False

    def poll(self, job_id: str) -> MediaJobView | None:
        """Advance a job one step and return its new state (None if unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if not job.deleted:
                job.polls = min(job.polls + 1, self._polls)
            return self._view(job)

    def views(self) -> list[MediaJobView]:
        """Every job not deleted, oldest first, without advancing any."""
        with self._lock:
            return [self._view(j) for j in self._jobs.values() if not j.deleted]

    def delete(self, job_id: str, *, keep: bool) -> bool:
        """Delete a job (``keep``: it stays, ``deleted``); False if unknown or gone."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.deleted:
                return False
            if keep:
                job.deleted = True
            else:
                del self._jobs[job_id]
            return True

    def has(self, media_id: str) -> bool:
        """Whether ``media_id`` is a job, or a file of one (``<job id>-<name>``)."""
        with self._lock:
            return media_id.partition("-")[0] in self._jobs

    def fail(self, job_id: str | None, failure: Failure) -> None:
        """Make a job (or the next one created, when ``job_id`` is None) fail."""
        with self._lock:
            if job_id is None:
                self._next_failures.append(failure)
            elif job_id in self._jobs:
                self._jobs[job_id].failure = failure
            else:
                raise KeyError(f"no job {job_id!r}")
