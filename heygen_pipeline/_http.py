"""HTTP facts the library decides in one place: status classes, loopback, bodies, error codes.

Each was decided in two or more modules before, and the copies had begun to drift (two
loopback checks disagreed on ``localhost.`` and ``app.localhost``). Everything here is a
pure function of its argument.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from heygen_pipeline._models import Response

__all__ = [
    "MAX_ERROR_JSON",
    "SERVER_ERRORS",
    "error_code",
    "is_loopback",
    "is_replayable",
    "is_server_error",
]

SERVER_ERRORS: Final = range(500, 600)
"""The 5xx statuses: the server failed (an error class, a breaker failure, a retry reason)."""
MAX_ERROR_JSON: Final = 65536
"""A body longer than this is not HeyGen's small error envelope: `error_code` does not parse it."""


def is_server_error(status: int) -> bool:
    """Whether ``status`` is a 5xx."""
    return status in SERVER_ERRORS


@functools.lru_cache(maxsize=256)
def is_loopback(host: str) -> bool:
    """Whether ``host`` (lower case, no brackets) surely names this machine.

    ``localhost`` (with or without its final dot) and loopback addresses (127.0.0.0/8,
    ``::1``). Other ``*.localhost`` names are not trusted: the system resolver decides where
    they go, and plain HTTP to a host that is not this machine would expose the key.
    """
    if host in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_replayable(body: object) -> bool:
    """Whether a request body can be sent again: nothing, bytes, or an in-memory list of chunks.

    An iterator or a file is read once: a retry or a 307/308 redirect cannot resend it.
    """
    return body is None or isinstance(body, (bytes, list, tuple))


def error_code(response: Response) -> str | int | None:
    """The error code in a JSON error body of any envelope shape, or ``None``; never raises.

    Reads ``{"error": {"code": ...}}`` (v2, v3), ``{"error": "..."}`` and ``{"code": ...}``
    (v1). Streamed, huge or non-JSON bodies give ``None``.
    """
    if len(response.content) > MAX_ERROR_JSON:
        return None
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    for code in (error.get("code") if isinstance(error, dict) else error, body.get("code")):
        if isinstance(code, (str, int)) and not isinstance(code, bool):
            return code
    return None
