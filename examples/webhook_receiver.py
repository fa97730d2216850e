"""A HeyGen webhook receiver on the standard library's ``http.server``.

What a receiver must do, and this one does:

- answer HeyGen's ``OPTIONS`` validation request at once (HeyGen gives it 1 s) with 200;
- read the raw body (bounded by ``Content-Length`` and a size limit), verify its signature
  against the endpoint's secret *before* decoding it, and answer 401 when it does not match;
- parse the event into a typed value, and answer 400 when the signed body is not an event;
- hand the event on (here, to a queue that the application drains) and answer 200 quickly:
  slow work belongs after the answer, or HeyGen times out and retries;
- bound every request in total time, not per read (a client trickling its head or body a
  byte at a time is answered 408 at ``request_timeout``), and bound the connections served
  at once (one over ``max_connections`` is answered 503 with ``Retry-After`` at once, and
  closed: HeyGen retries a webhook that failed).

``main()`` runs the receiver on 127.0.0.1 (an ephemeral port) and sends it, with urllib3, the
validation request, a signed event, a forged one and a signed body that is not JSON, then
prints what came back. Point ``make_receiver`` at ``("0.0.0.0", 8000)`` behind your TLS
proxy for real use, with the secret HeyGen gave when you added the endpoint.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import urllib3

from heygen_pipeline import Secret, WebhookPayloadError, WebhookSignatureError
from heygen_pipeline.webhooks import (
    DEFAULT_SIGNATURE_HEADER,
    WebhookEvent,
    sign_webhook,
    verified_event,
)

DEMO_SECRET = "whsec_demo_3f9a1c7e5b2d4068"
"""A placeholder: use your endpoint's secret (from the environment, never from source)."""
MAX_BODY = 1024 * 1024
"""Bodies above this size are refused (413): HeyGen's events are a few hundred bytes."""
REQUEST_TIMEOUT = 10.0
"""Seconds a whole request (head and body) may take to arrive; then 408 and close."""
READ_TIMEOUT = 5.0
"""Seconds a single read may wait (a client that stalls is cut off sooner than the deadline)."""
MAX_CONNECTIONS = 64
"""Connections served at once; one more is answered 503 at once (not queued)."""
log = logging.getLogger("webhook_receiver")

_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 1\r\nContent-Length: 17\r\nConnection: close\r\n\r\n"
    b'{"error": "busy"}'
)


class RequestTimeout(Exception):  # noqa: N818 - named after the 408 it leads to
    """The request did not arrive within its deadline (or one read waited too long)."""


class DeadlineReader:
    """``rfile`` for a handler: reads the socket, each read bounded by the request's deadline.

    ``http.server`` reads the head with ``readline`` on a buffered file, and the socket
    timeout applies to each ``recv``: a client sending a byte per read keeps one ``readline``
    going for ever. Here every ``recv`` waits at most the time left (and ``READ_TIMEOUT``),
    so the whole request arrives by the deadline or `RequestTimeout` is raised.
    """

    def __init__(self, sock: socket.socket, deadline: float, read_timeout: float) -> None:
        """Read ``sock`` until ``deadline`` (a ``time.monotonic()`` value)."""
        self._sock = sock
        self._deadline = deadline
        self._read_timeout = read_timeout
        self._buffer = bytearray()
        self._eof = False

    def _fill(self) -> bool:
        """Read once more into the buffer; False at the end of the stream."""
        if self._eof:
            return False
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise RequestTimeout
        self._sock.settimeout(min(self._read_timeout, left))
        try:
            data = self._sock.recv(65536)
        except TimeoutError:
            raise RequestTimeout from None
        finally:  # the answer is written with the read timeout, not with what was left
            self._sock.settimeout(self._read_timeout)
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    def readline(self, limit: int = -1) -> bytes:
        """One line (up to ``limit`` bytes), as ``io.BufferedReader.readline``."""
        while True:  # bounded: each turn reads more, or ends at the deadline or the limit
            end = self._buffer.find(b"\n") + 1
            if end or (0 <= limit <= len(self._buffer)) or not self._fill():
                break
        if not end:
            end = len(self._buffer)
        if limit >= 0:
            end = min(end, limit)
        return self._take(end)

    def read(self, size: int = -1) -> bytes:
        """``size`` bytes (fewer at the end of the stream); ``-1`` is refused (unbounded)."""
        if size < 0:
            msg = "read() needs a size: an unbounded read could go on for ever"
            raise ValueError(msg)
        while len(self._buffer) < size and self._fill():  # bounded by size and the deadline
            pass
        return self._take(min(size, len(self._buffer)))

    def _take(self, count: int) -> bytes:
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def close(self) -> None:
        """Nothing to release (the socket belongs to the server)."""


