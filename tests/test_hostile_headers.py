"""Every response header the library parses gives a typed error (or is ignored) when wrong.

A raw-socket server on 127.0.0.1 sends the odd values byte for byte: ``Content-Length`` in
other scripts' digits, with thousands of digits, signed, with ``_``, listed, repeated; an
``X-Request-Id`` of 60 KiB or with control characters. Each call, ordinary or a download, ends
in data or a `ProtocolError`, never a raw ``ValueError``, and never in a silently cut file.
"""

import socket

import pytest
import urllib3
from _hostile_server import Answer, HostileServer, http_answer

from heygen_pipeline import HeyGenClient, NotFoundError, ProtocolError, default_stack
from heygen_pipeline._headers import parse_content_length
from heygen_pipeline.resources import download
from heygen_pipeline.testing import MockTransport, make_response

KEY = "hostile-headers-key-5e1f0c7a"
BODY = b'{"data": {"ok": true}}'

ODD_LENGTHS = [
    pytest.param(b"\xb2", id="superscript-two"),  # latin-1 '²': isdigit() is True, int() fails
    pytest.param(b"\xb9\xb2", id="superscripts"),
    pytest.param("١٢".encode(), id="arabic-indic-digits"),
    pytest.param(b"\xd9\xa1\xd9\xa2", id="arabic-indic-bytes"),
    pytest.param(b"1" * 5000, id="5000-digits"),
    pytest.param(b"9" * 19, id="19-digits"),
    pytest.param(b"-5", id="negative"),
    pytest.param(b"+22", id="plus-sign"),
    pytest.param(b"2_2", id="underscore"),  # int() reads 22: the body would be framed by it
    pytest.param(b"1_2", id="underscore-short"),  # int() reads 12: a download was cut silently
    pytest.param(b"0x16", id="hex"),
    pytest.param(b"", id="empty"),
    pytest.param(b"22, 22", id="list-of-equal-values"),
    pytest.param(b"5, 7", id="list-of-different-values"),
    pytest.param(b"22\r\nContent-Length: 23", id="two-different-headers"),
    pytest.param(b"22\r\nContent-Length: 22", id="two-equal-headers"),
    pytest.param(b"\xef\xbc\x92\xef\xbc\x92", id="fullwidth-digits"),
]


def answer_with_length(value):
    """A script answering 200 with ``Content-Length: <value>`` and a 22-byte body, then closing."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + value
    data = head + b"\r\nConnection: close\r\n\r\n" + BODY
    return lambda _request: Answer(data, close=True)


@pytest.fixture
def client_of():
    """A factory: a client of a hostile server scripted with ``script``; all closed after."""
    opened = []

    def make(script):
        server = HostileServer(script)
        stack = default_stack().remove("backoff")  # one attempt each: no sleeping between
        client = HeyGenClient(KEY, base_url=server.url, timeout=5.0, stack=stack)
        opened.append((server, client))
        return server, client

    yield make
    for server, client in opened:
        client.close()
        server.close()


class TestContentLength:
    """A ``Content-Length`` that is not one plain number is a ProtocolError everywhere."""

    @pytest.mark.parametrize("value", ODD_LENGTHS)
    def test_api_call(self, client_of, value):
        """An ordinary call: ProtocolError naming the header, not data framed by a guess."""
        _server, client = client_of(answer_with_length(value))
        with pytest.raises(ProtocolError, match="Content-Length"):
            client.get("/v3/user/me")

    @pytest.mark.parametrize("value", ODD_LENGTHS)
    def test_download(self, client_of, value, tmp_path):
        """A download: ProtocolError, and no file (not even a cut one) is left."""
        server, client = client_of(answer_with_length(value))
        with pytest.raises(ProtocolError, match="Content-Length"):
            download(client, f"{server.url}/cdn/v.mp4", tmp_path / "v.mp4")
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize("value", [b"22", b" 22 ", b"\t22", b"0022"])
    def test_plain_numbers_still_frame_the_body(self, client_of, value):
        """Digits with optional spaces around them are a length, as before."""
        _server, client = client_of(answer_with_length(value))
        assert client.get("/v3/user/me") == {"ok": True}


class TestParseContentLength:
    """The one parser every Content-Length goes through."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("0", 0), ("22", 22), (" 22\t", 22), ("9" * 18, int("9" * 18))],
    )
    def test_numbers(self, value, expected):
        """ASCII digits, with spaces or tabs around them."""
        assert parse_content_length(value) == expected

    @pytest.mark.parametrize(
        "value",
        [
            *("", " ", "\u00b2", "\u0661\u0662", "\uff12\uff12", "1" * 5000, "9" * 19),
            *("-5", "+2", "1_2", "0x1", "5, 5", "1 2"),
        ],
    )
    def test_anything_else_is_none(self, value):
        """Signs, ``_``, other digits, lists and huge numbers are not lengths (no ValueError)."""
        assert parse_content_length(value) is None


