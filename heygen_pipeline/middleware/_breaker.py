"""Circuit breaker middleware: fail fast while HeyGen is down, on pybreaker's state machine.

pybreaker keeps the state (closed, open, half-open), the counters and ``opened_at`` in its
storage (memory today, Redis to share a breaker between processes) and tells its listeners of
state changes. Its ``call()`` holds the breaker's lock for the whole guarded call, which would
serialise every request through one breaker; so this middleware drives the same storage and
state transitions itself and takes the lock only for the bookkeeping before and after a call,
never across the call. Closed on the in-memory storage with no failures counted, a successful
call takes no lock at all: it reads the state and the count, and there is nothing to write.

What counts is decided by pure functions: `breaker_verdict` classifies an outcome (5xx
and transport errors are failures; any other response, 4xx and 429 included, shows the server
is answering) and `breaker_admission` decides whether a call may pass.

Shared state: pybreaker's storage interface is a set of separate reads and writes (read the
counter, then open), which processes sharing one storage interleave: two workers both open,
a worker noticing another's transition resets counters the others just raised. A storage that
also implements `AtomicBreakerStorage` (such as
[RedisBreakerStorage][heygen_pipeline.shared.RedisBreakerStorage]) is driven through it
instead: one read per call (`BreakerSnapshot`), and every transition made in one atomic step
that applies only if the breaker is still in the period (``generation``) the call was admitted
in.

No lock is held across I/O: on an atomic storage the reads and transitions (Redis round
trips) run outside the lock, which covers only the count of trials in flight and pybreaker's
cached state; snapshots read concurrently are numbered so an older one never undoes a newer.
After ``os.fork()`` the child gets new locks.

Time: pybreaker's storage records ``opened_at`` as a UTC wall-clock datetime. The injected
``clock`` therefore gives wall-clock seconds since the epoch (``time.time`` by default, never
``time.monotonic``, whose values mean nothing to another process); it stamps ``opened_at`` and
measures the reset timeout. A snapshot that carries the storage's own ``now`` (Redis's
``TIME``) is measured on that clock instead, so hosts whose clocks disagree decide alike.
"""

from __future__ import annotations

import inspect
import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Final

import attrs
import pybreaker
import structlog

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
    is_failure,
)
from heygen_pipeline.middleware._context import Outcome
from heygen_pipeline.middleware._hosts import HostAllowlist
from heygen_pipeline.typing import Clock, Handler

__all__ = [
    "Admission",
    "AtomicBreakerStorage",
    "BreakerLogger",
    "BreakerSnapshot",
    "CircuitBreakerMiddleware",
    "Verdict",
    "breaker_admission",
    "breaker_verdict",
    "is_failure",
]

_DEFAULT_FAIL_MAX: Final = 5
_DEFAULT_NAME: Final = "heygen"
_DEFAULT_RESET_TIMEOUT: Final = 30.0
_HALF_OPEN_RACES: Final = 2

_INSTANCES: weakref.WeakSet[CircuitBreakerMiddleware] = weakref.WeakSet()


def _reset_locks_in_child() -> None:
    """After ``os.fork()``: new locks, as the parent's may be held by a thread gone here."""
    for middleware in list(_INSTANCES):
        middleware._breaker._lock = threading.RLock()


if hasattr(os, "register_at_fork"):  # pragma: no branch - every POSIX Python has it
    os.register_at_fork(after_in_child=_reset_locks_in_child)


