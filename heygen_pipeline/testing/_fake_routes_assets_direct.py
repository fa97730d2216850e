"""FakeHeyGen routes for v3 direct uploads, their batches and asset statuses.

A direct upload's presigned URL points at the CDN host (standing in for HeyGen's storage
host: it needs, and gets, no key), where a ``PUT`` streams the file into a temporary file
and is checked like S3 checks a presigned PUT: the signature, the exact size, the
Content-Type and, when one was announced, the SHA-256. Completion lists the asset with the
others; a batch item whose file never arrived fails, with its reason in ``error``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_assets import EXPIRES_IN, Slot, file_chunks
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route
from heygen_pipeline.testing._fake_routes_assets import asset_url, find_asset
from heygen_pipeline.testing._fake_routes_shared import bad, not_found, query_ids, window
from heygen_pipeline.testing._fake_state import UploadedAsset
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = ["ROUTES"]

_HEX64: Final = re.compile(r"^[0-9a-fA-F]{64}$")
_MAX_BATCH_FILES: Final = 100


# ---- direct uploads ----------------------------------------------------------------------


def _file_error(f: object, where: str) -> Reply | None:
    if not isinstance(f, dict):
        return bad(f"{where} must be an object", where)
    for name in ("filename", "content_type"):
        if not isinstance(f.get(name), str) or not f[name].strip():
            return bad(f"{name} is required", name)
    size = f.get("size_bytes")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return bad("size_bytes must be an integer >= 0", "size_bytes")
    checksum = f.get("checksum_sha256")
    if checksum is not None and not (isinstance(checksum, str) and _HEX64.match(checksum)):
        return bad("checksum_sha256 must be 64 hex digits", "checksum_sha256")
    return None


def _slot(c: Call, slot: Slot) -> dict[str, Any]:
    url = (
        f"{c.cdn}/direct-uploads/{slot.asset_id}?X-Amz-Expires={EXPIRES_IN}"
        f"&X-Amz-Signature={slot.signature}"
    )
    return {
        "asset_id": slot.asset_id,
        "upload_url": url,
        "upload_headers": slot.headers(),
        "expires_in_seconds": EXPIRES_IN,
        "max_bytes": slot.size_bytes,
        "status": "pending_upload",
    }


def create_direct_upload(c: Call) -> Reply:
    """POST /v3/assets/direct-uploads: a presigned slot for one announced file."""
    body = json_object(c.req)
    refused = _file_error(body, "body")
    if refused is not None or body is None:
        return refused or bad("the body must be a JSON object")
    store = c.state.asset_store
    if body["size_bytes"] > store.max_bytes:
        msg = f"size_bytes is over the {store.max_bytes}-byte limit"
        return error_reply(413, "v3", "payload_too_large", msg, param="size_bytes")
    slot = store.new_slot(
        body["filename"], body["content_type"], body["size_bytes"], body.get("checksum_sha256")
    )
    return json_reply(200, {"data": _slot(c, slot)})


def create_direct_upload_batch(c: Call) -> Reply:
    """POST /v3/assets/direct-uploads/batches: 1-100 slots, in the order announced."""
    body = json_object(c.req) or {}
    files = body.get("files")
    if not isinstance(files, list) or not 1 <= len(files) <= _MAX_BATCH_FILES:
        return bad(f"files must hold 1 to {_MAX_BATCH_FILES} files", "files")
    for n, f in enumerate(files):
        refused = _file_error(f, f"files[{n}]")
        if refused is not None:
            return refused
    title = body.get("title") if isinstance(body.get("title"), str) else None
    batch = c.state.asset_store.new_batch(title, files)
    slots = [c.state.asset_store.slot(a) for a in batch.asset_ids]
    data = {"batch_id": batch.id, "items": [_slot(c, s) for s in slots if s is not None]}
    return json_reply(200, {"data": data})


def _s3_error(status: int, code: str, message: str) -> Reply:
    body = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Reply(status, body.encode(), "application/xml")


def _put_error(c: Call, slot: Slot | None) -> Reply | None:
    if slot is None:
        return _s3_error(404, "NoSuchUpload", "The upload does not exist")
    if c.req.query.get("X-Amz-Signature") != slot.signature:
        return _s3_error(403, "SignatureDoesNotMatch", "The request signature does not match")
    if slot.status not in {"pending_upload", "uploaded"}:
        return _s3_error(403, "AccessDenied", "The upload is already completed")
    if c.req.headers.get("content-type") != slot.content_type:
        return _s3_error(403, "SignatureDoesNotMatch", "Content-Type is not the signed one")
    if c.req.body_size != slot.size_bytes:
        msg = f"Content-Length {c.req.body_size} is not the signed {slot.size_bytes}"
        return _s3_error(403, "SignatureDoesNotMatch", msg)
    expected = slot.headers().get("x-amz-checksum-sha256")
    if expected is not None and (
        c.req.headers.get("x-amz-checksum-sha256") != expected
        or c.req.body_sha256 != (slot.checksum_sha256 or "").lower()
    ):
        return _s3_error(400, "BadDigest", "The SHA-256 you specified did not match")
    return None


def put_upload(c: Call) -> Reply:
    """PUT /direct-uploads/{id} on the storage (CDN) host: the file, checked like S3 does."""
    store = c.state.asset_store
    slot = store.slot(c.params["id"])
    refused = _put_error(c, slot)
    if refused is not None:
        store.drop_put(c.params["id"])
        return refused
    store.finish_put(c.params["id"], c.req.body_size, c.req.body_sha256)
    return Reply(200, content_type=None, headers=(("ETag", f'"{c.req.body_sha256[:32]}"'),))


def stored_upload(c: Call) -> Reply:
    """GET /uploads/{id}.{ext} on the CDN: a completed direct upload, streamed from disk."""
    slot = c.state.asset_store.slot(c.params["id"])
    if slot is None or slot.stored is None or slot.status not in {"processing", "completed"}:
        return error_reply(404, "v3", "not_found", "No such object")
    path, size = slot.stored, slot.size_bytes
    return Reply(
        200, content_type=slot.content_type, chunks=lambda: file_chunks(path, size), length=size
    )


def _completed(c: Call, slot: Slot) -> dict[str, Any]:
    return {
        "asset_id": slot.asset_id,
        "url": asset_url(c, slot.asset_id, slot.content_type),
        "mime_type": slot.content_type,
        "size_bytes": slot.size_bytes,
        "status": slot.status,
    }


def _record(c: Call, slot: Slot) -> None:
    """List a completed direct upload with the other assets (once)."""
    if find_asset(c, slot.asset_id) is None and not c.state.asset_store.is_deleted(slot.asset_id):
        asset = UploadedAsset(
            slot.asset_id,
            slot.content_type,
            slot.size_bytes,
            slot.sha256 or "",
            filename=slot.filename,
            uploaded_at=slot.created_at,
        )
        c.state.add_asset(asset, None)


def complete_upload(c: Call) -> Reply:
    """POST /v3/assets/{asset_id}/complete: the file must have arrived (and match its SHA)."""
    store = c.state.asset_store
    slot = store.slot(c.params["id"])
    if slot is None:
        return not_found("Upload")
    body = json_object(c.req)
    if body is None:
        return bad("the body must be a JSON object", "body")
    if slot.status == "pending_upload":
        return bad("the file has not been uploaded to upload_url yet", "asset_id")
    checksum = body.get("checksum_sha256")
    if checksum is not None and str(checksum).lower() != slot.sha256:
        return bad("checksum_sha256 does not match the uploaded bytes", "checksum_sha256")
    slot = store.complete(slot.asset_id) or slot
    _record(c, slot)
    return json_reply(200, {"data": _completed(c, slot)})


# ---- batches and statuses ------------------------------------------------------------------

_ITEM_STATUS: Final[Mapping[str, str]] = {
    "pending_upload": "queued",
    "uploaded": "queued",
    "processing": "processing",
    "completed": "completed",
    "failed": "failed",
}
_MISSING: Final = {"code": "upload_missing", "message": "No file was uploaded for this item"}


def _batch(c: Call, batch_id: str) -> Reply:
    store = c.state.asset_store
    found = store.batch(batch_id)
    if found is None:
        return not_found("Batch")
    batch, slots = found
    items = []
    for slot in slots:
        status = store.poll(slot.asset_id) or "failed"
        if batch.completed and status in {"pending_upload", "uploaded"}:
            status = "failed" if status == "pending_upload" else "processing"
        item_status = _ITEM_STATUS.get(status, "queued")
        items.append(
            {
                "item_index": slot.item_index,
                "status": item_status,
                "video_id": slot.asset_id,
                "error": _MISSING if item_status == "failed" else None,
            }
        )
    counts: dict[str, int] = {}
    for item in items:
        key = str(item["status"])
        counts[key] = counts.get(key, 0) + 1
    done = all(i["status"] in {"completed", "failed"} for i in items)
    overall = (
        "processing"
        if not done
        else "failed"
        if counts.get("failed") == len(items)
        else "completed"
    )
    found_page = window(c, items, 100)
    if isinstance(found_page, Reply):
        return found_page
    listed, following = found_page
    data = {
        "batch_id": batch.id,
        "status": overall,
        "title": batch.title,
        "total_items": len(items),
        "counts_by_status": counts,
        "created_at": batch.created_at,
        "items": listed,
        "has_more": following is not None,
        "next_token": following,
    }
    return json_reply(200, {"data": data})


def get_batch(c: Call) -> Reply:
    """GET /v3/assets/batches/{batch_id}: the batch and a page of its items."""
    return _batch(c, c.params["id"])


def complete_batch(c: Call) -> Reply:
    """POST /v3/assets/complete/batches: complete every uploaded file of the batch."""
    batch_id = (json_object(c.req) or {}).get("batch_id")
    if not isinstance(batch_id, str) or not batch_id:
        return bad("batch_id is required", "batch_id")
    if not c.state.asset_store.complete_batch(batch_id):
        return not_found("Batch")
    found = c.state.asset_store.batch(batch_id)
    for slot in found[1] if found else []:
        if slot.status in {"processing", "completed"}:
            _record(c, slot)
    return _batch(c, batch_id)


def statuses(c: Call) -> Reply:
    """GET /v3/assets/statuses?asset_ids=&batch_ids=: one entry per asset (not_found if unknown)."""
    store = c.state.asset_store
    entries: list[dict[str, Any]] = []
    for asset_id in query_ids(c, "asset_ids"):
        polled = store.poll(asset_id)
        if polled is None:
            polled = "completed" if find_asset(c, asset_id) is not None else "not_found"
        if store.is_deleted(asset_id):
            polled = "not_found"
        entries.append(
            {
                "video_id": asset_id,
                "status": polled,
                "batch_id": None,
                "item_index": None,
                "error": None,
            }
        )
    for batch_id in query_ids(c, "batch_ids"):
        found = store.batch(batch_id)
        if found is None:
            entries.append(
                {
                    "video_id": None,
                    "status": "not_found",
                    "batch_id": batch_id,
                    "item_index": None,
                    "error": None,
                }
            )
            continue
        entries.extend(
            {
                "video_id": slot.asset_id,
                "status": store.poll(slot.asset_id) or "not_found",
                "batch_id": batch_id,
                "item_index": slot.item_index,
                "error": None,
            }
            for slot in found[1]
        )
    return json_reply(200, {"data": entries, "has_more": False, "next_token": None})


ROUTES: Final = (
    route("api", "GET", "/v3/assets/statuses", "v3", statuses),
    route("api", "POST", "/v3/assets/direct-uploads", "v3", create_direct_upload),
    route("api", "POST", "/v3/assets/direct-uploads/batches", "v3", create_direct_upload_batch),
    route("api", "POST", "/v3/assets/complete/batches", "v3", complete_batch),
    route("api", "GET", f"/v3/assets/batches/{ID}", "v3", get_batch),
    route("api", "POST", f"/v3/assets/{ID}/complete", "v3", complete_upload),
    route("cdn", "PUT", r"/direct-uploads/(?P<id>[0-9a-f]{32})", "v3", put_upload),
    route("cdn", "GET", rf"/uploads/{ID}\.\w+", "v3", stored_upload),
)
"""The direct-upload routes (the server serves them with the others)."""
