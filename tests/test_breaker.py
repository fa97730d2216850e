from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pybreaker
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from structlog.testing import capture_logs

from heygen_pipeline._models import Request, Response
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport
from heygen_pipeline.errors import (
    CircuitOpenError,
    ConnectError,
    HeyGenError,
    ReadTimeoutError,
)
from heygen_pipeline.middleware._breaker import (
    CircuitBreakerMiddleware,
    Verdict,
    breaker_admission,
    breaker_verdict,
    is_failure,
)
from heygen_pipeline.testing._mock import MockTransport, make_response
from heygen_pipeline.testing._strategies_breaker import (
    client_error_statuses,
    non_transport_errors,
    outcomes,
    responses,
    server_error_statuses,
    statuses,
    transport_errors,
)

URL = "https://api.heygen.com/v2/videos"
REQUEST = Request("GET", URL)
START = 1_700_000_000.0


class FakeClock:
    """Wall-clock seconds that move only when a test says so."""

    def __init__(self, now: float = START) -> None:
        """Start at ``now``."""
        self.now = now

    def __call__(self) -> float:
        """The current time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the time on."""
        self.now += seconds


class RecordingLogger:
    """A logger that keeps (level, event, fields) for every call."""

    def __init__(self) -> None:
        """Start empty."""
        self.events: list[tuple[str, str, dict[str, object]]] = []

    def info(self, event: str, *args: object, **kw: object) -> None:
        """Record an info event."""
        self.events.append(("info", event, kw))

    def warning(self, event: str, *args: object, **kw: object) -> None:
        """Record a warning event."""
        self.events.append(("warning", event, kw))

    def transitions(self) -> list[tuple[object, object]]:
        """The (old, new) states of the state changes logged."""
        return [(kw["old_state"], kw["new_state"]) for _, _, kw in self.events]


def answer(status: int) -> MockTransport:
    """A transport that always answers ``status``."""
    return MockTransport(lambda request: make_response(request, status))


def raising(exc: BaseException) -> MockTransport:
    """A transport that always raises ``exc``."""

    def handler(request: Request) -> Response:
        raise exc

    return MockTransport(handler)


OK = answer(200)
FAIL = answer(503)
FAILURES = {
    "500": answer(500),
    "503": FAIL,
    "connect": raising(ConnectError("refused")),
    "read-timeout": raising(ReadTimeoutError("no answer")),
}


def attempt(mw: CircuitBreakerMiddleware, transport: MockTransport) -> Response | HeyGenError:
    """Call through mw; the response, or the library error raised."""
    try:
        return mw(REQUEST, transport)
    except HeyGenError as exc:
        return exc


def make(**kwargs) -> tuple[CircuitBreakerMiddleware, FakeClock, RecordingLogger]:
    """A breaker on a fake clock with a recording logger (fail_max 3, reset 30 s by default)."""
    clock = FakeClock()
    logger = RecordingLogger()
    kwargs.setdefault("fail_max", 3)
    kwargs.setdefault("reset_timeout", 30.0)
    return CircuitBreakerMiddleware(clock=clock, logger=logger, **kwargs), clock, logger


def trip(mw: CircuitBreakerMiddleware) -> None:
    """Open the breaker with fail_max consecutive 503s."""
    for _ in range(mw.breaker.fail_max):
        mw(REQUEST, FAIL)
    assert mw.state == "open"


class TestVerdict:
    """breaker_verdict / is_failure: what counts against the server."""

    @given(responses(statuses()))
    def test_responses_fail_only_on_5xx(self, response):
        """A response is a failure exactly when its status is 5xx, else a success."""
        expected = Verdict.FAILURE if response.status >= 500 else Verdict.SUCCESS
        assert breaker_verdict(response) is expected

    @given(responses(client_error_statuses()))
    def test_4xx_and_429_never_count(self, response):
        """4xx, 429 included, shows the server answering: never a failure."""
        assert not is_failure(response)
        assert breaker_verdict(response) is Verdict.SUCCESS

    @given(transport_errors())
    def test_transport_errors_are_failures(self, error):
        """Connect errors, TLS errors, timeouts and broken connections count."""
        assert breaker_verdict(error) is Verdict.FAILURE

    @given(non_transport_errors())
    def test_other_exceptions_are_ignored(self, error):
        """Exceptions that say nothing of the server neither count nor reset."""
        assert breaker_verdict(error) is Verdict.IGNORED

    @given(outcomes())
    def test_is_failure_agrees_with_verdict(self, outcome):
        """is_failure is the FAILURE verdict, for every outcome."""
        assert is_failure(outcome) == (breaker_verdict(outcome) is Verdict.FAILURE)


