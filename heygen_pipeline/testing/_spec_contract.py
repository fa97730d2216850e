"""What the contract tests compare: the objects of an answer a model reads, and lost fields.

A result model's ``from_api`` reads one object of an answer. `model_inputs` finds those
objects in a whole answer body: the envelope's ``data``; each item when ``data`` is a list;
each item of the lists ``data`` holds (legacy ``{"voices": [...]}``) unless ``data`` has an ``id``
of its own (a template with its scenes); else ``data`` itself.
`lost_fields` compares a built model with the object it came from: every field the model
names that the object has (not null) must carry the object's value, and ``raw`` must be the
object whole. A date field the model could not read (a negative or unparsable time) is
``None`` by design and kept in ``raw``; that is not a loss. Nor is a blank string (only
whitespace) read as ``None``: the models read text fields that say nothing as absent, and
``raw`` keeps them as sent; the same goes for blank items of a list of texts. An epoch
number past year 9999 is compared as milliseconds, as the models read it; one past year 9999
even as milliseconds cannot be a ``datetime``, and is kept in ``raw`` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import attrs

from heygen_pipeline.resources._fields import _MAX_TIMESTAMP as _LAST_SECOND
from heygen_pipeline.resources._fields import iso_time

__all__ = ["lost_fields", "model_inputs"]

_EMPTY: Final[tuple[Any, ...]] = ("", [], {})
_MAX_DEPTH: Final = 8


def _identified(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` is an object with an ``id`` of its own (a template with its scenes).

    Such an object is what the model reads, even when it holds lists of objects; a legacy
    wrapper (``{"voices": [...], "token": ...}``) has no id of its own.
    """
    value = data.get("id")
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def model_inputs(body: Any) -> list[Any]:
    """The objects of ``body`` a result model reads (see the module docstring)."""
    data = body.get("data", body) if isinstance(body, Mapping) else body
    if isinstance(data, list):
        return list(data)
    if isinstance(data, Mapping):
        lists = [v for v in data.values() if isinstance(v, list) and v]
        wrapper = lists and all(isinstance(i, Mapping) for v in lists for i in v)
        if wrapper and not _identified(data):
            return [item for v in lists for item in v]
        return [data]
    return [data]


def _timestamp(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        parsed = iso_time(value)
        return None if parsed is None else parsed.timestamp()
    return None


def _blank(value: Any) -> bool:
    """A text of only whitespace, or a list of such texts: what the models read as absent."""
    if isinstance(value, list):
        return all(_blank(item) for item in value) and all(isinstance(i, str) for i in value)
    return isinstance(value, str) and not value.strip()


def _same_time(ours: datetime, theirs: Any) -> bool:
    stamp = _timestamp(theirs)
    if stamp is not None and stamp > _LAST_SECOND:
        stamp /= 1000  # no date in seconds: the models read it as milliseconds
    return stamp is not None and abs(ours.timestamp() - stamp) < 1e-3  # noqa: PLR2004


def _same_items(ours: Sequence[Any], theirs: list[Any], depth: int) -> bool:
    def same(kept: list[Any]) -> bool:
        return len(ours) == len(kept) and all(
            _same(a, b, depth + 1) for a, b in zip(ours, kept, strict=True)
        )

    # Text lists: a model may keep blank items or read them as absent.
    return same(theirs) or (
        all(isinstance(item, str) for item in ours) and same([t for t in theirs if not _blank(t)])
    )


def _same(ours: Any, theirs: Any, depth: int) -> bool:
    """Whether a model's value carries the object's value (types as the model holds them)."""
    if ours is None or ours in ((), {}):
        return theirs in _EMPTY or _blank(theirs)
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs or ours == theirs
    if isinstance(ours, datetime):
        return _same_time(ours, theirs)
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return float(ours) == float(theirs)
    if isinstance(ours, str) and isinstance(theirs, str):
        return ours in {theirs, theirs.lower(), theirs.strip()}
    if attrs.has(type(ours)) and isinstance(theirs, Mapping):
        return depth < _MAX_DEPTH and not lost_fields(ours, theirs, depth + 1)
    if isinstance(ours, Sequence) and isinstance(theirs, list) and not isinstance(ours, str):
        return _same_items(ours, theirs, depth)
    if isinstance(ours, Mapping) and isinstance(theirs, Mapping):
        return dict(ours) == dict(theirs)
    return bool(ours == theirs)


def lost_fields(model: Any, item: Mapping[str, Any], depth: int = 0) -> list[str]:
    """The names of the fields ``model`` lost or changed from ``item`` (empty: none)."""
    lost = []
    for field in attrs.fields(type(model)):
        ours = getattr(model, field.name)
        if field.name == "raw":
            if dict(ours) != dict(item):
                lost.append("raw")
            continue
        theirs = item.get(field.name)
        if theirs is None or _same(ours, theirs, depth):
            continue
        if ours is None and "datetime" in str(field.type) and not _readable_time(theirs):
            continue
        lost.append(field.name)
    return lost


def _readable_time(value: Any) -> bool:
    """Whether a time is one a ``datetime`` can hold: after 1970, before year 10000."""
    stamp = _timestamp(value)
    if stamp is not None and stamp > _LAST_SECOND:
        stamp /= 1000  # as the models read it: milliseconds
    return stamp is not None and 0 < stamp < _LAST_SECOND + 1
