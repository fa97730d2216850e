"""Reading response bodies: whole (within a size limit) or as a stream."""

from __future__ import annotations

import contextlib
import http.client
import time
from collections.abc import Iterator
from typing import Final

import urllib3
from urllib3 import exceptions as u3

from heygen_pipeline._headers import parse_content_length
from heygen_pipeline._models import Request
from heygen_pipeline._redact import redact_url
from heygen_pipeline._transport_errors import translate
from heygen_pipeline.errors import ProtocolError, ReadTimeoutError, ResponseTooLargeError

CHUNK: Final = 65536


def discard(response: urllib3.BaseHTTPResponse) -> None:
    """Close a half-read response's connection (it cannot be reused) and free its pool slot."""
    with contextlib.suppress(Exception):
        response.close()
    with contextlib.suppress(Exception):
        response.release_conn()


def check_framing(response: urllib3.BaseHTTPResponse, request: Request) -> None:
    """Refuse an answer whose ``Content-Length`` is not one plain number (`ProtocolError`).

    ``http.client`` and urllib3 each parse the header with ``int``, which takes ``+12``,
    ``1_2`` and other scripts' digits, and read lists differently; a body framed by such a
    value could be cut short silently (a download of ``1_2`` bytes saved 12). RFC 9112 §6.3
    makes an invalid length an unrecoverable framing error: the connection is closed.
    """
    values = response.headers.getlist("content-length")
    if not values or (len(values) == 1 and parse_content_length(values[0]) is not None):
        return
    discard(response)
    shown = ", ".join(values)
    shown = shown if len(shown) <= 40 else f"{shown[:40]}..."  # noqa: PLR2004 - a display cut
    msg = (
        f"the answer to {request.method} {redact_url(request.url)} has a malformed "
        f"Content-Length ({shown!r}): its body cannot be framed"
    )
    raise ProtocolError(msg, request=request)


def _too_large(
    response: urllib3.BaseHTTPResponse, request: Request, limit: int, size: int | None
) -> ResponseTooLargeError:
    discard(response)
    declared = "" if size is None else f" (Content-Length: {size})"
    return ResponseTooLargeError(
        f"the response body of {request.method} {redact_url(request.url)} is larger than the "
        f"{limit} byte limit{declared}; raise max_body_size or stream it (stream=True)",
        limit=limit,
        size=size,
        status=response.status,
        request=request,
    )


def read_body(response: urllib3.BaseHTTPResponse, request: Request, limit: int | None) -> bytes:
    """The whole body, never reading more than ``limit`` bytes (decoded) of it.

    A declared ``Content-Length`` over the limit fails before reading. A plain body of known
    length within the limit is read in one call, as urllib3's preloading does; anything else
    (no length, or compressed, so the decoded size is unknown) is read up to ``limit + 1``.
    With a deadline on the request, the body is read piece by piece instead, so a server that
    trickles it cannot hold the call past the deadline. Whatever goes wrong while reading, the
    connection is closed: urllib3 leaves it open (and unreleased) after a decoding error.
    """
    declared = response.length_remaining
    if limit is not None and declared is not None and declared > limit:
        raise _too_large(response, request, limit, declared)
    try:
        deadline = request.options.deadline
        if deadline is not None:
            return _read_by_deadline(response, request, limit, declared, deadline)
        if limit is None or (declared is not None and "content-encoding" not in response.headers):
            return response.read()
        data = response.read(limit + 1)
    except BaseException:
        discard(response)
        raise
    if len(data) > limit:
        raise _too_large(response, request, limit, declared)
    return data


def _read_by_deadline(
    response: urllib3.BaseHTTPResponse,
    request: Request,
    limit: int | None,
    declared: int | None,
    deadline: float,
) -> bytes:
    """Read the body one socket read at a time, checking the deadline and the limit between.

    Each read waits at most the read timeout (which the backoff middleware has already shrunk
    to the time left), so the call ends within about one read timeout of the deadline.
    """
    chunks: list[bytes] = []
    size = 0
    while True:  # bounded: each turn reads >= 1 byte of a limited body, or ends at the deadline
        if time.monotonic() >= deadline:
            discard(response)
            msg = f"the body of {request.method} {redact_url(request.url)} was still arriving"
            raise ReadTimeoutError(f"{msg} at the deadline", request=request)
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            raise _too_large(response, request, limit, declared)


class Urllib3Stream:
    """A streamed response body; releases its connection once read or closed."""

    __slots__ = ("_closed", "_request", "_response")

    def __init__(self, response: urllib3.BaseHTTPResponse, request: Request) -> None:
        """Wrap an unread urllib3 response."""
        self._response = response
        self._request = request
        self._closed = False

    def iter_bytes(self, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """Yield the rest of the body, then give the connection back to the pool."""
        try:
            yield from self._response.stream(chunk_size, decode_content=True)
        except (u3.HTTPError, OSError, http.client.HTTPException) as exc:
            self._drop()
            raise translate(exc, self._request) from exc
        except BaseException:
            self._drop()
            raise
        self.close()

    def read(self) -> bytes:
        """Read the rest of the body."""
        return b"".join(self.iter_bytes())

    def close(self) -> None:
        """Return a fully read connection to the pool; drop a half-read one."""
        if self._closed:
            return
        self._closed = True
        if self._response.closed:  # read to the end: the connection is clean
            self._response.release_conn()
        else:
            self._drop()

    def _drop(self) -> None:
        self._closed = True
        with contextlib.suppress(Exception):
            self._response.close()
        with contextlib.suppress(Exception):
            self._response.release_conn()
