"""Proxies: ``proxy=``, the standard environment variables, NO_PROXY, and secret credentials."""

import base64
import logging
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme
import urllib3
from _proxy_server import ProxyServer
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import (
    ConfigurationError,
    ConnectError,
    HeyGenClient,
    Request,
    Timeout,
    TLSError,
    Urllib3Transport,
)
from heygen_pipeline._transport_proxy import ProxyRoutes, parse_no_proxy, parse_proxy
from heygen_pipeline.testing.pytest_plugin import checked_fake

QUICK = Timeout(connect=2.0, read=5.0)
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """No proxy variable of the machine's reaches these tests."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def fake():
    """FakeHeyGen on 127.0.0.1."""
    with checked_fake(api_key="test-key") as server:
        yield server


@pytest.fixture
def proxy():
    """A forwarding proxy on 127.0.0.1."""
    with ProxyServer() as server:
        yield server


def _named(fake, host="api.example.test"):
    """The fake's base URL under a host name only the test proxy can reach."""
    return fake.base_url.replace("127.0.0.1", host)


def _targets(proxy):
    return [target for _, target, _ in proxy.seen]


class TestExplicitProxy:
    """``proxy=`` on the transport and the client."""

    def test_requests_go_through_the_proxy(self, fake, proxy):
        """With proxy=, a host only the proxy can reach is reached, in absolute form."""
        url = f"{_named(fake)}/v2/avatars"
        with Urllib3Transport(timeout=QUICK, proxy=proxy.url) as transport:
            assert transport(Request("GET", url)).status == 401  # the fake's: no key sent
        assert _targets(proxy) == [url]

    def test_loopback_goes_through_an_explicit_proxy(self, fake, proxy):
        """An explicit proxy is used for loopback hosts too: it was asked for."""
        with HeyGenClient("test-key", base_url=fake.base_url, proxy=proxy.url) as client:
            client.get("/v2/avatars")
        assert f"{fake.base_url}/v2/avatars" in _targets(proxy)

    def test_explicit_proxy_ignores_the_environment(self, fake, proxy, monkeypatch):
        """With proxy=, NO_PROXY and HTTP_PROXY of the environment change nothing."""
        monkeypatch.setenv("NO_PROXY", "*")
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        with Urllib3Transport(timeout=QUICK, proxy=proxy.url) as transport:
            transport(Request("GET", f"{_named(fake)}/v2/avatars"))
        assert len(proxy.seen) == 1

    def test_credentials_sent_and_never_shown(self, fake, caplog):
        """user:pass@ becomes Proxy-Authorization; repr, errors and logs never show it."""
        token = base64.b64encode(b"user:s3cr3t-pass").decode()
        with ProxyServer(credentials=f"Basic {token}") as server:
            url = server.url.replace("://", "://user:s3cr3t-pass@")
            transport = Urllib3Transport(timeout=QUICK, proxy=url)
            with caplog.at_level(logging.DEBUG), transport:
                response = transport(Request("GET", f"{_named(fake)}/v2/avatars"))
                assert response.status == 401  # the fake's answer: no key was sent
                assert "s3cr3t" not in repr(transport)
                assert "REDACTED@" in repr(transport)
            assert server.seen[0][2]["proxy-authorization"] == f"Basic {token}"
        # The proxy is gone now: the error names it, not its credentials.
        with (
            Urllib3Transport(timeout=QUICK, proxy=url) as transport,
            pytest.raises(ConnectError) as info,
        ):
            transport(Request("GET", f"{_named(fake)}/v2/avatars"))
        shown = f"{info.value} {info.value!r} {caplog.text} {transport!r}"
        assert "s3cr3t" not in shown
        assert token not in shown

    def test_credentials_only_in_the_connect(self, tmp_path):
        """For an HTTPS target the credentials go in the CONNECT, never to the server."""
        token = base64.b64encode(b"user:tunnel-pass").decode()
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("api.example.test").configure_cert(context)
        ca_path = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        with ProxyServer(credentials=f"Basic {token}") as proxy, _TLSServer(context) as server:
            url = proxy.url.replace("://", "://user:tunnel-pass@")
            with Urllib3Transport(timeout=QUICK, proxy=url, ca_certs=ca_path) as transport:
                target = f"https://api.example.test:{server.server_port}/echo"
                assert transport(Request("GET", target)).status == 200
        assert proxy.seen[0][0] == "CONNECT"
        assert proxy.seen[0][2]["proxy-authorization"] == f"Basic {token}"
        assert "proxy-authorization" not in server.heads[0]

    def test_https_through_a_connect_tunnel(self, proxy, tmp_path):
        """An HTTPS target is reached through CONNECT, its certificate checked end to end."""
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("api.example.test").configure_cert(context)
        with _TLSServer(context) as server:
            ca_path = tmp_path / "ca.pem"
            ca.cert_pem.write_to_path(str(ca_path))
            url = f"https://api.example.test:{server.server_port}/plain"
            with Urllib3Transport(timeout=QUICK, proxy=proxy.url, ca_certs=ca_path) as transport:
                response = transport(Request("GET", url))
        assert response.status == 200
        assert response.content == b"hello"
        assert proxy.seen[0][:2] == ("CONNECT", f"api.example.test:{server.server_port}")


