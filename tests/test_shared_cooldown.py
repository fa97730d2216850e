"""SharedCooldown and key_id: the shared 429 wait, in one process and across four."""

from __future__ import annotations

import time
import uuid
from email.utils import formatdate

import pybreaker
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heygen_pipeline import RateLimitError, Request, RequestOptions, Secret, default_stack
from heygen_pipeline.middleware import BackoffMiddleware, BackoffPolicy, CircuitBreakerMiddleware
from heygen_pipeline.testing import FakeHeyGen, Fault, MockTransport, make_response

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import (  # noqa: E402
    RedisBreakerStorage,
    SharedCooldown,
    key_id,
    with_shared_state,
)

pytest_plugins = ["redis_fixtures"]

URL = "https://api.heygen.com/v2/avatars"
KEY = "sk-live-0123456789abcdef"


class FakeTime:
    """A monotonic clock and a sleep that also ages Redis keys, as real waiting would.

    The cool-down lives in Redis as a key's time to live; a sleep that only moved a fake
    clock would leave it untouched, so this sleep takes the slept time off the given keys.
    """

    def __init__(self, client, *keys: str) -> None:
        """Age ``keys`` of ``client`` on every sleep."""
        self.client = client
        self.keys = list(keys)
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.during_sleep = None

    def clock(self) -> float:
        """The monotonic time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Record the wait, move the clock, age the keys (and run a hook, if any)."""
        self.sleeps.append(seconds)
        self.now += seconds
        for key in self.keys:
            left = self.client.pttl(key)
            if left > 0:
                aged = left - round(seconds * 1000)
                if aged > 0:
                    self.client.pexpire(key, aged)
                else:
                    self.client.delete(key)
        if self.during_sleep is not None:
            hook, self.during_sleep = self.during_sleep, None
            hook()


def cooldown(client, ns, fake: FakeTime | None = None, **options) -> SharedCooldown:
    """A SharedCooldown on the fake time: one per simulated process."""
    options.setdefault("hosts", ["api.heygen.com"])
    if fake is not None:
        options.setdefault("sleep", fake.sleep)
        options.setdefault("clock", fake.clock)
    return SharedCooldown(client, api_key_id=key_id(KEY), namespace=ns, **options)


def answers(*replies):
    """A transport giving ``(status, headers)`` replies in turn (the last one repeats)."""
    queue = list(replies)

    def handler(request):
        status, headers = queue.pop(0) if len(queue) > 1 else queue[0]
        body = {"data": {}} if status < 400 else {"error": {"code": "rate_limit_exceeded"}}
        return make_response(request, status, headers=headers, json=body)

    return MockTransport(handler)


OK = (200, {})


class TestKeyId:
    """key_id names an API key without revealing it."""

    def test_stable_short_hex(self):
        """Same key, same id: 16 lowercase hex digits."""
        assert key_id(KEY) == key_id(KEY)
        assert len(key_id(KEY)) == 16
        assert set(key_id(KEY)) <= set("0123456789abcdef")

    def test_secret_and_str_agree(self):
        """A Secret holding the key gives the key's id."""
        assert key_id(Secret(KEY)) == key_id(KEY)

    @given(a=st.text(min_size=1, max_size=40), b=st.text(min_size=1, max_size=40))
    def test_different_keys_different_ids(self, a, b):
        """Distinct keys get distinct ids (no collisions among generated keys)."""
        if a != b:
            assert key_id(a) != key_id(b)

    @given(key=st.text(alphabet="abcdef0123456789", min_size=8, max_size=40))
    def test_the_key_is_not_in_its_id(self, key):
        """The id never holds the key, even a hex key (it is a hash, not a prefix)."""
        assert key not in key_id(key)
        assert key_id(key) != key[:16]

    @pytest.mark.parametrize("bad", ["", None, b"key"])
    def test_rejects_non_keys(self, bad):
        """An empty or non-text key is a TypeError."""
        with pytest.raises(TypeError):
            key_id(bad)


