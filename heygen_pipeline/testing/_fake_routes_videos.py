"""FakeHeyGen routes for v3 videos (one, batches, bulk statuses) and the v3 user (spec shapes).

Renders move a step per status call (``GET /v3/videos/{id}``, a batch get, bulk statuses):
``pending`` → ``processing`` → ``completed``, or ``failed`` with ``failure_code`` and
``failure_message`` when scripted with ``fail_video``. Lists and creates do not advance them.
A create answers ``{video_id, status, output_format}``; a batch answers the batch, its items
``queued`` → ``processing`` → ``completed``/``failed`` (with an ``error`` object).

Each route checks what it needs itself (a non-strict fake serves these too): the kind of
video, its required fields and the rules the spec states in prose (one speech source, a
voice for an image's script, 1-50 scenes), answering HeyGen's 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_routes import (
    ID,
    Call,
    json_object,
    read_paging,
    route,
    signed,
    v3_list,
)
from heygen_pipeline.testing._fake_routes_assets import FAKE_USERNAME
from heygen_pipeline.testing._fake_routes_shared import (
    bad,
    key_error,
    query_ids,
    window,
)
from heygen_pipeline.testing._fake_state import VideoView
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = ["FAKE_USER", "ROUTES"]

_REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "avatar": ("avatar_id",),
    "image": ("image",),
    "cinematic_avatar": ("prompt", "avatar_id"),
    "studio": ("scenes",),
}
_MAX_SCENES: Final = 50
_MAX_BATCH: Final = 100
_BATCH_ITEM: Final[Mapping[str, str]] = {
    "waiting": "queued",
    "pending": "queued",
    "processing": "processing",
    "completed": "completed",
    "failed": "failed",
}
FAKE_USER: Final[Mapping[str, Any]] = {
    "username": FAKE_USERNAME,
    "email": "fake@example.com",
    "first_name": "Fake",
    "last_name": "User",
    "billing_type": "wallet",
    "wallet": {
        "currency": "usd",
        "remaining_balance": 120.0,
        "auto_reload": {"enabled": False, "amount_usd": None, "threshold_usd": None},
    },
    "subscription": None,
    "usage_based": None,
}
"""What ``GET /v3/users/me`` answers: a wallet account (inject a Fault for the others)."""


def _not_found(what: str = "Video") -> Reply:
    code = "video_not_found" if what == "Video" else "not_found"
    return error_reply(404, "v3", code, f"{what} not found")


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _speech_error(body: Mapping[str, Any], kind: str, where: str) -> Reply | None:
    sources = [k for k in ("script", "audio_url", "audio_asset_id") if body.get(k) is not None]
    if len(sources) > 1:
        return bad(f"{' and '.join(sources)} are mutually exclusive", f"{where}{sources[1]}")
    if kind == "image" and "script" in sources and not _text(body.get("voice_id")):
        return bad("voice_id is required when script is provided", f"{where}voice_id")
    return None


def _request_error(body: object, where: str = "") -> Reply | None:
    """What a video request breaks, as HeyGen's 400 naming the field, or None."""
    if not isinstance(body, dict):
        return bad("a video request must be a JSON object", where.rstrip(".") or "body")
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in _REQUIRED:
        kinds = ", ".join(_REQUIRED)
        return bad(f"type must be one of {kinds}", f"{where}type")
    for name in _REQUIRED[kind]:
        if body.get(name) in (None, "", []):
            return bad(f"{name} is required for a {kind} video", f"{where}{name}")
    if kind == "avatar" and not _text(body["avatar_id"]):
        return bad("avatar_id must be a look id", f"{where}avatar_id")
    if kind == "studio":
        scenes = body["scenes"]
        if not isinstance(scenes, list) or not 1 <= len(scenes) <= _MAX_SCENES:
            return bad(f"scenes must hold 1 to {_MAX_SCENES} scenes", f"{where}scenes")
    if kind in {"avatar", "image"}:
        return _speech_error(body, kind, where)
    return None


def _options(body: Mapping[str, Any]) -> dict[str, Any]:
    """What a video echoes later: its output format, and whether captions are burnt in."""
    caption = body.get("caption")
    return {
        "output_format": body.get("output_format") or "mp4",
        "captioned": isinstance(caption, dict) and caption.get("style") is not None,
    }


