"""The retry policy and the pure decision behind the backoff middleware.

`decide` answers "retry this outcome, and after how long?" from values alone: the
policy, the request, what happened on earlier attempts, the outcome, the time and a jitter
sample drawn in advance. No clock is read and nothing sleeps here, so the rules are
property-tested directly. Only the backoff middleware calls it; it reports what it decided.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Final

import attrs

from heygen_pipeline import _checks
from heygen_pipeline._http import error_code, is_replayable
from heygen_pipeline._models import Request, Response
from heygen_pipeline.errors import TransportError
from heygen_pipeline.middleware._context import Outcome, RetryDecision
from heygen_pipeline.middleware._retry_after import parse_retry_after

__all__ = [
    "DEFAULT_IDEMPOTENT_METHODS",
    "DEFAULT_RETRY_STATUSES",
    "RETRY_AFTER_EXCEEDS_CAP",
    "SUCCESS_DECISIONS",
    "AttemptRecord",
    "BackoffPolicy",
    "decide",
    "error_code",
    "is_replay_safe",
]

RETRY_AFTER_EXCEEDS_CAP: Final = "retry_after_exceeds_cap"
"""The reason of a decision that gives up because the server asked for a wait over the cap."""

DEFAULT_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
"""Statuses retried by default; 429 for any method, the others only where a replay is safe."""
DEFAULT_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
"""Methods that RFC 9110 defines as idempotent (PATCH and POST are not)."""

_TOO_MANY_REQUESTS: Final = 429
_CONFLICT: Final = 409
_IN_PROGRESS: Final = "request_in_progress"
_MAX_EXPONENT: Final = 1024


def _attempts(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"max_attempts must be an int, not {type(value).__name__}"
        raise TypeError(msg)
    if value < 1:
        msg = f"max_attempts must be >= 1 (1 disables retries), not {value}"
        raise ValueError(msg)
    return value


def _statuses(value: Iterable[int]) -> frozenset[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        msg = f"retry_statuses must be a collection of ints, not {type(value).__name__}"
        raise TypeError(msg)
    result = frozenset(value)
    for status in result:
        if isinstance(status, bool) or not isinstance(status, int):
            msg = f"retry_statuses must hold ints, not {type(status).__name__} ({status!r})"
            raise TypeError(msg)
        if not 100 <= status <= 599:  # noqa: PLR2004 - the range of HTTP statuses
            msg = f"retry_statuses holds {status}, which is not an HTTP status (100-599)"
            raise ValueError(msg)
    return result


def _methods(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        msg = f"idempotent_methods must be a collection of str, not {type(value).__name__}"
        raise TypeError(msg)
    result = set()
    for method in value:
        if not isinstance(method, str):
            msg = f"idempotent_methods must hold str, not {type(method).__name__} ({method!r})"
            raise TypeError(msg)
        result.add(method.upper())
    return frozenset(result)


def _at_least(minimum: float) -> Callable[[object, attrs.Attribute[float], object], None]:
    """An attrs validator: the field is a finite number >= ``minimum`` (not a bool)."""

    def check(_inst: object, attribute: attrs.Attribute[float], value: object) -> None:
        _checks.number(attribute.name, value, minimum=minimum)

    return check


def _flag(_inst: object, attribute: attrs.Attribute[bool], value: object) -> None:
    _checks.flag(attribute.name, value)


@attrs.frozen
class BackoffPolicy:
    """How many attempts, how long to wait between them, and what is worth retrying.

    The defaults are those of HeyGen's official CLI: 3 attempts (2 retries), waits of
    1 s, 2 s, 4 s ... times a jitter factor drawn from ``[0.75, 1.25]``, each wait capped at
    30 s; 429, 500, 502, 503 and 504 are retried, and the server's ``Retry-After`` is honoured.
    """

    max_attempts: int = attrs.field(default=3, converter=_attempts)
    """Attempts in all, the first included (``RequestOptions.max_attempts`` overrides it)."""
    base: float = attrs.field(default=1.0, validator=_at_least(0))
    """The first wait, in seconds, before jitter."""
    multiplier: float = attrs.field(default=2.0, validator=_at_least(1))
    """Each further wait is this many times the one before."""
    max_delay: float = attrs.field(default=30.0, validator=_at_least(0))
    """No single wait is longer; a server asking for more gets a ``RateLimitError`` at once."""
    jitter_min: float = attrs.field(default=0.75, validator=_at_least(0))
    """The lower bound of the jitter factor, drawn uniformly from ``[jitter_min, jitter_max]``."""
    jitter_max: float = attrs.field(default=1.25, validator=_at_least(0))
    """The upper bound of the jitter factor."""
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=_statuses
    )
    """Statuses worth retrying: 429 for any method, the rest only where a replay is safe."""
    idempotent_methods: frozenset[str] = attrs.field(
        default=DEFAULT_IDEMPOTENT_METHODS, converter=_methods
    )
    """Methods safe to repeat (upper-cased); a request with an ``Idempotency-Key`` is too."""
    respect_retry_after: bool = attrs.field(default=True, validator=_flag)
    """Wait what ``Retry-After`` / ``retry-after-ms`` asks instead of the computed backoff."""

    def __attrs_post_init__(self) -> None:
        """Check the fields against each other."""
        if self.jitter_min > self.jitter_max:
            msg = f"jitter_min ({self.jitter_min:g}) must be <= jitter_max ({self.jitter_max:g})"
            raise ValueError(msg)

    def backoff(self, retry_number: int, jitter: float) -> float:
        """The wait before retry ``retry_number`` (1 for the first) with jitter, capped.

        ``jitter`` is a sample from ``[0, 1]`` (``random.random()``); values outside are clamped.
        """
        if self.base == 0:
            return 0.0
        sample = min(max(jitter, 0.0), 1.0) if math.isfinite(jitter) else 0.5
        factor = self.jitter_min + sample * (self.jitter_max - self.jitter_min)
        exponent = min(max(retry_number - 1, 0), _MAX_EXPONENT)
        try:
            raw = min(self.base * self.multiplier**exponent, self.max_delay)
        except OverflowError:
            raw = self.max_delay
        return min(raw * factor, self.max_delay)


def _nonneg_seconds(_inst: object, _attr: object, value: float) -> None:
    _checks.number("delay", value, minimum=0)


@attrs.frozen
class AttemptRecord:
    """What an earlier attempt left behind, as far as the next decision cares."""

    outcome: str
    """A short label of the outcome, such as ``"HTTP 503"`` or ``"ConnectError"``."""
    sent: bool
    """Whether the request (and its body) may have reached the server."""
    delay: float = attrs.field(default=0.0, validator=_nonneg_seconds)
    """The wait, in seconds, that followed it."""

    @classmethod
    def of(cls, outcome: Outcome, delay: float) -> AttemptRecord:
        """The record of ``outcome`` followed by a wait of ``delay`` seconds."""
        if isinstance(outcome, Response):
            return cls(f"HTTP {outcome.status}", sent=True, delay=delay)
        sent = not isinstance(outcome, TransportError) or outcome.sent
        return cls(type(outcome).__name__, sent=sent, delay=delay)


def is_replay_safe(policy: BackoffPolicy, request: Request) -> bool:
    """Whether repeating ``request`` after it reached the server cannot do harm twice.

    ``RequestOptions.idempotent`` decides when set; otherwise an idempotent method or an
    ``Idempotency-Key`` (which the server deduplicates) makes a replay safe.
    """
    explicit = request.options.idempotent
    if explicit is not None:
        return explicit
    return request.method in policy.idempotent_methods or request.idempotency_key is not None


def _classify(policy: BackoffPolicy, request: Request, outcome: Outcome) -> tuple[bool, str]:
    """``(worth retrying, why)`` for the outcome alone, before attempts, body and time."""
    if isinstance(outcome, Response):
        status = outcome.status
        if status == _TOO_MANY_REQUESTS and status in policy.retry_statuses:
            return True, "rate limited (HTTP 429)"
        keyed = request.idempotency_key is not None
        if status == _CONFLICT and keyed and error_code(outcome) == _IN_PROGRESS:
            return True, "the first request with this Idempotency-Key is still in progress"
        if outcome.is_success:
            return False, f"success (HTTP {status})"
        if status not in policy.retry_statuses:
            return False, f"HTTP {status} is not retried"
        if not is_replay_safe(policy, request):
            return False, (
                f"HTTP {status} after a {request.method} that is not idempotent and has no "
                "Idempotency-Key: a retry could repeat its effect"
            )
        return True, f"HTTP {status}"
    if not isinstance(outcome, TransportError):
        return False, f"{type(outcome).__name__} is not retried"
    if not outcome.sent:
        return True, f"{type(outcome).__name__} before anything was sent"
    if not is_replay_safe(policy, request):
        return False, (
            f"{type(outcome).__name__} after a {request.method} that is not idempotent and "
            "has no Idempotency-Key may have reached the server: a retry could repeat its effect"
        )
    return True, type(outcome).__name__


SUCCESS_DECISIONS: Final[Mapping[int, RetryDecision]] = MappingProxyType(
    {
        status: RetryDecision(retry=False, reason=f"success (HTTP {status})")
        for status in range(200, 300)
    }
)
"""The decision for every 2xx (never retried, whatever the policy, clock or jitter), made once.