admission_args = {
    "now": st.floats(0, 1e6),
    "opened_at": st.floats(0, 1e6),
    "reset_timeout": st.floats(0, 1e4),
    "trials": st.integers(0, 5),
    "max_calls": st.integers(1, 5),
}


class TestAdmission:
    """breaker_admission: whether a call may pass, as a pure function."""

    @given(**admission_args)
    def test_closed_always_allows(self, now, opened_at, reset_timeout, trials, max_calls):
        """A closed breaker lets every call through, none as a trial."""
        admission = breaker_admission(
            "closed",
            now=now,
            opened_at=opened_at,
            reset_timeout=reset_timeout,
            trials_in_flight=trials,
            half_open_max_calls=max_calls,
        )
        assert admission.allow
        assert not admission.trial

    @given(**admission_args)
    def test_open_waits_out_the_reset_timeout(
        self, now, opened_at, reset_timeout, trials, max_calls
    ):
        """Open: refused for the rest of reset_timeout, then a trial; bounded if time goes back."""
        admission = breaker_admission(
            "open",
            now=now,
            opened_at=opened_at,
            reset_timeout=reset_timeout,
            trials_in_flight=trials,
            half_open_max_calls=max_calls,
        )
        elapsed = now - opened_at
        if 0 <= elapsed < reset_timeout:
            assert not admission.allow
            assert admission.retry_after == reset_timeout - elapsed
            assert 0 < admission.retry_after <= reset_timeout
        elif elapsed >= reset_timeout:
            assert admission.allow
            assert admission.trial
        else:  # the clock is behind opened_at: wait at most two timeouts, never for ever
            assert admission.allow or 0 < admission.retry_after <= 2 * reset_timeout

    @given(**admission_args)
    def test_half_open_limits_trials_in_flight(
        self, now, opened_at, reset_timeout, trials, max_calls
    ):
        """Half-open: a call is a trial while fewer than the limit run, else it fails fast."""
        admission = breaker_admission(
            "half-open",
            now=now,
            opened_at=opened_at,
            reset_timeout=reset_timeout,
            trials_in_flight=trials,
            half_open_max_calls=max_calls,
        )
        assert admission.allow == (trials < max_calls)
        assert admission.trial == admission.allow
        assert admission.retry_after is None

    def test_open_without_a_timestamp_allows_a_trial(self):
        """An open state with no opened_at (set by hand) has nothing to wait for."""
        admission = breaker_admission(
            "open",
            now=0.0,
            opened_at=None,
            reset_timeout=30.0,
            trials_in_flight=0,
            half_open_max_calls=1,
        )
        assert admission.allow
        assert admission.trial

    def test_unknown_state_is_an_error(self):
        """A state name pybreaker does not know is refused loudly."""
        with pytest.raises(ValueError, match="unknown breaker state"):
            breaker_admission(
                "ajar",
                now=0.0,
                opened_at=None,
                reset_timeout=1.0,
                trials_in_flight=0,
                half_open_max_calls=1,
            )


class TestClosed:
    """Closed: counting consecutive failures."""

    @pytest.mark.parametrize("fail_max", [1, 2, 5])
    @pytest.mark.parametrize("failing", FAILURES.values(), ids=FAILURES.keys())
    def test_opens_after_fail_max_consecutive_failures_and_not_before(self, fail_max, failing):
        """fail_max - 1 failures leave it closed; the fail_max-th opens it."""
        mw, _, _ = make(fail_max=fail_max)
        for _ in range(fail_max - 1):
            attempt(mw, failing)
            assert mw.state == "closed"
        assert not isinstance(attempt(mw, failing), CircuitOpenError)
        assert mw.state == "open"
        assert isinstance(attempt(mw, OK), CircuitOpenError)

    def test_tripping_call_returns_its_own_response(self):
        """The call that opens the breaker returns its 503; only later calls fail fast."""
        mw, _, _ = make(fail_max=1)
        assert mw(REQUEST, FAIL).status == 503
        with pytest.raises(CircuitOpenError):
            mw(REQUEST, OK)

    def test_success_resets_the_count(self):
        """Failures separated by a success are not consecutive."""
        mw, _, _ = make(fail_max=3)
        for _ in range(4):
            mw(REQUEST, FAIL)
            mw(REQUEST, FAIL)
            assert mw.breaker.fail_counter == 2
            mw(REQUEST, OK)
            assert mw.breaker.fail_counter == 0
        assert mw.state == "closed"

    @pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 429])
    def test_4xx_and_429_never_count(self, status):
        """However many 4xx or 429 answers arrive, the breaker stays closed."""
        mw, _, _ = make(fail_max=2)
        for _ in range(10):
            assert mw(REQUEST, answer(status)).status == status
        assert mw.state == "closed"
        assert mw.breaker.fail_counter == 0

    def test_unrelated_exceptions_neither_count_nor_reset(self):
        """A bug raised inside the stack leaves the count where it was."""
        mw, _, _ = make(fail_max=3)
        mw(REQUEST, FAIL)
        mw(REQUEST, FAIL)
        with pytest.raises(ValueError, match="bug"):
            mw(REQUEST, raising(ValueError("bug")))
        assert mw.breaker.fail_counter == 2
        mw(REQUEST, FAIL)
        assert mw.state == "open"

    def test_pybreaker_exclude_list_is_honoured(self):
        """An exception the pybreaker breaker excludes counts as a success, as in breaker.call."""
        breaker = pybreaker.CircuitBreaker(fail_max=1, exclude=[ConnectError])
        mw = CircuitBreakerMiddleware(breaker, logger=RecordingLogger())
        with pytest.raises(ConnectError):
            mw(REQUEST, raising(ConnectError("refused")))
        assert mw.state == "closed"
        mw(REQUEST, FAIL)
        assert mw.state == "open"


