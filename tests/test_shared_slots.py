"""JobSlots: the Lua semaphore against its model, leases, waiting, and 4+ processes contending."""

from __future__ import annotations

import threading
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heygen_pipeline.shared._slots_local import LocalSlots

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import JobSlots, SlotLostError, SlotTimeoutError, key_id  # noqa: E402

pytest_plugins = ["redis_fixtures"]

KEY_ID = key_id("sk-live-slots-test-key")


class FakeTime:
    """A monotonic clock that moves only when slept on."""

    def __init__(self) -> None:
        """Start at 100 s with no sleeps."""
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        """The current time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Record the wait and move the clock on."""
        self.sleeps.append(seconds)
        self.now += seconds


def slots(client, ns, **options) -> JobSlots:
    """JobSlots for the test key in namespace ``ns`` (limit 3, long leases by default)."""
    options.setdefault("limit", 3)
    options.setdefault("lease_seconds", 600.0)
    return JobSlots(client, api_key_id=KEY_ID, namespace=ns, **options)


# ---- the scripts and their model -------------------------------------------------------------

steps = st.lists(
    st.one_of(
        st.tuples(st.just("acquire"), st.integers(1, 4)),
        st.tuples(st.just("release"), st.integers(0, 7)),
        st.tuples(st.just("renew"), st.integers(0, 7)),
        st.tuples(st.just("bind"), st.integers(0, 7), st.sampled_from(["v1", "v2", "v3"])),
        st.tuples(st.just("release_video"), st.sampled_from(["v1", "v2", "v3", "v4"])),
        st.tuples(st.just("renew_video"), st.sampled_from(["v1", "v2", "v3", "v4"])),
    ),
    max_size=30,
)


class TestScriptsMatchTheModel:
    """Each Lua operation gives what LocalSlots gives, step by step (no lease ends here)."""

    @settings(max_examples=40, deadline=None)
    @given(ops=steps)
    def test_same_answers_for_any_sequence(self, redis_client, ops):
        """Acquire, release, renew, bind and by-video operations agree, and so does in_use."""
        shared = slots(redis_client, f"model-{uuid.uuid4().hex}")
        model = LocalSlots()
        holders = [f"h{i}" for i in range(8)]
        taken = 0
        for op in ops:
            name = op[0]
            if name == "acquire":
                holder = holders[taken % len(holders)]
                taken += 1
                got, _ = shared._run("acquire", holder, op[1], 600_000)
                assert bool(int(got)) == model.acquire(holder, op[1], 600.0)[0]
            elif name == "release":
                expect = model.release(holders[op[1]])
                assert bool(int(shared._run("release", holders[op[1]]))) == expect
            elif name == "renew":
                expect = model.renew(holders[op[1]], 600.0)
                assert bool(int(shared._run("renew", holders[op[1]], 600_000))) == expect
            elif name == "bind":
                expect = model.bind(holders[op[1]], op[2])
                assert bool(int(shared._run("bind", holders[op[1]], op[2]))) == expect
            elif name == "release_video":
                expect = model.release_video(op[1])
                assert bool(int(shared._run("release_video", op[1]))) == expect
            else:
                expect = model.renew_video(op[1], 600.0)
                assert bool(int(shared._run("renew_video", op[1], 600_000))) == expect
            assert shared.in_use() == model.in_use()

    @settings(max_examples=30, deadline=None)
    @given(
        limit=st.integers(1, 5),
        ops=st.lists(st.one_of(st.just("acquire"), st.integers(0, 9)), max_size=40),
    )
    def test_never_more_than_the_limit(self, redis_client, limit, ops):
        """Any mix of takes and gives: in_use never exceeds limit and equals the slots held."""
        shared = slots(redis_client, f"limit-{uuid.uuid4().hex}", limit=limit)
        held = []
        for op in ops:
            if op == "acquire":
                slot = shared.try_acquire()
                assert (slot is None) == (len(held) == limit)
                if slot is not None:
                    held.append(slot)
            elif held:
                held.pop(op % len(held)).release()
            assert shared.in_use() == len(held) <= limit


