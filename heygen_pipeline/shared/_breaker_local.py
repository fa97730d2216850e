"""The shared breaker's state machine in local memory: Redis's fallback, its scripts' model.

`MemoryBreakerState` does, under a lock, exactly what the Lua scripts of
[RedisBreakerStorage][heygen_pipeline.shared.RedisBreakerStorage] do in Redis; the tests hold the
two to the same results.
"""

from __future__ import annotations

import threading
from typing import Final

from heygen_pipeline import _pybreaker as pb
from heygen_pipeline.middleware import BreakerSnapshot
from heygen_pipeline.shared._link import after_fork

__all__ = ["FIELDS", "MemoryBreakerState"]

FIELDS: Final = ("state", "failures", "successes", "opened_at", "generation")
"""The fields of a breaker's Redis hash."""
_CLOSED: Final = pb.CLOSED
_OPEN: Final = pb.OPEN
_HALF_OPEN: Final = pb.HALF_OPEN


class MemoryBreakerState:
    """A breaker's state, counters, ``opened_at`` and generation, changed atomically."""

    def __init__(self) -> None:
        """Start closed, with no failures, in generation 0."""
        self._lock = threading.Lock()
        after_fork(self, MemoryBreakerState._reset_in_child)
        self.state: str = _CLOSED
        self.failures = 0
        self.successes = 0
        self.opened_at: float | None = None
        self.generation = 0

    def _reset_in_child(self) -> None:
        self._lock = threading.Lock()

    def snapshot(self) -> BreakerSnapshot:
        """State, ``opened_at`` and generation, read together."""
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> BreakerSnapshot:
        return BreakerSnapshot(self.state, self.opened_at, self.generation)

    def half_open(self, generation: int) -> BreakerSnapshot:
        """Open to half-open if still in ``generation``."""
        with self._lock:
            if self.state == _OPEN and self.generation == generation:
                self.state = _HALF_OPEN
                self.successes = 0
                self.generation += 1
            return self._snapshot()

    def record(
        self,
        success: bool,
        *,
        generation: int,
        now: float,
        fail_max: int,
        success_threshold: int,
    ) -> BreakerSnapshot:
        """Count a result if still in ``generation``, making the transition it calls for."""
        with self._lock:
            if self.generation != generation:
                return self._snapshot()
            if not success:
                self.failures += 1
                if self.state == _HALF_OPEN or (
                    self.state == _CLOSED and self.failures >= fail_max
                ):
                    self.state = _OPEN
                    self.opened_at = now
                    self.successes = 0
                    self.generation += 1
                return self._snapshot()
            self.failures = 0
            if self.state == _HALF_OPEN:
                self.successes += 1
                if self.successes >= success_threshold:
                    self.state = _CLOSED
                    self.successes = 0
                    self.generation += 1
            return self._snapshot()

    def set_state(self, state: str) -> None:
        """Set the state (pybreaker's interface); a change starts a new generation."""
        with self._lock:
            if self.state != state:
                self.state = state
                self.generation += 1

    def add(self, field: str, delta: int) -> None:
        """Add ``delta`` to ``"failures"`` or ``"successes"``."""
        with self._lock:
            setattr(self, field, getattr(self, field) + delta)

    def reset(self, field: str) -> None:
        """Set ``"failures"`` or ``"successes"`` to zero."""
        with self._lock:
            setattr(self, field, 0)

    def set_opened_at(self, when: float) -> None:
        """Set ``opened_at`` (Unix seconds)."""
        with self._lock:
            self.opened_at = when
