import json
import threading
import time
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import (
    AuthenticationError,
    BadRequestError,
    ClientAuth,
    ConfigurationError,
    HeyGenClient,
    InsecureTransportError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ReadTimeoutError,
    Request,
    RequestOptions,
    Response,
    Secret,
    ServerError,
    Stack,
    Timeout,
    TransportError,
    __version__,
    default_stack,
)
from heygen_pipeline._defaults import auth_hosts
from heygen_pipeline.client import USER_AGENT, WRITE_TIMEOUT, is_v3_create
from heygen_pipeline.middleware import (
    ApiKeyAuth,
    BackoffMiddleware,
    BearerAuth,
    CircuitBreakerMiddleware,
    RedirectMiddleware,
)
from heygen_pipeline.testing import FakeHeyGen, Fault, MockTransport, make_response
from heygen_pipeline.testing.pytest_plugin import checked_fake
from heygen_pipeline.typing import Handler

KEY = "client-test-key-7f3a9c"
OTHER_KEY = "client-other-key-51d2e8"
MOCK_BASE = "https://api.example.test"
QUOTA = "/v2/user/remaining_quota"
VIDEO = {"type": "avatar", "avatar_id": "Daisy-inskirt-20220818"}
"""The least a v3 create needs (the spec: type, and a look id for an avatar video)."""
DIMENSION = {"width": 1280, "height": 720}
V3_CREATES = ("/v3/videos", "/v3/assets", "/v3/avatars", "/v3/lipsyncs", "/v3/webhooks/endpoints")


class Recorder:
    """A middleware that records every request it sees, then passes it on."""

    def __init__(self) -> None:
        """Start with no requests."""
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request, call_next: Handler) -> Response:
        """Record ``request`` and pass it on."""
        with self._lock:
            self.requests.append(request)
        return call_next(request)


def quiet_stack(sleeps: list[float] | None = None, **options) -> Stack:
    """The default stack whose backoff records its waits instead of sleeping."""
    sleep: Callable[[float], None] = sleeps.append if sleeps is not None else (lambda _s: None)
    return default_stack(**options).replace("backoff", BackoffMiddleware(sleep=sleep))


def fake_client(fake: FakeHeyGen, key: str = KEY, **kwargs) -> HeyGenClient:
    """A client of ``fake`` with a backoff that never sleeps (unless a stack is given)."""
    kwargs.setdefault("stack", quiet_stack())
    return HeyGenClient(key, base_url=fake.base_url, upload_url=fake.upload_url, **kwargs)


def v3_echo(request: Request) -> Response:
    """A v3 success envelope naming the method and URL it answered."""
    return make_response(request, json={"data": {"method": request.method, "url": request.url}})


def mock_client(transport: MockTransport | None = None, **kwargs) -> HeyGenClient:
    """A client over a MockTransport (no sockets)."""
    kwargs.setdefault("stack", quiet_stack())
    kwargs.setdefault("base_url", MOCK_BASE)
    return HeyGenClient(KEY, transport=transport or MockTransport(v3_echo), **kwargs)


@pytest.fixture
def fake():
    """A FakeHeyGen accepting KEY; it must end without internal errors."""
    with checked_fake(api_key=KEY, render_polls=1) as server:
        yield server
        assert server.handler_errors == []


@pytest.fixture
def sleeps():
    """The waits the backoff asked for (never slept)."""
    return []


@pytest.fixture
def client(fake, sleeps):
    """A client of ``fake`` whose backoff records waits in ``sleeps``."""
    with fake_client(fake, stack=quiet_stack(sleeps)) as c:
        yield c


