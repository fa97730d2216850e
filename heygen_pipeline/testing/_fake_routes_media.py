"""FakeHeyGen routes for AI clipping, background removals, sounds, brand kits and glossaries.

Clipping jobs go ``pending`` → ``running`` → ``completed`` (one clip per duration type) or
``failed`` with ``failure_message``; removals ``pending`` → ``processing`` → ``completed``
(a presigned link per layer) or ``failed`` with ``error``, and ``deleted`` once deleted.
Removals dedupe on the body's ``request_id``. Sounds, brand kits and glossaries are small
fixed libraries.
"""

from __future__ import annotations

from typing import Any, Final

from heygen_pipeline.testing._fake_media import MediaJobView
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route, signed
from heygen_pipeline.testing._fake_routes_shared import JobRoutes, bad, page, source_ok
from heygen_pipeline.testing._faults import Reply, json_reply

__all__ = ["BRAND_GLOSSARIES", "BRAND_KITS", "ROUTES", "SOUNDS"]

SOUNDS: Final = (
    ("snd-upbeat-01", "Upbeat corporate", "bright upbeat corporate pop", "music", 95.0),
    ("snd-calm-01", "Calm piano", "calm soft piano ambient", "music", 120.0),
    ("snd-epic-01", "Epic trailer", "epic cinematic trailer drums", "music", 60.0),
    ("snd-whoosh-01", "Whoosh", "fast whoosh transition", "sound_effects", 1.2),
    ("snd-click-01", "Click", "soft ui click", "sound_effects", 0.3),
    ("snd-applause-01", "Applause", "crowd applause cheer", "sound_effects", 4.0),
)
"""id, name, description (its words are what a query matches), type, duration."""
BRAND_KITS: Final = (
    ("kit-acme-01", "Acme", ("#FF5500", "#222222"), True),
    ("kit-plain-01", "Plain", (), False),
)
BRAND_GLOSSARIES: Final = (
    ("gloss-acme-01", "Acme product names", "2026-01-05T10:00:00Z", "2026-03-01T09:30:00Z"),
    ("gloss-legal-01", "Legal terms", "2026-02-10T08:00:00Z", "2026-02-10T08:00:00Z"),
)
_LIMIT: Final = 100
_SOUND_LIMIT: Final = 50
_LAYERS: Final = ("foreground", "mask", "background")
_DURATIONS: Final = {"30": 30.0, "60": 60.0, "180": 180.0, "long": 420.0}
_CLIPS: Final = "/v3/ai-clipping"
_REMOVALS: Final = "/v3/background-removals"


# ---- AI clipping --------------------------------------------------------------------------


def _clipping(c: Call, view: MediaJobView) -> dict[str, Any]:
    options = view.options
    settings = dict(options.get("output_settings") or {})
    done = view.status == "completed"
    durations = settings.get("duration_types") or ["30", "60"]
    ratio = settings.get("aspect_ratio") or "portrait"
    clips = [
        {
            "id": f"{view.id}-{n}",
            "status": "completed",
            "title": f"Highlight {n + 1}",
            "video_url": signed(c.cdn, f"/videos/{view.id}-{n}.mp4"),
            "thumbnail_url": f"{c.cdn}/thumbnails/{view.id}-{n}.jpg",
            "aspect_ratio": ratio,
            "duration_seconds": _DURATIONS.get(kind, 30.0),
            "virality_score": 90 - 10 * n,
            "failure_message": None,
        }
        for n, kind in enumerate(durations)
    ]
    failure = view.failure
    return {
        "id": view.id,
        "status": view.status,
        "title": options.get("title") or "Untitled clipping",
        "progress": view.progress,
        "input_language": options.get("input_language"),
        "source_duration": 600.0,
        "output_settings": settings or None,
        "clips": clips if done else [],
        "failure_message": failure.message if failure else None,
        "callback_id": options.get("callback_id"),
        "created_at": view.created_at,
    }


def create_clipping(c: Call) -> Reply:
    """POST /v3/ai-clipping: a new job, ``pending``."""
    body = json_object(c.req)
    if body is None:
        return bad("the body must be a JSON object", "body")
    if not source_ok(body.get("video")):
        return bad("video must be {type: url, url} or {type: asset_id, asset_id}", "video")
    settings = body.get("output_settings")
    if settings is not None and not isinstance(settings, dict):
        return bad("output_settings must be an object", "output_settings")
    prompt = (settings or {}).get("prompt")
    if isinstance(prompt, str) and len(prompt) > 500:  # noqa: PLR2004 - the spec's maximum
        return bad("prompt must be at most 500 characters", "output_settings.prompt")
    view, _ = c.state.clippings.create(body)
    return json_reply(200, {"data": _clipping(c, view)})


CLIPPINGS: Final = JobRoutes(
    lambda state: state.clippings,
    _clipping,
    "AI clipping job",
    _LIMIT,
    remove=lambda store, job_id: store.delete(job_id, keep=False),
)
"""List, get (a step on) and delete."""