class TestKeyThroughTheProxy:
    """Through an HTTPS proxy the proxy relays TLS only: it never sees the key or the path."""

    KEY = "hg-proxy-test-key-0123456789abcdef"

    def _tls(self, tmp_path, name="ca.pem"):
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("api.example.test").configure_cert(context)
        ca_path = tmp_path / name
        ca.cert_pem.write_to_path(str(ca_path))
        return context, ca_path

    def test_key_and_path_never_cross_in_clear(self, proxy, monkeypatch, tmp_path):
        """The server gets the key; every byte the proxy relayed or read lacks it and the path."""
        context, ca_path = self._tls(tmp_path)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with _TLSServer(context) as server:
            base = f"https://api.example.test:{server.server_port}"
            with HeyGenClient(self.KEY, base_url=base, ca_certs=ca_path) as client:
                assert client.get("/hello") == {"hello": "world"}
        assert server.heads[0]["x-api-key"] == self.KEY  # it did travel, inside the tunnel
        assert len(proxy.tunnelled) > 0
        relayed = bytes(proxy.tunnelled)
        for secret in (self.KEY, base64.b64encode(self.KEY.encode()).decode(), "/hello"):
            assert secret.encode() not in relayed
        heads = repr(proxy.seen)
        assert self.KEY not in heads
        assert "/hello" not in heads
        assert [method for method, _, _ in proxy.seen] == ["CONNECT"]

    def test_wrong_ca_is_a_tls_error(self, tmp_path):
        """Another CA's certificate through the tunnel: TLSError, not sent, nothing secret shown."""
        context, _ = self._tls(tmp_path)
        _, other_ca = self._tls(tmp_path, "other.pem")
        token = base64.b64encode(b"user:tunnel-pass").decode()
        with ProxyServer(credentials=f"Basic {token}") as proxy, _TLSServer(context) as server:
            url = proxy.url.replace("://", "://user:tunnel-pass@")
            base = f"https://api.example.test:{server.server_port}"
            client = HeyGenClient(self.KEY, base_url=base, ca_certs=other_ca, proxy=url)
            with client, pytest.raises(TLSError) as info:
                client.get("/hello", max_attempts=1)
        assert info.value.sent is False  # the CONNECT went out, the request never did
        assert server.heads == []
        shown = f"{info.value} {info.value!r} {client!r}"
        for secret in (self.KEY, "tunnel-pass", token):
            assert secret not in shown


