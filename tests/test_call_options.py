import inspect
import threading
from itertools import islice
from typing import Any

import pytest

from heygen_pipeline import (
    ConfigurationError,
    HeyGenClient,
    HeyGenError,
    NotFoundError,
    default_stack,
)
from heygen_pipeline.middleware import ApiKeyAuth
from heygen_pipeline.resources import CallOptions, RawResponses, RawResult, Resource
from heygen_pipeline.resources._call_options import OptionsRequester, RecordingRequester

LOOK = "Daisy-inskirt-20220818"
EXTRA = {"extra_headers": {"X-Trace": "t-1"}, "extra_query": {"trace": "1"}}


def helpers(client: HeyGenClient) -> dict[str, Resource]:
    """Every resource helper of ``client``, sub-helpers included, by dotted name."""
    found: dict[str, Resource] = {}
    for name, value in vars(client).items():
        if isinstance(value, Resource):
            found[name] = value
            for sub in ("looks",):
                if isinstance(getattr(value, sub, None), Resource):
                    found[f"{name}.{sub}"] = getattr(value, sub)
    return found


def public_methods(resource: Resource) -> list[str]:
    """The public methods of a helper (what users call), inherited ones included."""
    return [
        name
        for name, member in inspect.getmembers(type(resource))
        if not name.startswith("_")
        and callable(member)
        and not isinstance(inspect.getattr_static(type(resource), name), property)
        and name != "with_options"
    ]


class BuildingRequester:
    """A requester over a client that keeps each `Request` it built (a tracing wrapper)."""

    def __init__(self, client: HeyGenClient) -> None:
        """Wrap ``client``."""
        self.client = client
        self.upload_url = client.upload_url
        self.job_slots = client.job_slots
        self.slot_timeout = client.slot_timeout
        self.built: list[Any] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """Build the request as the client would, keep it, send it."""
        request = self.client.build_request(method, url, **kwargs)
        self.built.append(request)
        return self.client.send(request)

    def get(self, url: str, **kwargs: Any) -> Any:
        """GET; the data."""
        return self.request("GET", url, **kwargs).data

    def post(self, url: str, **kwargs: Any) -> Any:
        """POST; the data."""
        return self.request("POST", url, **kwargs).data

    def patch(self, url: str, **kwargs: Any) -> Any:
        """PATCH; the data."""
        return self.request("PATCH", url, **kwargs).data

    def delete(self, url: str, **kwargs: Any) -> Any:
        """DELETE; the data."""
        return self.request("DELETE", url, **kwargs).data


class TestCallOptions:
    """`CallOptions.merged` and `then`: how per-call options meet a method's own arguments."""

    def test_fills_what_the_method_left_unset(self):
        """Timeout, key and attempts are added when the method passed none."""
        merged = CallOptions(timeout=2.0, idempotency_key="k", max_attempts=1).merged({})
        assert merged == {"timeout": 2.0, "idempotency_key": "k", "max_attempts": 1}

    def test_the_methods_own_scalars_win(self):
        """A method's ``timeout=`` or ``idempotency_key=`` (the caller's argument) is kept."""
        merged = CallOptions(timeout=2.0, idempotency_key="k").merged(
            {"timeout": 9.0, "idempotency_key": "mine"}
        )
        assert merged["timeout"] == 9.0
        assert merged["idempotency_key"] == "mine"

    def test_total_timeout_takes_the_earlier_end(self):
        """A wait's per-poll bound and the option's bound: the smaller applies."""
        assert CallOptions(total_timeout=5.0).merged({"total_timeout": 2.0})["total_timeout"] == 2
        assert CallOptions(total_timeout=1.0).merged({"total_timeout": 2.0})["total_timeout"] == 1
        assert "total_timeout" not in CallOptions(total_timeout=1.0).merged({"deadline": 3.0})

    def test_extra_headers_replace_the_methods_in_any_case(self):
        """Extra headers are set over the method's own, case-insensitively."""
        merged = CallOptions(extra_headers={"accept-encoding": "gzip"}).merged(
            {"headers": {"Accept-Encoding": "identity", "X-A": "1"}}
        )
        assert dict(merged["headers"]) == {"accept-encoding": "gzip", "X-A": "1"}

    def test_extra_query_is_added_to_the_params(self):
        """Extra query parameters join the method's (and win on a clash)."""
        merged = CallOptions(extra_query={"a": 2, "b": 3}).merged({"params": {"a": 1, "c": 4}})
        assert merged["params"] == {"a": 2, "c": 4, "b": 3}

    def test_later_options_win_when_chained(self):
        """``then``: the later scalars and headers win, the earlier fill the gaps."""
        early = CallOptions(timeout=1.0, total_timeout=9.0, extra_headers={"A": "1", "B": "1"})
        late = CallOptions(timeout=2.0, extra_headers={"B": "2"})
        both = early.then(late)
        assert (both.timeout, both.total_timeout) == (2.0, 9.0)
        assert dict(both.extra_headers) == {"A": "1", "B": "2"}

    def test_storage_urls_get_no_extras_and_no_key(self):
        """A request off HeyGen (a signed URL) keeps its bounds but gets no extras or key."""
        options = CallOptions(timeout=2.0, idempotency_key="k", **EXTRA)
        merged = options.merged({"headers": {"A": "1"}}, to_heygen=False)
        assert merged == {"headers": {"A": "1"}, "timeout": 2.0}
        assert "idempotency_key" not in options.merged({}, post=False)

    def test_odd_maps_are_refused(self):
        """``extra_headers`` must be a mapping."""
        with pytest.raises(TypeError, match="mapping"):
            CallOptions(extra_headers=[("A", "1")])  # type: ignore[arg-type]


