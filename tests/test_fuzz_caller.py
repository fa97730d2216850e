"""Hypothesis fuzzing of every public argument a caller controls.

Constructors (client, transport, middlewares, value types), stack edits, header operations and
every argument of ``client.request`` get values of the right type and any other type. The
outcome is success or a TypeError, ValueError or HeyGenError with a message; never another
exception (AttributeError, KeyError, IndexError, RecursionError...), which would mean the
library tripped over the input instead of refusing it.
"""

import contextlib
import io
import itertools
import threading

import pytest
from _hostile_server import HostileServer, http_answer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heygen_pipeline import (
    ConnectError,
    ExtensionKey,
    Headers,
    HeyGenClient,
    HeyGenError,
    Request,
    RequestOptions,
    Response,
    Secret,
    Stack,
    Timeout,
    Urllib3Transport,
    default_stack,
)
from heygen_pipeline.middleware import (
    ApiKeyAuth,
    BackoffMiddleware,
    BackoffPolicy,
    BearerAuth,
    CircuitBreakerMiddleware,
    LoggingMiddleware,
    RedactSecrets,
    RedirectMiddleware,
)
from heygen_pipeline.testing import MockTransport, make_response

pytestmark = pytest.mark.timeout(120)

KEY = "fuzz-caller-key-0b1c2d3e4f"
REFUSALS = (TypeError, ValueError, HeyGenError)
"""What refusing a caller's input may raise."""
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def refused_or_done(fn, *args, **kwargs):
    """Call ``fn``; a refusal must be a TypeError, ValueError or HeyGenError with a message.

    Anything else propagates and fails the test.
    """
    try:
        return fn(*args, **kwargs)
    except REFUSALS as exc:
        refusal = exc
    assert str(refusal).strip(), f"{type(refusal).__name__} without a message"
    return refusal


class Deep(list):
    """A list nested ``depth`` levels deep, with a short repr (hypothesis prints examples)."""

    def __init__(self, depth):
        """Nest."""
        super().__init__([Deep(depth - 1)] if depth > 0 else [1])
        self.depth = depth

    def __repr__(self):
        """Short."""
        return f"Deep({self.depth})"


def deep(depth):
    """``Deep(depth)`` without deep recursion while building it."""
    value = Deep(0)
    for level in range(1, depth + 1):
        outer = Deep.__new__(Deep)
        list.__init__(outer, [value])
        outer.depth = level
        value = outer
    return value


class Circular(list):
    """A list that contains itself."""

    def __init__(self):
        """Close the loop."""
        super().__init__()
        self.append(self)

    def __repr__(self):
        """Short."""
        return "Circular()"


HASHABLE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=10),
    st.tuples(st.integers(), st.integers()),
    st.sampled_from(
        [
            object(),
            type,
            Ellipsis,
            NotImplemented,
            float("nan"),
            float("inf"),
            -0.0,
            "",
            " ",
            "\r\n",
            "\x00",
            "é" * 3,
            b"\xff",
            Secret("fuzz-held-secret-99"),
            Headers({"a": "b"}),
            Timeout(),
            ExtensionKey("k"),
        ]
    ),
)
"""Hashable values of any type (usable as mapping keys)."""
ANYTHING = st.one_of(
    HASHABLE,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sets(st.integers(), max_size=2),
    st.just(None).map(lambda _: bytearray(b"x")),
    st.just(None).map(lambda _: lambda: None),
    st.just(None).map(lambda _: Circular()),
    st.sampled_from([100, 5_000]).map(deep),
    st.just([("a", "b")]),
    st.just(RequestOptions()),  # unhashable: its extensions are a mapping proxy
    st.just({"x-api-key": KEY}),
)
"""Values of any type, odd ones included."""


def maybe(valid):
    """Mostly valid values, sometimes anything at all."""
    return st.one_of(valid, valid, ANYTHING)


