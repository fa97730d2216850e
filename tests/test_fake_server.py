import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, IncompleteRead
from typing import Any

import pytest
import urllib3
from urllib3.exceptions import ProtocolError

from heygen_pipeline.testing._fake import FakeHeyGen, Fault
from heygen_pipeline.testing._fake_multipart import MultipartParser
from heygen_pipeline.testing.pytest_plugin import checked_fake

KEY = "test-key"
AUTH = {"X-Api-Key": KEY}
V1_UNAUTHORIZED = {"code": 400112, "message": "Unauthorized"}
V2_UNAUTHORIZED = {"data": None, "error": {"code": "internal_error", "message": "Unauthorized"}}
SCENE = {"character": {"type": "avatar", "avatar_id": "a"}, "voice": {"type": "text"}}
DIMENSION = {"width": 1280, "height": 720}
LOOK = "Daisy-inskirt-20220818"
VIDEO = {"type": "avatar", "avatar_id": LOOK}
"""The least a v3 create needs (the spec: type, and a look id for an avatar video)."""


@pytest.fixture
def fake() -> Iterator[FakeHeyGen]:
    """A fresh fake per test; it must end without internal errors."""
    with checked_fake(api_key=KEY, render_polls=3) as server:
        yield server
        assert server.handler_errors == []


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    """A plain urllib3 client: no retries, no redirects followed."""
    with urllib3.PoolManager(retries=False, timeout=5.0) as manager:
        yield manager


def _wait_for(predicate: Callable[[], bool], timeout: float = 2.0) -> None:
    """Wait for another thread's progress without sleeping a fixed time."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        pause.wait(0.005)


def _pool(url: str, **kwargs: Any) -> urllib3.HTTPConnectionPool:
    parsed = urllib3.util.parse_url(url)
    assert parsed.host is not None
    return urllib3.HTTPConnectionPool(parsed.host, parsed.port, retries=False, **kwargs)


def _create_v3(fake, http, headers=None, **body) -> urllib3.BaseHTTPResponse:
    return http.request(
        "POST",
        fake.base_url + "/v3/videos",
        json={**VIDEO, "script": "Hi", **body},
        headers=headers or AUTH,
    )


def _status(fake, http, video_id: str) -> dict[str, Any]:
    url = f"{fake.base_url}/v1/video_status.get?video_id={video_id}"
    response = http.request("GET", url, headers=AUTH)
    assert response.status == 200
    return response.json()["data"]


class TestLifecycle:
    """Start-up, keep-alive, concurrency and shutdown."""

    def test_ready_when_constructor_returns(self, http):
        """The three hosts answer at once, on 127.0.0.1 with distinct OS-assigned ports."""
        with FakeHeyGen() as fake:
            assert http.request("GET", fake.base_url + "/v2/voices", headers=AUTH).status == 200
            urls = {fake.base_url, fake.upload_url, fake.cdn_url}
            assert len(urls) == 3
            assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", url) for url in urls)

    def test_keep_alive_reuses_one_connection(self, fake):
        """Sequential requests travel on one TCP connection (HTTP/1.1 keep-alive)."""
        with _pool(fake.base_url, maxsize=1) as pool:
            for _ in range(3):
                assert pool.request("GET", "/v2/voices", headers=AUTH).status == 200
            assert pool.num_connections == 1
        assert fake.connections_for("api") == 1
        assert fake.connections_opened == 1
        assert len({r.connection_id for r in fake.requests}) == 1

    def test_close_with_idle_keep_alive_connection_is_quick(self, http):
        """close() cuts an idle keep-alive connection instead of waiting for its timeout."""
        fake = FakeHeyGen()
        with _pool(fake.base_url) as pool:
            assert pool.request("GET", "/v2/voices", headers=AUTH).status == 200
            start = time.monotonic()
            fake.close()
            assert time.monotonic() - start < 1.0
        assert all(not server._open for server in fake._servers.values())

    def test_close_interrupts_a_slow_fault(self, http):
        """A request stuck in Fault.slow does not hold close() up; its client sees an error."""
        fake = FakeHeyGen()
        fake.inject("GET", "/v2/voices", Fault.slow(30))
        errors: list[BaseException] = []

        def call() -> None:
            try:
                http.request("GET", fake.base_url + "/v2/voices", headers=AUTH)
            except Exception as exc:
                errors.append(exc)

        worker = threading.Thread(target=call)
        worker.start()
        _wait_for(lambda: len(fake.requests) == 1)
        start = time.monotonic()
        fake.close()
        assert time.monotonic() - start < 1.0
        worker.join(2)
        assert len(errors) == 1

    def test_close_is_idempotent_and_stops_listening(self):
        """close() twice is fine, and the ports no longer accept connections."""
        fake = FakeHeyGen()
        port = int(fake.base_url.rsplit(":", 1)[1])
        fake.close()
        fake.close()
        assert fake.closed
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass

    def test_constructor_rejects_bad_settings(self):
        """Nonsense settings fail at once instead of producing odd answers later."""
        for kwargs in ({"render_polls": -1}, {"video_bytes": -1}, {"page_size_default": 0}):
            with pytest.raises(ValueError):
                FakeHeyGen(**kwargs)

    def test_concurrent_clients_are_served(self, fake, http):
        """Many threads at once each get their own video id."""
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda _: _create_v3(fake, http), range(16)))
        ids = {r.json()["data"]["video_id"] for r in responses}
        assert len(ids) == 16


class TestAuth:
    """API keys, bearer tokens, the CDN key detector and request ids."""

    @pytest.mark.parametrize(
        ("route", "expected"),
        [
            (("api", "GET", "/v1/video.list"), V1_UNAUTHORIZED),
            (("api", "GET", "/v2/avatars"), V2_UNAUTHORIZED),
            (("upload", "POST", "/v1/asset"), V1_UNAUTHORIZED),
        ],
    )
    def test_missing_key_answers_401_in_the_route_shape(self, fake, http, route, expected):
        """v1 and v2 routes answer 401 with their own (unhelpful) error envelope."""
        host, method, path = route
        base = fake.base_url if host == "api" else fake.upload_url
        response = http.request(method, base + path)
        assert response.status == 401
        assert response.json() == expected

    def test_v3_401_has_code_and_doc_url(self, fake, http):
        """v3 routes answer 401 with code 'unauthorized' and a doc_url."""
        response = http.request("GET", fake.base_url + "/v3/users/me", headers={"X-Api-Key": "no"})
        assert response.status == 401
        error = response.json()["error"]
        assert error["code"] == "unauthorized"
        assert error["doc_url"].startswith("https://developers.heygen.com/")

    @pytest.mark.parametrize("name", ["x-api-key", "X-API-KEY", "X-Api-Key"])
    def test_header_name_is_case_insensitive(self, fake, http, name):
        """The key is accepted whatever the header name's case."""
        response = http.request("GET", fake.base_url + "/v2/voices", headers={name: KEY})
        assert response.status == 200

    def test_bearer_token_works_on_v3_only(self, http):
        """An OAuth bearer token opens v3 routes, not legacy ones, and must match."""
        with FakeHeyGen(oauth_token="tok") as fake:
            bearer = {"Authorization": "Bearer tok"}
            assert http.request("GET", fake.base_url + "/v3/users/me", headers=bearer).status == 200
            assert http.request("GET", fake.base_url + "/v2/avatars", headers=bearer).status == 401
            wrong = {"Authorization": "Bearer nope"}
            assert http.request("GET", fake.base_url + "/v3/users/me", headers=wrong).status == 401

    def test_bearer_rejected_without_oauth_token(self, fake, http):
        """Without a configured token, no bearer token is accepted."""
        headers = {"Authorization": "Bearer "}
        assert http.request("GET", fake.base_url + "/v3/users/me", headers=headers).status == 401

    def test_cdn_needs_no_key_and_records_none(self, fake, http):
        """The CDN serves without a key, and cdn_saw_key stays False when none is sent."""
        video_id = fake.video_ids[0]
        assert http.request("GET", f"{fake.cdn_url}/videos/{video_id}.mp4").status == 200
        assert fake.cdn_saw_key is False

    @pytest.mark.parametrize("header", [{"X-Api-Key": KEY}, {"Authorization": "Bearer x"}])
    def test_cdn_records_a_leaked_key(self, fake, http, header):
        """Any CDN request carrying a key or Authorization flips cdn_saw_key, for good."""
        http.request("GET", f"{fake.cdn_url}/videos/{fake.video_ids[0]}.mp4", headers=header)
        fake.clear_requests()
        assert fake.cdn_saw_key is True

    def test_request_ids_are_unique_and_recorded(self, fake, http):
        """Every API/upload answer, errors included, has its own X-Request-Id; the CDN none."""
        ids = [
            http.request("GET", fake.base_url + "/v2/voices", headers=AUTH).headers["X-Request-Id"],
            http.request("GET", fake.base_url + "/v2/voices").headers["X-Request-Id"],
            http.request("POST", fake.upload_url + "/v1/asset").headers["X-Request-Id"],
        ]
        assert len(set(ids)) == 3
        assert [r.request_id for r in fake.requests] == ids
        cdn = http.request("GET", f"{fake.cdn_url}/videos/{fake.video_ids[0]}.mp4")
        assert "X-Request-Id" not in cdn.headers


