"""FakeHeyGen routes for v3 assets: uploads (multipart and direct), batches, search, statuses.

Every answer has the shape HeyGen's spec gives its operation. A direct upload's presigned
URL points at the CDN host (standing in for HeyGen's storage host: it needs, and gets, no
key), where a ``PUT`` streams the file into a temporary file and is checked like S3 checks a
presigned PUT: the signature, the exact size, the Content-Type and, when one was announced,
the SHA-256. Multipart uploads honour ``Idempotency-Key``: a repeated key replays the first
answer (``Idempotent-Replayed: true``) and stores nothing new.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_assets import EXPIRES_IN, Slot, file_chunks
from heygen_pipeline.testing._fake_routes import ID, Call, json_object, route
from heygen_pipeline.testing._fake_state import UploadedAsset, decode_token, encode_token
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = ["FAKE_USERNAME", "ROUTES", "page", "window"]

FAKE_USERNAME: Final = "fake-user"
"""The account every fake asset belongs to (``GET /v3/users/me`` says the same)."""
SPACE_ID: Final = "space-fake-0001"
_IDEMPOTENCY_KEY: Final = re.compile(r"^[A-Za-z0-9_\-:.]{1,255}$")
_HEX64: Final = re.compile(r"^[0-9a-fA-F]{64}$")
_EXTENSIONS: Final[Mapping[str, str]] = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "application/pdf": "pdf",
    "application/zip": "zip",
}
_FILE_TYPES: Final = ("image", "video", "audio", "font")
_MAX_BATCH_FILES: Final = 100
# id, type, query words, width, height, orientation, transparent
_LIBRARY: Final = (
    ("img-office-01", "image", "office desk work", 1920, 1080, "landscape", False),
    ("img-office-02", "image", "office meeting team", 1080, 1920, "portrait", False),
    ("img-city-01", "image", "city skyline night", 2048, 2048, "square", False),
    ("icon-check-01", "icon", "check done ok", 512, 512, "square", True),
    ("icon-office-01", "icon", "office building work", 512, 512, "square", True),
)


def _bad(message: str, param: str | None = None, status: int = 400) -> Reply:
    return error_reply(status, "v3", "invalid_parameter", message, param=param)


def _not_found(what: str = "Asset") -> Reply:
    return error_reply(404, "v3", "not_found", f"{what} not found")


def window(c: Call, items: list[Any], maximum: int) -> tuple[list[Any], str | None] | Reply:
    """The page ``limit`` (1-``maximum``) and ``token`` ask for, and the next page's token."""
    raw = c.req.query.get("limit", str(min(c.state.page_size_default, maximum)))
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        return _bad(f"limit must be an integer between 1 and {maximum}", "limit")
    token = c.req.query.get("token") or None
    start = 0 if token is None else decode_token(token)
    if start is None:
        return _bad("token is invalid", "token")
    end = start + int(raw)
    return items[start:end], (encode_token(end) if end < len(items) else None)


def page(c: Call, items: list[Any], maximum: int) -> Reply:
    """A v3 list answer: one `window` of ``items`` with ``has_more`` and ``next_token``."""
    found = window(c, items, maximum)
    if isinstance(found, Reply):
        return found
    data, following = found
    body = {"data": data, "has_more": following is not None, "next_token": following}
    return json_reply(200, body)


def _url(c: Call, asset_id: str, mime: str) -> str:
    folder = "uploads" if c.state.asset_store.slot(asset_id) is not None else "assets"
    return f"{c.cdn}/{folder}/{asset_id}.{_EXTENSIONS.get(mime, 'bin')}"


def _asset(c: Call, asset: UploadedAsset) -> dict[str, Any]:
    kind = asset.content_type.split("/")[0]
    return {
        "id": asset.id,
        "name": asset.filename or asset.id,
        "type": kind if kind in _FILE_TYPES else "file",
        "owner": FAKE_USERNAME,
        "space_id": SPACE_ID,
        "folder_id": None,
        "uploaded_at": asset.uploaded_at,
        "url": _url(c, asset.id, asset.content_type),
    }


