import http.server
import json
import logging
import math
import threading

import attrs
import pytest
import structlog
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from structlog.testing import LogCapture, capture_logs

from heygen_pipeline import Request, RequestOptions, Stack, Timeout, Urllib3Transport
from heygen_pipeline._redact import register_secret
from heygen_pipeline.errors import (
    CircuitOpenError,
    ConnectError,
    HeyGenError,
    ProtocolError,
    RateLimitError,
    ReadTimeoutError,
    TimeoutError,  # noqa: A004 - the library's own TimeoutError is what is tested
    TransportError,
)
from heygen_pipeline.middleware import ATTEMPT, _backoff
from heygen_pipeline.middleware._backoff import BackoffMiddleware
from heygen_pipeline.middleware._backoff_policy import (
    RETRY_AFTER_EXCEEDS_CAP,
    SUCCESS_DECISIONS,
    AttemptRecord,
    BackoffPolicy,
    decide,
    is_replay_safe,
)
from heygen_pipeline.middleware._context import Attempt
from heygen_pipeline.middleware._retry_after import (
    MAX_RETRY_AFTER,
    format_http_date,
    parse_retry_after,
    parse_retry_after_value,
)
from heygen_pipeline.testing import MockTransport, make_response
from heygen_pipeline.testing._strategies_backoff import (
    REFERENCE_EPOCH,
    attempt_histories,
    attempt_outcomes,
    backoff_policies,
    backoff_requests,
    jitter_samples,
    retry_after_headers,
    retry_after_values,
)

URL = "https://api.heygen.com/v3/videos"
EPOCH = 1_700_000_000.0
IN_PROGRESS = {"error": {"code": "request_in_progress", "message": "still running"}}


class FakeTime:
    """A monotonic and a wall clock that move only when something sleeps or advances them."""

    def __init__(self, start=100.0):
        """Start the monotonic clock at ``start``; no sleeps yet."""
        self.now = start
        self.sleeps = []

    def clock(self):
        """The monotonic time."""
        return self.now

    def wall(self):
        """Unix time, moving with the monotonic clock."""
        return EPOCH + self.now

    def sleep(self, seconds):
        """Record the wait and let that much time pass."""
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds):
        """Let time pass without sleeping (work done by the transport)."""
        self.now += seconds


def middleware(fake, policy=None, *, jitter=0.5):
    """A BackoffMiddleware on fake time with a fixed jitter sample (0.5 = factor 1)."""
    return BackoffMiddleware(
        policy,
        sleep=fake.sleep,
        clock=fake.clock,
        wall_clock=fake.wall,
        random=lambda: jitter,
    )


def scripted(*steps):
    """A MockTransport answering with ``steps`` in order (a status, (status, kw) or an error)."""
    remaining = list(steps)

    def handler(request):
        step = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(step, BaseException):
            raise step
        status, kwargs = step if isinstance(step, tuple) else (step, {})
        return make_response(request, status, **kwargs)

    return MockTransport(handler)


def run(mw, transport, request):
    """Send ``request`` through a one-middleware stack."""
    return Stack([("backoff", mw)]).build(transport)(request)


def outcome_for(request, status, headers=None, body=b""):
    """A response to ``request``."""
    return make_response(request, status, content=body, headers=headers)


def decide_now(policy, request, outcome, history=(), *, now=0.0, deadline=None, jitter=0.5):
    """``decide`` with everyday defaults for the arguments a test does not care about."""
    return decide(
        policy,
        request,
        history,
        outcome,
        now=now,
        now_epoch=EPOCH,
        deadline=deadline,
        jitter=jitter,
    )


