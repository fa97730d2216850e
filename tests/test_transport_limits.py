import gzip
import itertools
import pickle
import threading
import time

import pytest
from _hostile_server import Answer, HostileServer, http_answer

from heygen_pipeline import (
    HeyGenClient,
    HeyGenError,
    ReadTimeoutError,
    Request,
    ResponseTooLargeError,
    Timeout,
    TransportError,
    Urllib3Transport,
    default_stack,
)
from heygen_pipeline._transport import DEFAULT_MAX_BODY_SIZE
from heygen_pipeline.middleware import BackoffMiddleware

pytestmark = pytest.mark.timeout(60)

QUICK = Timeout(connect=2.0, read=2.0)
KIB = 1024
MIB = 1024 * KIB
KEY = "limits-test-key-0123456789"


def get(url, **options):
    """A GET request with these options."""
    return Request("GET", url).with_options(**options)


class Counter:
    """Counts the bytes handed to the server's socket (one writer thread)."""

    def __init__(self):
        """Nothing sent yet."""
        self.sent = 0

    def chunks(self, size, count):
        """``count`` chunks of ``size`` bytes, counted as they go out."""
        for _ in range(count):
            self.sent += size
            yield b"x" * size


def chunked(counter, size, count):
    """An endless-looking chunked body: ``count`` chunks of ``size`` bytes."""
    for _ in range(count):
        counter.sent += size
        yield f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"
    yield b"0\r\n\r\n"


class TestSetting:
    """max_body_size is checked when the transport is built."""

    def test_default_is_64_mib(self):
        """The default limit is 64 MiB."""
        assert DEFAULT_MAX_BODY_SIZE == 64 * MIB
        assert Urllib3Transport().max_body_size == 64 * MIB

    @pytest.mark.parametrize("value", [None, 0, 1, 10**12])
    def test_accepted_values(self, value):
        """None (no limit) and any int >= 0 are accepted."""
        assert Urllib3Transport(max_body_size=value).max_body_size == value

    @pytest.mark.parametrize("value", [True, 1.5, "1024", b"1"])
    def test_wrong_types(self, value):
        """Anything but an int or None is a TypeError naming the setting."""
        with pytest.raises(TypeError, match="max_body_size must be an int or None"):
            Urllib3Transport(max_body_size=value)

    def test_negative(self):
        """A negative limit is a ValueError."""
        with pytest.raises(ValueError, match="max_body_size must be >= 0"):
            Urllib3Transport(max_body_size=-1)


