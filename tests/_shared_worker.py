"""A worker process for the multi-process tests of heygen_pipeline.shared (not collected).

``python tests/_shared_worker.py SCENARIO CONFIG_JSON``: runs one scenario against the Redis
server and (for some) the FakeHeyGen of the test that started it, printing JSON lines on
stdout. Every wait here is bounded; the test kills workers that overrun.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time

import structlog
from structlog.testing import capture_logs

from heygen_pipeline import CircuitOpenError, HeyGenClient, HeyGenError, Request, default_stack
from heygen_pipeline.middleware import BackoffMiddleware, CircuitBreakerMiddleware
from heygen_pipeline.shared import (
    JobSlots,
    RedisBreakerStorage,
    connect,
    key_id,
    with_shared_state,
)
from heygen_pipeline.testing import make_response

REQUEST = Request("GET", "https://api.heygen.com/v2/avatars")
BOUND = 20.0
"""No wait in a worker lasts longer than this, in seconds."""


def emit(**fields) -> None:
    """Print one JSON line and flush it."""
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def pause(seconds: float) -> None:
    """A short wait between polls."""
    threading.Event().wait(seconds)


def wait_until(condition, what: str) -> None:
    """Poll ``condition()`` every 2 ms, for at most BOUND seconds."""
    deadline = time.monotonic() + BOUND
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        pause(0.002)


def barrier(redis, namespace: str, peers: int) -> None:
    """Wait until ``peers`` workers have reached the barrier."""
    key = f"{namespace}:test:ready"
    redis.incr(key)
    wait_until(lambda: int(redis.get(key) or 0) >= peers, "the other workers")


class Counting:
    """A transport answering ``status``, counting its calls."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.calls = 0

    def __call__(self, request):
        self.calls += 1
        return make_response(request, self.status)


def shared_breaker(config, redis) -> CircuitBreakerMiddleware:
    """The breaker every worker shares."""
    return CircuitBreakerMiddleware(
        fail_max=config["fail_max"],
        reset_timeout=config.get("reset_timeout", 30.0),
        storage=RedisBreakerStorage(redis, namespace=config["namespace"]),
        logger=structlog.get_logger("worker"),
    )


def refusal(mw, transport) -> CircuitOpenError | None:
    """The CircuitOpenError of one call, or None if the call went through."""
    try:
        mw(REQUEST, transport)
    except CircuitOpenError as exc:
        return exc
    return None


def breaker_follow(config) -> None:
    """Call through the shared breaker until it refuses; then 20 more calls, all refused?"""
    redis = connect(config["redis_url"])
    ns = config["namespace"]
    mw = shared_breaker(config, redis)
    transport = Counting(200)
    successes = []
    mw(REQUEST, transport)
    redis.incr(f"{ns}:test:ready")
    if config["mode"] == "barrier":
        wait_until(lambda: redis.exists(f"{ns}:test:opened"), "the breaker to be opened")
    else:
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            started = time.time()
            try:
                mw(REQUEST, transport)
            except CircuitOpenError:
                break
            successes.append(started)
            pause(0.002)
    before = transport.calls
    refusals = [refusal(mw, transport) for _ in range(20)]
    retry_after = [r.retry_after for r in refusals if r is not None]
    refused = len(retry_after)
    emit(
        successes=successes,
        calls_before=before,
        transport_calls_after=transport.calls - before,
        refused=refused,
        retry_after=retry_after,
        state=mw.state,
    )


def breaker_open(config) -> None:
    """Once the others are calling, open the shared breaker with fail_max 503s."""
    redis = connect(config["redis_url"])
    ns = config["namespace"]
    mw = shared_breaker(config, redis)
    wait_until(lambda: int(redis.get(f"{ns}:test:ready") or 0) >= config["peers"], "followers")
    transport = Counting(503)
    statuses = [mw(REQUEST, transport).status for _ in range(config["fail_max"])]
    opened = time.time()
    redis.set(f"{ns}:test:opened", "1")
    emit(statuses=statuses, transport_calls=transport.calls, opened=opened, state=mw.state)


