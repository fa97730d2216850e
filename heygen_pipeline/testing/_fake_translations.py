"""FakeHeyGen state for v3 translations: what `TranslationStore` keeps, plus the v3 extras.

Each job's lifecycle is the shared one of `TranslationStore` (a step per status call,
``pending`` → ``running`` → ``completed``/``failed``, scriptable with ``fail``). This adds
what v3 serves on top: the request's options a job echoes, listing without advancing,
renames, deletions and batches.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from heygen_pipeline.testing._fake_jobs import TranslationStore, TranslationView


@dataclass
class TranslationBatch:
    """A batch: its title and its jobs, one per (entry, output language), in order."""

    id: str
    title: str | None
    job_ids: list[str]
    created_at: int = field(default_factory=lambda: int(time.time()))


class TranslationJobs(TranslationStore):
    """Translation jobs with the v3 extras (options, rename, delete, batches)."""

    def __init__(self, polls: int) -> None:
        """Jobs finish after ``polls`` status calls."""
        super().__init__(polls)
        self._options: dict[str, dict[str, Any]] = {}
        self._batches: dict[str, TranslationBatch] = {}

    def create_with(
        self,
        title: str,
        languages: Sequence[str],
        options: dict[str, Any],
        key: str | None = None,
    ) -> tuple[list[str], bool]:
        """`create`, remembering the options each job echoes (input language, captions...)."""
        ids, replayed = self.create(title, languages, key)
        if not replayed:
            with self._lock:
                for job_id in ids:
                    self._options[job_id] = dict(options)
        return ids, replayed

    def options(self, job_id: str) -> dict[str, Any]:
        """The options a job was created with."""
        with self._lock:
            return dict(self._options.get(job_id, {}))

    def _snapshot(self, job_id: str) -> TranslationView | None:
        job = self._jobs.get(job_id)
        if job is None:
            return None
        return TranslationView(
            job.id,
            job.title,
            job.output_language,
            job.created_at,
            job.polls,
            self._polls,
            job.failure,
        )

    def peek(self, job_id: str) -> TranslationView | None:
        """A job's state without advancing it (lists and renames do not poll)."""
        with self._lock:
            return self._snapshot(job_id)

    def views(self) -> list[TranslationView]:
        """Every job, oldest first, without advancing any."""
        with self._lock:
            return [v for j in list(self._jobs) if (v := self._snapshot(j)) is not None]

    def rename(self, job_id: str, title: str) -> TranslationView | None:
        """Give a job a new title; None if unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            job.title = title
            return self._snapshot(job_id)

    def remove(self, job_id: str) -> bool:
        """Delete a job; False if unknown."""
        with self._lock:
            self._options.pop(job_id, None)
            return self._jobs.pop(job_id, None) is not None

    def new_batch(
        self, title: str | None, entries: Sequence[tuple[str, Sequence[str], dict[str, Any]]]
    ) -> TranslationBatch:
        """A batch of jobs: one per (entry, language)."""
        batch = TranslationBatch(secrets.token_hex(16), title, [])
        for entry_title, languages, options in entries:
            ids, _ = self.create_with(entry_title, languages, options)
            batch.job_ids.extend(ids)
        with self._lock:
            self._batches[batch.id] = batch
        return batch

    def batch(self, batch_id: str) -> TranslationBatch | None:
        """A batch by id."""
        with self._lock:
            return self._batches.get(batch_id)
