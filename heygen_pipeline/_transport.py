"""Urllib3Transport: the innermost handler, and the only place urllib3 is spoken to.

Every urllib3 (and socket) exception is translated here into the most specific class of the
error tree, chained with ``from``, so nothing above this line ever sees a urllib3 type.
"""

from __future__ import annotations

import contextlib
import functools
import os
import ssl
import time
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

import urllib3
from urllib3 import exceptions as u3
from urllib3.util import parse_url
from urllib3.util.retry import Retry

from heygen_pipeline._headers import Headers
from heygen_pipeline._models import Request, Response, Timeout
from heygen_pipeline._redact import redact_url
from heygen_pipeline.errors import (
    ConnectError,
    ConnectTimeoutError,
    HeyGenError,
    ProtocolError,
    ReadTimeoutError,
    ResponseTooLargeError,
    TLSError,
    TransportError,
)

if TYPE_CHECKING:
    from types import TracebackType

DEFAULT_TIMEOUT: Final = Timeout(connect=10.0, read=30.0)
DEFAULT_MAX_BODY_SIZE: Final = 64 * 1024 * 1024
"""Bytes of a non-streamed response body read at most (64 MiB); streamed bodies are not limited."""
_CHUNK: Final = 65536
_MIN_TIMEOUT: Final = 1e-6
_NO_RETRIES: Final = Retry(total=False, redirect=False)
"""What urllib3 makes of ``retries=False, redirect=False`` on every call; immutable, so shared."""
_MAX_CACHED_POOLS: Final = 256


@functools.lru_cache(maxsize=1024)
def _route(url: str) -> tuple[str, str | None, int | None, str]:
    """Scheme, host, port and request target of ``url``, split as ``PoolManager.urlopen`` does.

    Cached: a client calls the same few URLs over and over, and parsing costs more than the
    rest of the transport's own work. Errors are not cached (they raise on every call).
    """
    parts = parse_url(url)
    return parts.scheme or "http", parts.host, parts.port, parts.request_uri


def _headers_of(raw: urllib3.BaseHTTPResponse) -> Headers:
    """The response headers, repeated names joined with ``", "`` (RFC 9110 field combining)."""
    container = getattr(raw.headers, "_container", None)
    if type(container) is dict:  # urllib3's HTTPHeaderDict: {lower name: [name, *values]}
        return Headers._of(
            {
                key: (values[0], values[1] if len(values) == 2 else ", ".join(values[1:]))  # noqa: PLR2004 - one value
                for key, values in container.items()
            }
        )
    return Headers._trusted(raw.headers.items())


def _forget_locals(exc: BaseException) -> None:
    """Clear the local variables of the finished frames behind ``exc`` and its chain.

    urllib3's frames hold the request headers as a plain dict, the key in clear: a traceback
    of the chained cause rendered with ``capture_locals=True`` (or a post-mortem debugger)
    would show it. Frames still running (this module's own) cannot be cleared and are skipped.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:  # bounded: each exception of the chain is visited once
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        pending += (current.__cause__, current.__context__)


def _translate(exc: BaseException, request: Request) -> HeyGenError:
    """The error-tree exception for a urllib3 or socket exception (most specific first)."""
    _forget_locals(exc)
    where = f"{request.method} {redact_url(request.url)}"
    if isinstance(exc, u3.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, u3.SSLError):
        return TLSError(f"TLS failed for {where}: {exc}", request=request)
    if isinstance(exc, u3.NewConnectionError):  # before ConnectTimeoutError: it subclasses it
        return ConnectError(f"could not connect for {where}: {_reason(exc)}", request=request)
    if isinstance(exc, u3.ConnectTimeoutError):
        return ConnectTimeoutError(f"connecting timed out for {where}", request=request)
    if isinstance(exc, (u3.ReadTimeoutError, TimeoutError)):
        return ReadTimeoutError(f"the server did not answer in time for {where}", request=request)
    if isinstance(exc, u3.ProxyError):
        return ConnectError(f"the proxy failed for {where}: {exc}", request=request)
    if isinstance(exc, (u3.ProtocolError, u3.DecodeError, u3.ResponseError, OSError)):
        reason = _reason(exc)
        return ProtocolError(f"the connection broke during {where}: {reason}", request=request)
    return TransportError(f"{type(exc).__name__} during {where}: {exc}", request=request)


def _u3_timeout(timeout: Timeout) -> urllib3.Timeout:
    """urllib3's Timeout; a zero (which urllib3 rejects) becomes the shortest wait there is."""

    def positive(seconds: float | None) -> float | None:
        return None if seconds is None else max(seconds, _MIN_TIMEOUT)

    return urllib3.Timeout(connect=positive(timeout.connect), read=positive(timeout.read))


