"""``client.templates``: list, get and render templates (v3), and legacy v2 Studio templates.

v3: ``GET /v3/templates`` (paged), ``GET /v3/templates/{template_id}`` (variables and
scenes) and ``POST /v3/templates/{template_id}`` (render a video). The legacy v2 calls stay,
named ``*_v2``.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from heygen_pipeline.resources._base import Resource, drop_none, path_id
from heygen_pipeline.resources._checks import (
    check_bool,
    check_int,
    check_limit,
    optional_text,
    required_text,
)
from heygen_pipeline.resources._fields import items, obj
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results import Video
from heygen_pipeline.resources._results_templates import Template

__all__ = ["FPS_CHOICES", "LIST_LIMIT", "Templates"]

LIST_LIMIT: Final = 100
"""The ``limit`` maximum of ``GET /v3/templates``."""
FPS_CHOICES: Final = (25, 30, 60)
"""The frame rates ``POST /v3/templates/{template_id}`` renders at."""
_MIN_SIDE: Final = 128
_MAX_SIDE: Final = 4096


def _variables(variables: object) -> dict[str, Any]:
    if not isinstance(variables, Mapping):
        msg = f"variables must be a mapping, not {type(variables).__name__}"
        raise TypeError(msg)
    return dict(variables)


def _dimension(dimension: object) -> dict[str, int] | None:
    """``(width, height)`` or ``{"width", "height"}``: even pixel counts in 128-4096."""
    if dimension is None:
        return None
    if isinstance(dimension, tuple) and len(dimension) == 2:  # noqa: PLR2004
        width, height = dimension
    elif isinstance(dimension, Mapping) and set(dimension) == {"width", "height"}:
        width, height = dimension["width"], dimension["height"]
    else:
        msg = "dimension must be (width, height) or {'width': ..., 'height': ...}"
        raise TypeError(msg)
    for name, side in (("width", width), ("height", height)):
        check_int(side, f"dimension {name}")
        if not _MIN_SIDE <= side <= _MAX_SIDE or side % 2:
            msg = f"dimension {name} must be an even number of pixels in 128-4096, not {side}"
            raise ValueError(msg)
    return {"width": width, "height": height}


def _scene_ids(scene_ids: Sequence[str] | None) -> builtins.list[str] | None:
    if scene_ids is None:
        return None
    if isinstance(scene_ids, str) or not isinstance(scene_ids, Sequence):
        msg = "scene_ids must be a list of scene ids"
        raise TypeError(msg)
    ids = [required_text(s, "scene_ids") for s in scene_ids]
    if not ids:
        msg = "scene_ids must not be empty (pass None to render every scene)"
        raise ValueError(msg)
    return ids


def _subtitles(subtitles: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if subtitles is None:
        return None
    if not isinstance(subtitles, Mapping):
        msg = f"subtitles must be a mapping, not {type(subtitles).__name__}"
        raise TypeError(msg)
    required_text(subtitles.get("preset_name"), "subtitles['preset_name']")
    return dict(subtitles)


def _fps(fps: object) -> int | None:
    if fps is None:
        return None
    if isinstance(fps, bool) or fps not in FPS_CHOICES:
        msg = f"fps must be one of 25, 30 or 60, not {fps!r}"
        raise ValueError(msg)
    return int(fps)


def _flags(**flags: object) -> dict[str, bool]:
    for name, value in flags.items():
        check_bool(value, name)
    return {name: value for name, value in flags.items() if isinstance(value, bool)}


class Templates(Resource):
    """Templates made in HeyGen's studio, and videos rendered from them."""

    __slots__ = ()

    @operation("GET /v3/templates", model=Template)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[Template]:
        """Every template (``GET /v3/templates``), lazily, a page at a time.

        ``page_size`` is 1-100 (`LIST_LIMIT`); the entries carry no variables (`get` does).
        """
        check_limit(page_size, LIST_LIMIT)
        pages = paginate(self._client, "/v3/templates", page_size=page_size, max_pages=max_pages)
        return (Template.from_api(item) for item in pages)

    @operation("GET /v3/templates/{template_id}", model=Template)
    def get(self, template_id: str) -> Template:
        """A template with its ``variables``, ``scenes`` and ``scene_ids``."""
        path = f"/v3/templates/{path_id(template_id, 'template_id')}"
        template = Template.from_api(obj(self._client.get(path), "a template"))
        return template if template.id else attrs.evolve(template, id=template_id)

    @operation("POST /v3/templates/{template_id}", model=Video)
    def generate(
        self,
        template_id: str,
        *,
        variables: Mapping[str, Any],
        title: str | None = None,
        caption: bool | None = None,
        subtitles: Mapping[str, Any] | None = None,
        dimension: Mapping[str, int] | tuple[int, int] | None = None,
        fps: int | None = None,
        scene_ids: Sequence[str] | None = None,
        folder_id: str | None = None,
        brand_voice_id: str | None = None,
        enable_sharing: bool | None = None,
        include_gif: bool | None = None,
        keep_text_vertically_centered: bool | None = None,
        reorder_music: bool | None = None,
        callback_url: str | None = None,
        callback_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Video:
        """Render a video from a template (``POST /v3/templates/{template_id}``).

        Returns the new video (``id`` and ``status``); wait for it with
        ``client.videos.wait``, or receive its webhook.

        Args:
            template_id: the template (`list`, `get`).
            variables: each variable's replacement, keyed by its name (as `get` shows them).
            title: the video's title.
            caption: burn captions in.
            subtitles: subtitle style, ``{"preset_name": ...}`` at least (implies captions).
            dimension: ``(width, height)``: even pixels in 128-4096, the template's ratio.
            fps: 25, 30 or 60.
            scene_ids: the scenes to render, in order (repeats allowed); None: all.
            folder_id: the folder to put the video in.
            brand_voice_id: the brand voice that controls pronunciation.
            enable_sharing: make the video's share page public.
            include_gif: add a GIF preview to the webhook payload.
            keep_text_vertically_centered: re-centre replaced text by its rendered height.
            reorder_music: background audio moves with its scenes (HeyGen's default, True).
            callback_url: an HTTPS URL HeyGen calls with the result (unsigned: see
                `heygen_pipeline.webhooks.callback_event`).
            callback_id: your id for the job, echoed in webhooks.
            idempotency_key: the request's ``Idempotency-Key`` (default: a fresh one).
        """
        path = f"/v3/templates/{path_id(template_id, 'template_id')}"
        body = {
            "variables": _variables(variables),
            **drop_none(
                title=optional_text(title, "title"),
                subtitles=_subtitles(subtitles),
                dimension=_dimension(dimension),
                fps=_fps(fps),
                scene_ids=_scene_ids(scene_ids),
                folder_id=optional_text(folder_id, "folder_id"),
                brand_voice_id=optional_text(brand_voice_id, "brand_voice_id"),
                callback_url=optional_text(callback_url, "callback_url"),
                callback_id=optional_text(callback_id, "callback_id"),
            ),
            **_flags(
                caption=caption,
                enable_sharing=enable_sharing,
                include_gif=include_gif,
                keep_text_vertically_centered=keep_text_vertically_centered,
                reorder_music=reorder_music,
            ),
        }
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        return Video.from_api(obj(self._client.post(path, json=body, **options), "a video"))

    # ---- legacy v2 (Studio templates) -----------------------------------------------------

    def list_v2(self) -> builtins.list[Template]:
        """Every template from the legacy ``GET /v2/templates``."""
        data = self._client.get("/v2/templates")
        return [Template.from_api(item) for item in items(data, "templates", "/v2/templates")]

    def get_v2(self, template_id: str) -> Template:
        """A template with its ``variables`` from the legacy ``GET /v2/template/{id}``."""
        data = self._client.get(f"/v2/template/{path_id(template_id, 'template_id')}")
        template = Template.from_api(obj(data, "a template"))
        return template if template.id else attrs.evolve(template, id=template_id)

    def generate_v2(
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
        """Render a video with the legacy ``POST /v2/template/{id}/generate``.

        ``variables`` maps each template variable's name to its replacement object, as
        `get_v2` shows them. Returns the new video (its ``id`` set).
        """
        if isinstance(dimension, tuple):
            dimension = {"width": dimension[0], "height": dimension[1]}
        body = {
            "variables": _variables(variables),
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
