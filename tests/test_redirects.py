from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline._models import ExtensionKey, Request, RequestOptions, Response
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport
from heygen_pipeline.errors import HeyGenError, TooManyRedirectsError
from heygen_pipeline.middleware._redirects import (
    CROSS_ORIGIN_STRIPPED,
    RedirectError,
    RedirectMiddleware,
    redirect_method,
    resolve_location,
    same_origin,
)
from heygen_pipeline.testing._mock import BytesStream, MockTransport, make_response
from heygen_pipeline.testing._strategies_breaker import (
    hostile_locations,
    http_methods,
    redirect_statuses,
    relative_locations,
)

API = "https://api.heygen.com"
CREDENTIALS = {
    "Authorization": "Bearer secret-token",
    "X-Api-Key": "secret-key",
    "Cookie": "session=abc",
    "Proxy-Authorization": "Basic xyz",
}


Route = tuple[int, dict[str, str]]


def routed(routes: dict[str, Route]) -> MockTransport:
    """A transport answering each URL with (status, headers) from ``routes``; 200 elsewhere."""

    def handler(request: Request) -> Response:
        status, headers = routes.get(request.url, (200, {}))
        return make_response(request, status, content=b"body", headers=headers)

    return MockTransport(handler)


def follow(transport: MockTransport, request: Request, **kwargs: int) -> Response:
    """Send ``request`` through a stack holding only the redirect middleware."""
    return Stack([("redirects", RedirectMiddleware(**kwargs))]).build(transport)(request)


def redirect(location: str, status: int = 302) -> Route:
    """A redirect route."""
    return status, {"Location": location}


class TestRedirectMethod:
    """redirect_method: which method and body the next hop keeps."""

    @given(http_methods(), st.sampled_from([307, 308]))
    def test_307_and_308_keep_method_and_body(self, method, status):
        """307 and 308 never change the method or drop the body."""
        assert redirect_method(status, method) == (method, True)

    @given(http_methods())
    def test_303_becomes_get_without_body(self, method):
        """303 turns every method but GET and HEAD into a body-less GET."""
        if method in {"GET", "HEAD"}:
            assert redirect_method(303, method) == (method, True)
        else:
            assert redirect_method(303, method) == ("GET", False)

    @given(http_methods(), st.sampled_from([301, 302]))
    def test_301_and_302_change_post_only(self, method, status):
        """301 and 302 turn POST into a body-less GET and leave other methods alone."""
        expected = ("GET", False) if method == "POST" else (method, True)
        assert redirect_method(status, method) == expected

    @given(http_methods(), redirect_statuses())
    def test_the_method_is_kept_or_becomes_get(self, method, status):
        """A hop keeps the method with its body, or is a GET without one."""
        new_method, keep_body = redirect_method(status, method)
        assert (new_method, keep_body) in {(method, True), ("GET", False)}


class TestSameOrigin:
    """same_origin: scheme, host and port."""

    @pytest.mark.parametrize(
        ("a", "b", "same"),
        [
            (f"{API}/a", f"{API}/b?x=1", True),
            (f"{API}/a", "https://API.HEYGEN.COM:443/b", True),
            (f"{API}/a", "http://api.heygen.com/a", False),
            (f"{API}/a", "https://api.heygen.com:8443/a", False),
            (f"{API}/a", "https://upload.heygen.com/a", False),
            ("http://127.0.0.1:80/a", "http://127.0.0.1/b", True),
        ],
    )
    def test_origins(self, a, b, same):
        """Only scheme, host (any case) and port (explicit or default) matter."""
        assert same_origin(Request("GET", a), Request("GET", b)) is same
        assert same_origin(Request("GET", b), Request("GET", a)) is same


