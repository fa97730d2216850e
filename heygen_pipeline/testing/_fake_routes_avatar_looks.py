"""FakeHeyGen routes for v3 avatar looks: list, get, rename and delete.

A look's ``id`` is what ``POST /v3/videos`` takes as ``avatar_id`` (the stock looks keep the
ids HeyGen's legacy v2 list gives its avatars); the account's looks train with their group.
"""

from __future__ import annotations

from typing import Any, Final

from heygen_pipeline.testing._fake_avatar_shapes import (
    LIMIT,
    PUBLIC_LOOKS,
    denied,
    not_found,
    ownership,
    private_look,
    public_look,
)
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route
from heygen_pipeline.testing._fake_routes_shared import bad, page
from heygen_pipeline.testing._faults import Reply, json_reply

__all__ = ["ROUTES"]

_AVATAR_TYPES: Final = ("studio_avatar", "digital_twin", "photo_avatar")


def _looks(c: Call, public: bool, private: bool) -> list[dict[str, Any]]:
    found = [public_look(c, row) for row in PUBLIC_LOOKS] if public else []
    if private:
        for view in c.state.avatars.groups():
            found += [private_look(c, look, view) for look in view.looks]
    return found


def list_looks(c: Call) -> Reply:
    """GET /v3/avatars/looks: filtered by group_id, avatar_type and ownership; 50 a page."""
    which = ownership(c)
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
        return public_look(c, row)
    found = c.state.avatars.look(c.params["id"])
    if found is None:
        return not_found("Avatar look")
    return private_look(c, *found)


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
        return denied("This avatar look")
    if name is not None and not c.state.avatars.rename(c.params["id"], name):
        return not_found("Avatar look")
    return get_look(c)


def delete_look(c: Call) -> Reply:
    """DELETE /v3/avatars/looks/{look_id}: one of the account's looks."""
    if any(look[0] == c.params["id"] for look in PUBLIC_LOOKS):
        return denied("This avatar look")
    if not c.state.avatars.delete_look(c.params["id"]):
        return not_found("Avatar look")
    return json_reply(200, {"data": {"id": c.params["id"]}})


ROUTES: Final = (
    route("api", "GET", "/v3/avatars/looks", "v3", list_looks),
    route("api", "GET", f"/v3/avatars/looks/{ID}", "v3", get_look),
    route("api", "PATCH", f"/v3/avatars/looks/{ID}", "v3", update_look),
    route("api", "DELETE", f"/v3/avatars/looks/{ID}", "v3", delete_look),
)
"""The look routes (served before the group routes' ``/v3/avatars/{group_id}``)."""