class TestOpen:
    """Open: failing fast, and for how long."""

    def test_fails_fast_without_calling_the_transport(self):
        """Open: CircuitOpenError at once, and the transport never sees the request."""
        mw, _, _ = make(fail_max=2)
        trip(mw)
        transport = answer(200)
        with pytest.raises(CircuitOpenError) as info:
            mw(REQUEST, transport)
        assert transport.requests == []
        assert info.value.request is REQUEST

    def test_retry_after_is_the_time_left(self):
        """retry_after counts down from reset_timeout as the clock moves."""
        mw, clock, _ = make(fail_max=1, reset_timeout=30.0)
        trip(mw)
        with pytest.raises(CircuitOpenError) as info:
            mw(REQUEST, OK)
        assert info.value.retry_after == pytest.approx(30.0, abs=1e-3)
        clock.advance(12.5)
        with pytest.raises(CircuitOpenError) as info:
            mw(REQUEST, OK)
        assert info.value.retry_after == pytest.approx(17.5, abs=1e-3)
        assert "'heygen' is open" in str(info.value)
        assert "17.5 s" in str(info.value)

    def test_stays_open_until_the_reset_timeout(self):
        """Just before reset_timeout it still fails fast; at reset_timeout a trial passes."""
        mw, clock, _ = make(fail_max=1, reset_timeout=10.0)
        trip(mw)
        clock.advance(9.999)
        with pytest.raises(CircuitOpenError):
            mw(REQUEST, OK)
        clock.advance(0.001)
        assert mw(REQUEST, OK).status == 200

    def test_a_clock_set_back_cannot_keep_it_open_for_hours(self):
        """If the wall clock jumps back by hours, a trial is let through instead of waiting."""
        mw, clock, _ = make(fail_max=1, reset_timeout=10.0)
        trip(mw)
        clock.advance(-5.0)  # a small step back: still open, a little longer
        with pytest.raises(CircuitOpenError) as info:
            mw(REQUEST, OK)
        assert info.value.retry_after == pytest.approx(15.0, abs=1e-3)
        clock.advance(-3600.0)
        assert mw(REQUEST, OK).status == 200
        assert mw.state == "closed"

    def test_opened_at_is_stamped_by_the_injected_clock(self):
        """The storage's opened_at is the injected clock's time, as a UTC datetime."""
        mw, clock, _ = make(fail_max=1)
        clock.advance(3.25)
        trip(mw)
        opened_at = mw.breaker._state_storage.opened_at
        assert opened_at == datetime.fromtimestamp(START + 3.25, tz=timezone.utc)


