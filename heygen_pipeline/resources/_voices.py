"""``client.voices``: the voices (v3, paged; legacy v2 list)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator

from heygen_pipeline.resources._base import Resource, path_id
from heygen_pipeline.resources._fields import items
from heygen_pipeline.resources._models import Voice
from heygen_pipeline.resources._paging import paginate

__all__ = ["Voices"]


class Voices(Resource):
    """Voices an avatar can speak with."""

    __slots__ = ()

    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[Voice]:
        """Every voice (``GET /v3/voices``), fetched lazily page by page."""
        pages = paginate(self._client, "/v3/voices", page_size=page_size, max_pages=max_pages)
        return (Voice.from_api(item) for item in pages)

    def get(self, voice_id: str) -> Voice:
        """One voice (``GET /v3/voices/{id}``)."""
        return Voice.from_api(self._client.get(f"/v3/voices/{path_id(voice_id, 'voice_id')}"))

    def list_v2(self) -> builtins.list[Voice]:
        """The legacy voice list (``GET /v2/voices``), all in one answer."""
        data = self._client.get("/v2/voices")
        return [Voice.from_api(item) for item in items(data, "voices", "/v2/voices")]
