"""FakeHeyGen state for v3 lipsyncs: jobs, their options, renames, deletions and batches.

A job moves a step per status call, as renders and translations do: ``pending`` (first
poll), ``running``, then ``completed``, or ``failed`` with ``failure_message`` when scripted
with ``FakeHeyGen.fail_lipsync``. Lists, renames and batch creation do not advance jobs.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from heygen_pipeline.testing._fake_state import Failure

__all__ = ["LipsyncBatch", "LipsyncStore", "LipsyncView"]


@dataclass
class _Lipsync:
    id: str
    title: str | None
    options: dict[str, Any]
    created_at: int
    polls: int = 0
    failure: Failure | None = None


@dataclass(frozen=True)
class LipsyncView:
    """A snapshot of one lipsync job, taken under the store's lock."""

    id: str
    title: str | None
    options: dict[str, Any]
    created_at: int
    polls: int
    needed: int
    failure: Failure | None

    @property
    def status(self) -> str:
        """``pending``, ``running``, ``completed`` or ``failed``."""
        if self.polls >= self.needed:
            return "failed" if self.failure else "completed"
        return "pending" if self.polls <= 1 else "running"


@dataclass
class LipsyncBatch:
    """A batch: its title and its jobs, one per entry, in order."""

    id: str
    title: str | None
    job_ids: list[str]
    created_at: int = field(default_factory=lambda: int(time.time()))


class LipsyncStore:
    """Lipsync jobs, idempotency keys, scripted failures and batches."""

    def __init__(self, polls: int) -> None:
        """Jobs finish after ``polls`` status calls."""
        self._polls = polls
        self._lock = threading.Lock()
        self._jobs: dict[str, _Lipsync] = {}
        self._by_key: dict[str, str] = {}
        self._next_failures: list[Failure] = []
        self._batches: dict[str, LipsyncBatch] = {}

    def _view(self, job: _Lipsync) -> LipsyncView:
        return LipsyncView(
            job.id,
            job.title,
            dict(job.options),
            job.created_at,
            job.polls,
            self._polls,
            job.failure,
        )

    def create(
        self, title: str | None, options: dict[str, Any], key: str | None = None
    ) -> tuple[str, bool]:
        """A new job; returns ``(id, replayed)`` (a known key creates nothing)."""
        with self._lock:
            if key is not None and key in self._by_key:
                return self._by_key[key], True
            failure = self._next_failures.pop(0) if self._next_failures else None
            job = _Lipsync(secrets.token_hex(16), title, dict(options), int(time.time()))
            job.failure = failure
            self._jobs[job.id] = job
            if key is not None:
                self._by_key[key] = job.id
            return job.id, False

    def poll(self, job_id: str) -> LipsyncView | None:
        """Advance a job one step and return its new state (None if unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            job.polls = min(job.polls + 1, self._polls)
            return self._view(job)

    def peek(self, job_id: str) -> LipsyncView | None:
        """A job's state without advancing it."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else self._view(job)

    def views(self) -> list[LipsyncView]:
        """Every job, oldest first, without advancing any."""
        with self._lock:
            return [self._view(job) for job in self._jobs.values()]

    def rename(self, job_id: str, title: str) -> LipsyncView | None:
        """Give a job a new title; None if unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            job.title = title
            return self._view(job)

    def remove(self, job_id: str) -> bool:
        """Delete a job; False if unknown."""
        with self._lock:
            return self._jobs.pop(job_id, None) is not None

    def has(self, job_id: str) -> bool:
        """Whether ``job_id`` is a known lipsync (its video is on the CDN)."""
        with self._lock:
            return job_id in self._jobs

    def fail(self, job_id: str | None, failure: Failure) -> None:
        """Make a job (or the next one created, when ``job_id`` is None) fail."""
        with self._lock:
            if job_id is None:
                self._next_failures.append(failure)
            elif job_id in self._jobs:
                self._jobs[job_id].failure = failure
            else:
                raise KeyError(f"no lipsync {job_id!r}")

    def new_batch(
        self, title: str | None, entries: Sequence[tuple[str | None, dict[str, Any]]]
    ) -> LipsyncBatch:
        """A batch of jobs, one per ``(title, options)`` entry."""
        batch = LipsyncBatch(secrets.token_hex(16), title, [])
        for entry_title, options in entries:
            job_id, _ = self.create(entry_title, options)
            batch.job_ids.append(job_id)
        with self._lock:
            self._batches[batch.id] = batch
        return batch

    def batch(self, batch_id: str) -> LipsyncBatch | None:
        """A batch by id."""
        with self._lock:
            return self._batches.get(batch_id)