class TestEnvironment:
    """The standard variables, read once when the transport is built."""

    @pytest.mark.parametrize("name", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
    def test_proxy_variable_honoured(self, fake, proxy, monkeypatch, name):
        """HTTP_PROXY or ALL_PROXY (either case) routes an http target through the proxy."""
        monkeypatch.setenv(name, proxy.url)
        with Urllib3Transport(timeout=QUICK) as transport:
            transport(Request("GET", f"{_named(fake)}/v2/avatars"))
        assert len(proxy.seen) == 1

    def test_client_https_proxy(self, proxy, monkeypatch, tmp_path):
        """HeyGenClient() honours HTTPS_PROXY for an https base URL (CONNECT)."""
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("api.example.test").configure_cert(context)
        ca_path = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with _TLSServer(context) as server:
            base = f"https://api.example.test:{server.server_port}"
            with HeyGenClient("test-key", base_url=base, ca_certs=ca_path) as client:
                assert client.get("/hello") == {"hello": "world"}
        assert proxy.seen[0][:2] == ("CONNECT", f"api.example.test:{server.server_port}")

    def test_https_proxy_is_not_used_for_http(self, fake, proxy, monkeypatch):
        """HTTPS_PROXY applies to https targets only: an http one goes direct."""
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with Urllib3Transport(timeout=QUICK) as transport:
            transport(Request("GET", f"{fake.base_url}/v2/avatars"))
        assert proxy.seen == []

    def test_read_once_at_construction(self, fake, proxy, monkeypatch):
        """A variable set after the client was built changes nothing."""
        with Urllib3Transport(timeout=QUICK, resolver=_to_loopback) as transport:
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            transport(Request("GET", f"{_named(fake)}/v2/avatars"))
        assert proxy.seen == []

    @pytest.mark.parametrize(
        "no_proxy",
        ["api.example.test", ".example.test", "example.test", "*", "EXAMPLE.test:{port}"],
    )
    def test_no_proxy_bypass(self, fake, proxy, monkeypatch, no_proxy):
        """A host NO_PROXY names (itself, its domain, with its port, or *) goes direct."""
        port = fake.base_url.rpartition(":")[2]
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy.format(port=port))
        with Urllib3Transport(timeout=QUICK, resolver=_to_loopback) as transport:
            assert transport(Request("GET", f"{_named(fake)}/v2/avatars")).status == 401
        assert proxy.seen == []

    def test_decided_per_target_host(self, fake, proxy, monkeypatch):
        """Two hosts of one transport: the one NO_PROXY names goes direct, the other proxied."""
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "cdn.example.test")
        with Urllib3Transport(timeout=QUICK, resolver=_to_loopback) as transport:
            for _ in range(2):
                transport(Request("GET", f"{_named(fake, 'cdn.example.test')}/v2/avatars"))
                transport(Request("GET", f"{_named(fake)}/v2/avatars"))
        assert _targets(proxy) == [f"{_named(fake)}/v2/avatars"] * 2

    def test_no_proxy_other_port_still_proxied(self, fake, proxy, monkeypatch):
        """A NO_PROXY entry with another port does not bypass."""
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "api.example.test:1")
        with Urllib3Transport(timeout=QUICK) as transport:
            transport(Request("GET", f"{_named(fake)}/v2/avatars"))
        assert len(proxy.seen) == 1

    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
    def test_loopback_goes_direct(self, fake, proxy, monkeypatch, host):
        """Environment proxies never carry requests to this machine."""
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with HeyGenClient("test-key", base_url=fake.base_url.replace("127.0.0.1", host)) as client:
            client.get("/v2/avatars")
        assert proxy.seen == []

    def test_trust_env_false_ignores_the_environment(self, fake, proxy, monkeypatch):
        """trust_env=False connects directly whatever the variables say."""
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        transport = Urllib3Transport(timeout=QUICK, trust_env=False, resolver=_to_loopback)
        with transport:
            assert transport(Request("GET", f"{_named(fake)}/v2/avatars")).status == 401
        assert proxy.seen == []
        with HeyGenClient("test-key", trust_env=False) as client:
            assert client._transport._routes is None

    def test_bad_variable_named(self, monkeypatch):
        """An unusable proxy variable fails construction, naming the variable."""
        monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
        with pytest.raises(ConfigurationError, match=r"\$all_proxy.*http or https"):
            HeyGenClient("test-key")
        assert HeyGenClient("test-key", trust_env=False)


class TestProxyUrls:
    """Checking a proxy URL."""

    @pytest.mark.parametrize(
        ("url", "match"),
        [
            ("ftp://proxy:21", "http or https"),
            ("socks5://proxy:1080", "http or https"),
            ("http://", "no host"),
            ("http://:3128", "no host"),
        ],
    )
    def test_bad_urls_refused(self, url, match):
        """A proxy URL that is not http(s) with a host is a ConfigurationError at construction."""
        with pytest.raises(ConfigurationError, match=match):
            HeyGenClient("test-key", proxy=url)

    def test_not_a_str(self):
        """A proxy that is not a str is a TypeError."""
        with pytest.raises(TypeError, match="proxy must be a str"):
            Urllib3Transport(proxy=3128)

    def test_bad_url_error_hides_credentials(self):
        """The error for a bad URL shows no password."""
        with pytest.raises(ConfigurationError) as info:
            Urllib3Transport(proxy="ftp://user:hunter22@proxy:21")
        assert "hunter22" not in str(info.value)

    def test_no_scheme_means_http(self):
        """``proxy:3128`` is ``http://proxy:3128``; the default port follows the scheme."""
        assert parse_proxy("proxy:3128").url == "http://proxy:3128"
        assert parse_proxy("https://proxy").url == "https://proxy:443"

    def test_proxy_with_pool_manager_refused(self):
        """proxy= and pool_manager= together are refused."""
        with pytest.raises(ValueError, match="not both"):
            Urllib3Transport(proxy="http://proxy:3128", pool_manager=urllib3.PoolManager())