class TestPublish:
    """The script keeps the longer wait; the key is named by the key id and expires."""

    @settings(max_examples=25, deadline=None)
    @given(waits=st.lists(st.floats(0.001, 1000.0), min_size=1, max_size=8))
    def test_the_wait_only_ever_grows(self, redis_client, waits):
        """After each publish the wait left is the longest asked for (minus time passed)."""
        cd = cooldown(redis_client, f"p-{uuid.uuid4().hex}", max_wait=1000.0)
        low = high = 0.0  # bounds of the instant the wait ends, on the monotonic clock
        for seconds in waits:
            before = time.monotonic()
            in_force = cd.publish(seconds)
            after = time.monotonic()
            low, high = max(low, before + seconds), max(high, after + seconds + 0.001)
            start = time.monotonic()
            left = cd.remaining()
            end = time.monotonic()
            assert in_force >= seconds - 0.001
            assert low - end - 0.001 <= left <= high - start + 0.001  # Redis counts whole ms

    def test_key_is_named_by_the_key_id_and_expires(self, redis_client, namespace):
        """The Redis key holds the key id, never the key, and has a TTL."""
        cd = cooldown(redis_client, namespace)
        cd.publish(5)
        keys = [k.decode() for k in redis_client.keys(f"{namespace}:*")]
        assert keys == [f"{namespace}:cooldown:{key_id(KEY)}"]
        assert KEY not in keys[0]
        assert 4000 < redis_client.pttl(keys[0]) <= 5000

    def test_negative_wait_is_refused(self, redis_client, namespace):
        """publish(-1) is a ValueError, not a silent no-op."""
        with pytest.raises(ValueError):
            cooldown(redis_client, namespace).publish(-1)