class TestConstruction:
    """Where the key comes from, and what a wrong setup fails with."""

    def test_key_from_argument(self, fake, client):
        """A key passed as an argument is sent as X-Api-Key."""
        assert client.get(QUOTA)["remaining_quota"] == 3600
        assert fake.requests[-1].header("X-Api-Key") == KEY

    def test_key_as_secret(self, fake):
        """A Secret works as the key, and is sent revealed."""
        with fake_client(fake, key=Secret(KEY)) as c:
            c.get(QUOTA)
        assert fake.requests[-1].header("X-Api-Key") == KEY

    def test_key_from_environment(self, fake, monkeypatch):
        """Without an argument the key comes from HEYGEN_API_KEY."""
        monkeypatch.setenv("HEYGEN_API_KEY", KEY)
        with HeyGenClient(
            base_url=fake.base_url, upload_url=fake.upload_url, stack=quiet_stack()
        ) as c:
            c.get(QUOTA)
        assert fake.requests[-1].header("X-Api-Key") == KEY

    def test_argument_wins_over_environment(self, fake, monkeypatch):
        """An explicit key is used even when HEYGEN_API_KEY holds another."""
        monkeypatch.setenv("HEYGEN_API_KEY", OTHER_KEY)
        with fake_client(fake) as c:
            c.get(QUOTA)
        assert fake.requests[-1].header("X-Api-Key") == KEY

    def test_missing_key(self, monkeypatch):
        """No argument and no HEYGEN_API_KEY: ConfigurationError naming the variable."""
        monkeypatch.delenv("HEYGEN_API_KEY", raising=False)
        with pytest.raises(ConfigurationError, match=r"HEYGEN_API_KEY \(it is not set\)"):
            HeyGenClient()

    @pytest.mark.parametrize("value", ["", "   ", "\t\n"])
    def test_blank_environment_key(self, monkeypatch, value):
        """A blank HEYGEN_API_KEY is refused as such, not sent."""
        monkeypatch.setenv("HEYGEN_API_KEY", value)
        with pytest.raises(ConfigurationError, match="is blank"):
            HeyGenClient()

    @pytest.mark.parametrize("value", ["", "   "])
    def test_empty_key_argument(self, value):
        """An empty key argument is refused with a clear message."""
        with pytest.raises(ConfigurationError, match="empty or whitespace"):
            HeyGenClient(value)

    @pytest.mark.parametrize(
        "bad_key",
        [
            "q7z",
            "sk-live-\x01-9d8e7f6a5b",
            "sk-live-\u00e9t\u00e9-9d8e7f6a5b",
            "sk-live\x7fzz-1234",
        ],
    )
    def test_error_never_contains_the_key(self, bad_key, monkeypatch):
        """An unusable key (argument or environment) is refused without quoting it."""
        with pytest.raises(ConfigurationError) as from_arg:
            HeyGenClient(bad_key)
        monkeypatch.setenv("HEYGEN_API_KEY", bad_key)
        with pytest.raises(ConfigurationError) as from_env:
            HeyGenClient()
        for info in (from_arg, from_env):
            assert bad_key.strip() not in str(info.value)
            assert bad_key.strip() not in repr(info.value)
        assert "API key" in str(from_arg.value)
        assert "HEYGEN_API_KEY" in str(from_env.value)

    @pytest.mark.parametrize("url", ["/v2", "api.heygen.com", "ftp://api.heygen.com", "https://"])
    def test_bad_base_url(self, url):
        """A base_url that is not an absolute http(s) URL fails with ValueError."""
        with pytest.raises(ValueError, match="absolute"):
            HeyGenClient(KEY, base_url=url)

    def test_bad_upload_url(self):
        """The upload URL is checked like the base URL."""
        with pytest.raises(ValueError, match="absolute"):
            HeyGenClient(KEY, upload_url="upload.heygen.com")

    def test_plain_http_to_a_remote_host_is_refused(self):
        """The key is never configured to travel in clear to a non-loopback host."""
        with pytest.raises(InsecureTransportError):
            HeyGenClient(KEY, base_url="http://api.heygen.com")

    @pytest.mark.parametrize("stack", [[("auth", ClientAuth())], "default", default_stack])
    def test_stack_of_wrong_type(self, stack):
        """Anything but a Stack as the stack is a TypeError that names the type."""
        with pytest.raises(TypeError, match="stack must be a Stack"):
            HeyGenClient(KEY, stack=stack)

    @pytest.mark.parametrize("rule", ["yes", 1, None])
    def test_auto_idempotency_of_wrong_type(self, rule):
        """auto_idempotency must be a bool or a function."""
        with pytest.raises(TypeError, match="auto_idempotency"):
            HeyGenClient(KEY, auto_idempotency=rule)

    def test_repr_never_shows_the_key(self, fake, client):
        """The repr shows the base URL and the stack names, never the key."""
        text = repr(client)
        assert KEY not in text
        assert fake.base_url in text
        assert "'envelope', 'backoff', 'redirects', 'breaker', 'logging', 'auth'" in text
        assert KEY not in repr(client.stack) + repr(client.stack["auth"]) + str(client)

    def test_repr_redacts_url_credentials(self):
        """A base URL with credentials is refused, and the refusal never shows them."""
        with pytest.raises(ValueError, match="userinfo") as info:
            mock_client(base_url="https://user:hunter2secret@api.example.test")
        assert "hunter2secret" not in str(info.value)

    def test_defaults(self):
        """Without a stack the client runs the default stack with its key bound."""
        with HeyGenClient(KEY) as c:
            assert c.stack.names == default_stack().names
            assert isinstance(c.stack["auth"], ApiKeyAuth)
            assert c.base_url == "https://api.heygen.com"
            assert c.options == RequestOptions()

    def test_client_timeout_and_options(self):
        """timeout= and options= become the default options of every request."""
        transport = MockTransport(v3_echo)
        c = mock_client(transport, timeout=3.0, options=RequestOptions(max_attempts=2))
        c.get("/v3/thing")
        sent = transport.requests[-1].options
        assert sent.timeout == Timeout(connect=3.0, read=3.0)
        assert sent.max_attempts == 2
        assert c.options.max_attempts == 2


