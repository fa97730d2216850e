"""FakeHeyGen routes for v3 templates and v3 webhooks, in the shapes of HeyGen's v3 spec.

Templates: list (paged), get (variables, scenes) and generate (a new render job, pending,
that moves on like any video). Webhooks: endpoints CRUD with ``PATCH`` and
``rotate-secret``, the event types, and the log of delivered events (filtered, paged).
The strict gate (`_fake_spec`) has already checked each request against the spec.
"""

from __future__ import annotations

import time
from typing import Any, Final

from heygen_pipeline._webhook_events import EVENT_TYPES
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route, v3_static
from heygen_pipeline.testing._fake_routes_shared import bad, key_error, not_found
from heygen_pipeline.testing._fake_webhooks import EVENT_DESCRIPTIONS, WebhookStore
from heygen_pipeline.testing._faults import Reply, json_reply

__all__ = ["ROUTES", "TEMPLATES"]

_CREATED: Final = 1_700_000_000


def _scene(scene_id: str, script: str, *variables: tuple[str, str]) -> dict[str, Any]:
    return {
        "scene_id": scene_id,
        "script": script,
        "variables": [{"name": n, "variable_type": t} for n, t in variables],
    }


TEMPLATES: Final[tuple[dict[str, Any], ...]] = (
    {
        "id": "tpl_welcome_0001",
        "name": "Welcome message",
        "aspect_ratio": "16:9",
        "variables": {
            "first_name": {"name": "first_name", "type": "text", "properties": {"content": "you"}},
            "company": {"name": "company", "type": "text", "properties": {"content": "Acme"}},
        },
        "scenes": [
            _scene("scn_intro", "Hello {{first_name}}!", ("first_name", "text")),
            _scene("scn_outro", "Welcome to {{company}}.", ("company", "text")),
        ],
    },
    {
        "id": "tpl_product_0002",
        "name": "Product update",
        "aspect_ratio": "9:16",
        "variables": {
            "headline": {"name": "headline", "type": "text", "properties": {"content": "News"}}
        },
        "scenes": [_scene("scn_news", "{{headline}}", ("headline", "text"))],
    },
    {
        "id": "tpl_training_0003",
        "name": "Training intro",
        "aspect_ratio": "16:9",
        "variables": {},
        "scenes": [_scene("scn_only", "Let's begin.")],
    },
)
"""The v3 templates every FakeHeyGen serves."""


def _summary(c: Call, n: int, template: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": template["id"],
        "name": template["name"],
        "aspect_ratio": template["aspect_ratio"],
        "thumbnail_url": f"{c.cdn}/thumbnails/{template['id']}.jpg",
        "created_at": _CREATED + n,
        "updated_at": _CREATED + 100 + n,
    }


def _find(template_id: str) -> tuple[int, dict[str, Any]] | None:
    return next(((n, t) for n, t in enumerate(TEMPLATES) if t["id"] == template_id), None)


def v3_templates(c: Call) -> Reply:
    """GET /v3/templates (paged summaries, no variables)."""
    return v3_static(c, [_summary(c, n, t) for n, t in enumerate(TEMPLATES)])


def v3_template(c: Call) -> Reply:
    """GET /v3/templates/{template_id}: variables, scenes and scene ids."""
    found = _find(c.params["id"])
    if found is None:
        return not_found("Template")
    n, template = found
    detail = {
        **_summary(c, n, template),
        "variables": template["variables"],
        "scenes": template["scenes"],
        "scene_ids": [s["scene_id"] for s in template["scenes"]],
    }
    return json_reply(200, {"data": detail})


def v3_template_generate(c: Call) -> Reply:
    """POST /v3/templates/{template_id}: known variables and scenes only; a pending video."""
    refusal = key_error(c)
    if refusal is not None:
        return refusal
    found = _find(c.params["id"])
    if found is None:
        return not_found("Template")
    template = found[1]
    body = json_object(c.req) or {}
    variables = body.get("variables")
    if not isinstance(variables, dict):
        return bad("variables must be an object", "variables")
    unknown = sorted(set(variables) - set(template["variables"]))
    if unknown:
        return bad(f"variables not in the template: {', '.join(unknown)}", "variables")
    scenes = {s["scene_id"] for s in template["scenes"]}
    missing = sorted(set(body.get("scene_ids") or ()) - scenes)
    if missing:
        return bad(f"scene_ids not in the template: {', '.join(missing)}", "scene_ids")
    title = str(body.get("title") or template["name"])
    key = c.req.headers.get("idempotency-key")
    video_id, _ = c.state.create_video(title, key)
    video = {"id": video_id, "status": "pending", "title": title, "created_at": int(time.time())}
    return json_reply(200, {"data": video})


