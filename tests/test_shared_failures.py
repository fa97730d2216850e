"""When Redis fails: fail open or closed, never hang, recover by itself; the core needs no Redis."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from structlog.testing import capture_logs

from heygen_pipeline import Request
from heygen_pipeline.middleware import CircuitBreakerMiddleware
from heygen_pipeline.testing import FakeHeyGen, MockTransport, make_response

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import (  # noqa: E402
    JobSlots,
    RedisBreakerStorage,
    SharedCooldown,
    SharedStateError,
    connect,
    key_id,
)
from heygen_pipeline.shared._connection import Guard  # noqa: E402

pytest_plugins = ["redis_fixtures"]

URL = "https://api.heygen.com/v2/avatars"
KEY_ID = key_id("sk-live-failures-test")
QUICK = 1.0
"""Seconds within which any call must come back while Redis is down or hung."""


class Ticking:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        """Start at 0."""
        self.now = 0.0

    def __call__(self) -> float:
        """The current time."""
        return self.now


def refused(_timeout=None):
    """An operation that fails as a dead Redis would."""
    raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")


class TestGuard:
    """The on_error policy, the warning per outage, and the pause after an error."""

    def test_open_falls_back_and_warns_once_per_outage(self):
        """Two failures in one outage: the fallback both times, one warning; then one info."""
        guard = Guard("thing", on_error="open", retry_interval=0.0)
        with capture_logs() as logs:
            assert guard.call(refused, lambda: "local") == "local"
            assert guard.call(refused, lambda: "local") == "local"
            assert guard.degraded
            assert guard.call(lambda _t: "shared", lambda: "local") == "shared"
            assert guard.call(lambda _t: "shared", lambda: "local") == "shared"
        assert [(e["event"], e["log_level"]) for e in logs] == [
            ("shared_state_unavailable", "warning"),
            ("shared_state_recovered", "info"),
        ]
        assert logs[0]["component"] == "thing"
        assert "Connection refused" in logs[0]["error"]
        assert not guard.degraded

    def test_closed_raises_a_typed_error_from_the_redis_error(self):
        """``closed``: SharedStateError naming the component, chained to the Redis error."""
        guard = Guard("job slots", on_error="closed", retry_interval=0.0)
        with pytest.raises(SharedStateError, match="job slots") as info:
            guard.call(refused, lambda: "local")
        assert isinstance(info.value.__cause__, redis.ConnectionError)

    def test_closed_still_falls_back_for_bookkeeping(self):
        """always_fall_back: results of calls already made are never lost to an exception."""
        guard = Guard("breaker", on_error="closed", retry_interval=0.0)
        assert guard.call(refused, lambda: "counted locally", always_fall_back=True) == (
            "counted locally"
        )

    def test_redis_is_left_alone_for_retry_interval(self):
        """After an error Redis is not tried for retry_interval seconds, then tried again."""
        clock = Ticking()
        guard = Guard("thing", on_error="closed", retry_interval=2.0, clock=clock)
        calls = []

        def counted(_timeout):
            calls.append(clock.now)
            return refused()

        with pytest.raises(SharedStateError):
            guard.call(counted, lambda: None)
        clock.now = 1.9
        with pytest.raises(SharedStateError, match="less than 2 s ago"):
            guard.call(counted, lambda: None)
        assert calls == [0.0]
        clock.now = 2.0
        assert guard.call(lambda _t: "back", lambda: None) == "back"

    def test_other_errors_are_not_swallowed(self):
        """A bug (not a Redis error) in an operation propagates unchanged."""
        guard = Guard("thing", on_error="open", retry_interval=0.0)

        def bug(_timeout):
            raise KeyError("bug")

        with pytest.raises(KeyError):
            guard.call(bug, lambda: "local")

    @pytest.mark.parametrize(
        "options",
        [{"on_error": "open-ish"}, {"retry_interval": -1}, {"clock": 0}],
    )
    def test_bad_options(self, options):
        """An unknown policy, a negative interval or a non-callable clock are refused."""
        settings = {"on_error": "open", "retry_interval": 1.0, **options}
        with pytest.raises((TypeError, ValueError)):
            Guard("thing", **settings)


class TestConnect:
    """connect() makes a client that cannot hang."""

    def test_short_timeouts_and_one_quick_retry(self):
        """Both socket timeouts are the given timeout; a dead connection is retried once."""
        client = connect("redis://127.0.0.1:1/0", timeout=0.1)
        kwargs = client.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == 0.1
        assert client.get_retry().get_retries() == 1

    def test_a_dead_server_fails_fast(self):
        """Nothing listening: a command fails with a Redis error within the timeout."""
        client = connect("redis://127.0.0.1:1/0")
        began = time.monotonic()
        with pytest.raises(redis.RedisError):
            client.ping()
        assert time.monotonic() - began < QUICK

    def test_options_win(self):
        """Extra options are passed on and override the defaults."""
        client = connect("redis://127.0.0.1:1/0", socket_timeout=2.0, client_name="worker-1")
        assert client.connection_pool.connection_kwargs["socket_timeout"] == 2.0

    @pytest.mark.parametrize("timeout", [0, -1, True, "1"])
    def test_bad_timeout(self, timeout):
        """A timeout must be a positive number of seconds."""
        with pytest.raises(ValueError):
            connect(timeout=timeout)


def parts(client, namespace, on_error):
    """A breaker middleware, a cool-down and job slots on ``client``, Redis retried at once."""
    breaker = CircuitBreakerMiddleware(
        fail_max=2,
        storage=RedisBreakerStorage(
            client, namespace=namespace, on_error=on_error, retry_interval=0.0
        ),
    )
    cooldown = SharedCooldown(
        client, api_key_id=KEY_ID, namespace=namespace, on_error=on_error, retry_interval=0.0
    )
    slots = JobSlots(
        client,
        api_key_id=KEY_ID,
        limit=2,
        namespace=namespace,
        on_error=on_error,
        retry_interval=0.0,
    )
    return breaker, cooldown, slots


def ok():
    """A transport answering 200."""
    return MockTransport(lambda request: make_response(request, 200))


def timed(function, *args):
    """``(result or exception, seconds taken)``."""
    began = time.monotonic()
    try:
        result = function(*args)
    except Exception as exc:
        result = exc
    return result, time.monotonic() - began


class TestRedisDownInOneProcess:
    """Stopped, hung and restarted Redis, seen from one process."""

    def test_open_keeps_working_and_comes_back(self, own_redis_server, namespace):
        """Stopped: calls succeed on local state with warnings; restarted: shared again."""
        client = connect(own_redis_server.url)
        breaker, cooldown, slots = parts(client, namespace, "open")
        request = Request("GET", URL)
        assert slots.acquire(timeout=0).shared
        own_redis_server.stop()
        with capture_logs() as logs:
            for call in (
                lambda: breaker(request, ok()),
                lambda: cooldown(request, ok()),
                lambda: slots.acquire(timeout=0),
            ):
                result, seconds = timed(call)
                assert not isinstance(result, Exception), result
                assert seconds < QUICK
        assert {e["component"] for e in logs if e["log_level"] == "warning"} == {
            "breaker 'heygen'",
            "cooldown",
            "job slots",
        }
        assert result.shared is False  # a slot of the local fallback
        result.release()
        own_redis_server.restart()
        with capture_logs() as logs:
            assert breaker(request, ok()).status == 200
            assert slots.acquire(timeout=0).shared  # the same client reconnected by itself
        assert "shared_state_recovered" in [e["event"] for e in logs]
        assert not breaker.breaker._state_storage.degraded

    def test_closed_raises_quickly_and_recovers(self, own_redis_server, namespace):
        """Stopped: every shared operation raises SharedStateError within a second."""
        client = connect(own_redis_server.url)
        breaker, cooldown, slots = parts(client, namespace, "closed")
        request = Request("GET", URL)
        transport = ok()
        own_redis_server.stop()
        for call in (
            lambda: breaker(request, transport),
            lambda: cooldown(request, transport),
            lambda: slots.acquire(timeout=5),
            slots.in_use,
        ):
            result, seconds = timed(call)
            assert isinstance(result, SharedStateError), result
            assert seconds < QUICK
        assert transport.requests == []  # refused before sending
        own_redis_server.restart()
        assert breaker(request, transport).status == 200
        assert slots.in_use() == 0

    def test_a_result_is_never_lost_to_redis_failing_mid_call(self, own_redis_server, namespace):
        """Redis dies while the request is out: closed mode still returns the response."""
        client = connect(own_redis_server.url)
        breaker, cooldown, slots = parts(client, namespace, "closed")
        slot = slots.acquire(timeout=0)

        def dies_then_answers(request):
            own_redis_server.stop()
            return make_response(request, 429, headers={"Retry-After": "1"})

        stack = lambda request: cooldown(  # noqa: E731 - a two-layer pipeline
            request, lambda r: breaker(r, MockTransport(dies_then_answers))
        )
        assert stack(Request("GET", URL)).status == 429
        slot.release()  # logged, not raised: the lease returns the slot

    @pytest.mark.parametrize("on_error", ["open", "closed"])
    def test_a_hung_redis_costs_at_most_the_timeout(self, own_redis_server, namespace, on_error):
        """SIGSTOPped Redis (connections open, no replies): back within a second, no hang."""
        client = connect(own_redis_server.url)
        breaker, _, slots = parts(client, namespace, on_error)
        breaker(Request("GET", URL), ok())  # a pooled connection exists
        own_redis_server.pause()
        try:
            result, seconds = timed(breaker, Request("GET", URL), ok())
            assert seconds < QUICK
            assert isinstance(result, SharedStateError) == (on_error == "closed")
            result, seconds = timed(slots.acquire, 0)
            assert seconds < QUICK
        finally:
            own_redis_server.resume()
        assert client.ping()


class TestFourProcesses:
    """Four workers serving requests while Redis stops and comes back."""

    def start(self, workers, server, fake, namespace, on_error):
        """Four ``serve`` workers, ready."""
        config = {
            "redis_url": server.url,
            "namespace": namespace,
            "base_url": fake.base_url,
            "api_key": fake.api_key,
            "on_error": on_error,
            "limit": 4,
        }
        started = [workers("serve", **config) for _ in range(4)]
        for worker in started:
            assert worker.read() == {"ready": True}
        return started

    def run(self, started, n=2):
        """Each worker makes ``n`` requests; their reports."""
        for worker in started:
            worker.send("run", n=n)
        return [worker.read() for worker in started]

    def test_open_degrades_with_a_warning_and_recovers(self, own_redis_server, namespace, workers):
        """Redis stopped: requests keep working, each worker warns; back: shared state again."""
        with FakeHeyGen() as fake:
            started = self.start(workers, own_redis_server, fake, namespace, "open")
            for report in self.run(started):
                assert report["outcomes"] == ["ok", "ok"]
                assert report["slots_shared"] == [True, True]
            own_redis_server.stop()
            for report in self.run(started):
                assert report["outcomes"] == ["ok", "ok"]
                assert max(report["elapsed"]) < QUICK
                assert "shared_state_unavailable" in report["warnings"]
                assert report["slots_shared"] == [False, False]
                assert all(report["degraded"].values())
            own_redis_server.restart()
            for report in self.run(started):
                assert report["outcomes"] == ["ok", "ok"]
                assert report["slots_shared"] == [True, True]
                assert set(report["recovered"]) == {"breaker 'heygen'", "cooldown", "job slots"}
                assert not any(report["degraded"].values())
            # Shared again: a breaker opened through Redis now stops all four.
            client = connect(own_redis_server.url)
            storage = RedisBreakerStorage(client, namespace=namespace)
            snapshot = storage.snapshot()
            storage.record(
                success=False,
                generation=snapshot.generation,
                now=time.time(),
                fail_max=1,
                success_threshold=1,
            )
            fake.clear_requests()
            for report in self.run(started, n=1):
                assert report["outcomes"] == ["CircuitOpenError"]
            assert fake.requests == []

    def test_closed_fails_fast_with_a_typed_error_and_recovers(
        self, own_redis_server, namespace, workers
    ):
        """Redis stopped or hung: SharedStateError within a second, nothing sent; then back."""
        with FakeHeyGen() as fake:
            started = self.start(workers, own_redis_server, fake, namespace, "closed")
            assert all(r["outcomes"] == ["ok", "ok"] for r in self.run(started))
            fake.clear_requests()
            own_redis_server.stop()
            for report in self.run(started):
                assert report["outcomes"] == ["SharedStateError", "SharedStateError"]
                assert max(report["elapsed"]) < QUICK
            own_redis_server.restart()
            own_redis_server.pause()
            try:
                for report in self.run(started, n=1):
                    assert report["outcomes"] == ["SharedStateError"]
                    assert max(report["elapsed"]) < QUICK
            finally:
                own_redis_server.resume()
            assert fake.requests == []
            for report in self.run(started):
                assert report["outcomes"] == ["ok", "ok"]


class TestCoreWithoutRedis:
    """``heygen_pipeline`` never imports ``heygen_pipeline.shared`` and works without redis."""

    def test_core_imports_and_runs_with_redis_missing(self):
        """With the redis package made unimportable, the core imports and sends a request."""
        code = textwrap.dedent(
            """
            import sys
            sys.modules["redis"] = None  # import redis now raises ImportError
            import heygen_pipeline
            from heygen_pipeline.testing import MockTransport, make_response
            stack = heygen_pipeline.default_stack("sk-test-key-123")
            t = MockTransport(lambda r: make_response(r, 200, json={"data": {"a": 1}}))
            request = heygen_pipeline.Request("GET", "https://api.heygen.com/v2/x")
            assert stack.build(t)(request).status == 200
            assert "heygen_pipeline.shared" not in sys.modules
            try:
                import heygen_pipeline.shared
            except ImportError:
                print("shared needs redis")
            """
        )
        done = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "shared needs redis"