def _reason(exc: BaseException) -> str:
    """The innermost readable reason (urllib3 nests the socket error in ``args``)."""
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, BaseException):
            return _reason(arg)
    text = str(exc)
    # urllib3 prefixes its messages with the connection object's repr; keep the reason.
    return text.rpartition(": ")[2] if ">: " in text else text


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Close a half-read response's connection (it cannot be reused) and free its pool slot."""
    with contextlib.suppress(Exception):
        response.close()
    with contextlib.suppress(Exception):
        response.release_conn()


def _too_large(
    response: urllib3.BaseHTTPResponse, request: Request, limit: int, size: int | None
) -> ResponseTooLargeError:
    _discard(response)
    declared = "" if size is None else f" (Content-Length: {size})"
    return ResponseTooLargeError(
        f"the response body of {request.method} {redact_url(request.url)} is larger than the "
        f"{limit} byte limit{declared}; raise max_body_size or stream it (stream=True)",
        limit=limit,
        size=size,
        status=response.status,
        request=request,
    )


def _read_body(response: urllib3.BaseHTTPResponse, request: Request, limit: int | None) -> bytes:
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
        _discard(response)
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
            _discard(response)
            msg = f"the body of {request.method} {redact_url(request.url)} was still arriving"
            raise ReadTimeoutError(f"{msg} at the deadline", request=request)
        chunk = response.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            raise _too_large(response, request, limit, declared)


def _send(
    pool: urllib3.HTTPConnectionPool, request: Request, target: str, timeout: urllib3.Timeout
) -> urllib3.BaseHTTPResponse:
    """``pool.urlopen`` with the arguments PoolManager.urlopen would pass (body left unread)."""
    return pool.urlopen(
        request.method,
        target,
        body=request.body,
        headers=request.headers.raw(),
        retries=_NO_RETRIES,
        redirect=False,
        assert_same_host=False,
        timeout=timeout,
        preload_content=False,
        decode_content=True,
    )