class TestWithOptions:
    """``resource.with_options(...)``: every helper, every method, every verb."""

    def test_every_helper_rebinds_itself_and_its_sub_helpers(self, heygen_client):
        """Each helper's ``with_options`` is the same class over an `OptionsRequester`."""
        for name, helper in helpers(heygen_client).items():
            bound = helper.with_options(timeout=1.0)
            assert type(bound) is type(helper), name
            assert isinstance(bound.client, OptionsRequester), name
            assert helper.client is heygen_client, name  # the original is left as it was
            for method in public_methods(helper):
                assert callable(getattr(bound, method)), f"{name}.{method}"
        looks = heygen_client.avatars.with_options(timeout=1.0).looks
        assert isinstance(looks.client, OptionsRequester)

    @pytest.mark.parametrize("verb", ["request", "get", "post", "put", "patch", "delete"])
    def test_every_verb_passes_the_options(self, heygen_client, verb):
        """Timeout, total timeout, key, attempts, headers and query reach the built request."""
        inner = BuildingRequester(heygen_client)
        options = CallOptions(
            timeout=3.0, total_timeout=60.0, idempotency_key="k-1", max_attempts=1, **EXTRA
        )
        wrapper = OptionsRequester(inner, options)
        call = getattr(wrapper, verb)
        with pytest.raises(NotFoundError):
            call("GET", "/v3/nowhere") if verb == "request" else call("/v3/nowhere")
        [built] = inner.built
        assert built.options.timeout.read == 3.0
        assert built.options.deadline is not None
        assert built.options.max_attempts == 1
        wants_key = verb == "post"
        assert built.options.idempotency_key == ("k-1" if wants_key else None)
        assert built.headers["x-trace"] == "t-1"
        assert "trace=1" in built.url

    def test_a_family_of_calls_carries_the_options(self, heygen_client, fake_heygen):
        """Calls of several helpers, lists and waits included, all send the extras."""
        video = heygen_client.videos.create(avatar_id=LOOK, script="Hi")
        fake_heygen.clear_requests()
        calls = [
            lambda c: c.user.me(),
            lambda c: c.videos.get(video.id),
            lambda c: list(islice(c.videos.list(), 2)),
            lambda c: c.videos.wait(video.id, poll=0.01, timeout=30),
            lambda c: list(islice(c.avatars.list(), 1)),
            lambda c: list(islice(c.voices.list(), 1)),
            lambda c: list(islice(c.templates.list(), 1)),
            lambda c: list(c.webhook_endpoints.list()),
            lambda c: c.user.remaining_quota(),
        ]
        for call in calls:
            client = type("Helpers", (), {})()
            for name, helper in helpers(heygen_client).items():
                if "." not in name:
                    setattr(client, name, helper.with_options(**EXTRA))
            call(client)
        assert fake_heygen.requests
        for sent in fake_heygen.requests:
            assert sent.header("X-Trace") == "t-1", sent.path
            assert sent.query.get("trace") == "1", sent.path

    def test_only_heygen_hosts_get_the_extras(self, heygen_client, fake_heygen):
        """The upload host gets the extras; another host (the fake's CDN) does not."""
        inner = BuildingRequester(heygen_client)
        wrapper = OptionsRequester(inner, CallOptions(timeout=4.0, **EXTRA))
        for url in (f"{fake_heygen.upload_url}/v1/nowhere", f"{fake_heygen.cdn_url}/nowhere"):
            with pytest.raises(HeyGenError):
                wrapper.get(url, max_attempts=1)
        upload, cdn = inner.built
        assert upload.headers.get("x-trace") == "t-1"
        assert "x-trace" not in cdn.headers
        assert "trace" not in cdn.url
        assert cdn.options.timeout.read == 4.0

    def test_a_direct_upload_keeps_the_extras_off_storage(
        self, heygen_client, fake_heygen, tmp_path
    ):
        """Announce and complete carry the extras; the PUT to the signed URL does not."""
        path = tmp_path / "a.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
        assets = heygen_client.assets.with_options(**EXTRA)
        assets.upload(path, via="direct")
        [put] = [r for r in fake_heygen.requests if r.method == "PUT"]
        api = [r for r in fake_heygen.requests if r.method != "PUT"]
        assert put.header("X-Trace") is None
        assert "trace" not in put.query
        assert api
        assert all(r.header("X-Trace") == "t-1" for r in api)

    def test_idempotency_key_reaches_a_create(self, heygen_client, fake_heygen):
        """``with_options(idempotency_key=)`` on ``videos.create`` dedupes like the argument."""
        videos = heygen_client.videos.with_options(idempotency_key="order-7")
        first = videos.create(avatar_id=LOOK, script="A")
        again = videos.create(avatar_id=LOOK, script="A")
        assert first.id == again.id
        assert fake_heygen.creations_by_key == {"order-7": 1}

    def test_chained_options_flatten(self, heygen_client):
        """``with_options`` twice wraps the client once, with the later values winning."""
        videos = heygen_client.videos.with_options(timeout=1.0).with_options(timeout=2.0)
        assert isinstance(videos.client, OptionsRequester)
        assert videos.client.inner is heygen_client
        assert videos.client.options.timeout == 2.0