class TestResolveLocation:
    """resolve_location: where a Location points, or why it is refused."""

    @given(relative_locations())
    def test_relative_locations_resolve_against_the_current_url(self, location):
        """A relative Location is joined to the current URL and stays on its origin."""
        current = f"{API}/v2/videos/list?page=2"
        target = resolve_location(current, location)
        assert target == urljoin(current, location)
        assert same_origin(Request("GET", target), Request("GET", current))

    @given(hostile_locations())
    def test_hostile_locations_are_refused(self, location):
        """Other schemes, credentials, missing hosts and garbage raise RedirectError."""
        with pytest.raises(RedirectError):
            resolve_location(f"{API}/v2/videos", location)

    @pytest.mark.parametrize("location", [None, "", "  "])
    def test_missing_location_is_refused(self, location):
        """A redirect without a usable Location is an error, not a loop back to itself."""
        with pytest.raises(RedirectError, match="no Location"):
            resolve_location(f"{API}/a", location)

    def test_absolute_and_scheme_relative(self):
        """Absolute and //host Locations go where they say; the fragment is dropped."""
        assert resolve_location(f"{API}/a", "https://cdn.example/x#frag") == "https://cdn.example/x"
        assert resolve_location(f"{API}/a", "//cdn.example/y") == "https://cdn.example/y"

    def test_spaces_and_text_are_percent_encoded(self):
        """Spaces and UTF-8 text (arriving as latin-1) are encoded as a browser would."""
        location = "/caf\N{LATIN SMALL LETTER E WITH ACUTE} menu".encode().decode("latin-1")
        assert resolve_location(f"{API}/a", location) == f"{API}/caf%C3%A9%20menu"

    def test_backslash_cannot_change_the_host(self):
        """Browsers read a backslash as '/'; encoded, it stays a path on the same host."""
        assert resolve_location(f"{API}/a", "/\\evil.example/x") == f"{API}/%5Cevil.example/x"

    def test_messages_are_redacted(self):
        """A refused Location with credentials or a token never shows them."""
        with pytest.raises(RedirectError) as info:
            resolve_location(f"{API}/a?token=t0ps3cret", "https://user:hunter2@evil.example/")
        assert "hunter2" not in str(info.value)
        assert "t0ps3cret" not in str(info.value)


class TestMethodsAndBodies:
    """Each redirect status's method and body semantics, end to end."""

    @pytest.mark.parametrize(
        ("status", "method", "expected_method", "keeps_body"),
        [
            (301, "POST", "GET", False),
            (302, "POST", "GET", False),
            (303, "POST", "GET", False),
            (303, "PUT", "GET", False),
            (303, "HEAD", "HEAD", True),
            (301, "PUT", "PUT", True),
            (302, "DELETE", "DELETE", True),
            (307, "POST", "POST", True),
            (308, "PATCH", "PATCH", True),
            (301, "GET", "GET", True),
        ],
    )
    def test_status_semantics(self, status, method, expected_method, keeps_body):
        """The hop's method, body and body headers follow the status."""
        transport = routed({f"{API}/a": redirect("/b", status)})
        body = b'{"x":1}' if method not in {"GET", "HEAD"} else None
        request = Request(
            method, f"{API}/a", headers={"Content-Type": "application/json"}, body=body
        )
        assert follow(transport, request).status == 200
        first, hop = transport.requests
        assert first.method == method
        assert hop.method == expected_method
        assert hop.url == f"{API}/b"
        if keeps_body:
            assert hop.body == body
            assert hop.headers.get("Content-Type") == "application/json"
        else:
            assert hop.body is None
            assert "Content-Type" not in hop.headers

    @pytest.mark.parametrize("status", [307, 308])
    @pytest.mark.parametrize(
        "body",
        [lambda: (c for c in [b"a", b"b"]), lambda: io.BytesIO(b"file"), lambda: iter([b"x"])],
        ids=["generator", "file", "iterator"],
    )
    def test_one_shot_bodies_cannot_be_replayed(self, status, body):
        """307/308 with a stream or file body fail clearly instead of sending it empty."""
        transport = routed({f"{API}/upload": redirect("/elsewhere", status)})
        request = Request("POST", f"{API}/upload", body=body())
        with pytest.raises(RedirectError, match="can be read only once") as info:
            follow(transport, request)
        assert len(transport.requests) == 1
        assert info.value.request is transport.requests[0]

    def test_in_memory_chunks_are_replayed(self):
        """A list of byte chunks can be sent again after a 307."""
        transport = routed({f"{API}/upload": redirect("/again", 307)})
        chunks = [b"a", b"b"]
        follow(transport, Request("POST", f"{API}/upload", body=chunks))
        assert transport.requests[1].body == chunks

    def test_a_one_shot_body_is_fine_when_the_hop_drops_it(self):
        """A 303 after a streamed upload needs no replay: the GET has no body."""
        transport = routed({f"{API}/upload": redirect("/status", 303)})
        request = Request("POST", f"{API}/upload", body=iter([b"x"]))
        assert follow(transport, request).status == 200
        assert transport.requests[1].method == "GET"

    def test_options_travel_with_every_hop(self):
        """Timeout, streaming and extensions stay the same on each hop."""
        key = ExtensionKey[str]("tenant")
        options = RequestOptions(timeout=3.0).with_extension(key, "acme")
        transport = routed({f"{API}/a": redirect("/b")})
        follow(transport, Request("GET", f"{API}/a", options=options))
        assert transport.requests[1].options == options


