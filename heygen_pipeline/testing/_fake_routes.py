"""The routes of the FakeHeyGen test server.

Each route answers in the envelope shape the real HeyGen endpoint uses (v1, v2 or v3; see
HEYGEN_API.md). Routes are plain functions of one `Call`; all mutable state lives in
`FakeState`.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from heygen_pipeline.testing._fake_state import (
    FakeState,
    RecordedRequest,
    UploadedAsset,
    VideoView,
    decode_token,
    encode_token,
    video_chunks,
)
from heygen_pipeline.testing._faults import Reply, Shape, error_body, error_reply, json_reply

MAX_LIMIT: Final = 100
MAX_SCENES: Final = 50
_UPLOAD_TYPES: Final[Mapping[str, tuple[str, str]]] = {
    "image/png": ("image", "png"),
    "image/jpeg": ("image", "jpg"),
    "video/mp4": ("video", "mp4"),
    "video/webm": ("video", "webm"),
    "audio/mpeg": ("audio", "mp3"),
}
_STATIC_TYPES: Final = {"jpg": "image/jpeg", "webp": "image/webp", "mp4": "video/mp4"}
# avatar id, name, gender, premium, tag, default voice id
_AVATARS: Final = (
    ("Abigail_expressive_2024112501", "Abigail (Upper Body)", "female", False, "NEW", "v-f-en-1"),
    ("Daisy-inskirt-20220818", "Daisy in Skirt", "female", False, "", "v-f-en-1"),
    ("Tyler-incasualsuit-20220721", "Tyler in Casual Suit", "male", False, "", "v-m-en-1"),
    ("Brandon_Office_Front_public", "Brandon Office", "male", True, "PREMIUM", "v-m-en-2"),
    ("Annie_expressive_public", "Annie Expressive", "female", True, "AVATAR_IV", "v-f-es-1"),
)
# voice id, name, language, gender, supports pause, supports emotion
_VOICES: Final = (
    ("v-f-en-1", "Allison - Cheerful", "English", "female", True, True),
    ("v-m-en-1", "Paul - Natural", "English", "male", True, False),
    ("v-m-en-2", "Mark - Professional", "English", "male", False, False),
    ("v-f-es-1", "Lucia - Warm", "Spanish", "female", True, False),
    ("v-m-de-1", "Jonas - Calm", "German", "male", False, True),
    ("v-f-fr-1", "Camille - Bright", "French", "female", True, True),
)


@dataclass(frozen=True)
class Call:
    """One routed request: the shared state, the request and the path's named groups."""

    state: FakeState
    req: RecordedRequest
    params: Mapping[str, str]

    @property
    def cdn(self) -> str:
        """The CDN base URL (preview, thumbnail and video links point there)."""
        return self.state.cdn_url


# ---- formatting ---------------------------------------------------------------------------


def signed(cdn: str, path: str) -> str:
    """A CloudFront-style signed link, re-signed on every call as HeyGen does."""
    expires = int(time.time()) + 7 * 86400
    sig = secrets.token_urlsafe(24)
    return f"{cdn}{path}?Expires={expires}&Signature={sig}&Key-Pair-Id=KFAKEHEYGEN"


def _media(cdn: str, view: VideoView) -> dict[str, Any]:
    done = view.status == "completed"
    return {
        "video_url": signed(cdn, f"/videos/{view.id}.mp4") if done else None,
        "thumbnail_url": signed(cdn, f"/thumbnails/{view.id}.jpg") if done else None,
        "duration": 12.5 if done else None,
    }


def _v1_video(cdn: str, view: VideoView) -> dict[str, Any]:
    f = view.failure if view.status == "failed" else None
    error = None
    if f is not None and f.message is not None:
        error = {"code": f.code, "message": f.message, "detail": f.detail}
    return {
        "id": view.id,
        "status": view.status,
        **_media(cdn, view),
        "gif_url": signed(cdn, f"/thumbnails/{view.id}.gif")
        if view.status == "completed"
        else None,
        "caption_url": None,
        "video_url_caption": None,
        "error": error,
        "created_at": view.created_at,
        "callback_id": None,
    }


def _avatars(cdn: str) -> list[dict[str, Any]]:
    return [
        {
            "avatar_id": avatar_id,
            "avatar_name": name,
            "gender": gender,
            "preview_image_url": f"{cdn}/previews/{avatar_id}.webp",
            "preview_video_url": f"{cdn}/previews/{avatar_id}.mp4",
            "premium": premium,
            "type": None,
            "tags": [tag] if tag else [],
            "default_voice_id": voice,
        }
        for avatar_id, name, gender, premium, tag, voice in _AVATARS
    ]


def _voices(cdn: str) -> list[dict[str, Any]]:
    return [
        {
            "voice_id": voice_id,
            "language": language,
            "gender": gender,
            "name": name,
            "preview_audio": f"{cdn}/previews/{voice_id}.mp3",
            "support_pause": pause,
            "emotion_support": emotion,
        }
        for voice_id, name, language, gender, pause, emotion in _VOICES
    ]


