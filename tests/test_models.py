import gc
import io
import json
import math
import tracemalloc
import urllib.parse

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from heygen_pipeline import (
    ExtensionKey,
    Headers,
    MalformedResponseError,
    Request,
    RequestOptions,
    Response,
    Stack,
    Timeout,
    _transport,
    _urls,
)
from heygen_pipeline.middleware import RedirectMiddleware
from heygen_pipeline.testing import BytesStream, make_response
from heygen_pipeline.testing._strategies_core import methods, requests, secret_keys, urls

URL = "https://api.heygen.com/v2/videos"


def response(content=b"", *, stream=None, status=200, headers=None):
    """A response to a GET of URL."""
    return Response(
        status=status,
        headers=headers or {},
        request=Request("GET", URL),
        content=content,
        stream=stream,
    )


class TestMethod:
    """Request methods are upper-cased and checked."""

    @pytest.mark.parametrize(("given", "expected"), [("get", "GET"), ("Post", "POST")])
    def test_upper_cased(self, given, expected):
        """Any case is accepted and stored upper-case."""
        assert Request(given, URL).method == expected

    @pytest.mark.parametrize("method", ["", "GE T", "GET1", "G-ET", "GET\n", "ÉTÉ"])
    def test_invalid(self, method):
        """Methods that are not letters only are ValueErrors."""
        with pytest.raises(ValueError, match="invalid HTTP method"):
            Request(method, URL)

    @pytest.mark.parametrize("method", [None, b"GET", 1])
    def test_non_str(self, method):
        """A non-str method is a TypeError."""
        with pytest.raises(TypeError, match="method must be a str"):
            Request(method, URL)


class TestURL:
    """Request URLs must be absolute http(s) URLs with a host."""

    def test_parts(self):
        """scheme, host, port and path are parsed once and exposed."""
        r = Request("GET", "HTTPS://API.HeyGen.com:8443/v1/x?q=1")
        assert (r.scheme, r.host, r.port, r.path) == ("https", "api.heygen.com", 8443, "/v1/x")
        assert Request("GET", "http://h").port == 80
        assert Request("GET", "https://h").port == 443
        assert Request("GET", "https://h").path == "/"

    @pytest.mark.parametrize("url", ["/v1/videos", "v1/videos", "api.heygen.com/v1", ""])
    def test_relative(self, url):
        """Relative URLs are rejected, saying they must be absolute."""
        with pytest.raises(ValueError, match="must be absolute"):
            Request("GET", url)

    @pytest.mark.parametrize("url", ["ftp://h/x", "file:///etc/passwd", "ws://h/x"])
    def test_scheme(self, url):
        """Non-http(s) schemes are rejected."""
        with pytest.raises(ValueError, match="http or https scheme"):
            Request("GET", url)

    @pytest.mark.parametrize("url", ["https:///x", "https://:80/x", "http://"])
    def test_missing_host(self, url):
        """URLs without a host are rejected."""
        with pytest.raises(ValueError, match="and a host"):
            Request("GET", url)

    @pytest.mark.parametrize(
        "url",
        [
            "https://h/a b",
            "https://h/a\r\nX-Evil: 1",
            "https://h/a\x00",
            "https://h/a\tb",
            "https://h/a\x01b",
            "https://h/a\x7fb",
            "https://h\n/x",
        ],
    )
    def test_whitespace_and_control(self, url):
        """Whitespace and control characters anywhere are rejected."""
        with pytest.raises(ValueError, match="whitespace or control characters"):
            Request("GET", url)

    @pytest.mark.parametrize("url", ["https://h:99999/", "https://h:port/", "https://[zz/"])
    def test_unparseable(self, url):
        """Bad ports and brackets are ValueErrors that quote the URL."""
        with pytest.raises(ValueError, match="invalid URL"):
            Request("GET", url)

    @pytest.mark.parametrize(
        ("url", "problem"),
        [
            ("https://127.000.000.001/", "dotted-quad"),
            ("https://0x7f.0.0.1/", "dotted-quad"),
            ("https://[::1]x/", "other than a port"),
            ("https://[zz]/", "not an IPv6 address"),
            ("https://[::1/", "no closing bracket"),
            ("https://a-.test/", "not a valid name"),
            ("https://a..test/", "not a valid name"),
            ("https://host:/", "not a number"),
        ],
    )
    def test_ambiguous_hosts_and_ports(self, url, problem):
        """Hosts and ports other parsers could read differently are refused, saying why."""
        with pytest.raises(ValueError, match=problem):
            Request("GET", url)

    def test_non_ascii_target_percent_encoded(self):
        """Non-ASCII text in the path and query is sent percent-encoded (UTF-8), never raw."""
        r = Request("GET", "https://h.test/caf\u00e9?q=\u00fc#frag")
        assert (r.path, r.target) == ("/caf%C3%A9", "/caf%C3%A9?q=%C3%BC")
        assert Request("GET", "https://h.test?x=1").target == "/?x=1"

    @pytest.mark.parametrize("url", [None, b"https://h/", 5])
    def test_non_str(self, url):
        """A non-str URL is a TypeError."""
        with pytest.raises(TypeError, match="URL must be a str"):
            Request("GET", url)

    def test_error_message_redacts_query(self):
        """An invalid URL's message hides sensitive query values."""
        with pytest.raises(ValueError, match="must be absolute") as info:
            Request("GET", "/x?api_key=sk-live-abcdef123")
        assert "sk-live-abcdef123" not in str(info.value)

    @given(url=urls())
    def test_generated_urls_accepted(self, url):
        """Every absolute http(s) URL from the strategy is accepted unchanged."""
        assert Request("GET", url).url == url