# ---- background removals ------------------------------------------------------------------


def _removal(c: Call, view: MediaJobView) -> dict[str, Any]:
    done = view.status == "completed"
    layers = view.options.get("layers") or list(_LAYERS)
    links = {name: signed(c.cdn, f"/videos/{view.id}-{name}.mp4") for name in layers}
    failure = view.failure
    return {
        "id": view.id,
        "status": view.status,
        "layers": links if done else {},
        "duration": 12.5 if done else None,
        "error": (failure.message or "Background removal failed") if failure else None,
        "created_at": view.created_at,
        "completed_at": view.completed_at,
    }


def create_removal(c: Call) -> Reply:
    """POST /v3/background-removals: a new job, or the original one for a known request_id."""
    body = json_object(c.req)
    if body is None:
        return bad("the body must be a JSON object", "body")
    if not source_ok(body.get("video"), inline=True):
        return bad("video must be {type: url|asset_id|base64, ...}", "video")
    layers = body.get("layers")
    if layers is not None and (
        not isinstance(layers, list) or not layers or any(x not in _LAYERS for x in layers)
    ):
        return bad(f"layers must be a non-empty list of {', '.join(_LAYERS)}", "layers")
    key = body.get("request_id") if isinstance(body.get("request_id"), str) else None
    view, _ = c.state.removals.create({"layers": layers}, key or None)
    return json_reply(200, {"data": _removal(c, view)})


REMOVALS: Final = JobRoutes(
    lambda state: state.removals,
    _removal,
    "Background removal",
    _LIMIT,
    remove=lambda store, job_id: store.delete(job_id, keep=True),
    deleted={"deleted": True},
)
"""List, get (a step on; ``deleted`` stays) and delete (the job stays, ``deleted``)."""


# ---- libraries ----------------------------------------------------------------------------


def sounds(c: Call) -> Reply:
    """GET /v3/audio/sounds: library entries sharing a word with ``query``, best first."""
    words = set((c.req.query.get("query") or "").lower().split())
    if not words:
        return bad("query is required", "query")
    kind = c.req.query.get("type")
    try:
        floor = float(c.req.query.get("min_score", "0"))
    except ValueError:
        return bad("min_score must be a number between 0 and 1", "min_score")
    found: list[dict[str, Any]] = []
    for sound_id, name, description, sound_type, duration in SOUNDS:
        terms = set(description.split()) | set(name.lower().split())
        score = round(len(words & terms) / len(words), 3)
        if score > 0 and score >= floor and (not kind or kind == sound_type):
            found.append(
                {
                    "id": sound_id,
                    "name": name,
                    "description": description,
                    "type": sound_type,
                    "audio_url": f"{c.cdn}/previews/{sound_id}.mp3",
                    "score": score,
                    "duration": duration,
                    "peak_offset": round(duration / 3, 2),
                    "placement": "background" if sound_type == "music" else "transition",
                }
            )
    found.sort(key=lambda s: -float(s["score"]))
    return page(c, found, _SOUND_LIMIT)


def brand_kits(c: Call) -> Reply:
    """GET /v3/brand-kits."""
    items = [
        {
            "brand_kit_id": kit_id,
            "name": name,
            "colors": list(colors),
            "logo_url": f"{c.cdn}/thumbnails/{kit_id}.png" if logo else None,
        }
        for kit_id, name, colors, logo in BRAND_KITS
    ]
    return page(c, items, _LIMIT)


def brand_glossaries(c: Call) -> Reply:
    """GET /v3/brand-glossaries."""
    items = [
        {"brand_glossary_id": gid, "name": name, "created_at": made, "updated_at": changed}
        for gid, name, made, changed in BRAND_GLOSSARIES
    ]
    return page(c, items, _LIMIT)


ROUTES: Final = (
    route("api", "POST", _CLIPS, "v3", create_clipping),
    route("api", "GET", _CLIPS, "v3", CLIPPINGS.list),
    route("api", "GET", f"{_CLIPS}/{ID}", "v3", CLIPPINGS.get),
    route("api", "DELETE", f"{_CLIPS}/{ID}", "v3", CLIPPINGS.delete),
    route("api", "POST", _REMOVALS, "v3", create_removal),
    route("api", "GET", _REMOVALS, "v3", REMOVALS.list),
    route("api", "GET", f"{_REMOVALS}/{ID}", "v3", REMOVALS.get),
    route("api", "DELETE", f"{_REMOVALS}/{ID}", "v3", REMOVALS.delete),
    route("api", "GET", "/v3/audio/sounds", "v3", sounds),
    route("api", "GET", "/v3/brand-kits", "v3", brand_kits),
    route("api", "GET", "/v3/brand-glossaries", "v3", brand_glossaries),
)
"""The routes of the smaller v3 families (the server serves them with the others)."""
