"""Tolerant readers for fields of HeyGen's JSON objects.

HeyGen adds fields, drops them, renames them between API versions and sends them empty
(``details: {}``, ``""``, ``null``). Every reader here takes the raw object and the names a
field goes by, and returns a value of one type or ``None``; none of them ever raises.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Final, TypeVar

import attrs

from heygen_pipeline.errors import MalformedResponseError

T = TypeVar("T")
_MAX_TIMESTAMP: Final = 253402300799  # 9999-12-31T23:59:59Z: beyond it, not a Unix time


def obj(value: object, what: str) -> dict[str, Any]:
    """``value`` as a dict, or a `MalformedResponseError` naming what was expected."""
    if isinstance(value, Mapping):
        return dict(value)
    raise MalformedResponseError(f"expected a JSON object for {what}, got {type(value).__name__}")


def items(value: object, key: str | None, what: str) -> list[dict[str, Any]]:
    """The objects of a list (``value`` itself, or ``value[key]``); non-objects are skipped.

    A missing or ``null`` list is empty; anything else that is not a list is malformed.
    """
    found = value.get(key) if key is not None and isinstance(value, Mapping) else value
    if key is not None and not isinstance(value, Mapping) and value is not None:
        raise MalformedResponseError(
            f"expected a JSON object holding {key!r} for {what}, got {type(value).__name__}"
        )
    if found is None:
        return []
    if not isinstance(found, list):
        raise MalformedResponseError(f"expected a JSON list for {what}, got {type(found).__name__}")
    return [dict(item) for item in found if isinstance(item, Mapping)]


def text(raw: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` holding a non-empty string (numbers are turned into strings)."""
    for key in keys:
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    return None


def first(*values: T | None) -> T | None:
    """The first value that is not ``None`` (unlike ``or``, zero and ``False`` count)."""
    for value in values:
        if value is not None:
            return value
    return None


def number(raw: Mapping[str, Any], *keys: str) -> float | None:
    """The first of ``keys`` holding a finite number (numeric strings count)."""
    for key in keys:
        value = raw.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                continue
        if isinstance(value, (int, float)) and math.isfinite(value):
            return float(value)
    return None


def integer(raw: Mapping[str, Any], *keys: str) -> int | None:
    """The first of ``keys`` holding a whole number."""
    value = number(raw, *keys)
    return int(value) if value is not None and value.is_integer() else None


def flag(raw: Mapping[str, Any], *keys: str) -> bool | None:
    """The first of ``keys`` holding a bool (``"true"``/``"false"`` and 0/1 count too)."""
    for key in keys:
        value = raw.get(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in {0, 1}:
            return bool(value)
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
    return None


def texts(raw: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
    """The strings of the first of ``keys`` holding a list (blank strings and others skipped)."""
    for key in keys:
        value = raw.get(key)
        if isinstance(value, list):
            return tuple(item for item in value if isinstance(item, str) and item.strip())
    return ()


def all_strings(value: object) -> tuple[str, ...]:
    """The strings of a list, as sent, empty ones too (other items skipped; not a list: empty)."""
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def lower(value: str | None) -> str | None:
    """A status or kind in lower case (``None`` and ``""`` become ``None``)."""
    return value.lower() if value else None


def nested(raw: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The object under ``key`` (a copy), or ``None`` when absent, null or not an object."""
    value = raw.get(key)
    return dict(value) if isinstance(value, Mapping) else None


def raw_field() -> Any:
    """A model's ``raw`` field: kept out of the repr (it can be long) and the hash (a dict)."""
    return attrs.field(factory=dict, repr=False, hash=False)


def mapping(raw: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The first of ``keys`` holding an object (a copy), or an empty dict."""
    for key in keys:
        value = raw.get(key)
        if isinstance(value, Mapping):
            return dict(value)
    return {}


_ISO: Final = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[Tt ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,32}))?)?)?"
    r"[ ]?(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)


def iso_time(text: str) -> datetime | None:
    """An ISO 8601 / RFC 3339 time (``2024-07-01T15:20:00.5Z``, a date alone) in UTC, or None.

    Parsed here rather than with ``datetime.fromisoformat``, which accepts fewer forms on
    Python 3.10 (no ``Z``, fractions of 3 or 6 digits only) than on 3.11: a time reads the
    same on every supported Python. Without an offset, UTC is assumed.
    """
    match = _ISO.fullmatch(text.strip())
    if match is None:
        return None
    parts = match.groupdict()
    fraction = (parts["f"] or "").ljust(6, "0")[:6]
    tz = timezone.utc
    offset = parts["tz"]
    if offset and offset not in {"Z", "z"}:
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
        if int(digits[2:] or 0) >= 60 or minutes >= 24 * 60:  # noqa: PLR2004 - clock arithmetic
            return None
        tz = timezone(timedelta(minutes=-minutes if offset[0] == "-" else minutes))
    try:
        parsed = datetime(
            int(parts["y"]),
            int(parts["mo"]),
            int(parts["d"]),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
            int(fraction),
            tzinfo=tz,
        )
    except ValueError:  # a month 13, a 30 February, an hour 24
        return None
    return parsed.astimezone(timezone.utc) if tz is not timezone.utc else parsed


def when(raw: Mapping[str, Any], *keys: str) -> datetime | None:
    """The first of ``keys`` holding a time: Unix seconds (or ms) or an ISO 8601 string, in UTC."""
    for key in keys:
        value = raw.get(key)
        if isinstance(value, str):
            parsed = iso_time(value)
            if parsed is None:
                continue
            return parsed
        seconds = number({key: value}, key) if not isinstance(value, str) else None
        if seconds is None or seconds < 0:
            continue
        try:
            if seconds <= _MAX_TIMESTAMP:
                return datetime.fromtimestamp(seconds, tz=timezone.utc)
            whole, ms = divmod(seconds, 1000)  # milliseconds, split exactly (no float rounding)
            if whole <= _MAX_TIMESTAMP:  # up to 9999-12-31T23:59:59.999
                return datetime.fromtimestamp(whole, tz=timezone.utc) + timedelta(milliseconds=ms)
        except (OverflowError, OSError, ValueError):  # rounded up into year 10000
            continue
    return None