def read_paging(c: Call, shape: Shape) -> tuple[int, int | None] | Reply:
    """Read ``limit`` (1-100) and ``token`` from the query, or answer 400."""
    raw = c.req.query.get("limit", str(c.state.page_size_default))
    if (
        not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_LIMIT)))
        or not 1 <= int(raw) <= MAX_LIMIT
    ):
        msg = f"limit must be an integer between 1 and {MAX_LIMIT}"
        return error_reply(400, shape, "invalid_parameter", msg, param="limit")
    token = c.req.query.get("token") or None
    position = None if token is None else decode_token(token)
    if token is not None and position is None:
        return error_reply(400, shape, "invalid_parameter", "token is invalid", param="token")
    return int(raw), position


def v3_list(data: list[Any], next_position: int | None) -> Reply:
    token = None if next_position is None else encode_token(next_position)
    return json_reply(200, {"data": data, "has_more": token is not None, "next_token": token})


def v3_static(c: Call, items: list[dict[str, Any]]) -> Reply:
    paging = read_paging(c, "v3")
    if isinstance(paging, Reply):
        return paging
    limit, offset = paging
    start = offset or 0
    end = start + limit
    return v3_list(items[start:end], end if end < len(items) else None)


def json_object(req: RecordedRequest) -> dict[str, Any] | None:
    try:
        value = json.loads(req.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


# ---- routes -------------------------------------------------------------------------------


def v2_ok(data: Any) -> Reply:
    return json_reply(200, {"error": None, "data": data})


def v1_ok(data: Any, **extra: Any) -> Reply:
    return json_reply(200, {"code": 100, "data": data, **extra})


def v2_avatars(c: Call) -> Reply:
    """GET /v2/avatars."""
    photo = {"talking_photo_id": "tp-1", "talking_photo_name": "Photo One"}
    photo["preview_image_url"] = f"{c.cdn}/previews/tp-1.jpg"
    return v2_ok({"avatars": _avatars(c.cdn), "talking_photos": [photo]})


_INTERACTIVE_VOICES: Final = frozenset({"v-f-en-1", "v-m-en-1", "v-f-fr-1"})


def v2_voices(c: Call) -> Reply:
    """GET /v2/voices: each voice says whether interactive avatars can use it.

    HeyGen's own client requires ``support_interactive_avatar`` on every legacy voice.
    """
    voices = [
        {**v, "support_interactive_avatar": v["voice_id"] in _INTERACTIVE_VOICES}
        for v in _voices(c.cdn)
    ]
    return v2_ok({"voices": voices})


def v2_generate(c: Call) -> Reply:
    """POST /v2/video/generate: needs 1-50 ``video_inputs``."""
    body = json_object(c.req) or {}
    inputs = body.get("video_inputs")
    if not isinstance(inputs, list) or not 1 <= len(inputs) <= MAX_SCENES:
        msg = "video_inputs is invalid: field required"
        return error_reply(400, "v2", "invalid_parameter", msg)
    video_id, _ = c.state.create_video(str(body.get("title") or "Untitled Video"))
    return v2_ok({"video_id": video_id})


def v2_quota(c: Call) -> Reply:
    """GET /v2/user/remaining_quota (``details`` empty, as HeyGen often sends)."""
    del c
    return v2_ok({"remaining_quota": 3600, "details": {}})


def v1_status(c: Call) -> Reply:
    """GET /v1/video_status.get: advances the job one step."""
    video_id = c.req.query.get("video_id")
    if not video_id:
        return json_reply(400, {"code": 40001, "message": "Missing required parameter: video_id"})
    view = c.state.poll(video_id)
    if view is None:
        return json_reply(404, {"code": 40104, "message": "Video not found"})
    return v1_ok(_v1_video(c.cdn, view), message="Success")


def v1_list(c: Call) -> Reply:
    """GET /v1/video.list: newest first, paged by ``token``."""
    paging = read_paging(c, "v1")
    if isinstance(paging, Reply):
        return paging
    page, cursor = c.state.page_videos(*paging)
    videos = [
        {
            "video_id": v.id,
            "video_title": v.title,
            "status": v.status,
            "created_at": v.created_at,
            "callback_id": None,
            "thumbnail_url": None,  # the list gives no links; the status call does
            "video_url": None,
            "gif_url": None,
            "duration": None,
        }
        for v in page
    ]
    token = None if cursor is None else encode_token(cursor)
    return v1_ok({"videos": videos, "token": token}, msg=None, message=None)


def upload_asset(c: Call) -> Reply:
    """POST /v1/asset on the upload host: raw bytes of an allowed Content-Type."""
    content_type = c.req.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = _UPLOAD_TYPES.get(content_type)
    if kind is None:
        msg = f"Unsupported Content-Type {content_type or '(none)'}"
        return json_reply(400, error_body("v1", "invalid_parameter", msg))
    if c.req.body_size == 0:
        return json_reply(400, error_body("v1", "invalid_parameter", "The file is empty"))
    asset = UploadedAsset(
        secrets.token_hex(16),
        content_type,
        c.req.body_size,
        c.req.body_sha256,
        uploaded_at=int(c.req.time),
    )
    c.state.add_asset(asset, c.req.body)
    file_type, ext = kind
    data = {
        "id": asset.id,
        "name": asset.id,
        "file_type": file_type,
        "url": f"{c.cdn}/assets/{asset.id}.{ext}",
        "image_key": f"image/{asset.id}/original.{ext}" if file_type == "image" else None,
    }
    return v1_ok(data, msg=None, message=None)


def no_object() -> Reply:
    return error_reply(404, "v3", "not_found", "No such object")


def cdn_video(c: Call) -> Reply:
    """GET /videos/{id}.mp4 on the CDN: ``video_bytes`` streamed (renders and other jobs)."""
    job = c.params["id"]
    if not (c.state.has_video(job) or c.state.translations.has(job) or c.state.has_media(job)):
        return no_object()
    size = c.state.video_bytes
    return Reply(200, content_type="video/mp4", chunks=lambda: video_chunks(size), length=size)


def cdn_asset(c: Call) -> Reply:
    """GET /assets/{id}.{ext} on the CDN: a small uploaded asset, as received."""
    body = c.state.asset_body(c.params["id"])
    return no_object() if body is None else Reply(200, body, "application/octet-stream")


def cdn_static(c: Call) -> Reply:
    """GET /previews/* and /thumbnails/* on the CDN: a few placeholder bytes."""
    name = c.params["name"]
    content_type = _STATIC_TYPES.get(name.rpartition(".")[2].lower(), "application/octet-stream")
    return Reply(200, b"FAKE-" + name.encode(), content_type)


# ---- routing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One endpoint: its host, method, path pattern, envelope shape and whether it needs a key."""

    host: str
    method: str
    pattern: re.Pattern[str]
    shape: Shape
    handler: Callable[[Call], Reply]
    auth: bool = True


def route(host: str, method: str, path: str, shape: Shape, fn: Callable[[Call], Reply]) -> Route:
    return Route(host, method, re.compile(path), shape, fn, auth=host != "cdn")


ID: Final = r"(?P<id>[A-Za-z0-9_\-]+)"
ROUTES: Final = (
    route("api", "GET", "/v2/avatars", "v2", v2_avatars),
    route("api", "GET", "/v2/voices", "v2", v2_voices),
    route("api", "POST", "/v2/video/generate", "v2", v2_generate),
    route("api", "GET", "/v2/user/remaining_quota", "v2", v2_quota),
    route("api", "GET", r"/v1/video_status\.get", "v1", v1_status),
    route("api", "GET", r"/v1/video\.list", "v1", v1_list),
    route("upload", "POST", "/v1/asset", "v1", upload_asset),
    route("cdn", "GET", rf"/videos/{ID}\.mp4", "v3", cdn_video),
    route("cdn", "GET", rf"/assets/{ID}\.\w+", "v3", cdn_asset),
    route("cdn", "GET", r"/(?:previews|thumbnails)/(?P<name>[\w\-.]+)", "v3", cdn_static),
)

_UNAUTHORIZED: Final[Mapping[Shape, Any]] = {
    "v1": {"code": 400112, "message": "Unauthorized"},
    "v2": {"data": None, "error": {"code": "internal_error", "message": "Unauthorized"}},
    "v3": error_body("v3", "unauthorized", "Invalid or missing API key"),
}


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _authorized(state: FakeState, req: RecordedRequest, shape: Shape) -> bool:
    """``X-Api-Key`` anywhere; ``Authorization: Bearer`` too on v3 when a token is set."""
    key = req.headers.get("x-api-key")
    if key is not None and _same(key, state.api_key):
        return True
    if shape != "v3" or not state.oauth_token:
        return False
    scheme, _, token = req.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and _same(token.strip(), state.oauth_token)


Check = Callable[[RecordedRequest, Shape], "Reply | None"]
"""A check run on an authorized request before its route (strict mode): a refusal or None."""


def dispatch(
    state: FakeState,
    req: RecordedRequest,
    routes: Sequence[Route] = ROUTES,
    check: Check | None = None,
) -> Reply:
    """Route one request: 404, 405, 401, a ``check`` refusal, or the route's answer.

    HEAD runs GET.
    """
    found = [(r, m) for r in routes if r.host == req.host and (m := r.pattern.fullmatch(req.path))]
    if not found:
        return error_reply(404, "v3", "not_found", f"No route for {req.method} {req.path}")
    method = "GET" if req.method == "HEAD" else req.method
    for candidate, match in found:
        if candidate.method == method:
            if candidate.auth and not _authorized(state, req, candidate.shape):
                return json_reply(401, _UNAUTHORIZED[candidate.shape])
            refusal = None if check is None else check(req, candidate.shape)
            if refusal is not None:
                return refusal
            return candidate.handler(Call(state, req, match.groupdict()))
    allow = ", ".join(sorted({r.method for r, _ in found}))
    msg = f"Method {req.method} not allowed; use {allow}"
    shape = found[0][0].shape
    return error_reply(405, shape, "method_not_allowed", msg, headers=(("Allow", allow),))