class TestHalfOpen:
    """Half-open: trial calls decide between closed and open."""

    def test_one_trial_passes_after_the_reset_timeout(self):
        """After reset_timeout the next call reaches the transport, as a half-open trial."""
        mw, clock, _ = make(fail_max=1, reset_timeout=5.0)
        trip(mw)
        clock.advance(5.0)
        seen = []

        def handler(request):
            seen.append(mw.state)
            return make_response(request, 200)

        transport = MockTransport(handler)
        mw(REQUEST, transport)
        assert len(transport.requests) == 1
        assert seen == ["half-open"]

    def test_trial_success_closes(self):
        """A successful trial closes the breaker and clears the count."""
        mw, clock, _ = make(fail_max=2, reset_timeout=5.0)
        trip(mw)
        clock.advance(5.0)
        mw(REQUEST, OK)
        assert mw.state == "closed"
        assert mw.breaker.fail_counter == 0
        mw(REQUEST, FAIL)
        assert mw.state == "closed"

    def test_trial_4xx_closes(self):
        """A trial answered with a 4xx proves the server is back too."""
        mw, clock, _ = make(fail_max=1, reset_timeout=5.0)
        trip(mw)
        clock.advance(5.0)
        mw(REQUEST, answer(404))
        assert mw.state == "closed"

    @pytest.mark.parametrize("failing", [FAIL, raising(ConnectError("refused"))])
    def test_trial_failure_reopens_for_a_full_timeout(self, failing):
        """A failed trial opens the breaker again, stamped with the time of the trial."""
        mw, clock, _ = make(fail_max=3, reset_timeout=5.0)
        trip(mw)
        clock.advance(7.0)
        assert not isinstance(attempt(mw, failing), CircuitOpenError)
        assert mw.state == "open"
        with pytest.raises(CircuitOpenError) as info:
            mw(REQUEST, OK)
        assert info.value.retry_after == pytest.approx(5.0, abs=1e-3)

    def test_other_calls_fail_fast_while_the_trial_runs(self):
        """While the one trial is in flight, a second call fails fast with no retry_after."""
        mw, clock, _ = make(fail_max=1, reset_timeout=5.0)
        trip(mw)
        clock.advance(5.0)
        inner = answer(200)
        caught = []

        def trial(request):
            with pytest.raises(CircuitOpenError) as info:
                mw(REQUEST, inner)
            caught.append(info.value)
            return make_response(request, 200)

        mw(REQUEST, MockTransport(trial))
        assert inner.requests == []
        assert caught[0].retry_after is None
        assert "trial call is running" in str(caught[0])
        assert mw.state == "closed"

    def test_half_open_max_calls_trials_run_at_once(self):
        """With half_open_max_calls=2 two nested trials pass and a third fails fast."""
        mw, clock, _ = make(fail_max=1, reset_timeout=5.0, half_open_max_calls=2)
        trip(mw)
        clock.advance(5.0)
        refused = []

        def second(request):
            with pytest.raises(CircuitOpenError):
                mw(REQUEST, OK)
            refused.append(True)
            return make_response(request, 200)

        def first(request):
            mw(REQUEST, MockTransport(second))
            return make_response(request, 200)

        mw(REQUEST, MockTransport(first))
        assert refused == [True]
        assert mw.state == "closed"

    def test_ignored_trial_outcome_frees_the_slot(self):
        """A trial that ends in an unrelated exception leaves it half-open for the next trial."""
        mw, clock, _ = make(fail_max=1, reset_timeout=5.0)
        trip(mw)
        clock.advance(5.0)
        with pytest.raises(ValueError, match="bug"):
            mw(REQUEST, raising(ValueError("bug")))
        assert mw.state == "half-open"
        assert mw(REQUEST, OK).status == 200
        assert mw.state == "closed"

    def test_success_threshold_of_the_breaker_is_honoured(self):
        """A breaker with success_threshold=2 needs two trial successes to close."""
        breaker = pybreaker.CircuitBreaker(fail_max=1, reset_timeout=5, success_threshold=2)
        clock = FakeClock()
        mw = CircuitBreakerMiddleware(breaker, clock=clock, logger=RecordingLogger())
        trip(mw)
        clock.advance(5.0)
        mw(REQUEST, OK)
        assert mw.state == "half-open"
        mw(REQUEST, OK)
        assert mw.state == "closed"

    def test_late_result_of_an_earlier_state_changes_nothing(self):
        """A slow call admitted while closed, ending after the breaker opened, cannot close it."""
        mw, _, _ = make(fail_max=2)

        def slow(request):
            trip(mw)  # meanwhile other calls fail and open the breaker
            return make_response(request, 200)

        assert mw(REQUEST, MockTransport(slow)).status == 200
        assert mw.state == "open"


