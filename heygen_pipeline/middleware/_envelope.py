"""Envelope unwrapping: HeyGen's three response shapes into data, or into a typed error.

The shape is detected per response, never per URL prefix (``/v1/asset/list`` answers in the
v2 shape):

- v1 ``{"code": 100, "data": ..., "message": ...}``: ``code == 100`` is success, even on 200
  any other code is an error;
- v2 ``{"error": null, "data": ...}`` / ``{"data": null, "error": {"code", "message"}}``,
  where ``error`` may also be a bare string;
- v3 ``{"data": ..., "has_more", "next_token"}`` / ``{"error": {"code", "message", "param",
  "doc_url"}}``.

A body that is no envelope (HTML, empty, truncated, not JSON) is classified by HTTP status,
with a short excerpt that is scrubbed of secrets.
"""

from __future__ import annotations

import importlib
import json
import time
from types import ModuleType
from typing import Any, Final

import attrs

from heygen_pipeline._models import Request, Response, excerpt
from heygen_pipeline._redact import cut
from heygen_pipeline.errors import APIError, MalformedResponseError, RateLimitError, error_class
from heygen_pipeline.middleware._retry_after import parse_retry_after
from heygen_pipeline.typing import Handler

_orjson: ModuleType | None
try:  # optional (the `fast` extra): about twice as fast as the standard library
    _orjson = importlib.import_module("orjson")
except ImportError:  # pragma: no cover - depends on what is installed
    _orjson = None

V1_SUCCESS: Final = 100
_DIGITS: Final = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))  # noqa: PLR2004
"""A ``bytes.translate`` table: digits stay as they are, every other byte becomes a space."""
_LONG_NUMBER: Final = b"0" * 19
"""19 digits in a row may be an integer beyond 64 bits, which orjson would make a float."""
_ERROR_BODY_LIMIT: Final = 65536
_NO_CONTENT: Final = frozenset({204, 205, 304})


def loads(content: bytes) -> Any:
    """``json.loads(content)``, through orjson when it is installed, with the same result.

    orjson reads integers beyond 64 bits as floats and rejects some bodies the standard library
    accepts (``NaN``, lone surrogates, a UTF-8 BOM, UTF-16). So a body with a run of 19 or more
    digits, and any body orjson rejects, is parsed by ``json.loads``: every body gives exactly
    what ``json.loads`` gives, value or exception.
    """
    if _orjson is not None and _LONG_NUMBER not in content.translate(_DIGITS):
        try:
            return _orjson.loads(content)
        except _orjson.JSONDecodeError:
            pass  # let the standard library decide, and name the error
    return json.loads(content)


def _text(value: object, limit: int = 500) -> str | None:
    """A field HeyGen meant as text, whatever type it arrived as."""
    if value is None:
        return None
    try:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
    except RecursionError:  # parsed, but nested too deeply to encode again
        text = f"<a {type(value).__name__} nested too deeply to show>"
    return cut(text, limit)  # scrubbed whole first: a key across the cut leaves no piece


def _code(value: object) -> str | int | None:
    if value is None or (isinstance(value, (str, int)) and not isinstance(value, bool)):
        return value
    return _text(value, 100)


def _error(  # noqa: PLR0917 - one private constructor for every error path
    response: Response,
    message: str,
    code: str | int | None = None,
    param: object = None,
    doc_url: object = None,
    cls: type[APIError] | None = None,
) -> APIError:
    status = response.status
    if cls is None:
        cls = error_class(status, code)
    fields: dict[str, Any] = {
        "status": status,
        "code": code,
        "request_id": response.request_id,
        "param": _text(param, 200),
        "doc_url": _text(doc_url, 300),
        "body_excerpt": excerpt(response.content),
        "request": response.request,
        "response": response,
    }
    if issubclass(cls, RateLimitError):
        retry_after = parse_retry_after(response.headers, now_epoch=time.time())
        return cls(message, retry_after=retry_after, **fields)
    return cls(message, **fields)


def _not_an_envelope(response: Response, what: str) -> APIError:
    if response.status >= 400:  # noqa: PLR2004 - an HTTP error status decides the class
        return _error(response, f"the server answered with {what}")
    return _error(
        response,
        f"the server answered with {what}, not a HeyGen envelope",
        cls=MalformedResponseError,
    )


def unwrap(response: Response) -> Response:
    """The response with ``data`` (and paging cursor) set, or raise the typed error.

    Pure: it reads only the response. 3xx responses and streamed 2xx bodies pass through
    untouched (they are redirects and downloads, not envelopes).
    """
    status = response.status
    if 300 <= status < 400 or (response.stream is not None and status < 400):  # noqa: PLR2004
        return response
    if response.stream is not None:  # an error while streaming: read a bounded piece of it
        body = b"".join(_bounded(response))
        response = attrs.evolve(response, content=body, stream=None)
    content = response.content
    if not content.strip():
        if status in _NO_CONTENT or (status < 400 and response.request.method == "HEAD"):  # noqa: PLR2004
            return response
        raise _not_an_envelope(response, "an empty body")
    try:
        body = loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: deep nesting
        kind = "an HTML page" if content.lstrip()[:1] == b"<" else "a body that is not JSON"
        raise _not_an_envelope(response, kind) from exc
    if not isinstance(body, dict):
        raise _not_an_envelope(response, f"a JSON {type(body).__name__}")
    return _from_envelope(response, body)


def _from_envelope(response: Response, body: dict[str, Any]) -> Response:
    code = body.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        return _from_v1(response, body, code)
    error = body.get("error")
    if error is not None and error != {}:
        raise _from_error(response, error)
    if "data" not in body:
        raise _not_an_envelope(response, "JSON without data or error")
    if response.status >= 400:  # noqa: PLR2004 - a success envelope on an error status is still an error
        raise _error(response, f"HTTP {response.status}")
    next_token = body.get("next_token")
    has_more = body.get("has_more")
    return response.evolve(
        data=body["data"],
        envelope="v2" if "error" in body else "v3",
        next_token=next_token if isinstance(next_token, str) and next_token else None,
        has_more=has_more if isinstance(has_more, bool) else None,
    )


def _from_v1(response: Response, body: dict[str, Any], code: int) -> Response:
    """A v1 envelope: ``code == 100`` on a non-error status is success, anything else an error."""
    if code != V1_SUCCESS or response.status >= 400:  # noqa: PLR2004
        message = _text(body.get("message")) or _text(body.get("msg"))
        raise _error(response, message or f"HeyGen error code {code}", code)
    data = body.get("data")
    token = data.get("token") if isinstance(data, dict) else None
    return response.evolve(
        data=data,
        envelope="v1",
        next_token=token if isinstance(token, str) and token else None,
        has_more=bool(token) if isinstance(data, dict) and "token" in data else None,
    )


def _from_error(response: Response, error: object) -> APIError:
    """The error a v2/v3 ``error`` member stands for: an object with a code, or bare text."""
    if not isinstance(error, dict):
        return _error(response, _text(error) or "HeyGen error")
    err_code = _code(error.get("code"))
    message = _text(error.get("message")) or _text(error.get("msg"))
    return _error(
        response,
        message or f"HeyGen error {err_code or ''}".strip(),
        err_code,
        param=error.get("param"),
        doc_url=error.get("doc_url"),
    )


def _bounded(response: Response) -> list[bytes]:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= _ERROR_BODY_LIMIT:
                break
    finally:
        response.close()
    return chunks


@attrs.frozen
class EnvelopeMiddleware:
    """Unwrap every response: ``response.data`` holds the payload, errors become exceptions."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Call the inner stack once and unwrap what comes back."""
        return unwrap(call_next(request))
