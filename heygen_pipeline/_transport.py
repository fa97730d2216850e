"""Urllib3Transport: the innermost handler, and the only place urllib3 is spoken to.

Every urllib3 (and socket) exception is translated here into the most specific class of the
error tree, chained with ``from``, so nothing above this line ever sees a urllib3 type.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import time
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

import urllib3
from urllib3 import exceptions as u3

from heygen_pipeline._headers import Headers
from heygen_pipeline._models import Request, Response, Timeout
from heygen_pipeline._redact import redact_url
from heygen_pipeline.errors import (
    ConnectError,
    ConnectTimeoutError,
    HeyGenError,
    ProtocolError,
    ReadTimeoutError,
    TLSError,
    TransportError,
)

if TYPE_CHECKING:
    from types import TracebackType

DEFAULT_TIMEOUT: Final = Timeout(connect=10.0, read=30.0)
_CHUNK: Final = 65536
_MIN_TIMEOUT: Final = 1e-6


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
        """
        if not isinstance(timeout, Timeout):
            msg = f"timeout must be a Timeout, not {type(timeout).__name__}"
            raise TypeError(msg)
        for name, value in (("num_pools", num_pools), ("maxsize", maxsize)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"{name} must be an int >= 1, not {value!r}"
                raise ValueError(msg)
        if ca_certs is not None and not os.path.isfile(ca_certs):  # noqa: PTH113 - PathLike too
            msg = f"ca_certs {os.fspath(ca_certs)!r} is not a file"
            raise ValueError(msg)
        self.timeout = timeout
        self._owns_pool = pool_manager is None
        self._pool = pool_manager or urllib3.PoolManager(
            num_pools=num_pools,
            maxsize=maxsize,
            block=block,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.fspath(ca_certs) if ca_certs is not None else None,
            ssl_context=ssl_context,
            retries=False,
        )

    def __call__(self, request: Request) -> Response:
        """Send ``request`` once and return the response (body read unless streaming)."""
        timeout = request.options.timeout or self.timeout
        stream = request.options.stream
        started = time.perf_counter()
        try:
            raw = self._pool.urlopen(
                request.method,
                request.url,
                body=request.body,
                headers=request.headers.raw(),
                retries=False,
                redirect=False,
                timeout=_u3_timeout(timeout),
                preload_content=not stream,
                decode_content=True,
            )
        except (u3.HTTPError, OSError) as exc:
            raise _translate(exc, request) from exc
        headers = Headers._trusted(raw.headers.items())
        if stream:
            return Response(
                status=raw.status,
                headers=headers,
                request=request,
                stream=Urllib3Stream(raw, request),
                elapsed=time.perf_counter() - started,
            )
        return Response(
            status=raw.status,
            headers=headers,
            request=request,
            content=raw.data,
            elapsed=time.perf_counter() - started,
        )

    def close(self) -> None:
        """Close every pooled connection (only if this transport created the pool)."""
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
