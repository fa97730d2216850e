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

import time
from collections.abc import Iterable
from typing import Final

import attrs

from heygen_pipeline import _checks
from heygen_pipeline import _pybreaker as pb
from heygen_pipeline._hosts import HostAllowlist
from heygen_pipeline._library_logging import library_logger
from heygen_pipeline._models import Request, Response
from heygen_pipeline.middleware._breaker_engine import BreakerEngine, StateLogger
from heygen_pipeline.middleware._breaker_policy import (
    Admission,
    AtomicBreakerStorage,
    BreakerLogger,
    BreakerSnapshot,
    Verdict,
    breaker_admission,
    breaker_verdict,
    is_failure,
)
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


def _host_entries(hosts: Iterable[str] | None) -> tuple[str, ...] | None:
    """The guarded hosts, checked and normalised; None guards every host."""
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
    return HostAllowlist(entries).entries


@attrs.frozen(eq=False)
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
    per instance, while state and counters live in the breaker's storage. A frozen value:
    `scoped_to` and `with_storage` derive new ones with ``attrs.evolve``, every setting kept.
    Equality is identity, as two instances never share their trials in flight.

    Constructor arguments:

    - ``breaker``: a pybreaker breaker to drive (its storage, thresholds, listeners and
      ``exclude`` list are used); by default one is made from the options below,
      which must then not be given.
    - ``fail_max``: consecutive failures that open the breaker (default 5).
    - ``reset_timeout``: seconds the breaker stays open before a trial call (default 30).
    - ``half_open_max_calls``: trial calls allowed at once while half-open.
    - ``name``: the breaker's name in logs (default ``"heygen"``).
    - ``storage``: pybreaker storage for state and counters (default: in memory); pass a
      [RedisBreakerStorage][heygen_pipeline.shared.RedisBreakerStorage] to share the
      breaker between processes (an `AtomicBreakerStorage`, driven atomically).
    - ``clock``: wall-clock seconds since the epoch, like ``time.time`` (see the module doc).
    - ``logger``: a structlog logger; default: the library's logger
      ``heygen_pipeline.breaker`` (silent until the application configures logging).
    - ``hosts``: guard only requests to these hosts (``host`` or ``host:port``); requests to
      any other host (a CDN download, say) pass unguarded and uncounted, so a failing
      CDN cannot open the breaker for the API. Default: every host.
    """

    # The pybreaker breaker: state, counters, thresholds, listeners (always set after init).
    _breaker: pb.CircuitBreaker | None = attrs.field(default=None, repr=False)
    # Options for the breaker made when none is given: folded into it, None afterwards.
    _fail_max: int | None = attrs.field(default=None, kw_only=True, repr=False)
    _reset_timeout: float | None = attrs.field(default=None, kw_only=True, repr=False)
    _half_open_max_calls: int = attrs.field(default=1, kw_only=True)
    _name: str | None = attrs.field(default=None, kw_only=True, repr=False)
    _storage: pb.CircuitBreakerStorage | None = attrs.field(default=None, kw_only=True, repr=False)
    _clock: Clock = attrs.field(default=time.time, kw_only=True)
    _logger: BreakerLogger | None = attrs.field(default=None, kw_only=True, repr=False)
    _hosts: tuple[str, ...] | None = attrs.field(
        default=None, kw_only=True, converter=_host_entries
    )
    _allowlist: HostAllowlist | None = attrs.field(init=False, repr=False)
    # The mutable part: trials in flight and snapshot order, over the pybreaker breaker.
    _engine: BreakerEngine = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        """Check the settings, make the breaker if none was given, and start its engine."""
        _checks.count("half_open_max_calls", self._half_open_max_calls, minimum=1)
        _checks.callable_("clock", self._clock, like="time.time")
        breaker = self._breaker if self._breaker is not None else self._new_breaker()
        if not isinstance(breaker, pb.CircuitBreaker):
            msg = f"breaker must be a pybreaker.CircuitBreaker, not {type(breaker).__name__}"
            raise TypeError(msg)
        self._check_no_options_with(breaker)
        logger = self._logger
        if logger is None:
            logger = library_logger("heygen_pipeline.breaker")
        settings = {
            "_breaker": breaker,
            "_fail_max": None,
            "_reset_timeout": None,
            "_name": None,
            "_storage": None,
            "_logger": logger,
            "_allowlist": None if self._hosts is None else HostAllowlist(self._hosts),
            "_engine": BreakerEngine(
                breaker, half_open_max_calls=self._half_open_max_calls, clock=self._clock
            ),
        }
        for field, value in settings.items():
            object.__setattr__(self, field, value)
        if not any(isinstance(listener, StateLogger) for listener in breaker.listeners):
            breaker.add_listener(StateLogger(logger))

    def _new_breaker(self) -> pb.CircuitBreaker:
        """The breaker made from ``fail_max``, ``reset_timeout``, ``name`` and ``storage``."""
        storage = self._storage
        if storage is not None and not isinstance(storage, pb.CircuitBreakerStorage):
            msg = f"storage must be a pybreaker.CircuitBreakerStorage, not {type(storage).__name__}"
            raise TypeError(msg)
        fail_max = _DEFAULT_FAIL_MAX if self._fail_max is None else self._fail_max
        timeout = _DEFAULT_RESET_TIMEOUT if self._reset_timeout is None else self._reset_timeout
        options = pb.BreakerOptions(
            fail_max=_checks.count("fail_max", fail_max, minimum=1),
            reset_timeout=_checks.seconds("reset_timeout", timeout),
            name=_DEFAULT_NAME if self._name is None else self._name,
        )
        return options.build(storage)

    def _check_no_options_with(self, breaker: pb.CircuitBreaker) -> None:
        """Refuse options that a given breaker would silently override."""
        if breaker is not self._breaker:
            return
        given = [
            option
            for option, value in (
                ("fail_max", self._fail_max),
                ("reset_timeout", self._reset_timeout),
                ("name", self._name),
                ("storage", self._storage),
            )
            if value is not None
        ]
        if given:
            msg = (
                f"{', '.join(given)} cannot be combined with breaker=: configure the "
                "pybreaker.CircuitBreaker you pass instead"
            )
            raise TypeError(msg)

    @property
    def breaker(self) -> pb.CircuitBreaker:
        """The pybreaker breaker whose state and storage this middleware drives."""
        return self._engine.breaker

    @property
    def hosts(self) -> frozenset[str] | None:
        """The hosts this breaker guards (``None``: every host)."""
        return None if self._hosts is None else frozenset(self._hosts)

    def scoped_to(self, hosts: Iterable[str] | None) -> CircuitBreakerMiddleware:
        """This breaker (the same state) guarding only ``hosts``, every setting kept."""
        return attrs.evolve(self, hosts=hosts)

    def with_storage(
        self, storage: pb.CircuitBreakerStorage, *, logger: BreakerLogger | None = None
    ) -> CircuitBreakerMiddleware:
        """A new breaker on ``storage`` with every setting of this one (state not copied).

        Kept: ``fail_max``, ``reset_timeout``, ``success_threshold``, the name, the excluded
        exceptions, the listeners you added, ``half_open_max_calls``, the clock, the hosts and
        (unless ``logger`` is given) the logger.
        """
        if not isinstance(storage, pb.CircuitBreakerStorage):
            msg = f"storage must be a pybreaker.CircuitBreakerStorage, not {type(storage).__name__}"
            raise TypeError(msg)
        options = pb.BreakerOptions.of(self.breaker)
        mine = tuple(item for item in options.listeners if not isinstance(item, StateLogger))
        breaker = attrs.evolve(options, listeners=mine).build(storage)
        return attrs.evolve(
            self, breaker=breaker, logger=self._logger if logger is None else logger
        )

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half-open"``, as the breaker's storage says."""
        return self._engine.state

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Pass ``request`` on if the breaker allows it, and record what came back."""
        allowlist = self._allowlist
        if allowlist is not None and not allowlist.allows(request):
            return call_next(request)
        return self._engine.call(request, call_next)

    def __repr__(self) -> str:
        """Name, state and thresholds."""
        b = self.breaker
        return (
            f"CircuitBreakerMiddleware(name={b.name!r}, state={self.state!r}, "
            f"fail_max={b.fail_max}, reset_timeout={b.reset_timeout})"
        )