class TestRoutes:
    """Every catalogue route answers in its real envelope shape."""

    def test_v2_avatars_shape(self, fake, http):
        """GET /v2/avatars answers the v2 envelope with realistic avatar fields."""
        body = http.request("GET", fake.base_url + "/v2/avatars", headers=AUTH).json()
        assert body["error"] is None
        avatar = body["data"]["avatars"][0]
        assert set(avatar) >= {
            "avatar_id",
            "avatar_name",
            "gender",
            "preview_image_url",
            "preview_video_url",
            "premium",
            "type",
            "tags",
            "default_voice_id",
        }
        assert body["data"]["talking_photos"]
        assert avatar["preview_image_url"].startswith(fake.cdn_url)

    def test_v2_voices_shape(self, fake, http):
        """GET /v2/voices lists voices with the documented fields (HeyGen's client's too)."""
        body = http.request("GET", fake.base_url + "/v2/voices", headers=AUTH).json()
        voice = body["data"]["voices"][0]
        assert set(voice) == {
            "voice_id",
            "language",
            "gender",
            "name",
            "preview_audio",
            "support_pause",
            "emotion_support",
            "support_interactive_avatar",
        }

    def test_quota_and_user(self, fake, http):
        """The quota (v2, empty details) and the v3 user answer their shapes."""
        quota = http.request("GET", fake.base_url + "/v2/user/remaining_quota", headers=AUTH)
        assert quota.json() == {"error": None, "data": {"remaining_quota": 3600, "details": {}}}
        user = http.request("GET", fake.base_url + "/v3/users/me", headers=AUTH).json()["data"]
        assert {"username", "email", "billing_type", "wallet"} <= set(user)

    @pytest.mark.parametrize(
        ("path", "key"),
        [("/v3/avatars", "id"), ("/v3/avatars/looks", "id"), ("/v3/voices", "voice_id")],
    )
    def test_v3_lists_page_through_every_item_once(self, fake, http, path, key):
        """v3 avatar groups, looks and voices page by next_token until has_more is false."""
        seen: list[str] = []
        token = None
        while True:
            query = f"?limit=2&token={token}" if token else "?limit=2"
            body = http.request("GET", fake.base_url + path + query, headers=AUTH).json()
            assert len(body["data"]) <= 2
            seen += [item[key] for item in body["data"]]
            if not body["has_more"]:
                assert body["next_token"] is None
                break
            token = body["next_token"]
        assert len(seen) == len(set(seen)) >= 5

    @pytest.mark.parametrize("limit", ["0", "101", "ten"])
    def test_v3_list_limit_is_validated(self, fake, http, limit):
        """A limit outside 1-100 is a v3 invalid_parameter naming 'limit'."""
        response = http.request("GET", f"{fake.base_url}/v3/videos?limit={limit}", headers=AUTH)
        assert response.status == 400
        assert response.json()["error"]["param"] == "limit"

    def test_unknown_route_is_v3_not_found(self, fake, http):
        """An unknown path answers 404 not_found in the v3 shape, key or not."""
        response = http.request("GET", fake.base_url + "/v9/nothing")
        assert response.status == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_wrong_method_is_405_with_allow(self, fake, http):
        """A known path with the wrong method answers 405 and lists the allowed ones."""
        response = http.request("PUT", fake.base_url + "/v3/videos", headers=AUTH)
        assert response.status == 405
        assert response.headers["Allow"] == "GET, POST"

    def test_cdn_serves_previews_and_head(self, fake, http):
        """Preview links stay local, and HEAD gives the video's length without a body."""
        preview = http.request("GET", fake.cdn_url + "/previews/x.webp")
        assert preview.status == 200
        assert preview.headers["Content-Type"] == "image/webp"
        head = http.request("HEAD", f"{fake.cdn_url}/videos/{fake.video_ids[0]}.mp4")
        assert head.headers["Content-Length"] == str(64 * 1024)
        assert head.data == b""