class TestBody:
    """Request bodies are bytes, iterables of bytes or binary files."""

    @pytest.mark.parametrize(
        "body", [None, b"", b"abc", [b"a", b"b"], (b"x" for _ in range(2)), io.BytesIO(b"f")]
    )
    def test_accepted(self, body):
        """bytes, lists, generators and files are accepted as given."""
        assert Request("POST", URL, body=body).body is body

    @pytest.mark.parametrize(
        ("body", "match"),
        [
            ("text", "encode text first"),
            (bytearray(b"x"), "not bytearray"),
            ({"a": 1}, "pass json="),
            (1, "not int"),
            (1.5, "not float"),
        ],
    )
    def test_rejected(self, body, match):
        """str, mappings, numbers and bytearrays are TypeErrors with advice."""
        with pytest.raises(TypeError, match=match):
            Request("POST", URL, body=body)

    def test_options_type(self):
        """Options must be RequestOptions."""
        with pytest.raises(TypeError, match="options must be RequestOptions"):
            Request("GET", URL, options={"stream": True})


class TestBuild:
    """Request.build encodes params and json."""

    def test_params(self):
        """Params are appended as a query; bools become true/false and None is skipped."""
        r = Request.build(
            "GET", URL, params={"a": "x y", "n": 3, "f": 1.5, "t": True, "no": False, "z": None}
        )
        assert r.url == f"{URL}?a=x+y&n=3&f=1.5&t=true&no=false"

    def test_params_extend_existing_query(self):
        """Params join an existing query with &."""
        assert Request.build("GET", f"{URL}?p=1", params={"q": 2}).url == f"{URL}?p=1&q=2"

    def test_empty_params(self):
        """Empty or all-None params leave the URL alone."""
        assert Request.build("GET", URL, params={}).url == URL
        assert Request.build("GET", URL, params={"a": None}).url == URL

    def test_bad_param_value(self):
        """A list as a param value is a TypeError."""
        with pytest.raises(TypeError, match="query parameter values"):
            Request.build("GET", URL, params={"a": [1, 2]})

    def test_json(self):
        """Json is encoded compactly and Content-Type is set."""
        r = Request.build("POST", URL, json={"a": [1, "é"]})
        assert json.loads(r.body) == {"a": [1, "é"]}
        assert b" " not in r.body
        assert r.headers["content-type"] == "application/json"

    def test_json_keeps_given_content_type(self):
        """A Content-Type given by the caller is kept."""
        r = Request.build("POST", URL, json=[], headers={"content-type": "application/vnd+json"})
        assert r.headers["Content-Type"] == "application/vnd+json"

    def test_json_and_content(self):
        """json= and content= together are a TypeError."""
        with pytest.raises(TypeError, match="either json= or content="):
            Request.build("POST", URL, json={}, content=b"x")

    @pytest.mark.parametrize("payload", [{"a": object()}, {"a": math.nan}, {1j: 1}])
    def test_json_not_serialisable(self, payload):
        """Non-serialisable json (objects, NaN, complex keys) is a TypeError."""
        with pytest.raises(TypeError, match="must be JSON-serialisable"):
            Request.build("POST", URL, json=payload)

    def test_content(self):
        """content= becomes the body; headers and options pass through."""
        opts = RequestOptions(stream=True)
        r = Request.build("PUT", URL, content=b"raw", headers={"X-A": "1"}, options=opts)
        assert (r.body, r.headers["x-a"], r.options) == (b"raw", "1", opts)