class TestLocations:
    """Where hops go: relative Locations and refused ones."""

    @pytest.mark.parametrize(
        ("location", "expected"),
        [
            ("/v2/other", f"{API}/v2/other"),
            ("other?x=1", f"{API}/v2/other?x=1"),
            ("../v1/x", f"{API}/v1/x"),
            ("https://upload.heygen.com/u", "https://upload.heygen.com/u"),
        ],
    )
    def test_location_resolved_relative_to_the_current_url(self, location, expected):
        """Relative Locations are joined to the URL that answered with the redirect."""
        transport = routed({f"{API}/v2/videos": redirect(location)})
        follow(transport, Request("GET", f"{API}/v2/videos"))
        assert transport.requests[1].url == expected

    def test_relative_to_the_last_hop_not_the_first(self):
        """The second Location is relative to where the first redirect led."""
        transport = routed(
            {
                f"{API}/a": redirect("https://cdn.example/dir/x"),
                "https://cdn.example/dir/x": redirect("y"),
            }
        )
        follow(transport, Request("GET", f"{API}/a"))
        assert [r.url for r in transport.requests][-1] == "https://cdn.example/dir/y"

    @given(location=hostile_locations())
    def test_hostile_locations_stop_the_chain(self, location):
        """file:, javascript:, data:, credentials and garbage are refused after one request."""
        transport = routed({f"{API}/a": redirect(location)})
        with pytest.raises(RedirectError):
            follow(transport, Request("GET", f"{API}/a"))
        assert len(transport.requests) == 1

    def test_missing_location(self):
        """A 302 without Location raises RedirectError, a HeyGenError."""
        transport = routed({f"{API}/a": (302, {})})
        with pytest.raises(RedirectError, match="no Location") as info:
            follow(transport, Request("GET", f"{API}/a"))
        assert isinstance(info.value, HeyGenError)
        assert not isinstance(info.value, TooManyRedirectsError)
        assert info.value.request is transport.requests[0]

    @pytest.mark.parametrize(
        "target",
        ["http://api.heygen.com/b", "http://10.0.0.1/b", "http://cdn.example/b"],
    )
    def test_https_to_http_is_refused(self, target):
        """A downgrade to plain http would send the request in clear: refused."""
        transport = routed({f"{API}/a": redirect(target)})
        with pytest.raises(RedirectError, match="https to http"):
            follow(transport, Request("GET", f"{API}/a"))
        assert len(transport.requests) == 1

    @pytest.mark.parametrize(
        "target",
        [
            "http://127.0.0.1:8080/b",
            "http://localhost/b",
            "http://[::1]:9000/b",
            "http://127.9.9.9/",
        ],
    )
    def test_https_to_loopback_http_is_allowed(self, target):
        """A downgrade to a loopback address never leaves the machine: followed."""
        transport = routed({f"{API}/a": redirect(target)})
        assert follow(transport, Request("GET", f"{API}/a")).status == 200
        assert transport.requests[1].url == target

    def test_http_to_https_is_followed(self):
        """An upgrade to https is fine."""
        transport = routed({"http://example.com/a": redirect("https://example.com/a")})
        assert follow(transport, Request("GET", "http://example.com/a")).status == 200


