"""BackoffMiddleware: retries with jittered exponential backoff, Retry-After and a deadline.

It loops over attempts (never recursing): before each one it checks the deadline, shrinks the
attempt's timeouts to the time left, draws the jitter sample and attaches an
[Attempt][heygen_pipeline.middleware.Attempt] to the request, so the middlewares inside it
(logging above all) know the attempt number and can ask for the very decision this middleware
will act on. What to do about an outcome is `decide`'s business, a pure function.
"""

from __future__ import annotations

import random as _random
import time
from functools import partial
from typing import NoReturn

from heygen_pipeline import errors
from heygen_pipeline._models import Request, Response, Timeout, excerpt
from heygen_pipeline.errors import HeyGenError, RateLimitError
from heygen_pipeline.middleware._backoff_policy import (
    RETRY_AFTER_EXCEEDS_CAP,
    SUCCESS_DECISIONS,
    AttemptRecord,
    BackoffPolicy,
    decide,
    error_code,
)
from heygen_pipeline.middleware._context import ATTEMPT, Attempt, Outcome, RetryDecision
from heygen_pipeline.typing import Clock, Handler, Random, Sleep

__all__ = ["BackoffMiddleware"]


class BackoffMiddleware:
    """Retry what is safe to retry, waiting as the server asks or with jittered backoff.

    - 429 is retried for any method (the server did not act on the request); 5xx, timeouts and
      broken connections only for idempotent methods or requests with an ``Idempotency-Key``
      (sent unchanged on every attempt); a connection refused before anything was sent is
      retried for any method. A keyed request answered 409 ``request_in_progress`` is waited
      out and sent again with the same key.
    - ``Retry-After`` (seconds, float, HTTP-date, ``retry-after-ms``) is honoured up to the
      policy's cap; a server asking for longer gets a ``RateLimitError`` with ``retry_after``
      at once, instead of a long sleep. Missing or odd values fall back to the backoff.
    - ``RequestOptions.deadline`` (on ``clock``) bounds the whole call: no wait runs past it,
      no attempt starts after it, and each attempt's timeouts shrink to the time left.
    - When it stops, it returns the last response (429 and 5xx included: the ``envelope``
      middleware outside turns those into typed errors) or re-raises the last error.

    Sleeping, both clocks and the random source are injected so tests never wait.
    """

    __slots__ = ("_clock", "_default_timeout", "_random", "_sleep", "_wall_clock", "policy")

    def __init__(
        self,
        policy: BackoffPolicy | None = None,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        random: Random = _random.random,
        default_timeout: Timeout | None = None,
    ) -> None:
        """Configure the retries.

        Args:
            policy: what to retry and how long to wait (default: `BackoffPolicy`()).
            sleep: waits between attempts.
            clock: a monotonic clock; ``RequestOptions.deadline`` is an instant on it.
            wall_clock: Unix time, to read HTTP-date ``Retry-After`` values.
            random: a sample from ``[0, 1)`` per attempt, for the jitter.
            default_timeout: the timeouts shrunk to fit a deadline when the request sets none
                (keep it equal to the transport's default; ``Timeout()`` when not given).
        """
        policy = BackoffPolicy() if policy is None else policy
        if not isinstance(policy, BackoffPolicy):
            msg = f"policy must be a BackoffPolicy, not {type(policy).__name__}"
            raise TypeError(msg)
        for name, value in (
            ("sleep", sleep),
            ("clock", clock),
            ("wall_clock", wall_clock),
            ("random", random),
        ):
            if not callable(value):
                msg = f"{name} must be callable, not {type(value).__name__}"
                raise TypeError(msg)
        default_timeout = Timeout() if default_timeout is None else default_timeout
        if not isinstance(default_timeout, Timeout):
            msg = f"default_timeout must be a Timeout, not {type(default_timeout).__name__}"
            raise TypeError(msg)
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._random = random
        self._default_timeout = default_timeout

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Send ``request`` through ``call_next`` until it succeeds or retrying must stop."""
        options = request.options
        max_attempts = options.max_attempts or self.policy.max_attempts
        deadline = options.deadline
        extensions = options.extensions
        history: list[AttemptRecord] = []
        last: Outcome | None = None
        for number in range(1, max_attempts + 1):
            timeout = options.timeout
            if deadline is not None:
                left = deadline - self._clock()
                if left <= 0:
                    return _stop_at_deadline(request, last)
                timeout = _shrink(timeout or self._default_timeout, left)
            attempt = Attempt(
                number,
                max_attempts,
                partial(self._decide, request, tuple(history) if history else (), self._random()),
            )
            attempt_options = options._for_attempt(
                timeout, {**extensions, ATTEMPT: attempt} if extensions else {ATTEMPT: attempt}
            )
            try:
                outcome: Outcome = call_next(request._replace(request.headers, attempt_options))
            except HeyGenError as exc:  # anything else is a bug or an interrupt: let it fly
                outcome = exc
            decision = attempt.decision(outcome)
            if not decision.retry:
                return _finish(request, outcome, decision, self.policy.max_delay)
            if isinstance(outcome, Response):
                outcome.close()  # give a streamed connection back before waiting
            history.append(AttemptRecord.of(outcome, decision.delay))
            last = outcome
            self._sleep(decision.delay)
        return _stop_at_deadline(request, last)  # only reached if decide allowed too many

    def _decide(
        self, request: Request, history: tuple[AttemptRecord, ...], jitter: float, outcome: Outcome
    ) -> RetryDecision:
        """The decision for one attempt's outcome, with the clocks read now."""
        if isinstance(outcome, Response):
            success = SUCCESS_DECISIONS.get(outcome.status)
            if success is not None:  # what decide answers for any 2xx: no clock to read
                return success
        return decide(
            self.policy,
            request,
            history,
            outcome,
            now=self._clock(),
            now_epoch=self._wall_clock(),
            deadline=request.options.deadline,
            jitter=jitter,
        )

    def __repr__(self) -> str:
        """The policy."""
        return f"BackoffMiddleware({self.policy!r})"


def _shrink(timeout: Timeout, left: float) -> Timeout:
    """``timeout`` with connect and read no longer than ``left`` seconds."""
    connect = left if timeout.connect is None else min(timeout.connect, left)
    read = left if timeout.read is None else min(timeout.read, left)
    return Timeout(connect=connect, read=read)


def _finish(request: Request, outcome: Outcome, decision: RetryDecision, cap: float) -> Response:
    """Return or raise the final outcome; an over-cap Retry-After becomes ``RateLimitError``."""
    if isinstance(outcome, Response):
        if decision.reason == RETRY_AFTER_EXCEEDS_CAP:
            _raise_over_cap(request, outcome, decision.delay, cap)
        return outcome
    raise outcome


def _raise_over_cap(request: Request, response: Response, asked: float, cap: float) -> NoReturn:
    """Raise the ``RateLimitError`` for a server that asked to wait longer than the cap."""
    content = response.content
    response.close()
    raise RateLimitError(
        f"the server asked to wait {asked:g} s before retrying, more than the {cap:g} s cap "
        "of the backoff policy; not waiting that long",
        status=response.status,
        code=error_code(response),
        retry_after=asked,
        request_id=response.request_id,
        body_excerpt=excerpt(content) if content else None,
        request=request,
        response=response,
    )


def _stop_at_deadline(request: Request, last: Outcome | None) -> Response:
    """Give back the last outcome, or fail if the deadline passed before any attempt."""
    if last is None:
        error = errors.TimeoutError("the deadline passed before the first attempt", request=request)
        error.sent = False
        raise error
    if isinstance(last, Response):
        return last
    raise last
