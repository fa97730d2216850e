"""Waiting for asynchronous jobs: poll with jittered backoff, always end by the deadline.

HeyGen renders take minutes (5-15, 20+ at peak) and users report unbounded polling loops as a
real bug, so every wait has a deadline and ends by it: with the finished job, a
`JobFailedError` carrying HeyGen's reason, or a `WaitTimeoutError`. A poll that fails
for a passing reason (a network error, a 5xx, a 429, an open breaker: the stack has already
retried what it could) does not end the wait; any other error does.

Sleeping, the clock and the random jitter are injected, so tests never wait for real.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final, TypeVar

from heygen_pipeline.errors import (
    CircuitOpenError,
    HeyGenError,
    JobFailedError,
    RateLimitError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)
from heygen_pipeline.resources._checks import check_seconds
from heygen_pipeline.typing import Clock, Random, Sleep

T = TypeVar("T")

BACKOFF_FACTOR: Final = 1.5
"""Each wait between polls is this much longer than the one before (up to ``max_poll``)."""
JITTER: Final = 0.25
"""Waits are spread over ``[1 - JITTER, 1 + JITTER]`` times the nominal wait."""
TRANSIENT: Final = (TransportError, ServerError, RateLimitError, CircuitOpenError)
"""Errors of a single poll that do not end a wait (the next poll may well succeed)."""


def poll_delay(number: int, *, poll: float, max_poll: float, jitter: float) -> float:
    """The wait after poll ``number`` (1-based): a pure function.

    ``poll * BACKOFF_FACTOR ** (number - 1)``, capped at ``max_poll``, then spread by the
    jitter sample ``jitter`` in ``[0, 1]`` over ``[1 - JITTER, 1 + JITTER]`` times that.
    """
    exponent = min(number - 1, 64)  # 1.5 ** 64 is already far past any cap
    nominal = min(max_poll, poll * BACKOFF_FACTOR**exponent)
    return nominal * (1 - JITTER + 2 * JITTER * min(max(jitter, 0.0), 1.0))


def max_polls(timeout: float, poll: float) -> int:
    """An upper bound on polls within ``timeout``, so the loop ends even if time stands still."""
    return math.ceil(timeout / (poll * (1 - JITTER))) + 2


def check_wait_args(timeout: float, poll: float, max_poll: float) -> None:
    """Fail at once on a timeout or poll interval that cannot bound the wait."""
    for name, value in (("timeout", timeout), ("poll", poll), ("max_poll", max_poll)):
        check_seconds(value, name)
    if max_poll < poll:
        msg = f"max_poll ({max_poll!r}) must be >= poll ({poll!r})"
        raise ValueError(msg)


def job_failure(
    what: str, job_id: str, status: str | None, reason: str | None, request_id: str | None
) -> JobFailedError:
    """The error for a failed job (HeyGen's message, or that it gave none)."""
    message = (
        f"the {what} {job_id} failed: {reason}"
        if reason
        else f"the {what} {job_id} failed, and HeyGen gave no reason"
    )
    return JobFailedError(
        message,
        code=None,
        request_id=request_id,
        job_id=job_id,
        job_status=status,
        failure_message=reason,
    )


def wait_for(
    fetch: Callable[[float], T],
    *,
    finished: Callable[[T], bool],
    failure: Callable[[T], JobFailedError | None],
    status: Callable[[T], str | None],
    what: str,
    job_id: str,
    timeout: float,
    poll: float,
    max_poll: float,
    on_progress: Callable[[T], None] | None,
    sleep: Sleep,
    clock: Clock,
    random: Random,
) -> T:
    """Poll ``fetch`` until the job finishes, fails, or ``timeout`` seconds pass.

    Args:
        fetch: one status call, given the seconds left (to bound that call too).
        finished: whether a status means the job completed.
        failure: the error for a failed job's status, or ``None`` if it did not fail.
        status: the status text of a result, for progress and timeout messages.
        what: what is awaited, such as ``"video"``, for messages.
        job_id: the job's id, for messages and errors.
        timeout: seconds from now until the wait gives up.
        poll: the first wait between polls, in seconds.
        max_poll: the longest wait between polls (before jitter).
        on_progress: called with each status polled; an exception from it ends the wait.
        sleep: waits between polls.
        clock: a monotonic clock the deadline is measured on.
        random: a sample in ``[0, 1)`` per wait, for the jitter.

    Returns:
        The last status, once the job finished.

    Raises:
        JobFailedError: the job failed (with HeyGen's reason, or saying none was given).
        WaitTimeoutError: the deadline came first (the last failed poll is its ``__cause__``).
        HeyGenError: a poll failed for a reason that will not pass (404, 401, ...).
    """
    check_wait_args(timeout, poll, max_poll)
    deadline = clock() + timeout
    last: T | None = None
    last_error: HeyGenError | None = None
    for number in range(1, max_polls(timeout, poll) + 1):
        left = deadline - clock()
        if left <= 0:
            break
        server_wait = 0.0
        try:
            current = fetch(left)
        except TRANSIENT as exc:
            last_error = exc
            server_wait = getattr(exc, "retry_after", None) or 0.0
        else:
            last, last_error = current, None
            if on_progress is not None:
                on_progress(current)
            error = failure(current)
            if error is not None:
                raise error
            if finished(current):
                return current
        delay = max(server_wait, poll_delay(number, poll=poll, max_poll=max_poll, jitter=random()))
        left = deadline - clock()
        if left <= 0:
            break
        sleep(min(delay, left))
    last_status = status(last) if last is not None else None
    seen = f"last status: {last_status}" if last_status else "no successful poll"
    message = f"the {what} {job_id} did not finish within {timeout:g} s ({seen})"
    raise WaitTimeoutError(
        message, job_id=job_id, last_status=last_status, timeout=timeout
    ) from last_error
