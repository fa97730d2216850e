"""A JSON schema read off an example answer, for legacy operations documented only by one.

Most legacy operations give HeyGen's published example and no schema. The schema built here
asks what the example shows: every key it has is required, with the example value's JSON
type or null (a pending job has no link yet), nested objects and list items alike (list items
merged: a key is required if every item has it); keys the example has as null and lists with
no items constrain nothing. jsonschema then does the validating.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

__all__ = ["schema_from_example"]

_MAX_DEPTH: Final = 16


def _type(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"  # HeyGen sends 12 and 12.5 alike for one field
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return None


def _merge(values: Sequence[Any], depth: int) -> dict[str, Any]:
    """A schema every one of ``values`` (list items, or one example value) satisfies."""
    present = [v for v in values if v is not None]
    types = sorted({t for v in present if (t := _type(v)) is not None})
    if not types or depth >= _MAX_DEPTH:
        return {}
    schema: dict[str, Any] = {"type": [*types, "null"] if depth else types}
    if types == ["object"]:
        schema.update(_object_schema(present, depth))
    elif types == ["array"]:
        items = [item for v in present for item in v]
        if items:
            schema["items"] = _merge(items, depth + 1)
    return schema


def _object_schema(objects: Sequence[dict[str, Any]], depth: int) -> dict[str, Any]:
    """``properties`` (and ``required``: the keys every object has) of ``objects`` merged."""
    keys = list(dict.fromkeys(k for v in objects for k in v))
    schema: dict[str, Any] = {
        "properties": {k: _merge([v.get(k) for v in objects], depth + 1) for k in keys}
    }
    required = [k for k in keys if all(k in v for v in objects)]
    if required:
        schema["required"] = required
    return schema


def schema_from_example(example: Any, *, success: bool = True) -> dict[str, Any]:
    """The schema ``example`` shows (see the module docstring).

    On a success answer only ``data`` is required at the top: the published examples mix the
    v1 and v2 envelopes' other keys (``code``/``message`` or ``error``), and the envelope
    middleware reads either. Error answers keep every top-level key (v1's numeric ``code``).
    """
    schema = _merge([example], 0)
    if success and "required" in schema:
        schema["required"] = [k for k in schema["required"] if k == "data"]
        if not schema["required"]:
            del schema["required"]
    return schema
