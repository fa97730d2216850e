"""Hypothesis strategies for HeyGen's response envelopes, error bodies and non-envelope bodies."""

from __future__ import annotations

import json
from typing import Any

import attrs
from hypothesis import strategies as st

json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
"""JSON scalars (no NaN or infinities: HeyGen sends valid JSON)."""


def json_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """Arbitrary JSON documents, small."""
    return st.recursive(
        json_scalars | st.floats(allow_nan=False, allow_infinity=False),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


@attrs.frozen
class Envelope:
    """A generated response: what the server sends and what unwrapping must give."""

    shape: str
    status: int
    body: bytes
    data: Any = None
    error_code: str | int | None = None
    next_token: str | None = None


_tokens = st.none() | st.text(
    st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12
)


@st.composite
def success_envelopes(draw: st.DrawFn) -> Envelope:
    """A success in one of the three shapes, with a data payload and maybe a paging cursor."""
    shape = draw(st.sampled_from(["v1", "v2", "v3"]))
    data = draw(json_values())
    token = None
    if shape == "v1":
        if draw(st.booleans()):
            token = draw(_tokens)
            data = {"items": data, "token": token}
        body: dict[str, Any] = {
            "code": 100,
            "data": data,
            "msg": None,
            "message": draw(st.none() | st.just("Success")),
        }
    elif shape == "v2":
        body = {"error": None, "data": data}
    else:
        body = {"data": data}
        if draw(st.booleans()):
            token = draw(_tokens)
            body.update(has_more=token is not None, next_token=token)
    status = draw(st.sampled_from([200, 200, 201]))
    return Envelope(shape, status, json.dumps(body).encode(), data=data, next_token=token)


_V3_CODES = [
    "invalid_parameter",
    "unauthorized",
    "insufficient_credit",
    "video_not_found",
    "request_in_progress",
    "internal_error",
    "rate_limit_exceeded",
]
_V1_CODES = [40104, 400112, 40009, 400573, 40001]


@st.composite
def error_envelopes(draw: st.DrawFn) -> Envelope:
    """An error in one of the shapes (v2 with a bare string too), on an error or a 200 status."""
    shape = draw(st.sampled_from(["v1", "v2", "v2-string", "v3"]))
    message = draw(st.text(min_size=1, max_size=40))
    status = draw(
        st.sampled_from([200, 400, 401, 402, 403, 404, 409, 413, 422, 424, 429, 500, 502, 503, 504])
    )
    code: str | int | None
    if shape == "v1":
        code = draw(st.sampled_from(_V1_CODES))
        body: dict[str, Any] = {"code": code, "message": message}
    elif shape == "v2":
        code = draw(st.sampled_from(_V3_CODES))
        body = {"data": None, "error": {"code": code, "message": message}}
    elif shape == "v2-string":
        code = None
        body = {"data": None, "error": message}
    else:
        code = draw(st.sampled_from(_V3_CODES))
        error: dict[str, Any] = {"code": code, "message": message}
        if draw(st.booleans()):
            error["param"] = draw(st.text(max_size=10))
            error["doc_url"] = "https://developers.heygen.com/docs/errors"
        body = {"error": error}
    return Envelope(shape, status, json.dumps(body).encode(), error_code=code)


@st.composite
def non_envelope_bodies(draw: st.DrawFn) -> tuple[int, bytes]:
    """``(status, body)`` that no envelope parser may accept: HTML, empty, truncated, not JSON."""
    status = draw(st.sampled_from([200, 400, 404, 429, 500, 502, 503, 504]))
    kind = draw(
        st.sampled_from(["html", "empty", "truncated", "garbage", "scalar", "list", "no-keys"])
    )
    if kind == "html":
        body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    elif kind == "empty":
        body = draw(st.sampled_from([b"", b"   ", b"\n"]))
    elif kind == "truncated":
        full = json.dumps({"data": {"video_id": "abc", "items": [1, 2, 3]}}).encode()
        body = full[: draw(st.integers(1, len(full) - 1))]
    elif kind == "garbage":
        body = draw(st.binary(min_size=1, max_size=64).filter(_not_json))
    elif kind == "scalar":
        body = json.dumps(draw(json_scalars)).encode()
    elif kind == "list":
        body = json.dumps(draw(st.lists(json_scalars, max_size=3))).encode()
    else:
        body = json.dumps(
            draw(
                st.dictionaries(
                    st.sampled_from(["result", "ok", "items"]), json_scalars, max_size=3
                )
            )
        ).encode()
    return status, body


def _not_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return True
    return False