class TestLogging:
    """State changes reach structlog and pybreaker listeners."""

    def test_state_changes_are_logged_with_structlog(self):
        """closed->open (warning), open->half-open and half-open->closed (info) are logged."""
        with capture_logs() as logs:
            clock = FakeClock()
            mw = CircuitBreakerMiddleware(fail_max=1, reset_timeout=5.0, clock=clock, name="api")
            trip(mw)
            clock.advance(5.0)
            mw(REQUEST, OK)
        changes = [e for e in logs if e["event"] == "circuit_breaker_state_change"]
        assert [(e["old_state"], e["new_state"], e["log_level"]) for e in changes] == [
            ("closed", "open", "warning"),
            ("open", "half-open", "info"),
            ("half-open", "closed", "info"),
        ]
        assert all(e["breaker"] == "api" for e in changes)
        assert changes[0]["failures"] == 1
        assert changes[0]["reset_timeout"] == 5.0

    def test_a_passed_logger_receives_the_events(self):
        """A logger given to the constructor gets the state changes, trial failure included."""
        mw, clock, logger = make(fail_max=1, reset_timeout=5.0)
        trip(mw)
        clock.advance(5.0)
        mw(REQUEST, FAIL)
        assert logger.transitions() == [
            ("closed", "open"),
            ("open", "half-open"),
            ("half-open", "open"),
        ]
        assert [level for level, _, _ in logger.events] == ["warning", "info", "warning"]

    def test_sharing_a_breaker_does_not_duplicate_log_lines(self):
        """Two middlewares on one pybreaker breaker log each change once."""
        breaker = pybreaker.CircuitBreaker(fail_max=1)
        logger = RecordingLogger()
        CircuitBreakerMiddleware(breaker, logger=logger)
        mw = CircuitBreakerMiddleware(breaker, logger=logger)
        mw(REQUEST, FAIL)
        assert logger.transitions() == [("closed", "open")]

    def test_listeners_hear_successes_and_failures(self):
        """Listeners get before_call, success and failure as with breaker.call."""
        calls = []

        class Listener(pybreaker.CircuitBreakerListener):
            def before_call(self, cb, func, *args, **kwargs):
                calls.append("before")

            def success(self, cb):
                calls.append("success")

            def failure(self, cb, exc):
                calls.append(f"failure:{type(exc).__name__}:{getattr(exc, 'status', None)}")

        breaker = pybreaker.CircuitBreaker(fail_max=5, listeners=[Listener()])
        mw = CircuitBreakerMiddleware(breaker, logger=RecordingLogger())
        mw(REQUEST, OK)
        mw(REQUEST, FAIL)
        with pytest.raises(ConnectError):
            mw(REQUEST, raising(ConnectError("refused")))
        assert calls == [
            "before",
            "success",
            "before",
            "failure:ServerError:503",
            "before",
            "failure:ConnectError:None",
        ]


class DictStorage(pybreaker.CircuitBreakerStorage):
    """A storage like Redis storage: plain values, opened_at kept to whole seconds."""

    def __init__(self) -> None:
        """Start closed with no failures."""
        super().__init__("dict")
        self.values = {"state": "closed", "counter": 0, "success": 0, "opened_at": None}

    @property
    def state(self):
        """The state."""
        return self.values["state"]

    @state.setter
    def state(self, state):
        """Set the state."""
        self.values["state"] = state

    def increment_counter(self):
        """Count a failure."""
        self.values["counter"] += 1

    def reset_counter(self):
        """Clear the failures."""
        self.values["counter"] = 0

    def increment_success_counter(self):
        """Count a success."""
        self.values["success"] += 1

    def reset_success_counter(self):
        """Clear the successes."""
        self.values["success"] = 0

    @property
    def counter(self):
        """The failures."""
        return self.values["counter"]

    @property
    def success_counter(self):
        """The successes."""
        return self.values["success"]

    @property
    def opened_at(self):
        """When it opened, to the second."""
        stamp = self.values["opened_at"]
        return None if stamp is None else datetime.fromtimestamp(stamp, tz=timezone.utc)

    @opened_at.setter
    def opened_at(self, when):
        """Keep whole seconds, as Redis storage does."""
        self.values["opened_at"] = int(when.timestamp())