class TestRetryAfter:
    """parse_retry_after: every form servers send, and total on garbage."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("120", 120.0), ("0", 0.0), ("1.5", 1.5), (" 7 ", 7.0), (".5", 0.5), ("12, 12", 12.0)],
    )
    def test_seconds_forms(self, value, expected):
        """Delta-seconds, float seconds, padding and a proxy-joined repeat all read as seconds."""
        assert parse_retry_after({"Retry-After": value}, now_epoch=EPOCH) == expected

    def test_future_http_date(self):
        """An HTTP-date in the future gives the seconds from now until it."""
        headers = {"Retry-After": format_http_date(EPOCH + 90)}
        assert parse_retry_after(headers, now_epoch=EPOCH) == pytest.approx(90.0)

    def test_past_http_date_is_zero(self):
        """An HTTP-date in the past means "retry now", not a negative wait."""
        headers = {"Retry-After": format_http_date(EPOCH - 3600)}
        assert parse_retry_after(headers, now_epoch=EPOCH) == 0.0

    @pytest.mark.parametrize(
        "value", ["Tuesday, 14-Nov-23 22:13:30 GMT", "Tue Nov 14 22:13:30 2023"]
    )
    def test_obsolete_date_forms(self, value):
        """RFC 850 and asctime dates (read as GMT) are understood too."""
        assert parse_retry_after_value(value, now_epoch=EPOCH) == pytest.approx(10.0)

    def test_milliseconds_header_wins(self):
        """``retry-after-ms`` is the more precise hint and takes precedence."""
        headers = {"Retry-After": "9", "retry-after-ms": "1500"}
        assert parse_retry_after(headers, now_epoch=EPOCH) == 1.5

    def test_bad_milliseconds_fall_back(self):
        """An unusable ``retry-after-ms`` falls back to ``Retry-After``."""
        headers = {"retry-after-ms": "soon", "RETRY-AFTER": "4"}
        assert parse_retry_after(headers, now_epoch=EPOCH) == 4.0

    def test_names_ignore_case_in_plain_dicts(self):
        """Header names match in any case even in a plain dict."""
        assert parse_retry_after({"rEtRy-AfTeR": "3"}, now_epoch=EPOCH) == 3.0

    def test_missing_is_none(self):
        """No header means no hint."""
        assert parse_retry_after({"Content-Type": "text/plain"}, now_epoch=EPOCH) is None

    @pytest.mark.parametrize(
        "value",
        [
            "-1",
            "-0.5",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e3",
            "1_000",
            "0x10",
            "",
            "soon",
            "1.5.2",
            "9" * 40,
            "\u0663",
            "Sun, 06 Nov 99999 08:49:37 GMT",
            "Sun, 32 Nov 2023 08:49:37 GMT",
            str(int(MAX_RETRY_AFTER) + 1),
            "x" * 500,
        ],
    )
    def test_garbage_is_none(self, value):
        """Negative, non-finite, exotic, out-of-range or unparsable values give None."""
        assert parse_retry_after({"Retry-After": value}, now_epoch=EPOCH) is None

    @given(st.text(max_size=60), st.floats(allow_nan=True, allow_infinity=True))
    def test_any_text_never_raises(self, value, now_epoch):
        """Property: any text, at any 'now', gives None or a finite number of seconds >= 0."""
        result = parse_retry_after_value(value, now_epoch=now_epoch)
        assert result is None or (math.isfinite(result) and 0 <= result <= MAX_RETRY_AFTER)

    @given(retry_after_values())
    def test_header_values_never_raise(self, value):
        """Property: every generated header value gives None or finite seconds in range."""
        result = parse_retry_after({"Retry-After": value}, now_epoch=REFERENCE_EPOCH)
        assert result is None or (math.isfinite(result) and 0 <= result <= MAX_RETRY_AFTER)

    @given(retry_after_headers())
    def test_any_headers_never_raise(self, headers):
        """Property: any mix of the two headers gives None or a finite number of seconds >= 0."""
        result = parse_retry_after(headers, now_epoch=REFERENCE_EPOCH)
        assert result is None or (math.isfinite(result) and result >= 0)

    @given(st.integers(min_value=0, max_value=10**6))
    def test_integers_round_trip(self, seconds):
        """Property: delta-seconds read back exactly."""
        assert parse_retry_after_value(str(seconds), now_epoch=EPOCH) == seconds


class TestBackoffPolicy:
    """BackoffPolicy: defaults, validation and the jittered exponential wait."""

    def test_defaults_match_the_official_cli(self):
        """3 attempts, base 1 s, x2, cap 30 s, jitter 0.75-1.25, 429/500/502/503/504."""
        policy = BackoffPolicy()
        assert (policy.max_attempts, policy.base, policy.multiplier, policy.max_delay) == (
            3,
            1.0,
            2.0,
            30.0,
        )
        assert (policy.jitter_min, policy.jitter_max) == (0.75, 1.25)
        assert policy.retry_statuses == {429, 500, 502, 503, 504}
        assert policy.idempotent_methods == {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}
        assert policy.respect_retry_after is True

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"max_attempts": 0}, ValueError),
            ({"max_attempts": 2.0}, TypeError),
            ({"max_attempts": True}, TypeError),
            ({"base": -1}, ValueError),
            ({"base": "1"}, TypeError),
            ({"max_delay": math.inf}, ValueError),
            ({"max_delay": math.nan}, ValueError),
            ({"multiplier": 0.5}, ValueError),
            ({"jitter_min": 1.5, "jitter_max": 1.0}, ValueError),
            ({"retry_statuses": "429"}, TypeError),
            ({"retry_statuses": {"429"}}, TypeError),
            ({"retry_statuses": {42}}, ValueError),
            ({"idempotent_methods": [1]}, TypeError),
            ({"respect_retry_after": 1}, TypeError),
        ],
    )
    def test_bad_values_fail_clearly(self, kwargs, error):
        """Wrong types raise TypeError and out-of-range values ValueError, naming the field."""
        with pytest.raises(error, match="|".join(kwargs)):
            BackoffPolicy(**kwargs)

    def test_methods_are_upper_cased(self):
        """Methods are normalised so ``get`` configures GET."""
        assert BackoffPolicy(idempotent_methods=["get"]).idempotent_methods == {"GET"}

    def test_exponential_growth_with_neutral_jitter(self):
        """With a jitter factor of 1 the waits are base, base*m, base*m^2, then the cap."""
        policy = BackoffPolicy(jitter_min=1.0, jitter_max=1.0, max_delay=5.0)
        assert [policy.backoff(n, 0.3) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]

    def test_huge_exponents_do_not_overflow(self):
        """Far-off retry numbers give the jittered cap, not an OverflowError."""
        policy = BackoffPolicy(multiplier=10.0)
        assert policy.backoff(10_000, 0.0) == 22.5
        assert policy.backoff(10_000, 1.0) == 30.0

    @given(backoff_policies(), st.integers(min_value=1, max_value=50), jitter_samples())
    def test_backoff_within_jitter_band_and_cap(self, policy, number, jitter):
        """Property: a backoff lies within the jitter band of the capped raw wait, under the cap."""
        raw = min(policy.base * policy.multiplier ** (number - 1), policy.max_delay)
        wait = policy.backoff(number, jitter)
        assert 0 <= wait <= policy.max_delay
        low = min(raw * policy.jitter_min, policy.max_delay)
        high = min(raw * policy.jitter_max, policy.max_delay)
        assert low - 1e-9 <= wait <= high + 1e-9


class TestDecide:
    """decide: the pure retry decision, property-tested."""

    @settings(max_examples=200)
    @given(st.data(), backoff_policies(), backoff_requests(), attempt_histories(), jitter_samples())
    def test_invariants(self, data, policy, request_, history, jitter):
        """Property: a retry waits <= the cap, ends before the deadline, >= Retry-After."""
        outcome = data.draw(attempt_outcomes(request_))
        now = data.draw(st.floats(min_value=0, max_value=1e4))
        deadline = data.draw(st.one_of(st.none(), st.floats(min_value=-10, max_value=100)))
        deadline = None if deadline is None else now + deadline
        decision = decide(
            policy,
            request_,
            history,
            outcome,
            now=now,
            now_epoch=REFERENCE_EPOCH,
            deadline=deadline,
            jitter=jitter,
        )
        max_attempts = request_.options.max_attempts or policy.max_attempts
        if not decision.retry:
            return
        assert 0 <= decision.delay <= policy.max_delay
        assert deadline is None or now + decision.delay < deadline
        assert len(history) + 1 < max_attempts
        assert not isinstance(outcome, CircuitOpenError)
        asked = None
        if policy.respect_retry_after and not isinstance(outcome, BaseException):
            asked = parse_retry_after(outcome.headers, now_epoch=REFERENCE_EPOCH)
        if asked is not None:
            assert decision.delay >= asked

    @given(st.data(), backoff_policies(), attempt_histories(), jitter_samples())
    def test_unsafe_requests_not_retried_once_sent(self, data, policy, history, jitter):
        """Property: an unkeyed POST/PATCH is never retried after a 5xx or a sent error."""
        method = data.draw(st.sampled_from(["POST", "PATCH"]))
        idempotent = data.draw(st.sampled_from([None, False]))
        request_ = Request.build(
            method, URL, json={}, options=RequestOptions(idempotent=idempotent)
        )
        outcome = data.draw(
            st.one_of(
                st.sampled_from([500, 502, 503, 504]).map(lambda s: outcome_for(request_, s)),
                st.sampled_from([ReadTimeoutError, ProtocolError, TransportError]).map(
                    lambda cls: cls("boom", request=request_)
                ),
            )
        )
        decision = decide(
            policy,
            request_,
            history,
            outcome,
            now=0.0,
            now_epoch=EPOCH,
            deadline=None,
            jitter=jitter,
        )
        assert not decision.retry
        assert "not idempotent" in decision.reason

    @given(st.data(), backoff_policies(), jitter_samples())
    def test_unsafe_requests_retried_on_429_and_unsent_errors(self, data, policy, jitter):
        """Property: an unkeyed POST is retried on 429 (hint within the cap) and on ConnectError."""
        assume(policy.max_attempts >= 2)
        request_ = Request.build("POST", URL, json={}, options=RequestOptions(idempotent=False))
        hint = data.draw(st.one_of(st.none(), st.floats(min_value=0, max_value=policy.max_delay)))
        headers = {} if hint is None else {"Retry-After": f"{hint:.6f}"}
        assume(hint is None or float(f"{hint:.6f}") <= policy.max_delay)
        outcome = data.draw(
            st.sampled_from(
                [
                    outcome_for(request_, 429, headers),
                    ConnectError("refused", request=request_),
                    TimeoutError("connect timed out", request=request_),
                ]
            )
        )
        if isinstance(outcome, TimeoutError):
            outcome.sent = False
        history = data.draw(attempt_histories(max_size=policy.max_attempts - 2))
        decision = decide(
            policy,
            request_,
            history,
            outcome,
            now=0.0,
            now_epoch=EPOCH,
            deadline=None,
            jitter=jitter,
        )
        assert decision.retry, decision.reason

    @given(st.data(), backoff_policies(), backoff_requests(), jitter_samples())
    def test_retry_after_sets_the_wait(self, data, policy, request_, jitter):
        """Property: on 429, a Retry-After within the cap is the wait; above it, a give-up."""
        policy = attrs.evolve(policy, respect_retry_after=True)
        max_attempts = request_.options.max_attempts or policy.max_attempts
        assume(max_attempts >= 2)
        assume(request_.body is None or isinstance(request_.body, bytes))
        hint = data.draw(st.integers(min_value=0, max_value=120))
        headers = data.draw(
            st.sampled_from([{"Retry-After": str(hint)}, {"retry-after-ms": str(hint * 1000)}])
        )
        history = data.draw(attempt_histories(max_size=max_attempts - 2))
        decision = decide(
            policy,
            request_,
            history,
            outcome_for(request_, 429, headers),
            now=0.0,
            now_epoch=EPOCH,
            deadline=None,
            jitter=jitter,
        )
        if hint <= policy.max_delay:
            assert (decision.retry, decision.delay) == (True, hint)
        else:
            assert (decision.retry, decision.reason) == (False, RETRY_AFTER_EXCEEDS_CAP)
            assert decision.delay == hint

    def test_over_cap_retry_after_gives_up_with_the_asked_wait(self):
        """A 429 asking for more than the cap is a give-up naming the cap, carrying the wait."""
        request_ = Request.build("GET", URL)
        decision = decide_now(
            BackoffPolicy(), request_, outcome_for(request_, 429, {"Retry-After": "120"})
        )
        assert decision == type(decision)(
            retry=False, delay=120.0, reason=RETRY_AFTER_EXCEEDS_CAP, gave_up=True
        )

    def test_over_cap_on_503_is_not_a_rate_limit(self):
        """A 503 asking for more than the cap is returned as it is, not turned into a 429 error."""
        request_ = Request.build("GET", URL)
        decision = decide_now(
            BackoffPolicy(), request_, outcome_for(request_, 503, {"Retry-After": "120"})
        )
        assert not decision.retry
        assert decision.reason != RETRY_AFTER_EXCEEDS_CAP
        assert "more than the 30 s cap" in decision.reason

    def test_retry_after_ignored_when_disabled(self):
        """With respect_retry_after off, the server's hint is ignored in favour of backoff."""
        request_ = Request.build("GET", URL)
        policy = BackoffPolicy(respect_retry_after=False, jitter_min=1.0, jitter_max=1.0)
        decision = decide_now(policy, request_, outcome_for(request_, 429, {"Retry-After": "600"}))
        assert (decision.retry, decision.delay) == (True, 1.0)

    def test_out_of_attempts(self):
        """The last allowed attempt is never followed by another, even on 429."""
        request_ = Request.build("GET", URL, options=RequestOptions(max_attempts=2))
        history = [AttemptRecord("HTTP 429", sent=True, delay=1.0)]
        decision = decide_now(BackoffPolicy(), request_, outcome_for(request_, 429), history)
        assert not decision.retry
        assert "out of attempts (2 of 2)" in decision.reason

    @pytest.mark.parametrize(
        ("body", "keyed", "retry"),
        [
            (json.dumps(IN_PROGRESS).encode(), True, True),
            (b'{"error": "request_in_progress"}', True, True),
            (b'{"code": "request_in_progress"}', True, True),
            (json.dumps(IN_PROGRESS).encode(), False, False),
            (b'{"error": {"code": "conflict"}}', True, False),
            (b"<html>409</html>", True, False),
            (b"\xff\xfe", True, False),
            (b"[1, 2]", True, False),
            (b"[" * 100_000, True, False),
            (b'{"error": {"code": true}, "code": "request_in_progress"}', True, True),
        ],
    )
    def test_conflict_in_progress(self, body, keyed, retry):
        """409 request_in_progress is waited out only for keyed requests; any body is tolerated."""
        options = RequestOptions(idempotency_key="key-1" if keyed else None)
        request_ = Request.build("POST", URL, json={}, options=options)
        decision = decide_now(BackoffPolicy(), request_, outcome_for(request_, 409, body=body))
        assert decision.retry is retry

    @pytest.mark.parametrize(
        ("method", "idempotent", "key", "safe"),
        [
            ("GET", None, None, True),
            ("POST", None, None, False),
            ("POST", None, "k", True),
            ("POST", True, None, True),
            ("GET", False, None, False),
            ("POST", False, "k", False),
        ],
    )
    def test_replay_safety(self, method, idempotent, key, safe):
        """The explicit option wins; otherwise an idempotent method or a key makes a replay safe."""
        options = RequestOptions(idempotent=idempotent, idempotency_key=key)
        request_ = Request.build(method, URL, options=options)
        assert is_replay_safe(BackoffPolicy(), request_) is safe
        assert decide_now(BackoffPolicy(), request_, outcome_for(request_, 503)).retry is safe

    def test_one_shot_body_not_replayed_after_sending(self):
        """An iterator body that went out cannot be sent again, even for a keyed request."""
        options = RequestOptions(idempotency_key="k")
        request_ = Request.build("POST", URL, content=iter([b"a"]), options=options)
        decision = decide_now(BackoffPolicy(), request_, outcome_for(request_, 503))
        assert not decision.retry
        assert "one-shot" in decision.reason

    def test_one_shot_body_retried_when_never_sent(self):
        """An iterator body is still whole after a refused connection: retrying is fine."""
        request_ = Request.build("POST", URL, content=iter([b"a"]))
        error = ConnectError("refused", request=request_)
        assert decide_now(BackoffPolicy(), request_, error).retry
        history = [AttemptRecord("ReadTimeoutError", sent=True, delay=1.0)]
        assert not decide_now(BackoffPolicy(), request_, error, history).retry

    @pytest.mark.parametrize(
        "error", [CircuitOpenError("open", retry_after=5.0), HeyGenError("other")]
    )
    def test_non_transport_errors_fail_fast(self, error):
        """An open circuit (or any non-transport error) is never retried."""
        request_ = Request.build("GET", URL)
        decision = decide_now(BackoffPolicy(), request_, error)
        assert not decision.retry
        assert type(error).__name__ in decision.reason

    def test_deadline_forbids_a_long_wait(self):
        """A wait that would end at or after the deadline is not taken."""
        request_ = Request.build("GET", URL)
        outcome = outcome_for(request_, 429, {"Retry-After": "5"})
        assert not decide_now(BackoffPolicy(), request_, outcome, now=10.0, deadline=15.0).retry
        assert decide_now(BackoffPolicy(), request_, outcome, now=10.0, deadline=15.1).retry

    @given(backoff_policies(), jitter_samples())
    def test_is_deterministic(self, policy, jitter):
        """Property: the same inputs give the same decision (nothing hidden is read)."""
        request_ = Request.build("GET", URL)
        outcome = outcome_for(request_, 503)
        assert decide_now(policy, request_, outcome, jitter=jitter) == decide_now(
            policy, request_, outcome, jitter=jitter
        )


