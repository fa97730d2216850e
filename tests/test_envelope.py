import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import (
    APIError,
    AuthenticationError,
    BadRequestError,
    HeyGenClient,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    Request,
    RequestOptions,
    ServerError,
    Stack,
    errors,
)
from heygen_pipeline._redact import register_secret
from heygen_pipeline.middleware import EnvelopeMiddleware, unwrap
from heygen_pipeline.testing import Fault, MockTransport, make_response
from heygen_pipeline.testing.strategies import (
    error_envelopes,
    non_envelope_bodies,
    success_envelopes,
)

URL = "https://api.heygen.com/v3/videos"


def respond(status, body, headers=None, *, method="GET", stream=False):
    """A response to a request for URL with this status, body and headers."""
    request = Request(method, URL, options=RequestOptions(stream=stream))
    return make_response(request, status, content=body, headers=headers)


class TestShapes:
    """Each of HeyGen's three envelope shapes unwraps to its data."""

    def test_v1_success_needs_code_100(self):
        """A v1 body with code 100 gives its data; the paging token is lifted out."""
        body = {"code": 100, "data": {"videos": [1], "token": "t2"}, "message": "Success"}
        result = unwrap(respond(200, json.dumps(body).encode()))
        assert result.data == {"videos": [1], "token": "t2"}
        assert (result.envelope, result.next_token, result.has_more) == ("v1", "t2", True)

    def test_v1_other_code_is_an_error_even_on_200(self):
        """A v1 code other than 100 raises, classed by the legacy code on HTTP 200."""
        body = json.dumps({"code": 40104, "message": "Video not found"}).encode()
        with pytest.raises(NotFoundError) as info:
            unwrap(respond(200, body, {"X-Request-Id": "r-1"}))
        assert (info.value.status, info.value.code, info.value.message) == (
            200,
            40104,
            "Video not found",
        )
        assert info.value.request_id == "r-1"

    def test_v2_success_and_error(self):
        """v2 gives data on error=null, and raises with code and message otherwise."""
        ok = unwrap(respond(200, b'{"error": null, "data": {"video_id": "v"}}'))
        assert (ok.data, ok.envelope) == ({"video_id": "v"}, "v2")
        error = {"code": "invalid_parameter", "message": "video_inputs is invalid"}
        body = json.dumps({"data": None, "error": error}).encode()
        with pytest.raises(BadRequestError, match="video_inputs is invalid") as info:
            unwrap(respond(400, body))
        assert info.value.code == "invalid_parameter"

    def test_v2_error_as_bare_string(self):
        """The seed document's bare-string error is accepted."""
        with pytest.raises(AuthenticationError, match="bad key"):
            unwrap(respond(401, b'{"error": "bad key", "data": null}'))

    def test_v3_error_keeps_param_and_doc_url(self):
        """v3 errors carry param and doc_url through to the exception."""
        body = {
            "error": {
                "code": "invalid_parameter",
                "message": "m",
                "param": "script",
                "doc_url": "https://d",
            }
        }
        with pytest.raises(BadRequestError) as info:
            unwrap(respond(400, json.dumps(body).encode()))
        assert (info.value.param, info.value.doc_url) == ("script", "https://d")

    def test_v3_paging(self):
        """v3 lists lift has_more and next_token onto the response."""
        body = {"data": [{"id": 1}], "has_more": True, "next_token": "n"}
        result = unwrap(respond(200, json.dumps(body).encode()))
        assert (result.data, result.has_more, result.next_token, result.envelope) == (
            [{"id": 1}],
            True,
            "n",
            "v3",
        )

    def test_status_decides_over_unhelpful_code(self):
        """HeyGen sends internal_error on a 401; the 401 decides the class."""
        body = b'{"data": null, "error": {"code": "internal_error", "message": "Unauthorized"}}'
        with pytest.raises(AuthenticationError):
            unwrap(respond(401, body))

    def test_code_decides_on_200(self):
        """A v3 error on HTTP 200 is classed by its code."""
        with pytest.raises(PermissionDeniedError):
            unwrap(respond(200, b'{"error": {"code": "forbidden", "message": "no"}}'))

    def test_rate_limit_carries_retry_after(self):
        """A 429 becomes RateLimitError with the server's Retry-After."""
        with pytest.raises(RateLimitError) as info:
            unwrap(
                respond(
                    429,
                    b'{"error": {"code": "rate_limit_exceeded", "message": "slow"}}',
                    {"Retry-After": "7"},
                )
            )
        assert info.value.retry_after == 7

    def test_success_shape_on_error_status_still_raises(self):
        """A 500 whose body looks like success is still an error."""
        with pytest.raises(ServerError):
            unwrap(respond(500, b'{"data": {"x": 1}}'))

    def test_wrong_types_in_fields(self):
        """Odd types in the error fields still give a typed error with text."""
        body = b'{"error": {"code": ["x"], "message": {"nested": 1}, "param": 5}}'
        with pytest.raises(BadRequestError) as info:
            unwrap(respond(400, body))
        assert "nested" in info.value.message
        assert info.value.param == "5"


