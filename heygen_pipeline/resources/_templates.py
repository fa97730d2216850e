"""``client.templates``: list, get and generate from templates (v2: v3 has no templates yet)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

import attrs

from heygen_pipeline.resources._base import Resource, drop_none, path_id
from heygen_pipeline.resources._fields import items, obj
from heygen_pipeline.resources._models import Template, Video

__all__ = ["Templates"]


class Templates(Resource):
    """Templates made in HeyGen's studio, and videos generated from them."""

    __slots__ = ()

    def list(self) -> builtins.list[Template]:
        """Every template (``GET /v2/templates``)."""
        data = self._client.get("/v2/templates")
        return [Template.from_api(item) for item in items(data, "templates", "/v2/templates")]

    def get(self, template_id: str) -> Template:
        """A template with its ``variables`` (``GET /v2/template/{id}``)."""
        data = self._client.get(f"/v2/template/{path_id(template_id, 'template_id')}")
        template = Template.from_api(obj(data, "a template"))
        return template if template.id else attrs.evolve(template, id=template_id)

    def generate(
        self,
        template_id: str,
        *,
        variables: Mapping[str, Any],
        title: str | None = None,
        test: bool | None = None,
        caption: bool | None = None,
        dimension: Mapping[str, int] | tuple[int, int] | None = None,
        callback_url: str | None = None,
        callback_id: str | None = None,
        **extra: Any,
    ) -> Video:
        """Render a video from a template (``POST /v2/template/{id}/generate``).

        ``variables`` maps each template variable's name to its replacement object, as
        `get` shows them. Returns the new video (its ``id`` set); wait for it with
        ``client.videos.wait``.
        """
        if not isinstance(variables, Mapping):
            msg = f"variables must be a mapping, not {type(variables).__name__}"
            raise TypeError(msg)
        if isinstance(dimension, tuple):
            dimension = {"width": dimension[0], "height": dimension[1]}
        body = {
            "variables": dict(variables),
            **drop_none(
                title=title,
                test=test,
                caption=caption,
                dimension=dimension,
                callback_url=callback_url,
                callback_id=callback_id,
            ),
            **extra,
        }
        path = f"/v2/template/{path_id(template_id, 'template_id')}/generate"
        return Video.from_api(self._client.post(path, json=body))
