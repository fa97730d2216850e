"""Hypothesis strategies for values a JSON schema of HeyGen's spec allows.

schemathesis' JSON-schema generator does the work (hypothesis-jsonschema no longer runs on
current hypothesis): the schema is set as the body of a one-operation document and the
generated bodies are kept. schemathesis is imported on first use (a test dependency).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

__all__ = ["shaped", "values_of"]


def shaped(schema: Any, *, top: bool = True) -> Any:
    """``schema`` with ``type: object`` wherever it lists properties but names no type.

    The v3 spec leaves most object types implicit, which allows any non-object in their
    place; generated answers then rarely look like HeyGen's. At the top, ``data`` (always in
    a success envelope) is required too.
    """
    if isinstance(schema, list):
        return [shaped(s, top=False) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: shaped(v, top=False) for k, v in schema.items()}
    if "properties" in out and "type" not in out:
        out["type"] = "object"
    if top and "data" in out.get("properties", {}):
        out["required"] = sorted({*out.get("required", ()), "data"})
    return out


def values_of(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Any JSON value ``schema`` (OpenAPI 3.1 / JSON Schema 2020-12, refs resolved) allows."""
    schemathesis = importlib.import_module("schemathesis")
    document = {
        "openapi": "3.1.0",
        "info": {"title": "one schema", "version": "1"},
        "paths": {
            "/value": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": json.loads(json.dumps(schema))}},
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    operation = schemathesis.openapi.from_dict(document)["/value"]["POST"]
    return operation.as_strategy().map(lambda case: case.body)  # type: ignore[no-any-return]
