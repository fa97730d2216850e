"""FakeHeyGen routes for the legacy v2 avatar group lists, in the shapes v2 clients read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from heygen_pipeline.testing._fake_avatar_shapes import (
    CREATED,
    PUBLIC_GROUPS,
    PUBLIC_LOOKS,
    private_look,
    public_look,
)
from heygen_pipeline.testing._fake_routes import ID, Call, route, v2_ok
from heygen_pipeline.testing._faults import Reply, error_reply

__all__ = ["ROUTES"]

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
            "created_at": CREATED,
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
    public = [public_look(c, row) for row in PUBLIC_LOOKS if row[2] == group_id]
    view = c.state.avatars.peek(group_id)
    if public:
        looks = public
    elif view is not None:
        looks = [private_look(c, look, view) for look in view.looks]
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
)
"""The legacy v2 avatar group routes."""
