import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st

import heygen_pipeline.testing.strategies as public
from heygen_pipeline import DEFAULT_NAMES, ClientAuth, Headers, Request, Response, Secret, Stack
from heygen_pipeline.errors import APIError, HeyGenError, MalformedResponseError
from heygen_pipeline.middleware import (
    ApiKeyAuth,
    BackoffMiddleware,
    CircuitBreakerMiddleware,
    EnvelopeMiddleware,
    LoggingMiddleware,
    RedirectMiddleware,
    unwrap,
)
from heygen_pipeline.testing import MockTransport, make_response
from heygen_pipeline.testing._strategies_stack import (
    AddHeader,
    EchoResponse,
    LogTraffic,
    PassThrough,
    RaiseError,
)
from heygen_pipeline.testing.strategies import (
    api_keys,
    default_middlewares,
    error_envelopes,
    headers,
    non_envelope_bodies,
    requests,
    retry_after_values,
    scenarios,
    secret_keys,
    stacks,
    success_envelopes,
    user_middlewares,
)

KEY = "hgtest_strategies_key_31415"
KEY_HOLDER = Secret(KEY)
"""Keeps the key registered for scrubbing (a key is registered while a holder of it lives)."""
URL = "https://api.heygen.com/v2/avatars"
_CLASSES = {
    "envelope": EnvelopeMiddleware,
    "backoff": BackoffMiddleware,
    "redirects": RedirectMiddleware,
    "breaker": CircuitBreakerMiddleware,
    "logging": LoggingMiddleware,
    "auth": ApiKeyAuth,
}


def answered(status=200, body=b'{"data": {"ok": true}}', headers=None):
    """A MockTransport answering every request alike."""
    return MockTransport(lambda r: make_response(r, status, content=body, headers=headers))


class TestPublicModule:
    """The public module re-exports the private strategies under their own names."""

    def test_all_is_sorted_and_resolves(self):
        """``__all__`` is sorted, unique, and every name in it exists."""
        names = public.__all__
        assert names == sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n))
        assert len(set(names)) == len(names)
        assert all(hasattr(public, name) for name in names)

    def test_strategies_are_functions_returning_strategies(self):
        """Every lower-case export is a function; called without arguments it gives a strategy."""
        needs_args = {"scenarios", "attempt_outcomes", "default_middlewares"}
        for name in public.__all__:
            if not name.islower() or name in needs_args:
                continue
            value = getattr(public, name)
            assert inspect.isfunction(value), name
            assert isinstance(value(), st.SearchStrategy), name

    def test_exports_from_every_private_module(self):
        """Envelope, core, backoff, breaker, logging and stack strategies are all public."""
        for name in (
            "success_envelopes",
            "secret_keys",
            "stack_edits",
            "retry_after_values",
            "outcomes",
            "hostile_locations",
            "api_keys",
            "scenarios",
            "stacks",
            "user_middlewares",
            "default_middlewares",
        ):
            assert name in public.__all__


class TestEnvelopes:
    """Envelope strategies produce what unwrapping must make of them."""

    @given(success_envelopes())
    def test_success_envelopes_unwrap_to_their_data(self, envelope):
        """A success envelope unwraps to exactly its data, shape and paging cursor."""
        request = Request("GET", URL)
        response = unwrap(make_response(request, envelope.status, content=envelope.body))
        assert response.data == envelope.data
        assert response.envelope == envelope.shape
        assert response.next_token == envelope.next_token

    @given(error_envelopes())
    def test_error_envelopes_raise(self, envelope):
        """An error envelope raises an APIError with the envelope's code, whatever the status."""
        request = Request("GET", URL)
        with pytest.raises(APIError) as info:
            unwrap(make_response(request, envelope.status, content=envelope.body))
        assert info.value.status == envelope.status
        assert info.value.code == envelope.error_code

    @given(non_envelope_bodies())
    def test_non_envelope_bodies_raise(self, pair):
        """A body that is no envelope raises; on a 2xx it is a MalformedResponseError."""
        status, body = pair
        with pytest.raises(APIError) as info:
            unwrap(make_response(Request("GET", URL), status, content=body))
        if status < 400:
            assert isinstance(info.value, MalformedResponseError)


class TestValues:
    """Header, request, key and Retry-After strategies give values the constructors accept."""

    @given(headers(), requests())
    def test_headers_and_requests_are_valid(self, hdrs, request):
        """Headers are Headers; requests are Requests whose URL is absolute http(s)."""
        assert isinstance(hdrs, Headers)
        assert isinstance(request, Request)
        assert request.scheme in {"http", "https"}

    @given(secret_keys(min_size=10), api_keys())
    def test_keys_are_usable(self, key, api_key):
        """Keys are long enough and ApiKeyAuth accepts them; api_keys carry their prefix."""
        assert len(key) >= 10
        ApiKeyAuth(key)
        assert api_key.startswith("hgtest_")

    @given(retry_after_values())
    def test_retry_after_values_fit_in_a_header(self, value):
        """Every Retry-After value, garbage included, is a valid header value."""
        assert Headers({"Retry-After": value})["retry-after"] == value

    @given(st.data())
    def test_scenarios_answer(self, data):
        """A scenario's transport answers with a Response or raises a HeyGenError."""
        scenario = data.draw(scenarios(KEY))
        try:
            assert isinstance(scenario.answer(scenario.request), Response)
        except HeyGenError:
            assert scenario.fault is not None


