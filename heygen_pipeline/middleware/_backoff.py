"""BackoffMiddleware: retries with jittered exponential backoff, Retry-After and a deadline.

It loops over attempts (never recursing): before each one it checks the deadline, shrinks the
attempt's timeouts to the time left, draws the jitter sample and attaches an immutable
[Attempt][heygen_pipeline.middleware.Attempt] (number, maximum) to the request for the
middlewares inside it. After each attempt that did not succeed it decides (`decide`, a pure
function), reports the decision to its hooks and in its own ``http_retry`` event, and acts on it.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Iterable
from typing import Any, Final, NoReturn, TypeVar

import attrs

from heygen_pipeline import _checks, errors
from heygen_pipeline._http import error_code
from heygen_pipeline._models import Request, Response, Timeout, excerpt
from heygen_pipeline._redact import scrub
from heygen_pipeline.errors import HeyGenError, RateLimitError
from heygen_pipeline.middleware import _events
from heygen_pipeline.middleware._backoff_policy import (
    RETRY_AFTER_EXCEEDS_CAP,
    SUCCESS_DECISIONS,
    AttemptRecord,
    BackoffPolicy,
    decide,
)
from heygen_pipeline.middleware._context import (
    ATTEMPT,
    Attempt,
    Outcome,
    RetryDecision,
    RetryHook,
    RetryReport,
)
from heygen_pipeline.middleware._events import EventLogger
from heygen_pipeline.typing import Clock, Handler, Random, Sleep

__all__ = ["RETRY_EVENT", "BackoffMiddleware"]

_T = TypeVar("_T")

RETRY_EVENT: Final = "http_retry"
"""The name of the backoff's own event: WARNING when it retries, ERROR when it gives up."""


def _instance_or_default(name: str, kind: type[_T], value: object) -> _T:
    """``value`` if it is a ``kind``, a default ``kind()`` for None; a ``TypeError`` else."""
    if value is None:
        return kind()
    if not isinstance(value, kind):
        msg = f"{name} must be a {kind.__name__}, not {type(value).__name__}"
        raise TypeError(msg)
    return value


def _policy(value: object) -> BackoffPolicy:
    return _instance_or_default("policy", BackoffPolicy, value)


def _timeout(value: object) -> Timeout:
    return _instance_or_default("default_timeout", Timeout, value)


