"""FakeHeyGen's legacy v1/v2 routes, right against heygen-legacy.openapi.json."""

import json

import pytest
import urllib3

from heygen_pipeline.testing import Fault, load_spec
from heygen_pipeline.testing.pytest_plugin import checked_fake

KEY = "legacy-test-key"
AUTH = {"X-Api-Key": KEY, "Content-Type": "application/json"}
GENERATE = {
    "video_inputs": [
        {
            "character": {"type": "avatar", "avatar_id": "Daisy-inskirt-20220818"},
            "voice": {"type": "text", "input_text": "Hello", "voice_id": "v-f-en-1"},
        }
    ],
    "dimension": {"width": 1280, "height": 720},
}


@pytest.fixture(scope="module")
def http():
    """One pool manager for the module."""
    with urllib3.PoolManager(retries=False) as manager:
        yield manager


@pytest.fixture
def fake():
    """A strict fake checking every reply, nothing exempt; fails the test on a bad reply."""
    with checked_fake(api_key=KEY, spec_exempt=(), render_polls=1) as server:
        yield server
        assert server.handler_errors == []


def _call(http, fake, method, path, payload=None):
    base = fake.base_url
    body = None if payload is None else json.dumps(payload)
    return http.request(method, base + path, body=body, headers=AUTH)


class TestLegacyReplies:
    """Each legacy route the fake serves answers as the legacy spec documents."""

    def test_every_served_route_answers_in_the_documented_shape(self, http, fake):
        """One valid call per route; checked_fake fails the test if a reply breaks the spec."""
        video_id = fake.video_ids[0]
        endpoint = _call(http, fake, "POST", "/v1/webhook/endpoint.add", {"url": "https://h.test"})
        endpoint_id = endpoint.json()["data"]["endpoint_id"]
        translation = _call(
            http,
            fake,
            "POST",
            "/v2/video_translate",
            {"video_url": "https://x.test/v.mp4", "output_language": "Spanish"},
        ).json()["data"]["video_translate_id"]
        calls = [
            ("GET", "/v2/avatars", None),
            ("GET", "/v2/voices", None),
            ("GET", "/v2/templates", None),
            ("GET", "/v2/template/tpl_welcome_0001", None),
            ("POST", "/v2/template/tpl_welcome_0001/generate", {"variables": {}}),
            ("POST", "/v2/video/generate", GENERATE),
            ("GET", "/v2/user/remaining_quota", None),
            ("GET", "/v1/video.list?limit=2", None),
            ("GET", f"/v1/video_status.get?video_id={video_id}", None),
            ("GET", f"/v1/video_status.get?video_id={video_id}", None),
            ("GET", "/v1/webhook/endpoint.list", None),
            ("GET", "/v1/webhook/webhook.list", None),
            ("GET", "/v2/video_translate/target_languages", None),
            ("GET", f"/v2/video_translate/{translation}", None),
            ("DELETE", f"/v1/webhook/endpoint.delete?endpoint_id={endpoint_id}", None),
            ("DELETE", f"/v1/video.delete?video_id={video_id}", None),
        ]
        for method, path, payload in calls:
            response = _call(http, fake, method, path, payload)
            assert response.status == 200, (path, response.data[:200])
            op = load_spec("legacy").find(method, path.partition("?")[0])
            assert op is not None, path
        assert fake.reply_violations() == []

    def test_replies_are_checked_against_the_examples(self, http, fake):
        """The check is real: v1 status answers are held to their example's keys."""
        spec = load_spec("legacy")
        op = spec.find("GET", "/v1/video_status.get")
        schema = spec.example_schema(op, 200)
        assert schema is not None
        assert "video_url_caption" in schema["properties"]["data"]["required"]
        assert (
            spec.example_schema(spec.find("GET", "/v2/video_translate/target_languages"), 200)
            is None
        )

    def test_voices_say_whether_interactive_avatars_can_use_them(self, http, fake):
        """support_interactive_avatar, which HeyGen's own client requires, is on every voice."""
        voices = _call(http, fake, "GET", "/v2/voices").json()["data"]["voices"]
        assert voices
        assert all(isinstance(v["support_interactive_avatar"], bool) for v in voices)
        assert {v["support_interactive_avatar"] for v in voices} == {True, False}

    def test_target_languages_is_not_a_translation_id(self, http, fake):
        """The literal route wins over /v2/video_translate/{id}, as in the spec."""
        body = _call(http, fake, "GET", "/v2/video_translate/target_languages").json()
        assert body["error"] is None
        assert "Spanish" in body["data"]["languages"]


class TestV1ErrorCodes:
    """v1 errors carry HeyGen's numeric codes, never a symbolic string."""

    def test_every_v1_error_path_has_a_numeric_code(self, http, fake):
        """Unauthorized, missing, unknown, refused, 405, strict and scripted: all integers."""
        no_key = {"Content-Type": "application/json"}
        unauthorized = http.request("GET", fake.base_url + "/v1/video.list", headers=no_key)
        limited = Fault.rate_limited("1", shape=None)  # the route's shape, not the default v3
        fake.inject("GET", "/v1/video.list", limited, Fault.server_error(503))
        cases = [
            unauthorized,
            _call(http, fake, "GET", "/v1/video.list"),
            _call(http, fake, "GET", "/v1/video.list"),
            _call(http, fake, "GET", "/v1/video_status.get"),
            _call(http, fake, "GET", "/v1/video_status.get?video_id=nope"),
            _call(http, fake, "GET", "/v1/video.list?limit=x"),
            _call(http, fake, "POST", "/v1/video.list"),
            _call(http, fake, "POST", "/v1/webhook/endpoint.add", {"url": "ftp://x"}),
            _call(http, fake, "DELETE", "/v1/webhook/endpoint.delete?endpoint_id=none"),
            _call(http, fake, "DELETE", "/v1/video.delete?video_id=none"),
            _call(http, fake, "DELETE", "/v1/video.delete"),
            http.request(
                "POST",
                fake.upload_url + "/v1/asset",
                body=b"x",
                headers={"X-Api-Key": KEY, "Content-Type": "text/plain"},
            ),
        ]
        statuses = []
        for response in cases:
            body = response.json()
            statuses.append(response.status)
            assert isinstance(body["code"], int), body
            assert not isinstance(body["code"], bool), body
            assert isinstance(body["message"], str), body
        assert statuses == [401, 429, 503, 400, 404, 400, 405, 400, 404, 404, 400, 400]

    def test_documented_error_answers_keep_to_their_examples(self, http, fake):
        """A 404 delete and a 400 status call are checked against the spec's error examples."""
        _call(http, fake, "DELETE", "/v1/webhook/endpoint.delete?endpoint_id=none")
        _call(http, fake, "POST", "/v1/webhook/endpoint.add", {"url": "ftp://x"})
        spec = load_spec("legacy")
        op = spec.find("DELETE", "/v1/webhook/endpoint.delete")
        assert spec.documents_status(op, 404)
        assert fake.reply_violations() == []
