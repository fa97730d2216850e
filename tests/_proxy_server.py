"""A small forwarding HTTP proxy on 127.0.0.1 for the tests: absolute-form requests and CONNECT.

Every target is reached on 127.0.0.1 at the target's port, whatever its host name, so a test
can address a fake server as ``http://api.example.test:PORT`` and know that only the proxy
could have delivered the request. Each request head the proxy received is recorded.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive"})


class _Handler(socketserver.BaseRequestHandler):
    server: ProxyServer

    def handle(self) -> None:
        reader = self.request.makefile("rb")
        while True:  # one request a turn, until the client closes the connection
            head = _read_head(reader)
            if head is None:
                return
            line, headers = head
            method, target, _ = line.split(" ", 2)
            self.server.record(method, target, headers)
            if self.server.credentials is not None and (
                headers.get("proxy-authorization") != self.server.credentials
            ):
                self.request.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b"Proxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n"
                )
                continue
            if method == "CONNECT":
                self._tunnel(target)
                return
            self._forward(method, target, headers, reader)

    def _tunnel(self, target: str) -> None:
        port = int(target.rpartition(":")[2])
        upstream = socket.create_connection(("127.0.0.1", port))
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        _pipe(self.request, upstream, self.server.tunnel)  # type: ignore[attr-defined]

    def _forward(self, method: str, target: str, headers: dict[str, str], reader: Any) -> None:
        parts = urlsplit(target)
        body = reader.read(int(headers.get("content-length", "0") or 0))
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        lines = [f"{method} {path} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k not in _HOP_BY_HOP]
        lines.append("Connection: close")
        with socket.create_connection(("127.0.0.1", parts.port or 80)) as upstream:
            upstream.sendall("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body)
            answer = b""
            while chunk := upstream.recv(65536):
                answer += chunk
        self.request.sendall(answer)
        if b"connection: close" in answer.partition(b"\r\n\r\n")[0].lower():
            self.request.close()


def _read_head(reader: Any) -> tuple[str, dict[str, str]] | None:
    line = reader.readline().decode("latin-1").strip()
    if not line:
        return None
    headers: dict[str, str] = {}
    while (field := reader.readline().decode("latin-1").strip()) != "":
        name, _, value = field.partition(":")
        headers[name.strip().lower()] = value.strip()
    return line, headers


def _pipe(a: socket.socket, b: socket.socket, record: Any) -> None:
    def copy(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := src.recv(65536):
                record(chunk)  # before it is passed on: seen by the time the peer has it
                dst.sendall(chunk)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    other = threading.Thread(target=copy, args=(b, a), daemon=True)
    other.start()
    copy(a, b)
    other.join(10)
    b.close()


class ProxyServer(socketserver.ThreadingTCPServer):
    """The proxy: ``url`` to use it; ``seen``: (method, target, headers) of every request."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, credentials: str | None = None) -> None:
        """Listen on a free port; ``credentials``: the Proxy-Authorization value required."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.credentials = credentials
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.tunnelled = bytearray()
        """Every byte that crossed a CONNECT tunnel, both ways (TLS records, if all is well)."""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def record(self, method: str, target: str, headers: dict[str, str]) -> None:
        """Remember one request head."""
        with self._lock:
            self.seen.append((method, target, headers))

    def tunnel(self, chunk: bytes) -> None:
        """Remember bytes that crossed a tunnel."""
        with self._lock:
            self.tunnelled += chunk

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> ProxyServer:
        """Start serving."""
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()
