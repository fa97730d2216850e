import copy
import pickle
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import attrs
import pytest
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from heygen_pipeline._models import Request, Timeout
from heygen_pipeline._redact import Secret
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport
from heygen_pipeline.errors import HeyGenError
from heygen_pipeline.middleware._auth import (
    ApiKeyAuth,
    BearerAuth,
    ConfigurationError,
    InsecureTransportError,
)
from heygen_pipeline.testing._mock import MockTransport, make_response
from heygen_pipeline.testing._strategies_logging import allowlists, api_keys, target_urls
from heygen_pipeline.testing._strategies_urls import tricky_urls

KEY = "hgtest_auth_key_0123456789"
TOKEN = "hgtest_oauth_token_abcdef"


def send(auth, url, headers=None):
    """Send one GET through ``auth`` to a MockTransport; return what the transport received."""
    transport = MockTransport(lambda request: make_response(request, 200))
    Stack([("auth", auth)]).build(transport)(Request("GET", url, headers=headers or {}))
    (received,) = transport.requests
    return received


class TestKeyResolution:
    """Where the key comes from, and the clear errors when it is missing or unusable."""

    def test_explicit_key_is_sent(self):
        """A key passed explicitly is the X-Api-Key value on allowlisted requests."""
        sent = send(ApiKeyAuth(KEY), "https://api.heygen.com/v2/avatars")
        assert sent.headers["X-Api-Key"] == KEY

    def test_key_from_default_env_var(self, monkeypatch):
        """With no key given, HEYGEN_API_KEY is read."""
        monkeypatch.setenv("HEYGEN_API_KEY", KEY)
        assert send(ApiKeyAuth(), "https://api.heygen.com/").headers["x-api-key"] == KEY

    def test_key_from_custom_env_var(self, monkeypatch):
        """env_var names the variable that is read."""
        monkeypatch.delenv("HEYGEN_API_KEY", raising=False)
        monkeypatch.setenv("MY_HEYGEN_KEY", KEY)
        auth = ApiKeyAuth(env_var="MY_HEYGEN_KEY")
        assert send(auth, "https://api.heygen.com/").headers["x-api-key"] == KEY

    def test_missing_env_var_is_a_clear_error(self, monkeypatch):
        """No key and no variable: ConfigurationError naming the variable, at construction."""
        monkeypatch.delenv("HEYGEN_API_KEY", raising=False)
        with pytest.raises(ConfigurationError, match=r"HEYGEN_API_KEY.*not set"):
            ApiKeyAuth()

    @pytest.mark.parametrize("value", ["", "   ", "\t\n"])
    def test_blank_env_var_is_an_error(self, monkeypatch, value):
        """An empty or whitespace-only variable counts as missing."""
        monkeypatch.setenv("HEYGEN_API_KEY", value)
        with pytest.raises(ConfigurationError, match=r"HEYGEN_API_KEY.*blank"):
            ApiKeyAuth()

    @pytest.mark.parametrize("value", ["", "    ", Secret("      ")])
    def test_blank_explicit_key_is_an_error(self, monkeypatch, value):
        """An explicit empty or blank key fails (and does not fall back to the variable)."""
        monkeypatch.setenv("HEYGEN_API_KEY", KEY)
        with pytest.raises(ConfigurationError, match="empty or whitespace"):
            ApiKeyAuth(value)

    def test_surrounding_whitespace_is_dropped(self):
        """A key pasted with a trailing newline is sent without it."""
        assert send(ApiKeyAuth(f"  {KEY}\n"), "https://api.heygen.com/").headers["X-Api-Key"] == (
            KEY
        )

    @pytest.mark.parametrize("bad", [f"{KEY}\nX-Evil: 1", f"{KEY}\x00", f"{KEY}é"])
    def test_unsendable_key_is_an_error_without_the_key(self, bad):
        """Control or non-ASCII characters fail at construction; the message hides the key."""
        with pytest.raises(ConfigurationError) as info:
            ApiKeyAuth(bad)
        assert KEY not in str(info.value)
        assert KEY not in repr(info.value)

    def test_too_short_key_is_an_error(self):
        """A key too short to be scrubbed from logs is refused."""
        with pytest.raises(ConfigurationError, match="too short"):
            ApiKeyAuth("abc")

    @pytest.mark.parametrize("bad", [123, b"bytes-key-value", ["k"]])
    def test_wrong_type_is_a_type_error(self, bad):
        """A key that is not str, Secret or None is a TypeError."""
        with pytest.raises(TypeError, match="str or a Secret"):
            ApiKeyAuth(bad)

    def test_secret_is_accepted(self):
        """A Secret holder works like the plain string."""
        sent = send(ApiKeyAuth(Secret(KEY)), "https://api.heygen.com/")
        assert sent.headers["X-Api-Key"] == KEY

    def test_configuration_error_is_a_value_error(self):
        """ConfigurationError is caught as HeyGenError and as ValueError."""
        assert issubclass(ConfigurationError, HeyGenError)
        assert issubclass(ConfigurationError, ValueError)
        assert issubclass(InsecureTransportError, ConfigurationError)

    def test_custom_header_name(self):
        """header= changes the header that carries the key."""
        sent = send(ApiKeyAuth(KEY, header="X-Custom-Key"), "https://api.heygen.com/")
        assert sent.headers["X-Custom-Key"] == KEY
        assert "X-Api-Key" not in sent.headers


