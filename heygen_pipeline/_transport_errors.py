"""Translating urllib3, http.client and socket exceptions into the library's error tree.

The class decides the error only when the phase does not: an error before the first byte of
the request could leave says nothing was sent, any later one says it may have been, and a
call cut at its deadline is a timeout whatever urllib3 made of the cut.
"""

from __future__ import annotations

import http.client
import ssl
import traceback
from typing import TYPE_CHECKING, Final

from urllib3 import exceptions as u3

from heygen_pipeline._redact import redact_url
from heygen_pipeline._transport_scrub import scrub_chain
from heygen_pipeline.errors import (
    ConnectError,
    ConnectTimeoutError,
    ProtocolError,
    ReadTimeoutError,
    TLSError,
    TransportError,
)

if TYPE_CHECKING:
    from heygen_pipeline._models import Request
    from heygen_pipeline._transport_conn import _Call


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


def translate(exc: BaseException, request: Request, call: _Call | None = None) -> TransportError:
    """The error-tree exception for a urllib3 or socket exception (most specific first).

    With the ``call`` it happened in, ``sent`` follows the phase: only an error before the
    first byte could leave (waiting for a connection, resolving, connecting, the TLS
    handshake) says nothing was sent, whatever its class. Without one (a stream read), the
    request is known to be out. The exception and its chain are scrubbed of secrets (a
    server can echo the key into a status line or a chunk size that http.client quotes).
    """
    _forget_locals(exc)
    scrub_chain(exc)
    where = f"{request.method} {redact_url(request.url)}"
    if isinstance(exc, u3.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    error = _by_phase(exc, request, call, where) or _by_class(exc, request, where)
    if call is not None and call.phase != "unknown":
        error.sent = call.sent
    elif isinstance(error, TLSError) and not _certificate_refused(exc):
        error.sent = True  # phase unknown (a caller's PoolManager): it may have gone out
    return error


def _certificate_refused(exc: BaseException) -> bool:
    """Whether ``exc`` is a refused certificate (which only a handshake can raise)."""
    return any(isinstance(a, ssl.SSLCertVerificationError) for a in exc.args) or (
        "CERTIFICATE_VERIFY_FAILED" in str(exc)
    )


_BROKEN: Final = (u3.ProtocolError, u3.DecodeError, u3.ResponseError, OSError)


def _by_phase(
    exc: BaseException, request: Request, call: _Call | None, where: str
) -> TransportError | None:
    """The errors decided by the deadline, the pool and the phase, before the class."""
    phase = "response" if call is None else call.phase
    connecting = phase in {"pool", "connect"}
    if call is not None and call.fired:
        if connecting:
            msg = f"connecting ran past the deadline for {where}"
            return ConnectTimeoutError(msg, request=request)
        msg = f"the answer to {where} was still arriving at the deadline"
        return ReadTimeoutError(msg, request=request)
    if isinstance(exc, u3.EmptyPoolError):
        return ConnectTimeoutError(f"no free connection in time for {where}", request=request)
    if isinstance(exc, u3.SSLError):
        if phase == "unknown" or connecting:
            return TLSError(f"TLS failed for {where}: {exc}", request=request)
        msg = f"TLS failed after the request was sent for {where}: {exc}"
        return ProtocolError(msg, request=request)
    if connecting and isinstance(exc, (u3.ReadTimeoutError, TimeoutError)):
        return ConnectTimeoutError(f"connecting timed out for {where}", request=request)
    return None


def _by_class(exc: BaseException, request: Request, where: str) -> TransportError:
    """The error for ``exc`` by its class (the phase said nothing more specific)."""
    if isinstance(exc, u3.NewConnectionError):  # before ConnectTimeoutError: it subclasses it
        return ConnectError(f"could not connect for {where}: {_reason(exc)}", request=request)
    if isinstance(exc, u3.ConnectTimeoutError):
        return ConnectTimeoutError(f"connecting timed out for {where}", request=request)
    if isinstance(exc, (u3.ReadTimeoutError, TimeoutError)):
        return ReadTimeoutError(f"the server did not answer in time for {where}", request=request)
    if isinstance(exc, u3.ProxyError):
        return ConnectError(f"the proxy failed for {where}: {exc}", request=request)
    if isinstance(exc, u3.InvalidHeader):  # several different Content-Length values, say
        return ProtocolError(f"a malformed header in the answer to {where}: {exc}", request=request)
    if isinstance(exc, (*_BROKEN, http.client.HTTPException)):
        reason = _reason(exc)
        return ProtocolError(f"the connection broke during {where}: {reason}", request=request)
    return TransportError(f"{type(exc).__name__} during {where}: {exc}", request=request)


def _reason(exc: BaseException) -> str:
    """The innermost readable reason (urllib3 nests the socket error in ``args``)."""
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, BaseException):
            return _reason(arg)
    text = str(exc)
    # urllib3 prefixes its messages with the connection object's repr; keep the reason.
    return text.rpartition(": ")[2] if ">: " in text else text
