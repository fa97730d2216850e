"""The shared breaker under a slow or stalled Redis: parallel calls stay parallel.

A TCP proxy on 127.0.0.1 adds 50 ms to every Redis reply. Serialised (a lock held across each
round trip, as before), 64 calls of two round trips each take 64 x 2 x 50 ms = 6.4 s; in
parallel they take a few round trips. The figures in docs/security.md come from these tests
(``pytest -s`` prints them).
"""

from __future__ import annotations

import threading
import time

import pytest

from heygen_pipeline import HeyGenError, Request, RequestOptions
from heygen_pipeline.middleware import CircuitBreakerMiddleware
from heygen_pipeline.testing import make_response

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import RedisBreakerStorage, connect  # noqa: E402

pytest_plugins = ["redis_fixtures"]

URL = "https://api.heygen.com/v2/avatars"
THREADS = 64
LATENCY = 0.05
DEADLINE = 1.0
SLACK = 0.25


def ok(request):
    """A 200."""
    return make_response(request, 200)


def run_parallel(middleware, calls_per_thread=1, during=None):
    """THREADS threads making calls with a 1 s deadline each: (seconds, overruns, errors)."""
    barrier = threading.Barrier(THREADS + 1)
    overruns: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker():
        barrier.wait(30)
        for _ in range(calls_per_thread):
            began = time.monotonic()
            request = Request("GET", URL, options=RequestOptions(deadline=began + DEADLINE))
            try:
                middleware(request, ok)
            except HeyGenError as exc:
                with lock:
                    failures.append(type(exc).__name__)
            with lock:
                overruns.append(time.monotonic() - began - DEADLINE)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait(30)
    began = time.monotonic()
    if during is not None:
        during()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return time.monotonic() - began, overruns, failures


class TestSlowRedis:
    """50 ms per Redis reply: no lock is held across a round trip."""

    def test_64_parallel_calls_are_not_serialised(self, latency_proxy, namespace):
        """64 threads: well under half the serialised 6.4 s, none past its deadline + 0.25 s."""
        proxy = latency_proxy(LATENCY)
        client = connect(proxy.url, timeout=10.0)
        middleware = CircuitBreakerMiddleware(
            storage=RedisBreakerStorage(client, namespace=namespace)
        )
        middleware(Request("GET", URL), ok)  # the script is loaded, one connection made
        seconds, overruns, failures = run_parallel(middleware)
        serialised = THREADS * 2 * LATENCY
        print(  # noqa: T201 - the figures docs/security.md quotes
            f"\n50 ms Redis: {THREADS} calls in {seconds:.3f} s "
            f"({THREADS / seconds:.0f} calls/s; serialised {serialised:.1f} s), "
            f"worst overrun {max(overruns):+.3f} s, errors {len(failures)}"
        )
        assert failures == []
        assert seconds < 0.5 * THREADS * LATENCY
        assert max(overruns) <= SLACK


class TestStalledRedis:
    """Redis frozen for 0.6 s while 64 threads call: every call ends by its deadline + 0.25 s."""

    def test_a_stall_costs_at_most_the_deadline(self, own_redis_server, namespace):
        """Frozen 0.6 s mid-run: calls wait or fail typed, none past its deadline + 0.25 s."""
        client = connect(own_redis_server.url, timeout=10.0)
        middleware = CircuitBreakerMiddleware(
            storage=RedisBreakerStorage(client, namespace=namespace)
        )
        middleware(Request("GET", URL), ok)

        def stall():
            threading.Event().wait(0.05)
            own_redis_server.pause()
            try:
                threading.Event().wait(0.6)
            finally:
                own_redis_server.resume()

        try:
            seconds, overruns, failures = run_parallel(middleware, calls_per_thread=5, during=stall)
        finally:
            own_redis_server.resume()
        calls = len(overruns)
        print(  # noqa: T201 - the figures docs/security.md quotes
            f"\n0.6 s Redis stall: {calls} calls in {seconds:.3f} s "
            f"({calls / seconds:.0f} calls/s), worst overrun {max(overruns):+.3f} s, "
            f"errors {len(failures)} ({sorted(set(failures))})"
        )
        assert calls == THREADS * 5
        assert set(failures) <= {"TimeoutError"}
        assert max(overruns) <= SLACK
