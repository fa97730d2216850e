"""FakeHeyGen routes for v3 assets: the multipart upload, list, get, delete and search.

Every answer has the shape HeyGen's spec gives its operation. Multipart uploads honour
``Idempotency-Key``: a repeated key replays the first answer (``Idempotent-Replayed: true``)
and stores nothing new. Direct uploads, batches and statuses: ``_fake_routes_assets_direct``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any, Final

from heygen_pipeline.testing._fake_routes import ID, Call, route
from heygen_pipeline.testing._fake_routes_shared import bad, key_error, not_found, page
from heygen_pipeline.testing._fake_state import UploadedAsset
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = [
    "FAKE_USERNAME",
    "ROUTES",
    "asset_url",
    "find_asset",
    "live_assets",
]

FAKE_USERNAME: Final = "fake-user"
"""The account every fake asset belongs to (``GET /v3/users/me`` says the same)."""
SPACE_ID: Final = "space-fake-0001"
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
# id, type, query words, width, height, orientation, transparent
_LIBRARY: Final = (
    ("img-office-01", "image", "office desk work", 1920, 1080, "landscape", False),
    ("img-office-02", "image", "office meeting team", 1080, 1920, "portrait", False),
    ("img-city-01", "image", "city skyline night", 2048, 2048, "square", False),
    ("icon-check-01", "icon", "check done ok", 512, 512, "square", True),
    ("icon-office-01", "icon", "office building work", 512, 512, "square", True),
)


def asset_url(c: Call, asset_id: str, mime: str) -> str:
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
        "url": asset_url(c, asset.id, asset.content_type),
    }


def live_assets(c: Call) -> list[UploadedAsset]:
    store = c.state.asset_store
    return [a for a in c.state.assets() if not store.is_deleted(a.id)]


def find_asset(c: Call, asset_id: str) -> UploadedAsset | None:
    return next((a for a in live_assets(c) if a.id == asset_id), None)


# ---- multipart upload, list, get, delete ---------------------------------------------------


def upload(c: Call) -> Reply:
    """POST /v3/assets: multipart with a ``file`` part; a known Idempotency-Key replays."""
    if (refusal := key_error(c)) is not None:
        return refusal
    key = c.req.headers.get("idempotency-key")
    store = c.state.asset_store
    if key is not None and (first := store.replay(key)) is not None:
        return json_reply(200, {"data": first}, (("Idempotent-Replayed", "true"),))
    if c.req.form is None:
        return bad(c.req.form_error or "the body must be multipart/form-data", "file")
    part = next((p for p in c.req.form if p.name == "file" and p.filename is not None), None)
    if part is None:
        return bad("file is required (a multipart file part named 'file')", "file")
    limit = c.state.asset_max_bytes
    if part.size > limit:
        msg = f"The file is {part.size} bytes; the limit is {limit}"
        return error_reply(413, "v3", "payload_too_large", msg, param="file")
    if part.size == 0:
        return bad("The file is empty", "file")
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
        "url": asset_url(c, asset.id, mime),
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
        return bad("username is required", "username")
    if c.req.query.get("folder_id"):
        return page(c, [], 100)  # the fake keeps every asset at the space root
    owned = [_asset(c, a) for a in live_assets(c)] if username == FAKE_USERNAME else []
    return page(c, owned, 100)


def get_asset(c: Call) -> Reply:
    """GET /v3/assets/{asset_id}."""
    asset = find_asset(c, c.params["id"])
    return not_found("Asset") if asset is None else json_reply(200, {"data": _asset(c, asset)})


def delete_asset(c: Call) -> Reply:
    """DELETE /v3/assets/{asset_id}."""
    if find_asset(c, c.params["id"]) is None:
        return not_found("Asset")
    c.state.asset_store.delete(c.params["id"])
    return json_reply(200, {"data": {"id": c.params["id"]}})


def search(c: Call) -> Reply:
    """GET /v3/assets/search: ``query`` and ``type`` (image or icon) required; 50 a page."""
    query = (c.req.query.get("query") or "").strip().lower()
    kind = c.req.query.get("type")
    if not query:
        return bad("query is required", "query")
    if kind not in {"image", "icon"}:
        return bad("type must be image or icon", "type")
    scope = c.req.query.get("scope", "public")
    if scope not in {"public", "personal"}:
        return bad("scope must be public or personal", "scope")
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


ROUTES: Final = (
    route("api", "POST", "/v3/assets", "v3", upload),
    route("api", "GET", "/v3/assets", "v3", list_assets),
    route("api", "GET", "/v3/assets/search", "v3", search),
    route("api", "GET", f"/v3/assets/{ID}", "v3", get_asset),
    route("api", "DELETE", f"/v3/assets/{ID}", "v3", delete_asset),
)
"""The asset routes; direct uploads, batches and statuses are in ``_fake_routes_assets_direct``."""
