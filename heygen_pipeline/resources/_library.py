"""``client.audio``, ``client.brand_kits``, ``client.brand_glossaries``: v3 look-ups.

HeyGen's sound library (music and sound effects, searched by words), and the account's
brand kits and brand glossaries, as lazy paged lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, Literal

from heygen_pipeline.resources._base import Resource
from heygen_pipeline.resources._checks import check_choice, check_limit, check_number, required_text
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results_media import BrandGlossary, BrandKit, Sound

__all__ = ["SOUND_LIMIT", "SOUND_TYPES", "Audio", "BrandGlossaries", "BrandKits"]

SOUND_LIMIT: Final = 50
"""The ``limit`` maximum of the sound search."""
SOUND_TYPES: Final = ("music", "sound_effects")
BRAND_LIMIT: Final = 100
"""The ``limit`` maximum of the brand kit and glossary lists."""


class Audio(Resource):
    """HeyGen's audio library."""

    __slots__ = ()

    @operation("GET /v3/audio/sounds", model=Sound)
    def sounds(
        self,
        query: str,
        *,
        type: Literal["music", "sound_effects"] | None = None,  # noqa: A002 - the spec's name
        min_score: float | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[Sound]:
        """Music or sound effects matching ``query`` (``GET /v3/audio/sounds``), best first.

        ``type`` narrows to ``music`` or ``sound_effects``; ``min_score`` (0-1) drops weaker
        matches; 1-50 a page.
        """
        check_choice(type, SOUND_TYPES, "type")
        if min_score is not None:
            check_number(min_score, "min_score")
            if not 0 <= min_score <= 1:
                msg = f"min_score must be between 0 and 1, not {min_score}"
                raise ValueError(msg)
        params = {"query": required_text(query, "query"), "type": type, "min_score": min_score}
        pages = paginate(
            self._client,
            "/v3/audio/sounds",
            params={k: v for k, v in params.items() if v is not None},
            page_size=check_limit(page_size, SOUND_LIMIT),
            max_pages=max_pages,
        )
        return (Sound.from_api(item) for item in pages)


class BrandKits(Resource):
    """The account's brand kits."""

    __slots__ = ()

    @operation("GET /v3/brand-kits", model=BrandKit)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[BrandKit]:
        """Every brand kit (``GET /v3/brand-kits``), page by page (1-100 a page)."""
        pages = paginate(
            self._client,
            "/v3/brand-kits",
            page_size=check_limit(page_size, BRAND_LIMIT),
            max_pages=max_pages,
        )
        return (BrandKit.from_api(item) for item in pages)


class BrandGlossaries(Resource):
    """The account's brand glossaries (terms translations keep as they are)."""

    __slots__ = ()

    @operation("GET /v3/brand-glossaries", model=BrandGlossary)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[BrandGlossary]:
        """Every brand glossary (``GET /v3/brand-glossaries``), page by page (1-100 a page)."""
        pages = paginate(
            self._client,
            "/v3/brand-glossaries",
            page_size=check_limit(page_size, BRAND_LIMIT),
            max_pages=max_pages,
        )
        return (BrandGlossary.from_api(item) for item in pages)
