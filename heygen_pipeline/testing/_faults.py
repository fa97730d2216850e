"""Canned replies and scripted faults for the FakeHeyGen test server.

A `Fault` describes one misbehaviour (a 429, a reset, a truncated body, ...). The
`FaultBook` queues them per ``(host, method, path)`` so a test can script exactly what the
next requests on a route will see. Everything here is pure data and locking; the socket work
lives in ``_fake``.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

Shape = Literal["v1", "v2", "v3"]
"""The three HeyGen envelope shapes (see HEYGEN_API.md)."""

HostName = Literal["api", "upload", "cdn"]
"""The three hosts a FakeHeyGen serves."""

HOSTS: Final[tuple[HostName, ...]] = ("api", "upload", "cdn")
DOC_URL: Final = "https://developers.heygen.com/reference/errors"

# Legacy numeric codes for the v1 shape. The rate-limit, server-error and 405 numbers are
# UNCONFIRMED (no source shows them); clients must classify by HTTP status anyway.
_V1_CODES: Final[Mapping[str, int]] = {
    "unauthorized": 400112,
    "invalid_parameter": 400175,
    "missing_parameter": 40001,
    "video_not_found": 40104,
    "not_found": 40104,
    "rate_limit_exceeded": 429,
    "internal_error": 500,
    "method_not_allowed": 405,
}

_GATEWAY_HTML: Final = (
    "<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>{status} Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_TRUNCATED_JSON: Final = json.dumps(
    {"data": {"video_id": "0" * 32, "status": "completed", "video_url": "https://cdn/v.mp4"}}
).encode()


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, ready to be written by the server.

    Attributes:
        status: HTTP status code.
        body: The body when it is small enough to hold.
        content_type: ``Content-Type`` value, or None to send none.
        headers: Extra headers, in order.
        chunks: A factory of body chunks for big streamed bodies (then ``length`` is required).
        length: Declared ``Content-Length`` when it is not ``len(body)`` (streams, truncation).
        close: Close the connection after this answer.
    """

    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    chunks: Callable[[], Iterator[bytes]] | None = None
    length: int | None = None
    close: bool = False


