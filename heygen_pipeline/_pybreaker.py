"""The one module that touches pybreaker: its classes, its state names, and its internals.

Every other module of the package reaches pybreaker through this one (a test holds it so).
pybreaker is pinned to ``>=1.4,<1.5`` in pyproject.toml and ``nox -s pybreaker`` runs the
breaker tests on both ends of that range. Where pybreaker has a public API it is used; the
private attributes read below are the ones that range has and no public API replaces:

- ``_lock``: the breaker's lock, which its own ``open``, ``half_open``, ``close`` and state
  setter take; the middleware's bookkeeping must serialise with them, and a child process
  after ``os.fork()`` needs a new one.
- ``_state_storage``: a breaker's storage (there is no accessor; ``opened_at`` and the counter
  writes are only on the storage).
- ``_state`` and ``_create_new_state``: the cached state object, replaced without pybreaker's
  notification, whose counter resets would clobber counts other processes keep in a shared
  storage (the public ``state`` property syncs with that notification).
- ``_throw_new_error_on_trip``: a constructor option with no getter, copied when a breaker is
  rebuilt on another storage so that no setting is lost.
"""

from __future__ import annotations

import os
import threading
import weakref
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Final, TypeGuard

import attrs
from pybreaker import (
    STATE_CLOSED,
    STATE_HALF_OPEN,
    STATE_OPEN,
    CircuitBreaker,
    CircuitBreakerListener,
    CircuitBreakerState,
    CircuitBreakerStorage,
    CircuitMemoryStorage,
)

__all__ = [
    "CLOSED",
    "HALF_OPEN",
    "OPEN",
    "BreakerOptions",
    "CircuitBreaker",
    "CircuitBreakerListener",
    "CircuitBreakerState",
    "CircuitBreakerStorage",
    "CircuitMemoryStorage",
    "cached_state",
    "drive",
    "is_memory_storage",
    "lock",
    "open_at",
    "recache",
    "storage",
]

CLOSED: Final[str] = STATE_CLOSED
OPEN: Final[str] = STATE_OPEN
HALF_OPEN: Final[str] = STATE_HALF_OPEN

_DRIVEN: weakref.WeakSet[CircuitBreaker] = weakref.WeakSet()


def drive(breaker: CircuitBreaker) -> None:
    """Note that the middleware drives ``breaker``: it gets a new lock in a forked child."""
    _DRIVEN.add(breaker)


def _renew_locks_in_child() -> None:
    """After ``os.fork()``: new locks, as the parent's may be held by a thread gone here."""
    for breaker in list(_DRIVEN):
        breaker._lock = threading.RLock()  # private (module doc)


if hasattr(os, "register_at_fork"):  # pragma: no branch - every POSIX Python has it
    os.register_at_fork(after_in_child=_renew_locks_in_child)


def lock(breaker: CircuitBreaker) -> AbstractContextManager[Any]:
    """The breaker's own lock (read each time: it is renewed after a fork)."""
    return breaker._lock  # private (module doc)


def storage(breaker: CircuitBreaker) -> CircuitBreakerStorage:
    """The breaker's storage of state and counters."""
    return breaker._state_storage  # private (module doc)


def is_memory_storage(store: CircuitBreakerStorage) -> TypeGuard[CircuitMemoryStorage]:
    """Whether ``store`` is pybreaker's own in-memory storage (plain attributes, no I/O)."""
    return type(store) is CircuitMemoryStorage


def cached_state(breaker: CircuitBreaker) -> CircuitBreakerState:
    """The breaker's cached state object, read without syncing it from the storage."""
    return breaker._state  # private (module doc)


def recache(
    breaker: CircuitBreaker, name: str
) -> tuple[CircuitBreakerState, CircuitBreakerState] | None:
    """Make the cached state ``name`` without pybreaker's notification; call with the lock held.

    Returns the old and new state objects for the listeners, or None when nothing changed.
    """
    old = breaker._state  # private (module doc)
    if old.name == name:
        return None
    new = breaker._create_new_state(name, prev_state=old)  # private (module doc)
    breaker._state = new  # private (module doc)
    return old, new


def open_at(breaker: CircuitBreaker, when: datetime) -> None:
    """Open the breaker as ``CircuitBreaker.open`` does, stamped ``when``; lock held."""
    store = storage(breaker)
    store.opened_at = when
    store.state = OPEN
    breaker.state = OPEN


@attrs.frozen
class BreakerOptions:
    """Every setting of a pybreaker breaker, to build one or a copy on another storage."""

    fail_max: int
    reset_timeout: float
    success_threshold: int = 1
    name: str | None = None
    exclude: tuple[Any, ...] = ()
    listeners: tuple[CircuitBreakerListener, ...] = ()
    throw_new_error_on_trip: bool = True

    @classmethod
    def of(cls, breaker: CircuitBreaker) -> BreakerOptions:
        """The settings of ``breaker`` (its state and storage aside)."""
        return cls(
            fail_max=breaker.fail_max,
            reset_timeout=breaker.reset_timeout,
            success_threshold=breaker.success_threshold,
            name=breaker.name,
            exclude=breaker.excluded_exceptions,
            listeners=breaker.listeners,
            throw_new_error_on_trip=breaker._throw_new_error_on_trip,  # private (module doc)
        )

    def build(self, store: CircuitBreakerStorage | None = None) -> CircuitBreaker:
        """A new breaker with these settings on ``store`` (default: in memory)."""
        return CircuitBreaker(
            fail_max=self.fail_max,
            reset_timeout=self.reset_timeout,
            success_threshold=self.success_threshold,
            exclude=list(self.exclude),
            listeners=list(self.listeners),
            state_storage=store,
            name=self.name,
            throw_new_error_on_trip=self.throw_new_error_on_trip,
        )