class TestAllowlist:
    """Which hosts receive the key: names (any port, any case) and exact host:port."""

    def test_default_hosts(self):
        """By default the base URL's host and upload.heygen.com are allowlisted."""
        assert ApiKeyAuth(KEY).hosts == ("api.heygen.com", "upload.heygen.com")

    def test_base_url_port_becomes_host_port_entry(self):
        """A base URL with an explicit port allowlists that exact host:port."""
        auth = ApiKeyAuth(KEY, base_url="http://127.0.0.1:8123")
        assert auth.hosts == ("127.0.0.1:8123", "upload.heygen.com")
        assert "X-Api-Key" in send(auth, "http://127.0.0.1:8123/v1").headers
        assert "X-Api-Key" not in send(auth, "http://127.0.0.1:8124/v1").headers

    def test_upload_host_gets_the_key(self):
        """The legacy upload host receives the key by default."""
        assert send(ApiKeyAuth(KEY), "https://upload.heygen.com/v1/asset").headers["X-Api-Key"] == (
            KEY
        )

    @pytest.mark.parametrize(
        "url",
        [
            "https://files.cdn.example/video.mp4?Signature=x",
            "https://api.heygen.com.evil.example/",
            "https://evil.example/api.heygen.com",
            "https://heygen.com/",
        ],
    )
    def test_other_hosts_get_no_key(self, url):
        """Any host not on the allowlist (look-alikes included) receives no key."""
        assert "X-Api-Key" not in send(ApiKeyAuth(KEY), url).headers

    def test_host_match_ignores_case(self):
        """Entries and request hosts match case-insensitively."""
        auth = ApiKeyAuth(KEY, hosts=["API.HeyGen.com"])
        assert "X-Api-Key" in send(auth, "https://api.HEYGEN.com/").headers

    def test_host_name_entry_matches_any_port(self):
        """A bare host name entry matches every port of that host."""
        auth = ApiKeyAuth(KEY, hosts=["api.heygen.com"])
        assert "X-Api-Key" in send(auth, "https://api.heygen.com:8443/").headers

    def test_host_port_entry_matches_that_port_only(self):
        """A host:port entry matches that port exactly, including the scheme's default."""
        auth = ApiKeyAuth(KEY, hosts=["api.heygen.com:443"])
        assert "X-Api-Key" in send(auth, "https://api.heygen.com/").headers
        assert "X-Api-Key" in send(auth, "https://api.heygen.com:443/").headers
        assert "X-Api-Key" not in send(auth, "https://api.heygen.com:8443/").headers

    def test_ipv6_entries(self):
        """IPv6 entries work bare or bracketed with a port."""
        auth = ApiKeyAuth(KEY, base_url="http://[::1]:9000", hosts=["[::1]:9000"])
        assert "X-Api-Key" in send(auth, "http://[::1]:9000/").headers
        assert "X-Api-Key" not in send(auth, "http://[::1]:9001/").headers
        bare = ApiKeyAuth(KEY, hosts=["::1"])
        assert "X-Api-Key" in send(bare, "http://[::1]:9001/").headers

    @pytest.mark.parametrize(
        "entry",
        ["", "https://api.heygen.com", "api.heygen.com/v1", "user@host", "host:0", "host:x"],
    )
    def test_invalid_entries_fail_at_construction(self, entry):
        """Schemes, paths, userinfo and bad ports in entries are configuration errors."""
        with pytest.raises(ConfigurationError):
            ApiKeyAuth(KEY, hosts=[entry])

    def test_invalid_entries_more(self):
        """Odd ports, broken brackets and colons outside IPv6 are refused too."""
        for entry in ["host:70000", "[::1", "[::1]x", "a:b:c"]:
            with pytest.raises(ConfigurationError):
                ApiKeyAuth(KEY, hosts=[entry])

    def test_hosts_as_a_string_is_a_type_error(self):
        """hosts='api.heygen.com' (a str, not a list) is refused rather than split."""
        with pytest.raises(TypeError, match="iterable of host names"):
            ApiKeyAuth(KEY, hosts="api.heygen.com")

    def test_empty_hosts_is_an_error(self):
        """An empty allowlist would never send the key: refused."""
        with pytest.raises(ConfigurationError, match="empty"):
            ApiKeyAuth(KEY, hosts=[])

    @pytest.mark.parametrize("base_url", ["api.heygen.com", "ftp://api.heygen.com", "/v1", 3])
    def test_invalid_base_url(self, base_url):
        """A base URL that is not absolute http(s) fails at construction."""
        with pytest.raises((ConfigurationError, TypeError)):
            ApiKeyAuth(KEY, base_url=base_url)

    @given(hosts=allowlists(), url=target_urls(), key=api_keys())
    def test_key_goes_exactly_to_allowlisted_hosts(self, hosts, url, key):
        """The transport sees the key iff the host is allowlisted; never a credential else."""
        auth = ApiKeyAuth(key, hosts=hosts)
        request = Request("GET", url, headers={"X-Api-Key": key, "Authorization": f"Bearer {key}"})
        entries = {h.lower() for h in hosts}
        allowed = request.host in entries or f"{request.host}:{request.port}" in entries
        loopback = request.host in {"127.0.0.1", "127.0.0.2", "localhost"}
        transport = MockTransport(lambda r: make_response(r, 200))
        handler = Stack([("auth", auth)]).build(transport)
        if allowed and request.scheme == "http" and not loopback:
            with pytest.raises(InsecureTransportError):
                handler(request)
            assert transport.requests == []
            return
        handler(request)
        (sent,) = transport.requests
        if allowed:
            assert sent.headers["X-Api-Key"] == key
        else:
            assert "X-Api-Key" not in sent.headers
            assert "Authorization" not in sent.headers