class TestUploads:
    """The legacy upload host: content types, chunked and big bodies."""

    def test_upload_answers_v1_envelope(self, fake, http):
        """POST /v1/asset with raw bytes answers the v1 envelope; the CDN serves it back."""
        response = http.request(
            "POST",
            fake.upload_url + "/v1/asset",
            body=b"\x89PNG...",
            headers={**AUTH, "Content-Type": "image/png"},
        )
        body = response.json()
        assert body["code"] == 100
        assert body["msg"] is None
        assert body["message"] is None
        assert set(body["data"]) == {"id", "name", "file_type", "url", "image_key"}
        assert body["data"]["file_type"] == "image"
        assert http.request("GET", body["data"]["url"]).data == b"\x89PNG..."
        assert fake.assets[0].size == 7

    def test_upload_rejects_other_content_types(self, fake, http):
        """A Content-Type outside the allowed five is a v1-shaped 400."""
        response = http.request(
            "POST",
            fake.upload_url + "/v1/asset",
            body=b"x",
            headers={**AUTH, "Content-Type": "text/plain"},
        )
        assert response.status == 400
        assert response.json()["code"] == 400175

    def test_chunked_big_upload_is_hashed_not_kept(self, fake, http):
        """A 3 MiB chunked upload is read fully but recorded as size and SHA-256 only."""
        parts = [bytes([n]) * (256 * 1024) for n in range(12)]
        response = http.request(
            "POST",
            fake.upload_url + "/v1/asset",
            body=iter(parts),
            chunked=True,
            headers={**AUTH, "Content-Type": "video/mp4"},
        )
        assert response.status == 200
        digest = hashlib.sha256(b"".join(parts)).hexdigest()
        (recorded,) = fake.requests_for("POST", "/v1/asset")
        assert recorded.header("Transfer-Encoding") == "chunked"
        assert recorded.body is None
        assert (recorded.body_size, recorded.body_sha256) == (3 * 1024 * 1024, digest)
        assert (fake.assets[0].size, fake.assets[0].sha256) == (3 * 1024 * 1024, digest)

    def test_small_chunked_upload_keeps_bytes(self, fake, http):
        """A small chunked body is reassembled and kept as bytes."""
        http.request(
            "POST",
            fake.upload_url + "/v1/asset",
            body=iter([b"ab", b"cd", b"e"]),
            chunked=True,
            headers={**AUTH, "Content-Type": "audio/mpeg"},
        )
        assert fake.requests[0].body == b"abcde"

    def test_broken_chunked_framing_is_400_and_closes(self, fake):
        """A malformed chunk header gets a 400 and the connection is closed."""
        port = int(fake.upload_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(
                b"POST /v1/asset HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n"
            )
            received = b""
            while chunk := sock.recv(4096):
                received += chunk
        assert received.startswith(b"HTTP/1.1 400")


class TestVideoJobs:
    """Creating, polling, failing, listing, replaying and deleting video jobs."""

    @pytest.mark.parametrize(
        "body",
        [
            b"{}",
            b'{"video_inputs": []}',
            json.dumps({"video_inputs": [SCENE] * 51}).encode(),
            b"{not json",
            b"[]",
        ],
    )
    def test_v2_generate_validates_video_inputs(self, http, body):
        """Missing, empty, oversized or unparsable input is the route's documented v2 400."""
        with FakeHeyGen(api_key=KEY, strict=False) as loose:  # the route's own check
            response = http.request(
                "POST", loose.base_url + "/v2/video/generate", body=body, headers=AUTH
            )
        assert response.status == 400
        assert response.json() == {
            "data": None,
            "error": {
                "code": "invalid_parameter",
                "message": "video_inputs is invalid: field required",
            },
        }

    def test_v2_generate_needs_a_dimension(self, fake, http):
        """The legacy spec requires ``dimension``: the strict fake refuses a body without it."""
        response = http.request(
            "POST",
            fake.base_url + "/v2/video/generate",
            json={"video_inputs": [SCENE]},
            headers=AUTH,
        )
        assert response.status == 400
        assert "dimension" in response.json()["error"]["message"]

    def test_v1_status_walks_the_job_to_completion(self, fake, http):
        """Each status poll moves one step: pending, processing, completed (after 3 polls)."""
        created = http.request(
            "POST",
            fake.base_url + "/v2/video/generate",
            json={"video_inputs": [SCENE], "dimension": DIMENSION},
            headers=AUTH,
        ).json()
        assert created["error"] is None
        video_id = created["data"]["video_id"]
        listed = http.request("GET", fake.base_url + "/v1/video.list?limit=1", headers=AUTH).json()
        assert listed["data"]["videos"][0]["status"] == "waiting"
        steps = [_status(fake, http, video_id) for _ in range(4)]
        assert [s["status"] for s in steps] == ["pending", "processing", "completed", "completed"]
        assert steps[0]["video_url"] is None
        url = steps[2]["video_url"]
        assert re.fullmatch(
            re.escape(f"{fake.cdn_url}/videos/{video_id}.mp4")
            + r"\?Expires=\d+&Signature=[^&]+&.*",
            url,
        )
        assert steps[3]["video_url"] != url  # re-signed on every call
        assert steps[2]["error"] is None
        assert steps[2]["duration"] > 0

    def test_v3_status_shares_the_store_and_state_machine(self, fake, http):
        """A v2-created video advances through GET /v3/videos/{id} with v3 status names."""
        video_id = http.request(
            "POST",
            fake.base_url + "/v2/video/generate",
            json={"video_inputs": [SCENE], "dimension": DIMENSION},
            headers=AUTH,
        ).json()["data"]["video_id"]
        statuses = []
        for _ in range(3):
            data = http.request(
                "GET", f"{fake.base_url}/v3/videos/{video_id}", headers=AUTH
            ).json()["data"]
            statuses.append(data["status"])
        assert statuses == ["pending", "processing", "completed"]
        assert data["video_url"].startswith(fake.cdn_url)
        assert data["failure_code"] is None

    def test_unknown_video_is_404_in_each_shape(self, fake, http):
        """Unknown ids: v1 answers 404 code 40104, v3 404 video_not_found."""
        v1 = http.request("GET", fake.base_url + "/v1/video_status.get?video_id=nope", headers=AUTH)
        assert (v1.status, v1.json()) == (404, {"code": 40104, "message": "Video not found"})
        v3 = http.request("GET", fake.base_url + "/v3/videos/nope", headers=AUTH)
        assert (v3.status, v3.json()["error"]["code"]) == (404, "video_not_found")
        cdn = http.request("GET", fake.cdn_url + "/videos/nope.mp4")
        assert cdn.status == 404

    def test_failed_video_carries_a_reason(self, fake, http):
        """fail_video(id) ends the job 'failed' with an error object (v1) and failure_* (v3)."""
        video_id = _create_v3(fake, http).json()["data"]["video_id"]
        fake.fail_video(video_id, code="RENDER_FAILED", message="avatar missing", detail="d")
        final = [_status(fake, http, video_id) for _ in range(3)][-1]
        assert final["status"] == "failed"
        assert final["error"] == {
            "code": "RENDER_FAILED",
            "message": "avatar missing",
            "detail": "d",
        }
        assert final["video_url"] is None
        v3 = http.request("GET", f"{fake.base_url}/v3/videos/{video_id}", headers=AUTH).json()[
            "data"
        ]
        assert (v3["status"], v3["failure_code"], v3["failure_message"]) == (
            "failed",
            "RENDER_FAILED",
            "avatar missing",
        )

    def test_next_created_video_can_fail_without_reason(self, fake, http):
        """fail_video(None, message=None) hits the next video and leaves data.error null."""
        fake.fail_video(None, message=None)
        video_id = _create_v3(fake, http).json()["data"]["video_id"]
        final = [_status(fake, http, video_id) for _ in range(3)][-1]
        assert (final["status"], final["error"]) == ("failed", None)
        with pytest.raises(KeyError):
            fake.fail_video("no-such-video")

    def test_cdn_streams_exact_video_bytes(self, http):
        """The CDN sends video_bytes deterministic bytes with the right headers, even if large."""
        size = 3 * 1024 * 1024 + 7
        with FakeHeyGen(video_bytes=size, render_polls=0) as fake:
            url = f"{fake.cdn_url}/videos/{fake.video_ids[0]}.mp4"
            response = http.request("GET", url, preload_content=False)
            digest = hashlib.sha256()
            for chunk in response.stream(256 * 1024):
                digest.update(chunk)
            response.release_conn()
            assert response.headers["Content-Type"] == "video/mp4"
            assert response.headers["Content-Length"] == str(size)
            assert digest.hexdigest() == hashlib.sha256(fake.video_payload()).hexdigest()
            assert fake.video_payload()[:3] == b"\x00\x01\x02"

    def test_v1_list_pages_every_video_exactly_once(self, fake, http):
        """video.list walks seeded and created videos, newest first, each once."""
        for _ in range(4):
            _create_v3(fake, http)
        seen: list[str] = []
        token = None
        while True:
            url = f"{fake.base_url}/v1/video.list?limit=3" + (f"&token={token}" if token else "")
            body = http.request("GET", url, headers=AUTH).json()
            assert body["code"] == 100
            seen += [v["video_id"] for v in body["data"]["videos"]]
            token = body["data"]["token"]
            if token is None:
                break
        assert seen == list(reversed(fake.video_ids))
        assert len(seen) == 7

    @pytest.mark.parametrize("query", ["limit=0", "limit=x", "token=bogus"])
    def test_v1_list_rejects_bad_paging(self, fake, http, query):
        """A bad limit or token is a v1-shaped 400."""
        response = http.request("GET", f"{fake.base_url}/v1/video.list?{query}", headers=AUTH)
        assert response.status == 400
        assert response.json()["code"] == 400175

    def test_v3_list_pages_every_video_exactly_once_without_advancing(self, fake, http):
        """GET /v3/videos pages all videos once; listing does not move jobs along."""
        created = [_create_v3(fake, http).json()["data"]["video_id"] for _ in range(3)]
        seen: list[dict[str, Any]] = []
        token = None
        while True:
            query = f"?limit=2&token={token}" if token else "?limit=2"
            body = http.request("GET", fake.base_url + "/v3/videos" + query, headers=AUTH).json()
            seen += body["data"]
            token = body["next_token"]
            if not body["has_more"]:
                break
        assert [v["id"] for v in seen] == list(reversed(fake.video_ids))
        assert {v["status"] for v in seen if v["id"] in created} == {"pending"}
        assert _status(fake, http, created[0])["status"] == "pending"

    @pytest.mark.parametrize("strict", [True, False])
    @pytest.mark.parametrize(
        ("body", "param"),
        [
            (b"{}", "type"),
            (b'{"title": "x"}', "type"),
            (b'{"type": "avatar", "script": "Hi"}', "avatar_id"),
            (b'{"type": "image", "script": "Hi"}', "image"),
            (b'{"type": "cinematic_avatar", "avatar_id": ["l"]}', "prompt"),
            (b'{"type": "studio"}', "scenes"),
            (b'{"type": "avatar", "avatar_id": "l", "script": "x", "audio_url": "u"}', "audio_url"),
            (b'{"type": "image", "image": {"type": "url", "url": "u"}, "script": "x"}', "voice_id"),
            (b"nope", "body"),
        ],
    )
    def test_v3_create_validates(self, http, body, param, strict):
        """A create missing what its kind requires (or not JSON) is a v3 400 naming the field.

        Strict, the spec gate answers (its ``oneOf`` has no discriminator, so for a kind
        other than ``avatar`` it may name the first kind's field); not strict, the route's
        own checks name the field of the kind asked for.
        """
        with FakeHeyGen(api_key=KEY, strict=strict) as fake:
            headers = {**AUTH, "Content-Type": "application/json"}
            url = fake.base_url + "/v3/videos"
            response = http.request("POST", url, body=body, headers=headers)
            assert len(fake.video_ids) == 3  # the seeded ones: nothing created
        assert response.status == 400
        error = response.json()["error"]
        assert error["code"] == "invalid_parameter"
        assert error["param"] == param or (strict and error["param"] == "avatar_id")
        assert "doc_url" in error

    def test_idempotency_key_replays_without_creating(self, fake, http):
        """A repeated Idempotency-Key replays the first video id and creates nothing new."""
        before = len(fake.video_ids)
        headers = {**AUTH, "Idempotency-Key": "order-42:try.1"}
        first = _create_v3(fake, http, headers)
        second = _create_v3(fake, http, headers)
        assert first.data == second.data
        assert second.headers["Idempotent-Replayed"] == "true"
        assert fake.creations_by_key == {"order-42:try.1": 1}
        assert len(fake.video_ids) == before + 1

    def test_concurrent_repeats_of_a_key_create_once(self, fake, http):
        """Parallel requests with one key still create exactly one video."""
        headers = {**AUTH, "Idempotency-Key": "same"}
        with ThreadPoolExecutor(8) as pool:
            bodies = set(pool.map(lambda _: _create_v3(fake, http, headers).data, range(8)))
        assert len(bodies) == 1
        assert fake.creations_by_key == {"same": 1}

    @pytest.mark.parametrize("key", ["has space", "x" * 256, "é"])
    def test_invalid_idempotency_key_is_400(self, fake, http, key):
        """Keys outside 1-255 chars of [A-Za-z0-9_-:.] are rejected and create nothing."""
        response = _create_v3(fake, http, {**AUTH, "Idempotency-Key": key})
        assert response.status == 400
        assert response.json()["error"]["param"] == "Idempotency-Key"
        assert fake.creations_by_key == {}

    def test_delete_removes_the_video(self, fake, http):
        """DELETE /v3/videos/{id} removes it; later reads and deletes are 404."""
        video_id = _create_v3(fake, http).json()["data"]["video_id"]
        url = f"{fake.base_url}/v3/videos/{video_id}"
        assert http.request("DELETE", url, headers=AUTH).json()["data"]["deleted"] is True
        assert http.request("GET", url, headers=AUTH).status == 404
        assert http.request("DELETE", url, headers=AUTH).status == 404
        assert video_id not in fake.video_ids


class TestFaults:
    """Every fault kind, the FIFO queue and per-host targeting."""

    def test_queued_faults_are_consumed_in_order(self, fake, http):
        """Each matching request takes the next fault (FIFO); then the route is normal again."""
        fake.inject("GET", "/v2/voices", Fault.status(418), Fault.server_error(503))
        assert fake.pending_faults("GET", "/v2/voices") == 2
        url = fake.base_url + "/v2/voices"
        statuses = [http.request("GET", url, headers=AUTH).status for _ in range(3)]
        assert statuses == [418, 503, 200]
        assert fake.pending_faults("GET", "/v2/voices") == 0

    def test_faults_match_method_and_path_ignoring_query(self, fake, http):
        """A fault on the path applies whatever the query; other methods are untouched."""
        fake.inject("GET", "/v3/videos", Fault.status(409))
        assert _create_v3(fake, http).status == 200
        response = http.request("GET", fake.base_url + "/v3/videos?limit=5", headers=AUTH)
        assert response.status == 409

    def test_inject_always_lasts_until_cleared(self, fake, http):
        """inject_always applies to every request until clear_faults()."""
        fake.inject_always("GET", "/v2/voices", Fault.server_error(502))
        url = fake.base_url + "/v2/voices"
        assert [http.request("GET", url, headers=AUTH).status for _ in range(2)] == [502, 502]
        fake.clear_faults()
        assert http.request("GET", url, headers=AUTH).status == 200

    def test_status_fault_sends_body_and_headers(self, fake, http):
        """Fault.status sends any status with a JSON-encoded dict body and extra headers."""
        fake.inject(
            "GET",
            "/v2/voices",
            Fault.status(402, {"error": {"code": "insufficient_credit"}}, {"X-A": "b"}),
        )
        response = http.request("GET", fake.base_url + "/v2/voices", headers=AUTH)
        assert response.status == 402
        assert response.json() == {"error": {"code": "insufficient_credit"}}
        assert response.headers["X-A"] == "b"
        assert response.headers["X-Request-Id"]

    @pytest.mark.parametrize("value", ["1", "0.5", "Wed, 21 Oct 2015 07:28:00 GMT", "soon!!"])
    def test_rate_limited_sends_retry_after_verbatim(self, fake, http, value):
        """429 carries any Retry-After value as given, with a v3 rate_limit_exceeded body."""
        fake.inject("GET", "/v3/videos", Fault.rate_limited(value, retry_after_ms="1500"))
        response = http.request("GET", fake.base_url + "/v3/videos", headers=AUTH)
        assert response.status == 429
        assert response.headers["Retry-After"] == value
        assert response.headers["retry-after-ms"] == "1500"
        assert response.json()["error"]["code"] == "rate_limit_exceeded"

    def test_rate_limited_other_shapes_and_no_header(self, fake, http):
        """rate_limited can speak v1 or v2 and can omit Retry-After entirely."""
        fake.inject(
            "GET",
            "/v2/voices",
            Fault.rate_limited(None, shape="v2"),
            Fault.rate_limited(shape="v1"),
        )
        url = fake.base_url + "/v2/voices"
        v2 = http.request("GET", url, headers=AUTH)
        assert "Retry-After" not in v2.headers
        assert v2.json()["error"]["code"] == "rate_limit_exceeded"
        assert v2.json()["data"] is None
        assert set(http.request("GET", url, headers=AUTH).json()) == {"code", "message"}

    @pytest.mark.parametrize(
        ("path", "check"),
        [
            ("/v1/video.list", lambda b: isinstance(b["code"], int) and "message" in b),
            ("/v2/voices", lambda b: b["data"] is None and b["error"]["code"] == "internal_error"),
            ("/v3/videos", lambda b: b["error"]["code"] == "internal_error"),
        ],
    )
    def test_server_error_follows_the_route_shape(self, fake, http, path, check):
        """server_error answers 5xx with an internal_error envelope in the route's shape."""
        fake.inject("GET", path, Fault.server_error(503))
        response = http.request("GET", fake.base_url + path, headers=AUTH)
        assert response.status == 503
        assert check(response.json())

    def test_reset_drops_the_connection_then_recovers(self, fake, http):
        """Fault.reset reads the request and closes with RST; the next request is normal."""
        fake.inject("POST", "/v3/videos", Fault.reset())
        with pytest.raises(ProtocolError):
            _create_v3(fake, http)
        assert len(fake.requests_for("POST", "/v3/videos")) == 1
        assert fake.video_ids == fake.video_ids[:3]  # nothing was created
        assert _create_v3(fake, http).status == 200

    def test_slow_then_normal_and_slow_then_fault(self, fake, http):
        """Fault.slow waits before answering normally, or with its follow-up fault."""
        fake.inject(
            "GET", "/v2/voices", Fault.slow(0.05), Fault.slow(0.01, then=Fault.server_error())
        )
        url = fake.base_url + "/v2/voices"
        start = time.monotonic()
        assert http.request("GET", url, headers=AUTH).status == 200
        assert time.monotonic() - start >= 0.05
        assert http.request("GET", url, headers=AUTH).status == 500

    def test_slow_trips_a_client_read_timeout(self, fake, http):
        """A slow answer exceeds a short client read timeout."""
        fake.inject("GET", "/v2/voices", Fault.slow(1.0))
        with pytest.raises(urllib3.exceptions.ReadTimeoutError):
            http.request("GET", fake.base_url + "/v2/voices", headers=AUTH, timeout=0.1)

    def test_truncated_body_breaks_the_read(self, fake, http):
        """Fault.truncated announces more bytes than it sends, so the client read fails."""
        fake.inject("GET", "/v2/voices", Fault.truncated())
        with pytest.raises(ProtocolError):
            http.request("GET", fake.base_url + "/v2/voices", headers=AUTH)

    def test_truncated_body_is_half_json(self, fake):
        """The truncated body is the start of a JSON document, shorter than Content-Length."""
        fake.inject("GET", "/v2/voices", Fault.truncated())
        connection = HTTPConnection(fake.base_url.removeprefix("http://"), timeout=2)
        try:
            connection.request("GET", "/v2/voices", headers=AUTH)
            response = connection.getresponse()
            with pytest.raises(IncompleteRead) as caught:
                response.read()
        finally:
            connection.close()
        assert caught.value.partial.startswith(b'{"data"')
        assert caught.value.expected > 0

    def test_empty_html_and_not_json(self, fake, http):
        """empty, html and not_json give non-envelope bodies with telling headers."""
        fake.inject("GET", "/v2/voices", Fault.empty(), Fault.html(), Fault.not_json(500))
        url = fake.base_url + "/v2/voices"
        empty = http.request("GET", url, headers=AUTH)
        assert (empty.status, empty.data, empty.headers["Content-Length"]) == (200, b"", "0")
        html = http.request("GET", url, headers=AUTH)
        assert html.status == 502
        assert html.headers["Content-Type"].startswith("text/html")
        assert b"<html>" in html.data
        garbage = http.request("GET", url, headers=AUTH)
        assert garbage.headers["Content-Type"] == "application/json"
        with pytest.raises(ValueError):
            json.loads(garbage.data)

    def test_redirects(self, fake, http):
        """Fault.redirect sends Location as given; redirect_to_cdn points at this fake's CDN."""
        target = fake.cdn_url + "/previews/a.jpg"
        fake.inject(
            "GET",
            "/v2/voices",
            Fault.redirect(target, 307),
            Fault.redirect_to_cdn("/previews/b.jpg"),
        )
        url = fake.base_url + "/v2/voices"
        first = http.request("GET", url, headers=AUTH)
        assert (first.status, first.headers["Location"]) == (307, target)
        second = http.request("GET", url, headers=AUTH)
        assert (second.status, second.headers["Location"]) == (
            302,
            fake.cdn_url + "/previews/b.jpg",
        )
        assert http.request("GET", second.headers["Location"]).status == 200

    def test_faults_on_upload_and_cdn_hosts(self, fake, http):
        """Faults can target the upload and CDN hosts too."""
        fake.inject("POST", "/v1/asset", Fault.server_error(), host="upload")
        path = f"/videos/{fake.video_ids[0]}.mp4"
        fake.inject(
            "GET",
            path,
            Fault.status(403, b"<Error>AccessDenied</Error>", {"Content-Type": "application/xml"}),
            host="cdn",
        )
        upload = http.request(
            "POST",
            fake.upload_url + "/v1/asset",
            body=b"x",
            headers={**AUTH, "Content-Type": "image/png"},
        )
        assert (upload.status, upload.json()["code"]) == (500, 500)
        cdn = http.request("GET", fake.cdn_url + path)
        assert (cdn.status, cdn.headers["Content-Type"]) == (403, "application/xml")

    def test_bad_fault_arguments_fail_fast(self, fake):
        """Unknown hosts, paths with queries and impossible statuses raise ValueError."""
        with pytest.raises(ValueError):
            fake.inject("GET", "/v2/voices", Fault.empty(), host="nope")
        with pytest.raises(ValueError):
            fake.inject("GET", "/v2/voices?x=1", Fault.empty())
        with pytest.raises(ValueError):
            Fault.status(700)
        with pytest.raises(ValueError):
            Fault.slow(-1)


class TestRecording:
    """What the fake remembers of each request."""

    def test_request_fields_are_recorded(self, fake, http):
        """Host, method, path, query, lowercased headers, body and request id are kept."""
        response = http.request(
            "POST",
            fake.base_url + "/v3/videos?x=1&y=",
            body=b'{"script": "hi"}',
            headers={**AUTH, "Content-Type": "application/json", "X-Custom": "v"},
        )
        (recorded,) = fake.requests
        assert (recorded.host, recorded.method, recorded.path) == ("api", "POST", "/v3/videos")
        assert dict(recorded.query) == {"x": "1", "y": ""}
        assert recorded.headers["x-custom"] == "v"
        assert recorded.header("X-API-KEY") == KEY
        assert recorded.body == b'{"script": "hi"}'
        assert recorded.body_sha256 == hashlib.sha256(recorded.body).hexdigest()
        assert recorded.request_id == response.headers["X-Request-Id"]
        assert abs(recorded.time - time.time()) < 5
        assert KEY not in repr(recorded)

    def test_requests_for_and_clear(self, fake, http):
        """requests_for filters by method, path and host; clear_requests forgets all."""
        http.request("GET", fake.base_url + "/v2/voices", headers=AUTH)
        http.request("GET", fake.base_url + "/v2/avatars", headers=AUTH)
        http.request("GET", fake.cdn_url + "/previews/a.jpg")
        assert len(fake.requests_for("get", "/v2/voices")) == 1
        assert fake.requests_for("GET", "/previews/a.jpg", host="api") == []
        assert len(fake.requests_for("GET", "/previews/a.jpg", host="cdn")) == 1
        fake.clear_requests()
        assert fake.requests == []

    def test_big_bodies_are_hashed(self, fake, http):
        """Bodies over 1 MiB with Content-Length are recorded as size and hash only."""
        body = b"z" * (1024 * 1024 + 1)
        response = http.request(
            "POST", fake.base_url + "/v2/video/generate", body=body, headers=AUTH
        )
        assert response.status == 400
        (recorded,) = fake.requests
        assert recorded.body is None
        assert recorded.body_size == len(body)
        assert recorded.body_sha256 == hashlib.sha256(body).hexdigest()

    def test_concurrent_requests_are_all_recorded(self, fake, http):
        """Recording is thread-safe: every parallel request appears once."""
        url = fake.base_url + "/v2/voices"
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: http.request("GET", url, headers=AUTH), range(40)))
        recorded = fake.requests_for("GET", "/v2/voices")
        assert len(recorded) == 40
        assert len({r.request_id for r in recorded}) == 40