class TestStorageAndConstruction:
    """Storage, defaults and argument checks."""

    def test_any_pybreaker_storage_holds_state_and_counters(self):
        """State, failure count and opened_at go to the storage that was passed."""
        storage = DictStorage()
        mw, _, _ = make(fail_max=2, storage=storage)
        mw(REQUEST, FAIL)
        assert storage.values["counter"] == 1
        mw(REQUEST, FAIL)
        assert storage.values["state"] == "open"
        assert storage.values["opened_at"] == int(START)

    def test_breakers_sharing_a_storage_share_the_state(self):
        """Two breakers on one storage (two processes on one Redis) see each other's opening."""
        storage = DictStorage()
        clock = FakeClock()
        a = CircuitBreakerMiddleware(
            fail_max=1, storage=storage, clock=clock, logger=RecordingLogger()
        )
        b_logger = RecordingLogger()
        b = CircuitBreakerMiddleware(fail_max=1, storage=storage, clock=clock, logger=b_logger)
        a(REQUEST, FAIL)
        transport = answer(200)
        with pytest.raises(CircuitOpenError):
            b(REQUEST, transport)
        assert transport.requests == []
        assert b_logger.transitions() == [("closed", "open")]

    def test_the_default_breaker_has_the_documented_defaults(self):
        """fail_max 5, reset_timeout 30 s, name 'heygen', memory storage, closed."""
        mw = CircuitBreakerMiddleware()
        assert mw.breaker.fail_max == 5
        assert mw.breaker.reset_timeout == 30.0
        assert mw.breaker.name == "heygen"
        assert isinstance(mw.breaker._state_storage, pybreaker.CircuitMemoryStorage)
        assert mw.state == "closed"
        assert "name='heygen'" in repr(mw)
        assert "state='closed'" in repr(mw)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"fail_max": 0},
            {"fail_max": True},
            {"fail_max": 1.5},
            {"reset_timeout": -1},
            {"reset_timeout": float("nan")},
            {"half_open_max_calls": 0},
        ],
    )
    def test_bad_numbers_are_refused(self, kwargs):
        """Thresholds and timeouts out of range fail at construction."""
        with pytest.raises(ValueError, match="must be"):
            CircuitBreakerMiddleware(**kwargs)

    def test_options_clash_with_a_given_breaker(self):
        """fail_max and friends cannot be combined with breaker= (they would be ignored)."""
        with pytest.raises(TypeError, match="fail_max, storage cannot be combined"):
            CircuitBreakerMiddleware(pybreaker.CircuitBreaker(), fail_max=3, storage=DictStorage())

    @pytest.mark.parametrize(
        "kwargs",
        [{"breaker": object()}, {"storage": {}}, {"clock": 3.0}],
        ids=["breaker", "storage", "clock"],
    )
    def test_wrong_types_are_refused(self, kwargs):
        """A breaker, storage or clock of the wrong kind fails at construction."""
        with pytest.raises(TypeError, match="must be"):
            CircuitBreakerMiddleware(**kwargs)

    def test_works_inside_a_stack(self):
        """Built into a Stack, it trips and fails fast like a bare middleware."""
        mw, _, _ = make(fail_max=1)
        handler = Stack([("breaker", mw)]).build(FAIL)
        assert handler(REQUEST).status == 503
        with pytest.raises(CircuitOpenError):
            handler(REQUEST)


class BreakerModel:
    """The breaker as a plain state machine, one call at a time."""

    def __init__(self, fail_max: int, reset_timeout: float) -> None:
        """Start closed."""
        self.fail_max = fail_max
        self.reset_timeout = reset_timeout
        self.state = "closed"
        self.failures = 0
        self.opened_at = 0.0
        self.transitions = 0

    def admit(self, now: float) -> float | None:
        """None if the call passes, else the retry_after of the refusal."""
        if self.state == "open":
            if now < self.opened_at + self.reset_timeout:
                return self.opened_at + self.reset_timeout - now
            self._move("half-open")
        return None

    def record(self, verdict: Verdict, now: float) -> None:
        """Apply the outcome of a call that passed."""
        if verdict is Verdict.FAILURE:
            self.failures += 1
            if self.state == "half-open" or self.failures >= self.fail_max:
                self.opened_at = now
                self._move("open")
        elif verdict is Verdict.SUCCESS:
            self.failures = 0
            if self.state == "half-open":
                self._move("closed")

    def _move(self, state: str) -> None:
        self.state = state
        self.transitions += 1
        if state == "closed":
            self.failures = 0