class TestLimits:
    """The hop limit and loop detection."""

    @staticmethod
    def chain(length: int) -> MockTransport:
        """/0 -> /1 -> ... -> /length, which answers 200."""
        return routed({f"{API}/{i}": redirect(f"/{i + 1}") for i in range(length)})

    @pytest.mark.parametrize("limit", [1, 2, 5])
    def test_exactly_the_limit_is_followed(self, limit):
        """max_redirects hops are followed; the final answer is returned."""
        transport = self.chain(limit)
        response = follow(transport, Request("GET", f"{API}/0"), max_redirects=limit)
        assert response.status == 200
        assert response.request.url == f"{API}/{limit}"
        assert len(transport.requests) == limit + 1

    @pytest.mark.parametrize("limit", [1, 2, 5])
    def test_one_more_is_too_many(self, limit):
        """A chain one longer than max_redirects raises TooManyRedirectsError."""
        transport = self.chain(limit + 1)
        with pytest.raises(TooManyRedirectsError, match=f"more than {limit} redirects") as info:
            follow(transport, Request("GET", f"{API}/0"), max_redirects=limit)
        assert len(transport.requests) == limit + 1
        assert f"{API}/0 -> {API}/1" in str(info.value)

    def test_default_limit_is_five(self):
        """Without max_redirects, six redirects are too many and five are not."""
        assert RedirectMiddleware().max_redirects == 5
        assert follow(self.chain(5), Request("GET", f"{API}/0")).status == 200
        with pytest.raises(TooManyRedirectsError):
            follow(self.chain(6), Request("GET", f"{API}/0"))

    def test_urls_in_the_message_are_redacted(self):
        """The chain in the error message hides tokens and userinfo."""
        transport = routed(
            {
                f"{API}/a?token=t0ps3cret": redirect("/b?sig=s1gn4ture"),
                f"{API}/b?sig=s1gn4ture": redirect("/c"),
            }
        )
        with pytest.raises(TooManyRedirectsError) as info:
            follow(transport, Request("GET", f"{API}/a?token=t0ps3cret"), max_redirects=1)
        message = str(info.value)
        assert "t0ps3cret" not in message
        assert "s1gn4ture" not in message
        assert "token=REDACTED" in message

    @pytest.mark.parametrize(
        ("routes", "requests_made"),
        [
            ({f"{API}/a": redirect("/a")}, 1),
            ({f"{API}/a": redirect("/b"), f"{API}/b": redirect("/a")}, 2),
            (
                {
                    f"{API}/a": redirect("/b"),
                    f"{API}/b": redirect("/c"),
                    f"{API}/c": redirect("/b"),
                },
                3,
            ),
        ],
        ids=["self", "a-b-a", "a-b-c-b"],
    )
    def test_loops_are_detected(self, routes, requests_made):
        """A URL requested a second time (same method) is a loop, found before re-sending."""
        transport = routed(routes)
        with pytest.raises(TooManyRedirectsError, match="loop"):
            follow(transport, Request("GET", f"{API}/a"), max_redirects=50)
        assert len(transport.requests) == requests_made

    def test_post_redirect_get_to_the_same_url_is_no_loop(self):
        """POST /x answered 303 /x is followed once as GET /x."""

        def handler(request):
            if request.method == "POST":
                return make_response(request, 303, headers={"Location": "/x"})
            return make_response(request, 200)

        transport = MockTransport(handler)
        assert follow(transport, Request("POST", f"{API}/x", body=b"{}")).status == 200
        assert [r.method for r in transport.requests] == ["POST", "GET"]

    def test_zero_returns_the_redirect_as_is(self):
        """max_redirects=0 returns the 3xx untouched."""
        transport = routed({f"{API}/a": redirect("file:///etc/passwd", 301)})
        response = follow(transport, Request("GET", f"{API}/a"), max_redirects=0)
        assert response.status == 301
        assert len(transport.requests) == 1

    @pytest.mark.parametrize("status", [200, 300, 304, 305, 404, 500])
    def test_other_statuses_are_returned(self, status):
        """Statuses outside 301/302/303/307/308 are not followed, even with a Location."""
        transport = routed({f"{API}/a": (status, {"Location": "/b"})})
        assert follow(transport, Request("GET", f"{API}/a")).status == status
        assert len(transport.requests) == 1

    @pytest.mark.parametrize("value", [-1, True, 1.5, "5"])
    def test_bad_limits_are_refused(self, value):
        """max_redirects must be an int >= 0."""
        with pytest.raises(ValueError, match="max_redirects"):
            RedirectMiddleware(max_redirects=value)

    def test_intermediate_responses_are_closed(self):
        """Streamed bodies of redirect responses are released; the final one is left open."""
        streams: list[BytesStream] = []

        def handler(request):
            response = make_response(
                request,
                302 if request.path != "/c" else 200,
                content=b"x" * 10,
                headers={"Location": {"/a": "/b", "/b": "/c"}.get(request.path, "/")},
            )
            streams.append(response.stream)
            return response

        response = follow(
            MockTransport(handler), Request("GET", f"{API}/a").with_options(stream=True)
        )
        assert [s.closed for s in streams] == [True, True, False]
        assert response.read() == b"x" * 10

    def test_responses_are_closed_when_giving_up(self):
        """The redirect that is refused or one too many is closed before the error is raised."""
        streams: list[BytesStream] = []

        def handler(request):
            response = make_response(request, 302, headers={"Location": "/next"})
            streams.append(response.stream)
            return response

        request = Request("GET", f"{API}/a").with_options(stream=True)
        with pytest.raises(TooManyRedirectsError):
            follow(MockTransport(handler), request, max_redirects=1)
        assert streams
        assert all(s.closed for s in streams)


