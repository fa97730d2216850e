"""What the transport says about an attempt: sent or not by the phase, 1xx skipped, bad timeouts.

TLS servers are real (trustme certificates on 127.0.0.1) and misbehave after reading the
request: ``sent`` must then be True, so the backoff middleware never repeats a POST that
has no Idempotency-Key. Interim answers (RFC 9110 §15.2) come from a raw server.
"""

import math
import ssl

import pytest
import trustme
import urllib3
from _hostile_server import Answer, HostileServer, http_answer

from heygen_pipeline import (
    HeyGenClient,
    ProtocolError,
    Request,
    RequestOptions,
    Stack,
    Timeout,
    TLSError,
    Urllib3Transport,
)
from heygen_pipeline import errors as e
from heygen_pipeline.middleware import BackoffMiddleware, BackoffPolicy

pytestmark = pytest.mark.timeout(60)

QUICK = Timeout(connect=5.0, read=5.0)
PLAIN_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
BAD_RECORD = b"\x17\x03\x03\x00\x20" + bytes(range(32))
"""An application-data record header and 32 bytes no TLS session can decrypt."""


@pytest.fixture(scope="module")
def ca():
    """A private CA with a certificate for 127.0.0.1."""
    return trustme.CA()


@pytest.fixture
def ca_file(ca, tmp_path):
    """The CA's certificate as a PEM file."""
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def tls_server(ca, script):
    """A HostileServer speaking TLS with a certificate for 127.0.0.1."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return HostileServer(script, tls=context)


def backoff_stack(transport):
    """The backoff middleware alone over ``transport`` (3 attempts, no sleeping)."""
    backoff = BackoffMiddleware(BackoffPolicy(max_attempts=3), sleep=lambda _s: None)
    return Stack([("backoff", backoff)]).build(transport)


class TestSentByPhase:
    """A TLS failure after the request went out says sent=True; before, sent=False."""

    @pytest.mark.parametrize(
        "answer", [PLAIN_ANSWER, BAD_RECORD], ids=["plaintext answer", "bad record"]
    )
    def test_failure_after_send_says_sent(self, ca, ca_file, answer):
        """The server read the request, then broke TLS: a ProtocolError with sent=True."""
        with (
            tls_server(ca, lambda _r: Answer(answer, plaintext=True)) as server,
            Urllib3Transport(timeout=QUICK, ca_certs=ca_file) as transport,
        ):
            with pytest.raises(ProtocolError) as info:
                transport(Request("POST", f"{server.url}/v1/video/generate", body=b"{}"))
            assert len(server.recorded()) == 1
        assert info.value.sent is True
        assert "after the request was sent" in str(info.value)

    @pytest.mark.parametrize(
        "answer", [PLAIN_ANSWER, BAD_RECORD], ids=["plaintext answer", "bad record"]
    )
    def test_post_without_key_is_sent_once(self, ca, ca_file, answer):
        """Through the backoff middleware, a POST without Idempotency-Key reaches it once."""
        with (
            tls_server(ca, lambda _r: Answer(answer, plaintext=True)) as server,
            Urllib3Transport(timeout=QUICK, ca_certs=ca_file) as transport,
        ):
            handler = backoff_stack(transport)
            with pytest.raises(e.TransportError):
                handler(Request("POST", f"{server.url}/v1/video/generate", body=b"{}"))
            assert len(server.recorded()) == 1

    def test_untrusted_certificate_says_not_sent(self, ca, tmp_path):
        """A handshake failure (unknown CA) is a TLSError with sent=False, so it is retried."""
        other = tmp_path / "other.pem"
        trustme.CA().cert_pem.write_to_path(str(other))
        with (
            tls_server(ca, lambda _r: http_answer(200, b"ok")) as server,
            Urllib3Transport(timeout=QUICK, ca_certs=other) as transport,
        ):
            with pytest.raises(TLSError) as info:
                backoff_stack(transport)(Request("POST", f"{server.url}/x", body=b"{}"))
            assert server.recorded() == []
            assert server.connections == 3  # retried: nothing had been sent
        assert info.value.sent is False

    def test_callers_pool_manager_errs_on_the_safe_side(self, ca, ca_file, tmp_path):
        """With a caller's PoolManager (no phases known), a bad record still says sent=True."""
        manager = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=str(ca_file))
        with (
            tls_server(ca, lambda _r: Answer(BAD_RECORD, plaintext=True)) as server,
            Urllib3Transport(pool_manager=manager) as transport,
        ):
            with pytest.raises(TLSError) as info:
                backoff_stack(transport)(Request("POST", f"{server.url}/x", body=b"{}"))
            assert len(server.recorded()) == 1
        assert info.value.sent is True
        other = tmp_path / "other.pem"
        trustme.CA().cert_pem.write_to_path(str(other))
        refusing = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=str(other))
        with (
            tls_server(ca, lambda _r: http_answer(200)) as server,
            Urllib3Transport(pool_manager=refusing) as transport,
            pytest.raises(TLSError) as info,
        ):
            transport(Request("GET", f"{server.url}/x"))
        assert info.value.sent is False

    def test_good_tls_answers(self, ca, ca_file):
        """The TLS server answers a well-behaved call (so the tests above test something)."""
        with (
            tls_server(ca, lambda _r: http_answer(200, b"ok")) as server,
            Urllib3Transport(timeout=QUICK, ca_certs=ca_file) as transport,
        ):
            assert transport(Request("GET", f"{server.url}/x")).content == b"ok"

    def test_connection_refused_says_not_sent(self):
        """Nothing listening: a ConnectError with sent=False."""
        with HostileServer() as server:
            port = server.port
        with Urllib3Transport(timeout=QUICK) as transport, pytest.raises(e.ConnectError) as info:
            transport(Request("POST", f"http://127.0.0.1:{port}/x", body=b"{}"))
        assert info.value.sent is False

    def test_server_closing_after_the_request_says_sent(self):
        """The server read the POST and hung up: a ProtocolError with sent=True, not retried."""
        with (
            HostileServer(lambda _r: Answer(b"", close=True)) as server,
            Urllib3Transport(timeout=QUICK) as transport,
        ):
            with pytest.raises(ProtocolError) as info:
                backoff_stack(transport)(Request("POST", f"{server.url}/x", body=b"{}"))
            assert len(server.recorded()) == 1
        assert info.value.sent is True