class TestIdempotencyKey:
    """options.idempotency_key is carried as a header."""

    def test_header_added(self):
        """A key in the options adds the Idempotency-Key header."""
        r = Request("POST", URL, options=RequestOptions(idempotency_key="k-1"))
        assert r.headers["idempotency-key"] == "k-1"
        assert r.idempotency_key == "k-1"

    def test_matching_header_ok(self):
        """A header equal to the key is accepted."""
        r = Request(
            "POST",
            URL,
            headers={"idempotency-key": "k"},
            options=RequestOptions(idempotency_key="k"),
        )
        assert r.headers.raw() == {"idempotency-key": "k"}

    def test_conflict(self):
        """A header that differs from the key is a ValueError."""
        with pytest.raises(ValueError, match="differs"):
            Request(
                "POST",
                URL,
                headers={"Idempotency-Key": "a"},
                options=RequestOptions(idempotency_key="b"),
            )

    def test_with_options_adds_header(self):
        """with_options(idempotency_key=...) yields a request with the header."""
        r = Request("POST", URL).with_options(idempotency_key="abc")
        assert r.headers["Idempotency-Key"] == "abc"

    @pytest.mark.parametrize("key", ["", "a b", "é", "x" * 256, "k\n", 5])
    def test_invalid_keys(self, key):
        """Keys outside 1-255 of [A-Za-z0-9_-:.] are ValueErrors."""
        with pytest.raises(ValueError, match="Idempotency-Key must be"):
            RequestOptions(idempotency_key=key)

    def test_no_key(self):
        """Without a key there is no header."""
        assert Request("POST", URL).idempotency_key is None


class TestRequestHelpers:
    """with_headers, without_headers, with_options, evolve."""

    def test_with_and_without_headers(self):
        """Header helpers return new requests and leave the old unchanged."""
        r = Request("GET", URL, headers={"A": "1"})
        r2 = r.with_headers({"B": "2"}).without_headers("a")
        assert r2.headers == {"B": "2"}
        assert r.headers == {"A": "1"}

    def test_frozen(self):
        """Requests cannot be mutated."""
        r = Request("GET", URL)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            r.method = "POST"

    def test_evolve_revalidates(self):
        """attrs.evolve runs the same checks as the constructor."""
        r = Request("GET", URL)
        assert attrs.evolve(r, url="https://x.test/").host == "x.test"
        with pytest.raises(ValueError, match="must be absolute"):
            attrs.evolve(r, url="/relative")

    def test_equality(self):
        """Requests with the same fields are equal."""
        assert Request("get", URL, headers={"A": "1"}) == Request("GET", URL, headers={"a": "1"})