def _callable(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _checks.callable_(attribute.name, value)


def _logger(value: object) -> EventLogger:
    return _events.default_logger() if value is None else _events.check_logger(value)


def _hooks(value: Iterable[RetryHook]) -> tuple[RetryHook, ...]:
    if callable(value):
        return (value,)  # one hook given alone
    hooks = tuple(value)
    for hook in hooks:
        if not callable(hook):
            msg = f"hooks must be callables taking a RetryReport, not {type(hook).__name__}"
            raise TypeError(msg)
    return hooks


@attrs.frozen(repr=False)
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
    - Every decision on an attempt that did not succeed goes to ``hooks`` as a `RetryReport`;
      a retry is logged as a WARNING ``http_retry`` event, giving up on a retryable failure
      (attempts, deadline, cap) as an ERROR one.
    - When it stops, it returns the last response (429 and 5xx included: the ``envelope``
      middleware outside turns those into typed errors) or re-raises the last error.

    Sleeping, both clocks and the random source are injected so tests never wait. A frozen
    value: derive variants with ``attrs.evolve``.
    """

    policy: BackoffPolicy = attrs.field(default=None, converter=_policy)
    """What to retry and how long to wait (default: `BackoffPolicy`())."""
    sleep: Sleep = attrs.field(default=time.sleep, kw_only=True, validator=_callable)
    """Waits between attempts."""
    clock: Clock = attrs.field(default=time.monotonic, kw_only=True, validator=_callable)
    """A monotonic clock; ``RequestOptions.deadline`` is an instant on it."""
    wall_clock: Clock = attrs.field(default=time.time, kw_only=True, validator=_callable)
    """Unix time, to read HTTP-date ``Retry-After`` values."""
    random: Random = attrs.field(default=_random.random, kw_only=True, validator=_callable)
    """A sample from ``[0, 1)`` per attempt, for the jitter."""
    default_timeout: Timeout = attrs.field(default=None, kw_only=True, converter=_timeout)
    """The timeouts shrunk to fit a deadline when the request sets none (keep it equal to the
    transport's default)."""
    logger: EventLogger = attrs.field(
        default=None, kw_only=True, converter=_logger, eq=False, repr=False
    )
    """Where ``http_retry`` events go (default: the library's logger, silent until the
    application configures structlog or stdlib logging)."""
    hooks: tuple[RetryHook, ...] = attrs.field(default=(), kw_only=True, converter=_hooks)
    """Called with a `RetryReport` for each decision on an attempt that did not succeed."""
    _concrete: bool = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        """Remember whether the logger is used as is or bound per event."""
        object.__setattr__(self, "_concrete", _events.is_concrete(self.logger))

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
                left = deadline - self.clock()
                if left <= 0:
                    return _stop_at_deadline(request, last)
                timeout = _shrink(timeout or self.default_timeout, left)
            jitter = self.random()
            attempt = Attempt(number, max_attempts)
            sent = request.evolve(
                options=options.evolve(
                    timeout=timeout,
                    extensions={**extensions, ATTEMPT: attempt}
                    if extensions
                    else {ATTEMPT: attempt},
                )
            )
            try:
                outcome: Outcome = call_next(sent)
            except HeyGenError as exc:  # anything else is a bug or an interrupt: let it fly
                outcome = exc
            if isinstance(outcome, Response) and outcome.status in SUCCESS_DECISIONS:
                return outcome  # a 2xx is never retried: no clock read, nothing to report
            decision = decide(
                self.policy,
                request,
                history,
                outcome,
                now=self.clock(),
                now_epoch=self.wall_clock(),
                deadline=deadline,
                jitter=jitter,
            )
            self._report(RetryReport(sent, outcome, attempt, decision))
            if not decision.retry:
                return _finish(request, outcome, decision, self.policy.max_delay)
            if isinstance(outcome, Response):
                outcome.close()  # give a streamed connection back before waiting
            history.append(AttemptRecord.of(outcome, decision.delay))
            last = outcome
            self.sleep(decision.delay)
        return _stop_at_deadline(request, last)  # only reached if decide allowed too many

    def _report(self, report: RetryReport) -> None:
        """Tell the hooks, then log a retry (WARNING) or giving up (ERROR) as ``http_retry``."""
        for hook in self.hooks:
            hook(report)
        decision = report.decision
        if decision.retry:
            level = _events.WARNING
        elif decision.gave_up:
            level = _events.ERROR
        else:
            return  # not worth retrying: the logging middleware and the error say enough
        logger = _events.bound(self.logger, self._concrete)
        if _events.enabled(logger, level):
            getattr(logger, _events.LEVEL_NAMES[level])(RETRY_EVENT, **retry_fields(report))

    def __repr__(self) -> str:
        """The policy."""
        return f"BackoffMiddleware({self.policy!r})"


def retry_fields(report: RetryReport) -> dict[str, Any]:
    """The fields of an ``http_retry`` event: the attempt, its outcome and the decision."""
    request, attempt, decision = report.request, report.attempt, report.decision
    fields: dict[str, Any] = {
        "method": request.method,
        "url": _events.url_field(request.url),
        "attempt": attempt.number,
        "max_attempts": attempt.max_attempts,
    }
    _events.outcome_fields(fields, report.outcome)
    fields["retry"] = decision.retry
    if decision.retry:
        fields["retry_in"] = round(decision.delay, 3)
    elif decision.reason == RETRY_AFTER_EXCEEDS_CAP:
        fields["retry_after"] = round(decision.delay, 3)
    fields["reason"] = scrub(decision.reason)
    return fields


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