class TestRequests:
    """How paths, arguments, headers and per-call options become the request sent."""

    def test_path_joined_to_base_url(self, fake, client):
        """A path goes to the API host at that path."""
        client.get("/v2/avatars")
        seen = fake.requests[-1]
        assert (seen.host, seen.method, seen.path) == ("api", "GET", "/v2/avatars")

    def test_base_url_path_prefix_and_trailing_slash(self):
        """A base URL with a path prefix (and a trailing slash) is joined without doubling."""
        transport = MockTransport(v3_echo)
        c = mock_client(transport, base_url=f"{MOCK_BASE}/proxy/")
        assert c.get("/v3/videos")["url"] == f"{MOCK_BASE}/proxy/v3/videos"
        assert c.base_url == f"{MOCK_BASE}/proxy"

    def test_absolute_url_kept(self, fake, client):
        """An absolute URL is sent as is."""
        client.get(f"{fake.base_url}/v2/voices")
        assert fake.requests[-1].path == "/v2/voices"

    def test_absolute_url_to_another_host_gets_no_key(self):
        """An absolute URL elsewhere is kept, and the key does not go with it."""
        transport = MockTransport(v3_echo)
        url = "https://elsewhere.example.test/v3/x?a=1"
        assert mock_client(transport).get(url)["url"] == url
        assert "X-Api-Key" not in transport.requests[-1].headers

    def test_params_json_and_headers_are_sent(self, fake, client):
        """params= becomes the query, json= the body, headers= extra headers."""
        created = client.post(
            "/v3/videos",
            json={**VIDEO, "script": "Hi", "title": "T1"},
            headers={"X-Trace-Id": "t-1"},
        )
        post = fake.requests[-1]
        assert json.loads(post.body or b"") == {**VIDEO, "script": "Hi", "title": "T1"}
        assert post.header("Content-Type") == "application/json"
        assert post.header("X-Trace-Id") == "t-1"
        status = client.get("/v1/video_status.get", params={"video_id": created["video_id"]})
        assert fake.requests[-1].query == {"video_id": created["video_id"]}
        assert status["id"] == created["video_id"]

    def test_content_is_sent_raw(self, fake, client):
        """content= is sent as the body, to the upload host, with the key."""
        asset = client.post(
            f"{fake.upload_url}/v1/asset",
            content=b"\x89PNG-bytes",
            headers={"Content-Type": "image/png"},
        )
        upload = fake.requests[-1]
        assert (upload.host, upload.body) == ("upload", b"\x89PNG-bytes")
        assert upload.header("X-Api-Key") == KEY
        assert asset["file_type"] == "image"

    def test_default_user_agent(self, fake, client):
        """Requests carry heygen-pipeline/<version> as User-Agent."""
        client.get(QUOTA)
        assert (
            fake.requests[-1].header("User-Agent") == USER_AGENT == f"heygen-pipeline/{__version__}"
        )

    def test_user_agent_from_constructor(self, fake):
        """user_agent= replaces the default User-Agent."""
        with fake_client(fake, user_agent="my-app/2.0") as c:
            c.get(QUOTA)
        assert fake.requests[-1].header("User-Agent") == "my-app/2.0"

    def test_user_agent_from_request_headers(self, fake, client):
        """A request's own User-Agent (any case) wins over the default."""
        client.get(QUOTA, headers={"user-agent": "per-call/1"})
        assert fake.requests[-1].header("User-Agent") == "per-call/1"

    def test_request_returns_response_with_data(self, fake, client):
        """request() returns the whole Response, with the envelope's data unwrapped."""
        response = client.request("GET", QUOTA)
        assert isinstance(response, Response)
        assert response.status == 200
        assert response.envelope == "v2"
        assert response.data == {"remaining_quota": 3600, "details": {}}
        assert response.request_id == fake.requests[-1].request_id

    @pytest.mark.parametrize("verb", ["GET", "POST", "PUT", "PATCH", "DELETE"])
    def test_verb_helpers_return_data(self, verb):
        """get/post/put/patch/delete send their method and return the unwrapped data."""
        transport = MockTransport(v3_echo)
        data = getattr(mock_client(transport), verb.lower())("/v3/thing")
        assert data == {"method": verb, "url": f"{MOCK_BASE}/v3/thing"}
        assert transport.requests[-1].method == verb

    def test_delete_on_the_fake(self, fake, client):
        """delete() reaches the fake and returns its data."""
        video_id = fake.video_ids[0]
        assert client.delete(f"/v3/videos/{video_id}") == {"id": video_id, "deleted": True}
        assert video_id not in fake.video_ids

    def test_per_call_options_reach_the_transport(self):
        """timeout= and max_attempts= on a call are on the request the transport receives."""
        transport = MockTransport(v3_echo)
        mock_client(transport).get("/v3/x", timeout=0.5, max_attempts=1, idempotent=True)
        options = transport.requests[-1].options
        assert options.timeout == Timeout(connect=0.5, read=0.5)
        assert options.max_attempts == 1
        assert options.idempotent is True

    def test_total_timeout_becomes_a_deadline(self):
        """total_timeout= sets a deadline that far ahead, and shrinks the attempt timeouts."""
        transport = MockTransport(v3_echo)
        c = mock_client(transport)
        before = time.monotonic()
        c.get("/v3/x", total_timeout=5.0)
        after = time.monotonic()
        options = transport.requests[-1].options
        assert options.deadline is not None
        assert before + 5.0 <= options.deadline <= after + 5.0
        assert options.timeout is not None
        assert options.timeout.connect is not None
        assert options.timeout.read is not None
        assert options.timeout.connect <= 5.0
        assert options.timeout.read <= 5.0

    def test_recording_middleware_sees_options_over_sockets(self, fake):
        """Per-call options travel through a real stack to its innermost middleware."""
        recorder = Recorder()
        with fake_client(fake, stack=quiet_stack().append("record", recorder)) as c:
            c.get(QUOTA, timeout=2.0, max_attempts=1, total_timeout=20.0)
        options = recorder.requests[-1].options
        assert options.max_attempts == 1
        assert options.timeout == Timeout(connect=2.0, read=2.0)
        assert options.deadline is not None
        assert recorder.requests[-1].headers["X-Api-Key"] == KEY

    def test_options_object_with_changes(self):
        """options= replaces the client's defaults, and keyword fields change it further."""
        transport = MockTransport(v3_echo)
        c = mock_client(transport, timeout=9.0)
        c.get("/v3/x", options=RequestOptions(max_attempts=2), idempotent=False)
        options = transport.requests[-1].options
        assert (options.max_attempts, options.idempotent, options.timeout) == (2, False, None)

    def test_misspelt_keyword_is_named(self):
        """An unknown keyword fails with a TypeError naming it and what is accepted."""
        transport = MockTransport(v3_echo)
        with pytest.raises(TypeError, match=r"'jsno'.*params, json.*max_attempts"):
            mock_client(transport).post("/v3/x", jsno={"a": 1})
        assert transport.requests == []

    @pytest.mark.parametrize(
        ("value", "error"),
        [("5", TypeError), (True, TypeError), (-1, ValueError), (float("nan"), ValueError)],
    )
    def test_bad_total_timeout(self, value, error):
        """total_timeout must be a number of seconds >= 0."""
        with pytest.raises(error, match="total_timeout"):
            mock_client().get("/v3/x", total_timeout=value)

    def test_total_timeout_and_deadline_conflict(self):
        """total_timeout= and deadline= together are ambiguous: refused."""
        with pytest.raises(TypeError, match="not both"):
            mock_client().get("/v3/x", total_timeout=1.0, deadline=time.monotonic() + 9)

    def test_url_must_be_str(self):
        """A URL that is not a str fails with a TypeError."""
        with pytest.raises(TypeError, match="url must be a str"):
            mock_client().get(b"/v3/x")

    def test_build_request_then_send(self, fake, client):
        """build_request prepares what request() would send; send() sends it."""
        request = client.build_request("GET", "/v2/avatars", params={"page": 1})
        assert request.url == f"{fake.base_url}/v2/avatars?page=1"
        assert request.headers["User-Agent"] == USER_AGENT
        assert "X-Api-Key" not in request.headers  # added by the stack's auth, per attempt
        assert client.send(request).data["avatars"]
        with pytest.raises(TypeError, match="send"):
            client.send("GET /v2/avatars")