class TestRawResponse:
    """``resource.with_raw_response``: the typed result with the responses behind it."""

    def test_request_id_is_the_one_the_server_sent(self, heygen_client, fake_heygen):
        """``request_id``, status and headers are those of the response FakeHeyGen sent."""
        raw = heygen_client.user.with_raw_response.me()
        assert isinstance(raw, RawResult)
        assert raw.parse() is raw.data
        assert raw.data.username
        assert raw.request_id == fake_heygen.requests[-1].request_id
        assert raw.response.status == 200
        assert raw.response.headers["X-Request-Id"] == raw.request_id

    def test_every_method_has_a_raw_form(self, heygen_client):
        """Each public method of each helper is reachable through ``with_raw_response``."""
        for name, helper in helpers(heygen_client).items():
            view = helper.with_raw_response
            assert isinstance(view, RawResponses)
            for method in public_methods(helper):
                assert callable(getattr(view, method)), f"{name}.{method}"

    def test_sub_helpers_and_lazy_lists(self, heygen_client, fake_heygen):
        """A sub-helper answers its own raw view; a lazy list records as it is iterated."""
        assert isinstance(heygen_client.avatars.with_raw_response.looks, RawResponses)
        raw = heygen_client.videos.with_raw_response.list()
        with pytest.raises(LookupError, match="lazy"):
            _ = raw.response
        list(raw.data)
        assert raw.request_id == fake_heygen.requests[-1].request_id

    def test_a_wait_answers_its_last_poll(self, heygen_client, fake_heygen):
        """``wait``'s raw response is the final poll's."""
        video = heygen_client.videos.create(avatar_id=LOOK, script="Hi")
        raw = heygen_client.videos.with_raw_response.wait(video.id, poll=0.01, timeout=30)
        assert raw.data.status == "completed"
        assert raw.request_id == fake_heygen.requests[-1].request_id
        assert all(r.status == 200 for r in raw.responses)

    def test_errors_are_raised_as_usual(self, heygen_client):
        """A failing call raises its error, not a `RawResult`."""
        with pytest.raises(NotFoundError):
            heygen_client.videos.with_raw_response.get("no-such-video")

    def test_concurrent_calls_keep_their_own_responses(self, heygen_client, fake_heygen):
        """Eight threads: each result's request id is the one of its own call."""
        results: list[RawResult[Any]] = []
        lock = threading.Lock()

        def call() -> None:
            raw = heygen_client.user.with_raw_response.me()
            with lock:
                results.append(raw)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ids = {raw.request_id for raw in results}
        assert len(ids) == 8
        assert ids == {r.request_id for r in fake_heygen.requests}
        assert all(len(raw.responses) == 1 for raw in results)

    def test_it_combines_with_options(self, heygen_client, fake_heygen):
        """``with_options(...).with_raw_response`` applies the options and records."""
        raw = heygen_client.user.with_options(**EXTRA).with_raw_response.me()
        assert fake_heygen.requests[-1].header("X-Trace") == "t-1"
        assert raw.request_id == fake_heygen.requests[-1].request_id
        assert isinstance(RecordingRequester(heygen_client).responses, list)


