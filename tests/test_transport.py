import builtins
import io
import json
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme
import urllib3
from urllib3 import exceptions as u3

from heygen_pipeline import (
    ConnectError,
    ConnectTimeoutError,
    HeyGenError,
    ProtocolError,
    ReadTimeoutError,
    Request,
    RequestOptions,
    Timeout,
    TimeoutError,  # noqa: A004 - the library's TimeoutError, which is also the builtin's subclass
    TLSError,
    TransportError,
    Urllib3Transport,
)
from heygen_pipeline.testing import Fault
from heygen_pipeline.testing.pytest_plugin import checked_fake

BIG = bytes(range(256)) * 4096  # 1 MiB: larger than any socket buffer, so half-reads stay half
QUICK = Timeout(connect=2.0, read=2.0)


class _Server(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server on 127.0.0.1 that counts connections and records requests."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, ssl_context=None):
        super().__init__(("127.0.0.1", 0), _Handler)  # bound and listening before any client
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True)
        self.lock = threading.Lock()
        self.accepted = 0
        self.records = []
        self.to_reset = set()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})

    def url(self, path, scheme="http", host="127.0.0.1"):
        return f"{scheme}://{host}:{self.server_port}{path}"

    def get_request(self):
        conn, addr = super().get_request()
        with self.lock:
            self.accepted += 1
        return conn, addr

    def shutdown_request(self, request):
        if request in self.to_reset:  # close with SO_LINGER 0 and no FIN first: a reset
            self.to_reset.discard(request)
            request.close()
            return
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        """Clients that drop connections on purpose are part of these tests: stay quiet."""

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # a stuck connection thread gives up on its own

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            for _ in range(10_000):
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in {b"\r\n", b"\n", b""}:
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks), True
        return self.rfile.read(int(self.headers.get("Content-Length") or 0)), False

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _dispatch(self):
        body, chunked = self._read_body()
        server = self.server
        with server.lock:
            server.records.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": list(self.headers.items()),
                    "body": body,
                    "chunked": chunked,
                }
            )
        route = self.path.partition("?")[0]
        if route == "/big":
            self._send(200, BIG)
        elif route == "/redirect":
            self._send(302, b"moved", [("Location", "/echo")])
        elif route == "/dup":
            self._send(200, b"", [("X-Dup", "1"), ("x-dup", "2")])
        elif route == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only ten b")
            self.close_connection = True
        elif route == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            server.to_reset.add(self.connection)
            self.close_connection = True
        else:
            self._send(200, json.dumps({"method": self.command, "path": self.path}).encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch  # noqa: N815 - http.server names


@pytest.fixture
def server():
    """A plain HTTP server, running for one test."""
    with _Server() as srv:
        yield srv


@pytest.fixture
def transport():
    """A transport with short timeouts, closed after the test."""
    with Urllib3Transport(timeout=QUICK) as t:
        yield t


@pytest.fixture
def silent_port():
    """A listening socket that never accepts nor answers (the kernel completes handshakes)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def closed_port():
    """A port on which nothing listens: bound once, then closed."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture(scope="module")
def ca():
    """A local certificate authority."""
    return trustme.CA()


@pytest.fixture
def tls_server(ca):
    """An HTTPS server whose certificate (127.0.0.1, localhost) the local CA signed."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with _Server(ssl_context=context) as srv:
        yield srv


@pytest.fixture
def ca_path(ca, tmp_path):
    """The local CA certificate as a PEM file."""
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def get(url, **options):
    """A GET request with these options."""
    return Request("GET", url, options=RequestOptions(**options))


class TestRoundTrip:
    """Requests and responses cross the socket intact."""

    def test_get(self, server, transport):
        """A GET returns status, headers and the body read into memory."""
        response = transport(get(server.url("/echo?a=1")))
        assert response.status == 200
        assert response.json() == {"method": "GET", "path": "/echo?a=1"}
        assert response.headers["content-length"] == str(len(response.content))
        assert response.stream is None
        assert response.elapsed > 0

    def test_request_headers_arrive(self, server, transport):
        """Headers arrive with their values and the case they were given."""
        request = Request(
            "GET",
            server.url("/echo"),
            headers={"X-Custom-Header": "Value With Case", "x-lower": "é-latin1"},
        )
        transport(request)
        headers = dict(server.records[0]["headers"])
        assert headers["X-Custom-Header"] == "Value With Case"
        assert headers["x-lower"].encode("latin-1") == "é-latin1".encode("latin-1")

    def test_bytes_body(self, server, transport):
        """A bytes body arrives exactly, with a Content-Length."""
        body = bytes(range(256)) * 3
        transport(Request("POST", server.url("/echo"), body=body))
        record = server.records[0]
        assert record["body"] == body
        assert not record["chunked"]
        assert dict(record["headers"])["Content-Length"] == str(len(body))

    @pytest.mark.parametrize(
        "make_body",
        [
            lambda: [b"first,", b"", b"second,", b"third"],
            lambda: (part for part in [b"first,", b"second,", b"third"]),
        ],
        ids=["list", "generator"],
    )
    def test_iterable_body_chunked(self, server, transport, make_body):
        """An iterable body is sent chunked and arrives joined."""
        transport(Request("PUT", server.url("/echo"), body=make_body()))
        record = server.records[0]
        assert record["chunked"]
        assert record["body"] == b"first,second,third"

    def test_file_body(self, server, transport):
        """A binary file body arrives intact."""
        transport(Request("POST", server.url("/echo"), body=io.BytesIO(BIG[:100_000])))
        assert server.records[0]["body"] == BIG[:100_000]

    def test_repeated_response_headers_joined(self, server, transport):
        """Repeated response headers are joined with ', '."""
        assert transport(get(server.url("/dup"))).headers["X-DUP"] == "1, 2"

    def test_redirects_not_followed(self, server, transport):
        """urllib3 redirects are off: a 302 comes back as a 302."""
        response = transport(get(server.url("/redirect")))
        assert response.status == 302
        assert response.headers["location"] == "/echo"
        assert [r["path"] for r in server.records] == ["/redirect"]


class TestConnections:
    """Keep-alive and connection release."""

    def test_keep_alive(self, server, transport):
        """Two sequential requests use one connection."""
        transport(get(server.url("/echo")))
        transport(get(server.url("/echo")))
        assert len(server.records) == 2
        assert server.accepted == 1

    def test_stream_yields_body_and_releases(self, server, transport):
        """A streamed body yields everything, then the connection is reused."""
        response = transport(get(server.url("/big"), stream=True))
        assert response.content == b""
        assert response.stream is not None
        chunks = list(response.iter_bytes(65536))
        assert len(chunks) > 1
        assert b"".join(chunks) == BIG
        transport(get(server.url("/echo")))
        assert server.accepted == 1

    def test_stream_read(self, server, transport):
        """read() on a streamed response returns the whole body and releases the connection."""
        with transport(get(server.url("/big"), stream=True)) as response:
            assert response.read() == BIG
        transport(get(server.url("/echo")))
        assert server.accepted == 1

    def test_half_read_stream_dropped(self, server, transport):
        """Closing a half-read stream drops its connection; the next request opens another."""
        response = transport(get(server.url("/big"), stream=True))
        chunks = response.iter_bytes(1024)
        assert next(chunks) == BIG[:1024]
        response.close()
        assert transport(get(server.url("/echo"))).status == 200
        assert server.accepted == 2

    def test_unread_stream_closed(self, server, transport):
        """A streamed response closed unread drops its connection too."""
        with transport(get(server.url("/big"), stream=True)):
            pass
        transport(get(server.url("/echo")))
        assert server.accepted == 2

    def test_close_twice(self, server, transport):
        """Closing a stream twice is harmless."""
        response = transport(get(server.url("/big"), stream=True))
        response.close()
        response.close()


class TestFailures:
    """Network failures become error-tree exceptions, chained to the urllib3 cause."""

    def test_connect_refused(self, transport, closed_port):
        """A refused connection is a ConnectError with sent False."""
        with pytest.raises(ConnectError) as info:
            transport(get(f"http://127.0.0.1:{closed_port}/x"))
        err = info.value
        assert type(err) is ConnectError
        assert err.sent is False
        assert isinstance(err.__cause__, u3.HTTPError)
        assert err.request.url.endswith("/x")
        assert str(closed_port) in str(err)

    def test_read_timeout(self, silent_port):
        """A server that never answers gives ReadTimeoutError (sent True) after the timeout."""
        with Urllib3Transport(timeout=Timeout(connect=2.0, read=0.2)) as transport:
            started = time.monotonic()
            with pytest.raises(ReadTimeoutError) as info:
                transport(get(f"http://127.0.0.1:{silent_port}/x"))
        assert time.monotonic() - started < 5
        err = info.value
        assert err.sent is True
        assert isinstance(err, TimeoutError)
        assert isinstance(err.__cause__, u3.HTTPError)

    def test_per_request_timeout_wins(self, silent_port):
        """options.timeout beats the transport's default."""
        with Urllib3Transport(timeout=Timeout(connect=30.0, read=30.0)) as transport:
            started = time.monotonic()
            with pytest.raises(ReadTimeoutError):
                transport(get(f"http://127.0.0.1:{silent_port}/x", timeout=(2.0, 0.2)))
        assert time.monotonic() - started < 5

    def test_zero_timeout(self, silent_port, transport):
        """A zero timeout times out at once instead of failing inside urllib3."""
        with pytest.raises(TimeoutError):
            transport(get(f"http://127.0.0.1:{silent_port}/x", timeout=0))

    def test_reset(self, server, transport):
        """A connection reset after the request is a ProtocolError chained to urllib3's."""
        with pytest.raises(ProtocolError) as info:
            transport(get(server.url("/reset")))
        err = info.value
        assert err.sent is True
        assert isinstance(err.__cause__, u3.HTTPError)
        assert "reset" in str(err).lower()
        assert server.records[0]["path"] == "/reset"

    def test_truncated_body(self, server, transport):
        """A body shorter than its Content-Length is a ProtocolError."""
        with pytest.raises(ProtocolError) as info:
            transport(get(server.url("/truncated")))
        assert isinstance(info.value.__cause__, u3.HTTPError)

    def test_truncated_stream(self, server, transport):
        """A streamed body that ends early raises ProtocolError while iterating."""
        response = transport(get(server.url("/truncated"), stream=True))
        with pytest.raises(ProtocolError) as info:
            response.read()
        assert isinstance(info.value.__cause__, u3.HTTPError)

    def test_works_after_failure(self, server, transport):
        """After a broken connection the transport carries on with a new one."""
        with pytest.raises(ProtocolError):
            transport(get(server.url("/reset")))
        assert transport(get(server.url("/echo"))).status == 200


class TestTLS:
    """Certificates are verified."""

    def test_untrusted_rejected(self, tls_server):
        """A certificate from an unknown CA is rejected with TLSError (sent False)."""
        with Urllib3Transport(timeout=QUICK) as transport, pytest.raises(TLSError) as info:
            transport(get(tls_server.url("/echo", scheme="https")))
        assert info.value.sent is False
        assert isinstance(info.value.__cause__, u3.HTTPError)
        assert tls_server.records == []

    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
    def test_trusted_with_ca_certs(self, tls_server, ca_path, host):
        """With ca_certs pointing at the CA, the same server is accepted."""
        with Urllib3Transport(timeout=QUICK, ca_certs=ca_path) as transport:
            response = transport(get(tls_server.url("/echo", scheme="https", host=host)))
        assert response.status == 200
        assert response.json()["path"] == "/echo"

    def test_ssl_context(self, tls_server, ca):
        """A caller's ssl_context is used for verification."""
        context = ssl.create_default_context()
        ca.configure_trust(context)
        with Urllib3Transport(timeout=QUICK, ssl_context=context) as transport:
            assert transport(get(tls_server.url("/echo", scheme="https"))).status == 200


@pytest.fixture
def fake():
    """The project's FakeHeyGen server."""
    with checked_fake(api_key="test-key") as server:
        yield server


class TestAgainstFakeHeyGen:
    """The transport against the project's FakeHeyGen server."""

    def test_keep_alive(self, fake, transport):
        """Sequential requests share one connection on the fake too."""
        request = Request("GET", f"{fake.base_url}/v2/avatars", headers={"X-Api-Key": "test-key"})
        assert transport(request).status == 200
        assert transport(request).status == 200
        assert fake.connections_for("api") == 1
        assert len({r.connection_id for r in fake.requests}) == 1

    def test_reset_fault(self, fake, transport):
        """The fake's reset fault is a ProtocolError; the next request succeeds."""
        request = Request("GET", f"{fake.base_url}/v2/avatars", headers={"X-Api-Key": "test-key"})
        fake.inject("GET", "/v2/avatars", Fault.reset())
        with pytest.raises(ProtocolError):
            transport(request)
        assert transport(request).status == 200
        assert fake.handler_errors == []


class FakePool:
    """A PoolManager stand-in that records urlopen calls and raises or returns as told."""

    def __init__(self, result):
        """Raise ``result`` if it is an exception, else return it."""
        self.result = result
        self.calls = []

    def urlopen(self, method, url, **kwargs):
        """Record the call, then raise or return."""
        self.calls.append((method, url, kwargs))
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


class TestTranslation:
    """Each urllib3 exception maps to the most specific error-tree class."""

    @pytest.mark.parametrize(
        ("raised", "expected"),
        [
            (u3.SSLError("bad cert"), TLSError),
            (u3.NewConnectionError(None, "refused"), ConnectError),
            (u3.ConnectTimeoutError("connect timed out"), ConnectTimeoutError),
            (u3.ReadTimeoutError(None, "/x", "read timed out"), ReadTimeoutError),
            (
                u3.MaxRetryError(None, "/x", u3.ReadTimeoutError(None, "/x", "slow")),
                ReadTimeoutError,
            ),
            (u3.ProxyError("proxy", OSError("down")), ConnectError),
            (
                u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")),
                ProtocolError,
            ),
            (u3.DecodeError("bad gzip"), ProtocolError),
            (u3.ResponseError("too many"), ProtocolError),
            (ConnectionResetError(104, "reset"), ProtocolError),
            (builtins.TimeoutError("timed out"), ReadTimeoutError),
            (u3.LocationParseError("::bad"), TransportError),
        ],
        ids=lambda v: type(v).__name__,
    )
    def test_mapping(self, raised, expected):
        """The translated error has the expected class and the original as __cause__."""
        transport = Urllib3Transport(pool_manager=FakePool(raised))
        with pytest.raises(HeyGenError) as info:
            transport(get("https://api.heygen.com/v1/x?api_key=sk-never-shown-123"))
        err = info.value
        assert type(err) is expected
        assert err.__cause__ is raised
        assert "sk-never-shown-123" not in str(err)
        assert "/v1/x" in str(err)

    def test_connection_reset_reason(self):
        """The message carries the innermost reason, not urllib3's connection repr."""
        raised = u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "peer reset"))
        transport = Urllib3Transport(pool_manager=FakePool(raised))
        with pytest.raises(ProtocolError, match="peer reset"):
            transport(get("https://h.test/"))

    def test_urlopen_arguments(self):
        """urllib3 gets retries and redirects off, the raw headers, body and timeouts."""
        pool = FakePool(u3.ProtocolError("x"))
        transport = Urllib3Transport(pool_manager=pool, timeout=Timeout(connect=3, read=4))
        request = Request("POST", "https://h.test/p", headers={"X-A": "1"}, body=b"data")
        with pytest.raises(ProtocolError):
            transport(request)
        method, url, kwargs = pool.calls[0]
        assert (method, url) == ("POST", "https://h.test/p")
        assert kwargs["retries"] is False
        assert kwargs["redirect"] is False
        assert kwargs["headers"] == {"X-A": "1"}
        assert kwargs["body"] == b"data"
        assert kwargs["preload_content"] is False  # the transport reads, within max_body_size
        assert (kwargs["timeout"].connect_timeout, kwargs["timeout"].read_timeout) == (3, 4)

    def test_request_timeout_passed(self):
        """A request's timeout is what urllib3 receives; zero becomes a tiny positive value."""
        pool = FakePool(u3.ProtocolError("x"))
        transport = Urllib3Transport(pool_manager=pool, timeout=Timeout(connect=3, read=4))
        for timeout in [(1.5, None), 0]:
            with pytest.raises(ProtocolError):
                transport(get("https://h.test/", timeout=timeout))
        first, second = (call[2]["timeout"] for call in pool.calls)
        assert (first.connect_timeout, first.read_timeout) == (1.5, None)
        assert 0 < second.connect_timeout < 0.01
        assert 0 < second.read_timeout < 0.01

    def test_stream_flag_passed(self):
        """stream=True asks urllib3 not to preload the body."""
        pool = FakePool(u3.ProtocolError("x"))
        with pytest.raises(ProtocolError):
            Urllib3Transport(pool_manager=pool)(get("https://h.test/", stream=True))
        assert pool.calls[0][2]["preload_content"] is False

    def test_foreign_pool_not_cleared(self):
        """close() leaves a caller's PoolManager alone."""
        pool = urllib3.PoolManager()
        pool.connection_from_url("http://127.0.0.1:1/")
        Urllib3Transport(pool_manager=pool).close()
        assert len(pool.pools) == 1
        pool.clear()


class TestConstructor:
    """Bad settings fail at once."""

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"num_pools": 0}, ValueError, "num_pools must be an int >= 1"),
            ({"num_pools": True}, ValueError, "num_pools"),
            ({"maxsize": -1}, ValueError, "maxsize must be an int >= 1"),
            ({"maxsize": 2.5}, ValueError, "maxsize"),
            ({"ca_certs": "/nonexistent/ca.pem"}, ValueError, "is not a file"),
            ({"timeout": 5.0}, TypeError, "timeout must be a Timeout"),
            ({"timeout": (1, 2)}, TypeError, "timeout must be a Timeout"),
        ],
    )
    def test_invalid(self, kwargs, error, match):
        """Each invalid argument raises the right error with a clear message."""
        with pytest.raises(error, match=match):
            Urllib3Transport(**kwargs)

    def test_repr(self):
        """Repr shows the settings."""
        assert repr(Urllib3Transport(timeout=QUICK)) == f"Urllib3Transport(timeout={QUICK!r})"