class TestAutoIdempotency:
    """The Idempotency-Key the client adds to v3 creates, and what it buys."""

    def _keys(self, fake, path):
        return [r.header("Idempotency-Key") for r in fake.requests_for("POST", path)]

    def test_v3_create_gets_a_key(self, fake, client):
        """POST /v3/videos carries a generated Idempotency-Key; the fake creates once for it."""
        client.post("/v3/videos", json={**VIDEO, "script": "Hi"})
        (key,) = self._keys(fake, "/v3/videos")
        assert key
        assert fake.creations_by_key == {key: 1}

    def test_each_call_gets_a_fresh_key(self, fake, client):
        """Two creates are two operations: two different keys, two videos."""
        client.post("/v3/videos", json={**VIDEO, "script": "One"})
        client.post("/v3/videos", json={**VIDEO, "script": "Two"})
        keys = self._keys(fake, "/v3/videos")
        assert len(set(keys)) == 2
        assert fake.creations_by_key == dict.fromkeys(keys, 1)

    def test_v2_generate_gets_none(self, fake, client):
        """POST /v2/video/generate (which ignores the header) gets no key."""
        scene = {"character": {"type": "avatar", "avatar_id": "a"}, "voice": {"type": "text"}}
        client.post("/v2/video/generate", json={"video_inputs": [scene], "dimension": DIMENSION})
        assert self._keys(fake, "/v2/video/generate") == [None]

    def test_callers_own_key_is_kept(self, fake, client):
        """A key given in headers= or as idempotency_key= is sent unchanged."""
        client.post(
            "/v3/videos", json={**VIDEO, "script": "Hi"}, headers={"Idempotency-Key": "my-key-1"}
        )
        client.post("/v3/videos", json={**VIDEO, "script": "Hi"}, idempotency_key="my-key-2")
        assert self._keys(fake, "/v3/videos") == ["my-key-1", "my-key-2"]
        assert fake.creations_by_key == {"my-key-1": 1, "my-key-2": 1}

    def test_repeating_a_callers_key_replays(self, fake, client):
        """The same caller key twice creates one video and returns it both times."""
        first = client.post(
            "/v3/videos", json={**VIDEO, "script": "Hi"}, idempotency_key="same-key"
        )
        again = client.post(
            "/v3/videos", json={**VIDEO, "script": "Hi"}, idempotency_key="same-key"
        )
        assert first == again
        assert fake.creations_by_key == {"same-key": 1}

    def test_turned_off(self, fake):
        """auto_idempotency=False sends no key of its own."""
        with fake_client(fake, auto_idempotency=False) as c:
            c.post("/v3/videos", json={**VIDEO, "script": "Hi"})
        assert self._keys(fake, "/v3/videos") == [None]
        assert fake.creations_by_key == {}

    def test_callable_rule(self, fake):
        """A function of the request decides instead of the built-in rule."""
        scene = {"character": {"type": "avatar", "avatar_id": "a"}, "voice": {"type": "text"}}
        with fake_client(fake, auto_idempotency=lambda r: r.path.startswith("/v2/")) as c:
            c.post("/v2/video/generate", json={"video_inputs": [scene], "dimension": DIMENSION})
            c.post("/v3/videos", json={**VIDEO, "script": "Hi"})
        assert self._keys(fake, "/v2/video/generate")[0]
        assert self._keys(fake, "/v3/videos") == [None]

    def test_retried_create_keeps_its_key(self, fake, client, sleeps):
        """5xx on a keyed create: retried with the same key, and exactly one video is created."""
        videos_before = len(fake.video_ids)
        fake.inject("POST", "/v3/videos", Fault.server_error(503), Fault.server_error(502))
        created = client.post("/v3/videos", json={**VIDEO, "script": "Hi"})
        keys = self._keys(fake, "/v3/videos")
        assert len(keys) == 3
        assert len(set(keys)) == 1
        assert keys[0]
        assert fake.creations_by_key == {keys[0]: 1}
        assert len(fake.video_ids) == videos_before + 1
        assert created["video_id"] in fake.video_ids
        assert len(sleeps) == 2

    def test_unkeyed_create_is_not_retried(self, fake, sleeps):
        """Without a key a POST that failed with 5xx is not replayed (it might duplicate)."""
        fake.inject("POST", "/v3/videos", Fault.server_error(503))
        c = fake_client(fake, auto_idempotency=False, stack=quiet_stack(sleeps))
        with c, pytest.raises(ServerError):
            c.post("/v3/videos", json={**VIDEO, "script": "Hi"})
        assert len(fake.requests_for("POST", "/v3/videos")) == 1
        assert sleeps == []

    @pytest.mark.parametrize("path", V3_CREATES)
    def test_v3_create_endpoints(self, path):
        """Every v3 create endpoint gets a key, with or without a trailing slash."""
        for suffix in ("", "/"):
            assert is_v3_create(Request("POST", f"{MOCK_BASE}{path}{suffix}"))
            assert not is_v3_create(Request("GET", f"{MOCK_BASE}{path}{suffix}"))

    @given(
        method=st.sampled_from(["GET", "PUT", "PATCH", "DELETE", "HEAD"]),
        path=st.sampled_from(V3_CREATES),
    )
    def test_only_post_is_a_create(self, method, path):
        """Property: no method but POST is ever keyed by the built-in rule."""
        assert not is_v3_create(Request(method, f"{MOCK_BASE}{path}"))

    @given(segment=st.from_regex(r"[a-z0-9_\-]{1,12}", fullmatch=True))
    def test_sub_resources_are_not_creates(self, segment):
        """Property: a POST below a create endpoint (an action on one item) is not keyed."""
        assert not is_v3_create(Request("POST", f"{MOCK_BASE}/v3/videos/{segment}"))
        assert not is_v3_create(Request("POST", f"{MOCK_BASE}/v2/{segment}"))


