"""Result models of ``client.templates``: templates, their scenes and the scenes' variables.

v3 (``GET /v3/templates``, ``GET /v3/templates/{template_id}``) and the legacy v2 Studio
templates are read by the same `Template`, tolerant like every model here: a field HeyGen
drops or sends empty is ``None`` (or empty), and ``raw`` keeps the object as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from heygen_pipeline.resources import _fields as f

__all__ = ["Template", "TemplateScene", "TemplateVariable"]


@attrs.frozen(kw_only=True)
class TemplateVariable:
    """A variable a scene uses: its ``name`` (a key of `Template.variables`) and type."""

    name: str | None = None
    variable_type: str | None = None
    """``text``, ``image``, ``video``, ``audio``, ``character`` or ``voice``."""
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TemplateVariable:
        """Read one entry of a scene's ``variables``."""
        raw = f.obj(data, "a template variable")
        return cls(
            name=f.text(raw, "name"), variable_type=f.text(raw, "variable_type", "type"), raw=raw
        )


@attrs.frozen(kw_only=True)
class TemplateScene:
    """A scene of a template; its ``scene_id`` is what ``generate(scene_ids=...)`` takes."""

    scene_id: str | None = None
    script: str | None = None
    """The scene's script, its variable placeholders not replaced."""
    variables: tuple[TemplateVariable, ...] = ()
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TemplateScene:
        """Read one entry of a template's ``scenes``."""
        raw = f.obj(data, "a template scene")
        return cls(
            scene_id=f.text(raw, "scene_id", "id"),
            script=f.text(raw, "script"),
            variables=tuple(
                TemplateVariable.from_api(v) for v in f.items(raw.get("variables"), None, "scene")
            ),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class Template:
    """A template: a v3 list entry or detail, or a legacy v2 Studio template.

    The list gives the summary (``id``, ``name``, ``thumbnail_url``, ``aspect_ratio``, times);
    `Templates.get` adds ``variables`` (each variable's default value, keyed by name),
    ``scenes`` and ``scene_ids``.
    """

    id: str | None = None
    name: str | None = None
    thumbnail_url: str | None = None
    aspect_ratio: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    variables: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    """Each variable's name and its current default, as HeyGen sent them."""
    scene_ids: tuple[str, ...] = ()
    """The scenes' ids in template order (v3 details only)."""
    scenes: tuple[TemplateScene, ...] = ()
    """The scenes with their scripts and variables (v3 details only)."""
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Template:
        """Read a template list entry or a template's details (v3 or v2)."""
        raw = f.obj(data, "a template")
        return cls(
            id=f.text(raw, "id", "template_id"),
            name=f.text(raw, "name", "title"),
            thumbnail_url=f.text(raw, "thumbnail_url", "thumbnail_image_url"),
            aspect_ratio=f.text(raw, "aspect_ratio"),
            created_at=f.when(raw, "created_at"),
            updated_at=f.when(raw, "updated_at"),
            variables=f.mapping(raw, "variables"),
            scene_ids=f.all_strings(raw.get("scene_ids")),
            scenes=tuple(
                TemplateScene.from_api(s) for s in f.items(raw.get("scenes"), None, "a template")
            ),
            raw=raw,
        )
