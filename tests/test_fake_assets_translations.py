"""FakeHeyGen's asset and translation routes refuse what HeyGen refuses, as HeyGen answers it.

Raw HTTP (urllib3, no client in between), so requests the client would never send reach the
fake: each is answered with HeyGen's status and a v3 error naming the parameter (or, on the
storage host, S3's XML error). The fake runs with ``strict=False`` here, so these are the
routes' own checks, which a user who turns the spec gate off still gets.
"""

import base64
import hashlib
import json
from collections.abc import Iterator

import pytest
import urllib3

from heygen_pipeline.testing import FakeHeyGen

KEY = "test-key"
JSON = {"X-Api-Key": KEY, "Content-Type": "application/json"}
VIDEO = {"type": "url", "url": "https://example.com/v.mp4"}


@pytest.fixture
def fake() -> Iterator[FakeHeyGen]:
    """A fresh fake without the spec gate (jobs finish on the 2nd poll); no handler errors."""
    with FakeHeyGen(KEY, render_polls=2, strict=False) as server:
        yield server
        assert server.handler_errors == []


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    """A plain urllib3 pool."""
    with urllib3.PoolManager(retries=False) as pool:
        yield pool


def call(http, fake, method, path, body=None, *, raw=None, headers=None, host=None):
    """Send a request to the fake; the answer as (status, parsed JSON or raw bytes)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    response = http.request(
        method, (host or fake.base_url) + path, body=data, headers={**JSON, **(headers or {})}
    )
    try:
        return response.status, json.loads(response.data)
    except ValueError:
        return response.status, response.data


def param(answer):
    """The ``param`` of a v3 error answer."""
    return answer["error"].get("param")


GOOD_FILE = {"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 4}


class TestAssetRefusals:
    """400/404/413 with the parameter named, as HeyGen answers."""

    @pytest.mark.parametrize(
        "case",
        [
            ("POST", "/v3/assets/direct-uploads", [1], 400, "body"),
            ("POST", "/v3/assets/direct-uploads", {**GOOD_FILE, "filename": ""}, 400, "filename"),
            (
                "POST",
                "/v3/assets/direct-uploads",
                {**GOOD_FILE, "size_bytes": -1},
                400,
                "size_bytes",
            ),
            (
                "POST",
                "/v3/assets/direct-uploads",
                {**GOOD_FILE, "checksum_sha256": "zz"},
                400,
                "checksum_sha256",
            ),
            (
                "POST",
                "/v3/assets/direct-uploads",
                {**GOOD_FILE, "size_bytes": 6 * 1024**3},
                413,
                "size_bytes",
            ),
            ("POST", "/v3/assets/direct-uploads/batches", {"files": []}, 400, "files"),
            (
                "POST",
                "/v3/assets/direct-uploads/batches",
                {"files": [{**GOOD_FILE, "content_type": None}]},
                400,
                "content_type",
            ),
            ("POST", "/v3/assets/complete/batches", {}, 400, "batch_id"),
            ("POST", "/v3/assets/complete/batches", {"batch_id": "nope"}, 404, None),
            ("GET", "/v3/assets/batches/nope", None, 404, None),
            ("POST", f"/v3/assets/{'0' * 32}/complete", {}, 404, None),
            ("GET", "/v3/assets/nope", None, 404, None),
            ("DELETE", "/v3/assets/nope", None, 404, None),
            ("GET", "/v3/assets?username=fake-user&token=%21%21", None, 400, "token"),
            ("GET", "/v3/assets?username=fake-user&limit=101", None, 400, "limit"),
            ("GET", "/v3/assets", None, 400, "username"),
            ("GET", "/v3/assets/search?type=image", None, 400, "query"),
            ("GET", "/v3/assets/search?query=x&type=video", None, 400, "type"),
            ("GET", "/v3/assets/search?query=x&type=image&scope=all", None, 400, "scope"),
            ("GET", "/v3/assets/search?query=x&type=image&limit=51", None, 400, "limit"),
        ],
    )
    def test_refused(self, fake, http, case):
        """Each is refused with HeyGen's status and the parameter's name."""
        method, path, body, status, name = case
        got, answer = call(http, fake, method, path, body)
        assert got == status
        assert param(answer) == name

    def test_a_bad_idempotency_key(self, fake, http):
        """A key with characters HeyGen does not take is a 400 naming the header."""
        got, answer = call(
            http, fake, "POST", "/v3/assets", raw=b"", headers={"Idempotency-Key": "a b"}
        )
        assert (got, param(answer)) == (400, "Idempotency-Key")

    def test_complete_checks_body_and_checksum(self, fake, http):
        """Completion wants a JSON object, and a checksum that matches what arrived."""
        _, slot = call(http, fake, "POST", "/v3/assets/direct-uploads", GOOD_FILE)
        slot = slot["data"]
        http.request("PUT", slot["upload_url"], body=b"abcd", headers=slot["upload_headers"])
        path = f"/v3/assets/{slot['asset_id']}/complete"
        assert param(call(http, fake, "POST", path, raw=b"[")[1]) == "body"
        wrong = {"checksum_sha256": "0" * 64}
        assert param(call(http, fake, "POST", path, wrong)[1]) == "checksum_sha256"
        good = {"checksum_sha256": hashlib.sha256(b"abcd").hexdigest()}
        assert call(http, fake, "POST", path, good)[0] == 200


class TestStorageHost:
    """The presigned PUT, checked as S3 checks one (XML errors)."""

    def slot(self, fake, http, **extra):
        """A fresh slot for 4 bytes."""
        return call(http, fake, "POST", "/v3/assets/direct-uploads", {**GOOD_FILE, **extra})[1][
            "data"
        ]

    def test_refusals(self, fake, http):
        """Unknown slot 404; wrong type or a completed slot 403; a wrong SHA-256 400."""
        slot = self.slot(fake, http)
        unknown = slot["upload_url"].replace(slot["asset_id"], "f" * 32)
        assert http.request("PUT", unknown, body=b"abcd").status == 404
        wrong_type = {"Content-Type": "image/png"}
        assert (
            http.request("PUT", slot["upload_url"], body=b"abcd", headers=wrong_type).status == 403
        )
        assert (
            http.request(
                "PUT", slot["upload_url"], body=b"abcd", headers=slot["upload_headers"]
            ).status
            == 200
        )
        call(http, fake, "POST", f"/v3/assets/{slot['asset_id']}/complete", {})
        again = http.request(
            "PUT", slot["upload_url"], body=b"abcd", headers=slot["upload_headers"]
        )
        assert (again.status, b"AccessDenied" in again.data) == (403, True)
        digest = hashlib.sha256(b"abcd").hexdigest()
        checked = self.slot(fake, http, checksum_sha256=digest)
        assert (
            checked["upload_headers"]["x-amz-checksum-sha256"]
            == base64.b64encode(bytes.fromhex(digest)).decode()
        )
        bad = http.request(
            "PUT", checked["upload_url"], body=b"abce", headers=checked["upload_headers"]
        )
        assert (bad.status, b"BadDigest" in bad.data) == (400, True)
        missing = http.request("GET", f"{fake.cdn_url}/uploads/{'f' * 32}.mp4")
        assert missing.status == 404

    def test_statuses_of_a_deleted_asset(self, fake, http):
        """A deleted asset's status is ``not_found``; so is an unknown batch's."""
        slot = self.slot(fake, http)
        http.request("PUT", slot["upload_url"], body=b"abcd", headers=slot["upload_headers"])
        call(http, fake, "POST", f"/v3/assets/{slot['asset_id']}/complete", {})
        call(http, fake, "DELETE", f"/v3/assets/{slot['asset_id']}")
        _, answer = call(
            http, fake, "GET", f"/v3/assets/statuses?asset_ids={slot['asset_id']}&batch_ids=nope"
        )
        assert [e["status"] for e in answer["data"]] == ["not_found", "not_found"]


class TestTranslationRefusals:
    """Translation and proofread routes refuse what HeyGen refuses."""

    @pytest.mark.parametrize(
        "case",
        [
            ("POST", "/v3/video-translations", [1], 400, "body"),
            ("POST", "/v3/video-translations", {"video": {"type": "url"}}, 400, "video"),
            (
                "POST",
                "/v3/video-translations",
                {"video": VIDEO, "output_languages": []},
                400,
                "output_languages",
            ),
            (
                "POST",
                "/v3/video-translations",
                {"video": VIDEO, "output_languages": ["German"], "srt": {"type": "x"}},
                400,
                "srt",
            ),
            ("PATCH", "/v3/video-translations/nope", {"title": ""}, 400, "title"),
            ("PATCH", "/v3/video-translations/nope", {"title": "t"}, 404, None),
            ("DELETE", "/v3/video-translations/nope", None, 404, None),
            ("GET", "/v3/video-translations/batches/nope", None, 404, None),
            (
                "POST",
                "/v3/video-translations/batches",
                {"video_translations": []},
                400,
                "video_translations",
            ),
            ("POST", "/v3/video-translations/batches", {"video_translations": [1]}, 400, None),
            (
                "POST",
                "/v3/video-translations/batches",
                {"video_translations": [{"video": VIDEO, "output_languages": ["de"] * 101}]},
                400,
                "video_translations",
            ),
            ("GET", "/v3/video-translations?limit=0", None, 400, "limit"),
            ("POST", "/v3/video-translations/proofreads", [1], 400, "body"),
            (
                "POST",
                "/v3/video-translations/proofreads",
                {"video": VIDEO, "output_languages": ["de"]},
                400,
                "title",
            ),
            ("GET", "/v3/video-translations/proofreads/nope", None, 404, None),
            ("GET", "/v3/video-translations/proofreads/nope/srt", None, 404, None),
        ],
    )
    def test_refused(self, fake, http, case):
        """Each is refused with HeyGen's status and the parameter's name."""
        method, path, body, status, name = case
        got, answer = call(http, fake, method, path, body)
        assert got == status
        assert param(answer) == name

    def test_a_bad_idempotency_key(self, fake, http):
        """A key with characters HeyGen does not take is a 400 naming the header."""
        body = {"video": VIDEO, "output_languages": ["German"]}
        got, answer = call(
            http, fake, "POST", "/v3/video-translations", body, headers={"Idempotency-Key": "a b"}
        )
        assert (got, param(answer)) == (400, "Idempotency-Key")

    def test_proofread_steps_check_their_input(self, fake, http):
        """Generating too early, an SRT that is no source, a bad body, a batch page too big."""
        body = {"video": VIDEO, "output_languages": ["German"], "title": "Draft"}
        _, created = call(http, fake, "POST", "/v3/video-translations/proofreads", body)
        path = f"/v3/video-translations/proofreads/{created['data']['proofread_ids'][0]}"
        assert call(http, fake, "POST", f"{path}/generate", {})[0] == 409
        for _ in range(2):
            call(http, fake, "GET", path)
        assert param(call(http, fake, "PUT", f"{path}/srt", {"srt": {}})[1]) == "srt"
        assert param(call(http, fake, "POST", f"{path}/generate", raw=b"[")[1]) == "body"
        _, batch = call(
            http,
            fake,
            "POST",
            "/v3/video-translations/batches",
            {"video_translations": [{"video": VIDEO, "output_languages": ["German"]}]},
        )
        page = f"/v3/video-translations/batches/{batch['data']['batch_id']}?limit=101"
        assert param(call(http, fake, "GET", page)[1]) == "limit"


class TestStrictGate:
    """With the spec gate on (the default), what breaks the spec is refused before routing."""

    @pytest.mark.parametrize(
        "case",
        [
            ("GET", "/v3/assets", None, "username"),
            ("GET", "/v3/assets?username=u&limit=101", None, "limit"),
            ("POST", "/v3/assets/direct-uploads", {"filename": "a.mp4"}, "content_type"),
            ("PATCH", "/v3/video-translations/t1", {}, "title"),
            ("POST", "/v3/video-translations/proofreads", {"video": VIDEO}, "output_languages"),
        ],
    )
    def test_refused_naming_the_parameter(self, http, case):
        """A 400 ``invalid_parameter`` naming what is wrong, as HeyGen answers."""
        method, path, body, name = case
        with FakeHeyGen(KEY) as strict:
            got, answer = call(http, strict, method, path, body)
        assert got == 400
        assert answer["error"]["code"] == "invalid_parameter"
        assert param(answer) == name