class TestCrossOrigin:
    """Credentials set by hand never follow a redirect to another origin."""

    @pytest.mark.parametrize(
        "target",
        [
            "https://cdn.example/file",
            "https://api.heygen.com:8443/x",
            "https://upload.heygen.com/x",
        ],
        ids=["other-host", "other-port", "sub-domain"],
    )
    def test_credentials_are_dropped_on_another_origin(self, target):
        """Authorization, X-Api-Key, Cookie and Proxy-Authorization go; other headers stay."""
        transport = routed({f"{API}/a": redirect(target)})
        headers = {**CREDENTIALS, "X-Trace": "t1", "Accept": "application/json"}
        follow(transport, Request("GET", f"{API}/a", headers=headers))
        first, hop = transport.requests
        assert all(name in first.headers for name in CREDENTIALS)
        assert not any(name in hop.headers for name in CREDENTIALS)
        assert hop.headers["X-Trace"] == "t1"
        assert hop.headers["Accept"] == "application/json"

    def test_scheme_change_is_another_origin(self):
        """Going from http to https on the same host still drops the credentials."""
        transport = routed({"http://example.com/a": redirect("https://example.com/a")})
        follow(transport, Request("GET", "http://example.com/a", headers=CREDENTIALS))
        assert not any(name in transport.requests[1].headers for name in CREDENTIALS)

    def test_host_header_is_dropped_on_another_origin(self):
        """A Host header set by hand names the old host: it is not carried over."""
        transport = routed({f"{API}/a": redirect("https://cdn.example/f")})
        follow(transport, Request("GET", f"{API}/a", headers={"Host": "api.heygen.com"}))
        assert "Host" not in transport.requests[1].headers

    def test_credentials_stay_on_the_same_origin(self):
        """A redirect within the origin keeps every header."""
        transport = routed({f"{API}/a": redirect("/b")})
        follow(transport, Request("GET", f"{API}/a", headers=CREDENTIALS))
        assert transport.requests[1].headers == CREDENTIALS

    def test_credentials_do_not_come_back_after_leaving(self):
        """Once dropped (API -> CDN -> API), hand-set credentials stay dropped."""
        transport = routed(
            {
                f"{API}/a": redirect("https://cdn.example/x"),
                "https://cdn.example/x": redirect(f"{API}/b"),
            }
        )
        follow(transport, Request("GET", f"{API}/a", headers=CREDENTIALS))
        assert not any(name in transport.requests[2].headers for name in CREDENTIALS)

    def test_stripped_set_covers_the_issue_list(self):
        """The four credential headers the issue names are all stripped."""
        assert {"authorization", "x-api-key", "cookie", "proxy-authorization"} <= (
            CROSS_ORIGIN_STRIPPED
        )

    def test_every_hop_passes_through_the_inner_stack(self):
        """Inner middleware runs once per hop, seeing each hop's URL."""
        seen: list[str] = []

        def spy(request, call_next):
            seen.append(request.url)
            return call_next(request)

        transport = routed(
            {f"{API}/a": redirect("/b"), f"{API}/b": redirect("https://cdn.example/c")}
        )
        stack = Stack([("redirects", RedirectMiddleware()), ("spy", spy)])
        stack.build(transport)(Request("GET", f"{API}/a"))
        assert seen == [f"{API}/a", f"{API}/b", "https://cdn.example/c"]


