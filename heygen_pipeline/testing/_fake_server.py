"""The socket side of FakeHeyGen: one threaded HTTP/1.1 server per host, and its handler.

The handler reads each request body fully (Content-Length or chunked, hashing instead of
buffering big ones), records the request, applies a scripted fault or routes it, and answers
with a Content-Length on a keep-alive connection.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from socketserver import TCPServer
from types import MappingProxyType
from typing import Any, Final, cast
from urllib.parse import parse_qsl, urlsplit

from heygen_pipeline._headers import parse_content_length
from heygen_pipeline.testing._fake_multipart import MultipartParser
from heygen_pipeline.testing._fake_routes import ROUTES as _BASE_ROUTES
from heygen_pipeline.testing._fake_routes import dispatch
from heygen_pipeline.testing._fake_routes_agents import ROUTES as _AGENT_ROUTES
from heygen_pipeline.testing._fake_routes_assets import ROUTES as _ASSET_ROUTES
from heygen_pipeline.testing._fake_routes_assets_direct import ROUTES as _DIRECT_ROUTES
from heygen_pipeline.testing._fake_routes_avatars import ROUTES as _AVATAR_ROUTES
from heygen_pipeline.testing._fake_routes_jobs import ROUTES as _JOB_ROUTES
from heygen_pipeline.testing._fake_routes_legacy import ROUTES as _LEGACY_ROUTES
from heygen_pipeline.testing._fake_routes_lipsyncs import ROUTES as _LIPSYNC_ROUTES
from heygen_pipeline.testing._fake_routes_media import ROUTES as _MEDIA_ROUTES
from heygen_pipeline.testing._fake_routes_translations import ROUTES as _TRANSLATION_ROUTES
from heygen_pipeline.testing._fake_routes_videos import ROUTES as _VIDEO_ROUTES
from heygen_pipeline.testing._fake_routes_voices import ROUTES as _VOICE_ROUTES
from heygen_pipeline.testing._fake_routes_webhooks import ROUTES as _WEBHOOK_ROUTES
from heygen_pipeline.testing._fake_spec import SpecGate
from heygen_pipeline.testing._fake_state import FakeState, RecordedRequest
from heygen_pipeline.testing._faults import (
    Fault,
    FaultBook,
    HostName,
    Reply,
    canned_reply,
    error_reply,
    shape_for,
)

ROUTES: Final = (
    *_LEGACY_ROUTES,
    *_BASE_ROUTES,
    *_JOB_ROUTES,
    *_DIRECT_ROUTES,  # before the asset routes: /v3/assets/statuses is not an {asset_id}
    *_ASSET_ROUTES,
    *_TRANSLATION_ROUTES,
    *_AVATAR_ROUTES,
    *_VOICE_ROUTES,
    *_VIDEO_ROUTES,
    *_LIPSYNC_ROUTES,
    *_AGENT_ROUTES,
    *_MEDIA_ROUTES,
    *_WEBHOOK_ROUTES,
)
"""Every route the fake serves."""
SMALL_BODY: Final = 1 << 20
"""Bodies up to this size are kept as bytes; bigger ones only as size and SHA-256."""
_READ: Final = 64 * 1024


class _BadBodyError(Exception):
    """The request body's framing is broken (bad Content-Length or chunk header)."""


class _BodySink:
    """Hashes a streamed body, keeping the bytes only while they stay small (and ``keep``)."""

    def __init__(self, *, keep: bool = True) -> None:
        self._hash = hashlib.sha256()
        self._buffer: bytearray | None = bytearray() if keep else None
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)
        if self._buffer is not None:
            self._buffer += chunk
            if len(self._buffer) > SMALL_BODY:
                self._buffer = None

    @property
    def body(self) -> bytes | None:
        return None if self._buffer is None else bytes(self._buffer)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def _fixed(rfile: BufferedIOBase, length: int) -> Iterator[bytes]:
    while length > 0:
        chunk = rfile.read(min(length, _READ))
        if not chunk:
            raise _BadBodyError("the body ended before its declared length")
        length -= len(chunk)
        yield chunk


def _chunked(rfile: BufferedIOBase) -> Iterator[bytes]:
    while True:
        line = rfile.readline(1024)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _BadBodyError(f"bad chunk size line {line[:40]!r}") from None
        if size == 0:
            while rfile.readline(8192) not in {b"\r\n", b"\n", b""}:
                pass  # skip trailers
            return
        yield from _fixed(rfile, size)
        if rfile.readline(3) not in {b"\r\n", b"\n"}:
            raise _BadBodyError("a chunk is not followed by CRLF")


@dataclass
class Hub:
    """What every server and handler of one FakeHeyGen shares."""

    state: FakeState
    faults: FaultBook
    record: Callable[[RecordedRequest], None]
    on_error: Callable[[BaseException], None]
    gate: SpecGate | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    connection_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