class TestMiddleware:
    """Before each attempt wait out the shared cool-down; after a 429 publish it."""

    def test_one_workers_429_makes_another_wait(self, redis_client, namespace):
        """A gets 429 Retry-After: 2; B's next request goes out only after a 2 s sleep."""
        fake = FakeTime(redis_client)
        a, b = cooldown(redis_client, namespace, fake), cooldown(redis_client, namespace, fake)
        fake.keys.append(a.key)
        limited = answers((429, {"Retry-After": "2"}))
        assert a(Request("GET", URL), limited).status == 429
        ok = answers(OK)
        assert b(Request("GET", URL), ok).status == 200
        assert fake.sleeps == [pytest.approx(2.0, abs=0.05)]
        assert len(ok.requests) == 1

    def test_nothing_is_published_without_retry_after(self, redis_client, namespace):
        """A 429 without a usable Retry-After publishes nothing."""
        cd = cooldown(redis_client, namespace)
        cd(Request("GET", URL), answers((429, {"Retry-After": "soon"})))
        cd(Request("GET", URL), answers((429, {})))
        assert cd.remaining() == 0
        assert redis_client.exists(cd.key) == 0

    def test_http_date_and_milliseconds(self, redis_client, namespace):
        """An HTTP-date is read on the injected wall clock; retry-after-ms wins when present."""
        now = 1_700_000_000.0
        dated = cooldown(redis_client, namespace + "-date", wall_clock=lambda: now)
        date = formatdate(now + 7, usegmt=True)
        dated(Request("GET", URL), answers((429, {"Retry-After": date})))
        assert dated.remaining() == pytest.approx(7, abs=0.05)
        millis = cooldown(redis_client, namespace + "-ms")
        millis(Request("GET", URL), answers((429, {"Retry-After": "1", "retry-after-ms": "9500"})))
        assert millis.remaining() == pytest.approx(9.5, abs=0.05)

    def test_a_wait_past_the_deadline_raises_at_once(self, redis_client, namespace):
        """Remaining 3 s, deadline in 1 s: RateLimitError(retry_after≈3), nothing sent or slept."""
        fake = FakeTime(redis_client)
        cd = cooldown(redis_client, namespace, fake)
        cd.publish(3)
        transport = answers(OK)
        request = Request("GET", URL, options=RequestOptions(deadline=fake.now + 1))
        with pytest.raises(RateLimitError, match="deadline") as info:
            cd(request, transport)
        assert info.value.retry_after == pytest.approx(3, abs=0.05)
        assert transport.requests == []
        assert fake.sleeps == []

    def test_a_wait_over_max_wait_raises_at_once(self, redis_client, namespace):
        """A wait longer than max_wait is not slept: RateLimitError with retry_after."""
        fake = FakeTime(redis_client)
        cd = cooldown(redis_client, namespace, fake, max_wait=10)
        cooldown(redis_client, namespace, fake, max_wait=60).publish(40)  # a worker allowing more
        with pytest.raises(RateLimitError, match="max_wait") as info:
            cd(Request("GET", URL), answers(OK))
        assert info.value.retry_after == pytest.approx(40, abs=0.05)
        assert fake.sleeps == []

    def test_an_extension_during_the_wait_is_waited_too(self, redis_client, namespace):
        """Another worker's longer 429 published while B sleeps: B sleeps again for the rest."""
        fake = FakeTime(redis_client)
        a, b = cooldown(redis_client, namespace, fake), cooldown(redis_client, namespace, fake)
        fake.keys.append(a.key)
        a.publish(1)
        fake.during_sleep = lambda: a.publish(4)
        b(Request("GET", URL), answers(OK))
        assert fake.sleeps == [pytest.approx(1, abs=0.05), pytest.approx(4, abs=0.05)]

    def test_scopes_keep_waits_apart(self, redis_client, namespace):
        """With a scope function, a 429 on creates does not pause status reads."""

        def scope(request):
            return "create" if request.method == "POST" else "read"

        fake = FakeTime(redis_client)
        cd = cooldown(redis_client, namespace, fake, scope=scope)
        create = Request.build("POST", "https://api.heygen.com/v3/videos", json={})
        cd(create, answers((429, {"Retry-After": "5"})))
        cd(Request("GET", URL), answers(OK))
        assert fake.sleeps == []
        assert cd.remaining("create") == pytest.approx(5, abs=0.05)
        assert redis_client.exists(f"{cd.key}:create") == 1

    def test_inside_backoff_there_is_no_double_wait(self, redis_client, namespace):
        """The worker that got the 429 waits once (its backoff); the cool-down adds nothing."""
        fake = FakeTime(redis_client)
        stack = with_shared_state(
            default_stack(KEY).replace("backoff", BackoffMiddleware(sleep=fake.sleep)),
            redis_client,
            api_key_id=key_id(KEY),
            namespace=namespace,
            sleep=fake.sleep,
            clock=fake.clock,
        )
        fake.keys.append(stack["cooldown"].key_of(Request("GET", URL)))
        transport = answers((429, {"Retry-After": "1"}), OK)
        assert stack.build(transport)(Request("GET", URL)).status == 200
        assert fake.sleeps == [1.0]
        assert len(transport.requests) == 2

    def test_repr(self, redis_client, namespace):
        """The repr names the key and policy."""
        assert f"{namespace}:cooldown:" in repr(cooldown(redis_client, namespace))

    @pytest.mark.parametrize(
        "options",
        [
            {"api_key_id": "has space"},
            {"max_wait": -1},
            {"sleep": 3},
            {"scope": "all"},
            {"on_error": "sometimes"},
        ],
    )
    def test_bad_options_fail_at_construction(self, redis_client, options):
        """A key id unfit for a key name, a negative max_wait or non-callables are refused."""
        options = {"api_key_id": key_id(KEY), **options}
        with pytest.raises((TypeError, ValueError)):
            SharedCooldown(redis_client, **options)