SECONDS = st.one_of(st.floats(0, 100), st.integers(0, 100), st.none())
TEXT = st.text(max_size=30)
TIMEOUTS = st.one_of(
    st.none(), st.builds(Timeout, connect=SECONDS, read=SECONDS), st.floats(0, 5), ANYTHING
)
KEY_TEXT = st.from_regex(r"[A-Za-z0-9_\-:.]{1,20}", fullmatch=True)
HEADER_NAMES = st.one_of(st.from_regex(r"[A-Za-z][A-Za-z0-9\-]{0,15}", fullmatch=True), TEXT)
HEADER_MAPS = st.dictionaries(st.one_of(HEADER_NAMES, HASHABLE), maybe(TEXT), max_size=3)
OPTION_FIELDS = ["timeout", "deadline", "max_attempts", "idempotent", "idempotency_key"]
OPTION_FIELDS += ["stream", "extensions", "bogus_option"]


class TestValueTypes:
    """Timeout, RequestOptions, ExtensionKey, Secret and Request refuse bad values cleanly."""

    @FUZZ
    @given(connect=maybe(SECONDS), read=maybe(SECONDS))
    def test_timeout(self, connect, read):
        """Timeout(connect, read)."""
        refused_or_done(Timeout, connect=connect, read=read)

    @FUZZ
    @given(
        timeout=TIMEOUTS,
        deadline=maybe(st.floats(0, 1e9)),
        max_attempts=maybe(st.integers(1, 5)),
        idempotent=maybe(st.booleans()),
        idempotency_key=maybe(KEY_TEXT),
        stream=maybe(st.booleans()),
        extensions=maybe(st.just({ExtensionKey("k"): 1})),
    )
    def test_request_options(self, **fields):
        """RequestOptions(**fields), and with_extension/extension on the result."""
        options = refused_or_done(RequestOptions, **fields)
        if isinstance(options, RequestOptions):
            refused_or_done(options.with_extension, ExtensionKey("x"), 1)
            refused_or_done(options.extension, ExtensionKey("x"))

    @FUZZ
    @given(key=ANYTHING, value=ANYTHING)
    def test_with_extension(self, key, value):
        """with_extension(key, value) with any key."""
        refused_or_done(RequestOptions().with_extension, key, value)

    @FUZZ
    @given(value=maybe(TEXT))
    def test_secret(self, value):
        """Secret(value)."""
        refused_or_done(Secret, value)

    @FUZZ
    @given(
        method=maybe(st.sampled_from(["GET", "post", "PATCH", "G E T", ""])),
        url=maybe(
            st.sampled_from(["https://api.heygen.com/v3/x", "/v3/x", "ftp://h/x", "http://"])
        ),
        headers=maybe(HEADER_MAPS),
        body=maybe(st.one_of(st.binary(max_size=10), st.lists(st.binary(max_size=4)))),
        options=maybe(st.just(RequestOptions())),
    )
    def test_request(self, method, url, headers, body, options):
        """Request(method, url, headers, body, options)."""
        refused_or_done(Request, method, url, headers=headers, body=body, options=options)

    @FUZZ
    @given(
        params=maybe(st.dictionaries(HASHABLE, maybe(st.one_of(TEXT, st.integers())))),
        json=maybe(st.recursive(st.none() | st.integers() | TEXT, st.lists, max_leaves=5)),
        content=maybe(st.binary(max_size=10)),
        headers=maybe(HEADER_MAPS),
    )
    def test_request_build(self, params, json, content, headers):
        """Request.build with any params, json, content and headers."""
        refused_or_done(
            Request.build,
            "POST",
            "https://api.heygen.com/v3/x",
            params=params,
            json=json,
            content=content,
            headers=headers,
        )


class TestHeaders:
    """Headers and its methods refuse bad names and values cleanly."""

    @FUZZ
    @given(source=st.one_of(HEADER_MAPS, st.lists(st.tuples(ANYTHING, ANYTHING)), ANYTHING))
    def test_construct(self, source):
        """Headers(source)."""
        refused_or_done(Headers, source)

    @FUZZ
    @given(name=maybe(HEADER_NAMES), value=maybe(TEXT), names=st.lists(ANYTHING, max_size=3))
    def test_methods(self, name, value, names):
        """with_header, with_headers, without, lookups and get with any arguments."""
        headers = Headers({"Content-Type": "application/json"})
        refused_or_done(headers.with_header, name, value)
        refused_or_done(headers.with_headers, {name: value} if _hashable(name) else name)
        refused_or_done(headers.without, *names)
        refused_or_done(headers.get, name)
        refused_or_done(lambda: name in headers)
        with contextlib.suppress(KeyError, *REFUSALS):  # KeyError: a mapping's "missing"
            headers[name]


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _middleware(request, call_next):
    return call_next(request)