class TestDefaultMiddlewares:
    """default_middlewares: one fresh instance of each default middleware, in order."""

    def test_names_order_and_classes(self):
        """Keys are the default names in order, each an instance of its middleware class."""
        middlewares = default_middlewares(KEY)
        assert tuple(middlewares) == DEFAULT_NAMES
        for name, middleware in middlewares.items():
            assert isinstance(middleware, _CLASSES[name]), name

    def test_fresh_every_call(self):
        """Two calls share no instance (no breaker state leaks between stacks)."""
        first, second = default_middlewares(KEY), default_middlewares(KEY)
        assert all(first[name] is not second[name] for name in DEFAULT_NAMES)

    def test_without_key_auth_is_the_client_placeholder(self):
        """With no key, ``auth`` is the ClientAuth placeholder a client binds."""
        assert isinstance(default_middlewares(None)["auth"], ClientAuth)

    def test_backoff_sleeps_with_the_given_sleep(self):
        """Backoff waits with the injected sleep: a 503 then a 200 sleeps once, for real never."""
        slept = []
        backoff = default_middlewares(KEY, sleep=slept.append)["backoff"]
        statuses = iter([503, 200])
        transport = MockTransport(lambda r: make_response(r, next(statuses)))
        response = Stack([("backoff", backoff)]).build(transport)(Request("GET", URL))
        assert response.status == 200
        assert len(slept) == 1


class TestStacks:
    """stacks(): subsets of the defaults in any order, plus user middlewares, that build."""

    @given(stacks(KEY))
    def test_known_names_that_build_and_answer(self, stack):
        """Names are defaults or user_N, unique; the stack builds, and a call ends cleanly."""
        users = [n for n in stack.names if n not in DEFAULT_NAMES]
        assert all(n.startswith("user_") for n in users)
        assert len(set(stack.names)) == len(stack.names)
        handler = stack.build(answered())
        try:
            response = handler(Request("GET", URL))
        except (HeyGenError, ValueError, RuntimeError):
            assert users  # only a user middleware raises on a healthy 200
        else:
            assert response.status in {200, 201, 400, 401, 429, 500, 503}

    @given(stacks(KEY, extra=st.just(PassThrough()), required=("auth", "envelope")))
    def test_required_names_are_always_there(self, stack):
        """The required defaults are in every stack; the others come and go."""
        assert {"auth", "envelope"} <= set(stack.names)
        response = stack.build(answered())(Request("GET", URL))
        assert response.data == {"ok": True}

    def test_unknown_required_name_is_refused(self):
        """A required name that is no default middleware fails with the names that exist."""
        with pytest.raises(ValueError, match="envelope"):
            stacks(KEY, required=("nope",))

    @given(stacks(None, max_extra=0))
    def test_client_stacks_hold_the_placeholder(self, stack):
        """Without a key, ``auth`` (when drawn) is the ClientAuth placeholder."""
        assert all(isinstance(m, ClientAuth) for n, m in stack if n == "auth")
        assert len(stack) <= len(DEFAULT_NAMES)


class TestUserMiddlewares:
    """user_middlewares(): callables a Stack accepts, each doing what its docstring says."""

    @given(user_middlewares())
    def test_callable_and_accepted_by_a_stack(self, middleware):
        """Each is callable as (request, call_next) and answers or raises a known error."""
        handler = Stack([("user", middleware)]).build(answered())
        try:
            assert isinstance(handler(Request("GET", URL)), Response)
        except (HeyGenError, ValueError, RuntimeError):
            assert isinstance(middleware, RaiseError)

    @given(user_middlewares(echo=False))
    def test_echo_off_never_echoes(self, middleware):
        """With ``echo=False`` no EchoResponse is drawn."""
        assert not isinstance(middleware, EchoResponse)

    def test_each_kind(self):
        """Pass-through, header-adding, echoing, raising and logging behave as documented."""
        transport = answered()
        request = Request("GET", URL, headers={"X-Api-Key": KEY})
        Stack([("u", PassThrough())]).build(transport)(request)
        Stack([("u", AddHeader("X-Tenant", "acme"))]).build(transport)(request)
        assert transport.requests[-1].headers["x-tenant"] == "acme"
        echoed = Stack([("u", EchoResponse(200, "data"))]).build(transport)(request)
        assert KEY.encode() in echoed.content
        assert len(transport.requests) == 2  # the echo never called the transport
        with pytest.raises(HeyGenError, match="REDACTED"):
            Stack([("u", RaiseError(HeyGenError))]).build(transport)(request)
        with pytest.raises(ValueError, match="REDACTED") as info:
            Stack([("u", RaiseError(ValueError))]).build(transport)(request)
        assert KEY not in str(info.value)
        assert Stack([("u", LogTraffic())]).build(transport)(request).status == 200
