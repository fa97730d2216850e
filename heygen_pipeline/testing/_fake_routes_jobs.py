"""FakeHeyGen routes for legacy templates, translations and webhook endpoints (v3: elsewhere).

Same conventions as ``_fake_routes``: each route answers in the envelope its real endpoint
uses, lists page with ``limit``/``token``, jobs move a step per status call.
"""

from __future__ import annotations

from typing import Any, Final

from heygen_pipeline.testing._fake_routes import (
    ID,
    Call,
    json_object,
    route,
    signed,
    v1_ok,
    v2_ok,
)
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = ["ROUTES"]


def _text_var(name: str, content: str) -> dict[str, Any]:
    return {"name": name, "type": "text", "properties": {"content": content}}


_Template = tuple[str, str, str, dict[str, Any]]
"""Template id, name, aspect ratio and variables."""
_TEMPLATES: Final[tuple[_Template, ...]] = (
    (
        "tpl_welcome_0001",
        "Welcome message",
        "16:9",
        {
            "first_name": _text_var("first_name", "there"),
            "company": _text_var("company", "Acme"),
        },
    ),
    ("tpl_product_0002", "Product update", "9:16", {"headline": _text_var("headline", "News")}),
    ("tpl_training_0003", "Training intro", "16:9", {}),
)


def _template(c: Call, entry: _Template) -> dict[str, Any]:
    template_id, name, ratio, _ = entry
    return {
        "template_id": template_id,
        "name": name,
        "thumbnail_image_url": f"{c.cdn}/thumbnails/{template_id}.jpg",
        "aspect_ratio": ratio,
    }


def _find_template(template_id: str) -> _Template | None:
    return next((t for t in _TEMPLATES if t[0] == template_id), None)


def _template_not_found() -> Reply:
    return error_reply(404, "v2", "not_found", "Template not found")


def v2_templates(c: Call) -> Reply:
    """GET /v2/templates."""
    return v2_ok({"templates": [_template(c, t) for t in _TEMPLATES]})


def v2_template(c: Call) -> Reply:
    """GET /v2/template/{id}: the template with its variables."""
    entry = _find_template(c.params["id"])
    if entry is None:
        return _template_not_found()
    return v2_ok({**_template(c, entry), "variables": entry[3]})


def v2_template_generate(c: Call) -> Reply:
    """POST /v2/template/{id}/generate: every variable given must exist in the template."""
    entry = _find_template(c.params["id"])
    if entry is None:
        return _template_not_found()
    body = json_object(c.req)
    variables = (body or {}).get("variables", {})
    if body is None or not isinstance(variables, dict):
        return error_reply(400, "v2", "invalid_parameter", "variables must be an object")
    unknown = sorted(set(variables) - set(entry[3]))
    if unknown:
        msg = f"variables not in the template: {', '.join(unknown)}"
        return error_reply(400, "v2", "invalid_parameter", msg)
    video_id, _ = c.state.create_video(str(body.get("title") or entry[1]))
    return v2_ok({"video_id": video_id})


# ---- translations -------------------------------------------------------------------------


def v2_translate(c: Call) -> Reply:
    """POST /v2/video_translate: needs ``video_url`` and ``output_language``."""
    body = json_object(c.req) or {}
    url, language = body.get("video_url"), body.get("output_language")
    if not (isinstance(url, str) and url and isinstance(language, str) and language):
        msg = "video_url and output_language are required"
        return error_reply(400, "v2", "invalid_parameter", msg)
    ids, _ = c.state.translations.create(str(body.get("title") or "Untitled"), [language])
    return v2_ok({"video_translate_id": ids[0]})


def v2_translation(c: Call) -> Reply:
    """GET /v2/video_translate/{id}: legacy statuses (``success`` when done)."""
    view = c.state.translations.poll(c.params["id"])
    if view is None:
        return error_reply(404, "v2", "not_found", "Video translation not found")
    status = view.status("v2")
    failed = status == "failed" and view.failure is not None
    data = {
        "video_translate_id": view.id,
        "title": view.title,
        "output_language": view.output_language,
        "status": status,
        "url": signed(c.cdn, f"/videos/{view.id}.mp4") if status == "success" else None,
        "message": view.failure.message if failed and view.failure else None,
    }
    return v2_ok(data)


# ---- webhook endpoints --------------------------------------------------------------------


def _webhook_url(body: dict[str, Any] | None) -> str | None:
    url = (body or {}).get("url")
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def _events(body: dict[str, Any] | None) -> tuple[bool, list[str] | None]:
    """``(valid, events)``: the event list (None: all events) if it is a list of strings."""
    events = (body or {}).get("events")
    if events is None:
        return True, None
    if isinstance(events, list) and all(isinstance(e, str) for e in events):
        return True, events or None
    return False, None


def v1_webhook_add(c: Call) -> Reply:
    """POST /v1/webhook/endpoint.add."""
    body = json_object(c.req)
    url, (valid, events) = _webhook_url(body), _events(body)
    if url is None:
        return json_reply(400, {"code": 400542, "message": "Webhook url is invalid"})
    if not valid:
        return json_reply(400, {"code": 400175, "message": "events must be a list"})
    endpoint = c.state.endpoints.add(url, events, None)
    return v1_ok({**endpoint, "username": "fake-user"}, msg=None, message=None)


def v1_webhook_list(c: Call) -> Reply:
    """GET /v1/webhook/endpoint.list: every endpoint, secrets included (legacy)."""
    listed = [{**e, "username": "fake-user"} for e in c.state.endpoints.list(with_secret=True)]
    return v1_ok(listed, msg=None, message=None)


def v1_webhook_delete(c: Call) -> Reply:
    """DELETE /v1/webhook/endpoint.delete?endpoint_id=."""
    endpoint_id = c.req.query.get("endpoint_id")
    if not endpoint_id:
        return json_reply(400, {"code": 40001, "message": "Missing required parameter"})
    if not c.state.endpoints.delete(endpoint_id):
        return json_reply(404, {"code": 400131, "message": "Webhook endpoint not found"})
    return v1_ok(None, msg=None, message=None)


ROUTES: Final = (
    route("api", "GET", "/v2/templates", "v2", v2_templates),
    route("api", "GET", f"/v2/template/{ID}", "v2", v2_template),
    route("api", "POST", f"/v2/template/{ID}/generate", "v2", v2_template_generate),
    route("api", "POST", "/v2/video_translate", "v2", v2_translate),
    route("api", "GET", f"/v2/video_translate/{ID}", "v2", v2_translation),
    route("api", "POST", r"/v1/webhook/endpoint\.add", "v1", v1_webhook_add),
    route("api", "GET", r"/v1/webhook/endpoint\.list", "v1", v1_webhook_list),
    route("api", "DELETE", r"/v1/webhook/endpoint\.delete", "v1", v1_webhook_delete),
)
"""The routes of this module (the server serves them with ``_fake_routes.ROUTES``)."""
