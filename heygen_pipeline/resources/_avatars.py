"""``client.avatars``: the avatars (v3, paged; legacy v2 list) and talking photos."""

from __future__ import annotations

import builtins
from collections.abc import Iterator

from heygen_pipeline.resources._base import Resource, path_id
from heygen_pipeline.resources._fields import items
from heygen_pipeline.resources._models import Avatar, TalkingPhoto
from heygen_pipeline.resources._paging import paginate

__all__ = ["Avatars"]


class Avatars(Resource):
    """Avatars you can put in a video."""

    __slots__ = ()

    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[Avatar]:
        """Every avatar (``GET /v3/avatars``), fetched lazily page by page."""
        pages = paginate(self._client, "/v3/avatars", page_size=page_size, max_pages=max_pages)
        return (Avatar.from_api(item) for item in pages)

    def get(self, avatar_id: str) -> Avatar:
        """One avatar (``GET /v3/avatars/{id}``)."""
        return Avatar.from_api(self._client.get(f"/v3/avatars/{path_id(avatar_id, 'avatar_id')}"))

    def list_v2(self) -> builtins.list[Avatar]:
        """The legacy avatar list (``GET /v2/avatars``), all in one answer."""
        data = self._client.get("/v2/avatars")
        return [Avatar.from_api(item) for item in items(data, "avatars", "/v2/avatars")]

    def talking_photos(self) -> builtins.list[TalkingPhoto]:
        """The talking photos of the legacy avatar list (``GET /v2/avatars``)."""
        data = self._client.get("/v2/avatars")
        return [
            TalkingPhoto.from_api(item) for item in items(data, "talking_photos", "/v2/avatars")
        ]
