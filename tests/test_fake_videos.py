"""FakeHeyGen's v3 video and user routes over raw HTTP, their replies checked against the spec."""

from collections.abc import Iterator

import pytest
import urllib3

from heygen_pipeline.testing import FakeHeyGen
from heygen_pipeline.testing.pytest_plugin import checked_fake

KEY = "test-key"
AUTH = {"X-Api-Key": KEY}
VIDEO = {"type": "avatar", "avatar_id": "look-1", "script": "Hi"}


@pytest.fixture
def fake() -> Iterator[FakeHeyGen]:
    """A strict fake whose every reply is checked against the spec."""
    with checked_fake(api_key=KEY, render_polls=3) as server:
        yield server
        assert server.handler_errors == []


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    """A plain urllib3 client."""
    with urllib3.PoolManager(retries=False, timeout=5.0) as manager:
        yield manager


def call(fake, http, method, path, body=None, *, headers=None):
    """One request to the fake's API host; the decoded JSON answer and the status."""
    response = http.request(
        method, fake.base_url + path, json=body, headers={**AUTH, **(headers or {})}
    )
    return response.status, response.json()


class TestCreate:
    """POST /v3/videos answers the spec's shape; replays answer the same."""

    def test_created_video_has_its_status(self, fake, http):
        """The answer carries video_id, the initial status and the output format."""
        status, body = call(fake, http, "POST", "/v3/videos", {**VIDEO, "output_format": "webm"})
        assert status == 200
        assert body["data"]["status"] == "waiting"
        assert body["data"]["output_format"] == "webm"
        assert body["data"]["video_id"] in fake.video_ids

    def test_replay_answers_the_first_video(self, fake, http):
        """The same Idempotency-Key replays the first answer, marked as replayed."""
        key = {"Idempotency-Key": "same-1"}
        first = call(fake, http, "POST", "/v3/videos", VIDEO, headers=key)
        webm = {**VIDEO, "output_format": "webm"}
        again = call(fake, http, "POST", "/v3/videos", webm, headers=key)
        assert first == again
        assert fake.creations_by_key == {"same-1": 1}

    def test_the_route_checks_what_the_schema_cannot(self, http):
        """Even not strict, an unknown kind and two speech sources are refused."""
        with FakeHeyGen(api_key=KEY, strict=False) as loose:
            bad_kind = call(loose, http, "POST", "/v3/videos", {**VIDEO, "type": "photo"})
            both = call(loose, http, "POST", "/v3/videos", {**VIDEO, "audio_asset_id": "a"})
            no_scenes = call(loose, http, "POST", "/v3/videos", {"type": "studio", "scenes": []})
        assert [(s, b["error"]["param"]) for s, b in (bad_kind, both, no_scenes)] == [
            (400, "type"),
            (400, "audio_asset_id"),
            (400, "scenes"),
        ]


class TestLifecycle:
    """Renders and batch items move a step per status call, and can fail."""

    def test_video_walks_pending_processing_completed(self, fake, http):
        """GET /v3/videos/{id} moves the job; links appear once completed."""
        _, created = call(fake, http, "POST", "/v3/videos", VIDEO)
        video_id = created["data"]["video_id"]
        steps = [call(fake, http, "GET", f"/v3/videos/{video_id}")[1]["data"] for _ in range(3)]
        assert [s["status"] for s in steps] == ["pending", "processing", "completed"]
        assert steps[0]["video_url"] is None
        assert steps[2]["video_url"].startswith(fake.cdn_url)
        assert steps[2]["completed_at"] >= steps[2]["created_at"]

    def test_batch_items_and_statuses(self, fake, http):
        """Items go queued, processing, completed/failed; statuses expand a batch."""
        fake.fail_video(None, code="RENDER_FAILED", message="bad look")
        status, created = call(fake, http, "POST", "/v3/videos/batches", {"videos": [VIDEO] * 2})
        assert status == 200
        batch = created["data"]
        assert [i["status"] for i in batch["items"]] == ["queued", "queued"]
        path = f"/v3/videos/batches/{batch['batch_id']}"
        seen = [call(fake, http, "GET", path)[1]["data"] for _ in range(3)]
        assert [[i["status"] for i in s["items"]] for s in seen] == [
            ["queued", "queued"],
            ["processing", "processing"],
            ["failed", "completed"],
        ]
        assert seen[-1]["items"][0]["error"] == {"code": "RENDER_FAILED", "message": "bad look"}
        assert seen[-1]["status"] == "completed"
        query = f"?batch_ids={batch['batch_id']},nope&video_ids=unknown"
        _, statuses = call(fake, http, "GET", "/v3/videos/statuses" + query)
        assert [e["status"] for e in statuses["data"]] == [
            "not_found",
            "failed",
            "completed",
            "not_found",
        ]

    def test_batch_refusals(self, fake, http):
        """An empty batch, or an entry missing its look, is a 400 naming the field."""
        empty = call(fake, http, "POST", "/v3/videos/batches", {"videos": []})
        assert empty[0] == 400
        with FakeHeyGen(api_key=KEY, strict=False) as loose:
            missing = call(
                loose, http, "POST", "/v3/videos/batches", {"videos": [{"type": "avatar"}]}
            )
        assert (missing[0], missing[1]["error"]["param"]) == (400, "videos[0].avatar_id")


class TestUser:
    """GET /v3/users/me in the spec's shape; no /v3/user/me."""

    def test_me_is_a_wallet_account(self, fake, http):
        """The user has its names and a wallet in lower-case usd, no invented credit field."""
        status, body = call(fake, http, "GET", "/v3/users/me")
        assert status == 200
        user = body["data"]
        assert {"username", "email", "first_name", "last_name"} <= set(user)
        assert user["wallet"]["currency"] == "usd"
        assert "subscription_credits" not in user["wallet"]
        assert call(fake, http, "GET", "/v3/user/me")[0] == 404
