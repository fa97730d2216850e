"""The connection layer under `Urllib3Transport`: phases, deadlines and secret-safe headers.

urllib3 bounds each socket operation by a timeout, never a call: a server trickling bytes, a
slow name lookup or a host with many dead addresses holds a call far past its deadline. Here
each call runs in a `_Call` (a thread-local context) that the connection classes below update:

- the phase (``connect`` until the first byte may leave, then ``send``, then ``response``),
  so an error says truthfully whether the request may have reached the server;
- the socket, which a watchdog shuts down at the call's deadline, bounding every read and
  write (status line, headers, chunk framing, trailers, a slow upload) by the deadline;
- a bounded name lookup and one connect loop over the addresses, sharing the time left.

Headers that carry a secret travel as `_SecretStr` and are written as `_SecretBytes`: both
are the real bytes to ``http.client`` but show ``'REDACTED'`` in any repr, so a traceback
rendered with its frames' locals never shows the key.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import ipaddress
import itertools
import socket
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from urllib3 import connection as u3conn
from urllib3 import connectionpool
from urllib3 import exceptions as u3
from urllib3.util.connection import allowed_gai_family

from heygen_pipeline._redact import REDACTED, SENSITIVE_HEADERS

AddrInfo = tuple[int, int, int, str, Any]
"""One ``socket.getaddrinfo`` entry: (family, type, proto, canonname, sockaddr)."""
Resolver = Callable[[str, int], Sequence[AddrInfo]]
"""Resolves ``(host, port)`` to addresses; `Urllib3Transport` bounds it by the time left."""

_MAX_INTERIM: Final = 32
"""1xx interim answers skipped before one final answer, at most."""


class _SecretStr(str):
    """A header value that is the key: itself to http.client, ``'REDACTED'`` to repr."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(REDACTED)

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> _SecretBytes:
        """The encoded value, still redacted in reprs."""
        return _SecretBytes(str.encode(self, encoding, errors))


class _SecretBytes(bytes):
    """Bytes that hold the key (a header line, the whole head): ``b'REDACTED'`` in reprs."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(REDACTED.encode())


class _WireHeaders(dict[str, str]):
    """The request headers handed to urllib3: secret values wrapped, repr redacted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{{{', '.join(f'{k!r}: ' + repr(REDACTED) for k in self)}}}"


def wire_headers(headers: Mapping[str, str]) -> _WireHeaders:
    """``headers`` with every sensitive value wrapped as a `_SecretStr`."""
    return _WireHeaders(
        (name, _SecretStr(value) if name.lower() in SENSITIVE_HEADERS else value)
        for name, value in headers.items()
    )


class _Call:
    """One call's progress: phase, socket and deadline (read and written under ``lock``)."""

    __slots__ = ("deadline", "done", "fired", "lock", "phase", "resolver", "sock")

    def __init__(self, deadline: float | None, resolver: Resolver | None, *, tracked: bool) -> None:
        """A call ending at ``deadline``; ``tracked``: its connections report their phases."""
        self.deadline = deadline
        self.resolver = resolver
        self.phase = "pool" if tracked else "unknown"
        self.sock: socket.socket | None = None
        self.fired = False
        self.done = False
        self.lock = threading.Lock()

    @property
    def sent(self) -> bool:
        """Whether a byte of the request may have left (an error is then not safe to retry)."""
        return self.phase not in {"pool", "connect"}

    def left(self) -> float | None:
        """Seconds to the deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def bound(self, timeout: float | None) -> float | None:
        """``timeout`` shortened to the time left (at least a microsecond)."""
        left = self.left()
        if left is None:
            return timeout
        left = max(left, 1e-6)
        return left if timeout is None else min(timeout, left)

    def attach(self, sock: socket.socket) -> None:
        """The socket the watchdog cuts at the deadline (cut at once if it already passed).

        The call becomes the socket's owner: a pooled connection that a finished call gave
        back and a new call took is never cut by the old call's watchdog.
        """
        with _owners_lock:
            _owners[sock] = self
        with self.lock:
            self.sock = sock
            cut = self.fired
        if cut:
            _shut(sock)

    def fire(self) -> None:
        """The deadline passed: cut the socket so every pending read and write returns."""
        with self.lock:
            if self.done:
                return
            self.fired = True
            sock = self.sock
        if sock is None:
            return
        with _owners_lock:  # held while cutting: no new owner can take it in between
            if _owners.get(sock) is self:
                _shut(sock)

    def finish(self) -> None:
        """The call no longer uses its socket: the watchdog must leave it alone."""
        with self.lock:
            self.done = True
            self.sock = None


_owners_lock = threading.Lock()
_owners: weakref.WeakKeyDictionary[socket.socket, _Call] = weakref.WeakKeyDictionary()
"""The call each live socket currently serves."""


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_local = threading.local()


def current() -> _Call | None:
    """The call running on this thread, if the transport started one."""
    return getattr(_local, "call", None)


def enter(call: _Call | None) -> None:
    """Make ``call`` this thread's current call (None: no call)."""
    _local.call = call