class TestBackoffMiddleware:
    """BackoffMiddleware over MockTransport with fake sleep and clocks."""

    def test_429_then_200_sleeps_the_retry_after(self):
        """A 429 with Retry-After: 7 is followed by exactly one 7-second sleep, then success."""
        fake = FakeTime()
        transport = scripted((429, {"headers": {"Retry-After": "7"}}), 200)
        response = run(middleware(fake), transport, Request.build("POST", URL, json={}))
        assert response.status == 200
        assert fake.sleeps == [7.0]
        assert len(transport.requests) == 2

    def test_http_date_retry_after_uses_the_wall_clock(self):
        """An HTTP-date Retry-After is measured against the injected wall clock."""
        fake = FakeTime()
        date = format_http_date(fake.wall() + 12)
        transport = scripted((429, {"headers": {"Retry-After": date}}), 200)
        run(middleware(fake), transport, Request.build("GET", URL))
        assert fake.sleeps == [pytest.approx(12.0)]

    def test_over_cap_raises_rate_limit_at_once(self):
        """Retry-After above the cap raises RateLimitError with retry_after, without sleeping."""
        fake = FakeTime()
        headers = {"Retry-After": "3600", "X-Request-Id": "req-9"}
        body = {"error": {"code": "quota_exceeded", "message": "daily quota used up"}}
        transport = scripted((429, {"headers": headers, "json": body}))
        with pytest.raises(RateLimitError) as caught:
            run(middleware(fake), transport, Request.build("GET", URL))
        error = caught.value
        assert (error.status, error.retry_after, error.request_id) == (429, 3600.0, "req-9")
        assert error.code == "quota_exceeded"
        assert "daily quota" in error.body_excerpt
        assert "3600 s" in str(error)
        assert "30 s cap" in str(error)
        assert fake.sleeps == []
        assert len(transport.requests) == 1

    def test_429_out_of_attempts_returns_the_response(self):
        """When attempts run out on 429 the response itself comes back for the envelope."""
        fake = FakeTime()
        transport = scripted((429, {"headers": {"Retry-After": "1"}}))
        response = run(middleware(fake), transport, Request.build("GET", URL))
        assert response.status == 429
        assert fake.sleeps == [1.0, 1.0]
        assert len(transport.requests) == 3

    def test_5xx_burst_retried_for_get_with_backoff(self):
        """GET gets three attempts through a 5xx burst, waiting 1 s then 2 s (jitter factor 1)."""
        fake = FakeTime()
        transport = scripted(502, 503, 200)
        response = run(middleware(fake), transport, Request.build("GET", URL))
        assert response.status == 200
        assert fake.sleeps == [1.0, 2.0]

    def test_jitter_scales_the_wait(self):
        """The injected random sample sets the jitter factor (0 gives the lower bound, 0.75)."""
        fake = FakeTime()
        run(middleware(fake, jitter=0.0), scripted(503, 200), Request.build("GET", URL))
        assert fake.sleeps == [0.75]

    def test_5xx_not_retried_for_unkeyed_post(self):
        """A POST without Idempotency-Key is sent once; its 503 is returned as it is."""
        fake = FakeTime()
        transport = scripted(503, 200)
        response = run(middleware(fake), transport, Request.build("POST", URL, json={}))
        assert response.status == 503
        assert len(transport.requests) == 1
        assert fake.sleeps == []

    def test_5xx_retried_for_keyed_post_with_the_same_key(self):
        """A keyed POST is retried through a 5xx burst with the identical Idempotency-Key."""
        fake = FakeTime()
        transport = scripted(500, 504, 200)
        options = RequestOptions(idempotency_key="create-video-42")
        response = run(
            middleware(fake), transport, Request.build("POST", URL, json={}, options=options)
        )
        assert response.status == 200
        keys = [r.headers["Idempotency-Key"] for r in transport.requests]
        assert keys == ["create-video-42"] * 3

    def test_409_in_progress_waited_out(self):
        """A keyed POST answered 409 request_in_progress is sent again with the same key."""
        fake = FakeTime()
        transport = scripted((409, {"json": IN_PROGRESS}), (201, {"json": {"data": {}}}))
        options = RequestOptions(idempotency_key="k-1")
        response = run(
            middleware(fake), transport, Request.build("POST", URL, json={}, options=options)
        )
        assert response.status == 201
        assert [r.idempotency_key for r in transport.requests] == ["k-1", "k-1"]
        assert fake.sleeps == [1.0]

    def test_connect_error_retried_for_post(self):
        """A refused connection (nothing sent) is retried even for an unkeyed POST."""
        fake = FakeTime()
        transport = scripted(ConnectError("refused"), 200)
        response = run(middleware(fake), transport, Request.build("POST", URL, json={}))
        assert response.status == 200

    def test_sent_error_reraised_for_post(self):
        """A read timeout on an unkeyed POST is raised after one attempt (it may have acted)."""
        fake = FakeTime()
        error = ReadTimeoutError("slow")
        transport = scripted(error, 200)
        with pytest.raises(ReadTimeoutError) as caught:
            run(middleware(fake), transport, Request.build("POST", URL, json={}))
        assert caught.value is error
        assert len(transport.requests) == 1

    def test_last_error_reraised_when_out_of_attempts(self):
        """A GET failing every attempt raises the last error, after max_attempts tries."""
        fake = FakeTime()
        errors = [ProtocolError(f"reset {n}") for n in range(3)]
        transport = scripted(*errors)
        with pytest.raises(ProtocolError) as caught:
            run(middleware(fake), transport, Request.build("GET", URL))
        assert caught.value is errors[2]
        assert len(transport.requests) == 3

    def test_circuit_open_fails_fast(self):
        """CircuitOpenError propagates at once: no retry, no sleep."""
        fake = FakeTime()
        transport = scripted(CircuitOpenError("open", retry_after=3.0), 200)
        with pytest.raises(CircuitOpenError):
            run(middleware(fake), transport, Request.build("GET", URL))
        assert fake.sleeps == []
        assert len(transport.requests) == 1

    def test_unexpected_exceptions_propagate(self):
        """An exception outside the error tree (a bug) is not retried or swallowed."""
        fake = FakeTime()
        transport = scripted(KeyError("bug"), 200)
        with pytest.raises(KeyError):
            run(middleware(fake), transport, Request.build("GET", URL))
        assert len(transport.requests) == 1

    def test_one_shot_body_sent_once(self):
        """A keyed POST streaming an iterator body is not replayed after a 503."""
        fake = FakeTime()
        transport = scripted(503, 200)
        options = RequestOptions(idempotency_key="k")
        request_ = Request.build("POST", URL, content=iter([b"x"]), options=options)
        assert run(middleware(fake), transport, request_).status == 503
        assert len(transport.requests) == 1

    def test_max_attempts_from_options(self):
        """RequestOptions.max_attempts overrides the policy, both up and down."""
        for attempts in (1, 5):
            fake = FakeTime()
            transport = scripted(503)
            request_ = Request.build("GET", URL, options=RequestOptions(max_attempts=attempts))
            run(middleware(fake, BackoffPolicy(max_delay=2.0)), transport, request_)
            assert len(transport.requests) == attempts
            assert len(fake.sleeps) == attempts - 1

    def test_deadline_stops_retries_and_shrinks_timeouts(self):
        """Each attempt's timeouts shrink to the time left; no wait runs past the deadline."""
        fake = FakeTime()
        seen = []

        def handler(request):
            seen.append(request.options.timeout)
            fake.advance(0.25)  # every attempt takes a quarter second
            return make_response(request, 503)

        options = RequestOptions(
            deadline=fake.now + 4.0, max_attempts=10, timeout=Timeout(connect=1.0, read=None)
        )
        response = run(
            middleware(fake), MockTransport(handler), Request.build("GET", URL, options=options)
        )
        assert response.status == 503
        # 4 s left; 0.25 + 1 s wait -> 2.75 left; 0.25 + 2 s -> 0.5 left; a 4 s wait won't fit
        assert seen == [Timeout(1.0, 4.0), Timeout(1.0, 2.75), Timeout(0.5, 0.5)]
        assert fake.sleeps == [1.0, 2.0]
        assert fake.now <= 100.0 + 4.0

    def test_deadline_shrinks_the_default_timeout(self):
        """Without a request timeout, the middleware's default_timeout is what gets shrunk."""
        fake = FakeTime()
        transport = scripted(200)
        mw = BackoffMiddleware(
            clock=fake.clock, sleep=fake.sleep, default_timeout=Timeout(connect=2.0, read=60.0)
        )
        options = RequestOptions(deadline=fake.now + 5.0)
        run(mw, transport, Request.build("GET", URL, options=options))
        assert transport.requests[0].options.timeout == Timeout(2.0, 5.0)

    def test_no_deadline_leaves_timeouts_alone(self):
        """Without a deadline the request's timeout (or None) reaches the transport unchanged."""
        fake = FakeTime()
        transport = scripted(200)
        run(middleware(fake), transport, Request.build("GET", URL))
        assert transport.requests[0].options.timeout is None

    def test_deadline_already_passed(self):
        """A deadline in the past fails before any attempt with a TimeoutError marked unsent."""
        fake = FakeTime()
        transport = scripted(200)
        options = RequestOptions(deadline=fake.now)
        with pytest.raises(TimeoutError, match="before the first attempt") as caught:
            run(middleware(fake), transport, Request.build("GET", URL, options=options))
        assert caught.value.sent is False
        assert transport.requests == []

    def test_overslept_deadline_returns_or_raises_the_last_outcome(self):
        """If a sleep overshoots past the deadline, the last response is returned, error raised."""
        for outcome, expect in ((503, 503), (ProtocolError("reset"), ProtocolError)):
            fake = FakeTime()
            overshoot = BackoffMiddleware(
                sleep=lambda s, fake=fake: fake.advance(s + 10),
                clock=fake.clock,
                wall_clock=fake.wall,
                random=lambda: 0.5,
            )
            transport = scripted(outcome, 200)
            request_ = Request.build("GET", URL, options=RequestOptions(deadline=fake.now + 5))
            if isinstance(expect, int):
                assert run(overshoot, transport, request_).status == expect
            else:
                with pytest.raises(expect):
                    run(overshoot, transport, request_)
            assert len(transport.requests) == 1

    def test_inner_middleware_sees_attempts_and_hooks_get_the_decisions(self):
        """An inner middleware sees Attempt 1..n; the hooks get each decision the backoff made."""
        fake = FakeTime()
        seen = []
        reports = []

        def spy(request, call_next):
            seen.append(request.options.extension(ATTEMPT))
            return call_next(request)

        transport = scripted((429, {"headers": {"Retry-After": "2"}}), 503, 200)
        backoff = attrs.evolve(middleware(fake), hooks=(reports.append,))
        stack = Stack([("backoff", backoff), ("spy", spy)])
        assert stack.build(transport)(Request.build("GET", URL)).status == 200
        assert seen == [Attempt(1, 3), Attempt(2, 3), Attempt(3, 3)]
        assert [r.attempt for r in reports] == seen[:2]  # the 200 is not reported
        assert [r.decision.retry for r in reports] == [True, True]
        assert [r.decision.delay for r in reports] == fake.sleeps == [2.0, 2.0]
        assert [r.outcome.status for r in reports] == [429, 503]
        assert all(r.request.options.extension(ATTEMPT) == r.attempt for r in reports)

    def test_jitter_drawn_once_per_attempt_before_it(self):
        """One random sample per attempt, drawn before call_next, so decisions are fixed."""
        fake = FakeTime()
        events = []

        def sample():
            events.append("random")
            return 0.5

        def handler(request):
            events.append("send")
            return make_response(request, 503)

        mw = BackoffMiddleware(sleep=fake.sleep, clock=fake.clock, random=sample)
        run(mw, MockTransport(handler), Request.build("GET", URL))
        assert events == ["random", "send"] * 3

    def test_streamed_retry_response_is_closed(self):
        """A streamed 503 that is retried has its stream closed before the wait."""
        fake = FakeTime()
        first = []

        def handler(request):
            response = make_response(request, 503 if not first else 200, content=b"busy")
            first.append(response)
            return response

        request_ = Request.build("GET", URL, options=RequestOptions(stream=True))
        run(middleware(fake), MockTransport(handler), request_)
        assert first[0].stream.closed

    def test_existing_extensions_survive(self):
        """The Attempt is added next to the caller's own extensions, which stay."""
        from heygen_pipeline import ExtensionKey  # noqa: PLC0415 - local to this test

        tenant = ExtensionKey[str]("tenant")
        fake = FakeTime()
        transport = scripted(200)
        options = RequestOptions().with_extension(tenant, "acme")
        run(middleware(fake), transport, Request.build("GET", URL, options=options))
        sent = transport.requests[0].options
        assert sent.extension(tenant) == "acme"
        assert isinstance(sent.extension(ATTEMPT), Attempt)

    @pytest.mark.parametrize(
        "kwargs",
        [{"policy": "fast"}, {"sleep": 1}, {"clock": None}, {"default_timeout": 3.0}],
    )
    def test_bad_construction_fails_clearly(self, kwargs):
        """Wrong argument types are rejected when the middleware is built."""
        with pytest.raises(TypeError, match=r"policy|sleep|clock|default_timeout"):
            BackoffMiddleware(**kwargs)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: list[str]

    def do_GET(self):
        self.hits.append(self.path)
        if len(self.hits) == 1:
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"data": {"ok": true}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@pytest.fixture
def rate_limited_server():
    """A local server answering 429 (Retry-After: 0) once, then 200; yields URL and hits."""
    handler = type("Handler", (_Handler,), {"hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class TestRealSocket:
    """BackoffMiddleware over Urllib3Transport and a local HTTP server."""

    def test_429_then_200_over_http(self, rate_limited_server):
        """Through a real socket: a 429 with Retry-After: 0 is retried at once and succeeds."""
        base_url, hits = rate_limited_server
        fake = FakeTime()
        with Urllib3Transport(timeout=Timeout(connect=2.0, read=5.0)) as transport:
            pipeline = Stack([("backoff", middleware(fake))]).build(transport)
            response = pipeline(Request.build("GET", f"{base_url}/v3/videos"))
        assert response.status == 200
        assert response.json() == {"data": {"ok": True}}
        assert hits == ["/v3/videos", "/v3/videos"]
        assert fake.sleeps == [0.0]


class TestSuccessFastPath:
    """A 2xx costs no clock reads and reports nothing; the attempt travels as a plain value."""

    def test_2xx_reads_no_clock_and_reports_nothing(self):
        """A 200 is returned without reading a clock or calling a hook."""
        reads = []
        reports = []
        mw = BackoffMiddleware(
            clock=lambda: reads.append("clock") or 0.0,
            wall_clock=lambda: reads.append("wall") or EPOCH,
            random=lambda: 0.5,
            hooks=[reports.append],
        )
        request = Request.build("GET", URL)
        stack = Stack([("backoff", mw)])
        with capture_logs() as events:
            response = stack.build(MockTransport(lambda r: make_response(r, 200)))(request)
        assert response.status == 200
        assert (reads, reports, events) == ([], [], [])
        assert SUCCESS_DECISIONS[200].retry is False

    def test_attempt_is_an_immutable_value(self):
        """Attempt is frozen, compares and hashes by value, and evolves with attrs.evolve."""
        attempt = Attempt(2, 3)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            attempt.number = 3
        assert attempt == Attempt(2, 3)
        assert hash(attempt) == hash(Attempt(2, 3))
        assert attrs.evolve(attempt, number=3).is_last
        assert not attempt.is_last
        assert repr(attempt) == "Attempt(2/3)"

    @given(number=st.integers(1, 10), extra=st.integers(0, 10))
    def test_is_last_property(self, number, extra):
        """is_last holds exactly when the number has reached the maximum."""
        assert Attempt(number, number + extra).is_last is (extra == 0)


class TestRetryEvents:
    """The backoff reports its own decisions: a WARNING to retry, an ERROR when it gives up."""

    def events_of(self, mw, transport, request=None):
        """Run one call under capture_logs; return (events, response or error)."""
        request = Request.build("GET", URL) if request is None else request
        with capture_logs() as events:
            try:
                result = run(mw, transport, request)
            except HeyGenError as exc:
                result = exc
        return events, result

    def test_retried_attempt_is_warning(self):
        """A retried 429 is a WARNING http_retry event with retry_in, reason and the attempt."""
        fake = FakeTime()
        transport = scripted((429, {"headers": {"Retry-After": "1.5", "X-Request-Id": "r1"}}), 200)
        events, _ = self.events_of(middleware(fake), transport)
        assert len(events) == 1
        event = events[0]
        assert (event["event"], event["log_level"]) == ("http_retry", "warning")
        assert (event["retry"], event["retry_in"]) == (True, 1.5)
        assert event["reason"] == "rate limited (HTTP 429); retrying in 1.5 s (as Retry-After asks)"
        assert (event["attempt"], event["max_attempts"], event["status"]) == (1, 3, 429)
        assert (event["method"], event["url"], event["request_id"]) == ("GET", URL, "r1")

    def test_retried_exception_is_warning(self):
        """A retried transport error is a WARNING naming the error."""
        fake = FakeTime()
        events, _ = self.events_of(middleware(fake), scripted(ConnectError("refused"), 200))
        assert [e["log_level"] for e in events] == ["warning"]
        assert (events[0]["error"], events[0]["error_message"]) == ("ConnectError", "refused")
        assert events[0]["status"] is None

    def test_giving_up_is_error(self):
        """Out of attempts on a retryable failure: an ERROR event with retry False and why."""
        fake = FakeTime()
        events, result = self.events_of(middleware(fake), scripted(503))
        assert result.status == 503
        assert [e["log_level"] for e in events] == ["warning", "warning", "error"]
        last = events[-1]
        assert last["retry"] is False
        assert "out of attempts (3 of 3)" in last["reason"]
        assert "retry_in" not in last

    def test_over_cap_is_error_with_retry_after(self):
        """A Retry-After over the cap gives up at once: ERROR with the wait the server asked."""
        fake = FakeTime()
        transport = scripted((429, {"headers": {"Retry-After": "120"}}))
        events, result = self.events_of(middleware(fake), transport)
        assert isinstance(result, RateLimitError)
        assert [(e["log_level"], e["retry_after"]) for e in events] == [("error", 120.0)]
        assert events[0]["reason"] == RETRY_AFTER_EXCEEDS_CAP

    def test_not_retryable_is_reported_to_hooks_only(self):
        """A 404 is not worth retrying: hooks hear of it, no event is logged."""
        fake = FakeTime()
        reports = []
        mw = attrs.evolve(middleware(fake), hooks=(reports.append,))
        events, result = self.events_of(mw, scripted(404))
        assert result.status == 404
        assert events == []
        assert [(r.decision.retry, r.decision.gave_up) for r in reports] == [(False, False)]

    def test_caller_logger_receives_events(self):
        """Events go to the logger the backoff was given."""
        cap = LogCapture()
        logger = structlog.wrap_logger(None, processors=[cap])
        fake = FakeTime()
        mw = attrs.evolve(middleware(fake), logger=logger)
        run(mw, scripted(503, 200), Request.build("GET", URL))
        assert [e["event"] for e in cap.entries] == ["http_retry"]

    def test_filtered_level_builds_nothing(self, monkeypatch):
        """Below the logger's level, the event's fields are never built."""
        cap = LogCapture()
        logger = structlog.wrap_logger(
            None,
            processors=[cap],
            wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
        )
        built = []
        monkeypatch.setattr(_backoff, "retry_fields", lambda r: built.append(r) or {})
        fake = FakeTime()
        mw = attrs.evolve(middleware(fake), logger=logger)
        run(mw, scripted(503, 200), Request.build("GET", URL))
        assert (built, cap.entries) == ([], [])

    def test_retries_reported_wherever_logging_sits(self):
        """With logging outside the backoff, each retry is still logged, by the backoff."""
        from heygen_pipeline.middleware import LoggingMiddleware  # noqa: PLC0415

        fake = FakeTime()
        stack = Stack([("logging", LoggingMiddleware()), ("backoff", middleware(fake))])
        with capture_logs() as events:
            response = stack.build(scripted(503, 503, 200))(Request.build("GET", URL))
        assert response.status == 200
        assert [(e["event"], e.get("attempt")) for e in events] == [
            ("http_retry", 1),
            ("http_retry", 2),
            ("http_request", 1),
        ]

    def test_hook_errors_propagate(self):
        """A hook that raises stops the call with its error: hooks are the caller's code."""
        fake = FakeTime()

        def broken(_report):
            raise ValueError("hook")

        mw = attrs.evolve(middleware(fake), hooks=(broken,))
        with pytest.raises(ValueError, match="hook"):
            run(mw, scripted(503, 200), Request.build("GET", URL))

    @pytest.mark.parametrize("hooks", [[1], ["x"], [None]])
    def test_bad_hooks_are_refused(self, hooks):
        """Hooks that are not callables fail when the middleware is built."""
        with pytest.raises(TypeError, match="hooks"):
            BackoffMiddleware(hooks=hooks)

    def test_logger_without_bind_is_refused(self):
        """A stdlib logger (no bind) is refused with a pointer to structlog.wrap_logger."""
        with pytest.raises(TypeError, match="wrap_logger"):
            BackoffMiddleware(logger=logging.getLogger("x"))

    def test_key_in_url_and_error_never_logged(self):
        """A key in the query and in an error message is redacted in the event."""
        key = "hgtest_backoff_event_key_42"
        register_secret(key)
        fake = FakeTime()
        request = Request.build("GET", f"{URL}?api_key={key}")
        events, _ = self.events_of(
            middleware(fake), scripted(ConnectError(f"refused {key}"), 200), request
        )
        assert len(events) == 1
        assert key not in repr(events)

    @given(status=st.integers(400, 599), max_attempts=st.integers(1, 3))
    def test_level_rule(self, status, max_attempts):
        """Every event is WARNING iff its decision retries, ERROR iff it gave up; none otherwise."""
        fake = FakeTime()
        reports = []
        policy = BackoffPolicy(max_attempts=max_attempts)
        mw = attrs.evolve(middleware(fake, policy), hooks=(reports.append,))
        events, _ = self.events_of(mw, scripted(status))
        expected = [
            "warning" if r.decision.retry else "error"
            for r in reports
            if r.decision.retry or r.decision.gave_up
        ]
        assert [e["log_level"] for e in events] == expected