class TestLimit:
    """Bodies over the limit raise ResponseTooLargeError without being read past it."""

    def test_body_at_the_limit_is_read(self):
        """A body of exactly max_body_size bytes is returned whole."""
        body = b"a" * (64 * KIB)
        with (
            HostileServer(lambda _r: http_answer(200, body)) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=len(body)) as transport,
        ):
            assert transport(get(server.url + "/x")).content == body

    def test_declared_length_over_the_limit_fails_before_reading(self):
        """A Content-Length over the limit fails at once; the stalled body is never read."""
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\nabc"
        with (
            HostileServer(lambda _r: Answer(head, stall=True)) as server,
            Urllib3Transport(timeout=Timeout(connect=2, read=30), max_body_size=MIB) as transport,
        ):
            started = time.monotonic()
            with pytest.raises(ResponseTooLargeError) as info:
                transport(get(server.url + "/big"))
            assert time.monotonic() - started < 5  # a read would have waited 30 s
        error = info.value
        assert (error.limit, error.size, error.status) == (MIB, 1073741824, 200)
        assert "larger than the 1048576 byte limit (Content-Length: 1073741824)" in str(error)

    @pytest.mark.parametrize("framing", ["chunked", "close-delimited"])
    def test_undeclared_body_stops_at_the_limit(self, framing):
        """A body of unknown length is read up to the limit, then refused; little more is sent."""
        counter = Counter()
        if framing == "chunked":
            head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            answer = Answer(head, chunks=lambda: chunked(counter, 64 * KIB, 16 * KIB))
        else:
            head = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
            answer = Answer(head, chunks=lambda: counter.chunks(64 * KIB, 16 * KIB))
        with (
            HostileServer(lambda _r: answer) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=MIB) as transport,
        ):
            with pytest.raises(ResponseTooLargeError) as info:
                transport(get(server.url + "/endless"))
            assert info.value.size is None
        # 1 GiB was on offer; only the limit plus what socket buffers held went out.
        assert counter.sent < 32 * MIB

    def test_gzip_bomb_is_limited_by_decoded_size(self):
        """A small gzip body that inflates past the limit is refused (the decoded size counts)."""
        bomb = gzip.compress(b"\0" * (8 * MIB))
        assert len(bomb) < 64 * KIB
        answer = http_answer(200, bomb, [("Content-Encoding", "gzip")])
        with (
            HostileServer(lambda _r: answer) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=MIB) as transport,
            pytest.raises(ResponseTooLargeError),
        ):
            transport(get(server.url + "/bomb"))

    def test_gzip_within_the_limit_is_decoded(self):
        """A gzip body whose decoded size fits is returned decoded."""
        body = b'{"data": "' + b"z" * 1000 + b'"}'
        answer = http_answer(200, gzip.compress(body), [("Content-Encoding", "gzip")])
        with (
            HostileServer(lambda _r: answer) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=len(body)) as transport,
        ):
            assert transport(get(server.url + "/ok")).content == body

    def test_zero_limit(self):
        """max_body_size=0 allows empty bodies only."""
        with (
            HostileServer(lambda r: http_answer(200, b"" if r.target == "/empty" else b"1")) as srv,
            Urllib3Transport(timeout=QUICK, max_body_size=0) as transport,
        ):
            assert transport(get(srv.url + "/empty")).content == b""
            with pytest.raises(ResponseTooLargeError):
                transport(get(srv.url + "/one"))

    def test_no_limit(self):
        """max_body_size=None reads any size."""
        body = b"q" * (3 * MIB)
        with (
            HostileServer(lambda _r: http_answer(200, body)) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=None) as transport,
        ):
            assert transport(get(server.url + "/x")).content == body

    def test_streamed_bodies_are_not_limited(self):
        """stream=True bodies are the caller's to read, whatever their size."""
        body = b"s" * (2 * MIB)
        with (
            HostileServer(lambda _r: http_answer(200, body)) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=KIB) as transport,
            transport(get(server.url + "/x", stream=True)) as response,
        ):
            assert response.read() == body

    def test_pool_recovers_after_a_refused_body(self):
        """The half-read connection is dropped, not reused; the next request works on a new one."""
        with (
            HostileServer(
                lambda r: http_answer(200, b"big" * KIB if r.target == "/big" else b"ok")
            ) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=KIB) as transport,
        ):
            assert transport(get(server.url + "/small")).content == b"ok"
            with pytest.raises(ResponseTooLargeError):
                transport(get(server.url + "/big"))
            assert transport(get(server.url + "/small")).content == b"ok"
            assert [r.connection for r in server.recorded()] == [1, 1, 2]