def _live(c: Call) -> list[UploadedAsset]:
    store = c.state.asset_store
    return [a for a in c.state.assets() if not store.is_deleted(a.id)]


def _find(c: Call, asset_id: str) -> UploadedAsset | None:
    return next((a for a in _live(c) if a.id == asset_id), None)


# ---- multipart upload, list, get, delete ---------------------------------------------------


def upload(c: Call) -> Reply:
    """POST /v3/assets: multipart with a ``file`` part; a known Idempotency-Key replays."""
    key = c.req.headers.get("idempotency-key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        return _bad(
            "Idempotency-Key must be 1-255 characters of A-Z a-z 0-9 _ - : .", "Idempotency-Key"
        )
    store = c.state.asset_store
    if key is not None and (first := store.replay(key)) is not None:
        return json_reply(200, {"data": first}, (("Idempotent-Replayed", "true"),))
    if c.req.form is None:
        return _bad(c.req.form_error or "the body must be multipart/form-data", "file")
    part = next((p for p in c.req.form if p.name == "file" and p.filename is not None), None)
    if part is None:
        return _bad("file is required (a multipart file part named 'file')", "file")
    limit = c.state.asset_max_bytes
    if part.size > limit:
        msg = f"The file is {part.size} bytes; the limit is {limit}"
        return error_reply(413, "v3", "payload_too_large", msg, param="file")
    if part.size == 0:
        return _bad("The file is empty", "file")
    mime = (part.content_type or "application/octet-stream").split(";")[0].strip().lower()
    asset = UploadedAsset(
        secrets.token_hex(16),
        mime,
        part.size,
        part.sha256,
        filename=part.filename,
        uploaded_at=int(c.req.time),
    )
    data = {
        "asset_id": asset.id,
        "url": _url(c, asset.id, mime),
        "mime_type": mime,
        "size_bytes": asset.size,
    }
    if key is not None and (first := store.remember(key, data)) is not data:
        return json_reply(200, {"data": first}, (("Idempotent-Replayed", "true"),))
    c.state.add_asset(asset, part.body)
    return json_reply(200, {"data": data})


def list_assets(c: Call) -> Reply:
    """GET /v3/assets: the ``username``'s assets (required), optionally of one folder."""
    username = c.req.query.get("username")
    if not username:
        return _bad("username is required", "username")
    if c.req.query.get("folder_id"):
        return page(c, [], 100)  # the fake keeps every asset at the space root
    owned = [_asset(c, a) for a in _live(c)] if username == FAKE_USERNAME else []
    return page(c, owned, 100)


def get_asset(c: Call) -> Reply:
    """GET /v3/assets/{asset_id}."""
    asset = _find(c, c.params["id"])
    return _not_found() if asset is None else json_reply(200, {"data": _asset(c, asset)})


def delete_asset(c: Call) -> Reply:
    """DELETE /v3/assets/{asset_id}."""
    if _find(c, c.params["id"]) is None:
        return _not_found()
    c.state.asset_store.delete(c.params["id"])
    return json_reply(200, {"data": {"id": c.params["id"]}})


def search(c: Call) -> Reply:
    """GET /v3/assets/search: ``query`` and ``type`` (image or icon) required; 50 a page."""
    query = (c.req.query.get("query") or "").strip().lower()
    kind = c.req.query.get("type")
    if not query:
        return _bad("query is required", "query")
    if kind not in {"image", "icon"}:
        return _bad("type must be image or icon", "type")
    scope = c.req.query.get("scope", "public")
    if scope not in {"public", "personal"}:
        return _bad("scope must be public or personal", "scope")
    words = set(query.split())
    found = [
        {
            "id": item_id,
            "type": item_type,
            "url": f"{c.cdn}/previews/{item_id}.{'png' if item_type == 'icon' else 'jpg'}",
            "width": width,
            "height": height,
            "orientation": orientation,
            "is_transparent": transparent,
        }
        for item_id, item_type, tags, width, height, orientation, transparent in _LIBRARY
        if scope == "public" and item_type == kind and words & set(tags.split())
    ]
    return page(c, found, 50)


