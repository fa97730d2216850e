"""A raw-socket HTTP server on 127.0.0.1 that answers with whatever bytes a test scripts.

Unlike FakeHeyGen it speaks no HTTP of its own: it reads one request head (and a body of the
declared length), records it, asks the test's ``script`` for an `Answer` and writes those
bytes verbatim, however broken they are. So the tests can send a client any status line,
header, framing or body a hostile or broken server could.

It can also speak TLS (``tls=`` a server context) and, after reading a request over TLS,
write an answer in plaintext on the raw socket (``Answer(plaintext=True)``: a bad record
after the request was sent); read request bodies slowly (``read_pause``: a server that
takes its time over an upload); and `blackhole` gives addresses whose connects never finish.

Every wait is bounded: connections time out after ``connection_timeout`` seconds, ``close()``
cuts open connections and joins every thread, and a trickling or stalling answer stops as soon
as the client goes away or the server closes.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

_MAX_HEAD = 256 * 1024
_MAX_BODY = 1 << 20
_ACCEPT_POLL = 0.05


@dataclass(frozen=True)
class RawRequest:
    """One request as it arrived: method, target, headers (lower-cased names) and body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int
    """Which connection (1, 2, ...) carried it."""


@dataclass(frozen=True)
class Answer:
    """What to write back: ``data`` verbatim, then keep the connection or close it.

    ``chunks`` (written one by one, ``pause`` seconds apart) replaces ``data`` for big or
    trickled bodies; ``stall`` writes ``data`` and then waits, sending nothing more, until the
    client hangs up or the server closes.
    """

    data: bytes = b""
    close: bool = True
    chunks: Callable[[], Iterable[bytes]] | None = None
    pause: float = 0.0
    stall: bool = False
    plaintext: bool = False
    """On a TLS connection, write ``data`` on the raw socket, outside any TLS record."""


Script = Callable[[RawRequest], Answer]


def http_answer(
    status: int | bytes = 200,
    body: bytes = b"",
    headers: Iterable[tuple[bytes | str, bytes | str]] = (),
    *,
    reason: bytes = b"OK",
    content_length: bool = True,
    close: bool = False,
) -> Answer:
    """A well-framed HTTP/1.1 answer (with ``Content-Length`` unless told not to)."""
    status_bytes = status if isinstance(status, bytes) else str(status).encode()
    lines = [b"HTTP/1.1 " + status_bytes + b" " + reason]
    for name, value in headers:
        lines.append(_b(name) + b": " + _b(value))
    if content_length:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    if close:
        lines.append(b"Connection: close")
    return Answer(b"\r\n".join(lines) + b"\r\n\r\n" + body, close=close or not content_length)


