"""FakeHeyGen's avatar and voice routes: spec-shaped answers, and refusals as HeyGen gives them.

Raw HTTP (urllib3, no client in between), so requests the client would never send reach the
fake. Most tests run with ``strict=False``: those are the routes' own checks, which a user
who turns the spec gate off still gets; `TestStrict` shows the gate refusing first.
"""

import base64
import json
from collections.abc import Iterator

import pytest
import urllib3

from heygen_pipeline.testing import FakeHeyGen
from heygen_pipeline.testing.pytest_plugin import checked_fake

KEY = "test-key"
JSON = {"X-Api-Key": KEY, "Content-Type": "application/json"}
PHOTO = {"type": "url", "url": "https://example.com/me.jpg"}


@pytest.fixture
def fake() -> Iterator[FakeHeyGen]:
    """A fresh fake without the spec gate (training ends on the 2nd poll); no handler errors."""
    with FakeHeyGen(KEY, render_polls=2, strict=False) as server:
        yield server
        assert server.handler_errors == []


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    """A plain urllib3 pool."""
    with urllib3.PoolManager(retries=False) as pool:
        yield pool


def call(http, fake, method, path, body=None, *, raw=None):
    """Send a request to the fake; the answer as (status, parsed JSON)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    response = http.request(method, fake.base_url + path, body=data, headers=JSON)
    return response.status, json.loads(response.data)


def param(answer):
    """The ``param`` of a v3 error answer."""
    return answer["error"].get("param")


class TestAvatarShapes:
    """Groups, looks and their lifecycle in the spec's fields."""

    def test_groups_and_looks(self, fake, http):
        """A group has id, name, looks_count, created_at; a look its avatar_type and group_id."""
        _, groups = call(http, fake, "GET", "/v3/avatars")
        group = groups["data"][1]
        assert {"id", "name", "looks_count", "created_at"} <= set(group)
        assert (group["id"], group["looks_count"]) == ("grp-daisy", 2)
        _, looks = call(http, fake, "GET", "/v3/avatars/looks?group_id=grp-daisy")
        assert [look["id"] for look in looks["data"]] == [
            "Daisy-inskirt-20220818",
            "Daisy-inshirt-20220818",
        ]
        assert {look["avatar_type"] for look in looks["data"]} == {"studio_avatar"}
        assert looks["has_more"] is False

    def test_looks_route_is_not_a_group(self, fake, http):
        """/v3/avatars/looks is the looks list, not the group called "looks"."""
        status, body = call(http, fake, "GET", "/v3/avatars/looks")
        assert status == 200
        assert isinstance(body["data"], list)

    def test_a_twin_trains_after_consent(self, fake, http):
        """pending_consent (consent pending), then processing, then completed."""
        twin = {"type": "digital_twin", "name": "T", "file": PHOTO}
        status, created = call(http, fake, "POST", "/v3/avatars", twin)
        assert status == 200
        group_id = created["data"]["avatar_group"]["id"]
        assert created["data"]["avatar_item"]["avatar_type"] == "digital_twin"
        statuses = [call(http, fake, "GET", f"/v3/avatars/{group_id}")[1]["data"] for _ in "ab"]
        assert [(g["status"], g["consent_status"]) for g in statuses] == [
            ("pending_consent", "pending")
        ] * 2
        _, consent = call(http, fake, "POST", f"/v3/avatars/{group_id}/consent", {})
        assert consent["data"]["url"].startswith(fake.cdn_url)
        steps = [call(http, fake, "GET", f"/v3/avatars/{group_id}")[1]["data"] for _ in "ab"]
        assert [g["status"] for g in steps] == ["processing", "completed"]

    def test_idempotency_key_replays(self, fake, http):
        """A repeated Idempotency-Key answers the first creation again and creates nothing."""
        body = json.dumps({"type": "photo", "name": "P", "file": PHOTO}).encode()
        headers = {**JSON, "Idempotency-Key": "avatar-key-1"}
        first, again = (
            http.request("POST", fake.base_url + "/v3/avatars", body=body, headers=headers)
            for _ in "ab"
        )
        assert json.loads(first.data) == json.loads(again.data)
        assert again.headers["Idempotent-Replayed"] == "true"
        _, groups = call(http, fake, "GET", "/v3/avatars?ownership=private")
        assert len(groups["data"]) == 1

    def test_private_lists(self, fake, http):
        """ownership=private lists the account's groups and looks only; public the stock ones."""
        call(http, fake, "POST", "/v3/avatars", {"type": "photo", "name": "P", "file": PHOTO})
        _, groups = call(http, fake, "GET", "/v3/avatars?ownership=private")
        _, looks = call(http, fake, "GET", "/v3/avatars/looks?ownership=private")
        _, public = call(http, fake, "GET", "/v3/avatars/looks?ownership=public&limit=50")
        assert [g["name"] for g in groups["data"]] == ["P"]
        assert [look["avatar_type"] for look in looks["data"]] == ["photo_avatar"]
        assert len(public["data"]) == 6