class BreakerMachine(RuleBasedStateMachine):
    """The middleware behaves as BreakerModel over any sequence of calls and clock moves."""

    def __init__(self) -> None:
        """A fake clock and a recording logger; the breaker comes in configure."""
        super().__init__()
        self.clock = FakeClock()
        self.logger = RecordingLogger()
        self.mw: CircuitBreakerMiddleware | None = None
        self.model: BreakerModel | None = None

    @initialize(fail_max=st.integers(1, 4), reset_timeout=st.integers(1, 5))
    def configure(self, fail_max, reset_timeout):
        """Build the middleware and the model with the same thresholds."""
        self.mw = CircuitBreakerMiddleware(
            fail_max=fail_max,
            reset_timeout=float(reset_timeout),
            clock=self.clock,
            logger=self.logger,
        )
        self.model = BreakerModel(fail_max, float(reset_timeout))

    def _call(self, outcome: Response | BaseException) -> None:
        now = self.clock.now
        refusal = self.model.admit(now)

        def handler(request):
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        transport = MockTransport(handler)
        try:
            result: object = self.mw(REQUEST, transport)
        except BaseException as exc:
            result = exc
        if refusal is not None:
            assert isinstance(result, CircuitOpenError)
            assert result.retry_after == pytest.approx(refusal, abs=1e-6)
            assert transport.requests == []
            return
        assert result is outcome
        assert len(transport.requests) == 1
        self.model.record(breaker_verdict(outcome), now)

    @rule(response=st.one_of(responses(st.integers(200, 399)), responses(client_error_statuses())))
    def call_answered(self, response):
        """A call answered below 500 (2xx, 3xx, 4xx, 429)."""
        self._call(response)

    @rule(response=responses(server_error_statuses()))
    def call_5xx(self, response):
        """A call answered with a 5xx."""
        self._call(response)

    @rule(error=transport_errors())
    def call_transport_error(self, error):
        """A call that ends in a transport error."""
        self._call(error)

    @rule(error=non_transport_errors())
    def call_unrelated_error(self, error):
        """A call that ends in an exception unrelated to the server."""
        self._call(error)

    @rule(seconds=st.integers(0, 6))
    def advance_clock(self, seconds):
        """Time passes."""
        self.clock.advance(seconds)

    @invariant()
    def same_state(self):
        """The middleware's state (and count, when closed) is the model's."""
        if self.mw is None:
            return
        assert self.mw.state == self.model.state
        if self.model.state == "closed":
            assert self.mw.breaker.fail_counter == self.model.failures

    @invariant()
    def every_transition_logged_once(self):
        """Each transition of the model produced exactly one log event."""
        if self.mw is None:
            return
        assert len(self.logger.events) == self.model.transitions


TestBreakerModel = BreakerMachine.TestCase
TestBreakerModel.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)


class SlowHandler(BaseHTTPRequestHandler):
    """Answers every GET after 300 ms and keeps count of requests in flight at once."""

    lock = threading.Lock()
    in_flight = 0
    peak = 0

    def do_GET(self):
        """Answer 200 after 300 ms."""
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.peak = max(cls.peak, cls.in_flight)
        threading.Event().wait(0.3)  # the server's latency, not a wait in the test
        with cls.lock:
            cls.in_flight -= 1
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's parameter name
        """Stay quiet."""


@pytest.fixture
def slow_server():
    """A threaded HTTP server on 127.0.0.1 that answers in 300 ms; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class TestConcurrency:
    """No lock is held across I/O."""

    def test_closed_breaker_does_not_serialise_requests(self, slow_server):
        """Four threads through one breaker to a 300 ms server finish together, not in turn."""
        SlowHandler.in_flight = SlowHandler.peak = 0
        mw = CircuitBreakerMiddleware(logger=RecordingLogger())
        results: list[int] = []
        errors: list[BaseException] = []
        start = threading.Barrier(5, timeout=5)
        with Urllib3Transport() as transport:
            handler = Stack([("breaker", mw)]).build(transport)

            def worker():
                try:
                    start.wait()
                    results.append(handler(Request("GET", f"{slow_server}/v2/videos")).status)
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=worker) for _ in range(4)]
            for thread in threads:
                thread.start()
            start.wait()
            began = time.monotonic()
            for thread in threads:
                thread.join(timeout=5)
            elapsed = time.monotonic() - began
        assert errors == []
        assert results == [200, 200, 200, 200]
        assert elapsed < 0.9, f"4 x 300 ms took {elapsed:.2f} s: requests were serialised"
        assert SlowHandler.peak == 4
        assert mw.state == "closed"


class CountingLock:
    """Wraps the breaker's lock and counts how often it is entered."""

    def __init__(self, lock) -> None:
        """Wrap ``lock``."""
        self.lock = lock
        self.entered = 0

    def __enter__(self):
        """Count, then take the wrapped lock."""
        self.entered += 1
        return self.lock.__enter__()

    def __exit__(self, *exc_info):
        """Release the wrapped lock."""
        return self.lock.__exit__(*exc_info)