class TestInterimAnswers:
    """1xx interim answers are skipped and the final answer is the response."""

    @pytest.mark.parametrize(
        "interim",
        [
            b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
        ],
        ids=["103", "unsolicited 100", "102 then 103"],
    )
    def test_interim_then_final(self, interim):
        """A 1xx then a 200: the 200's status, headers and body."""
        final = b"HTTP/1.1 200 OK\r\nX-Final: yes\r\nContent-Length: 2\r\n\r\nok"
        with (
            HostileServer(lambda _r: Answer(interim + final, close=False)) as server,
            Urllib3Transport(timeout=QUICK) as transport,
        ):
            response = transport(Request("GET", f"{server.url}/x"))
            again = transport(Request("GET", f"{server.url}/y"))  # the connection is clean
            assert server.connections == 1
        assert (response.status, response.headers.get("X-Final"), response.content) == (
            200,
            "yes",
            b"ok",
        )
        assert again.content == b"ok"

    def test_endless_interim_answers_are_refused(self):
        """A server answering only 1xx: a ProtocolError after a bounded number of them."""
        interim = b"HTTP/1.1 103 Early Hints\r\n\r\n" * 40
        with (
            HostileServer(lambda _r: Answer(interim, stall=True)) as server,
            Urllib3Transport(timeout=QUICK) as transport,
            pytest.raises(ProtocolError, match="interim"),
        ):
            transport(Request("GET", f"{server.url}/x"))


BAD_SECONDS = [
    (math.inf, ValueError),
    (1e10, ValueError),
    (math.nan, ValueError),
    (-1, ValueError),
    (True, TypeError),
]


class TestTimeoutValues:
    """Timeouts that no socket accepts are refused when given, never raised on each call."""

    @pytest.mark.parametrize(("value", "error"), BAD_SECONDS)
    def test_timeout(self, value, error):
        """Timeout(connect=..., read=...) refuses the value, naming a timeout."""
        with pytest.raises(error, match="timeout"):
            Timeout(connect=value, read=1.0)
        with pytest.raises(error, match="timeout"):
            Timeout(connect=1.0, read=value)

    @pytest.mark.parametrize(("value", "error"), BAD_SECONDS)
    def test_per_request(self, value, error):
        """RequestOptions(timeout=...) refuses the value."""
        with pytest.raises(error, match="timeout"):
            RequestOptions(timeout=value)

    @pytest.mark.parametrize(("value", "error"), BAD_SECONDS)
    def test_on_the_client(self, value, error):
        """HeyGenClient(timeout=...) refuses it when built; total_timeout= when called."""
        with pytest.raises(error, match="timeout"):
            HeyGenClient("timeout-test-key-123", timeout=value)
        with HeyGenClient("timeout-test-key-123") as client, pytest.raises(error, match="timeout"):
            client.get("/v3/videos", total_timeout=value)

    def test_on_the_transport(self):
        """Urllib3Transport(timeout=) takes only a Timeout, which is checked already."""
        with pytest.raises(TypeError, match="timeout"):
            Urllib3Transport(timeout=math.inf)

    def test_infinite_deadline(self):
        """An infinite deadline is refused (None means no deadline)."""
        with pytest.raises(ValueError, match="deadline"):
            RequestOptions(deadline=math.inf)

    def test_a_year_is_accepted(self):
        """The longest timeout accepted still works on a real call."""
        year = 366 * 86400.0
        with (
            HostileServer(lambda _r: http_answer(200, b"ok")) as server,
            Urllib3Transport(timeout=Timeout(connect=year, read=year)) as transport,
        ):
            assert transport(Request("GET", f"{server.url}/x")).content == b"ok"