class _Watchdog:
    """One daemon thread that fires each armed call at its deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _Call]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, call: _Call) -> None:
        """Fire ``call`` at its deadline unless it finishes first."""
        assert call.deadline is not None  # noqa: S101 - callers check
        with self._cond:
            heapq.heappush(self._heap, (call.deadline, next(self._seq), call))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="heygen-deadlines", daemon=True
                )
                self._thread.start()
            if self._heap[0][2] is call:
                self._cond.notify()

    def _run(self) -> None:
        while True:  # a daemon thread for the process' life; each turn waits or fires
            with self._cond:
                while self._heap and self._heap[0][2].done:  # finished: forget them
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, call = heapq.heappop(self._heap)
            call.fire()


watchdog = _Watchdog()


def reset_after_fork() -> None:
    """In a forked child: no thread, no armed call of the parent's, a fresh lock."""
    global watchdog, _owners_lock  # noqa: PLW0603 - the child's own watchdog and lock
    watchdog = _Watchdog()
    _owners_lock = threading.Lock()
    _local.__dict__.clear()


def _lookup(host: str, port: int, call: _Call | None, timeout: float | None) -> Sequence[AddrInfo]:
    """The addresses of ``host``, in at most ``timeout`` seconds (or the time left)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    resolver = call.resolver if call is not None and call.resolver is not None else _getaddrinfo
    bound = call.bound(timeout) if call is not None else timeout
    if bound is None:
        return resolver(host, port)
    result: list[Sequence[AddrInfo]] = []
    failure: list[BaseException] = []
    finished = threading.Event()

    def run() -> None:
        try:
            result.append(resolver(host, port))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)
        finished.set()

    threading.Thread(target=run, name="heygen-lookup", daemon=True).start()
    if not finished.wait(bound):
        raise TimeoutError(f"looking up {host} took longer than {bound:.3g} s")
    if failure:
        raise failure[0]
    return result[0]


def _passed(call: _Call) -> bool:
    left = call.left()
    return left is not None and left <= 0


def _getaddrinfo(host: str, port: int) -> Sequence[AddrInfo]:
    return socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)


class _InterimSkippingResponse(http.client.HTTPResponse):
    """http.client's response, skipping every 1xx interim answer (RFC 9110 §15.2), not only 100."""

    def _read_status(self) -> tuple[str, int, str]:
        version, status, reason = super()._read_status()  # type: ignore[misc]
        for _ in range(_MAX_INTERIM):  # bounded; each read is bounded by the deadline
            if not (100 < status < 200) or status == 101:  # noqa: PLR2004 - 1xx, not Switching
                return version, status, reason
            http.client._read_headers(self.fp)  # type: ignore[attr-defined]
            version, status, reason = super()._read_status()  # type: ignore[misc]
        msg = f"more than {_MAX_INTERIM} interim (1xx) answers"
        raise http.client.HTTPException(msg)