class TestStack:
    """Stack construction and every edit refuse bad names, anchors and middlewares cleanly."""

    @FUZZ
    @given(entries=maybe(st.lists(st.tuples(maybe(TEXT), maybe(st.just(_middleware))))))
    def test_construct(self, entries):
        """Stack(entries)."""
        refused_or_done(Stack, entries)

    @FUZZ
    @given(
        edit=st.sampled_from(
            ["insert_before", "insert_after", "replace", "remove", "prepend", "append"]
        ),
        anchor=maybe(st.sampled_from(["envelope", "auth", "nope"])),
        name=maybe(st.sampled_from(["mine", "envelope", " padded "])),
        middleware=maybe(st.just(_middleware)),
    )
    def test_edits(self, edit, anchor, name, middleware):
        """Each edit with any anchor, name and middleware; lookups with any name."""
        stack = default_stack()
        args = {
            "insert_before": (anchor, name, middleware),
            "insert_after": (anchor, name, middleware),
            "replace": (anchor, middleware),
            "remove": (anchor,),
            "prepend": (name, middleware),
            "append": (name, middleware),
        }[edit]
        refused_or_done(getattr(stack, edit), *args)
        with contextlib.suppress(KeyError):  # UnknownNameError: a KeyError and a HeyGenError
            stack[anchor]
        refused_or_done(lambda: anchor in stack)

    @FUZZ
    @given(transport=ANYTHING)
    def test_build(self, transport):
        """build(transport) with anything."""
        refused_or_done(default_stack().build, transport)