class TestTimeout:
    """Timeout values and conversions."""

    def test_defaults(self):
        """The defaults are 10 s connect and 30 s read."""
        assert Timeout() == Timeout(connect=10.0, read=30.0)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (5, Timeout(5, 5)),
            (0.5, Timeout(0.5, 0.5)),
            ((1, 2), Timeout(1, 2)),
            ((None, 3.0), Timeout(None, 3.0)),
            (Timeout(1, None), Timeout(1, None)),
            (None, None),
        ],
    )
    def test_conversions(self, value, expected):
        """Numbers set both, tuples are (connect, read), Timeout and None pass through."""
        assert RequestOptions(timeout=value).timeout == expected

    @pytest.mark.parametrize("value", [-1, -0.001, math.nan, (1, -1), (math.nan, 1)])
    def test_invalid_numbers(self, value):
        """Negative and NaN timeouts are ValueErrors."""
        with pytest.raises(ValueError, match=">= 0 seconds"):
            RequestOptions(timeout=value)

    @pytest.mark.parametrize("value", [True, "5", (1, "2"), [1, 2]])
    def test_invalid_types(self, value):
        """Bools, strings and lists are TypeErrors."""
        with pytest.raises(TypeError, match="number of seconds"):
            RequestOptions(timeout=value)

    @pytest.mark.parametrize("value", [(1,), (1, 2, 3), ()])
    def test_tuple_length(self, value):
        """A tuple that is not a (connect, read) pair is a TypeError."""
        with pytest.raises(TypeError, match=r"\(connect, read\)"):
            RequestOptions(timeout=value)

    def test_direct_validation(self):
        """Timeout itself validates both fields."""
        with pytest.raises(ValueError):
            Timeout(connect=-1)
        with pytest.raises(TypeError):
            Timeout(read=False)


class TestRequestOptions:
    """Other option fields and extensions."""

    @pytest.mark.parametrize("value", [0, -1])
    def test_max_attempts_range(self, value):
        """max_attempts below 1 is a ValueError."""
        with pytest.raises(ValueError, match="max_attempts"):
            RequestOptions(max_attempts=value)

    @pytest.mark.parametrize("value", [1.5, True, "3"])
    def test_max_attempts_type(self, value):
        """max_attempts that is not an int is a TypeError."""
        with pytest.raises(TypeError, match="max_attempts"):
            RequestOptions(max_attempts=value)

    @pytest.mark.parametrize(
        ("field", "value"),
        [("deadline", "soon"), ("deadline", float("nan")), ("idempotent", "yes"), ("stream", 1)],
    )
    def test_option_types(self, field, value):
        """deadline, idempotent and stream refuse values of the wrong type."""
        with pytest.raises(TypeError):
            RequestOptions(**{field: value})

    def test_extensions_typed(self):
        """with_extension returns a copy; extension reads by key with a default."""
        tenant = ExtensionKey[str]("tenant")
        count = ExtensionKey[int]("count")
        opts = RequestOptions()
        new = opts.with_extension(tenant, "acme").with_extension(count, 2)
        assert new.extension(tenant) == "acme"
        assert new.extension(count) == 2
        assert opts.extension(tenant) is None
        assert opts.extension(count, 7) == 7

    def test_extension_keys_by_identity(self):
        """Two keys with the same name are different keys."""
        a, b = ExtensionKey[str]("k"), ExtensionKey[str]("k")
        assert RequestOptions().with_extension(a, "x").extension(b) is None

    def test_extensions_read_only(self):
        """The extensions mapping cannot be mutated."""
        key = ExtensionKey[str]("k")
        opts = RequestOptions().with_extension(key, "v")
        with pytest.raises(TypeError):
            opts.extensions[key] = "w"

    def test_extension_keys_checked(self):
        """Plain string keys are a TypeError."""
        with pytest.raises(TypeError, match="ExtensionKey"):
            RequestOptions(extensions={"tenant": "acme"})

    def test_repr_shows_extensions(self):
        """Repr lists extensions as a dict."""
        key = ExtensionKey[str]("k")
        assert "extensions={ExtensionKey(name='k'): 'v'}" in repr(
            RequestOptions().with_extension(key, "v")
        )


