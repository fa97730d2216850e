"""RedisBreakerStorage: its Lua transitions, the middleware on it, 4 processes sharing it."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timezone

import pybreaker
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heygen_pipeline import CircuitOpenError, Request
from heygen_pipeline.middleware import CircuitBreakerMiddleware
from heygen_pipeline.middleware._breaker import AtomicBreakerStorage, BreakerSnapshot
from heygen_pipeline.testing import MockTransport, make_response

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import RedisBreakerStorage, SharedStateError, connect  # noqa: E402
from heygen_pipeline.shared._breaker_local import MemoryBreakerState  # noqa: E402
from heygen_pipeline.testing._strategies_shared import breaker_hashes  # noqa: E402

pytest_plugins = ["redis_fixtures"]

REQUEST = Request("GET", "https://api.heygen.com/v2/avatars")
START = 1_700_000_000.0


class Clock:
    """Wall-clock seconds that move only when a test says so."""

    def __init__(self, now: float = START) -> None:
        """Start at ``now``."""
        self.now = now

    def __call__(self) -> float:
        """The current time."""
        return self.now


class Recorder:
    """A logger that keeps the events it is given."""

    def __init__(self) -> None:
        """Start empty."""
        self.events: list[tuple[str, str, dict]] = []

    def info(self, event, *args, **kw):
        """Keep an info event."""
        self.events.append(("info", event, kw))

    def warning(self, event, *args, **kw):
        """Keep a warning event."""
        self.events.append(("warning", event, kw))

    def transitions(self):
        """The (old, new) states of the state changes logged."""
        return [(kw["old_state"], kw["new_state"]) for _, e, kw in self.events if "state" in e]


def answering(status: int) -> MockTransport:
    """A transport that always answers ``status``."""
    return MockTransport(lambda request: make_response(request, status))


def worker(client, ns, clock=None, **options) -> CircuitBreakerMiddleware:
    """A breaker middleware on the shared storage: one per simulated process."""
    options.setdefault("fail_max", 3)
    options.setdefault("reset_timeout", 30.0)
    return CircuitBreakerMiddleware(
        storage=RedisBreakerStorage(client, namespace=ns),
        clock=clock or Clock(),
        logger=Recorder(),
        **options,
    )


def same(shared: BreakerSnapshot, model: BreakerSnapshot) -> bool:
    """Equal states and generations; ``opened_at`` set in both or neither.

    Redis stamps openings with its own clock, the model with the ``now`` it is given.
    """
    return (shared.state, shared.generation, shared.opened_at is None) == (
        model.state,
        model.generation,
        model.opened_at is None,
    )


def wait_until_due(storage, reset_timeout, wait_for):
    """Wait (real time on the Redis server) until the open breaker is due for a trial."""
    opened = storage.snapshot().opened_at
    wait_for(lambda: storage.snapshot().now - opened >= reset_timeout, timeout=10)


# ---- the Lua scripts and their Python model ---------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("half_open"), st.integers(-1, 1)),
        st.tuples(
            st.just("record"),
            st.booleans(),
            st.integers(-1, 1),
            st.floats(0, 2e9, allow_nan=False),
            st.integers(1, 3),
            st.integers(1, 2),
        ),
        st.tuples(st.just("set_state"), st.sampled_from(["closed", "open", "half-open"])),
    ),
    max_size=25,
)


class TestScriptsMatchTheModel:
    """Each Lua transition does exactly what MemoryBreakerState does."""

    @settings(max_examples=40, deadline=None)
    @given(ops=operations)
    def test_same_results_for_any_sequence(self, redis_client, ops):
        """Random transitions (current and stale generations) give equal snapshots and counts."""
        shared = RedisBreakerStorage(redis_client, namespace=f"model-{uuid.uuid4().hex}")
        model = MemoryBreakerState()
        for op in ops:
            if op[0] == "half_open":
                generation = model.generation + op[1]
                assert same(shared.half_open(generation), model.half_open(generation))
            elif op[0] == "record":
                _, success, offset, now, fail_max, threshold = op
                kwargs = {
                    "generation": model.generation + offset,
                    "now": now,
                    "fail_max": fail_max,
                    "success_threshold": threshold,
                }
                assert same(shared.record(success, **kwargs), model.record(success, **kwargs))
            else:
                shared.state = op[1]
                model.set_state(op[1])
            assert same(shared.snapshot(), model.snapshot())
            assert (shared.counter, shared.success_counter) == (model.failures, model.successes)

    def test_a_stale_generation_changes_nothing(self, redis_client, namespace):
        """A result or a half-open move for an earlier generation leaves the state as it is."""
        storage = RedisBreakerStorage(redis_client, namespace=namespace)
        opened = storage.record(
            success=False, generation=0, now=START, fail_max=1, success_threshold=1
        )
        assert (opened.state, opened.generation) == ("open", 1)
        assert opened.opened_at == pytest.approx(opened.now, abs=1.0)  # Redis's clock
        assert storage.record(
            success=False, generation=0, now=START + 5, fail_max=1, success_threshold=1
        )
        assert storage.half_open(0) == opened
        assert storage.snapshot() == opened
        assert storage.half_open(1) == BreakerSnapshot("half-open", opened.opened_at, 2)
        assert storage.half_open(1).state == "half-open"  # a second mover gets the same answer

    def test_fresh_storage_reads_closed(self, redis_client, namespace):
        """No hash yet: closed, generation 0, no counts, never opened."""
        storage = RedisBreakerStorage(redis_client, namespace=namespace)
        assert storage.snapshot() == BreakerSnapshot("closed", None, 0)
        assert (storage.counter, storage.success_counter, storage.opened_at) == (0, 0, None)
        assert redis_client.exists(storage.key) == 0  # reading writes nothing


class TestPybreakerInterface:
    """The storage is a complete pybreaker storage, each operation atomic."""

    def test_is_an_atomic_pybreaker_storage(self, redis_client, namespace):
        """It subclasses pybreaker's storage and has the atomic interface the middleware uses."""
        storage = RedisBreakerStorage(redis_client, namespace=namespace)
        assert isinstance(storage, pybreaker.CircuitBreakerStorage)
        assert isinstance(storage, AtomicBreakerStorage)

    def test_fine_grained_operations(self, redis_client, namespace):
        """Counters, state and opened_at round-trip through one Redis hash."""
        storage = RedisBreakerStorage(redis_client, name="uploads", namespace=namespace)
        storage.increment_counter()
        storage.increment_counter()
        storage.increment_success_counter()
        when = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
        storage.opened_at = when
        storage.state = "open"
        assert (storage.counter, storage.success_counter) == (2, 1)
        assert storage.opened_at == when
        assert storage.state == "open"
        assert storage.snapshot().generation == 1
        storage.state = "open"  # no change, no new generation
        assert storage.snapshot().generation == 1
        storage.reset_counter()
        storage.reset_success_counter()
        assert (storage.counter, storage.success_counter) == (0, 0)
        assert storage.key == f"{namespace}:breaker:uploads"
        assert set(redis_client.hkeys(storage.key)) == {
            b"state",
            b"failures",
            b"successes",
            b"opened_at",
            b"generation",
        }

    def test_pybreaker_call_works_on_it(self, redis_client, namespace):
        """The pybreaker CircuitBreaker.call opens a breaker kept in this storage."""
        storage = RedisBreakerStorage(redis_client, namespace=namespace)
        breaker = pybreaker.CircuitBreaker(fail_max=2, state_storage=storage)

        def boom():
            raise OSError

        with pytest.raises(OSError):
            breaker.call(boom)
        with pytest.raises(pybreaker.CircuitBreakerError):
            breaker.call(boom)
        assert storage.state == "open"
        assert RedisBreakerStorage(redis_client, namespace=namespace).state == "open"

    def test_names_and_namespaces_keep_breakers_apart(self, redis_client, namespace):
        """Another name or namespace is another breaker."""
        a = RedisBreakerStorage(redis_client, name="a", namespace=namespace)
        b = RedisBreakerStorage(redis_client, name="b", namespace=namespace)
        c = RedisBreakerStorage(redis_client, name="a", namespace=namespace + "x")
        a.record(success=False, generation=0, now=START, fail_max=1, success_threshold=1)
        assert (a.state, b.state, c.state) == ("open", "closed", "closed")

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"name": "has space"}, ValueError),
            ({"namespace": ""}, ValueError),
            ({"namespace": "{x}"}, ValueError),
            ({"on_error": "maybe"}, ValueError),
            ({"retry_interval": -1}, ValueError),
        ],
    )
    def test_bad_options_fail_at_construction(self, redis_client, kwargs, error):
        """Names unfit for keys, an unknown on_error or a negative interval are refused."""
        with pytest.raises(error):
            RedisBreakerStorage(redis_client, **kwargs)

    def test_connection_must_be_a_redis_client(self):
        """A URL string is not a connection: the error says how to make one."""
        with pytest.raises(TypeError, match="connect"):
            RedisBreakerStorage("redis://localhost")

    def test_repr_shows_the_key_not_the_password(self, redis_server, namespace):
        """The repr names the key and policy; a password in the URL never shows."""
        client = connect(redis_server.url.replace("redis://", "redis://user:hunter2@"))
        text = repr(RedisBreakerStorage(client, namespace=namespace))
        assert namespace in text
        assert "hunter2" not in text


