"""What the retrying middleware decides, what it tells inner layers, and what it reports.

The backoff middleware owns the retry decision. Inner middlewares see only an immutable
`Attempt` (which attempt this is, out of how many) under the `ATTEMPT` extension key; the
decision itself is reported outward, after it is made, as a `RetryReport` to the backoff's
hooks and in its own ``http_retry`` event. No layer computes another layer's policy.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from heygen_pipeline._models import ExtensionKey, Request
from heygen_pipeline.typing import Outcome

__all__ = ["ATTEMPT", "Attempt", "Outcome", "RetryDecision", "RetryHook", "RetryReport"]


@attrs.frozen
class RetryDecision:
    """Whether to try again, after how many seconds, and why (for logs and errors)."""

    retry: bool
    delay: float = 0.0
    reason: str = ""
    gave_up: bool = False
    """True when the outcome was worth retrying but a limit stopped it (attempts, deadline,
    a one-shot body, a ``Retry-After`` over the cap)."""


@attrs.frozen(repr=False)
class Attempt:
    """The attempt in progress, as inner layers see it: its 1-based number and the maximum."""

    number: int
    max_attempts: int

    @property
    def is_last(self) -> bool:
        """Whether no further attempt may follow this one."""
        return self.number >= self.max_attempts

    def __repr__(self) -> str:
        """Attempt number out of the maximum."""
        return f"Attempt({self.number}/{self.max_attempts})"


ATTEMPT: ExtensionKey[Attempt] = ExtensionKey("heygen_pipeline.attempt")
"""The extension key under which the current `Attempt` travels on a request."""


@attrs.frozen
class RetryReport:
    """One decision of the backoff, as its hooks receive it (after the decision is made)."""

    request: Request
    """The request of this attempt, as the backoff sent it inward."""
    outcome: Outcome
    """What the attempt produced."""
    attempt: Attempt
    """Which attempt it was."""
    decision: RetryDecision
    """What the backoff does next."""


RetryHook = Callable[[RetryReport], None]
"""Called by the backoff with each decision on an attempt that did not succeed."""