class TestAvatarRefusals:
    """400/403/404 with the parameter named, as HeyGen answers."""

    @pytest.mark.parametrize(
        ("body", "name"),
        [
            ({"type": "cartoon", "name": "x"}, "type"),
            ({"type": "photo", "name": " ", "file": PHOTO}, "name"),
            ({"type": "photo", "name": "x"}, "file"),
            ({"type": "photo", "name": "x", "file": {"type": "url", "url": "http://a"}}, "file"),
            ({"type": "photo", "name": "x", "file": {"type": "base64", "data": "!!"}}, "file"),
            ({"type": "prompt", "name": "x"}, "prompt"),
            (
                {"type": "prompt", "name": "x", "prompt": "p", "reference_images": [PHOTO] * 4},
                "reference_images",
            ),
            (
                {"type": "prompt", "name": "x", "prompt": "p", "reference_images": [{"t": 1}]},
                "reference_images.0",
            ),
        ],
    )
    def test_bad_creations(self, fake, http, body, name):
        """Each broken creation body is a 400 naming its field."""
        status, answer = call(http, fake, "POST", "/v3/avatars", body)
        assert (status, param(answer)) == (400, name)

    def test_not_json(self, fake, http):
        """A body that is not a JSON object is a 400, never a crash."""
        for path in ("/v3/avatars", "/v3/avatars/grp-daisy/consent"):
            status, answer = call(http, fake, "POST", path, raw=b"[1, 2")
            assert (status, param(answer)) == (400, "body")
        status, _ = call(http, fake, "PATCH", "/v3/avatars/looks/x", raw=b"nope")
        assert status == 400

    def test_consent_refusals(self, fake, http):
        """Text with < or >, or a video with a reroute URL, is refused; stock groups are 403."""
        bad_text = {"consent_text": "<b>hi</b>"}
        status, answer = call(http, fake, "POST", "/v3/avatars/g/consent", bad_text)
        assert (status, param(answer)) == (400, "consent_text")
        both = {"consent_video": PHOTO, "reroute_url": "https://x"}
        status, answer = call(http, fake, "POST", "/v3/avatars/g/consent", both)
        assert (status, param(answer)) == (400, "consent_video")
        assert call(http, fake, "POST", "/v3/avatars/grp-daisy/consent", {})[0] == 403
        assert call(http, fake, "POST", "/v3/avatars/nope/consent", {})[0] == 404

    def test_limits_and_filters(self, fake, http):
        """Limit over 50, an unknown ownership or avatar_type: 400 naming it."""
        for query, name in (
            ("limit=51", "limit"),
            ("ownership=mine", "ownership"),
            ("avatar_type=cartoon", "avatar_type"),
        ):
            status, answer = call(http, fake, "GET", f"/v3/avatars/looks?{query}")
            assert (status, param(answer)) == (400, name)
        status, answer = call(http, fake, "GET", "/v3/avatars?limit=51")
        assert (status, param(answer)) == (400, "limit")

    def test_unknown_and_stock(self, fake, http):
        """Unknown ids are 404 avatar_not_found; stock looks and groups cannot change (403)."""
        for method, path in (
            ("GET", "/v3/avatars/nope"),
            ("GET", "/v3/avatars/looks/nope"),
            ("DELETE", "/v3/avatars/nope"),
            ("DELETE", "/v3/avatars/looks/nope"),
        ):
            status, answer = call(http, fake, method, path)
            assert (status, answer["error"]["code"]) == (404, "avatar_not_found")
        assert call(http, fake, "PATCH", "/v3/avatars/looks/nope", {"name": "n"})[0] == 404
        for method, path in (
            ("DELETE", "/v3/avatars/grp-daisy"),
            ("DELETE", "/v3/avatars/looks/Daisy-inskirt-20220818"),
            ("PATCH", "/v3/avatars/looks/Daisy-inskirt-20220818"),
        ):
            assert call(http, fake, method, path, {"name": "n"})[0] == 403


