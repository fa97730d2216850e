"""The circuit breaker during an outage: it opens, fails fast, lets a trial through, closes.

Runs against an embedded FakeHeyGen (no key, no network) whose ``/v3/users/me`` answers 503
for a while. The breaker gets a hand-driven clock and the backoff a sleep that returns at once,
so the script shows the whole cycle without waiting:

1. 404s and a 429 do not count: the server is answering, the breaker stays closed;
2. one GET meets three 503s: the backoff retries it, the breaker counts each attempt and
   opens on the third (``fail_max=3``); the call itself ends in ``ServerError``;
3. while open, calls fail at once with ``CircuitOpenError`` (and its ``retry_after``) without
   reaching the server;
4. after ``reset_timeout`` one trial call goes through; it succeeds and the breaker closes.
"""

from __future__ import annotations

import contextlib
import logging

import structlog

from heygen_pipeline import (
    CircuitOpenError,
    HeyGenClient,
    NotFoundError,
    ServerError,
    default_stack,
)
from heygen_pipeline.middleware import BackoffMiddleware, CircuitBreakerMiddleware
from heygen_pipeline.testing import FakeHeyGen, Fault


class ManualClock:
    """Wall-clock seconds that move only when told to."""

    def __init__(self) -> None:
        """Start at an arbitrary instant."""
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        """The current time."""
        return self.now


def fail_fast(client: HeyGenClient) -> CircuitOpenError:
    """Make a call that the open breaker refuses, and return its ``CircuitOpenError``."""
    try:
        client.get("/v3/users/me")
    except CircuitOpenError as exc:
        return exc
    msg = "the breaker let the call through"
    raise RuntimeError(msg)


def main() -> None:
    # This script prints what it shows; silence the library's own log events (structlog's
    # default configuration prints them all; see logging_redaction.py for logging).
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    clock = ManualClock()
    breaker = CircuitBreakerMiddleware(fail_max=3, reset_timeout=5.0, clock=clock)
    stack = (
        default_stack()
        .replace("breaker", breaker)
        .replace("backoff", BackoffMiddleware(sleep=lambda _seconds: None))
    )
    with (
        FakeHeyGen() as fake,
        HeyGenClient(fake.api_key, base_url=fake.base_url, stack=stack) as client,
    ):
        print("1. client errors and rate limits are answers, not failures")
        for _ in range(4):
            with contextlib.suppress(NotFoundError):
                client.get("/v3/videos/no-such-video")
        fake.inject("GET", "/v3/users/me", Fault.rate_limited("0"))
        client.get("/v3/users/me")
        print("   after four 404s and a 429, the breaker is", breaker.state)

        print("2. an outage: three 503s in a row")
        fake.clear_requests()
        fake.inject("GET", "/v3/users/me", *[Fault.server_error(503)] * 3)
        try:
            client.get("/v3/users/me")
        except ServerError as exc:
            print("   the call failed with", type(exc).__name__, exc.status)
        print(
            f"   {len(fake.requests)} attempts reached the server; the breaker is {breaker.state}"
        )

        print("3. while open, calls fail fast")
        fake.clear_requests()
        for _ in range(3):
            refused = fail_fast(client)
            print(f"   CircuitOpenError: {refused} (retry_after={refused.retry_after})")
        print("   requests that reached the server meanwhile:", len(fake.requests))

        print("4. after reset_timeout, a trial call")
        clock.now += 5.0
        me = client.get("/v3/users/me")
        print("   the trial succeeded for", me["username"], "and the breaker is", breaker.state)


if __name__ == "__main__":
    main()