def _multipart(parts: list[tuple[str, str | None, str | None, bytes]], boundary: str) -> bytes:
    """A multipart/form-data body of (name, filename, content type, bytes) parts."""
    out = b""
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type is not None:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


class TestMultipartParser:
    """The streaming parser behind POST /v3/assets."""

    BODY = _multipart(
        [("title", None, None, b"hello"), ("file", "a.png", "image/png", b"\r\n--x" * 50)],
        "bound-1",
    )

    def parse(self, body: bytes, size: int):
        """Feed ``body`` in ``size``-byte chunks; return (parts, error)."""
        parser = MultipartParser.for_content_type("multipart/form-data; boundary=bound-1")
        assert parser is not None
        for start in range(0, len(body), size):
            parser.feed(body[start : start + size])
        return parser.close(), parser.error

    @pytest.mark.parametrize("size", [1, 2, 3, 7, 13, 64, 4096])
    def test_any_chunking_gives_the_same_parts(self, size):
        """Boundaries split across chunks at any point are still found; CRLFs in data stay."""
        parts, error = self.parse(self.BODY, size)
        assert error is None
        assert [(p.name, p.filename, p.content_type, p.body) for p in parts] == [
            ("title", None, None, b"hello"),
            ("file", "a.png", "image/png", b"\r\n--x" * 50),
        ]
        assert parts[1].sha256 == hashlib.sha256(b"\r\n--x" * 50).hexdigest()

    def test_big_part_is_hashed_not_kept(self):
        """A part over 1 MiB keeps only its size and hash."""
        data = b"q" * (1024 * 1024 + 10)
        parts, _ = self.parse(_multipart([("file", "v.mp4", "video/mp4", data)], "bound-1"), 65536)
        assert parts[0].body is None
        assert parts[0].size == len(data)

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            (b"--bound-1\r\nContent-Disposition: form-data\r\n\r\nnever closed", "ended before"),
            (b"--bound-1XY", "not followed"),
            (b"no boundary at all", "ended before"),
        ],
    )
    def test_malformed_bodies(self, body, error):
        """Broken framing gives no parts and says why."""
        parts, reason = self.parse(body, 5)
        assert parts is None
        assert error in reason

    def test_other_content_types_get_no_parser(self):
        """Only multipart/form-data with a boundary is parsed."""
        assert MultipartParser.for_content_type("application/json") is None
        assert MultipartParser.for_content_type("multipart/form-data") is None
        assert MultipartParser.for_content_type(None) is None