class TestDerivedClients:
    """with_stack / with_options: shared pool, bound credentials, who closes what."""

    def test_with_options_and_with_stack_share_the_pool(self, fake, client):
        """Derived clients reuse the original's connection: one TCP connection in all."""
        client.get(QUOTA)
        client.with_options(max_attempts=1).get(QUOTA)
        client.with_stack(quiet_stack().remove("breaker")).get(QUOTA)
        client.get(QUOTA)
        assert len(fake.requests_for("GET", QUOTA)) == 4
        assert fake.connections_opened == 1

    def test_with_options_changes_only_the_derived_client(self, fake):
        """with_options changes the derived client's defaults, not the original's."""
        recorder = Recorder()
        with fake_client(fake, stack=quiet_stack().append("record", recorder)) as c:
            derived = c.with_options(max_attempts=1, timeout=4.0)
            derived.get(QUOTA)
            c.get(QUOTA)
        assert recorder.requests[0].options.max_attempts == 1
        assert recorder.requests[0].options.timeout == Timeout(connect=4.0, read=4.0)
        assert recorder.requests[1].options.max_attempts is None
        assert derived.options.max_attempts == 1
        assert c.options.max_attempts is None

    def test_with_options_rejects_unknown_fields(self, client):
        """with_options takes RequestOptions fields only."""
        with pytest.raises(TypeError, match=r"'retries'.*with_options\(\) takes only"):
            client.with_options(retries=2)

    def test_with_stack_binds_the_placeholder(self, fake, client):
        """A stack from default_stack() given to with_stack gets this client's key."""
        derived = client.with_stack(quiet_stack().remove("breaker"))
        assert derived.stack.names == ("envelope", "backoff", "redirects", "logging", "auth")
        assert isinstance(derived.stack["auth"], ApiKeyAuth)
        assert derived.get(QUOTA)["remaining_quota"] == 3600
        assert fake.requests[-1].header("X-Api-Key") == KEY
        assert "breaker" in client.stack.names

    def test_with_stack_keeps_options_and_settings(self, fake):
        """with_stack keeps the default options, User-Agent and idempotency rule."""
        with fake_client(fake, user_agent="ua/1", timeout=7.0, auto_idempotency=False) as c:
            recorder = Recorder()
            c.with_stack(quiet_stack().append("record", recorder)).post(
                "/v3/videos", json={**VIDEO, "script": "Hi"}
            )
        sent = recorder.requests[-1]
        assert sent.options.timeout == Timeout(connect=7.0, read=7.0)
        assert sent.headers["User-Agent"] == "ua/1"
        assert sent.idempotency_key is None

    def test_with_stack_type_error(self, client):
        """with_stack refuses anything but a Stack."""
        with pytest.raises(TypeError, match="stack must be a Stack"):
            client.with_stack([("auth", ClientAuth())])

    def test_plain_default_stack_with_a_client_key(self, fake):
        """HeyGenClient(key, stack=default_stack()) binds the placeholder to that key."""
        with fake_client(fake, stack=default_stack()) as c:
            assert c.get(QUOTA)["remaining_quota"] == 3600
            assert isinstance(c.stack["auth"], ApiKeyAuth)
        assert fake.requests[-1].header("X-Api-Key") == KEY

    def test_one_stack_serves_two_keys(self):
        """One stack given to two clients: each sends its own key."""
        transport = MockTransport(v3_echo)
        stack = quiet_stack()
        HeyGenClient(KEY, base_url=MOCK_BASE, stack=stack, transport=transport).get("/v3/a")
        HeyGenClient(OTHER_KEY, base_url=MOCK_BASE, stack=stack, transport=transport).get("/v3/a")
        assert [r.headers["X-Api-Key"] for r in transport.requests] == [KEY, OTHER_KEY]
        assert isinstance(stack["auth"], ClientAuth)  # the given stack itself is unchanged

    def test_a_key_bound_stack_is_left_alone(self):
        """A stack whose auth already holds a key is used as is."""
        transport = MockTransport(v3_echo)
        stack = default_stack(OTHER_KEY, base_url=MOCK_BASE)
        HeyGenClient(KEY, base_url=MOCK_BASE, stack=stack, transport=transport).get("/v3/a")
        assert transport.requests[-1].headers["X-Api-Key"] == OTHER_KEY

    def test_closing_a_derived_client_keeps_the_pool(self, fake, client):
        """Closing a derived client leaves the pool open; closing the original closes it."""
        derived = client.with_options(max_attempts=2)
        client.get(QUOTA)
        derived.close()
        client.get(QUOTA)
        derived.get(QUOTA)
        assert fake.connections_opened == 1
        client.close()
        derived.get(QUOTA)  # the pool was emptied: a new connection is needed
        assert fake.connections_opened == 2

    def test_context_manager_closes_the_pool(self, fake):
        """Leaving the with block closes the pool; __enter__ returns the client."""
        c = fake_client(fake)
        with c as entered:
            assert entered is c
            c.get(QUOTA)
            c.get(QUOTA)
            assert fake.connections_opened == 1
        c.get(QUOTA)
        assert fake.connections_opened == 2

    def test_a_given_transport_is_not_closed(self):
        """The caller owns a transport it passed in: close() leaves it open."""

        class Closable(MockTransport):
            closed = 0

            def close(self):
                self.closed += 1

        transport = Closable(v3_echo)
        with mock_client(transport) as c:
            c.get("/v3/x")
        assert transport.closed == 0

    def test_the_client_closes_the_transport_it_made(self, monkeypatch):
        """A client that created its transport closes it, once; a derived client does not."""
        closed = []

        def close(transport):
            closed.append(transport)

        monkeypatch.setattr("heygen_pipeline.client.Urllib3Transport.close", close)
        c = HeyGenClient(KEY)
        c.with_options(max_attempts=1).close()
        assert closed == []
        c.close()
        assert closed == [c._transport]