class _PhasedMixin:
    """What `HTTPConnection` and `HTTPSConnection` share here: phases, deadline, secret headers."""

    response_class = _InterimSkippingResponse
    host: str
    port: int
    timeout: float | None
    source_address: tuple[str, int] | None
    socket_options: Any
    sock: socket.socket | None
    auto_open: int
    _buffer: list[bytes]
    _connecting = False
    """True inside `connect`: a proxy's CONNECT written there is not the request being sent."""

    def _new_conn(self) -> socket.socket:
        """Resolve and connect, every address sharing the connect timeout and the time left."""
        call = current()
        try:
            infos = _lookup(self._dns_host, self.port, call, self.timeout)  # type: ignore[attr-defined]
        except socket.gaierror as exc:
            raise u3.NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        except TimeoutError as exc:
            raise u3.ConnectTimeoutError(self, f"looking up {self.host} timed out") from exc
        last: OSError | None = None
        # One connect timeout for all the addresses together, and never past the deadline.
        budget = None if self.timeout is None else time.monotonic() + self.timeout
        for index, (family, kind, proto, _, address) in enumerate(infos):  # bounded: addresses
            # Each address gets an equal share of what is left, so a dead first one leaves
            # time for the next (the last gets all that is left).
            timeout = None if budget is None else (budget - time.monotonic()) / (len(infos) - index)
            if (timeout is not None and timeout <= 0) or (call is not None and _passed(call)):
                last = TimeoutError("the connect timeout or the deadline passed")
                break
            timeout = call.bound(timeout) if call is not None else timeout
            sock = socket.socket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(timeout)
                if self.source_address:
                    sock.bind(self.source_address)
                if call is not None:
                    call.attach(sock)
                sock.connect(address)
            except OSError as exc:
                sock.close()
                last = exc
                continue
            return sock
        if isinstance(last, TimeoutError) or last is None:
            msg = f"connecting to {self.host} timed out"
            raise u3.ConnectTimeoutError(self, msg) from last
        msg = f"Failed to establish a new connection: {last}"
        raise u3.NewConnectionError(self, msg) from last  # type: ignore[arg-type]

    def connect(self) -> None:
        """Connect (and for HTTPS, shake hands): the ``connect`` phase."""
        call = current()
        if call is not None:
            call.phase = "connect"
        self._connecting = True
        try:
            super().connect()  # type: ignore[misc]
        finally:
            self._connecting = False
        if call is not None and self.sock is not None:
            call.attach(self.sock)

    def send(self, data: Any) -> None:
        """Write ``data``; from the first write on, the request may have reached the server."""
        if self.sock is None and self.auto_open:
            self.connect()
        call = current()
        if call is not None and not self._connecting:  # a tunnel's CONNECT is still connecting
            if self.sock is not None:
                call.attach(self.sock)
            call.phase = "send"
        super().send(data)  # type: ignore[misc]

    def putheader(self, header: str, *values: Any) -> None:
        """Buffer a header line; a secret value's line never exists as plain bytes in a frame."""
        if not any(type(v) is _SecretStr for v in values):
            super().putheader(header, *values)  # type: ignore[misc]
            return
        name = header.encode("ascii")
        if not http.client._is_legal_header_name(name):  # type: ignore[attr-defined]
            msg = f"Invalid header name {name!r}"
            raise ValueError(msg)
        line = _SecretBytes(name + b": " + b"\r\n\t".join(v.encode("latin-1") for v in values))
        if http.client._is_illegal_header_value(line.partition(b": ")[2]):  # type: ignore[attr-defined]
            msg = f"Invalid value for header {header!r}"
            raise ValueError(msg)
        self._buffer.append(line)

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        """Send the buffered head as `_SecretBytes` (urllib3 sends bodies itself)."""
        if message_body is not None:
            super()._send_output(message_body, encode_chunked)  # type: ignore[misc]
            return
        self._buffer.extend((b"", b""))
        head = _SecretBytes(b"\r\n".join(self._buffer))
        del self._buffer[:]
        self.send(head)

    def getresponse(self) -> Any:
        """Read the answer's head: the ``response`` phase."""
        call = current()
        if call is not None:
            call.phase = "response"
        return super().getresponse()  # type: ignore[misc]


class PhasedHTTPConnection(_PhasedMixin, u3conn.HTTPConnection):  # type: ignore[misc]
    """urllib3's HTTPConnection with phases, a deadline and secret-safe headers."""


class PhasedHTTPSConnection(_PhasedMixin, u3conn.HTTPSConnection):  # type: ignore[misc]
    """urllib3's HTTPSConnection with phases, a deadline and secret-safe headers."""


class PhasedHTTPConnectionPool(connectionpool.HTTPConnectionPool):
    """A pool of `PhasedHTTPConnection`."""

    ConnectionCls = PhasedHTTPConnection


class PhasedHTTPSConnectionPool(connectionpool.HTTPSConnectionPool):
    """A pool of `PhasedHTTPSConnection`."""

    ConnectionCls = PhasedHTTPSConnection


POOL_CLASSES: Final = {"http": PhasedHTTPConnectionPool, "https": PhasedHTTPSConnectionPool}
