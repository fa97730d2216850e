"""FakeHeyGen routes for v3 video agent sessions, in the spec's shapes.

A session's run moves a step per ``GET /v3/video-agents/{id}`` (``thinking`` →
``generating`` → ``completed``, or ``failed`` with an ``error`` message when scripted with
``fail_video_agent``; a ``chat`` session's first run ends in ``waiting_for_input``). Lists,
styles, resources, videos and stopping do not advance it. See ``_fake_agents``.
"""

from __future__ import annotations

from typing import Any, Final

from heygen_pipeline.testing._fake_agents import SessionVideo, SessionView
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route, signed
from heygen_pipeline.testing._fake_routes_shared import bad, not_found, page
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = ["ROUTES", "STYLES"]

STYLES: Final = (
    ("style-clean-01", "Clean explainer", "16:9", ("business", "explainer")),
    ("style-social-01", "Social teaser", "9:16", ("social", "marketing")),
    ("style-news-01", "Newsroom", "16:9", ("news", "business")),
    ("style-story-01", "Storybook", "1:1", ("education",)),
)
"""What ``GET /v3/video-agents/styles`` lists: id, name, aspect ratio, tags."""
_LIMIT: Final = 100
_MAX_FILES: Final = 20
_MAX_PROMPT: Final = 10_000
_MODES: Final = ("generate", "chat")
_ORIENTATIONS: Final = ("landscape", "portrait")
_FILE_FIELDS: Final = {"url": "url", "asset_id": "asset_id", "base64": "data"}
_CREATED: Final = {"waiting_for_input": "thinking", "reviewing": "thinking"}
"""Create answers one of four statuses; a session already waiting is still ``thinking``."""
_BASE: Final = "/v3/video-agents"
_RESOURCE: Final = r"(?P<resource>[A-Za-z0-9_\-]+)"


def _text_error(body: dict[str, Any], name: str) -> Reply | None:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_PROMPT:
        return bad(f"{name} must be 1 to {_MAX_PROMPT} characters", name)
    return None


def _files_error(body: dict[str, Any]) -> Reply | None:
    files = body.get("files")
    if files is None:
        return None
    if not isinstance(files, list) or len(files) > _MAX_FILES:
        return bad(f"files must be a list of at most {_MAX_FILES} files", "files")
    for item in files:
        kind = item.get("type") if isinstance(item, dict) else None
        field = _FILE_FIELDS.get(kind) if isinstance(kind, str) else None
        if field is None or not isinstance(item.get(field), str) or not item[field]:
            return bad("each file is {type: url|asset_id|base64, ...}", "files")
        if kind == "base64" and not isinstance(item.get("media_type"), str):
            return bad("a base64 file needs its media_type", "files")
    return None