class TestStripping:
    """Credentials set by hand never reach a host off the allowlist."""

    @pytest.mark.parametrize("name", ["X-Api-Key", "x-api-key", "X-API-KEY", "Authorization"])
    def test_manual_credentials_stripped_for_other_hosts(self, name):
        """Credentials a caller set by hand are removed for non-allowlisted hosts."""
        sent = send(ApiKeyAuth(KEY), "https://files.cdn.example/v.mp4", {name: KEY})
        assert name not in sent.headers

    def test_custom_header_stripped_for_other_hosts(self):
        """The configured header name is stripped too."""
        auth = ApiKeyAuth(KEY, header="X-Custom-Key")
        sent = send(auth, "https://files.cdn.example/", {"X-Custom-Key": KEY})
        assert "X-Custom-Key" not in sent.headers

    def test_other_headers_are_kept(self):
        """Only credential headers are stripped; the rest pass through unchanged."""
        sent = send(ApiKeyAuth(KEY), "https://files.cdn.example/", {"Accept": "video/mp4"})
        assert sent.headers == {"Accept": "video/mp4"}

    def test_untouched_request_is_passed_as_is(self):
        """A request without credentials for another host is not copied."""
        transport = MockTransport(lambda r: make_response(r, 200))
        request = Request("GET", "https://files.cdn.example/")
        Stack([("auth", ApiKeyAuth(KEY))]).build(transport)(request)
        assert transport.requests[0] is request

    def test_allowlisted_host_gets_the_configured_key(self):
        """A different X-Api-Key on an allowlisted request is replaced by the configured key."""
        sent = send(ApiKeyAuth(KEY), "https://api.heygen.com/", {"x-api-key": "hgtest_other"})
        assert sent.headers["X-Api-Key"] == KEY
        assert len(sent.headers) == 1


