"""FakeHeyGen state beyond videos: translation jobs and webhook endpoints.

Each store keeps its own lock, held only for in-memory work, like `FakeState`.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from heygen_pipeline.testing._fake_state import Failure

TRANSLATION_STATES: Final = {
    "v2": ("pending", "running", "success", "failed"),
    "v3": ("pending", "running", "completed", "failed"),
}
"""Per API version: the two running states, then the success and failure states."""


@dataclass
class _Translation:
    id: str
    title: str
    output_language: str
    created_at: int
    polls: int = 0
    failure: Failure | None = None


@dataclass(frozen=True)
class TranslationView:
    """A snapshot of one translation job, taken under the store's lock."""

    id: str
    title: str
    output_language: str
    created_at: int
    polls: int
    """Status calls so far (capped at ``needed``)."""
    needed: int
    """Status calls until the job finishes."""
    failure: Failure | None

    def status(self, version: str) -> str:
        """The job's status as the ``version`` (``v2`` or ``v3``) API spells it."""
        pending, running, success, failed = TRANSLATION_STATES[version]
        if self.polls >= self.needed:
            return failed if self.failure else success
        return pending if self.polls <= 1 else running


class TranslationStore:
    """Translation jobs: each status poll moves one a step, like video renders."""

    def __init__(self, polls: int) -> None:
        """Jobs finish after ``polls`` status calls."""
        self._polls = polls
        self._lock = threading.Lock()
        self._jobs: dict[str, _Translation] = {}
        self._by_key: dict[str, list[str]] = {}
        self._next_failures: list[Failure] = []

    def create(
        self, title: str, languages: Sequence[str], key: str | None = None
    ) -> tuple[list[str], bool]:
        """One job per language; returns ``(ids, replayed)`` (a known key creates nothing)."""
        with self._lock:
            if key is not None and key in self._by_key:
                return list(self._by_key[key]), True
            ids = []
            for language in languages:
                failure = self._next_failures.pop(0) if self._next_failures else None
                job = _Translation(secrets.token_hex(16), title, language, int(time.time()))
                job.failure = failure
                self._jobs[job.id] = job
                ids.append(job.id)
            if key is not None:
                self._by_key[key] = ids
            return ids, False

    def poll(self, job_id: str) -> TranslationView | None:
        """Advance a job one step and return its new state (None if unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            job.polls = min(job.polls + 1, self._polls)
            return TranslationView(
                job.id,
                job.title,
                job.output_language,
                job.created_at,
                job.polls,
                self._polls,
                job.failure,
            )

    def fail(self, job_id: str | None, failure: Failure) -> None:
        """Make a job (or the next one created, when ``job_id`` is None) fail."""
        with self._lock:
            if job_id is None:
                self._next_failures.append(failure)
            elif job_id in self._jobs:
                self._jobs[job_id].failure = failure
            else:
                raise KeyError(f"no translation {job_id!r}")

    def has(self, job_id: str) -> bool:
        """Whether ``job_id`` is a known translation."""
        with self._lock:
            return job_id in self._jobs


@dataclass
class _Endpoint:
    id: str
    url: str
    events: list[str] | None
    entity_id: str | None
    secret: str
    created_at: float = field(default_factory=time.time)


class EndpointStore:
    """Registered webhook endpoints, each with its ``whsec_`` signing secret."""

    def __init__(self) -> None:
        """Start with none."""
        self._lock = threading.Lock()
        self._endpoints: dict[str, _Endpoint] = {}

    def add(self, url: str, events: list[str] | None, entity_id: str | None) -> dict[str, Any]:
        """Register an endpoint; the result includes its secret."""
        endpoint = _Endpoint(
            secrets.token_hex(16), url, events, entity_id, f"whsec_{secrets.token_urlsafe(24)}"
        )
        with self._lock:
            self._endpoints[endpoint.id] = endpoint
        return self._describe(endpoint, with_secret=True)

    def list(self, *, with_secret: bool) -> list[dict[str, Any]]:
        """Every endpoint, oldest first."""
        with self._lock:
            endpoints = list(self._endpoints.values())
        return [self._describe(e, with_secret=with_secret) for e in endpoints]

    def delete(self, endpoint_id: str) -> bool:
        """Remove an endpoint; False when it did not exist."""
        with self._lock:
            return self._endpoints.pop(endpoint_id, None) is not None

    @staticmethod
    def _describe(endpoint: _Endpoint, *, with_secret: bool) -> dict[str, Any]:
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(endpoint.created_at))
        return {
            "endpoint_id": endpoint.id,
            "url": endpoint.url,
            "status": "enabled",
            "events": endpoint.events,
            "entity_id": endpoint.entity_id,
            "secret": endpoint.secret if with_secret else None,
            "created_at": created,
        }
