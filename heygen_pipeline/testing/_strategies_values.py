"""Hypothesis strategies for copying the core values: options, responses and changes to them.

The changes are keyword arguments for ``attrs.evolve`` (and `_copying.copy_with`): mostly
valid values, sometimes values a field refuses, so a property can compare both the copies and
the errors.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from heygen_pipeline._models import ExtensionKey, Request, RequestOptions, Response, Timeout
from heygen_pipeline.testing._strategies_core import (
    headers,
    methods,
    request_bodies,
    requests,
    urls,
)

__all__ = [
    "option_changes",
    "request_changes",
    "request_options",
    "requests_with_options",
    "response_changes",
    "response_values",
]

_KEYS = (ExtensionKey[int]("a"), ExtensionKey[str]("b"))
_IDEMPOTENCY_KEYS = st.one_of(st.none(), st.from_regex(r"\A[A-Za-z0-9_\-:.]{1,20}\Z"))
_SECONDS = st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False))


def _timeouts() -> st.SearchStrategy[Any]:
    """What ``timeout=`` accepts: None, a number, a pair or a `Timeout`."""
    return st.one_of(
        st.none(),
        st.floats(0, 1e6, allow_nan=False),
        st.tuples(_SECONDS, _SECONDS),
        st.builds(Timeout, _SECONDS, _SECONDS),
    )


def _extensions() -> st.SearchStrategy[dict[Any, object]]:
    return st.dictionaries(st.sampled_from(_KEYS), st.integers() | st.text(max_size=5), max_size=2)


def _option_fields(*, valid: bool) -> dict[str, st.SearchStrategy[Any]]:
    """One strategy a field of `RequestOptions`; ``valid=False`` gives values it refuses."""
    if valid:
        return {
            "timeout": _timeouts(),
            "deadline": st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False)),
            "max_attempts": st.one_of(st.none(), st.integers(1, 10)),
            "idempotent": st.sampled_from([None, True, False]),
            "idempotency_key": _IDEMPOTENCY_KEYS,
            "stream": st.booleans(),
            "extensions": _extensions(),
        }
    return {
        "timeout": st.sampled_from([-1.0, math.inf, "10", (1.0,)]),
        "deadline": st.sampled_from([math.nan, math.inf, "now", True]),
        "max_attempts": st.sampled_from([0, -3, 2.5, True]),
        "idempotent": st.sampled_from(["yes", 1]),
        "idempotency_key": st.sampled_from(["", "has space", "x" * 256]),
        "stream": st.sampled_from([None, 0, "true"]),
        "extensions": st.sampled_from([{"name": 1}, {1: 2}]),
    }


def request_options() -> st.SearchStrategy[RequestOptions]:
    """Valid `RequestOptions` with every field drawn."""
    return st.fixed_dictionaries({}, optional=_option_fields(valid=True)).map(
        lambda fields: RequestOptions(**fields)
    )


@st.composite
def _changes(
    draw: st.DrawFn,
    valid: dict[str, st.SearchStrategy[Any]],
    invalid: dict[str, st.SearchStrategy[Any]],
) -> dict[str, Any]:
    """A subset of fields, each with a new value; now and then one value is refused."""
    changes: dict[str, Any] = draw(st.fixed_dictionaries({}, optional=valid))
    if invalid and draw(st.integers(0, 4)) == 0:
        name = draw(st.sampled_from(sorted(invalid)))
        changes[name] = draw(invalid[name])
    return changes


def option_changes() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword changes for a `RequestOptions`, sometimes with a value it refuses."""
    return _changes(_option_fields(valid=True), _option_fields(valid=False))


def request_changes() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword changes for a `Request`: method, URL, headers, body, options (keys may clash)."""
    valid = {
        "method": methods(),
        "url": urls(),
        "headers": st.one_of(
            headers(),
            st.builds(
                lambda h, k: h.with_header("Idempotency-Key", k),
                headers(),
                _IDEMPOTENCY_KEYS.filter(bool),
            ),
        ),
        "body": request_bodies(),
        "options": request_options(),
    }
    invalid = {
        "method": st.sampled_from(["G T", "", 7]),
        "url": st.sampled_from(["/relative", "ftp://host/x", "https://"]),
        "headers": st.sampled_from(["a string", {"Bad Name": "x"}, {"X-A": "line\nbreak"}]),
        "body": st.sampled_from(["text", {"a": 1}, 12]),
        "options": st.sampled_from([None, {"timeout": 1}]),
    }
    return _changes(valid, invalid)


def response_values() -> st.SearchStrategy[Response]:
    """Responses with every field drawn, to a drawn request."""
    return st.builds(
        Response,
        status=st.integers(100, 599),
        headers=headers(),
        request=requests(),
        content=st.binary(max_size=32),
        elapsed=st.floats(0, 100, allow_nan=False),
        data=st.one_of(st.none(), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)),
        envelope=st.sampled_from([None, "v1", "v2", "v3"]),
        next_token=st.one_of(st.none(), st.text(max_size=8)),
        has_more=st.sampled_from([None, True, False]),
    )


def response_changes() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword changes for a `Response` (the envelope's unwrapping among them)."""
    valid = {
        "status": st.integers(100, 599),
        "headers": headers(),
        "request": requests(),
        "content": st.binary(max_size=32),
        "elapsed": st.floats(0, 100, allow_nan=False),
        "data": st.one_of(st.none(), st.lists(st.integers(), max_size=3)),
        "envelope": st.sampled_from([None, "v1", "v2", "v3"]),
        "next_token": st.one_of(st.none(), st.text(max_size=8)),
        "has_more": st.sampled_from([None, True, False]),
    }
    invalid = {"headers": st.sampled_from([{"Bad Name": "x"}, 5])}
    return _changes(valid, invalid)


def requests_with_options() -> st.SearchStrategy[Request]:
    """`requests` whose options have every field drawn (idempotency keys reconciled)."""
    return st.builds(
        lambda request, options: Request(
            request.method,
            request.url,
            headers=request.headers.without("Idempotency-Key"),
            body=request.body,
            options=options,
        ),
        requests(),
        request_options(),
    )