class TestInsecureTransport:
    """The key never travels over plain http, except to loopback addresses."""

    def test_http_base_url_refused_at_construction(self):
        """An http:// base URL to a non-loopback host fails before any request."""
        with pytest.raises(InsecureTransportError, match="https"):
            ApiKeyAuth(KEY, base_url="http://api.heygen.com")

    def test_http_request_to_allowlisted_host_refused_before_sending(self):
        """http:// to an allowlisted public host raises; the transport never sees it."""
        transport = MockTransport(lambda r: make_response(r, 200))
        handler = Stack([("auth", ApiKeyAuth(KEY))]).build(transport)
        request = Request("GET", "http://api.heygen.com/v2/avatars")
        with pytest.raises(InsecureTransportError) as info:
            handler(request)
        assert transport.requests == []
        assert info.value.request is request
        assert KEY not in str(info.value)

    @pytest.mark.parametrize(
        ("base_url", "url"),
        [
            ("http://127.0.0.1:8000", "http://127.0.0.1:8000/x"),
            ("http://127.9.8.7", "http://127.9.8.7/x"),
            ("http://localhost:8000", "http://LOCALHOST:8000/x"),
            ("http://[::1]:8000", "http://[::1]:8000/x"),
        ],
    )
    def test_http_to_loopback_is_allowed(self, base_url, url):
        """Loopback addresses (127.0.0.0/8, ::1, localhost) may use plain http."""
        assert send(ApiKeyAuth(KEY, base_url=base_url), url).headers["X-Api-Key"] == KEY

    def test_http_to_other_host_passes_without_key(self):
        """Plain http to a non-allowlisted host is not refused: it carries no key."""
        sent = send(ApiKeyAuth(KEY), "http://files.cdn.example/v.mp4")
        assert "X-Api-Key" not in sent.headers


class TestBearer:
    """BearerAuth: the same host policy with Authorization: Bearer <token>."""

    def test_bearer_header_on_allowlisted_hosts(self):
        """BearerAuth sends Authorization: Bearer <token> to allowlisted hosts."""
        sent = send(BearerAuth(TOKEN), "https://api.heygen.com/v3/videos")
        assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
        assert "X-Api-Key" not in sent.headers

    def test_bearer_not_sent_elsewhere(self):
        """Other hosts get no token, and a hand-set Authorization is stripped."""
        sent = send(BearerAuth(TOKEN), "https://files.cdn.example/", {"Authorization": "x y z"})
        assert "Authorization" not in sent.headers

    def test_bearer_shares_the_host_policy(self):
        """hosts, host:port and the http refusal behave as for ApiKeyAuth."""
        auth = BearerAuth(Secret(TOKEN), base_url="http://127.0.0.1:8001")
        assert auth.hosts == ("127.0.0.1:8001", "upload.heygen.com")
        assert send(auth, "http://127.0.0.1:8001/").headers["Authorization"].endswith(TOKEN)
        with pytest.raises(InsecureTransportError):
            BearerAuth(TOKEN, base_url="http://api.heygen.com")

    @pytest.mark.parametrize("token", ["", "  ", None])
    def test_bearer_needs_a_token(self, token):
        """A missing or blank token is an error at construction."""
        with pytest.raises((ConfigurationError, TypeError)):
            BearerAuth(token)

    def test_bearer_repr_hides_token(self):
        """The repr names the header and hosts, never the token."""
        auth = BearerAuth(TOKEN)
        assert TOKEN not in repr(auth)
        assert "Authorization" in repr(auth)