# ---- webhooks -----------------------------------------------------------------------------


def _store(c: Call) -> WebhookStore:
    store = c.state.endpoints
    if not isinstance(store, WebhookStore):  # pragma: no cover - FakeState makes one
        raise TypeError("the fake's endpoint store has no v3 webhook support")
    return store


def _events_field(body: dict[str, Any]) -> tuple[bool, list[str] | None]:
    """``(valid, events)``: a list of the spec's event types, or null (all events)."""
    events = body.get("events")
    if events is None:
        return True, None
    if isinstance(events, list) and all(e in EVENT_TYPES for e in events):
        return True, events
    return False, None


def _url_field(body: dict[str, Any]) -> str | None:
    url = body.get("url")
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def v3_webhook_add(c: Call) -> Reply:
    """POST /v3/webhooks/endpoints: the answer carries the signing secret, once."""
    refusal = key_error(c)
    if refusal is not None:
        return refusal
    body = json_object(c.req) or {}
    url, (valid, events) = _url_field(body), _events_field(body)
    if url is None:
        return bad("url must be an absolute http(s) URL", "url")
    if not valid:
        return bad("events must be a list of event types", "events")
    entity = body.get("entity_id")
    endpoint = _store(c).add(url, events or None, entity if isinstance(entity, str) else None)
    return json_reply(200, {"data": endpoint})


def v3_webhook_list(c: Call) -> Reply:
    """GET /v3/webhooks/endpoints (paged; no secrets)."""
    return v3_static(c, _store(c).list(with_secret=False))


def v3_webhook_update(c: Call) -> Reply:
    """PATCH /v3/webhooks/endpoints/{endpoint_id}: url and/or events (replaced whole)."""
    body = json_object(c.req) or {}
    url = body.get("url")
    if url is not None and _url_field(body) is None:
        return bad("url must be an absolute http(s) URL", "url")
    valid, events = _events_field(body)
    if not valid:
        return bad("events must be a list of event types", "events")
    updated = _store(c).update(
        c.params["id"], url=url, events=events or None, set_events="events" in body
    )
    return not_found("Webhook endpoint") if updated is None else json_reply(200, {"data": updated})


def v3_webhook_delete(c: Call) -> Reply:
    """DELETE /v3/webhooks/endpoints/{endpoint_id}."""
    if not _store(c).delete(c.params["id"]):
        return not_found("Webhook endpoint")
    return json_reply(200, {"data": {}, "error": None})


def v3_webhook_rotate(c: Call) -> Reply:
    """POST /v3/webhooks/endpoints/{endpoint_id}/rotate-secret: a new secret, shown once."""
    refusal = key_error(c)
    if refusal is not None:
        return refusal
    secret = _store(c).rotate(c.params["id"])
    if secret is None:
        return not_found("Webhook endpoint")
    return json_reply(200, {"data": {"endpoint_id": c.params["id"], "secret": secret}})


def v3_event_types(c: Call) -> Reply:
    """GET /v3/webhooks/event-types: every type, in one page."""
    del c
    data = [{"event_type": t, "description": EVENT_DESCRIPTIONS[t]} for t in EVENT_TYPES]
    return json_reply(200, {"data": data, "has_more": False, "next_token": None})


def v3_events(c: Call) -> Reply:
    """GET /v3/webhooks/events (newest first; ``event_type`` and ``entity_id`` filters)."""
    event_type = c.req.query.get("event_type") or None
    if event_type is not None and event_type not in EVENT_TYPES:
        return bad("event_type is not a webhook event type", "event_type")
    entity_id = c.req.query.get("entity_id") or None
    return v3_static(c, _store(c).events(event_type=event_type, entity_id=entity_id))


_ENDPOINT: Final = f"/v3/webhooks/endpoints/{ID}"
ROUTES: Final = (
    route("api", "GET", "/v3/templates", "v3", v3_templates),
    route("api", "GET", f"/v3/templates/{ID}", "v3", v3_template),
    route("api", "POST", f"/v3/templates/{ID}", "v3", v3_template_generate),
    route("api", "POST", "/v3/webhooks/endpoints", "v3", v3_webhook_add),
    route("api", "GET", "/v3/webhooks/endpoints", "v3", v3_webhook_list),
    route("api", "PATCH", _ENDPOINT, "v3", v3_webhook_update),
    route("api", "DELETE", _ENDPOINT, "v3", v3_webhook_delete),
    route("api", "POST", f"{_ENDPOINT}/rotate-secret", "v3", v3_webhook_rotate),
    route("api", "GET", "/v3/webhooks/event-types", "v3", v3_event_types),
    route("api", "GET", "/v3/webhooks/events", "v3", v3_events),
)
"""The routes of this module (the server serves them with the other families')."""