class TestWithSharedState:
    """with_shared_state wires a shared breaker and the cool-down into a stack."""

    def test_breaker_replaced_and_cooldown_inside_backoff(self, redis_client, namespace):
        """Same fail_max and reset_timeout on a Redis storage; cooldown right after backoff."""
        base = default_stack(fail_max=7, reset_timeout=12.0)
        stack = with_shared_state(base, redis_client, api_key_id="abc", namespace=namespace)
        assert stack.names == (
            "envelope",
            "backoff",
            "cooldown",
            "redirects",
            "breaker",
            "logging",
            "auth",
        )
        breaker = stack["breaker"]
        assert isinstance(breaker.breaker._state_storage, RedisBreakerStorage)
        assert (breaker.breaker.fail_max, breaker.breaker.reset_timeout) == (7, 12.0)
        assert base["breaker"] is not breaker  # the original stack is untouched

    def test_every_breaker_setting_is_kept(self, redis_client, namespace):
        """half_open_max_calls, the clock, hosts, exclusions and listeners survive the swap."""
        listener = pybreaker.CircuitBreakerListener()
        breaker = pybreaker.CircuitBreaker(
            fail_max=3,
            reset_timeout=9.0,
            exclude=[KeyError],
            listeners=[listener],
            name="mine",
        )
        now = [1_000.0]
        middleware = CircuitBreakerMiddleware(
            breaker,
            half_open_max_calls=4,
            clock=lambda: now[0],
            hosts=["api.example.com"],
        )
        base = default_stack().replace("breaker", middleware)
        shared = with_shared_state(base, redis_client, api_key_id="abc", namespace=namespace)
        got = shared["breaker"]
        assert got._half_open_max_calls == 4
        assert got._clock() == 1_000.0
        assert got.hosts == frozenset({"api.example.com"})
        assert tuple(got.breaker.excluded_exceptions) == (KeyError,)
        assert listener in got.breaker.listeners
        assert (got.breaker.name, got.breaker.fail_max, got.breaker.reset_timeout) == (
            "mine",
            3,
            9.0,
        )
        assert isinstance(got.breaker._state_storage, RedisBreakerStorage)

    def test_without_backoff_the_cooldown_goes_first(self, redis_client, namespace):
        """No backoff in the stack: the cool-down is outermost."""
        stack = with_shared_state(
            default_stack().remove("backoff"), redis_client, api_key_id="abc", namespace=namespace
        )
        assert stack.names[0] == "cooldown"

    def test_a_foreign_breaker_is_refused(self, redis_client):
        """A 'breaker' that is not a CircuitBreakerMiddleware cannot be shared."""
        stack = default_stack().replace("breaker", lambda request, call_next: call_next(request))
        with pytest.raises(TypeError, match="CircuitBreakerMiddleware"):
            with_shared_state(stack, redis_client, api_key_id="abc")

    def test_only_stacks(self, redis_client):
        """A list of middlewares is not a Stack."""
        with pytest.raises(TypeError):
            with_shared_state([CircuitBreakerMiddleware()], redis_client, api_key_id="abc")


class TestFourProcesses:
    """Real processes on one Redis and one FakeHeyGen: one 429 pauses them all."""

    def test_the_others_wait_out_the_retry_after(self, redis_server, namespace, workers):
        """One worker meets 429 Retry-After: 1; nothing reaches the server for 1 s after it."""
        with FakeHeyGen() as fake:
            fake.inject("GET", "/v2/avatars", Fault.rate_limited("1"))
            config = {
                "redis_url": redis_server.url,
                "namespace": namespace,
                "base_url": fake.base_url,
                "api_key": fake.api_key,
                "peers": 4,
            }
            first = workers("cooldown", role="first", **config)
            others = [workers("cooldown", role="other", **config) for _ in range(3)]
            results = [first.finish(), *(w.finish() for w in others)]
            seen = fake.requests_for("GET", "/v2/avatars")
        limited = [r for r in seen if r.time <= results[0]["started"] + 0.5]
        assert len(limited) == 1
        t429 = limited[0].time
        later = [r.time for r in seen if r is not limited[0]]
        assert len(later) == 1 + 3 * 2  # the first worker's retry, and two calls per other
        assert min(later) >= t429 + 0.9
        assert max(later) <= t429 + 3.0
        for other in results[1:]:
            assert other["seen"] < t429 + 0.9  # they were ready to send well before


CDN = "https://cdn.example.com/videos/v1.mp4"
A_YEAR = str(365 * 24 * 3600)