class Urllib3Stream:
    """A streamed response body; releases its connection once read or closed."""

    __slots__ = ("_closed", "_request", "_response")

    def __init__(self, response: urllib3.BaseHTTPResponse, request: Request) -> None:
        """Wrap an unread urllib3 response."""
        self._response = response
        self._request = request
        self._closed = False

    def iter_bytes(self, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        """Yield the rest of the body, then give the connection back to the pool."""
        try:
            yield from self._response.stream(chunk_size, decode_content=True)
        except (u3.HTTPError, OSError) as exc:
            self._drop()
            raise _translate(exc, self._request) from exc
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


class Urllib3Transport:
    """The innermost [Handler][heygen_pipeline.typing.Handler]: one urllib3 ``PoolManager``.

    TLS certificates are verified (against ``ca_certs`` when given, else the system store);
    urllib3's own retries and redirects are off, because the pipeline owns those decisions.
    Safe to share between threads.
    """

    def __init__(
        self,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        num_pools: int = 10,
        maxsize: int = 10,
        block: bool = False,
        ca_certs: str | os.PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        pool_manager: urllib3.PoolManager | None = None,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        """Configure the pools.

        Args:
            timeout: default per-attempt timeouts (a request's ``options.timeout`` wins).
            num_pools: how many hosts keep a pool of connections.
            maxsize: connections kept per host (more may open under load unless ``block``).
            block: wait for a free connection instead of opening extra ones.
            ca_certs: a PEM bundle of trusted CAs (for a private CA or a proxy).
            ssl_context: a fully configured context, for anything else TLS.
            pool_manager: bring your own PoolManager (the options above are then ignored).
            max_body_size: the most bytes of a (decoded) response body read into memory; a
                bigger body raises `ResponseTooLargeError` without being read further.
                ``None``: no limit. Streamed bodies (``stream=True``) are not limited.
        """
        if not isinstance(timeout, Timeout):
            msg = f"timeout must be a Timeout, not {type(timeout).__name__}"
            raise TypeError(msg)
        for name, value in (("num_pools", num_pools), ("maxsize", maxsize)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"{name} must be an int >= 1, not {value!r}"
                raise ValueError(msg)
        if max_body_size is not None and (
            isinstance(max_body_size, bool) or not isinstance(max_body_size, int)
        ):
            msg = f"max_body_size must be an int or None, not {type(max_body_size).__name__}"
            raise TypeError(msg)
        if max_body_size is not None and max_body_size < 0:
            msg = f"max_body_size must be >= 0 bytes, not {max_body_size!r}"
            raise ValueError(msg)
        if ca_certs is not None and not isinstance(ca_certs, str | os.PathLike):
            msg = f"ca_certs must be a path (str or PathLike), not {type(ca_certs).__name__}"
            raise TypeError(msg)
        if ca_certs is not None and not os.path.isfile(ca_certs):  # noqa: PTH113 - PathLike too
            msg = f"ca_certs {os.fspath(ca_certs)!r} is not a file"
            raise ValueError(msg)
        self.timeout = timeout
        self.max_body_size = max_body_size
        self._owns_pool = pool_manager is None
        # (Timeout, the urllib3 Timeout made of it): one tuple, so threads read a matching pair.
        self._last_timeout: tuple[Timeout | None, urllib3.Timeout | None] = (None, None)
        # Connection pools by (scheme, host, port), so a call skips PoolManager's lookup.
        self._pools: dict[tuple[str, str | None, int | None], urllib3.HTTPConnectionPool] = {}
        self._pool = pool_manager or urllib3.PoolManager(
            num_pools=num_pools,
            maxsize=maxsize,
            block=block,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.fspath(ca_certs) if ca_certs is not None else None,
            ssl_context=ssl_context,
            retries=False,
        )
        # Only a plain PoolManager is bypassed: a ProxyManager (or any subclass) must see the URL.
        self._direct = type(self._pool) is urllib3.PoolManager

    def __call__(self, request: Request) -> Response:
        """Send ``request`` once and return the response (body read unless streaming)."""
        options = request.options
        stream = options.stream
        started = time.perf_counter()
        try:
            raw = self._urlopen(request, self._u3_timeout(options.timeout or self.timeout))
            if stream:
                return Response(
                    status=raw.status,
                    headers=_headers_of(raw),
                    request=request,
                    stream=Urllib3Stream(raw, request),
                    elapsed=time.perf_counter() - started,
                )
            content = _read_body(raw, request, self.max_body_size)
        except HeyGenError:  # ours already (our TimeoutError is an OSError too): as it is
            raise
        except (u3.HTTPError, OSError) as exc:
            raise _translate(exc, request) from exc
        return Response(
            status=raw.status,
            headers=_headers_of(raw),
            request=request,
            content=content,
            elapsed=time.perf_counter() - started,
        )

    def _u3_timeout(self, timeout: Timeout) -> urllib3.Timeout:
        """urllib3's Timeout for ``timeout``, reused while calls keep the same one."""
        last = self._last_timeout
        if last[0] is timeout and last[1] is not None:
            return last[1]
        converted = _u3_timeout(timeout)
        self._last_timeout = (timeout, converted)
        return converted

    def _urlopen(self, request: Request, timeout: urllib3.Timeout) -> urllib3.BaseHTTPResponse:
        """Send the request with urllib3 (the body is left unread)."""
        if not self._direct:
            return self._pool.urlopen(
                request.method,
                request.url,
                body=request.body,
                headers=request.headers.raw(),
                retries=False,
                redirect=False,
                timeout=timeout,
                preload_content=False,
                decode_content=True,
            )
        # What PoolManager.urlopen does with redirect=False, minus parsing the URL and finding
        # the pool on every call: both are cached.
        scheme, host, port, target = _route(request.url)
        key = (scheme, host, port)
        pool = self._pools.get(key)
        if pool is None or pool.pool is None:  # new, or closed by the PoolManager meanwhile
            pool = self._pool_for(key)
        try:
            return _send(pool, request, target, timeout)
        except u3.ClosedPoolError:  # closed between the check and the call; nothing was sent
            return _send(self._pool_for(key), request, target, timeout)

    def _pool_for(self, key: tuple[str, str | None, int | None]) -> urllib3.HTTPConnectionPool:
        """The PoolManager's pool for ``(scheme, host, port)``, remembered for the next call."""
        scheme, host, port = key
        pool = self._pool.connection_from_host(host, port=port, scheme=scheme)
        if len(self._pools) >= _MAX_CACHED_POOLS:
            self._pools.clear()
        self._pools[key] = pool
        return pool

    def close(self) -> None:
        """Close every pooled connection (only if this transport created the pool)."""
        self._pools.clear()
        if self._owns_pool:
            self._pool.clear()

    def __enter__(self) -> Urllib3Transport:
        """Use as a context manager to close the pools at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the pools."""
        self.close()

    def __repr__(self) -> str:
        """Settings only."""
        return f"Urllib3Transport(timeout={self.timeout!r})"
