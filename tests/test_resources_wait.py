import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import (
    CircuitOpenError,
    ConnectError,
    JobFailedError,
    NotFoundError,
    RateLimitError,
    ServerError,
    WaitTimeoutError,
)
from heygen_pipeline.resources._wait import (
    BACKOFF_FACTOR,
    JITTER,
    check_wait_args,
    max_polls,
    poll_delay,
    wait_for,
)


class FakeTime:
    """A clock that only moves when slept on; records every sleep."""

    def __init__(self) -> None:
        """Start at an arbitrary instant."""
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the fake time (and record the wait)."""
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def run(steps, *, timeout=60.0, poll=1.0, max_poll=10.0, time=None, on_progress=None, random=None):
    """``wait_for`` over a script of poll results (a value, or an exception to raise)."""
    time = time or FakeTime()
    script = list(steps)
    polls: list[float] = []

    def fetch(left: float) -> str:
        polls.append(left)
        step = script.pop(0) if script else "running"
        if isinstance(step, BaseException):
            raise step
        return step

    def failure(status: str) -> JobFailedError | None:
        return JobFailedError(f"job failed: {status}", job_id="j") if status == "failed" else None

    result = wait_for(
        fetch,
        finished=lambda s: s == "done",
        failure=failure,
        status=lambda s: s,
        what="job",
        job_id="j",
        timeout=timeout,
        poll=poll,
        max_poll=max_poll,
        on_progress=on_progress,
        sleep=time.sleep,
        clock=time.clock,
        random=random or (lambda: 0.5),
    )
    return result, polls, time


class TestPollDelay:
    """The schedule between polls: exponential, capped, jittered."""

    @given(
        number=st.integers(1, 500),
        poll=st.floats(0.01, 60),
        extra=st.floats(0, 600),
        jitter=st.floats(0, 1),
    )
    def test_delay_stays_within_the_jittered_cap(self, number, poll, extra, jitter):
        """Every delay is within ±25 % of min(max_poll, poll * 1.5 ** (n - 1))."""
        max_poll = poll + extra
        delay = poll_delay(number, poll=poll, max_poll=max_poll, jitter=jitter)
        nominal = min(max_poll, poll * BACKOFF_FACTOR ** min(number - 1, 64))
        assert nominal * (1 - JITTER) * 0.999999 <= delay <= nominal * (1 + JITTER) * 1.000001

    @given(poll=st.floats(0.01, 10), extra=st.floats(0, 100), jitter=st.floats(0, 1))
    def test_delay_never_shrinks_for_a_fixed_jitter(self, poll, extra, jitter):
        """With the same jitter sample, later waits are never shorter."""
        delays = [
            poll_delay(n, poll=poll, max_poll=poll + extra, jitter=jitter) for n in range(1, 40)
        ]
        assert delays == sorted(delays)

    def test_mid_jitter_is_the_nominal_delay(self):
        """A jitter sample of 0.5 gives the nominal delay; 0 and 1 its bounds."""
        assert poll_delay(1, poll=2, max_poll=30, jitter=0.5) == 2
        assert poll_delay(3, poll=2, max_poll=30, jitter=0.5) == 4.5
        assert poll_delay(99, poll=2, max_poll=30, jitter=0.0) == 22.5
        assert poll_delay(99, poll=2, max_poll=30, jitter=1.0) == 37.5

    @pytest.mark.parametrize(
        ("timeout", "poll", "max_poll", "error"),
        [
            (0, 1, 1, ValueError),
            (10, 0, 1, ValueError),
            (10, 1, 0.5, ValueError),
            (float("inf"), 1, 1, ValueError),
            (10, float("nan"), 1, ValueError),
            ("10", 1, 1, TypeError),
            (10, True, 1, TypeError),
        ],
    )
    def test_bad_arguments_fail_at_once(self, timeout, poll, max_poll, error):
        """A wait that could not be bounded is refused before any poll."""
        with pytest.raises(error):
            check_wait_args(timeout, poll, max_poll)


class TestWaitFor:
    """The loop: finishes, fails, or times out, and always by its deadline."""

    def test_returns_once_finished(self):
        """Polls until done; the first poll is immediate; waits follow the schedule."""
        result, polls, time = run(["running", "running", "done"])
        assert result == "done"
        assert len(polls) == 3
        assert time.sleeps == [1.0, 1.5]

    def test_reports_progress_each_poll(self):
        """``on_progress`` sees every status, in order."""
        seen: list[str] = []
        run(["a", "b", "done"], on_progress=seen.append)
        assert seen == ["a", "b", "done"]

    def test_progress_exception_ends_the_wait(self):
        """An exception from the callback propagates and stops polling."""

        def boom(_status: str) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run(["a", "done"], on_progress=boom)

    def test_failed_job_raises_its_error(self):
        """The failure callback's error is raised as soon as a poll shows it."""
        with pytest.raises(JobFailedError, match="job failed: failed"):
            run(["running", "failed"])

    @given(timeout=st.floats(0.5, 500), poll=st.floats(0.1, 5), jitter=st.floats(0, 0.999))
    def test_timeout_ends_by_the_deadline(self, timeout, poll, jitter):
        """A job that never finishes ends with WaitTimeoutError, never past the deadline."""
        time = FakeTime()
        start = time.now
        with pytest.raises(WaitTimeoutError) as info:
            run([], timeout=timeout, poll=poll, max_poll=poll * 4, time=time, random=lambda: jitter)
        assert time.now - start <= timeout + 1e-9
        assert info.value.last_status == "running"
        assert info.value.timeout == timeout
        assert "did not finish" in str(info.value)

    def test_each_poll_is_given_the_time_left(self):
        """The fetch is told how long it may take, shrinking to the deadline."""
        _, polls, _ = run(["a", "b", "done"], timeout=10)
        assert polls == [10.0, 9.0, 7.5]

    def test_frozen_clock_still_ends(self):
        """With a clock that never moves, the poll count bound ends the loop."""
        calls = []

        def fetch(_left: float) -> str:
            calls.append(1)
            return "running"

        with pytest.raises(WaitTimeoutError):
            wait_for(
                fetch,
                finished=lambda s: s == "done",
                failure=lambda _s: None,
                status=lambda s: s,
                what="job",
                job_id="j",
                timeout=5,
                poll=1,
                max_poll=2,
                on_progress=None,
                sleep=lambda _s: None,
                clock=lambda: 0.0,
                random=lambda: 0.5,
            )
        assert len(calls) == max_polls(5, 1)

    @pytest.mark.parametrize(
        "error",
        [
            ConnectError("refused"),
            ServerError("boom", status=502),
            RateLimitError("slow down", status=429),
            CircuitOpenError("open"),
        ],
        ids=lambda e: type(e).__name__,
    )
    def test_passing_errors_do_not_end_the_wait(self, error):
        """Network errors, 5xx, 429 and an open breaker are polled through."""
        result, polls, _ = run([error, error, "done"])
        assert result == "done"
        assert len(polls) == 3

    def test_lasting_error_ends_the_wait(self):
        """A 404 (or any other lasting error) is raised at once."""
        with pytest.raises(NotFoundError):
            run(["running", NotFoundError("gone", status=404)])

    def test_timeout_after_errors_chains_the_last_one(self):
        """When the deadline comes during failing polls, the last error is the cause."""
        error = ServerError("down", status=503)
        with pytest.raises(WaitTimeoutError) as info:
            run([error] * 100, timeout=5)
        assert info.value.__cause__ is error
        assert info.value.last_status is None
        assert "no successful poll" in str(info.value)

    def test_retry_after_is_honoured_between_polls(self):
        """A 429's Retry-After lengthens the next wait (within the deadline)."""
        limited = RateLimitError("slow", status=429, retry_after=7.0)
        _, _, time = run([limited, "done"], timeout=60)
        assert time.sleeps == [7.0]
