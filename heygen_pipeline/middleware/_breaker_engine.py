"""The breaker's moving part: one pybreaker breaker driven call by call, its lock held briefly.

pybreaker's ``call()`` holds the breaker's lock for the whole guarded call, which would
serialise every request through one breaker; so `BreakerEngine` drives the same storage and
state transitions itself and takes the lock only for the bookkeeping before and after a call,
never across the call. Closed on the in-memory storage with no failures counted, a successful
call takes no lock at all: it reads the state and the count, and there is nothing to write.

On an `AtomicBreakerStorage` there is one read per call (`BreakerSnapshot`), every transition
is one atomic step that applies only in the period (``generation``) the call was admitted in,
and the reads and writes (Redis round trips) run outside the lock, which covers only the count
of trials in flight and pybreaker's cached state; snapshots read concurrently are numbered so
an older one never undoes a newer.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Final

import attrs

from heygen_pipeline import _pybreaker as pb
from heygen_pipeline._models import Request, Response
from heygen_pipeline.errors import CircuitOpenError, ServerError
from heygen_pipeline.middleware._breaker_policy import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    Admission,
    AtomicBreakerStorage,
    BreakerLogger,
    BreakerSnapshot,
    Verdict,
    breaker_admission,
    breaker_verdict,
)
from heygen_pipeline.middleware._context import Outcome
from heygen_pipeline.typing import Clock, Handler

__all__ = ["BreakerEngine", "StateLogger"]

_HALF_OPEN_RACES: Final = 2
"""Open-to-half-open moves tried per admission before giving up (other processes won each)."""


def _takes_deadline(method: Callable[..., object]) -> bool:
    """Whether a storage method accepts ``deadline=`` (the atomic protocol's optional part)."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "deadline" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


class StateLogger(pb.CircuitBreakerListener):
    """A pybreaker listener that logs every state change of the breaker it listens to."""

    def __init__(self, logger: BreakerLogger) -> None:
        """Log to ``logger``."""
        self.logger = logger

    def state_change(
        self,
        cb: pb.CircuitBreaker,
        old_state: pb.CircuitBreakerState | None,
        new_state: pb.CircuitBreakerState,
    ) -> None:
        """Log the change: a warning when the breaker opens, info otherwise."""
        log = self.logger.warning if new_state.name == OPEN else self.logger.info
        log(
            "circuit_breaker_state_change",
            breaker=cb.name,
            old_state=old_state.name if old_state is not None else None,
            new_state=new_state.name,
            failures=cb.fail_counter,
            reset_timeout=cb.reset_timeout,
        )


@attrs.frozen(eq=False)
class _Ticket:
    """What the breaker admitted a call under, and the kind of call.

    ``state`` is pybreaker's state object of that moment or, on an `AtomicBreakerStorage`,
    the generation.
    """

    state: object
    trial: bool


class BreakerEngine:
    """One pybreaker breaker driven call by call; the trials in flight counted here."""

    def __init__(
        self, breaker: pb.CircuitBreaker, *, half_open_max_calls: int, clock: Clock
    ) -> None:
        """Drive ``breaker``, letting ``half_open_max_calls`` trials run at once."""
        self.breaker = breaker
        self._half_open_max_calls = half_open_max_calls
        self._clock = clock
        # Trials in flight, counted for one half-open state object (a new period starts at 0).
        self._trial_state: object = None
        self._trials = 0
        store = pb.storage(breaker)
        self._atomic: AtomicBreakerStorage | None = (
            store if isinstance(store, AtomicBreakerStorage) else None
        )
        # pybreaker's in-memory storage: plain attributes, so the closed state can be read
        # and a zero failure count seen without the lock (see `_admit` and `_record`).
        self._memory: pb.CircuitMemoryStorage | None = (
            store if pb.is_memory_storage(store) else None
        )
        self._closed_ticket = _Ticket(state=None, trial=False)
        self._deadlines = self._atomic is not None and _takes_deadline(self._atomic.snapshot)
        # Snapshots are read without the lock, so they may come back out of order: each read
        # is numbered when it starts, and an older read never undoes a newer one.
        self._reads = itertools.count()
        self._synced = -1
        pb.drive(breaker)

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half-open"``, as the breaker's storage says."""
        if self._atomic is not None:
            read = next(self._reads)
            snapshot = self._atomic.snapshot()
            self._sync(snapshot, read)
            return snapshot.state
        with pb.lock(self.breaker):
            return str(self.breaker.state.name)

    def call(self, request: Request, call_next: Handler) -> Response:
        """Pass ``request`` on if the breaker allows it, and record what came back."""
        ticket = self._admit(request)
        breaker = self.breaker
        try:
            for listener in breaker.listeners:
                listener.before_call(breaker, call_next, request)
            response = call_next(request)
        except BaseException as exc:
            self._record(ticket, exc, request.options.deadline)
            raise
        self._record(ticket, response, request.options.deadline)
        return response

    def _admit(self, request: Request) -> _Ticket:
        """Take a ticket for this call, or raise ``CircuitOpenError`` (lock held briefly)."""
        if self._atomic is not None:
            return self._admit_atomic(request, self._atomic)
        breaker = self.breaker
        memory = self._memory
        if memory is not None:
            # Closed with the in-memory storage: admit without the lock, the clock or an
            # `Admission`. The state object read twice around the storage's state pins an
            # instant at which both said closed (a transition always makes a new object), so
            # this admits exactly what the locked path would have admitted at that instant.
            state = pb.cached_state(breaker)
            if (
                state.name == CLOSED
                and memory.state == CLOSED
                and pb.cached_state(breaker) is state
            ):
                ticket = self._closed_ticket
                if ticket.state is not state:
                    ticket = self._closed_ticket = _Ticket(state=state, trial=False)
                return ticket
        with pb.lock(breaker):
            admission, admitted = self._admit_locked(breaker)
        if admitted is not None:
            return admitted
        raise self._refusal(admission, request)

    def _admit_locked(self, breaker: pb.CircuitBreaker) -> tuple[Admission, _Ticket | None]:
        """The decision of `_admit` on a plain storage; call with the lock held."""
        state = breaker.state
        opened_at = pb.storage(breaker).opened_at if state.name == OPEN else None
        admission = breaker_admission(
            state.name,
            now=self._clock(),
            opened_at=opened_at.timestamp() if opened_at is not None else None,
            reset_timeout=breaker.reset_timeout,
            trials_in_flight=self._trials if self._trial_state is state else 0,
            half_open_max_calls=self._half_open_max_calls,
        )
        if not admission.allow:
            return admission, None
        if state.name == OPEN:
            breaker.half_open()
            state = breaker.state
        if admission.trial:
            if self._trial_state is not state:
                self._trial_state, self._trials = state, 0
            self._trials += 1
        return admission, _Ticket(state=state, trial=admission.trial)

    def _admit_atomic(self, request: Request, storage: AtomicBreakerStorage) -> _Ticket:
        """`_admit` on an atomic storage: tickets name the generation they were taken in.

        No lock is held while the storage is read or changed (a Redis round trip): the lock
        covers only the count of trials in flight.
        """
        breaker = self.breaker
        options = {"deadline": request.options.deadline} if self._deadlines else {}
        read = next(self._reads)
        snapshot = storage.snapshot(**options)
        admission = Admission(allow=False)
        for _ in range(_HALF_OPEN_RACES + 1):
            self._sync(snapshot, read)
            now = snapshot.now if snapshot.now is not None else self._clock()
            with pb.lock(breaker):
                admission = breaker_admission(
                    snapshot.state,
                    now=now,
                    opened_at=snapshot.opened_at,
                    reset_timeout=breaker.reset_timeout,
                    trials_in_flight=(
                        self._trials if self._trial_state == snapshot.generation else 0
                    ),
                    half_open_max_calls=self._half_open_max_calls,
                )
                if admission.allow and snapshot.state != OPEN:
                    if admission.trial:
                        if self._trial_state != snapshot.generation:
                            self._trial_state, self._trials = snapshot.generation, 0
                        self._trials += 1
                    return _Ticket(state=snapshot.generation, trial=admission.trial)
            if not admission.allow:
                break
            # Due for a trial: move to half-open, unless another process just did (or
            # its trial already ended); then decide again on what the storage says now.
            read = next(self._reads)
            snapshot = storage.half_open(snapshot.generation, **options)
        else:
            admission = Admission(allow=False)  # lost every race: let others' trials run
        raise self._refusal(admission, request)

    def _refusal(self, admission: Admission, request: Request) -> CircuitOpenError:
        """The error for a call the breaker did not let through."""
        name = self.breaker.name
        if admission.retry_after is None:
            message = f"circuit breaker {name!r} is half-open and a trial call is running"
        else:
            message = (
                f"circuit breaker {name!r} is open; next trial in {admission.retry_after:.3g} s"
            )
        return CircuitOpenError(message, retry_after=admission.retry_after, request=request)

    def _sync(self, snapshot: BreakerSnapshot, read: int | None = None) -> None:
        """Make pybreaker's cached state follow ``snapshot``, telling the listeners of a change.

        ``read`` numbers the read that gave ``snapshot``: a read older than the last one
        applied is ignored. The listeners are told after the lock is released.
        """
        breaker = self.breaker
        with pb.lock(breaker):
            if read is not None:
                if read < self._synced:
                    return
                self._synced = read
            change = pb.recache(breaker, snapshot.state)
        if change is not None:
            for listener in breaker.listeners:
                listener.state_change(breaker, *change)

    def _verdict(self, outcome: Outcome) -> Verdict:
        """`breaker_verdict`, with pybreaker's ``exclude`` list: not the system's fault."""
        verdict = breaker_verdict(outcome)
        if (
            verdict is Verdict.FAILURE
            and isinstance(outcome, BaseException)
            and not self.breaker.is_system_error(outcome)
        ):
            return Verdict.SUCCESS
        return verdict

    def _record(self, ticket: _Ticket, outcome: Outcome, deadline: float | None = None) -> None:
        """Count the outcome and make the transition it calls for (lock held briefly)."""
        breaker = self.breaker
        verdict = self._verdict(outcome)
        memory = self._memory
        if (
            verdict is Verdict.SUCCESS
            and not ticket.trial
            and memory is not None
            and memory.counter == 0
        ):
            # A call admitted while closed (every non-trial ticket) either still finds its
            # state, where a success resets a count seen at zero, or finds a newer state and
            # moves nothing: a no-op both ways, so the lock is not needed.
            self._notify(verdict, outcome)
            return
        if self._atomic is not None and isinstance(ticket.state, int):
            self._record_atomic(self._atomic, ticket, verdict, deadline)
        else:
            with pb.lock(breaker):
                if ticket.trial and self._trial_state == ticket.state:
                    self._trials -= 1
                # A result of a call admitted under an earlier state is old news: it moves
                # nothing.
                if verdict is not Verdict.IGNORED and breaker.state is ticket.state:
                    self._transition(verdict)
        if verdict is not Verdict.IGNORED:
            self._notify(verdict, outcome)

    def _record_atomic(
        self,
        storage: AtomicBreakerStorage,
        ticket: _Ticket,
        verdict: Verdict,
        deadline: float | None,
    ) -> None:
        """Count a result in an atomic storage; no lock is held across the write.

        A trial stays counted in flight until its result is written, so no second trial of
        the same period starts in between.
        """
        breaker = self.breaker
        try:
            if verdict is not Verdict.IGNORED and isinstance(ticket.state, int):
                options = {"deadline": deadline} if self._deadlines else {}
                read = next(self._reads)
                snapshot = storage.record(
                    verdict is Verdict.SUCCESS,
                    generation=ticket.state,
                    now=self._clock(),
                    fail_max=breaker.fail_max,
                    success_threshold=breaker.success_threshold,
                    **options,
                )
                self._sync(snapshot, read)
        finally:
            if ticket.trial:
                with pb.lock(breaker):
                    if self._trial_state == ticket.state:
                        self._trials -= 1

    def _transition(self, verdict: Verdict) -> None:
        """Count a success or failure in the current state; call with the lock held."""
        breaker = self.breaker
        store = pb.storage(breaker)
        half_open = breaker.state.name == HALF_OPEN
        if verdict is Verdict.FAILURE:
            store.increment_counter()
            if half_open or store.counter >= breaker.fail_max:
                pb.open_at(breaker, datetime.fromtimestamp(self._clock(), tz=timezone.utc))
            return
        store.reset_counter()
        if half_open:
            store.increment_success_counter()
            if store.success_counter >= breaker.success_threshold:
                breaker.close()

    def _notify(self, verdict: Verdict, outcome: Outcome) -> None:
        """Tell the breaker's listeners of a success or failure, as ``breaker.call`` would."""
        breaker = self.breaker
        if verdict is Verdict.SUCCESS:
            for listener in breaker.listeners:
                listener.success(breaker)
            return
        exc = outcome if isinstance(outcome, BaseException) else _server_error(outcome)
        for each in breaker.listeners:
            each.failure(breaker, exc)


def _server_error(response: Response) -> ServerError:
    """A ``ServerError`` standing for a 5xx response, for listeners that expect an exception."""
    return ServerError(
        "counted as a circuit breaker failure",
        status=response.status,
        request_id=response.request_id,
        request=response.request,
        response=response,
    )
