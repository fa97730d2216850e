"""Deadlines bound every Redis wait: a call ends by its deadline + 0.25 s, Redis stalled or not.

Redis is frozen with SIGSTOP (connections open, no replies) at each phase in turn: the
cool-down's read before an attempt, its publish after a 429, the breaker's read before the
call and its write after, a job slot's acquire, and the whole client stack. The Redis client
waits up to 10 s per reply, so only the deadline can end these calls in time.
"""

from __future__ import annotations

import threading
import time

import pytest

from heygen_pipeline import HeyGenClient, HeyGenError, Request, RequestOptions, default_stack
from heygen_pipeline import TimeoutError as HeyGenTimeoutError
from heygen_pipeline.middleware import CircuitBreakerMiddleware
from heygen_pipeline.testing import FakeHeyGen, MockTransport, make_response

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import (  # noqa: E402
    JobSlots,
    RedisBreakerStorage,
    SharedCooldown,
    SlotTimeoutError,
    connect,
    key_id,
    with_shared_state,
)

pytest_plugins = ["redis_fixtures"]

URL = "https://api.heygen.com/v2/avatars"
KEY_ID = key_id("sk-live-deadlines")
BUDGET = 0.5
"""Seconds each call is given."""
SLACK = 0.25
"""Seconds past its deadline a call may end: the promise."""
PATIENT = 10.0
"""The Redis client's own timeout per reply: far longer than any deadline here."""


def within_deadline(request_or_budget, call):
    """Run ``call()``; return (outcome, seconds past the deadline)."""
    began = time.monotonic()
    try:
        outcome = call()
    except HeyGenError as exc:
        outcome = exc
    return outcome, time.monotonic() - began - request_or_budget


def deadline_request() -> Request:
    """A GET to the API that must end within BUDGET seconds."""
    return Request("GET", URL, options=RequestOptions(deadline=time.monotonic() + BUDGET))


def ok(request):
    """A 200."""
    return make_response(request, 200)


@pytest.fixture
def patient(own_redis_server):
    """A Redis client of a server the test may freeze, waiting 10 s per reply."""
    client = connect(own_redis_server.url, timeout=PATIENT)
    client.ping()
    yield client
    own_redis_server.resume()
    client.close()


class TestCooldownPhases:
    """The shared cool-down's read and publish end by the deadline."""

    @pytest.mark.parametrize("on_error", ["open", "closed"])
    def test_read_before_the_attempt(self, own_redis_server, patient, namespace, on_error):
        """Redis frozen before the attempt: a TimeoutError (nothing sent) by the deadline."""
        cooldown = SharedCooldown(
            patient, api_key_id=KEY_ID, namespace=namespace, on_error=on_error
        )
        transport = MockTransport(ok)
        cooldown(Request("GET", URL), transport)  # a pooled connection exists
        own_redis_server.pause()
        outcome, late = within_deadline(BUDGET, lambda: cooldown(deadline_request(), transport))
        own_redis_server.resume()
        assert isinstance(outcome, HeyGenTimeoutError), outcome
        assert outcome.sent is False
        assert len(transport.requests) == 1
        assert late <= SLACK

    def test_publish_after_a_429(self, own_redis_server, patient, namespace):
        """Redis frozen while the 429 comes back: the 429 is returned by the deadline."""
        cooldown = SharedCooldown(patient, api_key_id=KEY_ID, namespace=namespace)
        cooldown(Request("GET", URL), MockTransport(ok))

        def freezes_then_limits(request):
            own_redis_server.pause()
            return make_response(request, 429, headers={"Retry-After": "1"})

        outcome, late = within_deadline(
            BUDGET, lambda: cooldown(deadline_request(), MockTransport(freezes_then_limits))
        )
        own_redis_server.resume()
        assert outcome.status == 429
        assert late <= SLACK


class TestBreakerPhases:
    """The shared breaker's read before a call and its write after end by the deadline."""

    def breaker(self, patient, namespace, on_error="open"):
        """A breaker on shared storage, with a pooled connection."""
        storage = RedisBreakerStorage(patient, namespace=namespace, on_error=on_error)
        middleware = CircuitBreakerMiddleware(storage=storage)
        middleware(Request("GET", URL), ok)
        return middleware

    @pytest.mark.parametrize("on_error", ["open", "closed"])
    def test_read_before_the_call(self, own_redis_server, patient, namespace, on_error):
        """Frozen before the call: a TimeoutError (nothing sent) by the deadline."""
        middleware = self.breaker(patient, namespace, on_error)
        transport = MockTransport(ok)
        own_redis_server.pause()
        outcome, late = within_deadline(BUDGET, lambda: middleware(deadline_request(), transport))
        own_redis_server.resume()
        assert isinstance(outcome, HeyGenTimeoutError), outcome
        assert transport.requests == []
        assert late <= SLACK

    @pytest.mark.parametrize("on_error", ["open", "closed"])
    def test_write_after_the_call(self, own_redis_server, patient, namespace, on_error):
        """Frozen while the answer comes back: the answer is returned by the deadline."""
        middleware = self.breaker(patient, namespace, on_error)

        def freezes_then_answers(request):
            own_redis_server.pause()
            return make_response(request, 200)

        outcome, late = within_deadline(
            BUDGET, lambda: middleware(deadline_request(), MockTransport(freezes_then_answers))
        )
        own_redis_server.resume()
        assert outcome.status == 200
        assert late <= SLACK