class TestResponse:
    """Response body access."""

    def test_properties(self):
        """request_id reads X-Request-Id; is_success covers 2xx only."""
        r = response(headers={"x-request-id": "rid-1"})
        assert r.request_id == "rid-1"
        assert r.is_success
        assert not response(status=302).is_success
        assert response(status=299).is_success

    def test_read_and_iter_content(self):
        """Without a stream, read returns content and iter_bytes chunks it."""
        r = response(b"abcdefg")
        assert r.read() == b"abcdefg"
        assert list(r.iter_bytes(3)) == [b"abc", b"def", b"g"]
        assert list(response(b"").iter_bytes()) == []
        r.close()  # no-op

    def test_read_stream(self):
        """With a stream, read returns what is left in it."""
        stream = BytesStream(b"hello world")
        r = response(stream=stream)
        assert next(r.iter_bytes(5)) == b"hello"
        assert r.read() == b" world"
        assert stream.closed

    def test_iter_stream(self):
        """iter_bytes yields the streamed body in chunks."""
        r = response(stream=BytesStream(b"abcdef"))
        assert list(r.iter_bytes(4)) == [b"abcd", b"ef"]

    def test_close_and_context_manager(self):
        """close() and `with` close the stream; a closed stream yields nothing more."""
        stream = BytesStream(b"abc")
        with response(stream=stream) as r:
            pass
        assert stream.closed
        assert r.read() == b""

    def test_json(self):
        """json() parses the body, streamed or not."""
        assert response(b'{"a": 1}').json() == {"a": 1}
        assert response(stream=BytesStream(b"[1, 2]")).json() == [1, 2]

    @pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b"", b"\xff\xfe", b"{"])
    def test_json_malformed(self, body):
        """A body that is not JSON raises MalformedResponseError with status and excerpt."""
        r = response(body, status=502, headers={"X-Request-Id": "rid-9"})
        with pytest.raises(MalformedResponseError) as info:
            r.json()
        err = info.value
        assert err.status == 502
        assert err.request_id == "rid-9"
        assert err.body_excerpt is not None
        assert "502" in str(err)
        assert "not valid JSON" in str(err)
        assert err.request is r.request
        assert isinstance(err.__cause__, ValueError)

    def test_json_malformed_excerpt(self):
        """The excerpt shows the start of the body, squashed and cut at 200 characters."""
        body = b"<html>\n  <b>oops</b>" + b"x" * 500
        with pytest.raises(MalformedResponseError) as info:
            response(body).json()
        excerpt = info.value.body_excerpt
        assert excerpt.startswith("<html> <b>oops</b>")
        assert excerpt.endswith("...")
        assert len(excerpt) < 220

    def test_json_malformed_streamed_excerpt(self):
        """The excerpt of a streamed non-JSON body shows the streamed bytes."""
        with pytest.raises(MalformedResponseError) as info:
            response(stream=BytesStream(b"<html>gateway</html>")).json()
        assert info.value.body_excerpt == "<html>gateway</html>"

    def test_headers_converted(self):
        """Response headers given as a dict become Headers."""
        assert isinstance(response(headers={"A": "1"}).headers, Headers)