def json_reply(status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """Encode ``payload`` as a JSON reply."""
    return Reply(status, json.dumps(payload).encode(), headers=headers)


def error_body(shape: Shape, code: str, message: str, *, param: str | None = None) -> Any:
    """Build the error envelope HeyGen sends in ``shape`` for a symbolic ``code``."""
    if shape == "v1":
        return {"code": _V1_CODES.get(code, 400), "message": message}
    if shape == "v2":
        return {"data": None, "error": {"code": code, "message": message}}
    error: dict[str, Any] = {"code": code, "message": message}
    if param is not None:
        error["param"] = param
    error["doc_url"] = f"{DOC_URL}#{code}"
    return {"error": error}


def error_reply(
    status: int,
    shape: Shape,
    code: str,
    message: str,
    *,
    param: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Reply:
    """An error reply in the given envelope shape."""
    return json_reply(status, error_body(shape, code, message, param=param), headers)


def shape_for(path: str) -> Shape:
    """Guess a route's envelope shape from its path (for faults and unparsable requests)."""
    if path.startswith("/v1/"):
        return "v1"
    if path.startswith("/v2/"):
        return "v2"
    return "v3"


FaultKind = Literal[
    "status",
    "rate_limited",
    "server_error",
    "reset",
    "slow",
    "truncated",
    "empty",
    "html",
    "not_json",
    "redirect",
    "redirect_cdn",
]


def _check_status(status: int) -> int:
    if not 100 <= status <= 599:  # noqa: PLR2004 - the HTTP status range
        raise ValueError(f"HTTP status must be 100-599, got {status}")
    return status


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour; build it with the classmethods, not the constructor."""

    kind: FaultKind
    http_status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    then: Fault | None = None
    location: str = ""
    shape: Shape | None = None

    @classmethod
    def status(
        cls,
        code: int,
        body: bytes | Mapping[str, Any] = b"",
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Any canned reply; a mapping body is JSON-encoded; Content-Type defaults to JSON."""
        raw = body if isinstance(body, bytes) else json.dumps(dict(body)).encode()
        return cls("status", _check_status(code), raw, tuple((headers or {}).items()))

    @classmethod
    def rate_limited(
        cls,
        retry_after: str | None = "1",
        *,
        retry_after_ms: str | None = None,
        shape: Shape | None = "v3",
    ) -> Fault:
        """429 with ``Retry-After`` sent verbatim (even garbage); ``shape=None``: the route's."""
        headers: list[tuple[str, str]] = []
        if retry_after is not None:
            headers.append(("Retry-After", retry_after))
        if retry_after_ms is not None:
            headers.append(("retry-after-ms", retry_after_ms))
        return cls("rate_limited", 429, headers=tuple(headers), shape=shape)

    @classmethod
    def server_error(cls, status: int = 500, *, shape: Shape | None = None) -> Fault:
        """A 5xx with an ``internal_error`` envelope (the route's shape unless given)."""
        return cls("server_error", _check_status(status), shape=shape)

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, then drop the connection with a TCP RST and no answer."""
        return cls("reset")

    @classmethod
    def slow(cls, seconds: float, then: Fault | None = None) -> Fault:
        """Wait ``seconds`` (cut short by ``close()``), then answer normally or with ``then``."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        return cls("slow", seconds=seconds, then=then)

    @classmethod
    def truncated(cls, status: int = 200) -> Fault:
        """Announce a longer Content-Length than sent: half a JSON body, then close."""
        return cls("truncated", _check_status(status))

    @classmethod
    def empty(cls, status: int = 200) -> Fault:
        """An empty body (``Content-Length: 0``) with a JSON content type."""
        return cls("empty", _check_status(status))

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        """A gateway's HTML error page (``text/html``)."""
        return cls("html", _check_status(status))

    @classmethod
    def not_json(cls, status: int = 200) -> Fault:
        """Garbage text labelled ``application/json``."""
        return cls("not_json", _check_status(status))

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Fault:
        """A redirect to ``location`` (any absolute or relative URL)."""
        return cls("redirect", _check_status(status), location=location)

    @classmethod
    def redirect_to_cdn(cls, path: str, status: int = 302) -> Fault:
        """A redirect to ``path`` on this fake's CDN host (another origin, so no key)."""
        return cls("redirect_cdn", _check_status(status), location=path)


def canned_reply(fault: Fault, route_shape: Shape, cdn_url: str) -> Reply:
    """Turn a reply-kind fault into the reply to send (``reset`` and ``slow`` are not replies)."""
    status = fault.http_status
    shape = fault.shape or route_shape
    if fault.kind == "status":
        has_type = any(name.lower() == "content-type" for name, _ in fault.headers)
        content_type = None if has_type else "application/json"
        return Reply(status, fault.body, content_type, fault.headers)
    if fault.kind == "rate_limited":
        body = error_body(shape, "rate_limit_exceeded", "Too many requests, retry later")
        return json_reply(status, body, fault.headers)
    if fault.kind == "server_error":
        return error_reply(status, shape, "internal_error", "Internal server error")
    if fault.kind == "truncated":
        half = _TRUNCATED_JSON[: len(_TRUNCATED_JSON) // 2]
        return Reply(status, half, length=len(_TRUNCATED_JSON), close=True)
    if fault.kind == "empty":
        return Reply(status)
    if fault.kind == "html":
        page = _GATEWAY_HTML.format(status=status).encode()
        return Reply(status, page, "text/html; charset=utf-8")
    if fault.kind == "not_json":
        return Reply(status, b"<<upstream said: not json>> \x00\xff{", "application/json")
    if fault.kind in {"redirect", "redirect_cdn"}:
        location = cdn_url + fault.location if fault.kind == "redirect_cdn" else fault.location
        return Reply(status, content_type=None, headers=(("Location", location),))
    raise ValueError(f"fault kind {fault.kind!r} is not a canned reply")


_PATH = re.compile(r"^/[^?#\s]*$")
_Key = tuple[str, str, str]


class FaultBook:
    """Thread-safe fault queues per ``(host, METHOD, path)``; queued faults go first, FIFO."""

    def __init__(self) -> None:
        """Start with no faults."""
        self._lock = threading.Lock()
        self._queued: dict[_Key, deque[Fault]] = {}
        self._always: dict[_Key, Fault] = {}

    @staticmethod
    def _key(host: str, method: str, path: str) -> _Key:
        if host not in HOSTS:
            raise ValueError(f"host must be one of {HOSTS}, got {host!r}")
        if not _PATH.match(path):
            raise ValueError(f"path must be an absolute path without query, got {path!r}")
        return host, method.upper(), path

    def inject(self, host: str, method: str, path: str, faults: tuple[Fault, ...]) -> None:
        """Queue ``faults`` for the next matching requests, one per request."""
        key = self._key(host, method, path)
        with self._lock:
            self._queued.setdefault(key, deque()).extend(faults)

    def inject_always(self, host: str, method: str, path: str, fault: Fault) -> None:
        """Apply ``fault`` to every matching request once the queue is empty."""
        key = self._key(host, method, path)
        with self._lock:
            self._always[key] = fault

    def clear(self) -> None:
        """Drop every queued and permanent fault."""
        with self._lock:
            self._queued.clear()
            self._always.clear()

    def pending(self, host: str, method: str, path: str) -> int:
        """How many queued faults are still waiting for a matching request."""
        key = self._key(host, method, path)
        with self._lock:
            return len(self._queued.get(key, ()))

    def take(self, host: str, method: str, path: str) -> Fault | None:
        """Consume the fault for one request, or None to answer normally."""
        key = (host, method.upper(), path)
        with self._lock:
            queue = self._queued.get(key)
            if queue:
                return queue.popleft()
            return self._always.get(key)
