"""MockTransport: an in-process transport for tests that need no sockets."""

from __future__ import annotations

import json as _json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from heygen_pipeline._headers import Headers
from heygen_pipeline._models import Request, Response


class BytesStream:
    """A [ResponseStream][heygen_pipeline.typing.ResponseStream] over bytes already in memory."""

    __slots__ = ("_closed", "_data", "_pos")

    def __init__(self, data: bytes) -> None:
        """Stream ``data``."""
        self._data = data
        self._pos = 0
        self._closed = False

    def iter_bytes(self, chunk_size: int = 65536) -> Iterator[bytes]:
        """Yield what is left, in chunks."""
        while self._pos < len(self._data) and not self._closed:
            chunk = self._data[self._pos : self._pos + chunk_size]
            self._pos += len(chunk)
            yield chunk
        self._closed = True

    def read(self) -> bytes:
        """Everything left."""
        return b"".join(self.iter_bytes())

    def close(self) -> None:
        """Stop streaming."""
        self._closed = True

    @property
    def closed(self) -> bool:
        """Whether the stream was read to the end or closed."""
        return self._closed


def make_response(
    request: Request,
    status: int = 200,
    *,
    json: Any = None,
    content: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A response to ``request``: ``json`` is encoded (with a JSON content type) when given."""
    hdrs = Headers(headers)
    if json is not None:
        content = _json.dumps(json).encode()
        if "content-type" not in hdrs:
            hdrs = hdrs.with_header("Content-Type", "application/json")
    if request.options.stream:
        return Response(status=status, headers=hdrs, request=request, stream=BytesStream(content))
    return Response(status=status, headers=hdrs, request=request, content=content)


class MockTransport:
    """A transport that answers every request by calling ``handler(request)``.

    The handler returns a [Response][heygen_pipeline.Response] (see `make_response`) or
    raises, as a real transport would (raise [TransportError][heygen_pipeline.errors.TransportError]
    subclasses to play network faults). Every request is recorded in `requests`.
    """

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        """Answer with ``handler``."""
        if not callable(handler):
            msg = (
                "the handler must be callable as (request) -> Response, "
                f"not {type(handler).__name__}"
            )
            raise TypeError(msg)
        self._handler = handler
        self._lock = threading.Lock()
        self._requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        """Record ``request`` and answer it."""
        with self._lock:
            self._requests.append(request)
        response = self._handler(request)
        if not isinstance(response, Response):
            msg = f"the MockTransport handler returned {type(response).__name__}, not a Response"
            raise TypeError(msg)
        return response

    @property
    def requests(self) -> list[Request]:
        """A copy of every request received, in order."""
        with self._lock:
            return list(self._requests)

    def close(self) -> None:
        """Nothing to release; present so it can stand in for a real transport."""
