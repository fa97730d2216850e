"""The breaker's pure parts: what counts as a failure, who may pass, and the storage contract.

`breaker_verdict` classifies an outcome (5xx and transport errors are failures; any other
response, 4xx and 429 included, shows the server is answering) and `breaker_admission`
decides whether a call may pass, as pure functions of their inputs. `AtomicBreakerStorage`
is what a storage shared between processes implements so that every transition is atomic.
"""

from __future__ import annotations

import enum
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from heygen_pipeline import _pybreaker as pb
from heygen_pipeline._http import is_server_error
from heygen_pipeline._models import Response
from heygen_pipeline.errors import TransportError
from heygen_pipeline.middleware._context import Outcome

__all__ = [
    "CLOSED",
    "HALF_OPEN",
    "OPEN",
    "Admission",
    "AtomicBreakerStorage",
    "BreakerLogger",
    "BreakerSnapshot",
    "Verdict",
    "breaker_admission",
    "breaker_verdict",
    "is_failure",
]

CLOSED: Final = pb.CLOSED
OPEN: Final = pb.OPEN
HALF_OPEN: Final = pb.HALF_OPEN


class Verdict(enum.Enum):
    """What one outcome says about the health of the server."""

    SUCCESS = "success"
    """The server answered (any status below 500): resets the failure count."""
    FAILURE = "failure"
    """A 5xx or a transport error: counts towards opening the breaker."""
    IGNORED = "ignored"
    """Says nothing about the server (a bug or a refusal inside the stack): changes nothing."""


def breaker_verdict(outcome: Outcome) -> Verdict:
    """Classify an attempt's outcome for the breaker.

    5xx responses and [TransportError][heygen_pipeline.errors.TransportError] (connection failures,
    timeouts, broken connections) are failures. Every other response, 4xx and 429 included, is
    a success: the server is up and answering, which is all a breaker asks. Any other
    exception (a bug in a middleware, ``KeyboardInterrupt``, a refused redirect) is ignored.
    """
    if isinstance(outcome, Response):
        if is_server_error(outcome.status):
            return Verdict.FAILURE
        return Verdict.SUCCESS
    if isinstance(outcome, TransportError):
        return Verdict.FAILURE
    return Verdict.IGNORED


def is_failure(outcome: Outcome) -> bool:
    """Whether ``outcome`` counts towards opening the breaker (see `breaker_verdict`)."""
    return breaker_verdict(outcome) is Verdict.FAILURE


@attrs.frozen
class Admission:
    """Whether a call may pass, whether it is a half-open trial, and when to come back if not."""

    allow: bool
    trial: bool = False
    retry_after: float | None = None
    """Seconds until a trial call will be let through; ``None`` when unknown (trial in flight)."""


def breaker_admission(
    state: str,
    *,
    now: float,
    opened_at: float | None,
    reset_timeout: float,
    trials_in_flight: int,
    half_open_max_calls: int,
) -> Admission:
    """Decide whether a call may pass the breaker (a pure function of the breaker's state).

    Args:
        state: ``"closed"``, ``"open"`` or ``"half-open"``.
        now: the current time, on the clock that stamped ``opened_at``.
        opened_at: when the breaker last opened (``None``: unknown, so the wait is over).
        reset_timeout: seconds an open breaker waits before letting a trial call through.
        trials_in_flight: trial calls of the current half-open period still running.
        half_open_max_calls: how many trial calls may run at once.

    Returns:
        Closed: allowed. Open: refused with the seconds left, or, once ``reset_timeout`` has
        passed (or when ``opened_at`` lies more than ``reset_timeout`` in the future, which
        only a clock set back explains), allowed as a trial: the caller moves the breaker to
        half-open. Half-open: allowed as a trial while fewer than ``half_open_max_calls``
        trials run, else refused.
    """
    if state == CLOSED:
        return Admission(allow=True)
    if state == OPEN:
        if opened_at is not None:
            elapsed = now - opened_at
            remaining = reset_timeout - elapsed
            # An opened_at further ahead than one reset_timeout means the wall clock went
            # back (or another host's clock is far off): waiting for it could keep the
            # breaker open for hours, so let a trial decide instead.
            if remaining > 0 and elapsed >= -reset_timeout:
                return Admission(allow=False, retry_after=remaining)
        return Admission(allow=True, trial=True)
    if state == HALF_OPEN:
        if trials_in_flight < half_open_max_calls:
            return Admission(allow=True, trial=True)
        return Admission(allow=False)
    msg = f"unknown breaker state {state!r}"
    raise ValueError(msg)


@attrs.frozen
class BreakerSnapshot:
    """The shared state of a breaker as one read returns it."""

    state: str
    """``"closed"``, ``"open"`` or ``"half-open"``."""
    opened_at: float | None
    """When the breaker last opened, in Unix seconds (``None``: never, or unknown)."""
    generation: int
    """Counts transitions: a result counts only in the generation its call was admitted in."""
    now: float | None = attrs.field(default=None, eq=False)
    """The storage's clock when it was read, in Unix seconds (``None``: the caller's clock).

    A storage shared between hosts gives its own time (Redis's ``TIME``), so that the time
    since ``opened_at`` is measured on the clock that stamped it, whatever each host's clock
    says.
    """


@runtime_checkable
class AtomicBreakerStorage(Protocol):
    """A breaker storage that makes each transition in one atomic step.

    Storages shared between processes need this: pybreaker's separate reads and writes race.
    [CircuitBreakerMiddleware][heygen_pipeline.middleware.CircuitBreakerMiddleware] uses these
    methods, and no other, when its breaker's storage has them.

    A storage whose methods also take a keyword ``deadline`` (an instant on the monotonic
    clock, the request's [deadline][heygen_pipeline.RequestOptions]) gets it, and must end each
    operation by then.
    """

    def snapshot(self) -> BreakerSnapshot:
        """The state, ``opened_at`` and generation, read together."""
        ...

    def half_open(self, generation: int) -> BreakerSnapshot:
        """Move an open breaker to half-open if it is still in ``generation``; the new state."""
        ...

    def record(
        self,
        success: bool,
        *,
        generation: int,
        now: float,
        fail_max: int,
        success_threshold: int,
    ) -> BreakerSnapshot:
        """Count a success or failure if the breaker is still in ``generation``; the new state.

        Closed: a failure raises the count and opens the breaker (``opened_at = now``) at
        ``fail_max``; a success resets the count. Half-open: a failure opens it again; a
        success counts, and ``success_threshold`` of them close it.
        """
        ...


class BreakerLogger(Protocol):
    """The part of a structlog logger the breaker uses (any bound logger fits)."""

    def info(self, event: str, *args: Any, **kw: Any) -> Any:
        """Log ``event`` at info level."""
        ...

    def warning(self, event: str, *args: Any, **kw: Any) -> Any:
        """Log ``event`` at warning level."""
        ...
