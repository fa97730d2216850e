"""The HTTP facts decided in one place (heygen_pipeline._http), and the layers that use them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import HeyGenClient, Request, ServerError
from heygen_pipeline._http import (
    MAX_ERROR_JSON,
    SERVER_ERRORS,
    error_code,
    is_loopback,
    is_replayable,
    is_server_error,
)
from heygen_pipeline.errors import (
    APIError,
    AuthenticationError,
    InsecureTransportError,
    NotFoundError,
    RateLimitError,
    error_class,
    error_class_for_status,
)
from heygen_pipeline.middleware import ApiKeyAuth
from heygen_pipeline.middleware._breaker_policy import Verdict, breaker_verdict
from heygen_pipeline.testing import make_response

KEY = "http-facts-key-5b0c2e9a71"
REQUEST = Request("GET", "https://api.heygen.com/v3/videos")


class TestLoopback:
    """One loopback rule for auth's plain-http check and redirects' downgrade check."""

    @pytest.mark.parametrize(
        ("host", "loopback"),
        [
            ("localhost", True),
            ("localhost.", True),
            ("127.0.0.1", True),
            ("127.8.9.10", True),
            ("::1", True),
            ("app.localhost", False),  # the resolver decides where it goes
            ("localhost.example.com", False),
            ("127.0.0.1.nip.io", False),
            ("10.0.0.1", False),
            ("", False),
        ],
    )
    def test_hosts(self, host, loopback):
        """Only localhost and loopback addresses count."""
        assert is_loopback(host) is loopback

    @pytest.mark.parametrize("host", ["localhost", "app.localhost", "127.0.0.1", "::1"])
    def test_auth_follows_the_rule(self, host):
        """Plain http with the key is allowed exactly to the hosts the rule calls loopback."""
        url = f"http://[{host}]:8080" if ":" in host else f"http://{host}:8080"
        if is_loopback(host):
            ApiKeyAuth(KEY, base_url=url)
        else:
            with pytest.raises(InsecureTransportError):
                ApiKeyAuth(KEY, base_url=url)


class TestServerErrors:
    """The 5xx class is the same for the error tree and for the breaker."""

    @given(st.integers(min_value=100, max_value=999))
    def test_error_class_and_breaker_agree(self, status):
        """A status is a ServerError exactly when the breaker counts it as a failure."""
        server = is_server_error(status)
        assert server is (status in SERVER_ERRORS) is (500 <= status <= 599)
        assert (error_class_for_status(status) is ServerError) is server
        verdict = breaker_verdict(make_response(REQUEST, status))
        assert (verdict is Verdict.FAILURE) is server


class TestReplayable:
    """Bodies that can be sent again: nothing, bytes, in-memory chunks."""

    @pytest.mark.parametrize(
        ("body", "replayable"),
        [(None, True), (b"x", True), ([b"a"], True), ((b"a",), True), (iter([b"a"]), False)],
    )
    def test_bodies(self, body, replayable):
        """Iterators are read once; the rest can be resent."""
        assert is_replayable(body) is replayable

    def test_a_request_built_by_the_client_is_judged_the_same(self):
        """The rule sees the same body a request carries."""
        with HeyGenClient(KEY) as client:
            request = client.build_request("POST", "/v3/videos", content=b"{}")
        assert isinstance(request, Request)
        assert is_replayable(request.body)


class TestErrorCode:
    """One reading of the error code in a JSON error body, whatever the envelope shape."""

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            (b'{"error": {"code": "request_in_progress"}}', "request_in_progress"),
            (b'{"data": null, "error": "bare text"}', "bare text"),
            (b'{"code": 400112, "message": "x"}', 400112),
            (b'{"error": {"code": true}, "code": 7}', 7),
            (b'{"error": {"code": ["x"]}}', None),
            (b"[1, 2]", None),
            (b"<html>", None),
            (b"", None),
        ],
    )
    def test_shapes(self, body, code):
        """v1, v2 and v3 codes are read; bools, lists and non-objects give None."""
        assert error_code(make_response(REQUEST, 409, content=body)) == code

    def test_huge_body_is_not_parsed(self):
        """A body over MAX_ERROR_JSON is no small error envelope: None."""
        body = b'{"code": "x", "pad": "' + b"a" * MAX_ERROR_JSON + b'"}'
        assert error_code(make_response(REQUEST, 409, content=body)) is None

    @given(st.binary(max_size=200))
    def test_never_raises(self, body):
        """Any bytes give a code or None."""
        code = error_code(make_response(REQUEST, 409, content=body))
        assert code is None or isinstance(code, (str, int))


class TestErrorClass:
    """One status-and-code-to-class decision for the envelope and downloads."""

    @given(st.integers(min_value=400, max_value=599), st.sampled_from(["not_found", 40009, None]))
    def test_error_status_decides(self, status, code):
        """On a 4xx/5xx the status decides, whatever code HeyGen sent."""
        assert error_class(status, code) is error_class_for_status(status)

    @pytest.mark.parametrize(
        ("code", "cls"),
        [
            ("not_found", NotFoundError),
            (40009, AuthenticationError),
            ("rate_limit_exceeded", RateLimitError),
            ("no_such_code", APIError),
            (None, APIError),
        ],
    )
    def test_code_decides_on_success_status(self, code, cls):
        """An error body on a 200 is classed by its code, else plain APIError."""
        assert error_class(200, code) is cls
