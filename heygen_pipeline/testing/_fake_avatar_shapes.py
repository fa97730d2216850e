"""FakeHeyGen's avatar catalogue and how avatars look in the spec's shapes.

HeyGen's stock avatar groups and looks (`PUBLIC_GROUPS`, `PUBLIC_LOOKS`), the account's own
(trained in the fake's state) as v3 groups and looks, and the refusals every avatar route
shares. The v3 group routes, the look routes and the legacy v2 routes all read from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_avatars import GroupView, PrivateLook
from heygen_pipeline.testing._fake_routes import Call
from heygen_pipeline.testing._fake_routes_shared import bad
from heygen_pipeline.testing._faults import Reply, error_reply

__all__ = [
    "CREATED",
    "LIMIT",
    "PUBLIC_GROUPS",
    "PUBLIC_LOOKS",
    "denied",
    "not_found",
    "ownership",
    "private_group",
    "private_look",
    "public_group",
    "public_look",
]

LIMIT: Final = 50
"""The ``limit`` maximum of both lists."""
CREATED: Final = 1_700_000_000
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
_OWNERSHIPS: Final = ("public", "private")


def not_found(what: str = "Avatar") -> Reply:
    """The avatar routes' 404 (``avatar_not_found``)."""
    return error_reply(404, "v3", "avatar_not_found", f"{what} not found")


def denied(what: str) -> Reply:
    """The 403 for changing one of HeyGen's stock avatars."""
    return error_reply(403, "v3", "forbidden", f"{what} is one of HeyGen's and cannot be changed")


def public_group(c: Call, row: tuple[str, str, str, str]) -> dict[str, Any]:
    """A stock group as ``GET /v3/avatars`` shows it."""
    group_id, name, gender, voice = row
    return {
        "id": group_id,
        "name": name,
        "created_at": CREATED,
        "looks_count": sum(1 for look in PUBLIC_LOOKS if look[2] == group_id),
        "gender": gender,
        "preview_image_url": f"{c.cdn}/previews/{group_id}.webp",
        "preview_video_url": f"{c.cdn}/previews/{group_id}.mp4",
        "default_voice_id": voice,
        "consent_status": None,
    }


def public_look(c: Call, row: tuple[Any, ...]) -> dict[str, Any]:
    """A stock look as ``GET /v3/avatars/looks`` shows it."""
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


def training_error(view: GroupView) -> dict[str, str] | None:
    """A failed group's ``error`` (``{code, message}``), else None."""
    failure = view.group.failure
    if view.status != "failed" or failure is None:
        return None
    return {"code": str(failure.code), "message": failure.message or "Avatar training failed"}


def private_group(c: Call, view: GroupView) -> dict[str, Any]:
    """One of the account's groups, with its training status."""
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
        "error": training_error(view),
    }


def private_look(c: Call, look: PrivateLook, view: GroupView) -> dict[str, Any]:
    """One of the account's looks, with its group's training status."""
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
        "error": training_error(view),
    }


def ownership(c: Call) -> tuple[bool, bool] | Reply:
    """Whether to list (public, private) items, from ``ownership``."""
    ownership = c.req.query.get("ownership")
    if ownership is not None and ownership not in _OWNERSHIPS:
        return bad("ownership must be public or private", "ownership")
    return ownership != "private", ownership != "public"