class TestThroughTheStack:
    """In the default stack the error is final: not retried, not held against the server."""

    def test_not_retried_and_not_counted_by_the_breaker(self):
        """Ten refused bodies make ten requests (no retries) and leave the breaker closed."""
        with HostileServer(
            lambda r: http_answer(200, b"x" * 4096 if r.target == "/v3/big" else b'{"data": 1}')
        ) as server:
            stack = default_stack(fail_max=2).replace(
                "backoff", BackoffMiddleware(sleep=lambda _s: None)
            )
            transport = Urllib3Transport(timeout=QUICK, max_body_size=KIB)
            with HeyGenClient(KEY, base_url=server.url, stack=stack, transport=transport) as client:
                for _ in range(10):
                    with pytest.raises(ResponseTooLargeError) as info:
                        client.get("/v3/big")
                    assert not isinstance(info.value, TransportError)
                assert client.get("/v3/small") == 1  # not CircuitOpenError
            transport.close()
        assert [r.target for r in server.recorded()] == ["/v3/big"] * 10 + ["/v3/small"]

    def test_error_is_scrubbed_and_picklable(self):
        """The message hides the key and sensitive query values; pickling keeps the fields."""
        with HostileServer(lambda _r: http_answer(200, b"y" * 2048)) as server:
            transport = Urllib3Transport(timeout=QUICK, max_body_size=KIB)
            with (
                HeyGenClient(KEY, base_url=server.url, transport=transport) as client,
                pytest.raises(ResponseTooLargeError) as info,
            ):
                client.get(f"/v3/x?token={KEY}&api_key={KEY}")
            transport.close()
        error = info.value
        assert KEY not in str(error)
        assert KEY not in repr(error)
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own data
        assert (type(copy), copy.limit, copy.size, copy.status) == (
            ResponseTooLargeError,
            KIB,
            2048,
            200,
        )
        assert copy.request is None


class TestDeadline:
    """With a deadline, a trickled body cannot hold the call past it."""

    def test_trickled_body_ends_at_the_deadline(self):
        """A body arriving a byte every 20 ms (40 s in all) ends near a 1 s deadline."""
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n"
        answer = Answer(head, chunks=lambda: itertools.repeat(b" ", 2000), pause=0.02)
        with (
            HostileServer(lambda _r: answer) as server,
            Urllib3Transport(timeout=Timeout(connect=1, read=0.5)) as transport,
        ):
            started = time.monotonic()
            with pytest.raises(ReadTimeoutError, match="still arriving at the deadline"):
                transport(get(server.url + "/slow", deadline=started + 1.0))
            assert time.monotonic() - started < 2.0

    def test_deadline_read_returns_the_same_bytes(self):
        """Read piece by piece, plain and gzip bodies come back exactly as without a deadline."""
        body = bytes(range(256)) * 1024
        answers = {
            "/plain": http_answer(200, body),
            "/gzip": http_answer(200, gzip.compress(body), [("Content-Encoding", "gzip")]),
            "/chunked": Answer(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                chunks=lambda: iter([b"10000\r\n" + body[:65536] + b"\r\n", b"0\r\n\r\n"]),
                close=False,
            ),
        }
        with (
            HostileServer(lambda r: answers[r.target]) as server,
            Urllib3Transport(timeout=QUICK) as transport,
        ):
            deadline = time.monotonic() + 30
            assert transport(get(server.url + "/plain", deadline=deadline)).content == body
            assert transport(get(server.url + "/gzip", deadline=deadline)).content == body
            chunk = transport(get(server.url + "/chunked", deadline=deadline)).content
            assert chunk == body[:65536]

    def test_deadline_read_keeps_the_limit(self):
        """The piecewise read refuses a body over the limit too."""
        head = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
        counter = Counter()
        answer = Answer(head, chunks=lambda: counter.chunks(64 * KIB, 1024))
        with (
            HostileServer(lambda _r: answer) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=MIB) as transport,
            pytest.raises(ResponseTooLargeError),
        ):
            transport(get(server.url + "/x", deadline=time.monotonic() + 30))

    def test_no_thread_left_behind(self):
        """Refusing bodies leaves no extra threads once the server is closed."""
        before = threading.active_count()
        with (
            HostileServer(lambda _r: http_answer(200, b"1" * 4096)) as server,
            Urllib3Transport(timeout=QUICK, max_body_size=KIB) as transport,
        ):
            for _ in range(20):
                with pytest.raises(HeyGenError):
                    transport(get(server.url + "/x"))
        assert threading.active_count() <= before
