"""Checks of caller input before anything is sent, and of answers before they become models.

A caller mistake (a missing field, a page size over the endpoint's maximum, an empty id)
raises ``TypeError``/``ValueError`` naming the argument, and nothing is sent. An answer the
model cannot use raises `MalformedResponseError` carrying the HTTP status and request id.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeGuard, TypeVar

import attrs

from heygen_pipeline._models import Response
from heygen_pipeline.errors import MalformedResponseError
from heygen_pipeline.resources._fields import items

T = TypeVar("T")

__all__ = [
    "check_bool",
    "check_choice",
    "check_count",
    "check_extra",
    "check_int",
    "check_limit",
    "check_number",
    "check_seconds",
    "check_span",
    "flag_field",
    "id_list",
    "input_source",
    "kind",
    "one_of",
    "optional_text",
    "parsed",
    "parsed_items",
    "required_text",
    "seconds",
    "text_field",
]


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


def is_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an int (a bool is not, though Python says it is)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> TypeGuard[float]:
    """Whether ``value`` is an int or a float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_bool(value: object, what: str) -> bool | None:
    """``None``, or a bool argument (``TypeError`` naming it otherwise)."""
    if value is not None and not isinstance(value, bool):
        msg = f"{what} must be a bool, not {type(value).__name__}"
        raise TypeError(msg)
    return value


def check_int(value: object, what: str, label: str = "an int") -> int:
    """An int argument (``TypeError`` saying it must be ``label`` otherwise)."""
    if not is_int(value):
        msg = f"{what} must be {label}, not {type(value).__name__}"
        raise TypeError(msg)
    return value


def check_number(value: object, what: str, label: str = "a number") -> float:
    """An int or float argument (``TypeError`` saying it must be ``label`` otherwise)."""
    if not is_number(value):
        msg = f"{what} must be {label}, not {type(value).__name__}"
        raise TypeError(msg)
    return value


def check_count(value: object, what: str, *, minimum: int = 1, qualifier: str = "") -> int:
    """An int ``>= minimum``; anything else is one ``ValueError`` (``qualifier``: "or None")."""
    if not is_int(value) or value < minimum:
        msg = f"{what} must be an int >= {minimum}{qualifier}, not {value!r}"
        raise ValueError(msg)
    return value


def check_seconds(value: object, what: str) -> float:
    """A finite number of seconds ``> 0``, such as a timeout or a poll interval."""
    number = check_number(value, what, "a number of seconds")
    if not math.isfinite(number) or number <= 0:
        msg = f"{what} must be a finite number of seconds > 0, not {value!r}"
        raise ValueError(msg)
    return number


def check_choice(
    value: object, allowed: tuple[str, ...], what: str, *, required: bool = False
) -> str | None:
    """``value`` if it is one of ``allowed`` (``None`` stays ``None`` unless ``required``)."""
    if value is None and not required:
        return None
    if value not in allowed:
        msg = f"{what} must be one of {', '.join(map(repr, allowed))}, not {value!r}"
        raise ValueError(msg)
    return str(value)


def check_limit(
    page_size: object, maximum: int, what: str = "page_size", where: str = " for this endpoint"
) -> int | None:
    """A page size within ``1..maximum`` (the endpoint's own ``limit`` maximum), or ``None``."""
    if page_size is None:
        return None
    value = check_int(page_size, what, "an int or None")
    if not 1 <= value <= maximum:
        msg = f"{what} must be between 1 and {maximum}{where}, not {value}"
        raise ValueError(msg)
    return value


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


def input_source(
    what: str, url: object, asset_id: object, *, required: bool
) -> dict[str, str] | None:
    """``{type: url, url}`` or ``{type: asset_id, asset_id}`` from one of two arguments."""
    if url is not None and asset_id is not None:
        msg = f"pass either {what}_url= or {what}_asset_id=, not both"
        raise TypeError(msg)
    if url is None and asset_id is None:
        if required:
            msg = f"pass one of {what}_url= and {what}_asset_id="
            raise TypeError(msg)
        return None
    if url is not None:
        return {"type": "url", "url": required_text(url, f"{what}_url")}
    return {"type": "asset_id", "asset_id": required_text(asset_id, f"{what}_asset_id")}


def check_span(start: float | None, end: float | None) -> None:
    """``end_time`` after ``start_time``, when both are given."""
    if start is not None and end is not None and end <= start:
        msg = f"end_time ({end}) must be after start_time ({start})"
        raise ValueError(msg)


def check_extra(extra: object) -> None:
    """A request value's ``extra`` (fields sent as given) is a mapping."""
    if not isinstance(extra, Mapping):
        msg = f"extra must be a mapping, not {type(extra).__name__}"
        raise TypeError(msg)


# ---- attrs validators of request values (TranslationRequest, LipsyncRequest, ...) -------------


def kind(name: str, types: tuple[type, ...], label: str) -> Any:
    """A validator: ``None``, or one of ``types`` (a bool only if listed; a str non-blank)."""

    def check(_instance: object, _attribute: object, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool) and bool not in types:
            msg = f"{name} must be {label}, not a bool"
            raise TypeError(msg)
        if not isinstance(value, types):
            msg = f"{name} must be {label}, not {type(value).__name__}"
            raise TypeError(msg)
        if isinstance(value, str) and not value.strip():
            msg = f"{name} must not be empty"
            raise ValueError(msg)

    return check


def one_of(name: str, allowed: tuple[str, ...]) -> Any:
    """A validator: ``None``, or one of the ``allowed`` values."""

    def check(_instance: object, _attribute: object, value: object) -> None:
        if value is not None and value not in allowed:
            msg = f"{name} must be one of {', '.join(map(repr, allowed))}, not {value!r}"
            raise ValueError(msg)

    return check


def seconds(name: str) -> Any:
    """A validator: ``None``, or a finite number of seconds ``>= 0`` (an offset in a video)."""
    of_kind = kind(name, (int, float), "a number of seconds")

    def check(instance: object, attribute: object, value: Any) -> None:
        of_kind(instance, attribute, value)
        if value is not None and not (math.isfinite(value) and value >= 0):
            msg = f"{name} must be a finite number of seconds >= 0, not {value!r}"
            raise ValueError(msg)

    return check


def text_field(name: str) -> Any:
    """An optional, non-blank str field (default ``None``)."""
    return attrs.field(default=None, validator=kind(name, (str,), "a str"))


def flag_field(name: str) -> Any:
    """An optional bool field (default ``None``)."""
    return attrs.field(default=None, validator=kind(name, (bool,), "a bool"))
