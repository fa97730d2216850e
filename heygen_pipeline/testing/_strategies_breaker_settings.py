"""Hypothesis strategies for circuit breakers with every setting drawn (needs ``hypothesis``).

Each drawn `CircuitBreakerMiddleware` has random thresholds, timeout, name, excluded
exceptions, listeners, half-open limit, clock, logger and hosts, so that a test can check
that a breaker derived from it (`scoped_to`, `with_storage`) keeps every one of them.
"""

from __future__ import annotations

from typing import Any

import structlog
from hypothesis import strategies as st

from heygen_pipeline import _pybreaker as pb
from heygen_pipeline.errors import ConnectError, ReadTimeoutError, TLSError
from heygen_pipeline.middleware._breaker import CircuitBreakerMiddleware

__all__ = ["breaker_middlewares", "host_lists"]


class _Clock:
    """A fixed wall clock, distinct per draw (identity shows it was kept)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def host_lists() -> st.SearchStrategy[list[str] | None]:
    """``None`` (every host) or a few host names, some with a port."""
    name = st.from_regex(r"[a-z][a-z0-9]{0,8}\.(com|net|example)", fullmatch=True)
    entry = st.one_of(name, st.builds(lambda n, p: f"{n}:{p}", name, st.integers(1, 65535)))
    return st.one_of(st.none(), st.lists(entry, min_size=1, max_size=3))


def _breakers() -> st.SearchStrategy[Any]:
    """Breakers of pybreaker with every setting drawn, in memory."""
    excluded = st.lists(st.sampled_from([ConnectError, TLSError, ReadTimeoutError]), unique=True)
    listeners = st.lists(st.builds(pb.CircuitBreakerListener), max_size=2)
    options = st.builds(
        pb.BreakerOptions,
        fail_max=st.integers(1, 20),
        reset_timeout=st.floats(0, 600, allow_nan=False),
        success_threshold=st.integers(1, 5),
        name=st.text(alphabet="abcdefghij-", min_size=1, max_size=10),
        exclude=excluded.map(tuple),
        listeners=listeners.map(tuple),
        throw_new_error_on_trip=st.booleans(),
    )
    return options.map(lambda o: o.build())


def breaker_middlewares() -> st.SearchStrategy[CircuitBreakerMiddleware]:
    """Breakers with every setting random: thresholds, listeners, clock, logger, hosts."""
    return st.builds(
        CircuitBreakerMiddleware,
        _breakers(),
        half_open_max_calls=st.integers(1, 8),
        clock=st.floats(0, 2e9, allow_nan=False).map(_Clock),
        logger=st.text(max_size=5).map(lambda name: structlog.get_logger(f"breaker.{name}")),
        hosts=host_lists(),
    )