def _b(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1", "replace")


@dataclass
class HostileServer:
    """A threaded TCP server on 127.0.0.1 (port 0) answering each request with ``script``."""

    script: Script = field(default=lambda _request: http_answer(200, b'{"data": null}'))
    connection_timeout: float = 10.0
    requests: list[RawRequest] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    tls: ssl.SSLContext | None = None
    """Speak TLS with this server context (the handshake happens on the connection's thread)."""
    read_pause: float = 0.0
    """Seconds between reads of 1 KiB of a request body (0: read as fast as it comes)."""
    max_body: int = _MAX_BODY
    """The largest request body read; a bigger one drops the connection."""

    def __post_init__(self) -> None:
        """Bind and listen before returning; serve on a background thread."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._open: dict[socket.socket, threading.Thread] = {}
        self._connections = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(_ACCEPT_POLL)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="hostile")
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https://`` with ``tls``)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def connections(self) -> int:
        """Connections accepted so far."""
        with self._lock:
            return self._connections

    def recorded(self) -> list[RawRequest]:
        """A copy of the requests received so far."""
        with self._lock:
            return list(self.requests)

    def reset(self, script: Script) -> None:
        """Answer with ``script`` from now on and forget the recorded requests."""
        with self._lock:
            self.script = script
            self.requests.clear()

    def __enter__(self) -> HostileServer:
        """The server is already running."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close."""
        self.close()

    def close(self) -> None:
        """Stop accepting, cut every open connection and join every thread (bounded)."""
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            open_now = list(self._open.items())
        for sock, _ in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for _, thread in open_now:
            thread.join(5)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():  # bounded by close()
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(self.connection_timeout)
            with self._lock:
                self._connections += 1
                number = self._connections
                thread = threading.Thread(
                    target=self._serve, args=(sock, number), daemon=True, name=f"hostile-{number}"
                )
                self._open[sock] = thread
            thread.start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        try:
            if self.tls is not None:
                wrapped = self.tls.wrap_socket(sock, server_side=True)
                with self._lock:
                    self._open[wrapped] = self._open.pop(sock)
                sock = wrapped
            with sock:
                buffer = b""
                while not self._stop.is_set():  # one request per turn; bounded by the peer
                    request, buffer = _read_request(
                        sock,
                        buffer,
                        number,
                        pause=self._body_pause,
                        size=1024 if self.read_pause else 65536,
                        max_body=self.max_body,
                    )
                    if request is None:
                        return
                    with self._lock:
                        self.requests.append(request)
                        script = self.script
                    answer = script(request)
                    if not self._write(sock, answer) or answer.close:
                        return
        except (OSError, ValueError, ssl.SSLError):
            return  # the client went away, or sent something unreadable: drop it
        except BaseException as exc:  # a bug in a script: keep it for the test to see
            with self._lock:
                self.errors.append(exc)
        finally:
            with self._lock:
                self._open.pop(sock, None)

    def _write(self, sock: socket.socket, answer: Answer) -> bool:
        """Write ``answer``; False if the client went away or the server is closing."""
        try:
            if answer.plaintext:
                os.write(sock.fileno(), answer.data)
            elif answer.chunks is None:
                sock.sendall(answer.data)
            else:
                sock.sendall(answer.data)
                for chunk in answer.chunks():
                    if answer.pause and self._stop.wait(answer.pause):
                        return False
                    sock.sendall(chunk)
            if answer.stall:
                # Wait for the peer to hang up (recv returns b"") or for close().
                while not self._stop.is_set():
                    readable, _, _ = select.select([sock], [], [], _ACCEPT_POLL)
                    if readable and not sock.recv(65536):
                        return False
                return False
        except OSError:
            return False
        return True

    def _body_pause(self) -> bool:
        """Wait ``read_pause`` before a body read; False if the server is closing."""
        return not (self.read_pause and self._stop.wait(self.read_pause))


def _read_request(
    sock: socket.socket,
    buffer: bytes,
    connection: int,
    *,
    pause: Callable[[], bool] = lambda: True,
    size: int = 65536,
    max_body: int = _MAX_BODY,
) -> tuple[RawRequest | None, bytes]:
    """Read one request head and its ``Content-Length`` body; None when the peer closed."""
    while b"\r\n\r\n" not in buffer:
        if len(buffer) > _MAX_HEAD:
            raise ValueError("request head too large")
        data = sock.recv(65536)
        if not data:
            return None, b""
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = [*lines[0].split(" ", 2), "", ""][:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise ValueError("chunked request bodies are not read by this server")
    if length > max_body:
        raise ValueError("request body too large")
    while len(rest) < length:  # bounded by the declared length and the connection timeout
        if not pause():
            return None, b""
        data = sock.recv(size)
        if not data:
            return None, b""
        rest += data
    body, remaining = rest[:length], rest[length:]
    return RawRequest(method, target, headers, body, connection), remaining


@contextlib.contextmanager
def blackhole(count: int = 1) -> Iterator[list[tuple[str, int]]]:
    """``count`` addresses on 127.0.0.1 where a connect never completes (it times out).

    Each is a listener with a backlog of one that is already full and never accepts: the
    kernel drops further SYNs, so a client's connect waits for its timeout.
    """
    listeners: list[socket.socket] = []
    fillers: list[socket.socket] = []
    try:
        for _ in range(count):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            listener.listen(0)
            listeners.append(listener)
            filler = socket.create_connection(listener.getsockname(), timeout=5)
            fillers.append(filler)
        yield [listener.getsockname() for listener in listeners]
    finally:
        for sock in fillers + listeners:
            sock.close()
