"""Reorder and extend the default stack: middleware of your own, where it belongs.

Runs against an embedded FakeHeyGen (no key, no network). Starting from ``default_stack()``,
the script builds a stack with:

- ``correlation``: a function middleware placed right inside ``envelope``, so it runs once per
  call: every attempt of a call carries the same ``X-Correlation-Id``;
- ``metrics``: an object middleware placed inside ``breaker``, so it runs once per attempt and
  per redirect hop: it counts statuses and reads the attempt number the backoff attaches;
- ``backoff`` replaced by one with another policy (5 attempts, no real sleeping);
- ``logging`` moved outside ``backoff``: one log line per call instead of one per attempt.

A call that meets a 429 and a 503 before it succeeds then shows what each middleware saw, and
the fake's records show the correlation id was the same on every attempt.
"""

from __future__ import annotations

import io
import itertools
import logging
from collections import Counter

import structlog

from heygen_pipeline import HeyGenClient, Request, Response, default_stack
from heygen_pipeline.middleware import (
    ATTEMPT,
    BackoffMiddleware,
    BackoffPolicy,
    LoggingMiddleware,
)
from heygen_pipeline.testing import FakeHeyGen, Fault
from heygen_pipeline.typing import Handler

_ids = itertools.count(1)


def correlation(request: Request, call_next: Handler) -> Response:
    """Give the call one id, the same on every attempt (it runs outside the retries)."""
    return call_next(request.with_headers({"X-Correlation-Id": f"call-{next(_ids)}"}))


class Metrics:
    """Count the statuses of every attempt (it runs inside the retries and the redirects)."""

    def __init__(self) -> None:
        """Start with no counts."""
        self.statuses: Counter[int] = Counter()
        self.attempts: list[int] = []

    def __call__(self, request: Request, call_next: Handler) -> Response:
        """Pass the request on and count what came back."""
        attempt = request.options.extension(ATTEMPT)
        self.attempts.append(attempt.number if attempt is not None else 0)
        response = call_next(request)
        self.statuses[response.status] += 1
        return response


def main() -> None:
    out = io.StringIO()
    logger = structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=[structlog.processors.KeyValueRenderer(key_order=["event", "status"])],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )
    metrics = Metrics()
    policy = BackoffPolicy(max_attempts=5, base=0.5, max_delay=10.0)
    stack = (
        default_stack()
        .insert_after("envelope", "correlation", correlation)
        .insert_after("breaker", "metrics", metrics)
        .replace("backoff", BackoffMiddleware(policy, sleep=lambda _seconds: None))
        .remove("logging")
        .insert_before("backoff", "logging", LoggingMiddleware(logger, log_headers=False))
    )
    print("default stack:", " -> ".join(default_stack().names))
    print("custom stack: ", " -> ".join(stack.names))

    with (
        FakeHeyGen() as fake,
        HeyGenClient(fake.api_key, base_url=fake.base_url, stack=stack) as client,
    ):
        fake.inject("GET", "/v3/users/me", Fault.rate_limited("0"), Fault.server_error(503))
        me = client.get("/v3/users/me")
        print()
        print("the call returned user", me["username"])
        print("metrics saw attempts", metrics.attempts, "with statuses", dict(metrics.statuses))
        ids = [r.header("X-Correlation-Id") for r in fake.requests_for("GET", "/v3/users/me")]
        print("correlation ids the server received:", ids)
        print("log lines (one per call, logging now sits outside backoff):")
        print(out.getvalue(), end="")


if __name__ == "__main__":
    main()