class TestLeases:
    """A lease that is not renewed ends, and its slot comes back."""

    def test_an_unrenewed_slot_returns_after_its_lease(self, redis_client, namespace, wait_for):
        """Lease 0.2 s: in_use drops to 0 by itself, and a new slot can be taken."""
        short = slots(redis_client, namespace, limit=1, lease_seconds=0.2)
        lost = short.acquire(timeout=0)
        assert short.try_acquire() is None
        wait_for(lambda: short.in_use() == 0, timeout=5)
        assert short.try_acquire() is not None
        with pytest.raises(SlotLostError):
            lost.renew()
        with pytest.raises(SlotLostError):
            lost.bind("late-video")

    def test_renewing_keeps_the_slot(self, redis_client, namespace):
        """Renewed before its end, a 0.3 s lease outlives 0.3 s."""
        short = slots(redis_client, namespace, limit=1, lease_seconds=0.3)
        slot = short.acquire(timeout=0)
        for _ in range(3):
            assert slot.renew() is True
            assert short.in_use() == 1
        slot.release()
        assert short.in_use() == 0

    def test_keys_expire_with_the_last_lease(self, redis_client, namespace, wait_for):
        """Nothing is left in Redis once every lease has ended."""
        short = slots(redis_client, namespace, lease_seconds=0.2)
        short.acquire(timeout=0).bind("video-a")
        assert set(redis_client.keys(f"{namespace}:*")) == {k.encode() for k in short.keys}
        wait_for(lambda: not redis_client.keys(f"{namespace}:*"), timeout=5)

    def test_the_model_ends_leases_on_its_clock(self):
        """LocalSlots, the fallback, ends leases as its injected clock passes them."""
        fake = FakeTime()
        model = LocalSlots(fake.clock)
        assert model.acquire("a", 1, 10.0) == (True, 0.0)
        assert model.acquire("b", 1, 10.0) == (False, 10.0)
        model.bind("a", "v")
        fake.now += 10
        assert model.in_use() == 0
        assert model.release_video("v") is False
        assert model.acquire("b", 1, 10.0) == (True, 0.0)


class TestAcquire:
    """Waiting for a slot: bounded, backing off, typed errors."""

    def test_waits_then_times_out(self, redis_client, namespace):
        """All slots held: waits grow (with jitter) up to the cap, then SlotTimeoutError."""
        fake = FakeTime()
        limited = slots(
            redis_client,
            namespace,
            limit=1,
            sleep=fake.sleep,
            clock=fake.clock,
            random=lambda: 1.0,
            poll_interval=0.1,
            max_poll_interval=0.8,
        )
        limited.acquire()
        with pytest.raises(SlotTimeoutError) as info:
            limited.acquire(timeout=3.0)
        assert fake.sleeps[:5] == pytest.approx([0.1, 0.2, 0.4, 0.8, 0.8])
        assert sum(fake.sleeps) == pytest.approx(3.0)
        assert info.value.limit == 1
        assert info.value.waited == pytest.approx(3.0)

    def test_gets_a_slot_released_while_waiting(self, redis_client, namespace):
        """A slot given back during the wait is taken at the next try."""
        fake = FakeTime()
        limited = slots(redis_client, namespace, limit=1, sleep=fake.sleep, clock=fake.clock)
        held = limited.acquire()
        original = fake.sleep

        def sleep_then_release(seconds):
            original(seconds)
            held.release()

        limited._sleep = sleep_then_release
        slot = limited.acquire(timeout=10, job_hint="second")
        assert slot.job_hint == "second"
        assert len(fake.sleeps) == 1

    def test_the_wait_never_passes_the_first_lease_end(self, redis_client, namespace):
        """With a lease ending in 0.2 s, no single wait is longer than that."""
        fake = FakeTime()
        limited = slots(
            redis_client,
            namespace,
            limit=1,
            lease_seconds=0.2,
            sleep=fake.sleep,
            clock=fake.clock,
            poll_interval=5.0,
            max_poll_interval=5.0,
        )
        limited.acquire()
        with pytest.raises(SlotTimeoutError):
            limited.acquire(timeout=0.5)
        assert max(fake.sleeps) <= 0.2

    def test_context_manager_and_double_release(self, redis_client, namespace):
        """``with`` releases; a second release is a no-op."""
        pool = slots(redis_client, namespace)
        with pool.acquire() as slot:
            assert pool.in_use() == 1
        assert slot.released
        assert pool.in_use() == 0
        slot.release()
        assert pool.in_use() == 0

    def test_release_by_video_from_another_instance(self, redis_client, namespace):
        """A slot bound to a video is freed by video id through another JobSlots."""
        pool = slots(redis_client, namespace)
        pool.acquire().bind("video-123")
        other = slots(redis_client, namespace)
        assert other.renew_video("video-123") is True
        assert other.release_video("video-123") is True
        assert other.release_video("video-123") is False
        assert pool.in_use() == 0

    def test_rebinding_moves_the_video(self, redis_client, namespace):
        """Binding another video drops the first binding."""
        pool = slots(redis_client, namespace)
        slot = pool.acquire()
        slot.bind("first")
        slot.bind("second")
        assert slot.video_id == "second"
        assert pool.release_video("first") is False
        assert pool.release_video("second") is True

    def test_repr_and_keys(self, redis_client, namespace):
        """Keys carry the key id in a hash tag; reprs show holder and limit."""
        pool = slots(redis_client, namespace)
        assert pool.keys[0] == f"{namespace}:slots:{{{KEY_ID}}}"
        assert "limit=3" in repr(pool)
        slot = pool.acquire()
        assert slot.holder in repr(slot)

    @pytest.mark.parametrize(
        "options",
        [
            {"limit": 0},
            {"limit": True},
            {"lease_seconds": 0},
            {"fallback_limit": 0},
            {"poll_interval": 0},
            {"sleep": None},
            {"namespace": "a b"},
        ],
    )
    def test_bad_options_fail_at_construction(self, redis_client, options):
        """Non-positive limits and leases, non-callables and bad names are refused."""
        with pytest.raises((TypeError, ValueError)):
            slots(redis_client, "ns", **options)

    def test_bad_arguments(self, redis_client, namespace):
        """A negative timeout or an empty video id is a ValueError."""
        pool = slots(redis_client, namespace)
        with pytest.raises(ValueError):
            pool.acquire(timeout=-1)
        with pytest.raises(ValueError):
            pool.acquire().bind("")