class TestThreadSafety:
    """One client shared by many threads."""

    def test_many_threads_share_one_client(self, fake, client):
        """8 threads x 20 calls through one client: all succeed and all are recorded."""
        threads_n, calls_n = 8, 20
        barrier = threading.Barrier(threads_n)
        results: list[object] = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def work():
            try:
                barrier.wait(timeout=10)
                for _ in range(calls_n):
                    data = client.get(QUOTA)
                    with lock:
                        results.append(data)
            except BaseException as exc:  # collected and asserted below
                with lock:
                    errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(threads_n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)
        assert errors == []
        assert len(results) == threads_n * calls_n
        assert all(r == {"remaining_quota": 3600, "details": {}} for r in results)
        recorded = fake.requests_for("GET", QUOTA)
        assert len(recorded) == threads_n * calls_n
        assert {r.header("X-Api-Key") for r in recorded} == {KEY}


class TestKeyScope:
    """The key reaches the API and upload hosts only."""

    def test_redirect_to_the_cdn_carries_no_key(self, fake, client):
        """A redirect from the API to the CDN is followed, and the CDN never sees the key."""
        video_id = fake.video_ids[0]
        fake.inject("GET", "/v2/avatars", Fault.redirect(f"{fake.cdn_url}/videos/{video_id}.mp4"))
        with client.request("GET", "/v2/avatars", stream=True) as response:
            body = response.read()
        assert response.status == 200
        assert body == fake.video_payload()
        api, cdn = fake.requests
        assert (api.host, api.header("X-Api-Key")) == ("api", KEY)
        assert cdn.host == "cdn"
        assert cdn.header("X-Api-Key") is None
        assert cdn.header("Authorization") is None
        assert fake.cdn_saw_key is False

    def test_direct_cdn_download_carries_no_key(self, fake, client):
        """A CDN URL requested directly (a video_url) goes without the key."""
        status = client.get(f"/v3/videos/{fake.video_ids[0]}")
        with client.request("GET", status["video_url"], stream=True) as response:
            assert response.read() == fake.video_payload()
        assert fake.cdn_saw_key is False


class TestTypedErrors:
    """HeyGen's failures, end to end over sockets, as typed errors."""

    def test_wrong_key_is_an_authentication_error(self, fake):
        """401 for a wrong key: AuthenticationError at once, neither key in the message."""
        with fake_client(fake, key=OTHER_KEY) as c, pytest.raises(AuthenticationError) as info:
            c.get("/v3/users/me")
        assert info.value.status == 401
        assert info.value.code == "unauthorized"
        assert OTHER_KEY not in str(info.value)
        assert KEY not in str(info.value)
        assert len(fake.requests) == 1

    def test_rate_limit_with_retry_after_zero(self, fake, client, sleeps):
        """429 with Retry-After: 0, then success: one retry with no wait."""
        fake.inject("GET", "/v2/voices", Fault.rate_limited("0"))
        assert client.get("/v2/voices")["voices"]
        assert len(fake.requests_for("GET", "/v2/voices")) == 2
        assert sleeps == [0.0]

    def test_rate_limit_retried_for_a_post(self, fake, client, sleeps):
        """429 means 'not processed': even an unkeyed POST is retried."""
        fake.inject("POST", "/v2/video/generate", Fault.rate_limited("2"))
        scene = {"character": {"type": "avatar", "avatar_id": "a"}, "voice": {"type": "text"}}
        assert client.post(
            "/v2/video/generate", json={"video_inputs": [scene], "dimension": DIMENSION}
        )["video_id"]
        assert sleeps == [2.0]

    def test_retry_after_over_the_cap(self, fake, client, sleeps):
        """Retry-After beyond the cap: RateLimitError at once, carrying retry_after."""
        fake.inject("GET", "/v2/voices", Fault.rate_limited("120"))
        with pytest.raises(RateLimitError) as info:
            client.get("/v2/voices")
        assert info.value.retry_after == 120.0
        assert info.value.status == 429
        assert len(fake.requests_for("GET", "/v2/voices")) == 1
        assert sleeps == []

    def test_server_error_burst_on_get_is_retried(self, fake, client, sleeps):
        """Two 503s then success on a GET: retried to success."""
        fake.inject("GET", QUOTA, Fault.server_error(503), Fault.server_error(503))
        assert client.get(QUOTA)["remaining_quota"] == 3600
        assert len(fake.requests_for("GET", QUOTA)) == 3
        assert len(sleeps) == 2

    def test_server_error_past_the_attempts(self, fake, client):
        """503 on every attempt: ServerError with the status, after max_attempts tries."""
        fake.inject_always("GET", QUOTA, Fault.server_error(503))
        with pytest.raises(ServerError) as info:
            client.get(QUOTA)
        assert info.value.status == 503
        assert len(fake.requests_for("GET", QUOTA)) == 3

    def test_reset_is_a_transport_error(self, fake, client):
        """A connection reset with no retries left: ProtocolError (a TransportError)."""
        fake.inject("GET", QUOTA, Fault.reset())
        with pytest.raises(ProtocolError) as info:
            client.get(QUOTA, max_attempts=1)
        assert isinstance(info.value, TransportError)
        assert info.value.sent is True
        assert KEY not in str(info.value)

    def test_reset_on_get_is_retried(self, fake, client):
        """A reset on a GET is retried to success."""
        fake.inject("GET", QUOTA, Fault.reset())
        assert client.get(QUOTA)["remaining_quota"] == 3600

    def test_slow_answer_is_a_read_timeout(self, fake, client):
        """An answer slower than the read timeout: ReadTimeoutError, promptly."""
        fake.inject("GET", QUOTA, Fault.slow(1))
        started = time.monotonic()
        with pytest.raises(ReadTimeoutError):
            client.get(QUOTA, timeout=0.2, max_attempts=1)
        assert time.monotonic() - started < 0.9

    def test_not_found_keeps_heygens_code(self, client):
        """A 404 for an unknown video is NotFoundError with HeyGen's code."""
        with pytest.raises(NotFoundError) as info:
            client.get("/v3/videos/" + "0" * 32)
        assert info.value.code == "video_not_found"
        assert info.value.request_id

    def test_bad_request_keeps_heygens_message(self, client):
        """A 400 is BadRequestError with HeyGen's own message."""
        with pytest.raises(BadRequestError, match="video_inputs is invalid"):
            client.post("/v2/video/generate", json={"video_inputs": [], "dimension": DIMENSION})