def _create(c: Call, body: Mapping[str, Any], key: str | None = None) -> tuple[str, bool]:
    title = body.get("title") if _text(body.get("title")) else "Untitled Video"
    video_id, replayed = c.state.create_video(str(title), key)
    c.state.video_extras.remember(video_id, _options(body))
    return video_id, replayed


def create(c: Call) -> Reply:
    """POST /v3/videos: one of the four kinds; honours ``Idempotency-Key``."""
    refusal = key_error(c)
    if refusal is not None:
        return refusal
    body = json_object(c.req)
    refusal = _request_error(body)
    if refusal is not None or body is None:
        return refusal or bad("the body must be a JSON object", "body")
    video_id, replayed = _create(c, body, c.req.headers.get("idempotency-key"))
    view = c.state.peek(video_id)
    data = {
        "video_id": video_id,
        "status": view.status if view else "waiting",
        "output_format": c.state.video_extras.options(video_id).get("output_format", "mp4"),
    }
    headers = (("Idempotent-Replayed", "true"),) if replayed else ()
    return json_reply(200, {"data": data}, headers)


def video(c: Call, view: VideoView) -> dict[str, Any]:
    """The spec's video object for one snapshot (links only once completed)."""
    done = view.status == "completed"
    failed = view.failure if view.status == "failed" else None
    captioned = bool(c.state.video_extras.options(view.id).get("captioned"))

    def link(path: str, *, when: bool = True) -> str | None:
        return signed(c.cdn, path) if done and when else None

    return {
        "id": view.id,
        "title": view.title,
        "status": "pending" if view.status == "waiting" else view.status,
        "video_url": link(f"/videos/{view.id}.mp4"),
        "thumbnail_url": link(f"/thumbnails/{view.id}.jpg"),
        "gif_url": link(f"/thumbnails/{view.id}.gif"),
        "captioned_video_url": link(f"/videos/{view.id}.mp4", when=captioned),
        "subtitle_url": link(f"/captions/{view.id}.srt"),
        "video_page_url": f"https://app.heygen.com/videos/{view.id}",
        "duration": 12.5 if done else None,
        "created_at": view.created_at,
        "completed_at": view.created_at + 60 if done else None,
        "failure_code": str(failed.code) if failed else None,
        "failure_message": failed.message if failed else None,
        "folder_id": None,
    }


def list_videos(c: Call) -> Reply:
    """GET /v3/videos: newest first, 1-100 a page, by ``title`` (contains); never advances."""
    paging = read_paging(c, "v3")
    if isinstance(paging, Reply):
        return paging
    title = (c.req.query.get("title") or "").casefold()
    folder = c.req.query.get("folder_id")

    def keep(view: VideoView) -> bool:
        return title in view.title.casefold() and folder is None  # the fake has no folders

    page, cursor = c.state.page_videos(*paging, keep=keep)
    return v3_list([video(c, v) for v in page], cursor)


def get(c: Call) -> Reply:
    """GET /v3/videos/{id}: advances the job one step."""
    view = c.state.poll(c.params["id"])
    return _not_found() if view is None else json_reply(200, {"data": video(c, view)})


def delete(c: Call) -> Reply:
    """DELETE /v3/videos/{id}."""
    if not c.state.delete(c.params["id"]):
        return _not_found()
    c.state.video_extras.forget(c.params["id"])
    return json_reply(200, {"data": {"id": c.params["id"], "deleted": True}})


def _error_of(view: VideoView | None) -> dict[str, Any] | None:
    if view is None or view.status != "failed":
        return None
    failure = view.failure
    code = str(failure.code) if failure else "RENDER_FAILED"
    return {"code": code, "message": failure.message if failure else None}


