"""The HTTP facts decided in one place (heygen_pipeline._http), and the layers that use them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import HeyGenClient, Request, ServerError
from heygen_pipeline._http import SERVER_ERRORS, is_loopback, is_replayable, is_server_error
from heygen_pipeline.errors import InsecureTransportError, error_class_for_status
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