class TestSecrecy:
    """No repr, str, pickle attempt or traceback shows the key."""

    @pytest.mark.parametrize("make", [lambda: ApiKeyAuth(KEY), lambda: BearerAuth(KEY)])
    def test_repr_and_str_show_hosts_not_key(self, make):
        """Both repr() and str() show the hosts, never the key."""
        auth = make()
        for text in (repr(auth), str(auth)):
            assert "api.heygen.com" in text
            assert KEY not in text

    @pytest.mark.parametrize("make", [lambda: ApiKeyAuth(KEY), lambda: BearerAuth(KEY)])
    def test_pickling_refused_without_the_key(self, make):
        """Pickling raises TypeError whose message and traceback hold no key."""
        with pytest.raises(TypeError, match="cannot be pickled") as info:
            pickle.dumps(make())
        assert KEY not in "".join(traceback.format_exception(info.value))

    def test_copies_are_the_same_object(self):
        """copy/deepcopy of the immutable middleware return it (no pickling path)."""
        auth = ApiKeyAuth(KEY)
        assert copy.copy(auth) is auth
        assert copy.deepcopy({"a": auth})["a"] is auth

    def test_no_instance_dict(self):
        """Slots only: vars() cannot dump the key."""
        with pytest.raises(TypeError):
            vars(ApiKeyAuth(KEY))

    def test_traceback_with_locals_hides_key(self):
        """A failure below auth renders a traceback (even with locals) without the key."""

        def boom(request):
            raise ValueError(repr(request))

        handler = Stack([("auth", ApiKeyAuth(KEY))]).build(MockTransport(boom))
        with pytest.raises(ValueError) as info:
            handler(Request("GET", "https://api.heygen.com/"))
        plain = "".join(traceback.format_exception(info.value))
        with_locals = "".join(
            traceback.TracebackException.from_exception(info.value, capture_locals=True).format()
        )
        assert "REDACTED" in plain
        assert KEY not in plain
        assert KEY not in with_locals

    @given(key=api_keys(), header=st.sampled_from(["X-Api-Key", "X-Custom-Key"]))
    def test_outgoing_request_repr_hides_key(self, key, header):
        """The request the transport receives shows REDACTED where the key is."""
        auth = ApiKeyAuth(key, header=header)  # the key is registered while auth lives
        sent = send(auth, "https://api.heygen.com/")
        assert sent.headers[header] == key
        assert key not in repr(sent)
        assert auth.header == header


class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append({k.lower(): v for k, v in self.headers.items()})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args):
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A local HTTP server on an ephemeral port that records the headers of each request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class TestRealSockets:
    """Two real local servers: only the allowlisted one sees the key."""

    def test_key_reaches_allowlisted_server_only(self):
        """Over real sockets, the allowlisted server gets the key and a second one does not."""
        with (
            recording_server() as (api, api_seen),
            recording_server() as (other, other_seen),
            Urllib3Transport() as transport,
        ):
            handler = Stack([("auth", ApiKeyAuth(KEY, base_url=api))]).build(transport)
            assert handler(Request("GET", f"{api}/v2/avatars")).status == 200
            manual = {"X-Api-Key": KEY, "Authorization": f"Bearer {KEY}"}
            assert handler(Request("GET", f"{other}/cdn.mp4", headers=manual)).status == 200
        assert [h.get("x-api-key") for h in api_seen] == [KEY]
        assert len(other_seen) == 1
        assert "x-api-key" not in other_seen[0]
        assert "authorization" not in other_seen[0]


def _urllib3_route(url):
    """(scheme, host, port) as urllib3's own parser reads ``url`` (brackets off, defaults in)."""
    parts = parse_url(url)
    scheme = parts.scheme or "http"
    host = (parts.host or "").strip("[]").lower()
    return scheme, host, parts.port or (443 if scheme == "https" else 80)


def _request_or_refusal(url):
    """A GET request for ``url``, or the ValueError that refuses it."""
    try:
        return Request("GET", url)
    except ValueError as exc:
        return exc