class TestMiddlewareConstructors:
    """Each middleware's constructor refuses bad settings cleanly."""

    @FUZZ
    @given(
        api_key=maybe(st.sampled_from([KEY, Secret(KEY), "  ", "ab", "k\ney-123"])),
        base_url=maybe(st.sampled_from(["https://api.heygen.com", "http://x.test", "ftp://h"])),
        hosts=maybe(st.lists(maybe(st.sampled_from(["api.heygen.com", "h:1", "[::1]:9"])))),
        env_var=maybe(TEXT),
        header=maybe(st.sampled_from(["X-Api-Key", "Bad Header"])),
    )
    def test_api_key_auth(self, **kwargs):
        """ApiKeyAuth(...)."""
        refused_or_done(ApiKeyAuth, **kwargs)

    @FUZZ
    @given(
        token=maybe(st.sampled_from([KEY, Secret(KEY), ""])),
        base_url=maybe(st.just("https://api.heygen.com")),
        hosts=maybe(st.lists(TEXT, max_size=2)),
    )
    def test_bearer_auth(self, **kwargs):
        """BearerAuth(...)."""
        refused_or_done(BearerAuth, **kwargs)

    @FUZZ
    @given(
        max_attempts=maybe(st.integers(1, 5)),
        base=maybe(st.floats(0, 5)),
        multiplier=maybe(st.floats(1, 3)),
        max_delay=maybe(st.floats(0, 60)),
        jitter_min=maybe(st.floats(0, 1)),
        jitter_max=maybe(st.floats(1, 2)),
        retry_statuses=maybe(st.sets(st.integers(100, 599))),
        idempotent_methods=maybe(st.sets(st.sampled_from(["GET", "PUT"]))),
        respect_retry_after=maybe(st.booleans()),
    )
    def test_backoff_policy(self, **kwargs):
        """BackoffPolicy(...)."""
        refused_or_done(BackoffPolicy, **kwargs)

    @FUZZ
    @given(
        policy=maybe(st.just(BackoffPolicy())),
        sleep=maybe(st.just(lambda _s: None)),
        clock=maybe(st.just(lambda: 0.0)),
        random=maybe(st.just(lambda: 0.5)),
        default_timeout=maybe(st.just(Timeout())),
    )
    def test_backoff_middleware(self, policy, **kwargs):
        """BackoffMiddleware(...)."""
        refused_or_done(BackoffMiddleware, policy, **kwargs)

    @FUZZ
    @given(max_redirects=maybe(st.integers(0, 10)))
    def test_redirects(self, max_redirects):
        """RedirectMiddleware(max_redirects=...)."""
        refused_or_done(RedirectMiddleware, max_redirects=max_redirects)

    @FUZZ
    @given(
        fail_max=maybe(st.integers(1, 10)),
        reset_timeout=maybe(st.floats(0, 60)),
        half_open_max_calls=maybe(st.integers(1, 3)),
        name=maybe(TEXT),
        storage=maybe(st.none()),
        clock=maybe(st.just(lambda: 0.0)),
    )
    def test_breaker(self, **kwargs):
        """CircuitBreakerMiddleware(...)."""
        refused_or_done(CircuitBreakerMiddleware, **kwargs)

    @FUZZ
    @given(
        event=maybe(TEXT),
        log_headers=maybe(st.booleans()),
        header_allowlist=maybe(st.lists(HEADER_NAMES, max_size=3)),
        log_bodies=maybe(st.booleans()),
        body_limit=maybe(st.integers(0, 5000)),
    )
    def test_logging(self, **kwargs):
        """LoggingMiddleware(...)."""
        refused_or_done(LoggingMiddleware, **kwargs)

    @FUZZ
    @given(secrets=st.lists(maybe(TEXT), max_size=3), registered=maybe(st.booleans()))
    def test_redact_secrets(self, secrets, registered):
        """RedactSecrets(*secrets, registered=...)."""
        refused_or_done(RedactSecrets, *secrets, registered=registered)

    @FUZZ
    @given(
        api_key=maybe(st.just(KEY)),
        base_url=maybe(st.just("https://api.heygen.com")),
        upload_url=maybe(st.just("https://upload.heygen.com")),
        backoff=maybe(st.just(BackoffPolicy())),
        fail_max=maybe(st.integers(1, 5)),
        reset_timeout=maybe(st.floats(0, 60)),
        max_redirects=maybe(st.integers(0, 5)),
    )
    def test_default_stack(self, **kwargs):
        """default_stack(...)."""
        refused_or_done(default_stack, **kwargs)


class TestTransportConstructor:
    """Urllib3Transport refuses bad pool settings cleanly."""

    @FUZZ
    @given(
        timeout=maybe(st.just(Timeout())),
        num_pools=maybe(st.integers(1, 20)),
        maxsize=maybe(st.integers(1, 20)),
        block=maybe(st.booleans()),
        ca_certs=maybe(st.sampled_from([None, "/nonexistent.pem"])),
        max_body_size=maybe(st.one_of(st.none(), st.integers(0, 2**40))),
    )
    def test_constructor(self, **kwargs):
        """Urllib3Transport(...)."""
        transport = refused_or_done(Urllib3Transport, **kwargs)
        if isinstance(transport, Urllib3Transport):
            transport.close()


def _ok(request):
    return make_response(request, 200, json={"data": {"ok": True}})