class TestSlotPhases:
    """Waiting for a job slot ends by the acquire's timeout, Redis waits included."""

    @pytest.mark.parametrize("on_error", ["open", "closed"])
    def test_acquire(self, own_redis_server, patient, namespace, on_error):
        """Frozen Redis: acquire(timeout=0.5) raises SlotTimeoutError within 0.75 s."""
        slots = JobSlots(patient, api_key_id=KEY_ID, namespace=namespace, on_error=on_error)
        slots.in_use()
        own_redis_server.pause()
        began = time.monotonic()
        try:
            slot = slots.acquire(timeout=BUDGET)
        except SlotTimeoutError as exc:
            slot = exc
        late = time.monotonic() - began - BUDGET
        own_redis_server.resume()
        assert late <= SLACK
        assert isinstance(slot, SlotTimeoutError), slot  # no shared slot was seen in time


class TestWholeStack:
    """A client on shared state, Redis frozen: a typed error by the deadline."""

    @pytest.mark.parametrize("on_error", ["open", "closed"])
    def test_a_call_with_redis_frozen(self, own_redis_server, patient, namespace, on_error):
        """total_timeout=0.5 with Redis frozen: the call ends within 0.75 s, typed."""
        with FakeHeyGen() as fake:
            stack = with_shared_state(
                default_stack(base_url=fake.base_url),
                patient,
                api_key_id=KEY_ID,
                namespace=namespace,
                on_error=on_error,
            )
            with HeyGenClient(fake.api_key, base_url=fake.base_url, stack=stack) as client:
                client.get("/v2/avatars")
                own_redis_server.pause()
                outcome, late = within_deadline(
                    BUDGET, lambda: client.get("/v2/avatars", total_timeout=BUDGET)
                )
                own_redis_server.resume()
        assert isinstance(outcome, HeyGenError), outcome
        assert late <= SLACK


class TestClientEdges:
    """A busy single connection and undecodable replies end in time, typed."""

    def test_a_busy_single_connection_is_waited_for_until_the_deadline(
        self, redis_server, namespace
    ):
        """Another thread holds the one connection: the read gives up at the deadline."""
        client = connect(redis_server.url, timeout=PATIENT, single_connection_client=True)
        storage = RedisBreakerStorage(client, namespace=namespace)
        storage.snapshot()
        holding, done = threading.Event(), threading.Event()

        def busy():  # a thread in the middle of a command on the one connection
            with client.single_connection_lock:
                holding.set()
                done.wait(PATIENT)

        thread = threading.Thread(target=busy, daemon=True)
        thread.start()
        assert holding.wait(PATIENT)
        try:
            outcome, late = within_deadline(
                BUDGET, lambda: storage.snapshot(deadline=time.monotonic() + BUDGET)
            )
        finally:
            done.set()
            thread.join(PATIENT)
        assert isinstance(outcome, HeyGenTimeoutError), outcome
        assert late <= SLACK
        assert not storage.degraded  # a deadline says nothing about Redis
        client.close()

    @pytest.mark.parametrize("on_error", ["open", "closed"])
    def test_bytes_a_decoding_client_cannot_decode(self, redis_server, namespace, on_error):
        """A counter that is not UTF-8, read by a decode_responses client: local or typed."""
        from heygen_pipeline.shared import SharedStateError  # noqa: PLC0415

        client = connect(redis_server.url, decode_responses=True)
        storage = RedisBreakerStorage(
            client, namespace=namespace, on_error=on_error, retry_interval=0.0
        )
        connect(redis_server.url).hset(storage.key, "failures", b"\x80\xff")
        if on_error == "open":
            assert storage.counter == 0  # the local count, Redis's being unreadable
        else:
            with pytest.raises(SharedStateError):
                _ = storage.counter
        assert client.ping()  # the connection that got the bytes was dropped, not reused
        client.close()
