"""Retries with backoff: Retry-After in its forms, the cap, safe and unsafe retries, deadlines.

Runs against an embedded FakeHeyGen (no key, no network). The backoff middleware gets a sleep
that records the wait instead of waiting, a fixed wall clock (for HTTP-date values) and a fixed
jitter sample, so every wait printed below is exact and the script ends at once. It shows:

1. how ``parse_retry_after`` reads the forms servers send (seconds, float, HTTP-date,
   ``retry-after-ms``) and ignores garbage;
2. a GET rate limited three times, each 429 asking for its wait in another form: the middleware
   waits exactly what each asks, then succeeds;
3. a 429 asking for longer than the policy's cap (30 s): ``RateLimitError`` at once, carrying
   ``retry_after``, instead of a long sleep;
4. 5xx without ``Retry-After``: jittered exponential backoff (1 s, 2 s, ...) for a GET; a POST
   without an ``Idempotency-Key`` is not retried; a POST to a v3 create endpoint, which the
   client keys automatically, is retried with the same key and creates one video;
5. a deadline across attempts (``total_timeout``): no wait that would pass it.
"""

from __future__ import annotations

import logging
from email.utils import formatdate

import structlog

from heygen_pipeline import HeyGenClient, RateLimitError, ServerError, default_stack
from heygen_pipeline.middleware import BackoffMiddleware, BackoffPolicy, parse_retry_after
from heygen_pipeline.testing import FakeHeyGen, Fault

NOW = 1_800_000_000.0
"""The wall clock the backoff reads HTTP-date values against."""
VIDEO = {"type": "avatar", "avatar_id": "a-1", "voice_id": "v-1", "script": "Hello!"}


def show_parsing() -> None:
    print("1. Retry-After values, in seconds:")
    for headers in (
        {"Retry-After": "120"},
        {"Retry-After": "1.5"},
        {"Retry-After": formatdate(NOW + 90, usegmt=True)},
        {"Retry-After": formatdate(NOW - 90, usegmt=True)},
        {"Retry-After": "9", "retry-after-ms": "1500"},
        {"Retry-After": "soon"},
        {"Retry-After": "-1"},
    ):
        print(f"   {headers!s:<55} -> {parse_retry_after(headers, now_epoch=NOW)}")


def main() -> None:
    # This script prints what it shows; silence the library's own log events (structlog's
    # default configuration prints them all; see logging_redaction.py for logging).
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    show_parsing()
    waits: list[float] = []
    backoff = BackoffMiddleware(
        BackoffPolicy(max_attempts=4),
        sleep=waits.append,
        wall_clock=lambda: NOW,
        random=lambda: 0.5,  # the middle of the jitter range: a factor of exactly 1.0
    )
    stack = default_stack().replace("backoff", backoff)
    with (
        FakeHeyGen() as fake,
        HeyGenClient(fake.api_key, base_url=fake.base_url, stack=stack) as client,
    ):
        print("2. three 429s, each with its own Retry-After")
        fake.inject(
            "GET",
            "/v3/users/me",
            Fault.rate_limited("0.25"),
            Fault.rate_limited(formatdate(NOW + 2, usegmt=True)),
            Fault.rate_limited(None, retry_after_ms="1500"),
        )
        me = client.get("/v3/users/me")
        print(f"   waited {waits} s, then got user {me['username']}")

        print("3. a 429 asking for two minutes, over the 30 s cap")
        waits.clear()
        fake.inject("GET", "/v3/users/me", Fault.rate_limited("120"))
        try:
            client.get("/v3/users/me")
        except RateLimitError as exc:
            print(f"   RateLimitError at once: retry_after={exc.retry_after}, waits={waits}")

        print("4. 5xx: backoff where a retry is safe")
        waits.clear()
        fake.inject("GET", "/v3/users/me", *[Fault.server_error(503)] * 3)
        client.get("/v3/users/me")
        print(f"   GET after three 503s: waited {waits} s, then succeeded")

        waits.clear()
        fake.inject("POST", "/v2/video/generate", Fault.server_error(503))
        try:
            client.post("/v2/video/generate", json={"video_inputs": [{}]})
        except ServerError as exc:
            print(f"   POST without Idempotency-Key: {exc.status}, not retried (waits={waits})")

        fake.inject("POST", "/v3/videos", Fault.server_error(503), Fault.server_error(502))
        video = client.post("/v3/videos", json=VIDEO)
        keys = {r.header("Idempotency-Key") for r in fake.requests_for("POST", "/v3/videos")}
        print(f"   POST /v3/videos: retried with one key {keys}; created {video['video_id']}")
        print(f"   videos created per key: {fake.creations_by_key}")

        print("5. a deadline across attempts")
        waits.clear()
        fake.inject("GET", "/v3/users/me", *[Fault.server_error(503)] * 3)
        try:
            client.get("/v3/users/me", total_timeout=1.5)
        except ServerError as exc:
            print(f"   waited {waits} s; the next 2 s wait would pass the deadline: {exc.status}")


if __name__ == "__main__":
    main()