`decide` returns these; the backoff middleware looks them up itself to skip reading its clocks.
"""


def decide(
    policy: BackoffPolicy,
    request: Request,
    history: Sequence[AttemptRecord],
    outcome: Outcome,
    *,
    now: float,
    now_epoch: float,
    deadline: float | None,
    jitter: float,
) -> RetryDecision:
    """Whether to retry after ``outcome``, and after how many seconds: a pure function.

    Args:
        policy: the retry policy.
        request: the request as the caller made it (its options may override the policy).
        history: the earlier attempts of this call, oldest first.
        outcome: what this attempt (number ``len(history) + 1``) produced.
        now: the current time on the clock ``deadline`` is measured on.
        now_epoch: the current wall-clock time (Unix seconds), for HTTP-date ``Retry-After``.
        deadline: the instant no attempt may start after, or ``None``.
        jitter: a sample from ``[0, 1]`` drawn for this attempt.

    Returns:
        ``retry=True`` with the wait, or ``retry=False`` with the reason. When the server asks
        for a wait over the cap the reason is `RETRY_AFTER_EXCEEDS_CAP` and ``delay`` is
        the wait it asked for: the middleware raises ``RateLimitError`` instead of sleeping.
    """
    if isinstance(outcome, Response):
        success = SUCCESS_DECISIONS.get(outcome.status)
        if success is not None:  # what _classify says of any 2xx, without building it again
            return success
    worth, why = _classify(policy, request, outcome)
    if not worth:
        return RetryDecision(retry=False, reason=why)
    sent = AttemptRecord.of(outcome, 0.0).sent
    if not is_replayable(request.body) and (sent or any(r.sent for r in history)):
        return RetryDecision(
            retry=False,
            reason=f"{why}, but the body is a one-shot stream that was sent and cannot be replayed",
            gave_up=True,
        )
    number = len(history) + 1
    max_attempts = request.options.max_attempts or policy.max_attempts
    if number >= max_attempts:
        return RetryDecision(
            retry=False, reason=f"{why}; out of attempts ({number} of {max_attempts})", gave_up=True
        )
    asked = None
    if policy.respect_retry_after and isinstance(outcome, Response):
        asked = parse_retry_after(outcome.headers, now_epoch=now_epoch)
    if asked is not None and asked > policy.max_delay:
        if isinstance(outcome, Response) and outcome.status == _TOO_MANY_REQUESTS:
            return RetryDecision(
                retry=False, delay=asked, reason=RETRY_AFTER_EXCEEDS_CAP, gave_up=True
            )
        return RetryDecision(
            retry=False,
            delay=asked,
            reason=f"{why}; the server asked to wait {asked:g} s, more than the "
            f"{policy.max_delay:g} s cap",
            gave_up=True,
        )
    delay = asked if asked is not None else policy.backoff(number, jitter)
    if deadline is not None and now + delay >= deadline:
        return RetryDecision(
            retry=False,
            reason=f"{why}; waiting {delay:.3g} s would pass the deadline",
            gave_up=True,
        )
    source = "as Retry-After asks" if asked is not None else "backoff"
    return RetryDecision(
        retry=True, delay=delay, reason=f"{why}; retrying in {delay:.3g} s ({source})"
    )