# ---- many processes ------------------------------------------------------------------------


def overlap(intervals) -> int:
    """The largest number of ``[start, end]`` intervals that contain one instant."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    depth = peak = 0
    for _, step in events:
        depth += step
        peak = max(peak, depth)
    return peak


class TestManyProcesses:
    """Real processes contending for K slots on one Redis."""

    def test_the_limit_holds_under_contention(self, redis_server, redis_client, namespace, workers):
        """4 processes x 10 cycles for 3 slots: never more than 3 held, and none lost."""
        config = {
            "redis_url": redis_server.url,
            "namespace": namespace,
            "api_key_id": KEY_ID,
            "limit": 3,
            "lease": 10.0,
            "cycles": 10,
            "hold": 0.04,
            "peers": 4,
        }
        results = [w.finish() for w in [workers("slots-cycle", **config) for _ in range(4)]]
        assert max(r["max_seen"] for r in results) == 3
        assert overlap([i for r in results for i in r["intervals"]]) <= 3
        assert sum(len(r["intervals"]) for r in results) == 40
        assert slots(redis_client, namespace).in_use() == 0

    def test_a_killed_holder_loses_its_slot_only_until_its_lease_ends(
        self, redis_server, redis_client, namespace, workers
    ):
        """Two holders SIGKILLed: one slot freed by video id, one by its lease; all 3 come back."""
        pool = slots(redis_client, namespace, lease_seconds=1.0)
        base = {
            "redis_url": redis_server.url,
            "namespace": namespace,
            "api_key_id": KEY_ID,
            "limit": 3,
            "lease": 1.0,
        }
        victims = [workers("slots-hold", video_id=f"video-{i}", **base) for i in range(2)]
        for victim in victims:
            assert victim.read()["video_id"].startswith("video-")
        for victim in victims:
            victim.kill()
        assert pool.in_use() == 2
        assert pool.release_video("video-0") is True  # a later process saw that job end
        assert pool.in_use() == 1
        cyclers = [workers("slots-cycle", cycles=5, hold=0.03, peers=3, **base) for _ in range(3)]
        results = [c.finish() for c in cyclers]
        assert max(r["max_seen"] for r in results) <= 3
        held = [pool.acquire(timeout=5.0) for _ in range(3)]  # video-1's lease has ended
        assert pool.try_acquire() is None
        for slot in held:
            slot.release()
        assert pool.in_use() == 0


class TestStalls:
    """A try whose answer was lost (Redis frozen) does not keep a slot for a whole lease."""

    @pytest.mark.parametrize("on_error", ["open", "closed"])
    def test_a_timed_out_acquire_is_given_back(
        self, own_redis_server, namespace, on_error, wait_for
    ):
        """Frozen 0.6 s during acquire: the acquire that ran late is released on the next use."""
        from heygen_pipeline.shared import SharedStateError, connect  # noqa: PLC0415

        raw = connect(own_redis_server.url)
        slots = JobSlots(
            connect(own_redis_server.url),
            api_key_id=KEY_ID,
            limit=2,
            namespace=namespace,
            on_error=on_error,
            retry_interval=0.0,
        )
        slots.acquire(timeout=0).release()  # connected, scripts loaded
        own_redis_server.pause()
        try:
            try:
                taken = slots.acquire(timeout=0.3)
            except (SharedStateError, SlotTimeoutError):
                taken = None
            threading.Event().wait(0.3)  # frozen for 0.6 s in all
        finally:
            own_redis_server.resume()
        if taken is not None:
            assert taken.shared is False  # open: a slot of the local fallback
            taken.release()
        # The frozen server ran the acquire when it woke: a slot is held in Redis ...
        wait_for(lambda: raw.zcard(slots.keys[0]) == 1)
        # ... until the next operation of this worker gives it back.
        assert slots.in_use() == 0
        assert raw.zcard(slots.keys[0]) == 0

    def test_acquire_is_idempotent_per_holder(self, redis_client, namespace):
        """The acquire script run twice for one holder holds one slot (a retry is safe)."""
        slots = JobSlots(redis_client, api_key_id=KEY_ID, limit=1, namespace=namespace)
        first = slots._script("acquire", "holder-1", 1, 60_000, timeout=None)
        again = slots._script("acquire", "holder-1", 1, 60_000, timeout=None)
        other = slots._script("acquire", "holder-2", 1, 60_000, timeout=None)
        assert [int(first[0]), int(again[0]), int(other[0])] == [1, 1, 0]
        assert slots.in_use() == 1