class TestPassThrough:
    """What is not an envelope to unwrap passes through untouched."""

    def test_redirects_pass(self):
        """A 3xx is the redirect middleware's business."""
        response = respond(302, b"", {"Location": "https://x"})
        assert unwrap(response) is response

    def test_streamed_success_passes(self):
        """A streamed 2xx is a download, not an envelope."""
        response = respond(200, b"\x00\x01 video bytes", stream=True)
        assert unwrap(response) is response

    def test_streamed_error_is_read_and_classified(self):
        """A streamed error body is read (bounded) and raised as the typed error."""
        with pytest.raises(NotFoundError, match="gone"):
            unwrap(
                respond(404, b'{"error": {"code": "not_found", "message": "gone"}}', stream=True)
            )

    def test_no_content(self):
        """204 with an empty body is a success without data."""
        assert unwrap(respond(204, b"")).data is None


class TestNotAnEnvelope:
    """Bodies that are not envelopes become typed errors with a safe excerpt."""

    def test_html_on_502_is_server_error(self):
        """A gateway HTML page on 502 is a ServerError with an excerpt."""
        with pytest.raises(ServerError) as info:
            unwrap(respond(502, b"<html><h1>Bad Gateway</h1></html>"))
        assert "HTML" in info.value.message
        assert "Bad Gateway" in info.value.body_excerpt

    def test_garbage_on_200_is_malformed(self):
        """A non-JSON 200 is a MalformedResponseError."""
        with pytest.raises(MalformedResponseError):
            unwrap(respond(200, b"not json at all"))

    def test_excerpt_never_holds_the_key(self):
        """A body that echoes the key shows it redacted in the error."""
        key = "sk-envelope-secret-0123456789"
        register_secret(key)
        with pytest.raises(MalformedResponseError) as info:
            unwrap(respond(200, f"<html>your key {key} is wrong</html>".encode()))
        assert key not in str(info.value)
        assert key not in repr(info.value)
        assert key not in (info.value.body_excerpt or "")


class TestProperties:
    """Invariants over generated bodies."""

    @given(success_envelopes())
    def test_valid_envelope_round_trips(self, envelope):
        """Any valid success envelope unwraps to exactly its data and cursor."""
        result = unwrap(respond(envelope.status, envelope.body))
        assert result.data == envelope.data or (
            envelope.shape == "v1" and result.data["items"] == envelope.data
        )
        assert result.envelope == envelope.shape
        assert result.next_token == envelope.next_token

    @given(error_envelopes())
    def test_error_envelope_raises_typed_error(self, envelope):
        """Any error envelope raises an APIError with the status and code it carried."""
        with pytest.raises(APIError) as info:
            unwrap(respond(envelope.status, envelope.body))
        assert info.value.status == envelope.status
        assert info.value.code == envelope.error_code
        if envelope.status >= 400:
            assert isinstance(info.value, errors.error_class_for_status(envelope.status))

    @given(non_envelope_bodies())
    def test_any_other_body_gives_typed_error(self, case):
        """Anything else raises MalformedResponseError below 400, the status's class above."""
        status, body = case
        with pytest.raises(APIError) as info:
            unwrap(respond(status, body))
        expected = MalformedResponseError if status < 400 else errors.error_class_for_status(status)
        assert isinstance(info.value, expected)

    @given(st.binary(max_size=256), st.sampled_from([200, 201, 400, 404, 429, 500, 503]))
    def test_never_raises_anything_untyped(self, body, status):
        """Arbitrary bytes never escape as anything but data or an APIError."""
        with contextlib.suppress(APIError):
            unwrap(respond(status, body))


class TestAgainstFakeHeyGen:
    """The envelope middleware over real sockets, with the whole default stack."""

    def test_each_shape_from_the_fake(self, heygen_client, fake_heygen):
        """v2, v1 and v3 routes of the fake all unwrap to their data."""
        assert heygen_client.get("/v2/avatars")["avatars"]
        body = {"type": "avatar", "script": "hi", "avatar_id": "a"}
        video_id = heygen_client.post("/v3/videos", json=body)["video_id"]
        status = heygen_client.get("/v1/video_status.get", params={"video_id": video_id})
        assert status["id"] == video_id
        page = heygen_client.request("GET", "/v3/videos", params={"limit": 1})
        assert page.envelope == "v3"
        assert isinstance(page.data, list)

    def test_wrong_key_in_each_shape(self, fake_heygen):
        """A wrong key gives AuthenticationError whatever the route's shape."""
        with HeyGenClient("wrong-key-123", base_url=fake_heygen.base_url) as client:
            for path in ("/v2/avatars", "/v1/video.list", "/v3/users/me"):
                with pytest.raises(AuthenticationError):
                    client.get(path)

    def test_faults_become_typed_errors(self, heygen_client, fake_heygen):
        """HTML, non-JSON and truncated answers become typed errors, never raw ones."""
        fake_heygen.inject(
            "GET", "/v2/voices", Fault.html(404), Fault.not_json(200), Fault.truncated(200)
        )
        with pytest.raises(NotFoundError):
            heygen_client.get("/v2/voices")
        with pytest.raises(MalformedResponseError):
            heygen_client.get("/v2/voices")
        with pytest.raises((ProtocolError, MalformedResponseError)):
            heygen_client.get("/v2/voices", max_attempts=1)

    def test_middleware_alone(self):
        """EnvelopeMiddleware works as the only middleware over a MockTransport."""
        transport = MockTransport(lambda r: make_response(r, json={"code": 100, "data": [1]}))
        handler = Stack([("envelope", EnvelopeMiddleware())]).build(transport)
        assert handler(Request("GET", URL)).data == [1]