class TestDownloadOverAnotherTransport:
    """The download's own reading of the header, for transports that do not check it."""

    @pytest.mark.parametrize("value", ["\u00b2", "1" * 5000, "-5", "1_2", "5, 7"])
    def test_a_mock_transport_answer(self, tmp_path, value):
        """A MockTransport answer with an odd length: ProtocolError, not ValueError."""

        def handler(request):
            return make_response(request, content=b"x" * 12, headers={"Content-Length": value})

        with (
            HeyGenClient(KEY, transport=MockTransport(handler)) as client,
            pytest.raises(ProtocolError, match="malformed Content-Length"),
        ):
            download(client, "https://cdn.example.test/v.mp4", tmp_path / "v.mp4")
        assert list(tmp_path.iterdir()) == []


def answer_with_request_id(value):
    """A script answering 404 with ``X-Request-Id: <value>`` (bytes, verbatim)."""
    body = b'{"error": {"code": "not_found", "message": "no such video"}}'
    return lambda _request: http_answer(
        404, body, [(b"Content-Type", b"application/json"), (b"X-Request-Id", value)]
    )


class TestRequestId:
    """``X-Request-Id`` reaches errors and logs only when it looks like an id."""

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param(b"r" * 60_000, id="60-KiB"),
            pytest.param(b"rid\x1b[2J\x1b[31mowned", id="terminal-escapes"),
            pytest.param(b"rid with spaces", id="spaces"),
            pytest.param(b"rid-1, rid-2", id="a-list"),
            pytest.param(b"\xff\xfe", id="not-ascii"),
        ],
    )
    def test_a_value_that_is_no_id_is_left_out(self, client_of, value, captured_logs):
        """The error's request_id is None and its message stays short; logs show no id."""
        _server, client = client_of(answer_with_request_id(value))
        with pytest.raises(NotFoundError) as info:
            client.get("/v3/videos/v1")
        assert info.value.request_id is None
        assert len(str(info.value)) < 500
        assert captured_logs
        assert all(event.get("request_id") is None for event in captured_logs)
        for event in captured_logs:  # the header itself is logged (allowlisted), cut short
            assert len(event["response_headers"]["X-Request-Id"]) <= 256 + len("...")

    def test_an_ordinary_id_is_kept(self, client_of):
        """A plain id still reaches the error, for support tickets."""
        _server, client = client_of(answer_with_request_id(b" 7c0f5e2a-91b4-4d2e "))
        with pytest.raises(NotFoundError) as info:
            client.get("/v3/videos/v1")
        assert info.value.request_id == "7c0f5e2a-91b4-4d2e"
        assert "(request id: 7c0f5e2a-91b4-4d2e)" in str(info.value)


class TestFakeHeyGenReadsRequestsStrictly:
    """The test kit's FakeHeyGen answers odd numbers in requests with 400, not a 500 crash."""

    @pytest.mark.parametrize("length", [b"\xb2", b"1" * 5000, b"+2", b"2_0"])
    def test_an_odd_content_length(self, fake_heygen, length):
        """A request body framed by a length that is not one plain number: 400."""
        host, port = fake_heygen.base_url.removeprefix("http://").split(":")
        head = b"POST /v3/videos HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n"
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(head)
            status_line = sock.makefile("rb").readline()
        assert status_line.split()[1] == b"400"
        assert fake_heygen.handler_errors == []

    @pytest.mark.parametrize("limit", ["\u00b2", "1" * 5000, "\u0661"])
    def test_an_odd_page_size_or_token(self, fake_heygen, limit):
        """``limit=²`` and friends: a 4xx naming the parameter, never a 500."""
        http = urllib3.PoolManager(retries=False, timeout=5.0)
        headers = {"X-Api-Key": fake_heygen.api_key}
        answer = http.request(
            "GET", f"{fake_heygen.base_url}/v3/videos", fields={"limit": limit}, headers=headers
        )
        assert 400 <= answer.status < 500
        assert fake_heygen.handler_errors == []