class TestClientConstructor:
    """HeyGenClient refuses bad settings cleanly, at construction or at the first call."""

    @FUZZ
    @given(
        api_key=maybe(st.sampled_from([KEY, Secret(KEY)])),
        base_url=maybe(st.sampled_from(["https://api.heygen.com", "http://127.0.0.1:1"])),
        upload_url=maybe(st.just("https://upload.heygen.com")),
        stack=maybe(st.just(default_stack())),
        timeout=TIMEOUTS,
        options=maybe(st.just(RequestOptions(max_attempts=1))),
        auto_idempotency=maybe(st.booleans()),
        user_agent=maybe(TEXT),
        write_timeout=TIMEOUTS,
    )
    def test_constructor_then_a_call(self, **kwargs):
        """Construct a client (mock transport) and, if that worked, make one call."""
        client = refused_or_done(HeyGenClient, transport=MockTransport(_ok), **kwargs)
        if isinstance(client, HeyGenClient):
            refused_or_done(client.post, "/v3/videos", json={"script": "x"})
            refused_or_done(repr, client)

    @FUZZ
    @given(changes=st.dictionaries(st.sampled_from(OPTION_FIELDS), ANYTHING, max_size=3))
    def test_with_options(self, changes):
        """with_options(**changes) with any field names and values."""
        with HeyGenClient(KEY, transport=MockTransport(_ok)) as client:
            refused_or_done(client.with_options, **changes)

    @FUZZ
    @given(stack=ANYTHING, request=ANYTHING)
    def test_with_stack_and_send(self, stack, request):
        """with_stack(stack) and send(request) with anything."""
        with HeyGenClient(KEY, transport=MockTransport(_ok)) as client:
            refused_or_done(client.with_stack, stack)
            refused_or_done(client.send, request)


@pytest.fixture(scope="module")
def live_client():
    """A client of a local raw server answering every request with a v3 envelope."""
    ok = http_answer(200, b'{"data": {"ok": true}}')
    with HostileServer(lambda _r: ok) as server:
        real = Urllib3Transport(timeout=Timeout(connect=1, read=2))

        def local_only(request):
            if request.host != "127.0.0.1":  # never leave the machine, whatever URL is fuzzed
                raise ConnectError("not a local host in this test", request=request)
            return real(request)

        with HeyGenClient(KEY, base_url=server.url, transport=local_only) as client:
            yield client
        real.close()


def _bodies():
    return st.one_of(
        st.none(),
        st.binary(max_size=20),
        st.lists(st.binary(max_size=5), max_size=3),
        st.lists(TEXT, min_size=1, max_size=2),
        st.just(io.BytesIO(b"file body")).map(lambda f: io.BytesIO(f.getvalue())),
        st.just(None).map(lambda _: io.StringIO("text file")),
        st.just(None).map(lambda _: (b"gen" for _ in range(2))),
        st.just(None).map(lambda _: itertools.repeat(1, 2)),
        ANYTHING,
    )


class TestClientRequest:
    """client.request over a real socket with any argument: data or a clean refusal."""

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        method=maybe(st.sampled_from(["GET", "POST", "delete", "PATCH", "BREW", "G\nET"])),
        url=maybe(st.sampled_from(["/v3/videos", "/v3/x?a=1", "", "v3/x", "http://h.test/x"])),
        params=maybe(st.dictionaries(HASHABLE, maybe(st.one_of(TEXT, st.integers())))),
        json=maybe(st.recursive(st.none() | st.integers() | TEXT, st.lists, max_leaves=4)),
        content=_bodies(),
        headers=maybe(HEADER_MAPS),
        options=maybe(st.just(RequestOptions(max_attempts=2))),
        total_timeout=maybe(st.floats(0, 5)),
        changes=st.dictionaries(
            st.sampled_from(OPTION_FIELDS), st.one_of(ANYTHING, KEY_TEXT), max_size=2
        ),
    )
    def test_request(self, live_client, method, url, changes, **kwargs):
        """Any arguments: a Response, or a TypeError / ValueError / HeyGenError."""
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        threads = threading.active_count()
        result = refused_or_done(live_client.request, method, url, **kwargs, **changes)
        if isinstance(result, Response):
            result.close()
            if result.stream is None and result.is_success:
                assert result.data == {"ok": True}
        if isinstance(result, BaseException):
            assert KEY not in str(result)
        assert threading.active_count() <= threads + 1  # nothing left running

    @FUZZ
    @given(value=ANYTHING)
    def test_each_argument_alone(self, live_client, value):
        """Each keyword argument of request() given ``value``, one at a time."""
        for name in ["params", "json", "content", "headers", "options", "total_timeout"]:
            result = refused_or_done(live_client.request, "POST", "/v3/videos", **{name: value})
            if isinstance(result, Response):
                result.close()