def _takes_deadline(method: Callable[..., object]) -> bool:
    """Whether a storage method accepts ``deadline=`` (the atomic protocol's optional part)."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "deadline" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


class _StateLogger(pybreaker.CircuitBreakerListener):
    """A pybreaker listener that logs every state change of the breaker it listens to."""

    def __init__(self, logger: BreakerLogger) -> None:
        self.logger = logger

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
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


def _allowlist(hosts: Iterable[str] | None) -> HostAllowlist | None:
    """The guarded hosts, checked; None guards every host."""
    if hosts is None:
        return None
    if isinstance(hosts, str):
        msg = "hosts must be an iterable of host names, not a single str"
        raise TypeError(msg)
    entries = list(hosts)
    for host in entries:
        if not isinstance(host, str) or not host.strip():
            msg = f"each host must be a non-empty str, not {host!r}"
            raise TypeError(msg)
    return HostAllowlist(entries)


class CircuitBreakerMiddleware:
    """Fail fast with `CircuitOpenError` while the server is down.

    Closed: calls pass; ``fail_max`` consecutive failures (5xx, transport errors) open the
    breaker. Open: calls fail at once, without reaching the transport, until ``reset_timeout``
    seconds have passed; then up to ``half_open_max_calls`` trial calls go through at once
    (others keep failing fast). A trial's success closes the breaker (after the breaker's
    ``success_threshold`` successes), its failure opens it again. The call that trips the
    breaker returns or raises its own result; only later calls fail fast.

    Concurrent calls run in parallel: the breaker's lock is held only around the bookkeeping.
    A call admitted in one state whose result arrives after the state changed (for example a
    slow request that finishes after the breaker opened) does not move the new state.

    Share one instance between the threads of a process; the count of trials in flight is kept
    per instance, while state and counters live in the breaker's storage.
    """

    def __init__(
        self,
        breaker: pybreaker.CircuitBreaker | None = None,
        *,
        fail_max: int | None = None,
        reset_timeout: float | None = None,
        half_open_max_calls: int = 1,
        name: str | None = None,
        storage: pybreaker.CircuitBreakerStorage | None = None,
        clock: Clock = time.time,
        logger: BreakerLogger | None = None,
        hosts: Iterable[str] | None = None,
    ) -> None:
        """Configure the breaker.

        Args:
            breaker: a pybreaker breaker to drive (its storage, thresholds, listeners and
                ``exclude`` list are used); by default one is made from the options below,
                which must then not be given.
            fail_max: consecutive failures that open the breaker (default 5).
            reset_timeout: seconds the breaker stays open before a trial call (default 30).
            half_open_max_calls: trial calls allowed at once while half-open.
            name: the breaker's name in logs (default ``"heygen"``).
            storage: pybreaker storage for state and counters (default: in memory); pass a
                [RedisBreakerStorage][heygen_pipeline.shared.RedisBreakerStorage] to share the
                breaker between processes (an `AtomicBreakerStorage`, driven atomically).
            clock: wall-clock seconds since the epoch, like ``time.time`` (see the module doc).
            logger: a structlog logger; default ``structlog.get_logger("heygen_pipeline.breaker")``.
            hosts: guard only requests to these hosts (``host`` or ``host:port``); requests to
                any other host (a CDN download, say) pass unguarded and uncounted, so a failing
                CDN cannot open the breaker for the API. Default: every host.
        """
        _check_int("half_open_max_calls", half_open_max_calls)
        self._hosts = _allowlist(hosts)
        if not callable(clock):
            msg = f"clock must be callable like time.time, not {type(clock).__name__}"
            raise TypeError(msg)
        if breaker is None:
            if storage is not None and not isinstance(storage, pybreaker.CircuitBreakerStorage):
                msg = (
                    "storage must be a pybreaker.CircuitBreakerStorage, "
                    f"not {type(storage).__name__}"
                )
                raise TypeError(msg)
            breaker = pybreaker.CircuitBreaker(
                fail_max=_check_int(
                    "fail_max", _DEFAULT_FAIL_MAX if fail_max is None else fail_max
                ),
                reset_timeout=_check_seconds(
                    _DEFAULT_RESET_TIMEOUT if reset_timeout is None else reset_timeout
                ),
                name=_DEFAULT_NAME if name is None else name,
                state_storage=storage,
            )
        elif not isinstance(breaker, pybreaker.CircuitBreaker):
            msg = f"breaker must be a pybreaker.CircuitBreaker, not {type(breaker).__name__}"
            raise TypeError(msg)
        else:
            given = [
                option
                for option, value in (
                    ("fail_max", fail_max),
                    ("reset_timeout", reset_timeout),
                    ("name", name),
                    ("storage", storage),
                )
                if value is not None
            ]
            if given:
                msg = (
                    f"{', '.join(given)} cannot be combined with breaker=: configure the "
                    "pybreaker.CircuitBreaker you pass instead"
                )
                raise TypeError(msg)
        self._breaker = breaker
        self._half_open_max_calls = half_open_max_calls
        self._clock = clock
        self._logger: BreakerLogger = (
            logger if logger is not None else structlog.get_logger("heygen_pipeline.breaker")
        )
        # Trials in flight, counted for one half-open state object (a new period starts at 0).
        self._trial_state: object = None
        self._trials = 0
        storage = breaker._state_storage
        self._atomic: AtomicBreakerStorage | None = (
            storage if isinstance(storage, AtomicBreakerStorage) else None
        )
        # pybreaker's in-memory storage: plain attributes, so the closed state can be read
        # and a zero failure count seen without the lock (see `_admit` and `_record`).
        self._memory: pybreaker.CircuitMemoryStorage | None = (
            storage if type(storage) is pybreaker.CircuitMemoryStorage else None
        )
        self._closed_ticket = _Ticket(state=None, trial=False)
        self._deadlines = self._atomic is not None and _takes_deadline(self._atomic.snapshot)
        # Snapshots are read without the lock, so they may come back out of order: each read
        # is numbered when it starts, and an older read never undoes a newer one.
        self._reads = itertools.count()
        self._synced = -1
        _INSTANCES.add(self)
        if not any(isinstance(listener, _StateLogger) for listener in breaker.listeners):
            breaker.add_listener(_StateLogger(self._logger))

    @property
    def breaker(self) -> pybreaker.CircuitBreaker:
        """The pybreaker breaker whose state and storage this middleware drives."""
        return self._breaker

    @property
    def hosts(self) -> frozenset[str] | None:
        """The hosts this breaker guards (``None``: every host)."""
        return None if self._hosts is None else frozenset(self._hosts.entries)

    def scoped_to(self, hosts: Iterable[str] | None) -> CircuitBreakerMiddleware:
        """This breaker (the same state) guarding only ``hosts``, every setting kept."""
        return CircuitBreakerMiddleware(
            self._breaker,
            half_open_max_calls=self._half_open_max_calls,
            clock=self._clock,
            logger=self._logger,
            hosts=hosts,
        )

    def with_storage(
        self, storage: pybreaker.CircuitBreakerStorage, *, logger: BreakerLogger | None = None
    ) -> CircuitBreakerMiddleware:
        """A new breaker on ``storage`` with every setting of this one (state not copied).

        Kept: ``fail_max``, ``reset_timeout``, the name, the excluded exceptions, the
        listeners you added, ``half_open_max_calls``, the clock, the hosts and (unless
        ``logger`` is given) the logger.
        """
        old = self._breaker
        listeners = [item for item in old.listeners if not isinstance(item, _StateLogger)]
        breaker = pybreaker.CircuitBreaker(
            fail_max=old.fail_max,
            reset_timeout=old.reset_timeout,
            exclude=old.excluded_exceptions,  # type: ignore[arg-type] # pybreaker: a TypeVar it never binds
            listeners=listeners,
            state_storage=storage,
            name=old.name,
        )
        return CircuitBreakerMiddleware(
            breaker,
            half_open_max_calls=self._half_open_max_calls,
            clock=self._clock,
            logger=self._logger if logger is None else logger,
            hosts=self.hosts,
        )

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half-open"``, as the breaker's storage says."""
        if self._atomic is not None:
            read = next(self._reads)
            snapshot = self._atomic.snapshot()
            self._sync(snapshot, read)
            return snapshot.state
        with self._breaker._lock:
            return self._breaker.state.name

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Pass ``request`` on if the breaker allows it, and record what came back."""
        hosts = self._hosts
        if hosts is not None and not hosts.allows(request):
            return call_next(request)
        ticket = self._admit(request)
        try:
            for listener in self._breaker.listeners:
                listener.before_call(self._breaker, call_next, request)
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
        breaker = self._breaker
        memory = self._memory
        if memory is not None:
            # Closed with the in-memory storage: admit without the lock, the clock or an
            # `Admission`. The state object read twice around the storage's state pins an
            # instant at which both said closed (a transition always makes a new object), so
            # this admits exactly what the locked path would have admitted at that instant.
            state = breaker._state
            if state.name == CLOSED and memory.state == CLOSED and breaker._state is state:
                ticket = self._closed_ticket
                if ticket.state is not state:
                    ticket = self._closed_ticket = _Ticket(state=state, trial=False)
                return ticket
        with breaker._lock:
            state = breaker.state
            opened_at = breaker._state_storage.opened_at if state.name == OPEN else None
            admission = breaker_admission(
                state.name,
                now=self._clock(),
                opened_at=opened_at.timestamp() if opened_at is not None else None,
                reset_timeout=breaker.reset_timeout,
                trials_in_flight=self._trials if self._trial_state is state else 0,
                half_open_max_calls=self._half_open_max_calls,
            )
            if admission.allow:
                if state.name == OPEN:
                    breaker.half_open()
                    state = breaker.state
                if admission.trial:
                    if self._trial_state is not state:
                        self._trial_state, self._trials = state, 0
                    self._trials += 1
                return _Ticket(state=state, trial=admission.trial)
        raise self._refusal(admission, request)

    def _admit_atomic(self, request: Request, storage: AtomicBreakerStorage) -> _Ticket:
        """`_admit` on an atomic storage: tickets name the generation they were taken in.

        No lock is held while the storage is read or changed (a Redis round trip): the lock
        covers only the count of trials in flight.
        """
        breaker = self._breaker
        options = {"deadline": request.options.deadline} if self._deadlines else {}
        read = next(self._reads)
        snapshot = storage.snapshot(**options)
        admission = Admission(allow=False)
        for _ in range(_HALF_OPEN_RACES + 1):
            self._sync(snapshot, read)
            now = snapshot.now if snapshot.now is not None else self._clock()
            with breaker._lock:
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
        name = self._breaker.name
        if admission.retry_after is None:
            message = f"circuit breaker {name!r} is half-open and a trial call is running"
        else:
            message = (
                f"circuit breaker {name!r} is open; next trial in {admission.retry_after:.3g} s"
            )
        return CircuitOpenError(message, retry_after=admission.retry_after, request=request)

    def _sync(self, snapshot: BreakerSnapshot, read: int | None = None) -> None:
        """Make pybreaker's cached state follow ``snapshot``, telling the listeners of a change.

        The state object is made without pybreaker's notification, whose counter resets
        would clobber counts other processes keep in the shared storage. ``read`` numbers the
        read that gave ``snapshot``: a read older than the last one applied is ignored. The
        listeners are told after the lock is released.
        """
        breaker = self._breaker
        with breaker._lock:
            if read is not None:
                if read < self._synced:
                    return
                self._synced = read
            old = breaker._state
            if old.name == snapshot.state:
                return
            new = breaker._create_new_state(snapshot.state, prev_state=old)
            breaker._state = new
        for listener in breaker.listeners:
            listener.state_change(breaker, old, new)

    def _record(self, ticket: _Ticket, outcome: Outcome, deadline: float | None = None) -> None:
        """Count the outcome and make the transition it calls for (lock held briefly)."""
        breaker = self._breaker
        verdict = breaker_verdict(outcome)
        if (
            verdict is Verdict.FAILURE
            and isinstance(outcome, BaseException)
            and not breaker.is_system_error(outcome)
        ):
            verdict = Verdict.SUCCESS  # pybreaker's ``exclude``: not the system's fault
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
            if verdict is not Verdict.IGNORED:
                self._notify(verdict, outcome)
            return
        with breaker._lock:
            if ticket.trial and self._trial_state == ticket.state:
                self._trials -= 1
            if verdict is Verdict.IGNORED:
                pass
            # A result of a call admitted under an earlier state is old news: it moves nothing.
            elif breaker.state is ticket.state:
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
        breaker = self._breaker
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
                with breaker._lock:
                    if self._trial_state == ticket.state:
                        self._trials -= 1

    def _transition(self, verdict: Verdict) -> None:
        """Count a success or failure in the current state; call with the lock held."""
        breaker = self._breaker
        storage = breaker._state_storage
        half_open = breaker.state.name == HALF_OPEN
        if verdict is Verdict.FAILURE:
            storage.increment_counter()
            if half_open or storage.counter >= breaker.fail_max:
                self._open()
            return
        storage.reset_counter()
        if half_open:
            storage.increment_success_counter()
            if storage.success_counter >= breaker.success_threshold:
                breaker.close()

    def _open(self) -> None:
        """Open the breaker as ``pybreaker.CircuitBreaker.open`` does, stamped by our clock."""
        breaker = self._breaker
        breaker._state_storage.opened_at = datetime.fromtimestamp(self._clock(), tz=timezone.utc)
        breaker._state_storage.state = OPEN
        breaker.state = OPEN

    def _notify(self, verdict: Verdict, outcome: Outcome) -> None:
        """Tell the breaker's listeners of a success or failure, as ``breaker.call`` would."""
        listeners: tuple[pybreaker.CircuitBreakerListener, ...] = self._breaker.listeners
        if verdict is Verdict.SUCCESS:
            for listener in listeners:
                listener.success(self._breaker)
            return
        exc = outcome if isinstance(outcome, BaseException) else _server_error(outcome)
        for listener in listeners:
            listener.failure(self._breaker, exc)

    def __repr__(self) -> str:
        """Name, state and thresholds."""
        b = self._breaker
        return (
            f"CircuitBreakerMiddleware(name={b.name!r}, state={self.state!r}, "
            f"fail_max={b.fail_max}, reset_timeout={b.reset_timeout})"
        )


def _server_error(response: Response) -> ServerError:
    """A ``ServerError`` standing for a 5xx response, for listeners that expect an exception."""
    return ServerError(
        "counted as a circuit breaker failure",
        status=response.status,
        request_id=response.request_id,
        request=response.request,
        response=response,
    )


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{name} must be an int >= 1, not {value!r}"
        raise ValueError(msg)
    return value


def _check_seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        msg = f"reset_timeout must be a number of seconds >= 0, not {value!r}"
        raise ValueError(msg)
    return float(value)