class TestClientHeaders:
    """``default_headers`` and ``with_options(headers=, api_key=)`` on the client."""

    def client(self, fake, **kwargs: Any) -> HeyGenClient:
        """A client of ``fake``."""
        return HeyGenClient(
            fake.api_key, base_url=fake.base_url, upload_url=fake.upload_url, **kwargs
        )

    def test_default_headers_go_on_every_request(self, fake_heygen):
        """Default headers are sent; a request's own header of the same name wins."""
        with self.client(fake_heygen, default_headers={"X-App": "shop", "X-Env": "a"}) as client:
            client.user.me()
            assert fake_heygen.requests[-1].header("X-App") == "shop"
            client.get("/v3/users/me", headers={"x-env": "b"})
            sent = fake_heygen.requests[-1]
            assert (sent.header("X-App"), sent.header("X-Env")) == ("shop", "b")
            assert sent.header("User-Agent").startswith("heygen-pipeline/")
            assert sent.header("X-Api-Key") == fake_heygen.api_key

    @pytest.mark.parametrize("name", ["X-Api-Key", "authorization", "Proxy-Authorization"])
    def test_credentials_are_refused(self, fake_heygen, name):
        """A credential in ``default_headers`` (or ``with_options(headers=)``) is refused."""
        with pytest.raises(ConfigurationError, match="api_key"):
            self.client(fake_heygen, default_headers={name: "x"})
        with self.client(fake_heygen) as client, pytest.raises(ConfigurationError):
            client.with_options(headers={name: "x"})

    def test_with_options_headers(self, fake_heygen):
        """``with_options(headers=)`` adds to the defaults; the original client is unchanged."""
        with self.client(fake_heygen, default_headers={"X-App": "shop"}) as client:
            tenant = client.with_options(headers={"X-Tenant": "t1"}, max_attempts=1)
            tenant.user.me()
            sent = fake_heygen.requests[-1]
            assert (sent.header("X-App"), sent.header("X-Tenant")) == ("shop", "t1")
            assert tenant.options.max_attempts == 1
            client.user.me()
            assert fake_heygen.requests[-1].header("X-Tenant") is None

    def test_with_options_api_key(self, fake_heygen):
        """``with_options(api_key=)`` sends the other key, shares the pool, never shows it."""
        with self.client(fake_heygen) as client:
            other = client.with_options(api_key="other-secret-key")
            with pytest.raises(Exception, match="401"):
                other.user.me()
            assert fake_heygen.requests[-1].header("X-Api-Key") == "other-secret-key"
            assert "other-secret-key" not in repr(other)
            assert other._transport is client._transport
            client.user.me()
            assert fake_heygen.requests[-1].header("X-Api-Key") == fake_heygen.api_key

    def test_api_key_needs_the_placeholder(self, fake_heygen):
        """A stack with its own auth cannot take another key through ``with_options``."""
        own = default_stack().replace("auth", ApiKeyAuth(fake_heygen.api_key))
        with self.client(fake_heygen, stack=own) as client:
            with pytest.raises(ConfigurationError, match="ClientAuth"):
                client.with_options(api_key="key-two")
            rekeyed = client.with_stack(default_stack()).with_options(api_key="key-two")
            assert rekeyed.stack["auth"].__class__ is ApiKeyAuth

    def test_misspelt_options_still_fail(self, fake_heygen):
        """An unknown keyword is a TypeError naming what is accepted."""
        with self.client(fake_heygen) as client, pytest.raises(TypeError, match="timeout"):
            client.with_options(timeot=1.0)