class HostServer(ThreadingHTTPServer):
    """One listening host on 127.0.0.1; tracks open connections so ``stop`` can cut them."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, hub: Hub, name: HostName, timeout: float, port: int = 0) -> None:
        """Bind ``port`` (0: OS-assigned) and listen (serving starts with ``serve_forever``)."""
        self.hub = hub
        self.name = name
        self.handler_timeout = timeout
        self._lock = threading.Lock()
        self._opened = 0
        self._open: dict[socket.socket, threading.Thread] = {}
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def opened(self) -> int:
        """Connections accepted so far."""
        with self._lock:
            return self._opened

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse-DNS lookup (it can be slow)."""
        TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve each connection on its own daemon thread, remembering both."""
        thread = threading.Thread(
            target=self._serve,
            args=(request, client_address),
            daemon=True,
            name=f"fake-{self.name}",
        )
        with self._lock:
            self._open[request] = thread
            self._opened += 1
        thread.start()

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._open.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ARG002 - base API
        """Ignore peers that went away; keep real bugs for the tests to see."""
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, OSError):
            self.hub.on_error(exc)

    def stop(self, timeout: float) -> None:
        """Stop accepting, cut every open connection (even idle ones) and join their threads."""
        self.shutdown()
        self.server_close()
        with self._lock:
            open_now = list(self._open.items())
        for sock, _ in open_now:
            with contextlib.suppress(OSError):  # already closed by its handler
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for _, thread in open_now:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    """Reads a request fully, records it, applies a fault or routes it, and answers."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeHeyGen/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    _abort = False
    _connection_id = 0

    @property
    def _srv(self) -> HostServer:
        return cast("HostServer", self.server)

    def setup(self) -> None:
        """Set the socket timeout so a stuck client cannot pin a thread forever."""
        super().setup()
        self.connection.settimeout(self._srv.handler_timeout)
        self._connection_id = next(self._srv.hub.connection_ids)

    def finish(self) -> None:
        """After a reset, close with SO_LINGER 0 so the peer gets a RST, not a FIN."""
        if not self._abort:
            super().finish()
            return
        self.wfile.close()
        self.rfile.close()
        self.connection.close()

    def version_string(self) -> str:
        """The ``Server`` header value."""
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        """Stay quiet: tests read ``fake.requests`` instead of stderr."""

    def do_GET(self) -> None:
        """Handle every method alike; the route table decides what is allowed (405)."""
        self._dispatch()

    # http.server looks handlers up by these exact names.
    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _dispatch(self) -> None:
        hub, host = self._srv.hub, self._srv.name
        split = urlsplit(self.path)
        path = split.path or "/"
        request_id = None if host == "cdn" else uuid.uuid4().hex
        # A multipart body is parsed as it streams in; its parts keep what is worth keeping.
        form = MultipartParser.for_content_type(self.headers.get("Content-Type"))
        # A presigned upload's body goes to a temporary file as it streams in (flat memory).
        spool = hub.state.asset_store.spool(host, self.command, path)
        sink = _BodySink(keep=form is None and spool is None)
        try:
            with spool if spool is not None else contextlib.nullcontext():
                for chunk in self._body_chunks():
                    sink.feed(chunk)
                    if form is not None:
                        form.feed(chunk)
                    if spool is not None:
                        spool.write(chunk)
        except _BadBodyError as exc:
            bad = error_reply(400, shape_for(path), "invalid_parameter", str(exc))
            self._send(dataclasses.replace(bad, close=True), request_id)
            return
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        request = RecordedRequest(
            host=host,
            method=self.command,
            path=path,
            query=MappingProxyType(dict(parse_qsl(split.query, keep_blank_values=True))),
            headers=MappingProxyType(headers),
            body=sink.body,
            body_size=sink.size,
            body_sha256=sink.sha256,
            time=time.time(),
            request_id=request_id,
            connection_id=self._connection_id,
            form=form.close() if form is not None else None,
            form_error=form.error if form is not None else None,
        )
        hub.record(request)
        self._answer(request, hub.faults.take(host, self.command, path))

    def _answer(self, request: RecordedRequest, fault: Fault | None) -> None:
        hub = self._srv.hub
        while fault is not None and fault.kind == "slow":
            if hub.stopping.wait(fault.seconds):
                self._reset()
                return
            fault = fault.then
        if fault is not None and fault.kind == "reset":
            self._reset()
            return
        if fault is not None:
            reply = canned_reply(fault, shape_for(request.path), hub.state.cdn_url)
        else:
            try:
                gate = hub.gate
                check = None if gate is None else gate.check_request
                reply = dispatch(hub.state, request, ROUTES, check)
                if gate is not None:
                    gate.check_reply(request, reply)
            except Exception as exc:  # noqa: BLE001 - a fake must answer; tests read the error
                hub.on_error(exc)
                reply = error_reply(500, shape_for(request.path), "internal_error", repr(exc))
        self._send(reply, request.request_id)

    def _body_chunks(self) -> Iterator[bytes]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _chunked(self.rfile)
        raw = self.headers.get("Content-Length", "0").strip() or "0"
        length = parse_content_length(raw)  # ASCII digits only: int() fails on '²'
        if length is None:
            raise _BadBodyError(f"bad Content-Length {raw[:40]!r}")
        return _fixed(self.rfile, length)

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self._abort = True

    def _send(self, reply: Reply, request_id: str | None) -> None:
        self.send_response(reply.status)
        if reply.content_type is not None:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        length = reply.length if reply.length is not None else len(reply.body)
        self.send_header("Content-Length", str(length))
        if request_id is not None:
            self.send_header("X-Request-Id", request_id)
        self.end_headers()
        if self.command != "HEAD":
            for chunk in reply.chunks() if reply.chunks else (reply.body,):
                self.wfile.write(chunk)
        if reply.close:
            self.close_connection = True
