"""What the FakeHeyGen v3 route modules share: errors, paging, input checks, job routes.

Every v3 family answers a bad argument, an unknown id and a page the same way, and every
job family (translations, lipsyncs, AI clipping, background removals) lists, polls, renames
and deletes its jobs the same way. `JobRoutes` is that once: a family says where its store
is, how a job looks and what it is called, and gets the handlers.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Generic, Protocol, TypeVar

from heygen_pipeline.testing._fake_routes import Call, json_object
from heygen_pipeline.testing._fake_state import FakeState, decode_token, encode_token
from heygen_pipeline.testing._faults import Reply, error_reply, json_reply

__all__ = [
    "IDEMPOTENCY_KEY",
    "JobRoutes",
    "asset_input_error",
    "bad",
    "batch_item",
    "batch_reply",
    "key_error",
    "not_found",
    "page",
    "query_ids",
    "source_ok",
    "window",
]

IDEMPOTENCY_KEY: Final = re.compile(r"^[A-Za-z0-9_\-:.]{1,255}$")
"""What HeyGen takes as an ``Idempotency-Key``."""

ITEM_STATUS: Final[Mapping[str, str]] = {
    "pending": "queued",
    "running": "processing",
    "completed": "completed",
    "failed": "failed",
}
"""A job's status as a batch item shows it."""

V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)


def bad(message: str, param: str | None = None, status: int = 400) -> Reply:
    """HeyGen's v3 ``invalid_parameter`` error, naming the parameter."""
    return error_reply(status, "v3", "invalid_parameter", message, param=param)


def not_found(what: str, code: str = "not_found") -> Reply:
    """HeyGen's v3 404: ``{what} not found``."""
    return error_reply(404, "v3", code, f"{what} not found")


def key_error(c: Call) -> Reply | None:
    """The 400 for a malformed ``Idempotency-Key`` header, or None (absent or well-formed)."""
    key = c.req.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        msg = "Idempotency-Key must be 1-255 characters of A-Z a-z 0-9 _ - : ."
        return bad(msg, "Idempotency-Key")
    return None


def query_ids(c: Call, name: str) -> list[str]:
    """The comma-separated ids of query parameter ``name`` (none when absent)."""
    return [x for x in (c.req.query.get(name) or "").split(",") if x]


def source_ok(value: object, *, inline: bool = False) -> bool:
    """Whether ``value`` is ``{type: url, url}`` or ``{type: asset_id, asset_id}``.

    With ``inline``, also ``{type: base64, media_type, data}``.
    """
    if not isinstance(value, dict):
        return False
    kind = value.get("type")
    if kind in {"url", "asset_id"}:
        return isinstance(value.get(kind), str) and bool(value[kind])
    return (
        inline
        and kind == "base64"
        and isinstance(value.get("data"), str)
        and isinstance(value.get("media_type"), str)
    )


def asset_input_error(value: object, name: str) -> Reply | None:
    """The 400 for a malformed asset input (url, asset_id or base64), or None when it is right."""
    kind = value.get("type") if isinstance(value, dict) else None
    ok = isinstance(value, dict) and (
        (
            kind == "url"
            and isinstance(value.get("url"), str)
            and value["url"].startswith("https://")
        )
        or (kind == "asset_id" and isinstance(value.get("asset_id"), str) and value["asset_id"])
        or (
            kind == "base64"
            and isinstance(value.get("media_type"), str)
            and _b64(value.get("data"))
        )
    )
    if ok:
        return None
    msg = f"{name} must be {{type: url, url: https://...}}, {{type: asset_id, asset_id}} or "
    return bad(msg + "{type: base64, media_type, data}", name)


def _b64(data: object) -> bool:
    if not isinstance(data, str) or not data:
        return False
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def window(c: Call, items: list[Any], maximum: int) -> tuple[list[Any], str | None] | Reply:
    """The page ``limit`` (1-``maximum``) and ``token`` ask for, and the next page's token."""
    raw = c.req.query.get("limit", str(min(c.state.page_size_default, maximum)))
    if (
        not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(maximum)))
        or not 1 <= int(raw) <= maximum
    ):
        return bad(f"limit must be an integer between 1 and {maximum}", "limit")
    token = c.req.query.get("token") or None
    start = 0 if token is None else decode_token(token)
    if start is None:
        return bad("token is invalid", "token")
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


