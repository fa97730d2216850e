"""FakeHeyGen routes for v3 avatars: groups, looks, creation and consent, in the spec's shapes.

``GET /v3/avatars`` lists avatar **groups** (``id``, ``name``, ``looks_count``,
``created_at``...); ``GET /v3/avatars/looks`` lists **looks**, whose ``id`` is what
``POST /v3/videos`` takes as ``avatar_id`` (the stock looks keep the ids HeyGen's legacy v2
list gives its avatars). Created avatars are the account's (``private``) and train a step
per status call (a group or look get); a digital twin waits for consent first.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_avatars import GroupView, PrivateLook
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route, v2_ok
from heygen_pipeline.testing._fake_routes_shared import bad, page
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = ["PUBLIC_GROUPS", "PUBLIC_LOOKS", "ROUTES", "asset_input_error"]

LIMIT: Final = 50
"""The ``limit`` maximum of both lists."""
_CREATED: Final = 1_700_000_000
# group id, name, gender, default voice id
PUBLIC_GROUPS: Final = (
    ("grp-abigail", "Abigail", "female", "v-f-en-1"),
    ("grp-daisy", "Daisy", "female", "v-f-en-1"),
    ("grp-tyler", "Tyler", "male", "v-m-en-1"),
    ("grp-brandon", "Brandon", "male", "v-m-en-2"),
    ("grp-annie", "Annie", "female", "v-f-es-1"),
)
# look id, name, group id, tags, engines, orientation
PUBLIC_LOOKS: Final = (
    (
        "Abigail_expressive_2024112501",
        "Abigail (Upper Body)",
        "grp-abigail",
        ("NEW",),
        ("avatar_iv", "avatar_iii"),
        "landscape",
    ),
    ("Daisy-inskirt-20220818", "Daisy in Skirt", "grp-daisy", (), ("avatar_iii",), "portrait"),
    ("Daisy-inshirt-20220818", "Daisy in Shirt", "grp-daisy", (), ("avatar_iii",), "landscape"),
    ("Tyler-incasualsuit-20220721", "Tyler in Casual Suit", "grp-tyler", (), ("avatar_iii",), None),
    (
        "Brandon_Office_Front_public",
        "Brandon Office",
        "grp-brandon",
        ("PREMIUM",),
        ("avatar_iv", "avatar_iii"),
        "landscape",
    ),
    (
        "Annie_expressive_public",
        "Annie Expressive",
        "grp-annie",
        ("AVATAR_IV",),
        ("avatar_iv",),
        "square",
    ),
)
_SIZES: Final[Mapping[str | None, tuple[int, int]]] = {
    "landscape": (1920, 1080),
    "portrait": (1080, 1920),
    "square": (1080, 1080),
    None: (1280, 720),
}
_CREATE_TYPES: Final[Mapping[str, str]] = {
    "prompt": "photo_avatar",
    "photo": "photo_avatar",
    "digital_twin": "digital_twin",
}
_OWNERSHIPS: Final = ("public", "private")
_AVATAR_TYPES: Final = ("studio_avatar", "digital_twin", "photo_avatar")


def _not_found(what: str = "Avatar") -> Reply:
    return error_reply(404, "v3", "avatar_not_found", f"{what} not found")


def _denied(what: str) -> Reply:
    return error_reply(403, "v3", "forbidden", f"{what} is one of HeyGen's and cannot be changed")


def asset_input_error(value: object, name: str) -> Reply | None:
    """The 400 for a malformed asset input (url, asset_id or base64), or None when it is right."""
    kind = value.get("type") if isinstance(value, dict) else None
    ok = isinstance(value, dict) and (
        (
            kind == "url"
            and isinstance(value.get("url"), str)
            and value["url"].startswith("https://")
        )
        or (kind == "asset_id" and isinstance(value.get("asset_id"), str) and value["asset_id"])
        or (
            kind == "base64"
            and isinstance(value.get("media_type"), str)
            and _b64(value.get("data"))
        )
    )
    if ok:
        return None
    msg = f"{name} must be {{type: url, url: https://...}}, {{type: asset_id, asset_id}} or "
    return bad(msg + "{type: base64, media_type, data}", name)


def _b64(data: object) -> bool:
    if not isinstance(data, str) or not data:
        return False
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


# ---- shapes ----------------------------------------------------------------------------------


def _public_group(c: Call, row: tuple[str, str, str, str]) -> dict[str, Any]:
    group_id, name, gender, voice = row
    return {
        "id": group_id,
        "name": name,
        "created_at": _CREATED,
        "looks_count": sum(1 for look in PUBLIC_LOOKS if look[2] == group_id),
        "gender": gender,
        "preview_image_url": f"{c.cdn}/previews/{group_id}.webp",
        "preview_video_url": f"{c.cdn}/previews/{group_id}.mp4",
        "default_voice_id": voice,
        "consent_status": None,
    }


def _public_look(c: Call, row: tuple[Any, ...]) -> dict[str, Any]:
    look_id, name, group_id, tags, engines, orientation = row
    gender, voice = next((g[2], g[3]) for g in PUBLIC_GROUPS if g[0] == group_id)
    width, height = _SIZES[orientation]
    return {
        "id": look_id,
        "name": name,
        "avatar_type": "studio_avatar",
        "group_id": group_id,
        "gender": gender,
        "preview_image_url": f"{c.cdn}/previews/{look_id}.webp",
        "preview_video_url": f"{c.cdn}/previews/{look_id}.mp4",
        "default_voice_id": voice,
        "tags": list(tags),
        "supported_api_engines": list(engines),
        "preferred_orientation": orientation,
        "image_width": width,
        "image_height": height,
    }


def _error(view: GroupView) -> dict[str, str] | None:
    failure = view.group.failure
    if view.status != "failed" or failure is None:
        return None
    return {"code": str(failure.code), "message": failure.message or "Avatar training failed"}


def _private_group(c: Call, view: GroupView) -> dict[str, Any]:
    group = view.group
    done = view.status == "completed"
    return {
        "id": group.id,
        "name": group.name,
        "created_at": group.created_at,
        "looks_count": len(view.looks),
        "gender": None,
        "preview_image_url": f"{c.cdn}/previews/{group.id}.webp" if done else None,
        "preview_video_url": None,
        "default_voice_id": None,
        "status": view.status,
        "consent_status": view.consent_status,
        "error": _error(view),
    }


def _private_look(c: Call, look: PrivateLook, view: GroupView) -> dict[str, Any]:
    done = view.status == "completed"
    return {
        "id": look.id,
        "name": look.name,
        "avatar_type": look.avatar_type,
        "group_id": look.group_id,
        "gender": None,
        "preview_image_url": f"{c.cdn}/previews/{look.id}.webp" if done else None,
        "preview_video_url": None,
        "default_voice_id": None,
        "tags": [],
        "supported_api_engines": ["avatar_iv"] if done else [],
        "preferred_orientation": None,
        "image_width": None,
        "image_height": None,
        "status": view.status,
        "error": _error(view),
    }


def _ownership(c: Call) -> tuple[bool, bool] | Reply:
    """Whether to list (public, private) items, from ``ownership``."""
    ownership = c.req.query.get("ownership")
    if ownership is not None and ownership not in _OWNERSHIPS:
        return bad("ownership must be public or private", "ownership")
    return ownership != "private", ownership != "public"


# ---- groups -----------------------------------------------------------------------------------


def list_groups(c: Call) -> Reply:
    """GET /v3/avatars: groups (stock first, then the account's), 50 a page at most."""
    which = _ownership(c)
    if isinstance(which, Reply):
        return which
    public, private = which
    found = [_public_group(c, g) for g in PUBLIC_GROUPS] if public else []
    if private:
        found += [_private_group(c, v) for v in c.state.avatars.groups()]
    return page(c, found, LIMIT)


def get_group(c: Call) -> Reply:
    """GET /v3/avatars/{group_id}: a private group's training moves a step on."""
    row = next((g for g in PUBLIC_GROUPS if g[0] == c.params["id"]), None)
    if row is not None:
        return json_reply(200, {"data": _public_group(c, row)})
    view = c.state.avatars.poll(c.params["id"])
    return _not_found() if view is None else json_reply(200, {"data": _private_group(c, view)})


def delete_group(c: Call) -> Reply:
    """DELETE /v3/avatars/{group_id}: one of the account's groups, with its looks."""
    if any(g[0] == c.params["id"] for g in PUBLIC_GROUPS):
        return _denied("This avatar group")
    if not c.state.avatars.delete_group(c.params["id"]):
        return _not_found()
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
    data = {"avatar_group": _private_group(c, view), "avatar_item": _private_look(c, look, view)}
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
        return _denied("This avatar group")
    view = c.state.avatars.consent(c.params["id"])
    if view is None:
        return _not_found()
    url = None if video is not None else f"{c.cdn}/consent/{view.group.id}"
    return json_reply(200, {"data": {"avatar_group": _private_group(c, view), "url": url}})


# ---- looks ------------------------------------------------------------------------------------


def _looks(c: Call, public: bool, private: bool) -> list[dict[str, Any]]:
    found = [_public_look(c, row) for row in PUBLIC_LOOKS] if public else []
    if private:
        for view in c.state.avatars.groups():
            found += [_private_look(c, look, view) for look in view.looks]
    return found


def list_looks(c: Call) -> Reply:
    """GET /v3/avatars/looks: filtered by group_id, avatar_type and ownership; 50 a page."""
    which = _ownership(c)
    if isinstance(which, Reply):
        return which
    kind = c.req.query.get("avatar_type")
    if kind is not None and kind not in _AVATAR_TYPES:
        return bad("avatar_type must be studio_avatar, digital_twin or photo_avatar", "avatar_type")
    group_id = c.req.query.get("group_id")
    found = [
        look
        for look in _looks(c, *which)
        if (group_id is None or look["group_id"] == group_id)
        and (kind is None or look["avatar_type"] == kind)
    ]
    return page(c, found, LIMIT)


def _find_look(c: Call) -> dict[str, Any] | Reply:
    row = next((look for look in PUBLIC_LOOKS if look[0] == c.params["id"]), None)
    if row is not None:
        return _public_look(c, row)
    found = c.state.avatars.look(c.params["id"])
    if found is None:
        return _not_found("Avatar look")
    return _private_look(c, *found)


def get_look(c: Call) -> Reply:
    """GET /v3/avatars/looks/{look_id}."""
    look = _find_look(c)
    return look if isinstance(look, Reply) else json_reply(200, {"data": look})


def update_look(c: Call) -> Reply:
    """PATCH /v3/avatars/looks/{look_id}: rename one of the account's looks."""
    body = json_object(c.req)
    if body is None:
        return bad("Request body must be a JSON object", "body")
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        return bad("name must be a non-empty string", "name")
    if any(look[0] == c.params["id"] for look in PUBLIC_LOOKS):
        return _denied("This avatar look")
    if name is not None and not c.state.avatars.rename(c.params["id"], name):
        return _not_found("Avatar look")
    return get_look(c)


def delete_look(c: Call) -> Reply:
    """DELETE /v3/avatars/looks/{look_id}: one of the account's looks."""
    if any(look[0] == c.params["id"] for look in PUBLIC_LOOKS):
        return _denied("This avatar look")
    if not c.state.avatars.delete_look(c.params["id"]):
        return _not_found("Avatar look")
    return json_reply(200, {"data": {"id": c.params["id"]}})


# ---- legacy v2: groups and the avatars of one group --------------------------------------------

_V2_GROUP_TYPES: Final[Mapping[str, str]] = {
    "photo_avatar": "PHOTO",
    "digital_twin": "DIGITAL_TWIN",
}


def v2_groups(c: Call) -> Reply:
    """GET /v2/avatar_group.list: the account's groups, HeyGen's too with include_public=true.

    In the shape HeyGen's own client (heygen-mcp) reads: ``total_count`` and
    ``avatar_group_list`` of ``{id, name, created_at, num_looks, preview_image, group_type,
    train_status}``.
    """
    public = c.req.query.get("include_public", "false").lower() == "true"
    groups = [
        {
            "id": group_id,
            "name": name,
            "created_at": _CREATED,
            "num_looks": sum(1 for look in PUBLIC_LOOKS if look[2] == group_id),
            "preview_image": f"{c.cdn}/previews/{group_id}.webp",
            "group_type": "PUBLIC",
            "train_status": None,
        }
        for group_id, name, _, _ in (PUBLIC_GROUPS if public else ())
    ]
    for view in c.state.avatars.groups():
        kind = view.looks[0].avatar_type if view.looks else "photo_avatar"
        groups.append(
            {
                "id": view.group.id,
                "name": view.group.name,
                "created_at": view.group.created_at,
                "num_looks": len(view.looks),
                "preview_image": f"{c.cdn}/previews/{view.group.id}.webp",
                "group_type": _V2_GROUP_TYPES.get(kind, "PHOTO"),
                "train_status": view.status,
            }
        )
    return v2_ok({"total_count": len(groups), "avatar_group_list": groups})


def v2_group_avatars(c: Call) -> Reply:
    """GET /v2/avatar_group/{group_id}/avatars: the group's looks as legacy v2 avatars."""
    group_id = c.params["id"]
    public = [_public_look(c, row) for row in PUBLIC_LOOKS if row[2] == group_id]
    view = c.state.avatars.peek(group_id)
    if public:
        looks = public
    elif view is not None:
        looks = [_private_look(c, look, view) for look in view.looks]
    else:
        return error_reply(404, "v2", "avatar_group_not_found", "Avatar group not found")
    avatars = [
        {
            "avatar_id": look["id"],
            "avatar_name": look["name"],
            "gender": look["gender"] or "unknown",
            "preview_image_url": look["preview_image_url"] or f"{c.cdn}/previews/{look['id']}.webp",
            "preview_video_url": look["preview_video_url"] or f"{c.cdn}/previews/{look['id']}.mp4",
            "premium": "PREMIUM" in look["tags"],
            "type": None,
            "tags": look["tags"],
            "default_voice_id": look["default_voice_id"],
        }
        for look in looks
    ]
    return v2_ok({"avatar_list": avatars})


ROUTES: Final = (
    route("api", "GET", r"/v2/avatar_group\.list", "v2", v2_groups),
    route("api", "GET", f"/v2/avatar_group/{ID}/avatars", "v2", v2_group_avatars),
    route("api", "GET", "/v3/avatars", "v3", list_groups),
    route("api", "POST", "/v3/avatars", "v3", create),
    # Before the {group_id} routes: /v3/avatars/looks is not a group.
    route("api", "GET", "/v3/avatars/looks", "v3", list_looks),
    route("api", "GET", f"/v3/avatars/looks/{ID}", "v3", get_look),
    route("api", "PATCH", f"/v3/avatars/looks/{ID}", "v3", update_look),
    route("api", "DELETE", f"/v3/avatars/looks/{ID}", "v3", delete_look),
    route("api", "GET", f"/v3/avatars/{ID}", "v3", get_group),
    route("api", "DELETE", f"/v3/avatars/{ID}", "v3", delete_group),
    route("api", "POST", f"/v3/avatars/{ID}/consent", "v3", consent),
)
"""The avatar routes (groups, looks, creation, consent; the legacy v2 group lists)."""
