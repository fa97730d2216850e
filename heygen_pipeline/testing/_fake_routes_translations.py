"""FakeHeyGen routes for v3 video translations and proofreads, in the spec's shapes.

Translation jobs move a step per status call (``pending`` → ``running`` → ``completed``, or
``failed`` with ``failure_message`` when scripted with ``fail_translation``); proofreads go
``processing`` → ``completed``/``failed`` the same way (``fail_proofread``). Lists, renames
and batch reads do not advance jobs; single gets, batch gets and bulk statuses do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_jobs import TranslationView
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route, signed
from heygen_pipeline.testing._fake_routes_shared import (
    JobRoutes,
    bad,
    batch_item,
    batch_reply,
    key_error,
    not_found,
    source_ok,
)
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = ["LANGUAGES", "ROUTES"]

LANGUAGES: Final = (
    "English",
    "Spanish (Spain)",
    "Spanish (Mexico)",
    "French (France)",
    "German",
    "Italian",
    "Japanese",
    "Chinese (Cantonese, Traditional)",
)
"""What ``GET /v3/video-translations/languages`` lists."""
_MAX_BATCH_ITEMS: Final = 100
_ECHOED: Final = ("input_language", "callback_id", "translate_audio_only", "enable_caption")
_BASE: Final = "/v3/video-translations"


def _request_error(body: Mapping[str, Any], *, title_required: bool = False) -> Reply | None:
    """What a translation (or proofread) request lacks, as HeyGen's 400, or None."""
    if not source_ok(body.get("video")):
        return bad("video must be {type: url, url} or {type: asset_id, asset_id}", "video")
    languages = body.get("output_languages")
    if not (
        isinstance(languages, list)
        and languages
        and all(isinstance(x, str) and x for x in languages)
    ):
        return bad("output_languages must be a non-empty list of languages", "output_languages")
    for name in ("audio", "srt"):
        if body.get(name) is not None and not source_ok(body[name]):
            return bad(f"{name} must be {{type: url, url}} or {{type: asset_id, asset_id}}", name)
    if title_required and not (isinstance(body.get("title"), str) and body["title"]):
        return bad("title is required", "title")
    return None


def _translation(c: Call, view: TranslationView) -> dict[str, Any]:
    options = c.state.translations.options(view.id)
    status = view.status("v3")
    done = status == "completed"
    captions = done and bool(options.get("enable_caption"))
    failed = status == "failed" and view.failure is not None
    return {
        "id": view.id,
        "title": view.title,
        "status": status,
        "input_language": options.get("input_language") or "English",
        "output_language": view.output_language,
        "video_url": signed(c.cdn, f"/videos/{view.id}.mp4") if done else None,
        "audio_url": signed(c.cdn, f"/audio/{view.id}.mp3") if done else None,
        "srt_caption_url": signed(c.cdn, f"/captions/{view.id}.srt") if captions else None,
        "vtt_caption_url": signed(c.cdn, f"/captions/{view.id}.vtt") if captions else None,
        "translate_audio_only": bool(options.get("translate_audio_only", False)),
        "duration": 12.5 if done else None,
        "failure_message": view.failure.message if failed and view.failure else None,
        "callback_id": options.get("callback_id"),
        "created_at": view.created_at,
    }