class TestV3Assets:
    """POST /v3/assets (multipart, field ``file``, 32 MB) and GET /v3/assets."""

    def upload(self, fake, http, body: bytes, boundary: str = "b0und"):
        """POST ``body`` to /v3/assets as multipart with ``boundary``."""
        return http.request(
            "POST",
            fake.base_url + "/v3/assets",
            body=body,
            headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def test_upload_and_list(self, fake, http):
        """The file part becomes an asset, served back by the CDN and listed."""
        data = b"\x89PNG fake"
        response = self.upload(
            fake, http, _multipart([("file", "x.png", "image/png", data)], "b0und")
        )
        assert response.status == 200
        uploaded = response.json()["data"]
        assert set(uploaded) == {"asset_id", "url", "mime_type", "size_bytes"}
        assert (uploaded["mime_type"], uploaded["size_bytes"]) == ("image/png", len(data))
        assert http.request("GET", uploaded["url"]).data == data
        listed = http.request(
            "GET", fake.base_url + "/v3/assets?username=fake-user", headers=AUTH
        ).json()
        assert [(a["id"], a["name"], a["type"]) for a in listed["data"]] == [
            (uploaded["asset_id"], "x.png", "image")
        ]
        assert listed["has_more"] is False
        (recorded,) = fake.requests_for("POST", "/v3/assets")
        assert recorded.body is None  # multipart bodies live in ``form``
        assert recorded.form[0].filename == "x.png"

    def test_over_the_limit_is_413(self, http):
        """A file part over ``asset_max_bytes`` is a v3 413 payload_too_large."""
        with FakeHeyGen(asset_max_bytes=10) as small:
            body = _multipart([("file", "x.mp4", "video/mp4", b"0123456789A")], "b0und")
            response = self.upload(small, http, body)
            assert response.status == 413
            assert response.json()["error"]["code"] == "payload_too_large"
            assert small.assets == []

    @pytest.mark.parametrize(
        ("body", "content_type"),
        [
            (_multipart([("other", "x.png", "image/png", b"x")], "b0und"), None),
            (_multipart([("file", None, None, b"x")], "b0und"), None),
            (_multipart([("file", "x.png", "image/png", b"")], "b0und"), None),
            (b"--b0und\r\nbroken", None),
            (b'{"file": "x"}', "application/json"),
        ],
        ids=["wrong-field", "not-a-file", "empty", "malformed", "not-multipart"],
    )
    def test_bad_uploads_are_400(self, fake, http, body, content_type):
        """No file part, an empty one or broken framing: a v3 400 on ``file`` (JSON: its type)."""
        headers = {**AUTH, "Content-Type": content_type or "multipart/form-data; boundary=b0und"}
        response = http.request("POST", fake.base_url + "/v3/assets", body=body, headers=headers)
        assert response.status == 400
        # Strict mode refuses a JSON body before the route: the spec takes multipart only.
        expected = "Content-Type" if content_type else "file"
        assert response.json()["error"]["param"] == expected


class TestTemplates:
    """GET /v2/templates, GET /v2/template/{id}, POST /v2/template/{id}/generate."""

    def test_list_get_generate(self, fake, http):
        """Templates list, show their variables, and generate a video."""
        listed = http.request("GET", fake.base_url + "/v2/templates", headers=AUTH).json()
        assert listed["error"] is None
        template_id = listed["data"]["templates"][0]["template_id"]
        one = http.request("GET", f"{fake.base_url}/v2/template/{template_id}", headers=AUTH)
        assert "first_name" in one.json()["data"]["variables"]
        made = http.request(
            "POST",
            f"{fake.base_url}/v2/template/{template_id}/generate",
            json={"variables": {"first_name": {"name": "first_name"}}, "title": "T"},
            headers=AUTH,
        )
        assert made.json()["data"]["video_id"] in fake.video_ids

    def test_errors(self, fake, http):
        """Unknown templates are a v2 404; unknown variables a v2 400."""
        missing = http.request("GET", fake.base_url + "/v2/template/nope", headers=AUTH)
        assert missing.status == 404
        assert missing.json()["error"]["code"] == "not_found"
        bad = http.request(
            "POST",
            fake.base_url + "/v2/template/tpl_training_0003/generate",
            json={"variables": {"x": {}}},
            headers=AUTH,
        )
        assert bad.status == 400


class TestTranslations:
    """v3 and v2 translation jobs moving through their states."""

    def test_v3_job_states(self, fake, http):
        """One id per language; pending, running, completed with a CDN link."""
        created = http.request(
            "POST",
            fake.base_url + "/v3/video-translations",
            json={
                "video": {"type": "url", "url": "https://x/v.mp4"},
                "output_languages": ["es", "de"],
            },
            headers=AUTH,
        ).json()
        ids = created["data"]["video_translation_ids"]
        assert len(ids) == 2
        url = f"{fake.base_url}/v3/video-translations/{ids[0]}"
        states = [http.request("GET", url, headers=AUTH).json()["data"] for _ in range(3)]
        assert [s["status"] for s in states] == ["pending", "running", "completed"]
        assert http.request("GET", states[-1]["video_url"]).status == 200

    def test_v2_job_states_and_failure(self, fake, http):
        """Legacy statuses end in ``success``; a failure carries its message."""
        fake.fail_translation(message="No speech")
        created = http.request(
            "POST",
            fake.base_url + "/v2/video_translate",
            json={"video_url": "https://x/v.mp4", "output_language": "fr"},
            headers=AUTH,
        ).json()
        job = created["data"]["video_translate_id"]
        url = f"{fake.base_url}/v2/video_translate/{job}"
        states = [http.request("GET", url, headers=AUTH).json()["data"] for _ in range(3)]
        assert [s["status"] for s in states] == ["pending", "running", "failed"]
        assert states[-1]["message"] == "No speech"

    def test_v3_key_replays_and_validation(self, fake, http):
        """The same Idempotency-Key replays the ids; a missing source is a 400."""
        body = {"video": {"type": "asset_id", "asset_id": "a"}, "output_languages": ["es"]}
        headers = {**AUTH, "Idempotency-Key": "dub-1"}
        url = fake.base_url + "/v3/video-translations"
        first = http.request("POST", url, json=body, headers=headers)
        again = http.request("POST", url, json=body, headers=headers)
        assert first.json() == again.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        bad = http.request("POST", url, json={"output_languages": ["es"]}, headers=AUTH)
        assert bad.status == 400
        assert bad.json()["error"]["param"] == "video"


class TestWebhookEndpoints:
    """v1 endpoint.add/list/delete and v3 webhooks/endpoints."""

    def test_v1_cycle(self, fake, http):
        """Add returns a whsec_ secret; list shows it; delete removes it; errors are v1."""
        added = http.request(
            "POST",
            fake.base_url + "/v1/webhook/endpoint.add",
            json={"url": "https://example.com/h", "events": ["avatar_video.success"]},
            headers=AUTH,
        ).json()
        assert added["code"] == 100
        endpoint = added["data"]
        assert endpoint["secret"].startswith("whsec_")
        listed = http.request("GET", fake.base_url + "/v1/webhook/endpoint.list", headers=AUTH)
        assert [e["endpoint_id"] for e in listed.json()["data"]] == [endpoint["endpoint_id"]]
        delete = fake.base_url + "/v1/webhook/endpoint.delete?endpoint_id="
        gone = http.request("DELETE", delete + endpoint["endpoint_id"], headers=AUTH)
        assert gone.json()["code"] == 100
        again = http.request("DELETE", delete + endpoint["endpoint_id"], headers=AUTH)
        assert (again.status, again.json()["code"]) == (404, 400131)
        bad = http.request(
            "POST", fake.base_url + "/v1/webhook/endpoint.add", json={"url": "x"}, headers=AUTH
        )
        assert (bad.status, bad.json()["code"]) == (400, 400542)

    def test_v3_cycle(self, fake, http):
        """The secret comes once, at creation; the list pages without it."""
        url = fake.base_url + "/v3/webhooks/endpoints"
        created = [
            http.request("POST", url, json={"url": f"https://e.com/{n}"}, headers=AUTH).json()
            for n in range(3)
        ]
        assert all(c["data"]["secret"].startswith("whsec_") for c in created)
        page = http.request("GET", url + "?limit=2", headers=AUTH).json()
        assert page["has_more"] is True
        assert all(e["secret"] is None for e in page["data"])
        first = created[0]["data"]["endpoint_id"]
        assert http.request("DELETE", f"{url}/{first}", headers=AUTH).status == 200
        assert http.request("DELETE", f"{url}/{first}", headers=AUTH).status == 404
        assert len(fake.webhook_endpoints) == 2


class TestCatalogueLookups:
    """GET /v3/avatars/{group_id}, looks/{look_id}, /v3/voices/{id}; no /v3/user/me."""

    def test_lookups(self, fake, http):
        """Known ids answer their object; unknown ones a typed 404."""
        group = http.request("GET", fake.base_url + "/v3/avatars/grp-daisy", headers=AUTH)
        assert (group.json()["data"]["name"], group.json()["data"]["looks_count"]) == ("Daisy", 2)
        look = http.request(
            "GET", fake.base_url + "/v3/avatars/looks/Daisy-inskirt-20220818", headers=AUTH
        )
        assert look.json()["data"]["name"] == "Daisy in Skirt"
        voice = http.request("GET", fake.base_url + "/v3/voices/nope", headers=AUTH)
        assert (voice.status, voice.json()["error"]["code"]) == (404, "voice_not_found")
        me = http.request("GET", fake.base_url + "/v3/user/me", headers=AUTH)
        assert me.status == 404  # HeyGen's path is /v3/users/me only (the spec)