# ---- the middleware on shared storage (two instances stand for two processes) ------------


class TestMiddlewareOnSharedStorage:
    """CircuitBreakerMiddleware drives the atomic interface: one read per call."""

    def test_opened_by_one_refused_by_the_other(self, redis_client, namespace):
        """B, whose last call succeeded, fails fast on its next call after A opened."""
        a, b = worker(redis_client, namespace), worker(redis_client, namespace)
        ok = answering(200)
        assert b(REQUEST, ok).status == 200
        for _ in range(3):
            a(REQUEST, answering(503))
        with pytest.raises(CircuitOpenError) as info:
            b(REQUEST, ok)
        assert len(ok.requests) == 1
        assert info.value.retry_after == pytest.approx(30.0, abs=1.0)
        assert b._breaker._state_storage.counter == 3
        assert b._breaker.listeners[0].logger.transitions() == [("closed", "open")]

    def test_noticing_a_change_resets_no_shared_counter(self, redis_client, namespace, wait_for):
        """A worker that notices another's transition leaves the shared counts alone.

        pybreaker resets the failure count whenever a breaker object notices 'closed'; with a
        shared storage that erased failures other workers had just counted.
        """
        a = worker(redis_client, namespace, reset_timeout=0.2)
        b = worker(redis_client, namespace, reset_timeout=0.2)
        for _ in range(3):
            a(REQUEST, answering(503))
        with pytest.raises(CircuitOpenError):
            b(REQUEST, answering(200))  # b now caches 'open'
        wait_until_due(a.breaker._state_storage, 0.2, wait_for)
        a(REQUEST, answering(200))  # a's trial closes it
        a(REQUEST, answering(503))
        a(REQUEST, answering(503))
        assert b.state == "closed"  # b notices 'closed' ...
        assert a.breaker.fail_counter == 2  # ... and the two failures still count
        a(REQUEST, answering(503))
        assert b.state == "open"

    def test_a_late_result_of_an_earlier_period_is_ignored(self, redis_client, namespace, wait_for):
        """A slow call admitted while closed, ending after an open/close cycle, counts nothing."""
        a = worker(redis_client, namespace, fail_max=1, reset_timeout=0.2)
        b = worker(redis_client, namespace, fail_max=1, reset_timeout=0.2)
        gate, done = threading.Event(), threading.Event()

        def slow(request):
            gate.wait(5)
            return make_response(request, 503)

        thread = threading.Thread(target=lambda: (b(REQUEST, MockTransport(slow)), done.set()))
        thread.start()
        a(REQUEST, answering(503))  # opens
        wait_until_due(a.breaker._state_storage, 0.2, wait_for)
        a(REQUEST, answering(200))  # trial closes
        gate.set()
        thread.join(5)
        assert done.is_set()
        assert a.state == "closed"
        assert a.breaker.fail_counter == 0

    def test_one_trial_per_process_after_the_timeout(self, redis_client, namespace, wait_for):
        """Open and due: each worker gets at most one trial; the first success closes it."""
        a = worker(redis_client, namespace, fail_max=1, reset_timeout=0.2)
        b = worker(redis_client, namespace, fail_max=1, reset_timeout=0.2)
        a(REQUEST, answering(503))
        wait_until_due(a.breaker._state_storage, 0.2, wait_for)
        started, release = threading.Event(), threading.Event()

        def held(request):
            started.set()
            release.wait(5)
            return make_response(request, 200)

        thread = threading.Thread(target=a, args=(REQUEST, MockTransport(held)))
        thread.start()
        assert started.wait(5)
        with pytest.raises(CircuitOpenError):  # a's own second call waits for its trial
            a(REQUEST, answering(200))
        b_trial = answering(200)
        assert b(REQUEST, b_trial).status == 200  # b's trial, in the same half-open period
        assert a.state == "closed"
        release.set()
        thread.join(5)
        assert a.state == "closed"

    def test_concurrent_failures_are_all_counted(self, redis_client, namespace):
        """8 threads on 4 breaker instances: no failure is lost (increments are atomic)."""
        instances = [worker(redis_client, namespace, fail_max=10_000) for _ in range(4)]
        fail = answering(503)

        def hammer(mw):
            for _ in range(25):
                mw(REQUEST, fail)

        threads = [threading.Thread(target=hammer, args=(m,)) for m in instances * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert instances[0].breaker.fail_counter == 200

    def test_repr_and_state_read_the_shared_state(self, redis_client, namespace):
        """``state`` and the repr of a worker show what another worker did."""
        a, b = worker(redis_client, namespace), worker(redis_client, namespace)
        for _ in range(3):
            a(REQUEST, answering(503))
        assert "state='open'" in repr(b)


# ---- four processes ------------------------------------------------------------------------


class TestFourProcesses:
    """Real processes on one Redis: one opens the breaker, the others fail fast."""

    def test_others_fail_fast_without_calling_their_transport(
        self, redis_server, namespace, workers
    ):
        """3 followers that had succeeded are refused from their first call after the opening."""
        config = {"redis_url": redis_server.url, "namespace": namespace, "fail_max": 3}
        followers = [workers("breaker-follow", mode="barrier", **config) for _ in range(3)]
        opener = workers("breaker-open", peers=3, **config)
        opened = opener.finish()
        assert opened["statuses"] == [503, 503, 503]
        assert opened["transport_calls"] == 3
        assert opened["state"] == "open"
        for follower in followers:
            result = follower.finish()
            assert result["calls_before"] == 1
            assert result["refused"] == 20
            assert result["transport_calls_after"] == 0
            assert all(0 < r <= 30.0 for r in result["retry_after"])
            assert result["state"] == "open"

    def test_while_others_keep_calling(self, redis_server, namespace, workers):
        """Followers calling in a loop: none of their calls that began after the opening passed."""
        config = {"redis_url": redis_server.url, "namespace": namespace, "fail_max": 1}
        followers = [workers("breaker-follow", mode="loop", **config) for _ in range(3)]
        opened = workers("breaker-open", peers=3, **config).finish()
        for follower in followers:
            result = follower.finish()
            assert result["refused"] == 20
            assert result["transport_calls_after"] == 0
            late = [t for t in result["successes"] if t > opened["opened"]]
            assert late == []


# ---- what another program may have left in the hash ---------------------------------------


def attempt(operation, on_error) -> None:
    """Run ``operation``; only the typed errors its policy allows may come out."""
    try:
        operation()
    except SharedStateError:
        assert on_error == "closed"  # "open" resets instead
    except CircuitOpenError:
        pass  # a readable hash that says open


class TestMalformedHash:
    """Whatever the hash holds, a typed error or a reset: never a raw ValueError."""

    @settings(max_examples=60, deadline=None)
    @given(fields=breaker_hashes(), on_error=st.sampled_from(["open", "closed"]))
    def test_any_hash_gives_a_breaker_state_or_a_typed_error(self, redis_client, fields, on_error):
        """Random fields written into Redis: every operation ends in a state or a typed error."""
        storage = RedisBreakerStorage(
            redis_client,
            namespace=f"bad-{uuid.uuid4().hex}",
            on_error=on_error,
            retry_interval=0.0,
        )
        if fields:
            redis_client.hset(storage.key, mapping=fields)

        def middleware():
            return CircuitBreakerMiddleware(storage=storage, fail_max=2, logger=Recorder())

        operations = [
            storage.snapshot,
            lambda: storage.half_open(0),
            lambda: storage.record(
                success=False, generation=0, now=START, fail_max=1, success_threshold=1
            ),
            lambda: storage.counter,
            lambda: storage.success_counter,
            lambda: storage.opened_at,
            lambda: middleware()(REQUEST, answering(503)),
            lambda: middleware().state,
        ]
        for operation in operations:
            attempt(operation, on_error)
        if on_error == "open":
            snapshot = storage.snapshot()  # reset to a readable state
            assert snapshot.state in {"closed", "open", "half-open"}
            assert not storage.degraded

    @pytest.mark.parametrize(
        "fields",
        [
            {"generation": "99999999999999999999"},
            {"generation": "1e400"},
            {"opened_at": "nan", "state": "open"},
            {"state": "melted"},
            {"failures": "lots"},
        ],
    )
    def test_open_resets_closed_refuses(self, redis_client, namespace, fields):
        """``open``: the hash is reset to closed (warned); ``closed``: SharedStateError."""
        closed = RedisBreakerStorage(
            redis_client, namespace=namespace, on_error="closed", retry_interval=0.0
        )
        redis_client.hset(closed.key, mapping=fields)
        with pytest.raises(SharedStateError):
            closed.snapshot()
        opened = RedisBreakerStorage(redis_client, namespace=namespace, on_error="open")
        assert opened.snapshot().state == "closed"
        assert closed.snapshot().state == "closed"  # the reset hash is fine for both now

    def test_a_hash_of_the_wrong_type(self, redis_client, namespace):
        """A string where the hash should be: reset under ``open``."""
        storage = RedisBreakerStorage(redis_client, namespace=namespace)
        redis_client.set(storage.key, "not a hash")
        assert storage.snapshot().state == "closed"
        assert redis_client.type(storage.key) == b"hash"


# ---- clocks --------------------------------------------------------------------------------


class TestClockSkew:
    """Shared timing runs on the Redis server's clock, whatever each worker's clock says."""

    @pytest.mark.parametrize("skew", [-120.0, 120.0])
    def test_a_skewed_worker_is_refused_while_open(self, redis_client, namespace, skew):
        """A opens the breaker; B, whose clock is 120 s off, is refused for the reset timeout."""
        a = worker(redis_client, namespace, time.time, fail_max=2, reset_timeout=30.0)
        b = worker(redis_client, namespace, lambda: time.time() + skew, reset_timeout=30.0)
        for _ in range(2):
            a(REQUEST, answering(503))
        transport = answering(200)
        for _ in range(5):
            with pytest.raises(CircuitOpenError) as info:
                b(REQUEST, transport)
            assert 25.0 < info.value.retry_after <= 30.0
        assert transport.requests == []

    def test_a_skewed_worker_that_opens_keeps_others_out(self, redis_client, namespace):
        """B (clock 120 s behind) opens it: A, on time, is refused for the reset timeout."""
        b = worker(redis_client, namespace, lambda: time.time() - 120.0, fail_max=2)
        a = worker(redis_client, namespace, time.time)
        for _ in range(2):
            b(REQUEST, answering(503))
        with pytest.raises(CircuitOpenError) as info:
            a(REQUEST, answering(200))
        assert 25.0 < info.value.retry_after <= 30.0
