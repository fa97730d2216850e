"""FakeHeyGen's shared route pieces: one job-route factory and one set of v3 refusals.

Raw HTTP against a real FakeHeyGen (no client in between), so each family is seen to
answer the same way: lists, polls, renames and deletes of jobs, a malformed
``Idempotency-Key``, an unknown id.
"""

import json
from collections.abc import Iterator

import pytest
import urllib3

from heygen_pipeline.testing import FakeHeyGen
from heygen_pipeline.testing._fake_routes_shared import IDEMPOTENCY_KEY, batch_item

KEY = "shared-routes-key"
JSON = {"X-Api-Key": KEY, "Content-Type": "application/json"}
VIDEO = {"type": "url", "url": "https://example.com/v.mp4"}
AUDIO = {"type": "url", "url": "https://example.com/a.mp3"}


@pytest.fixture
def fake() -> Iterator[FakeHeyGen]:
    """A fake without the spec gate (jobs finish on the 2nd poll); no handler errors."""
    with FakeHeyGen(KEY, render_polls=2, strict=False) as server:
        yield server
        assert server.handler_errors == []


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    """A plain urllib3 pool."""
    with urllib3.PoolManager(retries=False) as pool:
        yield pool


def call(http, fake, method, path, body=None, *, headers=None):
    """Send a request to the fake; the answer as (status, parsed JSON)."""
    data = None if body is None else json.dumps(body).encode()
    response = http.request(
        method, fake.base_url + path, body=data, headers={**JSON, **(headers or {})}
    )
    return response.status, json.loads(response.data)


def _lipsync(http, fake) -> str:
    status, answer = call(http, fake, "POST", "/v3/lipsyncs", {"video": VIDEO, "audio": AUDIO})
    assert status == 200
    job_id: str = answer["data"]["lipsync_id"]
    return job_id


def _clipping(http, fake) -> str:
    status, answer = call(http, fake, "POST", "/v3/ai-clipping", {"video": VIDEO})
    assert status == 200
    job_id: str = answer["data"]["id"]
    return job_id


def _removal(http, fake) -> str:
    status, answer = call(http, fake, "POST", "/v3/background-removals", {"video": VIDEO})
    assert status == 200
    job_id: str = answer["data"]["id"]
    return job_id


class TestJobRoutes:
    """Every job family lists, polls, renames and deletes through one JobRoutes."""

    @pytest.mark.parametrize(
        ("base", "make", "what"),
        [
            ("/v3/lipsyncs", _lipsync, "Lipsync"),
            ("/v3/ai-clipping", _clipping, "AI clipping job"),
            ("/v3/background-removals", _removal, "Background removal"),
        ],
    )
    def test_list_get_and_unknown_ids(self, http, fake, base, make, what):
        """A job is listed, moves a step per get, and an unknown id is a 404 naming the kind."""
        job_id = make(http, fake)
        status, listed = call(http, fake, "GET", base)
        assert status == 200
        assert [item["id"] for item in listed["data"]] == [job_id]
        assert listed["has_more"] is False
        statuses = [call(http, fake, "GET", f"{base}/{job_id}")[1]["data"]["status"]]
        statuses.append(call(http, fake, "GET", f"{base}/{job_id}")[1]["data"]["status"])
        assert statuses[-1] == "completed"
        status, missing = call(http, fake, "GET", f"{base}/nope")
        assert (status, missing["error"]["message"]) == (404, f"{what} not found")

    def test_rename_needs_a_title(self, http, fake):
        """PATCH renames a lipsync; without a title it is a 400 naming ``title``."""
        job_id = _lipsync(http, fake)
        status, renamed = call(http, fake, "PATCH", f"/v3/lipsyncs/{job_id}", {"title": "New"})
        assert (status, renamed["data"]["title"]) == (200, "New")
        status, refused = call(http, fake, "PATCH", f"/v3/lipsyncs/{job_id}", {})
        assert (status, refused["error"]["param"]) == (400, "title")
        status, _ = call(http, fake, "PATCH", "/v3/lipsyncs/nope", {"title": "x"})
        assert status == 404

    def test_deletes(self, http, fake):
        """A clipping is gone once deleted; a removal stays, ``deleted``, and says so."""
        clip, removal = _clipping(http, fake), _removal(http, fake)
        assert call(http, fake, "DELETE", f"/v3/ai-clipping/{clip}") == (
            200,
            {"data": {"id": clip}},
        )
        assert call(http, fake, "GET", f"/v3/ai-clipping/{clip}")[0] == 404
        status, deleted = call(http, fake, "DELETE", f"/v3/background-removals/{removal}")
        assert (status, deleted["data"]) == (200, {"id": removal, "deleted": True})
        status, kept = call(http, fake, "GET", f"/v3/background-removals/{removal}")
        assert (status, kept["data"]["status"]) == (200, "deleted")
        assert call(http, fake, "DELETE", "/v3/lipsyncs/nope")[0] == 404