# ---- direct uploads ----------------------------------------------------------------------


def _file_error(f: object, where: str) -> Reply | None:
    if not isinstance(f, dict):
        return _bad(f"{where} must be an object", where)
    for name in ("filename", "content_type"):
        if not isinstance(f.get(name), str) or not f[name].strip():
            return _bad(f"{name} is required", name)
    size = f.get("size_bytes")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return _bad("size_bytes must be an integer >= 0", "size_bytes")
    checksum = f.get("checksum_sha256")
    if checksum is not None and not (isinstance(checksum, str) and _HEX64.match(checksum)):
        return _bad("checksum_sha256 must be 64 hex digits", "checksum_sha256")
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
    bad = _file_error(body, "body")
    if bad is not None or body is None:
        return bad or _bad("the body must be a JSON object")
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
        return _bad(f"files must hold 1 to {_MAX_BATCH_FILES} files", "files")
    for n, f in enumerate(files):
        bad = _file_error(f, f"files[{n}]")
        if bad is not None:
            return bad
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
        "url": _url(c, slot.asset_id, slot.content_type),
        "mime_type": slot.content_type,
        "size_bytes": slot.size_bytes,
        "status": slot.status,
    }


def _record(c: Call, slot: Slot) -> None:
    """List a completed direct upload with the other assets (once)."""
    if _find(c, slot.asset_id) is None and not c.state.asset_store.is_deleted(slot.asset_id):
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
        return _not_found("Upload")
    body = json_object(c.req)
    if body is None:
        return _bad("the body must be a JSON object", "body")
    if slot.status == "pending_upload":
        return _bad("the file has not been uploaded to upload_url yet", "asset_id")
    checksum = body.get("checksum_sha256")
    if checksum is not None and str(checksum).lower() != slot.sha256:
        return _bad("checksum_sha256 does not match the uploaded bytes", "checksum_sha256")
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
        return _not_found("Batch")
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
        return _bad("batch_id is required", "batch_id")
    if not c.state.asset_store.complete_batch(batch_id):
        return _not_found("Batch")
    found = c.state.asset_store.batch(batch_id)
    for slot in found[1] if found else []:
        if slot.status in {"processing", "completed"}:
            _record(c, slot)
    return _batch(c, batch_id)


def _ids(c: Call, name: str) -> list[str]:
    return [x for x in (c.req.query.get(name) or "").split(",") if x]


def statuses(c: Call) -> Reply:
    """GET /v3/assets/statuses?asset_ids=&batch_ids=: one entry per asset (not_found if unknown)."""
    store = c.state.asset_store
    entries: list[dict[str, Any]] = []
    for asset_id in _ids(c, "asset_ids"):
        polled = store.poll(asset_id)
        if polled is None:
            polled = "completed" if _find(c, asset_id) is not None else "not_found"
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
    for batch_id in _ids(c, "batch_ids"):
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
    route("api", "POST", "/v3/assets", "v3", upload),
    route("api", "GET", "/v3/assets", "v3", list_assets),
    route("api", "GET", "/v3/assets/search", "v3", search),
    route("api", "GET", "/v3/assets/statuses", "v3", statuses),
    route("api", "POST", "/v3/assets/direct-uploads", "v3", create_direct_upload),
    route("api", "POST", "/v3/assets/direct-uploads/batches", "v3", create_direct_upload_batch),
    route("api", "POST", "/v3/assets/complete/batches", "v3", complete_batch),
    route("api", "GET", f"/v3/assets/batches/{ID}", "v3", get_batch),
    route("api", "GET", f"/v3/assets/{ID}", "v3", get_asset),
    route("api", "DELETE", f"/v3/assets/{ID}", "v3", delete_asset),
    route("api", "POST", f"/v3/assets/{ID}/complete", "v3", complete_upload),
    route("cdn", "PUT", r"/direct-uploads/(?P<id>[0-9a-f]{32})", "v3", put_upload),
    route("cdn", "GET", rf"/uploads/{ID}\.\w+", "v3", stored_upload),
)
"""The asset routes (the server serves them with the others)."""