class TestUnboundClientAuth:
    """The ClientAuth placeholder outside a client."""

    def test_a_built_default_stack_refuses_to_send(self):
        """A default_stack() built directly around a transport: ConfigurationError, nothing sent."""
        transport = MockTransport(v3_echo)
        pipeline = default_stack().build(transport)
        with pytest.raises(ConfigurationError, match="'auth' has no key"):
            pipeline(Request("GET", f"{MOCK_BASE}/v3/users/me"))
        assert transport.requests == []

    def test_the_placeholder_never_calls_next(self):
        """Called alone, ClientAuth raises without calling the next handler."""
        calls = []

        def call_next(request):
            calls.append(request)
            return make_response(request)

        with pytest.raises(ConfigurationError, match="api_key"):
            ClientAuth()(Request("GET", f"{MOCK_BASE}/x"), call_next)
        assert calls == []
        assert repr(ClientAuth()) == "ClientAuth()"

    def test_a_keyed_default_stack_sends(self):
        """default_stack(api_key=...) built directly does send, with that key."""
        transport = MockTransport(v3_echo)
        pipeline = default_stack(KEY, base_url=MOCK_BASE).build(transport)
        assert pipeline(Request("GET", f"{MOCK_BASE}/v3/x")).data["method"] == "GET"
        assert transport.requests[-1].headers["X-Api-Key"] == KEY


class TestKeyResolution:
    """The key is needed only by a stack that holds the ClientAuth placeholder."""

    def test_bearer_stack_needs_no_api_key(self, fake_heygen, monkeypatch):
        """A stack with its own BearerAuth works with no API key anywhere."""
        monkeypatch.delenv("HEYGEN_API_KEY", raising=False)
        token = "oauth-token-0123456789"
        with FakeHeyGen(oauth_token=token) as fake:
            auth = BearerAuth(token, base_url=fake.base_url)
            stack = default_stack().replace("auth", auth)
            with HeyGenClient(base_url=fake.base_url, stack=stack) as client:
                assert client.get("/v3/users/me")
            assert fake.requests[-1].headers["authorization"] == f"Bearer {token}"

    def test_default_stack_still_needs_a_key(self, monkeypatch):
        """With the default stack a missing key fails at construction, as before."""
        monkeypatch.delenv("HEYGEN_API_KEY", raising=False)
        with pytest.raises(ConfigurationError):
            HeyGenClient()


class TestBaseUrlFromEnvironment:
    """HEYGEN_BASE_URL sets a client's base URL (and where its key goes) when none is passed."""

    def test_the_variable_is_used_and_gets_the_key(self, fake_heygen, monkeypatch):
        """With only the variable set, calls (and the key) go to its host."""
        monkeypatch.setenv("HEYGEN_BASE_URL", fake_heygen.base_url + "/")
        with HeyGenClient(fake_heygen.api_key) as client:
            assert client.base_url == fake_heygen.base_url
            assert client.get("/v3/users/me")
        assert fake_heygen.requests[-1].headers["x-api-key"] == fake_heygen.api_key

    def test_an_argument_wins(self, monkeypatch):
        """base_url= overrides the variable."""
        monkeypatch.setenv("HEYGEN_BASE_URL", "https://elsewhere.example")
        with HeyGenClient("sk-test-0123456789", base_url="https://api.heygen.com") as client:
            assert client.base_url == "https://api.heygen.com"

    @pytest.mark.parametrize("value", [None, "", "   "])
    def test_unset_or_blank_is_heygen(self, monkeypatch, value):
        """No variable, or a blank one: HeyGen's own API host."""
        if value is None:
            monkeypatch.delenv("HEYGEN_BASE_URL", raising=False)
        else:
            monkeypatch.setenv("HEYGEN_BASE_URL", value)
        with HeyGenClient("sk-test-0123456789") as client:
            assert client.base_url == "https://api.heygen.com"

    @pytest.mark.parametrize("value", ["ftp://api.heygen.com", "api.heygen.com", "http://x\\@y"])
    def test_a_bad_value_is_a_configuration_error_naming_the_variable(self, monkeypatch, value):
        """A value that is no absolute http(s) URL fails at construction, naming the variable."""
        monkeypatch.setenv("HEYGEN_BASE_URL", value)
        with pytest.raises(ConfigurationError, match="HEYGEN_BASE_URL"):
            HeyGenClient("sk-test-0123456789")

    def test_plain_http_to_a_remote_host_is_refused(self, monkeypatch):
        """The variable cannot send the key over plain http to another machine."""
        monkeypatch.setenv("HEYGEN_BASE_URL", "http://api.example.com")
        with pytest.raises(InsecureTransportError):
            HeyGenClient("sk-test-0123456789")


class TestWriteTimeouts:
    """Requests that change state get the longer write timeouts unless they set their own."""

    @staticmethod
    def _seen(method, **kwargs):
        transport = MockTransport(lambda r: make_response(r, json={"data": {}}))
        with HeyGenClient("sk-write-timeout-1", transport=transport, **kwargs) as client:
            client.request(method, "/v3/videos", json={} if method != "GET" else None)
        return transport.requests[0].options.timeout

    def test_post_gets_write_timeout(self):
        """A POST without a timeout is sent with the 120 s write read timeout."""
        assert self._seen("post") == WRITE_TIMEOUT

    def test_get_keeps_transport_default(self):
        """A GET without a timeout leaves the choice to the transport."""
        assert self._seen("GET") is None

    def test_explicit_timeout_wins(self):
        """A client-wide timeout beats the write default."""
        assert self._seen("POST", timeout=5.0) == Timeout(5.0, 5.0)

    def test_write_timeout_can_be_turned_off(self):
        """write_timeout=None leaves writes to the transport default."""
        assert self._seen("DELETE", write_timeout=None) is None


