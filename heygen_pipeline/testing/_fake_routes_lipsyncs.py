"""FakeHeyGen routes for v3 lipsyncs, in the spec's shapes.

Lipsync jobs move a step per status call (``pending`` → ``running`` → ``completed``, or
``failed`` with ``failure_message`` when scripted with ``fail_lipsync``). Lists, renames and
batch creation do not advance jobs; single gets, batch gets and bulk statuses do. Creation
honours ``Idempotency-Key`` (a repeat replays the first job, ``Idempotent-Replayed: true``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_lipsyncs import LipsyncView
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route, signed
from heygen_pipeline.testing._fake_routes_shared import (
    JobRoutes,
    bad,
    batch_item,
    batch_reply,
    key_error,
    not_found,
    query_ids,
    source_ok,
)
from heygen_pipeline.testing._faults import Reply, json_reply

__all__ = ["ROUTES"]

_MAX_BATCH_ITEMS: Final = 100
_LIMIT: Final = 100
_ECHOED: Final = ("callback_id", "enable_caption")
_BASE: Final = "/v3/lipsyncs"


def _request_error(body: Mapping[str, Any]) -> Reply | None:
    """What a lipsync request lacks, as HeyGen's 400, or None."""
    for name in ("video", "audio"):
        if not source_ok(body.get(name)):
            return bad(f"{name} must be {{type: url, url}} or {{type: asset_id, asset_id}}", name)
    start, end = body.get("start_time"), body.get("end_time")
    numbers = all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in (start, end))
    if numbers and end <= start:  # type: ignore[operator]
        return bad("end_time must be after start_time", "end_time")
    return None


def _lipsync(c: Call, view: LipsyncView) -> dict[str, Any]:
    status = view.status
    done = status == "completed"
    captions = done and bool(view.options.get("enable_caption"))
    failed = status == "failed" and view.failure is not None
    return {
        "id": view.id,
        "title": view.title,
        "status": status,
        "video_url": signed(c.cdn, f"/videos/{view.id}.mp4") if done else None,
        "caption_url": signed(c.cdn, f"/captions/{view.id}.srt") if captions else None,
        "duration": 12.5 if done else None,
        "failure_message": view.failure.message if failed and view.failure else None,
        "callback_id": view.options.get("callback_id"),
        "created_at": view.created_at,
    }


def _options(body: Mapping[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in _ECHOED if body.get(name) is not None}


def _title(body: Mapping[str, Any]) -> str | None:
    title = body.get("title")
    return title if isinstance(title, str) and title else None


def create(c: Call) -> Reply:
    """POST /v3/lipsyncs: one job; honours Idempotency-Key."""
    if (refusal := key_error(c)) is not None:
        return refusal
    key = c.req.headers.get("idempotency-key")
    body = json_object(c.req)
    if body is None:
        return bad("the body must be a JSON object", "body")
    refusal = _request_error(body)
    if refusal is not None:
        return refusal
    job_id, replayed = c.state.lipsyncs.create(_title(body), _options(body), key)
    headers = (("Idempotent-Replayed", "true"),) if replayed else ()
    return json_reply(200, {"data": {"lipsync_id": job_id}}, headers)


JOBS: Final = JobRoutes(lambda state: state.lipsyncs, _lipsync, "Lipsync", _LIMIT)
"""List, get (a step on), rename and delete."""


def _batch(c: Call, batch_id: str, *, advance: bool) -> Reply:
    store = c.state.lipsyncs
    batch = store.batch(batch_id)
    if batch is None:
        return not_found("Batch")
    items = []
    for index, job_id in enumerate(batch.job_ids):
        view = store.poll(job_id) if advance else store.peek(job_id)
        status = None if view is None else view.status
        reason = view.failure.message if view and view.failure else None
        items.append(batch_item(index, job_id, status, reason, "lipsync_failed"))
    return batch_reply(c, batch, items, _LIMIT)


def create_batch(c: Call) -> Reply:
    """POST /v3/lipsyncs/batches: one item per entry (1-100)."""
    body = json_object(c.req) or {}
    entries = body.get("lipsyncs")
    if not isinstance(entries, list) or not entries:
        return bad("lipsyncs must be a non-empty list", "lipsyncs")
    if len(entries) > _MAX_BATCH_ITEMS:
        return bad(f"a batch holds at most {_MAX_BATCH_ITEMS} lipsyncs", "lipsyncs")
    for entry in entries:
        if not isinstance(entry, dict):
            return bad("each entry must be an object", "lipsyncs")
        refusal = _request_error(entry)
        if refusal is not None:
            return refusal
    title = body.get("title") if isinstance(body.get("title"), str) else None
    batch = c.state.lipsyncs.new_batch(title, [(_title(e), _options(e)) for e in entries])
    return _batch(c, batch.id, advance=False)


def get_batch(c: Call) -> Reply:
    """GET /v3/lipsyncs/batches/{id}: advances each item one step."""
    return _batch(c, c.params["id"], advance=True)


def statuses(c: Call) -> Reply:
    """GET /v3/lipsyncs/statuses: one entry per id (``not_found`` if unknown)."""
    store = c.state.lipsyncs
    entries: list[dict[str, Any]] = []
    for job_id in query_ids(c, "lipsync_ids"):
        view = store.poll(job_id)
        entries.append(
            {
                "video_id": job_id,
                "status": "not_found" if view is None else view.status,
                "batch_id": None,
                "item_index": None,
                "error": _error(view),
            }
        )
    for batch_id in query_ids(c, "batch_ids"):
        batch = store.batch(batch_id)
        members: list[str | None] = list(batch.job_ids) if batch else [None]
        for index, member in enumerate(members):
            view = store.poll(member) if member else None
            entries.append(
                {
                    "video_id": member,
                    "status": "not_found" if view is None else view.status,
                    "batch_id": batch_id,
                    "item_index": index if batch else None,
                    "error": _error(view),
                }
            )
    return json_reply(200, {"data": entries, "has_more": False, "next_token": None})


def _error(view: LipsyncView | None) -> dict[str, Any] | None:
    if view is None or view.status != "failed":
        return None
    message = view.failure.message if view.failure else None
    return {"code": "lipsync_failed", "message": message}


ROUTES: Final = (
    route("api", "POST", _BASE, "v3", create),
    route("api", "GET", _BASE, "v3", JOBS.list),
    route("api", "GET", f"{_BASE}/statuses", "v3", statuses),
    route("api", "POST", f"{_BASE}/batches", "v3", create_batch),
    route("api", "GET", f"{_BASE}/batches/{ID}", "v3", get_batch),
    route("api", "GET", f"{_BASE}/{ID}", "v3", JOBS.get),
    route("api", "PATCH", f"{_BASE}/{ID}", "v3", JOBS.rename),
    route("api", "DELETE", f"{_BASE}/{ID}", "v3", JOBS.delete),
)
"""The lipsync routes (the server serves them with the others)."""