class TestNoProxy:
    """NO_PROXY entries, as a pure decision."""

    PROXY = parse_proxy("http://proxy:3128")

    def _routes(self, value):
        return ProxyRoutes(by_scheme={"https": self.PROXY}, bypass=parse_no_proxy(value))

    @pytest.mark.parametrize(
        ("value", "host", "direct"),
        [
            ("example.com", "example.com", True),
            ("example.com", "api.example.com", True),
            ("example.com", "badexample.com", False),
            (".example.com", "api.example.com", True),
            ("10.0.0.0/8", "10.1.2.3", True),
            ("10.0.0.0/8", "11.1.2.3", False),
            ("192.168.1.5", "192.168.1.5", True),
            ("::1/128, foo", "[::1]", True),
            ("*", "anything.example", True),
            ("*.example.com", "api.example.com", True),
            ("API.Example.COM", "api.example.com", True),
            ("", "api.heygen.com", False),
        ],
    )
    def test_entries(self, value, host, direct):
        """Domains with subdomains, networks, addresses and * bypass; others do not."""
        routes = ProxyRoutes(
            by_scheme={"https": self.PROXY}, bypass=parse_no_proxy(value), loopback_direct=False
        )
        assert (routes.proxy_for("https", host, 443) is None) is direct

    @given(value=st.text(), host=st.text())
    def test_any_text_decides(self, value, host):
        """Whatever NO_PROXY and the host hold, the decision is made without an error."""
        assert self._routes(value).proxy_for("https", host.lower(), 443) in {None, self.PROXY}

    def test_scheme_without_proxy_is_direct(self):
        """A target scheme no variable names goes direct."""
        assert self._routes("").proxy_for("http", "api.heygen.com", 80) is None


class TestClientSettings:
    """The transport settings on HeyGenClient, and HEYGEN_BASE_URL."""

    def test_ca_certs_bad_path(self, tmp_path):
        """A ca_certs path that is no file is a clear error at construction."""
        with pytest.raises(ValueError, match="is not a file"):
            HeyGenClient("test-key", ca_certs=tmp_path / "missing.pem")

    def test_ssl_context_accepted(self, fake):
        """An ssl_context reaches the transport; the client works with it."""
        context = ssl.create_default_context()
        with HeyGenClient("test-key", base_url=fake.base_url, ssl_context=context) as client:
            assert client._transport._pool_settings["ssl_context"] is context
            client.get("/v2/avatars")

    def test_ca_certs_reach_the_transport(self, tmp_path):
        """ca_certs given to the client are the transport's."""
        path = tmp_path / "ca.pem"
        trustme.CA().cert_pem.write_to_path(str(path))
        with HeyGenClient("test-key", ca_certs=path) as client:
            assert client._transport._pool_settings["ca_certs"] == str(path)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"proxy": "http://p:1"},
            {"trust_env": False},
            {"ca_certs": "x"},
            {"ssl_context": ssl.create_default_context()},
        ],
    )
    def test_refused_with_own_transport(self, kwargs):
        """Transport settings alongside transport= are refused, saying where they go."""
        with Urllib3Transport() as transport, pytest.raises(ConfigurationError, match="transport"):
            HeyGenClient("test-key", transport=transport, **kwargs)

    def test_base_url_from_environment(self, fake, monkeypatch):
        """With no base_url, HEYGEN_BASE_URL is where requests go."""
        monkeypatch.setenv("HEYGEN_BASE_URL", fake.base_url)
        monkeypatch.setenv("HEYGEN_API_KEY", "test-key")
        with HeyGenClient() as client:
            assert client.base_url == fake.base_url
            assert client.get("/v2/avatars")["avatars"] is not None

    def test_base_url_argument_wins(self, monkeypatch):
        """An explicit base_url wins over HEYGEN_BASE_URL; a blank variable is the default."""
        monkeypatch.setenv("HEYGEN_BASE_URL", "https://elsewhere.test")
        assert HeyGenClient("k" * 8, base_url="https://here.test").base_url == "https://here.test"
        monkeypatch.setenv("HEYGEN_BASE_URL", "  ")
        assert HeyGenClient("k" * 8).base_url == "https://api.heygen.com"

    def test_bad_base_url_variable_named(self, monkeypatch):
        """An unusable HEYGEN_BASE_URL fails construction, naming the variable."""
        monkeypatch.setenv("HEYGEN_BASE_URL", "ftp://x")
        with pytest.raises(ConfigurationError, match="HEYGEN_BASE_URL"):
            HeyGenClient("k" * 8)


def _to_loopback(host, port):
    """A resolver that sends every name to 127.0.0.1 (a direct call to a test host name)."""
    return socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_STREAM)


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.heads.append({k.lower(): v for k, v in self.headers.items()})
        body = b'{"data": {"hello": "world"}}' if self.path == "/hello" else b"hello"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet."""


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context):
        super().__init__(("127.0.0.1", 0), _Hello)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.heads = []
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