def _options(body: Mapping[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in _ECHOED if body.get(name) is not None}


def create(c: Call) -> Reply:
    """POST /v3/video-translations: one job per output language; honours Idempotency-Key."""
    refusal = key_error(c)
    body = json_object(c.req)
    if refusal is None and body is None:
        refusal = bad("the body must be a JSON object", "body")
    if refusal is None and body is not None:
        refusal = _request_error(body)
    if refusal is not None or body is None:
        return refusal or bad("the body must be a JSON object")
    title = str(body.get("title") or "Untitled translation")
    key = c.req.headers.get("idempotency-key")
    ids, replayed = c.state.translations.create_with(
        title, body["output_languages"], _options(body), key
    )
    headers = (("Idempotent-Replayed", "true"),) if replayed else ()
    return json_reply(200, {"data": {"video_translation_ids": ids}}, headers)


JOBS: Final = JobRoutes(lambda state: state.translations, _translation, "Video translation")
"""List, get (a step on), rename and delete."""


def languages(c: Call) -> Reply:
    """GET /v3/video-translations/languages."""
    del c
    return json_reply(200, {"data": {"languages": list(LANGUAGES)}})


def _batch(c: Call, batch_id: str, *, advance: bool) -> Reply:
    store = c.state.translations
    batch = store.batch(batch_id)
    if batch is None:
        return not_found("Batch")
    items = []
    for index, job_id in enumerate(batch.job_ids):
        view = store.poll(job_id) if advance else store.peek(job_id)
        status = None if view is None else view.status("v3")
        reason = view.failure.message if view and view.failure else None
        items.append(batch_item(index, job_id, status, reason, "translation_failed"))
    return batch_reply(c, batch, items, 100)


def create_batch(c: Call) -> Reply:
    """POST /v3/video-translations/batches: entries expand to one item per language (<= 100)."""
    body = json_object(c.req) or {}
    entries = body.get("video_translations")
    if not isinstance(entries, list) or not entries:
        return bad("video_translations must be a non-empty list", "video_translations")
    for entry in entries:
        refusal = (
            _request_error(entry) if isinstance(entry, dict) else bad("an entry is not an object")
        )
        if refusal is not None:
            return refusal
    if sum(len(e["output_languages"]) for e in entries) > _MAX_BATCH_ITEMS:
        return bad(f"a batch expands to at most {_MAX_BATCH_ITEMS} items", "video_translations")
    title = body.get("title") if isinstance(body.get("title"), str) else None
    batch = c.state.translations.new_batch(
        title,
        [
            (str(e.get("title") or "Untitled translation"), e["output_languages"], _options(e))
            for e in entries
        ],
    )
    return _batch(c, batch.id, advance=False)


def get_batch(c: Call) -> Reply:
    """GET /v3/video-translations/batches/{id}: advances each item one step."""
    return _batch(c, c.params["id"], advance=True)


def statuses(c: Call) -> Reply:
    """GET /v3/video-translations/statuses: one entry per id (``not_found`` if unknown)."""
    store = c.state.translations
    entries: list[dict[str, Any]] = []
    for job_id in [x for x in (c.req.query.get("video_translation_ids") or "").split(",") if x]:
        view = store.poll(job_id)
        entries.append(
            {
                "video_id": job_id,
                "status": "not_found" if view is None else view.status("v3"),
                "batch_id": None,
                "item_index": None,
                "error": None,
            }
        )
    for batch_id in [x for x in (c.req.query.get("batch_ids") or "").split(",") if x]:
        batch = store.batch(batch_id)
        members: list[str | None] = list(batch.job_ids) if batch else [None]
        for index, member in enumerate(members):
            view = store.poll(member) if member else None
            entries.append(
                {
                    "video_id": member,
                    "status": "not_found" if view is None else view.status("v3"),
                    "batch_id": batch_id,
                    "item_index": index if batch else None,
                    "error": None,
                }
            )
    return json_reply(200, {"data": entries, "has_more": False, "next_token": None})


# ---- proofreads ---------------------------------------------------------------------------


def _proofread_status(view: TranslationView) -> str:
    if view.polls >= view.needed:
        return "failed" if view.failure else "completed"
    return "processing"


def _proofread(view: TranslationView, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    status = _proofread_status(view)
    failed = status == "failed" and view.failure is not None
    return {
        "id": view.id,
        "title": view.title,
        "status": status,
        "input_language": (options or {}).get("input_language") or "English",
        "output_language": view.output_language,
        "failure_message": view.failure.message if failed and view.failure else None,
        "submitted_for_review": False,
        "created_at": view.created_at,
    }


def create_proofread(c: Call) -> Reply:
    """POST /v3/video-translations/proofreads: one session per language, ``processing``."""
    body = json_object(c.req)
    if body is None:
        return bad("the body must be a JSON object", "body")
    refusal = _request_error(body, title_required=True)
    if refusal is not None:
        return refusal
    ids, _ = c.state.proofreads.create(body["title"], body["output_languages"])
    return json_reply(200, {"data": {"proofread_ids": ids, "status": "processing"}})


def _polled_proofread(c: Call, *, advance: bool) -> TranslationView | None:
    store = c.state.proofreads
    return store.poll(c.params["id"]) if advance else store.peek(c.params["id"])


def get_proofread(c: Call) -> Reply:
    """GET /v3/video-translations/proofreads/{id}: advances the session one step."""
    view = _polled_proofread(c, advance=True)
    if view is None:
        return not_found("Proofread")
    return json_reply(200, {"data": _proofread(view)})


def _ready(c: Call) -> TranslationView | Reply:
    view = _polled_proofread(c, advance=False)
    if view is None:
        return not_found("Proofread")
    if _proofread_status(view) != "completed":
        msg = f"the proofread is {_proofread_status(view)}, not completed"
        return error_reply(409, "v3", "conflict", msg)
    return view


def get_srt(c: Call) -> Reply:
    """GET /v3/video-translations/proofreads/{id}/srt: presigned links, once completed."""
    view = _ready(c)
    if isinstance(view, Reply):
        return view
    data = {"srt_url": signed(c.cdn, f"/captions/{view.id}.srt"), "original_srt_url": None}
    return json_reply(200, {"data": data})


def put_srt(c: Call) -> Reply:
    """PUT /v3/video-translations/proofreads/{id}/srt: the new subtitles (a URL or an asset)."""
    view = _ready(c)
    if isinstance(view, Reply):
        return view
    if not source_ok((json_object(c.req) or {}).get("srt")):
        return bad("srt must be {type: url, url} or {type: asset_id, asset_id}", "srt")
    return json_reply(200, {"data": _proofread(view)})


def generate(c: Call) -> Reply:
    """POST /v3/video-translations/proofreads/{id}/generate: starts a translation job."""
    view = _ready(c)
    if isinstance(view, Reply):
        return view
    body = json_object(c.req)
    if body is None:
        return bad("the body must be a JSON object", "body")
    options = {
        k: body[k] for k in ("callback_id", "translate_audio_only") if body.get(k) is not None
    }
    if body.get("captions"):
        options["enable_caption"] = True
    ids, _ = c.state.translations.create_with(view.title, [view.output_language], options)
    return json_reply(200, {"data": {"video_translation_id": ids[0], "status": "processing"}})


ROUTES: Final = (
    route("api", "POST", _BASE, "v3", create),
    route("api", "GET", _BASE, "v3", JOBS.list),
    route("api", "GET", f"{_BASE}/languages", "v3", languages),
    route("api", "GET", f"{_BASE}/statuses", "v3", statuses),
    route("api", "POST", f"{_BASE}/batches", "v3", create_batch),
    route("api", "GET", f"{_BASE}/batches/{ID}", "v3", get_batch),
    route("api", "POST", f"{_BASE}/proofreads", "v3", create_proofread),
    route("api", "GET", f"{_BASE}/proofreads/{ID}", "v3", get_proofread),
    route("api", "POST", f"{_BASE}/proofreads/{ID}/generate", "v3", generate),
    route("api", "GET", f"{_BASE}/proofreads/{ID}/srt", "v3", get_srt),
    route("api", "PUT", f"{_BASE}/proofreads/{ID}/srt", "v3", put_srt),
    route("api", "GET", f"{_BASE}/{ID}", "v3", JOBS.get),
    route("api", "PATCH", f"{_BASE}/{ID}", "v3", JOBS.rename),
    route("api", "DELETE", f"{_BASE}/{ID}", "v3", JOBS.delete),
)
"""The translation routes (the server serves them with the others)."""