def cooldown(config) -> None:
    """The first worker meets the 429; the others start once it is published, and must wait."""
    redis = connect(config["redis_url"])
    ns = config["namespace"]
    stack = with_shared_state(
        default_stack(base_url=config["base_url"]),
        redis,
        api_key_id=key_id(config["api_key"]),
        namespace=ns,
    )
    cooldown_key = stack["cooldown"].key
    with HeyGenClient(config["api_key"], base_url=config["base_url"], stack=stack) as client:
        barrier(redis, ns, config["peers"])
        if config["role"] == "first":
            started = time.time()
            client.get("/v2/avatars")
            emit(role="first", started=started, finished=time.time())
            return
        wait_until(lambda: redis.pttl(cooldown_key) > 0, "the 429 to be published")
        seen = time.time()
        calls = []
        for _ in range(2):
            started = time.time()
            client.get("/v2/avatars")
            calls.append([started, time.time()])
        emit(role="other", seen=seen, calls=calls)


def slots_cycle(config) -> None:
    """Acquire, hold briefly, release, many times; count holders in Redis alongside."""
    redis = connect(config["redis_url"])
    ns = config["namespace"]
    slots = JobSlots(
        redis,
        api_key_id=config["api_key_id"],
        limit=config["limit"],
        lease_seconds=config["lease"],
        namespace=ns,
        poll_interval=0.005,
        max_poll_interval=0.05,
    )
    barrier(redis, ns, config["peers"])
    counter = f"{ns}:test:holding"
    seen, intervals, waits = 0, [], []
    for number in range(config["cycles"]):
        asked = time.monotonic()
        slot = slots.acquire(timeout=BOUND, job_hint=f"cycle {number}")
        waits.append(time.monotonic() - asked)
        seen = max(seen, int(redis.incr(counter)))
        start = time.time()
        pause(random.uniform(config["hold"] / 2, config["hold"]))  # noqa: S311 - test timing
        end = time.time()
        redis.decr(counter)
        slot.release()
        intervals.append([start, end])
    emit(max_seen=seen, intervals=intervals, waits=waits)


def slots_hold(config) -> None:
    """Take a slot, bind it to a video, say so, then hang until killed."""
    redis = connect(config["redis_url"])
    slots = JobSlots(
        redis,
        api_key_id=config["api_key_id"],
        limit=config["limit"],
        lease_seconds=config["lease"],
        namespace=config["namespace"],
    )
    slot = slots.acquire(timeout=BOUND)
    slot.bind(config["video_id"])
    emit(holder=slot.holder, video_id=slot.video_id)
    pause(60.0)  # the test kills us long before this


def serve(config) -> None:
    """Answer commands: each ``run`` makes ``n`` requests (slot + GET) and reports how they went."""
    redis = connect(config["redis_url"])
    ns, on_error = config["namespace"], config["on_error"]
    stack = with_shared_state(
        default_stack().replace("backoff", BackoffMiddleware(sleep=lambda _s: None)),
        redis,
        api_key_id=key_id(config["api_key"]),
        namespace=ns,
        on_error=on_error,
        retry_interval=0.0,
    )
    slots = JobSlots(
        redis,
        api_key_id=key_id(config["api_key"]),
        limit=config["limit"],
        namespace=ns,
        on_error=on_error,
        retry_interval=0.0,
    )
    parts = {"breaker": stack["breaker"].breaker._state_storage, "cooldown": stack["cooldown"]}
    parts["slots"] = slots
    with (
        capture_logs() as logs,
        HeyGenClient(config["api_key"], base_url=config["base_url"], stack=stack) as client,
    ):
        emit(ready=True)
        reported = 0
        for line in sys.stdin:
            command = json.loads(line)
            if command["command"] == "quit":
                return
            outcomes, elapsed, shared = [], [], []
            for _ in range(command["n"]):
                began = time.monotonic()
                try:
                    with slots.acquire(timeout=2.0) as slot:
                        client.get("/v2/avatars", total_timeout=5.0)
                        shared.append(slot.shared)
                    outcomes.append("ok")
                except HeyGenError as exc:
                    outcomes.append(type(exc).__name__)
                elapsed.append(time.monotonic() - began)
            new = logs[reported:]
            reported = len(logs)
            emit(
                outcomes=outcomes,
                elapsed=elapsed,
                slots_shared=shared,
                warnings=[e["event"] for e in new if e["log_level"] == "warning"],
                recovered=[e["component"] for e in new if e["event"] == "shared_state_recovered"],
                degraded={name: part.degraded for name, part in parts.items()},
            )


SCENARIOS = {
    "breaker-follow": breaker_follow,
    "breaker-open": breaker_open,
    "cooldown": cooldown,
    "slots-cycle": slots_cycle,
    "slots-hold": slots_hold,
    "serve": serve,
}

if __name__ == "__main__":
    # stdout carries the JSON results: logs go to stderr.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    SCENARIOS[sys.argv[1]](json.loads(sys.argv[2]))