class TestVoiceShapes:
    """Voices in the spec's fields; clones' lifecycle."""

    def test_list_and_get(self, fake, http):
        """List entries have type and support_locale; a get has support_interactive_avatar."""
        _, listed = call(http, fake, "GET", "/v3/voices?limit=2")
        assert {"type", "support_locale", "support_pause"} <= set(listed["data"][0])
        assert listed["has_more"] is True
        _, one = call(http, fake, "GET", "/v3/voices/v-f-en-1")
        assert one["data"]["support_interactive_avatar"] is True

    def test_clone_lifecycle(self, fake, http):
        """A clone is processing, then complete; a scripted failure gives failed and its message."""
        audio = {
            "type": "base64",
            "media_type": "audio/mpeg",
            "data": base64.b64encode(b"x").decode(),
        }
        _, created = call(
            http, fake, "POST", "/v3/voices/clone", {"voice_name": "v", "audio": audio}
        )
        voice_id = created["data"]["voice_clone_id"]
        steps = [call(http, fake, "GET", f"/v3/voices/{voice_id}")[1]["data"] for _ in "ab"]
        assert [s["status"] for s in steps] == ["processing", "complete"]
        fake.fail_voice_clone(voice_id, message="Too noisy")
        _, failed = call(http, fake, "GET", f"/v3/voices/{voice_id}")
        assert (failed["data"]["status"], failed["data"]["failure_message"]) == (
            "failed",
            "Too noisy",
        )
        with pytest.raises(KeyError):
            fake.fail_voice_clone("no-such-clone")

    def test_speech(self, fake, http):
        """Speech: duration and one timestamp per word."""
        body = {"text": "one two three", "voice_id": "v-f-en-1", "speed": 1}
        _, speech = call(http, fake, "POST", "/v3/voices/speech", body)
        assert [w["word"] for w in speech["data"]["word_timestamps"]] == ["one", "two", "three"]
        assert speech["data"]["duration"] == pytest.approx(1.2)


class TestVoiceRefusals:
    """400/403/404 with the parameter named."""

    @pytest.mark.parametrize(
        ("path", "body", "name"),
        [
            ("/v3/voices", {"prompt": ""}, "prompt"),
            ("/v3/voices", {"prompt": "p", "seed": -1}, "seed"),
            ("/v3/voices/clone", {"audio": {"type": "url", "url": "https://a"}}, "voice_name"),
            ("/v3/voices/clone", {"voice_name": "v", "audio": {"type": "url"}}, "audio"),
            ("/v3/voices/speech", {"text": "", "voice_id": "v-f-en-1"}, "text"),
            ("/v3/voices/speech", {"text": "x" * 5001, "voice_id": "v-f-en-1"}, "text"),
            ("/v3/voices/speech", {"text": "x", "voice_id": "v-m-en-2"}, "voice_id"),
            ("/v3/voices/speech", {"text": "x", "voice_id": "v-f-en-1", "speed": 3}, "speed"),
            (
                "/v3/voices/speech",
                {"text": "x", "voice_id": "v-f-en-1", "input_type": "html"},
                "input_type",
            ),
        ],
    )
    def test_bad_bodies(self, fake, http, path, body, name):
        """Each broken body is a 400 naming its field."""
        status, answer = call(http, fake, "POST", path, body)
        assert (status, param(answer)) == (400, name)

    def test_unknown_and_stock(self, fake, http):
        """Unknown voices are 404 voice_not_found; stock voices cannot be deleted (403)."""
        assert call(http, fake, "GET", "/v3/voices/nope")[1]["error"]["code"] == "voice_not_found"
        assert call(http, fake, "DELETE", "/v3/voices/nope")[0] == 404
        body = {"text": "x", "voice_id": "nope"}
        assert call(http, fake, "POST", "/v3/voices/speech", body)[0] == 404
        assert call(http, fake, "DELETE", "/v3/voices/v-f-en-1")[0] == 403
        for query, name in (("limit=101", "limit"), ("type=mine", "type")):
            status, answer = call(http, fake, "GET", f"/v3/voices?{query}")
            assert (status, param(answer)) == (400, name)