class TestOnlyTheApiCounts:
    """A 429 from another host (the CDN) pauses no API call; over-cap waits are not stored."""

    def shared_cooldown(self, client, ns, fake, stack=None, **options):
        """The cool-down with_shared_state puts in ``stack``, on the fake time."""
        stack = stack if stack is not None else default_stack(base_url="https://api.heygen.com")
        wired = with_shared_state(
            stack,
            client,
            api_key_id=key_id(KEY),
            namespace=ns,
            sleep=fake.sleep,
            clock=fake.clock,
            **options,
        )
        return wired["cooldown"]

    def test_a_cdn_429_pauses_no_api_call(self, redis_client, namespace):
        """The CDN answers 429 Retry-After 20: API calls go out at once; nothing is stored."""
        fake = FakeTime(redis_client)
        cd = self.shared_cooldown(redis_client, namespace, fake)
        assert cd.hosts == {"api.heygen.com", "upload.heygen.com"}
        cd(Request("GET", CDN), answers((429, {"Retry-After": "20"})))
        ok = answers(OK)
        assert cd(Request("GET", URL), ok).status == 200
        assert fake.sleeps == []
        assert redis_client.keys(f"{namespace}:*") == []

    def test_without_an_allowlist_each_host_waits_alone(self, redis_client, namespace):
        """A stack guarding every host: the CDN's 429 pauses the CDN, not the API."""
        fake = FakeTime(redis_client)
        cd = self.shared_cooldown(redis_client, namespace, fake, stack=default_stack())
        assert cd.hosts is None
        cd(Request("GET", CDN), answers((429, {"Retry-After": "20"})))
        assert cd(Request("GET", URL), answers(OK)).status == 200
        assert fake.sleeps == []
        assert cd.remaining(cd.key_of(Request("GET", CDN))[len(cd.key) + 1 :]) > 19

    def test_a_wait_over_the_cap_is_not_stored_for_everyone(self, redis_client, namespace):
        """Retry-After of a year: not published, so another worker is not stopped by it."""
        fake = FakeTime(redis_client)
        a = self.shared_cooldown(redis_client, namespace, fake)
        b = self.shared_cooldown(redis_client, namespace, fake)
        assert a(Request("GET", URL), answers((429, {"Retry-After": A_YEAR}))).status == 429
        assert redis_client.keys(f"{namespace}:*") == []
        assert b(Request("GET", URL), answers(OK)).status == 200
        assert fake.sleeps == []

    def test_the_cap_is_the_backoff_policy_s(self, redis_client, namespace):
        """With the backoff capped at 5 s, a 10 s Retry-After is not published; a 4 s one is."""
        fake = FakeTime(redis_client)
        stack = default_stack(base_url="https://api.heygen.com", backoff=BackoffPolicy(max_delay=5))
        cd = self.shared_cooldown(redis_client, namespace, fake, stack=stack)
        cd(Request("GET", URL), answers((429, {"Retry-After": "10"})))
        assert cd.remaining() == 0
        cd(Request("GET", URL), answers((429, {"Retry-After": "4"})))
        assert cd.remaining() == pytest.approx(4, abs=0.05)

    def test_publish_refuses_more_than_max_wait(self, redis_client, namespace):
        """publish() over max_wait is a ValueError naming the field; nothing is stored."""
        with pytest.raises(ValueError, match="max_wait"):
            cooldown(redis_client, namespace, max_wait=5).publish(6)
        assert redis_client.keys(f"{namespace}:*") == []

    def test_hosts_must_be_a_list_of_names(self, redis_client, namespace):
        """hosts="api.heygen.com" (a str, not a list) is a TypeError."""
        with pytest.raises(TypeError, match="hosts"):
            cooldown(redis_client, namespace, hosts="api.heygen.com")

    def test_a_wait_that_ends_at_the_deadline_sends_nothing(self, redis_client, namespace):
        """A wait that uses up the deadline: TimeoutError (nothing sent), not a late request."""
        from heygen_pipeline import TimeoutError as HeyGenTimeoutError  # noqa: PLC0415

        fake = FakeTime(redis_client)
        cd = cooldown(redis_client, namespace, fake)
        fake.keys.append(cd.key)
        cd.publish(2)
        transport = answers(OK)
        request = Request("GET", URL, options=RequestOptions(deadline=fake.now + 2.0))
        with pytest.raises(HeyGenTimeoutError) as info:
            cd(request, transport)
        assert info.value.sent is False
        assert transport.requests == []
