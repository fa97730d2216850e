"""After os.fork(), a child uses Redis connections and locks of its own (real forks, real Redis).

A forked child that wrote on its parent's socket would read answers meant for the parent
(and the parent the child's); a lock a parent thread held at the fork would stay held in the
child for ever. Each test forks for real and has the child report over a pipe; every wait is
bounded and the child is killed if it overruns.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time

import pytest

from heygen_pipeline import Request
from heygen_pipeline.middleware import CircuitBreakerMiddleware
from heygen_pipeline.testing import make_response

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import (  # noqa: E402
    JobSlots,
    RedisBreakerStorage,
    SharedCooldown,
    connect,
    key_id,
)

pytest_plugins = ["redis_fixtures"]

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

URL = "https://api.heygen.com/v2/avatars"
KEY_ID = key_id("sk-live-fork-test")
BOUND = 10.0


def ok(request):
    """A 200."""
    return make_response(request, 200)


def in_child(work) -> dict:
    """Fork; run ``work()`` in the child (its dict result comes back); reap it, bounded."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's cleanup
        code = 0
        try:
            os.close(read_end)
            result = work()
        except BaseException as exc:
            result, code = {"error": f"{type(exc).__name__}: {exc}"}, 1
        with contextlib.suppress(OSError):
            os.write(write_end, json.dumps(result).encode())
        os._exit(code)
    os.close(write_end)
    deadline = time.monotonic() + BOUND
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        threading.Event().wait(0.01)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        pytest.fail(f"the child did not finish within {BOUND} s (a lock or socket of the parent)")
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    result = json.loads(data) if data else {"error": "no report"}
    assert os.waitstatus_to_exitcode(status) == 0, result
    return result


def connection_names(server) -> dict[str, str]:
    """Connection name -> its last command, as the Redis server sees them."""
    with contextlib.closing(connect(server.url)) as observer:
        return {c["name"]: c["cmd"] for c in observer.client_list() if c.get("name")}


class TestConnections:
    """The child's commands never go out on the parent's connection."""

    def test_a_single_connection_client(self, redis_server, namespace):
        """A single-connection client: the child's breaker reads on a connection of its own."""
        client = connect(redis_server.url, single_connection_client=True)
        storage = RedisBreakerStorage(client, namespace=namespace)
        storage.snapshot()
        client.client_setname("the-parent")  # the parent's one connection, named

        def child():
            for _ in range(5):
                storage.snapshot()
            storage.record(success=False, generation=0, now=0.0, fail_max=9, success_threshold=1)
            return {"counter": storage.counter}

        result = in_child(child)
        assert result == {"counter": 1}
        assert connection_names(redis_server)["the-parent"] == "client|setname"
        assert storage.counter == 1  # the parent's connection still answers the parent
        client.close()

    def test_a_pooled_client(self, redis_server, namespace):
        """A pooled client: cool-down, breaker and slots all work in the child, then the parent."""
        client = connect(redis_server.url)
        breaker = CircuitBreakerMiddleware(storage=RedisBreakerStorage(client, namespace=namespace))
        cooldown = SharedCooldown(client, api_key_id=KEY_ID, namespace=namespace)
        slots = JobSlots(client, api_key_id=KEY_ID, namespace=namespace, limit=3)
        breaker(Request("GET", URL), ok)
        cooldown(Request("GET", URL), ok)
        held = slots.acquire(timeout=1)

        def child():
            slot = slots.acquire(timeout=1)
            status = breaker(Request("GET", URL), lambda r: cooldown(r, ok)).status
            in_use = slots.in_use()
            slot.release()
            return {"status": status, "in_use": in_use, "shared": slot.shared}

        assert in_child(child) == {"status": 200, "in_use": 2, "shared": True}
        assert slots.in_use() == 1
        held.release()
        client.close()


class TestLocks:
    """Locks a parent thread held at the fork are not held in the child."""

    def test_locks_held_by_another_thread_at_the_fork(self, redis_server, namespace):
        """A parent thread holds every lock when the child forks: the child still calls."""
        client = connect(redis_server.url)
        storage = RedisBreakerStorage(client, namespace=namespace)
        breaker = CircuitBreakerMiddleware(storage=storage)
        cooldown = SharedCooldown(client, api_key_id=KEY_ID, namespace=namespace)
        slots = JobSlots(client, api_key_id=KEY_ID, namespace=namespace)
        breaker(Request("GET", URL), ok)
        locks = [
            breaker.breaker._lock,
            storage._guard._lock,
            cooldown._guard._lock,
            cooldown._lock,
            slots._guard._lock,
        ]
        holding, release = threading.Event(), threading.Event()

        def hold():
            with contextlib.ExitStack() as stack:
                for lock in locks:
                    stack.enter_context(lock)
                holding.set()
                release.wait(BOUND)

        thread = threading.Thread(target=hold, daemon=True)
        thread.start()
        assert holding.wait(BOUND)
        try:

            def child():
                status = breaker(Request("GET", URL), lambda r: cooldown(r, ok)).status
                with slots.acquire(timeout=1) as slot:
                    shared = slot.shared
                return {"status": status, "state": breaker.state, "shared": shared}

            assert in_child(child) == {"status": 200, "state": "closed", "shared": True}
        finally:
            release.set()
            thread.join(BOUND)
        client.close()