class WebhookServer(ThreadingHTTPServer):
    """The receiving server: its secret, the signature header's name, and the events queue.

    Each request must arrive whole within ``request_timeout`` seconds (408 otherwise), and
    at most ``max_connections`` are served at once (503 to the next, answered at once by
    the accepting thread, which never waits for it).
    """

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        secret: Secret,
        *,
        header: str = DEFAULT_SIGNATURE_HEADER,
        request_timeout: float = REQUEST_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        """Bind ``address`` (port 0 picks a free port); serving starts with serve_forever."""
        if not (0 < request_timeout < float("inf") and 0 < read_timeout < float("inf")):
            msg = "request_timeout and read_timeout must be numbers of seconds > 0"
            raise ValueError(msg)
        if isinstance(max_connections, bool) or max_connections < 1:
            msg = f"max_connections must be an int >= 1, not {max_connections!r}"
            raise ValueError(msg)
        super().__init__(address, WebhookHandler)
        self.secret = secret
        self.header = header
        self.request_timeout = request_timeout
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self.refused = 0
        """Connections answered 503 because ``max_connections`` were being served."""
        self._slots = threading.BoundedSemaphore(max_connections)
        self.events: queue.Queue[WebhookEvent] = queue.Queue()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve on a new thread if a slot is free; else answer 503 now and close."""
        if not self._slots.acquire(blocking=False):
            self.refused += 1
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection, then free its slot."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, sock: socket.socket) -> None:
        """A canned 503 (it fits any socket's send buffer, so this never waits), then close."""
        with contextlib.suppress(OSError):
            sock.settimeout(0)  # non-blocking
            sock.send(_BUSY)
            sock.recv(65536)  # what already came: closing on unread bytes would reset the 503
        self.shutdown_request(sock)

    @property
    def url(self) -> str:
        """Where to send webhooks, e.g. ``http://127.0.0.1:PORT/webhook``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/webhook"


class WebhookHandler(BaseHTTPRequestHandler):
    """One request. HTTP/1.0, so every connection closes after its answer."""

    server: WebhookServer

    def setup(self) -> None:
        """Read through a `DeadlineReader`: the whole request has ``request_timeout``."""
        super().setup()
        deadline = time.monotonic() + self.server.request_timeout
        self.rfile = DeadlineReader(self.connection, deadline, self.server.read_timeout)  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        """As http.server's, but a request that did not arrive in time is answered 408."""
        try:
            super().handle_one_request()
        except RequestTimeout:
            self.close_connection = True
            self.connection.settimeout(self.server.read_timeout)  # the answer: bounded too
            # Cut inside the request line, http.server has not set these yet.
            self.requestline = getattr(self, "requestline", "")
            self.request_version = getattr(self, "request_version", self.protocol_version)
            with contextlib.suppress(OSError):
                self.reply(HTTPStatus.REQUEST_TIMEOUT, {"error": "request timed out"})

    def do_OPTIONS(self) -> None:
        """HeyGen's endpoint validation: answer at once, with nothing to compute."""
        self.reply(HTTPStatus.OK, {"ok": True}, allow="POST, OPTIONS")

    def do_POST(self) -> None:
        """Verify, parse, queue, answer."""
        body = self.read_body()
        if body is None:
            return
        try:
            event = verified_event(
                self.headers, body, self.server.secret, header=self.server.header
            )
        except WebhookSignatureError as exc:
            log.info("rejected a webhook: %s", exc)
            self.reply(HTTPStatus.UNAUTHORIZED, {"error": "invalid signature"})
            return
        except WebhookPayloadError as exc:
            self.reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        self.server.events.put(event)  # the application's worker takes it from here
        self.reply(HTTPStatus.OK, {"received": event.event_type})

    def read_body(self) -> bytes | None:
        """The raw body, or None after answering 411/400/413 for a missing or bad length."""
        length = self.headers.get("Content-Length")
        if length is None:
            self.reply(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
            return None
        digits = length.strip()
        # ASCII digits only (int() takes '١٢' and fails on '²'), and few (it fails on 5000).
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:  # noqa: PLR2004
            self.reply(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"})
            return None
        size = int(digits)
        if size > MAX_BODY:
            self.reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
            return None
        return self.rfile.read(size)

    def reply(self, status: HTTPStatus, payload: dict[str, Any], *, allow: str = "") -> None:
        """Send a small JSON answer."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Access lines go to this module's logger, not stderr."""
        log.debug(format, *args)


def make_receiver(
    secret: str,
    address: tuple[str, int] = ("127.0.0.1", 0),
    *,
    header: str = "",
    request_timeout: float = REQUEST_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
) -> WebhookServer:
    """A bound, not yet serving, receiver (``header`` defaults to ``Signature``)."""
    return WebhookServer(
        address,
        Secret(secret),
        header=header or DEFAULT_SIGNATURE_HEADER,
        request_timeout=request_timeout,
        read_timeout=read_timeout,
        max_connections=max_connections,
    )


@contextmanager
def running(server: WebhookServer) -> Iterator[WebhookServer]:
    """Serve in a background thread for the ``with`` block, then stop and close."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def send(
    http: urllib3.PoolManager, url: str, body: bytes, signature: str | None
) -> urllib3.BaseHTTPResponse:
    """POST ``body`` to ``url`` as HeyGen would, with ``signature`` in its header (if any)."""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[DEFAULT_SIGNATURE_HEADER] = signature
    return http.request("POST", url, body=body, headers=headers)


def main() -> None:
    event = {
        "event_type": "avatar_video.success",
        "event_data": {
            "video_id": "4f0c2a9e1b7d",
            "url": "https://cdn.example/videos/4f0c2a9e1b7d.mp4",
            "callback_id": "order-1042",
        },
    }
    body = json.dumps(event).encode()
    bad_json = b'{"event_type": "avatar_video.success", '
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=5.0))
    outcomes: dict[str, int] = {}
    with running(make_receiver(DEMO_SECRET)) as server:
        try:
            answer = http.request("OPTIONS", server.url, timeout=1.0)
            outcomes["OPTIONS validation"] = answer.status
            answer = send(http, server.url, body, sign_webhook(body, DEMO_SECRET))
            outcomes["signed event"] = answer.status
            answer = send(http, server.url, body, sign_webhook(body, "whsec_not_the_secret"))
            outcomes["forged signature"] = answer.status
            answer = send(http, server.url, body, None)
            outcomes["no signature"] = answer.status
            answer = send(http, server.url, bad_json, sign_webhook(bad_json, DEMO_SECRET))
            outcomes["signed, not JSON"] = answer.status
        finally:
            http.clear()
    for name, status in outcomes.items():
        print(f"{name:<18} -> {status} {HTTPStatus(status).phrase}")
    received = server.events.get_nowait()
    print(f"queued: {received!r}")
    expected = {
        "OPTIONS validation": 200,
        "signed event": 200,
        "forged signature": 401,
        "no signature": 401,
        "signed, not JSON": 400,
    }
    if outcomes != expected or not server.events.empty():
        msg = f"unexpected outcomes: {outcomes}"
        raise SystemExit(msg)


if __name__ == "__main__":
    main()