class TestClosedFastPath:
    """Closed on the in-memory storage: successes pass without the lock, with the same effects."""

    def test_successes_take_no_lock_and_read_no_clock(self):
        """Closed with no failures counted, a success neither locks nor reads the clock."""
        reads = []
        mw = CircuitBreakerMiddleware(
            clock=lambda: reads.append(1) or START, logger=RecordingLogger()
        )
        lock = mw.breaker._lock = CountingLock(mw.breaker._lock)
        for _ in range(3):
            assert mw(REQUEST, OK).status == 200
        assert (lock.entered, reads) == (0, [])
        assert mw.breaker._state_storage.counter == 0
        assert mw.state == "closed"

    def test_listeners_still_hear_fast_path_calls(self):
        """before_call and success reach the listeners on the fast path too."""
        calls = []

        class Listener(pybreaker.CircuitBreakerListener):
            def before_call(self, cb, func, *args, **kwargs):
                calls.append("before")

            def success(self, cb):
                calls.append("success")

        breaker = pybreaker.CircuitBreaker(fail_max=5, listeners=[Listener()])
        mw = CircuitBreakerMiddleware(breaker, logger=RecordingLogger())
        mw(REQUEST, OK)
        mw(REQUEST, OK)
        assert calls == ["before", "success"] * 2

    def test_success_after_a_failure_still_resets_the_count(self):
        """A success with failures counted takes the slow path and resets them to zero."""
        mw, _, _ = make(fail_max=3)
        mw(REQUEST, FAIL)
        mw(REQUEST, FAIL)
        assert mw.breaker._state_storage.counter == 2
        mw(REQUEST, OK)
        assert mw.breaker._state_storage.counter == 0
        mw(REQUEST, FAIL)
        mw(REQUEST, FAIL)
        assert mw.state == "closed"
        mw(REQUEST, FAIL)
        assert mw.state == "open"

    def test_storage_opened_behind_the_cached_state_refuses(self):
        """Cached state closed but storage open (mid-transition): the locked path refuses."""
        mw = CircuitBreakerMiddleware(reset_timeout=30.0, logger=RecordingLogger())
        storage = mw.breaker._state_storage
        storage.opened_at = datetime.now(tz=timezone.utc)
        storage.state = "open"
        assert mw.breaker._state.name == "closed"
        transport = answer(200)
        assert isinstance(attempt(mw, transport), CircuitOpenError)
        assert transport.requests == []
        assert mw.state == "open"

    def test_fast_admitted_success_arriving_after_opening_moves_nothing(self):
        """A closed-admitted 200 landing after other calls opened the breaker: still open."""
        mw, _, _ = make(fail_max=2)

        def handler(request):
            trip(mw)
            return make_response(request, 200)

        assert mw(REQUEST, MockTransport(handler)).status == 200
        assert mw.state == "open"
        assert mw.breaker._state_storage.counter == 2


class TestHostScope:
    """A breaker given hosts guards only those: another host's failures never open it."""

    CDN = Request("GET", "https://cdn.example.net/videos/v.mp4")

    def test_other_hosts_are_neither_counted_nor_refused(self):
        """CDN 503s pass through uncounted; while open, CDN calls still go out."""
        mw, _, _ = make(hosts=["api.heygen.com"])
        for _ in range(10):
            assert mw(self.CDN, FAIL).status == 503
        assert mw.state == "closed"
        trip(mw)
        assert mw(self.CDN, OK).status == 200
        assert isinstance(attempt(mw, OK), CircuitOpenError)

    def test_host_and_port_entries(self):
        """An entry with a port matches that port only; names match case-insensitively."""
        mw, _, _ = make(hosts=["API.heygen.com:8443"])
        other_port = Request("GET", "https://api.heygen.com/v3/users/me")
        for _ in range(5):
            mw(other_port, FAIL)
        assert mw.state == "closed"
        on_port = Request("GET", "https://api.heygen.com:8443/v3/users/me")
        for _ in range(3):
            mw(on_port, FAIL)
        assert mw.state == "open"
        assert mw.hosts == frozenset({"api.heygen.com:8443"})

    @pytest.mark.parametrize("hosts", ["api.heygen.com", [""], [3]])
    def test_bad_hosts(self, hosts):
        """A bare string, an empty name or a non-string is refused at construction."""
        with pytest.raises(TypeError):
            CircuitBreakerMiddleware(hosts=hosts)

    def test_default_stack_guards_the_api_hosts_only(self):
        """default_stack() scopes its breaker to the API and upload hosts."""
        from heygen_pipeline import default_stack  # noqa: PLC0415 - local to this test

        breaker = default_stack(base_url="http://127.0.0.1:8080")["breaker"]
        assert breaker.hosts == frozenset({"127.0.0.1:8080", "upload.heygen.com"})
