"""What the retrying middleware tells the middlewares inside it about the current attempt.

The backoff middleware attaches an `Attempt` to each attempt's request (under the
`ATTEMPT` extension key). Inner middlewares, logging above all, read the attempt number
and can ask what the backoff will decide about an outcome: the answer is computed once, by the
same pure function the backoff uses, and cached, so both see the same decision.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import attrs

from heygen_pipeline._models import ExtensionKey, Response


@attrs.frozen
class RetryDecision:
    """Whether to try again, after how many seconds, and why (for logs and errors)."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


Outcome = Response | BaseException
"""One attempt's result: a response, or the exception the inner stack raised."""


class Attempt:
    """The attempt in progress: its 1-based number and a cached view of the retry decision."""

    __slots__ = ("_cached", "_decide", "_lock", "max_attempts", "number")

    def __init__(
        self,
        number: int,
        max_attempts: int,
        decide: Callable[[Outcome], RetryDecision],
    ) -> None:
        """``decide`` is the backoff's pure decision for this attempt's outcome."""
        self.number = number
        self.max_attempts = max_attempts
        self._decide = decide
        self._lock = threading.Lock()
        # The outcome and its decision, replaced together in one assignment, so a reader
        # without the lock never pairs one outcome with another's decision.
        self._cached: tuple[Outcome, RetryDecision] | None = None

    def decision(self, outcome: Outcome) -> RetryDecision:
        """The decision for ``outcome``, computed once per outcome object and then cached."""
        cached = self._cached
        if cached is not None and cached[0] is outcome:
            return cached[1]  # asked again (the backoff after the logging): no lock needed
        with self._lock:
            cached = self._cached
            if cached is None or cached[0] is not outcome:
                cached = self._cached = (outcome, self._decide(outcome))
            return cached[1]

    def __repr__(self) -> str:
        """Attempt number out of the maximum."""
        return f"Attempt({self.number}/{self.max_attempts})"


ATTEMPT: ExtensionKey[Attempt] = ExtensionKey("heygen_pipeline.attempt")
"""The extension key under which the current `Attempt` travels on a request."""