class Recorder(BaseHTTPRequestHandler):
    """Answers from a per-server route table and records what arrived."""

    routes: dict[str, tuple[int, dict[str, str], bytes]]
    seen: list[tuple[str, str, dict[str, str], bytes]]

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, dict(self.headers.items()), body))
        status, headers, content = self.routes.get(self.path, (404, {}, b"no route"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = _handle  # noqa: N815 - http.server's naming

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's parameter name
        """Stay quiet."""


class Server:
    """A threaded HTTP server on 127.0.0.1 with its own routes and request log."""

    def __init__(self) -> None:
        """Start on an ephemeral port."""
        handler = type("Handler", (Recorder,), {"routes": {}, "seen": []})
        self.handler = handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def netloc(self) -> str:
        """host:port."""
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://{self.netloc}"

    def route(
        self, path: str, status: int, headers: dict[str, str] | None = None, body: bytes = b""
    ):
        """Answer ``path`` with this status, headers and body."""
        self.handler.routes[path] = (status, headers or {}, body)

    @property
    def seen(self) -> list[tuple[str, str, dict[str, str], bytes]]:
        """(method, path, headers, body) of every request received."""
        return self.handler.seen

    def close(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def two_servers() -> Iterator[tuple[Server, Server]]:
    """Two local servers on different ports: an 'API' and a 'CDN'."""
    api, cdn = Server(), Server()
    try:
        yield api, cdn
    finally:
        api.close()
        cdn.close()


def key_only_for(netloc: str) -> Callable[[Request, Callable[[Request], Response]], Response]:
    """An auth-like middleware that adds X-Api-Key only for requests to ``netloc``."""

    def auth(request: Request, call_next: Callable[[Request], Response]) -> Response:
        if f"{request.host}:{request.port}" == netloc:
            request = request.with_headers({"X-Api-Key": "test-key-0123"})
        return call_next(request)

    return auth


def lowered(headers: dict[str, str]) -> set[str]:
    """The header names in lower case."""
    return {name.lower() for name in headers}


class TestRealSockets:
    """Over real sockets: two servers, the key stays with the first."""

    def test_the_second_server_never_sees_the_key(self, two_servers):
        """API 302 -> CDN: the API got the key, the CDN got neither key nor hand-set token."""
        api, cdn = two_servers
        api.route("/v2/video", 302, {"Location": f"{cdn.url}/files/v.mp4"})
        cdn.route("/files/v.mp4", 200, {"Content-Type": "video/mp4"}, b"MP4DATA")
        stack = Stack([("redirects", RedirectMiddleware()), ("auth", key_only_for(api.netloc))])
        with Urllib3Transport() as transport:
            response = stack.build(transport)(
                Request("GET", f"{api.url}/v2/video", headers={"Authorization": "Bearer tok"})
            )
        assert response.status == 200
        assert response.content == b"MP4DATA"
        [(_, _, api_headers, _)] = api.seen
        [(method, path, cdn_headers, _)] = cdn.seen
        assert {"x-api-key", "authorization"} <= lowered(api_headers)
        assert (method, path) == ("GET", "/files/v.mp4")
        assert not {"x-api-key", "authorization"} & lowered(cdn_headers)

    def test_307_resends_the_body_to_the_other_server(self, two_servers):
        """A POST answered 307 reaches the second server with the same body, without the key."""
        api, cdn = two_servers
        api.route("/v1/upload", 307, {"Location": f"{cdn.url}/put"})
        cdn.route("/put", 201, {}, b"stored")
        stack = Stack([("redirects", RedirectMiddleware()), ("auth", key_only_for(api.netloc))])
        with Urllib3Transport() as transport:
            response = stack.build(transport)(
                Request("POST", f"{api.url}/v1/upload", body=b"payload-bytes")
            )
        assert response.status == 201
        [(method, _, cdn_headers, body)] = cdn.seen
        assert (method, body) == ("POST", b"payload-bytes")
        assert "x-api-key" not in lowered(cdn_headers)
        assert "x-api-key" in lowered(api.seen[0][2])

    def test_a_loop_between_servers_stops(self, two_servers):
        """API -> CDN -> API loops are caught after one visit to each."""
        api, cdn = two_servers
        api.route("/a", 302, {"Location": f"{cdn.url}/b"})
        cdn.route("/b", 302, {"Location": f"{api.url}/a"})
        with Urllib3Transport() as transport, pytest.raises(TooManyRedirectsError, match="loop"):
            Stack([("redirects", RedirectMiddleware())]).build(transport)(
                Request("GET", f"{api.url}/a")
            )
        assert len(api.seen) == 1
        assert len(cdn.seen) == 1