def _choice_error(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> Reply | None:
    value = body.get(name)
    if value is not None and value not in allowed:
        return bad(f"{name} must be one of {', '.join(allowed)}", name)
    return None


def _session(view: SessionView) -> dict[str, Any]:
    return {
        "session_id": view.id,
        "status": view.status,
        "title": view.title,
        "progress": view.progress,
        "video_id": view.video_id,
        "created_at": view.created_at,
        "messages": list(view.messages),
    }


def create(c: Call) -> Reply:
    """POST /v3/video-agents: a new session, its first run ``thinking``."""
    body = json_object(c.req)
    if body is None:
        return bad("the body must be a JSON object", "body")
    refusal = (
        _text_error(body, "prompt")
        or _choice_error(body, "mode", _MODES)
        or _choice_error(body, "orientation", _ORIENTATIONS)
        or _files_error(body)
    )
    if refusal is not None:
        return refusal
    options = {k: body[k] for k in ("callback_id", "orientation") if body.get(k) is not None}
    view = c.state.agents.create(body["prompt"], body.get("mode") or "generate", options)
    data = {
        "session_id": view.id,
        "status": _CREATED.get(view.status, view.status),
        "video_id": view.video_id,
        "created_at": view.created_at,
    }
    return json_reply(200, {"data": data})


def list_sessions(c: Call) -> Reply:
    """GET /v3/video-agents: every session, oldest first, without advancing any."""
    items = [
        {"session_id": v.id, "title": v.title, "created_at": v.created_at}
        for v in c.state.agents.views()
    ]
    return page(c, items, _LIMIT)


def styles(c: Call) -> Reply:
    """GET /v3/video-agents/styles: the styles, or those with ``tag``."""
    tag = c.req.query.get("tag")
    items = [
        {
            "style_id": style_id,
            "name": name,
            "aspect_ratio": ratio,
            "tags": list(tags),
            "thumbnail_url": f"{c.cdn}/thumbnails/{style_id}.jpg",
            "preview_video_url": f"{c.cdn}/previews/{style_id}.mp4",
        }
        for style_id, name, ratio, tags in STYLES
        if not tag or tag in tags
    ]
    return page(c, items, _LIMIT)


def get(c: Call) -> Reply:
    """GET /v3/video-agents/{id}: advances the current run one step."""
    view = c.state.agents.poll(c.params["id"])
    return not_found("Session") if view is None else json_reply(200, {"data": _session(view)})


def send(c: Call) -> Reply:
    """POST /v3/video-agents/{id}: a message starts the next run."""
    body = json_object(c.req)
    if body is None:
        return bad("the body must be a JSON object", "body")
    refusal = _text_error(body, "message") or _files_error(body)
    if refusal is not None:
        return refusal
    current = c.state.agents.peek(c.params["id"])
    if current is None:
        return not_found("Session")
    if current.status in {"thinking", "generating"}:
        msg = f"the session is {current.status}: stop it or wait before sending"
        return error_reply(409, "v3", "conflict", msg)
    sent = c.state.agents.send(c.params["id"], body["message"])
    if sent is None:
        return not_found("Session")
    view, run_id = sent
    return json_reply(200, {"data": {"session_id": view.id, "run_id": run_id, "title": view.title}})


def stop(c: Call) -> Reply:
    """POST /v3/video-agents/{id}/stop: ends the current run (``waiting_for_input``)."""
    view = c.state.agents.stop(c.params["id"])
    return (
        not_found("Session") if view is None else json_reply(200, {"data": {"session_id": view.id}})
    )


def resource(c: Call) -> Reply:
    """GET /v3/video-agents/{id}/resources/{resource_id}."""
    view = c.state.agents.peek(c.params["id"])
    if view is None:
        return not_found("Session")
    found = view.resources.get(c.params["resource"])
    if found is None:
        return not_found("Resource")
    video = found.get("video_id")
    data = {
        "resource_id": c.params["resource"],
        "resource_type": found["resource_type"],
        "source_type": "generated",
        "url": signed(c.cdn, f"/videos/{video}.mp4"),
        "preview_url": f"{c.cdn}/previews/{video}.mp4",
        "thumbnail_url": f"{c.cdn}/thumbnails/{video}.jpg",
        "metadata": {"video_id": video},
        "created_at": view.created_at,
    }
    return json_reply(200, {"data": data})


def _video(c: Call, view: SessionView, video: SessionVideo) -> dict[str, Any]:
    done = video.status == "completed"
    failed = video.status == "failed"
    reason = video.failure.message if video.failure else "Stopped by the user"
    code = str(video.failure.code) if video.failure else "STOPPED"

    def link(path: str) -> str | None:
        return signed(c.cdn, path) if done else None

    return {
        "id": video.id,
        "title": view.title,
        "status": video.status,
        "video_url": link(f"/videos/{video.id}.mp4"),
        "captioned_video_url": link(f"/videos/{video.id}.mp4"),
        "subtitle_url": link(f"/captions/{video.id}.srt"),
        "gif_url": link(f"/previews/{video.id}.gif"),
        "thumbnail_url": f"{c.cdn}/thumbnails/{video.id}.jpg" if done else None,
        "video_page_url": f"https://app.heygen.test/videos/{video.id}" if done else None,
        "duration": 30.0 if done else None,
        "output_language": "English",
        "folder_id": None,
        "failure_code": code if failed else None,
        "failure_message": reason if failed else None,
        "created_at": video.created_at,
        "completed_at": video.completed_at,
    }


def videos(c: Call) -> Reply:
    """GET /v3/video-agents/{id}/videos: the videos the session's runs made, oldest first."""
    view = c.state.agents.peek(c.params["id"])
    if view is None:
        return not_found("Session")
    data = [_video(c, view, v) for v in view.videos]
    return json_reply(200, {"data": data, "has_more": False, "next_token": None})


ROUTES: Final = (
    route("api", "POST", _BASE, "v3", create),
    route("api", "GET", _BASE, "v3", list_sessions),
    route("api", "GET", f"{_BASE}/styles", "v3", styles),
    route("api", "GET", f"{_BASE}/{ID}/resources/{_RESOURCE}", "v3", resource),
    route("api", "POST", f"{_BASE}/{ID}/stop", "v3", stop),
    route("api", "GET", f"{_BASE}/{ID}/videos", "v3", videos),
    route("api", "GET", f"{_BASE}/{ID}", "v3", get),
    route("api", "POST", f"{_BASE}/{ID}", "v3", send),
)
"""The video agent routes (the server serves them with the others)."""