def _batch(c: Call, batch_id: str, *, advance: bool) -> Reply:
    batch = c.state.video_extras.batch(batch_id)
    if batch is None:
        return _not_found("Batch")
    items = []
    for index, video_id in enumerate(batch.video_ids):
        view = c.state.poll(video_id) if advance else c.state.peek(video_id)
        status = "failed" if view is None else _BATCH_ITEM[view.status]
        error = _error_of(view) or ({"code": "video_not_found"} if view is None else None)
        items.append({"item_index": index, "status": status, "video_id": video_id, "error": error})
    counts: dict[str, int] = {}
    for item in items:
        status = str(item["status"])
        counts[status] = counts.get(status, 0) + 1
    done = all(i["status"] in {"completed", "failed"} for i in items)
    found = window(c, items, _MAX_BATCH)
    if isinstance(found, Reply):
        return found
    listed, following = found
    data = {
        "batch_id": batch.id,
        "status": ("failed" if counts.get("failed") == len(items) else "completed")
        if done
        else "processing",
        "title": batch.title,
        "total_items": len(items),
        "counts_by_status": counts,
        "created_at": batch.created_at,
        "items": listed,
        "has_more": following is not None,
        "next_token": following,
    }
    return json_reply(200, {"data": data})


def create_batch(c: Call) -> Reply:
    """POST /v3/videos/batches: 1-100 video requests; answers the batch, items ``queued``."""
    refusal = key_error(c)
    body = json_object(c.req) or {}
    entries = body.get("videos")
    if refusal is None and not (isinstance(entries, list) and 1 <= len(entries) <= _MAX_BATCH):
        refusal = bad(f"videos must hold 1 to {_MAX_BATCH} video requests", "videos")
    for n, entry in enumerate(entries if refusal is None and isinstance(entries, list) else []):
        refusal = refusal or _request_error(entry, f"videos[{n}].")
    if refusal is not None or not isinstance(entries, list):
        return refusal or bad("videos is required", "videos")
    ids = [_create(c, entry)[0] for entry in entries]
    title = body.get("title") if _text(body.get("title")) else None
    batch = c.state.video_extras.new_batch(title, ids)
    return _batch(c, batch.id, advance=False)


def get_batch(c: Call) -> Reply:
    """GET /v3/videos/batches/{id}: advances each item one step."""
    return _batch(c, c.params["id"], advance=True)


def statuses(c: Call) -> Reply:
    """GET /v3/videos/statuses: one entry per video, batch items expanded; advances each."""
    video_ids, batch_ids = query_ids(c, "video_ids"), query_ids(c, "batch_ids")
    if not video_ids and not batch_ids:
        return bad("pass video_ids or batch_ids", "video_ids")
    entries: list[dict[str, Any]] = []
    for video_id in video_ids:
        view = c.state.poll(video_id)
        entries.append(
            {
                "video_id": video_id,
                "status": "not_found" if view is None else view.status,
                "batch_id": None,
                "item_index": None,
                "error": _error_of(view),
            }
        )
    for batch_id in batch_ids:
        batch = c.state.video_extras.batch(batch_id)
        members: list[str | None] = list(batch.video_ids) if batch else [None]
        for index, member in enumerate(members):
            view = c.state.poll(member) if member else None
            entries.append(
                {
                    "video_id": member,
                    "status": "not_found" if view is None else view.status,
                    "batch_id": batch_id,
                    "item_index": index if batch else None,
                    "error": _error_of(view),
                }
            )
    return json_reply(200, {"data": entries, "has_more": False, "next_token": None})


def me(c: Call) -> Reply:
    """GET /v3/users/me: the wallet account `FAKE_USER`."""
    del c
    return json_reply(200, {"data": dict(FAKE_USER)})


ROUTES: Final = (
    route("api", "POST", "/v3/videos", "v3", create),
    route("api", "GET", "/v3/videos", "v3", list_videos),
    route("api", "POST", "/v3/videos/batches", "v3", create_batch),
    route("api", "GET", f"/v3/videos/batches/{ID}", "v3", get_batch),
    route("api", "GET", "/v3/videos/statuses", "v3", statuses),
    route("api", "GET", f"/v3/videos/{ID}", "v3", get),
    route("api", "DELETE", f"/v3/videos/{ID}", "v3", delete),
    route("api", "GET", "/v3/users/me", "v3", me),
)
"""The v3 video and user routes (``/v3/videos/statuses`` before the ``{video_id}`` one)."""