class Batch(Protocol):
    """What `batch_reply` reads of a stored batch."""

    @property
    def id(self) -> str:
        """The batch id."""
        ...

    @property
    def title(self) -> str | None:
        """The batch title."""
        ...

    @property
    def created_at(self) -> int:
        """When the batch was made (Unix seconds)."""
        ...


def batch_item(
    index: int, job_id: str, status: str | None, reason: str | None, code: str
) -> dict[str, Any]:
    """Item ``index`` of a v3 batch: its job's status (None: unknown, so failed) and error."""
    shown = "failed" if status is None else ITEM_STATUS[status]
    failed = shown == "failed"
    error = {"code": code, "message": reason if status == "failed" else None} if failed else None
    return {"item_index": index, "status": shown, "video_id": job_id, "error": error}


def batch_reply(c: Call, batch: Batch, items: list[dict[str, Any]], limit: int = 100) -> Reply:
    """A v3 batch answer: counts by status, the batch's status, one page of its items."""
    counts: dict[str, int] = {}
    for item in items:
        key = str(item["status"])
        counts[key] = counts.get(key, 0) + 1
    done = all(i["status"] in {"completed", "failed"} for i in items)
    failed_all = counts.get("failed") == len(items)
    found = window(c, items, limit)
    if isinstance(found, Reply):
        return found
    listed, following = found
    data = {
        "batch_id": batch.id,
        "status": ("failed" if failed_all else "completed") if done else "processing",
        "title": batch.title,
        "total_items": len(items),
        "counts_by_status": counts,
        "created_at": batch.created_at,
        "items": listed,
        "has_more": following is not None,
        "next_token": following,
    }
    return json_reply(200, {"data": data})


class JobStore(Protocol[V_co]):
    """What `JobRoutes` calls on a family's store."""

    def views(self) -> Sequence[V_co]:
        """Every job, oldest first, without advancing any."""
        ...

    def poll(self, job_id: str) -> V_co | None:
        """Advance a job one step; None when unknown."""
        ...


def _remove(store: Any, job_id: str) -> bool:
    return bool(store.remove(job_id))


@dataclass(frozen=True)
class JobRoutes(Generic[V]):
    """The list, get, rename and delete handlers of one v3 job family."""

    store: Callable[[FakeState], JobStore[V]]
    """Where the family's jobs are, such as ``lambda s: s.lipsyncs``."""
    shape: Callable[[Call, V], dict[str, Any]]
    """A job as the spec shows it."""
    what: str
    """What a job is called in a 404, such as ``"Lipsync"``."""
    limit: int = 100
    """The ``limit`` maximum of the list."""
    remove: Callable[[Any, str], bool] = _remove
    """Delete a job from the store; False when it is unknown."""
    deleted: Mapping[str, Any] = field(default_factory=dict)
    """Fields a delete answer adds to ``{id}`` (``{"deleted": True}``)."""

    def list(self, c: Call) -> Reply:
        """``GET base``: every job, oldest first, without advancing any."""
        return page(c, [self.shape(c, v) for v in self.store(c.state).views()], self.limit)

    def get(self, c: Call) -> Reply:
        """``GET base/{id}``: advances the job one step."""
        view = self.store(c.state).poll(c.params["id"])
        if view is None:
            return not_found(self.what)
        return json_reply(200, {"data": self.shape(c, view)})

    def rename(self, c: Call) -> Reply:
        """``PATCH base/{id}``: a new title (the store's ``rename``)."""
        title = (json_object(c.req) or {}).get("title")
        if not isinstance(title, str) or not title:
            return bad("title is required", "title")
        store: Any = self.store(c.state)  # the families that rename have a rename()
        view = store.rename(c.params["id"], title)
        if view is None:
            return not_found(self.what)
        return json_reply(200, {"data": self.shape(c, view)})

    def delete(self, c: Call) -> Reply:
        """``DELETE base/{id}``."""
        if not self.remove(self.store(c.state), c.params["id"]):
            return not_found(self.what)
        return json_reply(200, {"data": {"id": c.params["id"], **self.deleted}})