class TestOneParseDecides:
    """The host the allowlist approves is the host the socket goes to, for any URL."""

    @settings(max_examples=400)
    @given(url=tricky_urls())
    def test_decided_host_is_the_connected_host(self, url):
        """A URL is refused with a clear ValueError, or every parser agrees where it goes."""
        request = _request_or_refusal(url)
        if isinstance(request, ValueError):
            assert str(request).startswith("invalid URL ")
            return
        decided = (request.scheme, request.host, request.port)
        assert _urllib3_route(url) == decided
        split = urlsplit(url)
        assert (split.scheme.lower(), split.hostname, split.port or request.port) == decided
        pool = urllib3.PoolManager().connection_from_host(
            request.host, port=request.port, scheme=request.scheme
        )
        connection = pool._new_conn()
        assert (connection.host, connection.port) == (request.host, request.port)

    @pytest.mark.parametrize(
        ("url", "problem"),
        [
            ("http://a.test\\@b.test/", "backslash"),
            ("http://user:pw@b.test/", "userinfo"),
            ("http://a.test\t/", "whitespace or control"),
            ("http://%61.test/", "percent-encoded"),
            ("http://[fe80::1%25eth0]/", "zone id"),
            ("http://a.test./", "ends with a dot"),
            ("http://\u0430pi.test/", "IDNA"),
            ("http://a.test:0443/", "leading zeros"),
            ("http://a.test:65536/", "1-65535"),
            ("http://127.1/", "canonical dotted-quad"),
            ("http:///a.test/", "must be absolute"),
            ("http://a.test:80:81/", "1-65535"),
        ],
    )
    def test_ambiguous_urls_refused_naming_the_problem(self, url, problem):
        """Each kind of ambiguous URL is a ValueError that says what is wrong with it."""
        with pytest.raises(ValueError, match=problem):
            Request("GET", url)

    def test_key_goes_where_the_socket_goes(self):
        """Over real sockets, no tricky URL gets the key to a server off the allowlist."""
        with (
            recording_server() as (api, api_seen),
            recording_server() as (other, other_seen),
            Urllib3Transport(timeout=Timeout(connect=5.0, read=5.0)) as transport,
        ):
            handler = Stack([("auth", ApiKeyAuth(KEY, base_url=api))]).build(transport)
            on, off = api.removeprefix("http://"), other.removeprefix("http://")
            tricky = [
                f"http://{off}\\@{on}/x",
                f"http://{off}\\\\@{on}/x",
                f"http://{off}%5C@{on}/x",
                f"http://{off}\t@{on}/x",
                f"http://{off}\n@{on}/x",
                f"http://user@{off}/x",
                f"http://{off}#@{on}/x",
                f"http://{off}?@{on}/x",
                f"http://{off};@{on}/x",
                f"http://{on.replace(':', ':0')}/x",
                f"HTTP://{off.upper()}/x",
            ]
            sent = 0
            for url in tricky:
                try:
                    request = Request("GET", url)
                except ValueError:
                    continue
                assert handler(request).status == 200
                sent += 1
            assert handler(Request("GET", f"{api}/ok")).status == 200
        assert sent >= 3  # the unambiguous ones were sent
        assert [h.get("x-api-key") for h in other_seen] == [None] * len(other_seen)
        assert len(other_seen) == sent
        assert [h.get("x-api-key") for h in api_seen] == [KEY]


class TestEvolve:
    """Auth middlewares are frozen attrs values: attrs.evolve builds a checked copy."""

    def test_evolve_hosts(self):
        """A new allowlist takes effect; the original is unchanged."""
        auth = ApiKeyAuth(KEY)
        other = attrs.evolve(auth, hosts=["cdn.example.com"])
        assert other.hosts == ("cdn.example.com",)
        assert auth.hosts == ("api.heygen.com", "upload.heygen.com")
        assert send(other, "https://cdn.example.com/x").headers["X-Api-Key"] == KEY

    def test_evolve_base_url_rederives_default_hosts(self):
        """Without explicit hosts, a new base_url gives the default allowlist for it."""
        auth = attrs.evolve(ApiKeyAuth(KEY), base_url="http://127.0.0.1:8123")
        assert auth.hosts == ("127.0.0.1:8123", "upload.heygen.com")

    def test_evolve_header_keeps_key(self):
        """The key carries over to the evolved value."""
        auth = attrs.evolve(ApiKeyAuth(KEY), header="X-Custom-Key")
        assert send(auth, "https://api.heygen.com/").headers["X-Custom-Key"] == KEY

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"hosts": []}, ConfigurationError),
            ({"hosts": "api.heygen.com"}, TypeError),
            ({"base_url": "http://api.example.com"}, InsecureTransportError),
            ({"api_key": "abc"}, ConfigurationError),
            ({"env_var": ""}, TypeError),
        ],
    )
    def test_evolve_validates(self, changes, error):
        """An evolved value is checked as a constructed one is, with the same errors."""
        with pytest.raises(error):
            attrs.evolve(ApiKeyAuth(KEY), **changes)

    @pytest.mark.parametrize("make", [lambda: ApiKeyAuth(KEY), lambda: BearerAuth(KEY)])
    def test_evolved_repr_hides_key(self, make):
        """The evolved value's repr, str and attrs' own rendering never show the secret."""
        auth = attrs.evolve(make(), hosts=["api.heygen.com"])
        for text in (repr(auth), str(auth), repr(attrs.fields(type(auth)))):
            assert KEY not in text
        assert KEY not in repr(attrs.asdict(auth, recurse=False))

    def test_bearer_evolve(self):
        """BearerAuth evolves too, keeping its token."""
        auth = attrs.evolve(BearerAuth(TOKEN), hosts=["h.example.com"])
        assert auth.header == "Authorization"
        assert send(auth, "https://h.example.com/").headers["Authorization"] == f"Bearer {TOKEN}"

    def test_frozen(self):
        """Fields cannot be assigned after construction."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            ApiKeyAuth(KEY).header = "X-Other"  # type: ignore[misc]