class TestRedaction:
    """repr and str of requests and responses never show secrets."""

    def test_example(self):
        """A request with a key header, bearer token and token query shows none of them."""
        r = Request.build(
            "GET",
            URL,
            params={"token": "tok-secret-1", "api_key": "key-secret-2", "page": "3"},
            headers={"X-Api-Key": "hdr-secret-3", "Authorization": "Bearer bear-secret-4"},
        )
        text = repr(r) + str(r) + repr(make_response(r, 200)) + str(make_response(r, 200))
        for secret in ("tok-secret-1", "key-secret-2", "hdr-secret-3", "bear-secret-4"):
            assert secret not in text
        assert "page=3" in text
        assert "REDACTED" in text

    def test_userinfo_redacted(self):
        """A URL with userinfo is refused, and the refusal hides the credentials."""
        with pytest.raises(ValueError, match="userinfo") as info:
            Request("GET", "https://user:pw-secret-5@h.test/x")
        assert "pw-secret-5" not in str(info.value)

    @given(key=secret_keys(), method=methods(), query_name=st.sampled_from(["token", "api_key"]))
    def test_any_key(self, key, method, query_name):
        """For any key of 8+ characters, reprs and strs never contain it."""
        neutral = Request.build(
            method,
            URL,
            params={query_name: "NEUTRAL"},
            headers={"X-Api-Key": "NEUTRAL", "Authorization": "Bearer NEUTRAL"},
        )
        assume(key not in repr(neutral) + repr(make_response(neutral, 200)))
        r = Request.build(
            method,
            URL,
            params={query_name: key},
            headers={"X-Api-Key": key, "Authorization": f"Bearer {key}"},
        )
        resp = make_response(r, 200)
        for text in (repr(r), str(r), repr(resp), str(resp)):
            assert key not in text

    @given(r=requests())
    def test_generated_requests(self, r):
        """Generated requests survive a round-trip through attrs.evolve unchanged."""
        assert attrs.evolve(r) == r
        assert r.method == r.method.upper()
        assert repr(r).startswith(f"<Request {r.method} ")


def _redirecting(hops, length):
    """A transport answering each request with a 302 to a fresh URL of ``length`` characters.

    A plain function, not MockTransport, which keeps every request it saw.
    """
    counter = iter(range(10**6))

    def answer(request):
        n = next(counter)
        if n % (hops + 1) == hops:
            return make_response(request, 200)
        filler = "x" * (length - 40)
        return make_response(request, 302, headers={"Location": f"/long/{n}/{filler}"})

    return answer


class TestURLCache:
    """The parsed-URL cache is bounded in entries and in bytes, whatever URLs come through."""

    def test_bounded_in_bytes_and_count(self):
        """Thousands of distinct URLs, short and long, never hold more than the cache's limits."""
        cache = _urls._URLCache(max_entries=64, max_bytes=64 * 1024)
        for n in range(2000):
            cache.get(f"https://h.test/{n}/{'y' * (n % 5000)}")
            entries, size = cache.size
            assert entries <= 64
            assert size <= 64 * 1024
        assert cache.get("https://h.test/again").host == "h.test"
        cache.clear()
        assert cache.size == (0, 0)

    def test_huge_urls_are_not_kept(self):
        """A URL over a sixteenth of the byte limit is parsed each time, never kept."""
        cache = _urls._URLCache(max_entries=64, max_bytes=16 * 1024)
        assert cache.get(f"https://h.test/{'z' * 2048}").path.startswith("/z")
        assert cache.size == (0, 0)

    def test_redirect_chains_with_long_urls_pin_little_memory(self):
        """200 hops to fresh 60 KiB URLs (12 MiB of URLs) leave well under 2 MiB behind.

        Python's own ``urlsplit`` cache (128 entries on 3.11+, bounded by Python) is emptied
        before measuring: it is not the library's.
        """
        stack = Stack([("redirects", RedirectMiddleware(max_redirects=5))])
        handler = stack.build(_redirecting(hops=4, length=60 * 1024))
        _urls.URL_CACHE.clear()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(40):
                assert handler(Request("GET", "https://api.heygen.com/v2/videos")).status == 200
            getattr(urllib.parse.urlsplit, "cache_clear", lambda: None)()
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert kept < 2 * 1024 * 1024, kept
        assert _urls.URL_CACHE.size[1] <= _urls.URL_CACHE.max_bytes

    def test_the_transport_keeps_no_cache_per_url(self):
        """The transport connects by the request's own parse: no URL-keyed cache of its own."""
        cached = [name for name, value in vars(_transport).items() if hasattr(value, "cache_info")]
        assert cached == []