class TestSharedRefusals:
    """The v3 families refuse a malformed Idempotency-Key and an empty source the same way."""

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/v3/lipsyncs", {"video": VIDEO, "audio": AUDIO}),
            ("/v3/video-translations", {"video": VIDEO, "output_languages": ["German"]}),
            ("/v3/webhooks/endpoints", {"url": "https://example.com/hook"}),
        ],
    )
    def test_a_malformed_idempotency_key(self, http, fake, path, body):
        """A key with a space is a 400 naming the Idempotency-Key header."""
        status, answer = call(
            http, fake, "POST", path, body, headers={"Idempotency-Key": "has space"}
        )
        assert (status, answer["error"]["param"]) == (400, "Idempotency-Key")

    def test_the_key_pattern(self):
        """1-255 of A-Z a-z 0-9 _ - : . and nothing else, a trailing newline included."""
        assert IDEMPOTENCY_KEY.fullmatch("a-B_9:x.y")
        assert IDEMPOTENCY_KEY.fullmatch("k" * 255)
        for key in ("", "k" * 256, "a b", "key\n"):
            assert not IDEMPOTENCY_KEY.fullmatch(key)

    def test_an_empty_source_url_is_refused(self, http, fake):
        """A video source with an empty URL is a 400 naming ``video``, in each family."""
        empty = {"type": "url", "url": ""}
        for path, body in (
            ("/v3/lipsyncs", {"video": empty, "audio": AUDIO}),
            ("/v3/ai-clipping", {"video": empty}),
        ):
            status, answer = call(http, fake, "POST", path, body)
            assert (status, answer["error"]["param"]) == (400, "video")


class TestBatchItems:
    """One batch item shape for the lipsync and translation batches."""

    def test_statuses_as_a_batch_shows_them(self):
        """Running jobs are queued/processing; an unknown job is a failed item with no reason."""
        assert batch_item(0, "j0", "pending", None, "x_failed")["status"] == "queued"
        assert batch_item(1, "j1", "running", None, "x_failed")["status"] == "processing"
        assert batch_item(2, "j2", None, "ignored", "x_failed") == {
            "item_index": 2,
            "status": "failed",
            "video_id": "j2",
            "error": {"code": "x_failed", "message": None},
        }

    def test_a_failed_job_carries_its_reason(self):
        """A failed job's item has the family's code and HeyGen's reason; a done one none."""
        failed = batch_item(0, "j", "failed", "no speech", "lipsync_failed")
        assert failed["error"] == {"code": "lipsync_failed", "message": "no speech"}
        assert batch_item(0, "j", "completed", "stale", "lipsync_failed")["error"] is None

    def test_a_batch_answer_over_http(self, http, fake):
        """A lipsync batch answers counts, a status and its items through batch_reply."""
        entry = {"video": VIDEO, "audio": AUDIO}
        status, made = call(http, fake, "POST", "/v3/lipsyncs/batches", {"lipsyncs": [entry]})
        assert status == 200
        assert made["data"]["counts_by_status"] == {"queued": 1}
        assert made["data"]["status"] == "processing"
        batch_id = made["data"]["batch_id"]
        call(http, fake, "GET", f"/v3/lipsyncs/batches/{batch_id}")
        _, done = call(http, fake, "GET", f"/v3/lipsyncs/batches/{batch_id}")
        assert (done["data"]["status"], done["data"]["total_items"]) == ("completed", 1)
