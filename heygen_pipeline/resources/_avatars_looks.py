"""``client.avatars.looks``: avatar looks, what a video shows. A look's id is its ``avatar_id``.

`Avatars.list` and `Avatars.get` are these same calls; update (rename) and delete are here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, Literal

from heygen_pipeline.resources._base import Resource, path_id
from heygen_pipeline.resources._checks import (
    check_choice,
    check_limit,
    optional_text,
    parsed,
    required_text,
)
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results_assets import Deletion
from heygen_pipeline.resources._results_avatars import AVATAR_TYPES, OWNERSHIPS, AvatarLook

__all__ = ["LOOKS_LIMIT", "AvatarLooks", "AvatarType", "Ownership"]

LOOKS_LIMIT: Final = 50
"""The ``limit`` maximum of ``GET /v3/avatars/looks``."""
_LOOKS: Final = "/v3/avatars/looks"

AvatarType = Literal["studio_avatar", "digital_twin", "photo_avatar"]
Ownership = Literal["public", "private"]


class AvatarLooks(Resource):
    """Avatar looks: list, get, rename, delete. A look's ``id`` is a video's ``avatar_id``."""

    __slots__ = ()

    @operation("GET /v3/avatars/looks", model=AvatarLook)
    def list(
        self,
        *,
        group_id: str | None = None,
        avatar_type: AvatarType | None = None,
        ownership: Ownership | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[AvatarLook]:
        """Every look (``GET /v3/avatars/looks``), fetched lazily page by page.

        ``group_id`` keeps one group's looks; ``avatar_type`` one kind (``studio_avatar``,
        ``digital_twin``, ``photo_avatar``); ``ownership`` HeyGen's stock looks
        (``public``) or your own (``private``). ``page_size`` is 1-50.
        """
        params = {
            "group_id": optional_text(group_id, "group_id"),
            "avatar_type": check_choice(avatar_type, AVATAR_TYPES, "avatar_type"),
            "ownership": check_choice(ownership, OWNERSHIPS, "ownership"),
        }
        pages = paginate(
            self._client,
            _LOOKS,
            params=params,
            page_size=check_limit(page_size, LOOKS_LIMIT),
            max_pages=max_pages,
        )
        return (AvatarLook.from_api(item) for item in pages)

    @operation("GET /v3/avatars/looks/{look_id}", model=AvatarLook)
    def get(self, look_id: str) -> AvatarLook:
        """One look (``GET /v3/avatars/looks/{look_id}``)."""
        path = f"{_LOOKS}/{path_id(look_id, 'look_id')}"
        return parsed(AvatarLook.from_api, self._client.request("GET", path))

    @operation("PATCH /v3/avatars/looks/{look_id}", model=AvatarLook)
    def update(self, look_id: str, *, name: str) -> AvatarLook:
        """Rename a look (``PATCH /v3/avatars/looks/{look_id}``); returns the look as it is now."""
        path = f"{_LOOKS}/{path_id(look_id, 'look_id')}"
        body = {"name": required_text(name, "name")}
        return parsed(AvatarLook.from_api, self._client.request("PATCH", path, json=body))

    @operation("DELETE /v3/avatars/looks/{look_id}", model=Deletion)
    def delete(self, look_id: str) -> Deletion:
        """Delete one of your looks (``DELETE /v3/avatars/looks/{look_id}``)."""
        path = f"{_LOOKS}/{path_id(look_id, 'look_id')}"
        return parsed(Deletion.from_api, self._client.request("DELETE", path))