class TestBreakerScope:
    """The client's own default stack guards the API hosts only."""

    def test_cdn_failures_do_not_open_the_api_breaker(self, fake_heygen):
        """Six CDN 503s (more than fail_max) leave API calls flowing."""
        path = "/videos/missing.mp4"
        fake_heygen.inject_always("GET", path, Fault.server_error(503), host="cdn")
        with HeyGenClient(
            fake_heygen.api_key,
            base_url=fake_heygen.base_url,
            upload_url=fake_heygen.upload_url,
        ) as client:
            for _ in range(6):
                with pytest.raises(ServerError):
                    client.request("GET", fake_heygen.cdn_url + path, max_attempts=1)
            assert client.stack["breaker"].state == "closed"
            assert client.get("/v2/avatars")["avatars"]

    @pytest.mark.parametrize("template", [False, True], ids=["own-stack", "default_stack()"])
    def test_a_template_is_scoped_like_the_clients_own_stack(self, fake_heygen, template):
        """HeyGenClient(stack=default_stack()) guards the same hosts as HeyGenClient()."""
        path = "/videos/missing.mp4"
        fake_heygen.inject_always("GET", path, Fault.server_error(503), host="cdn")
        stack = default_stack() if template else None
        with HeyGenClient(
            fake_heygen.api_key,
            base_url=fake_heygen.base_url,
            upload_url=fake_heygen.upload_url,
            stack=stack,
        ) as client:
            expected = HeyGenClient(
                fake_heygen.api_key,
                base_url=fake_heygen.base_url,
                upload_url=fake_heygen.upload_url,
            )
            assert client.stack["breaker"].hosts == expected.stack["breaker"].hosts
            assert client.stack["breaker"].hosts is not None
            expected.close()
            for _ in range(6):
                with pytest.raises(ServerError):
                    client.request("GET", fake_heygen.cdn_url + path, max_attempts=1)
            assert client.stack["breaker"].state == "closed"

    def test_a_breaker_scoped_by_hand_is_kept(self, fake_heygen):
        """The client scopes only breakers that guard every host; yours stay as you set them."""
        mine = CircuitBreakerMiddleware(hosts=["elsewhere.example"])
        stack = default_stack().replace("breaker", mine)
        with HeyGenClient(fake_heygen.api_key, base_url=fake_heygen.base_url, stack=stack) as c:
            assert c.stack["breaker"] is mine

    def test_scoping_keeps_the_breaker_and_its_settings(self):
        """The scoped breaker drives the same pybreaker state, half-open limit and clock."""
        clock = lambda: 5.0  # noqa: E731 - a fixed clock
        original = CircuitBreakerMiddleware(half_open_max_calls=3, clock=clock)
        scoped = original.scoped_to(["api.heygen.com"])
        assert scoped.breaker is original.breaker
        assert (scoped._half_open_max_calls, scoped._clock) == (3, clock)
        assert scoped.hosts == frozenset({"api.heygen.com"})


def _own_stack(_fake: FakeHeyGen) -> Stack | None:
    return None


def _template(_fake: FakeHeyGen) -> Stack | None:
    return default_stack()


def _template_edited(_fake: FakeHeyGen) -> Stack | None:
    return quiet_stack().replace("redirects", RedirectMiddleware(max_redirects=2))


def _own_auth(fake: FakeHeyGen) -> Stack | None:
    hosts = auth_hosts(fake.base_url, fake.upload_url)
    return default_stack().replace(
        "auth", ApiKeyAuth(fake.api_key, base_url=fake.base_url, hosts=hosts)
    )


class TestOneBinding:
    """The client binds a stack's placeholders (key, host scope) alike, whatever the stack."""

    @pytest.mark.parametrize(
        "make",
        [_own_stack, _template, _template_edited, _own_auth],
        ids=["HeyGenClient()", "default_stack()", "edited default_stack()", "own auth"],
    )
    @pytest.mark.parametrize("derived", [False, True], ids=["init", "with_stack"])
    def test_same_hosts_and_scope(self, fake_heygen, make, derived):
        """Auth hosts and breaker scope equal the client's own; CDN 503s leave it closed."""
        path = "/videos/missing.mp4"
        fake_heygen.inject_always("GET", path, Fault.server_error(503), host="cdn")
        urls = {"base_url": fake_heygen.base_url, "upload_url": fake_heygen.upload_url}
        with HeyGenClient(fake_heygen.api_key, **urls) as reference:
            stack = make(fake_heygen)
            if derived:
                client = reference.with_stack(stack if stack is not None else default_stack())
            else:
                client = HeyGenClient(fake_heygen.api_key, **urls, stack=stack)
            want = reference.stack
            assert client.stack["auth"].hosts == want["auth"].hosts
            assert client.stack["breaker"].hosts == want["breaker"].hosts
            assert client.stack["breaker"].hosts is not None
            for _ in range(6):
                with pytest.raises(ServerError):
                    client.request("GET", fake_heygen.cdn_url + path, max_attempts=1)
            assert client.stack["breaker"].state == "closed"
            assert client.get("/v2/avatars")["avatars"]
            assert fake_heygen.requests[-1].header("X-Api-Key") == fake_heygen.api_key

    def test_the_given_stack_is_untouched(self):
        """Binding leaves the given stack's placeholder and unscoped breaker as they were."""
        stack = default_stack()
        HeyGenClient(KEY, base_url=MOCK_BASE, stack=stack, transport=MockTransport(v3_echo))
        assert isinstance(stack["auth"], ClientAuth)
        assert stack["breaker"].hosts is None