class TestStrict:
    """The spec gate refuses what HeyGen's spec refuses, before the route runs."""

    @pytest.fixture
    def strict(self):
        """A strict fake (the default)."""
        with FakeHeyGen(KEY) as server:
            yield server

    def test_gate_refuses(self, strict, http):
        """Over the 50 maximum, a missing required field: 400 naming it."""
        status, answer = call(http, strict, "GET", "/v3/avatars/looks?limit=51")
        assert (status, param(answer)) == (400, "limit")
        status, answer = call(http, strict, "POST", "/v3/voices/clone", {"voice_name": "v"})
        assert (status, param(answer)) == (400, "audio")

    def test_twin_and_photo_bodies_pass(self, strict, http):
        """Bodies valid under both of the spec's undiscriminated alternatives are let through."""
        for kind in ("digital_twin", "photo"):
            body = {"type": kind, "name": "x", "file": PHOTO}
            assert call(http, strict, "POST", "/v3/avatars", body)[0] == 200
        bad = {"type": "photo", "name": "x", "file": {"type": "url"}}
        assert call(http, strict, "POST", "/v3/avatars", bad)[0] == 400


class TestLegacyGroups:
    """The legacy v2 group routes, in the shapes HeyGen's own client (heygen-mcp) reads."""

    @pytest.fixture
    def checked(self):
        """A strict fake checking every reply against the legacy spec too."""
        with checked_fake(api_key=KEY, spec_exempt=(), render_polls=2) as server:
            yield server
            assert server.handler_errors == []

    def test_group_list(self, checked, http):
        """include_public=true adds HeyGen's groups; each has heygen-mcp's required fields."""
        call(http, checked, "POST", "/v3/avatars", {"type": "photo", "name": "P", "file": PHOTO})
        _, mine = call(http, checked, "GET", "/v2/avatar_group.list")
        _, every = call(http, checked, "GET", "/v2/avatar_group.list?include_public=true")
        assert mine["error"] is None
        assert [g["name"] for g in mine["data"]["avatar_group_list"]] == ["P"]
        assert every["data"]["total_count"] == 6
        required = {"id", "name", "created_at", "num_looks", "preview_image", "group_type"}
        assert all(required <= set(g) for g in every["data"]["avatar_group_list"])

    def test_group_avatars(self, checked, http):
        """A group's looks as v2 avatars (heygen-mcp's Avatar fields); unknown group: 404."""
        _, daisy = call(http, checked, "GET", "/v2/avatar_group/grp-daisy/avatars")
        avatars = daisy["data"]["avatar_list"]
        assert [a["avatar_id"] for a in avatars] == [
            "Daisy-inskirt-20220818",
            "Daisy-inshirt-20220818",
        ]
        required = {"avatar_id", "avatar_name", "gender", "preview_image_url", "premium"}
        assert all(required <= set(a) for a in avatars)
        _, created = call(
            http, checked, "POST", "/v3/avatars", {"type": "photo", "name": "P", "file": PHOTO}
        )
        group_id = created["data"]["avatar_group"]["id"]
        _, mine = call(http, checked, "GET", f"/v2/avatar_group/{group_id}/avatars")
        assert [a["avatar_name"] for a in mine["data"]["avatar_list"]] == ["P"]
        status, missing = call(http, checked, "GET", "/v2/avatar_group/nope/avatars")
        assert (status, missing["data"]) == (404, None)
