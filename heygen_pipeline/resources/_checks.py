"""Checks of caller input before anything is sent, and of answers before they become models.

A caller mistake (a missing field, a page size over the endpoint's maximum, an empty id)
raises ``TypeError``/``ValueError`` naming the argument, and nothing is sent. An answer the
model cannot use raises `MalformedResponseError` carrying the HTTP status and request id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from heygen_pipeline._models import Response
from heygen_pipeline.errors import MalformedResponseError
from heygen_pipeline.resources._fields import items

T = TypeVar("T")

__all__ = ["check_limit", "id_list", "optional_text", "parsed", "parsed_items", "required_text"]


def parsed(read: Callable[[Any], T], response: Response) -> T:
    """``read(response.data)``; a malformed answer's error names the status and request id."""
    try:
        return read(response.data)
    except MalformedResponseError as exc:
        raise MalformedResponseError(
            exc.message,
            status=response.status,
            request_id=response.request_id,
            request=response.request,
        ) from exc


def parsed_items(read: Callable[[Mapping[str, Any]], T], response: Response, what: str) -> list[T]:
    """``read`` of each object in ``response.data`` (a list), malformed errors as in `parsed`."""
    return parsed(lambda data: [read(item) for item in items(data, None, what)], response)


def check_limit(page_size: object, maximum: int, what: str = "page_size") -> int | None:
    """A page size within ``1..maximum`` (the endpoint's own ``limit`` maximum), or ``None``."""
    if page_size is None:
        return None
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        msg = f"{what} must be an int or None, not {type(page_size).__name__}"
        raise TypeError(msg)
    if not 1 <= page_size <= maximum:
        msg = f"{what} must be between 1 and {maximum} for this endpoint, not {page_size}"
        raise ValueError(msg)
    return page_size


def required_text(value: object, what: str) -> str:
    """A non-blank string argument, or a clear error naming it."""
    if not isinstance(value, str):
        msg = f"{what} must be a str, not {type(value).__name__}"
        raise TypeError(msg)
    if not value.strip():
        msg = f"{what} must not be empty"
        raise ValueError(msg)
    return value


def optional_text(value: object, what: str) -> str | None:
    """``None``, or a non-blank string argument."""
    return None if value is None else required_text(value, what)


def id_list(values: Iterable[str] | None, what: str) -> str | None:
    """Ids joined with commas for a query parameter (``None`` when not given)."""
    if values is None:
        return None
    if isinstance(values, str):
        msg = f"{what} must be a list of ids, not a single str"
        raise TypeError(msg)
    ids = [required_text(v, what) for v in values]
    if not ids:
        msg = f"{what} must not be empty (pass None to leave it out)"
        raise ValueError(msg)
    if any("," in v for v in ids):
        msg = f"{what}: an id must not contain a comma"
        raise ValueError(msg)
    return ",".join(ids)
