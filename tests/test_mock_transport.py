import threading

import pytest

from heygen_pipeline import ConnectError, Request, RequestOptions, Response, Stack
from heygen_pipeline.testing import BytesStream, MockTransport, make_response

URL = "https://api.heygen.com/v1/x"


class TestMockTransport:
    """MockTransport answers with a handler and records requests."""

    def test_records_requests(self):
        """Every request is recorded in order; requests returns a copy."""
        transport = MockTransport(lambda r: make_response(r, 200))
        first, second = Request("GET", URL), Request("POST", URL, body=b"x")
        transport(first)
        transport(second)
        assert transport.requests == [first, second]
        transport.requests.clear()
        assert len(transport.requests) == 2

    def test_records_even_when_handler_raises(self):
        """A request is recorded before the handler runs, so raising handlers still count."""

        def refuse(request):
            raise ConnectError("refused", request=request)

        transport = MockTransport(refuse)
        with pytest.raises(ConnectError):
            transport(Request("GET", URL))
        assert len(transport.requests) == 1

    @pytest.mark.parametrize("bad", [None, "ok", 200, {"status": 200}])
    def test_handler_must_return_response(self, bad):
        """A handler that returns a non-Response is a TypeError naming the type."""
        transport = MockTransport(lambda _r: bad)
        with pytest.raises(TypeError, match=f"returned {type(bad).__name__}, not a Response"):
            transport(Request("GET", URL))

    @pytest.mark.parametrize("handler", [None, 3, "handler"])
    def test_handler_must_be_callable(self, handler):
        """A non-callable handler is a TypeError."""
        with pytest.raises(TypeError, match="handler must be callable"):
            MockTransport(handler)

    def test_close_is_noop(self):
        """close() exists and does nothing."""
        MockTransport(make_response).close()

    def test_as_pipeline_transport(self):
        """A MockTransport works as the transport of a built stack."""
        transport = MockTransport(lambda r: make_response(r, 201, json={"ok": True}))
        pipeline = Stack().build(transport)
        assert pipeline(Request("POST", URL)).json() == {"ok": True}

    def test_thread_safe_recording(self):
        """Concurrent calls are all recorded."""
        transport = MockTransport(make_response)
        threads = [
            threading.Thread(
                target=lambda: [transport(Request("GET", URL)) for _ in range(25)],
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert len(transport.requests) == 200


class TestMakeResponse:
    """make_response builds responses for handlers."""

    def test_defaults(self):
        """The default is an empty 200 for the given request."""
        request = Request("GET", URL)
        r = make_response(request)
        assert isinstance(r, Response)
        assert (r.status, r.content, r.request, r.stream) == (200, b"", request, None)
        assert r.headers == {}

    def test_json(self):
        """json= is encoded with a JSON Content-Type."""
        r = make_response(Request("GET", URL), 200, json={"data": [1]})
        assert r.json() == {"data": [1]}
        assert r.headers["content-type"] == "application/json"

    def test_json_keeps_content_type(self):
        """A Content-Type given in headers wins."""
        r = make_response(Request("GET", URL), json=[], headers={"Content-Type": "text/plain"})
        assert r.headers["content-type"] == "text/plain"

    def test_content_and_headers(self):
        """content= and headers= are used as given."""
        r = make_response(Request("GET", URL), 503, content=b"<html>", headers={"Retry-After": "1"})
        assert (r.status, r.content, r.headers["retry-after"]) == (503, b"<html>", "1")

    def test_stream(self):
        """For a streaming request the body comes as a BytesStream."""
        request = Request("GET", URL, options=RequestOptions(stream=True))
        r = make_response(request, json={"a": 1})
        assert isinstance(r.stream, BytesStream)
        assert r.content == b""
        assert r.json() == {"a": 1}
        assert r.stream.closed

    def test_stream_chunks_and_close(self):
        """A streamed mock body yields chunks; closing it early stops it."""
        request = Request("GET", URL, options=RequestOptions(stream=True))
        r = make_response(request, content=b"abcdef")
        chunks = r.iter_bytes(2)
        assert next(chunks) == b"ab"
        r.close()
        assert list(chunks) == []
        assert r.stream.closed


class TestBytesStream:
    """BytesStream is a ResponseStream over memory."""

    def test_read(self):
        """Read returns everything and closes."""
        s = BytesStream(b"xyz")
        assert not s.closed
        assert s.read() == b"xyz"
        assert s.closed
        assert s.read() == b""

    def test_empty(self):
        """An empty stream yields nothing and ends closed."""
        s = BytesStream(b"")
        assert list(s.iter_bytes()) == []
        assert s.closed
