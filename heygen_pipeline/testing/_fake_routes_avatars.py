"""FakeHeyGen routes for v3 avatar groups: list, get, delete, creation and consent.

``GET /v3/avatars`` lists avatar **groups** (``id``, ``name``, ``looks_count``,
``created_at``...); the looks a video shows are served by ``_fake_routes_avatar_looks`` and
the legacy v2 lists by ``_fake_routes_avatars_v2``, and `ROUTES` here holds all three in the
order they must be matched. Created avatars are the account's (``private``) and train a step
per status call (a group or look get); a digital twin waits for consent first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_avatar_shapes import (
    LIMIT,
    PUBLIC_GROUPS,
    denied,
    not_found,
    ownership,
    private_group,
    private_look,
)

# A global of this module, so a test can serve other stock group shapes (test_spec_strict).
from heygen_pipeline.testing._fake_avatar_shapes import public_group as _public_group
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route
from heygen_pipeline.testing._fake_routes_avatar_looks import ROUTES as _LOOK_ROUTES
from heygen_pipeline.testing._fake_routes_avatars_v2 import ROUTES as _V2_ROUTES
from heygen_pipeline.testing._fake_routes_shared import asset_input_error, bad, page
from heygen_pipeline.testing._faults import Reply, json_reply

__all__ = ["ROUTES"]

_CREATE_TYPES: Final[Mapping[str, str]] = {
    "prompt": "photo_avatar",
    "photo": "photo_avatar",
    "digital_twin": "digital_twin",
}


def list_groups(c: Call) -> Reply:
    """GET /v3/avatars: groups (stock first, then the account's), 50 a page at most."""
    which = ownership(c)
    if isinstance(which, Reply):
        return which
    public, private = which
    found = [_public_group(c, g) for g in PUBLIC_GROUPS] if public else []
    if private:
        found += [private_group(c, v) for v in c.state.avatars.groups()]
    return page(c, found, LIMIT)


def get_group(c: Call) -> Reply:
    """GET /v3/avatars/{group_id}: a private group's training moves a step on."""
    row = next((g for g in PUBLIC_GROUPS if g[0] == c.params["id"]), None)
    if row is not None:
        return json_reply(200, {"data": _public_group(c, row)})
    view = c.state.avatars.poll(c.params["id"])
    return not_found() if view is None else json_reply(200, {"data": private_group(c, view)})


def delete_group(c: Call) -> Reply:
    """DELETE /v3/avatars/{group_id}: one of the account's groups, with its looks."""
    if any(g[0] == c.params["id"] for g in PUBLIC_GROUPS):
        return denied("This avatar group")
    if not c.state.avatars.delete_group(c.params["id"]):
        return not_found()
    return json_reply(200, {"data": {"id": c.params["id"]}})


def _creation_error(body: dict[str, Any]) -> Reply | None:
    """What a creation body lacks (type, name, prompt and images, or file), or None."""
    kind = body.get("type")
    if kind not in _CREATE_TYPES:
        return bad("type must be prompt, digital_twin or photo", "type")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        return bad("name is required", "name")
    if kind != "prompt":
        return asset_input_error(body.get("file"), "file")
    if not isinstance(body.get("prompt"), str) or not body["prompt"].strip():
        return bad("prompt is required", "prompt")
    images = body.get("reference_images") or []
    if not isinstance(images, list) or len(images) > 3:  # noqa: PLR2004 - the spec's max
        return bad("reference_images takes at most 3 images", "reference_images")
    for n, image in enumerate(images):
        if (refusal := asset_input_error(image, f"reference_images.{n}")) is not None:
            return refusal
    return None


def create(c: Call) -> Reply:
    """POST /v3/avatars: prompt, photo or digital twin; a new private group and look.

    A repeated ``Idempotency-Key`` replays the first answer (``Idempotent-Replayed: true``)
    and creates nothing.
    """
    key = c.req.headers.get("idempotency-key")
    if key is not None and (first := c.state.avatars.replay(key)) is not None:
        return json_reply(200, {"data": first}, (("Idempotent-Replayed", "true"),))
    body = json_object(c.req)
    if body is None:
        return bad("Request body must be a JSON object", "body")
    if (refusal := _creation_error(body)) is not None:
        return refusal
    kind, name = str(body["type"]), str(body["name"])
    group_id = body.get("avatar_group_id")
    group_id = group_id if isinstance(group_id, str) else None
    view, look_id = c.state.avatars.create(name, _CREATE_TYPES[kind], group_id)
    look = next(look for look in view.looks if look.id == look_id)
    data = {"avatar_group": private_group(c, view), "avatar_item": private_look(c, look, view)}
    if key is not None and (first := c.state.avatars.remember(key, data)) is not data:
        return json_reply(200, {"data": first}, (("Idempotent-Replayed", "true"),))
    return json_reply(200, {"data": data})


def consent(c: Call) -> Reply:
    """POST /v3/avatars/{group_id}/consent: a consent page URL, or a video submitted at once."""
    body = json_object(c.req)
    if body is None:
        return bad("Request body must be a JSON object", "body")
    video = body.get("consent_video")
    if video is not None:
        if (refusal := asset_input_error(video, "consent_video")) is not None:
            return refusal
        if body.get("reroute_url") is not None or body.get("consent_text") is not None:
            msg = "consent_video cannot be combined with reroute_url or consent_text"
            return bad(msg, "consent_video")
    text = body.get("consent_text")
    if isinstance(text, str) and ("<" in text or ">" in text):
        return bad("consent_text must not contain < or >", "consent_text")
    if any(g[0] == c.params["id"] for g in PUBLIC_GROUPS):
        return denied("This avatar group")
    view = c.state.avatars.consent(c.params["id"])
    if view is None:
        return not_found()
    url = None if video is not None else f"{c.cdn}/consent/{view.group.id}"
    return json_reply(200, {"data": {"avatar_group": private_group(c, view), "url": url}})


ROUTES: Final = (
    *_V2_ROUTES,
    route("api", "GET", "/v3/avatars", "v3", list_groups),
    route("api", "POST", "/v3/avatars", "v3", create),
    *_LOOK_ROUTES,  # before the {group_id} routes: /v3/avatars/looks is not a group
    route("api", "GET", f"/v3/avatars/{ID}", "v3", get_group),
    route("api", "DELETE", f"/v3/avatars/{ID}", "v3", delete_group),
    route("api", "POST", f"/v3/avatars/{ID}/consent", "v3", consent),
)
"""The avatar routes (groups, looks, creation, consent; the legacy v2 group lists)."""
