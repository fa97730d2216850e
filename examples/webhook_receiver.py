"""A HeyGen webhook receiver on the standard library's ``http.server``.

What a receiver must do, and this one does:

- answer HeyGen's ``OPTIONS`` validation request at once (HeyGen gives it 1 s) with 200;
- read the raw body (bounded by ``Content-Length`` and a size limit), verify its signature
  against the endpoint's secret *before* decoding it, and answer 401 when it does not match;
- parse the event into a typed value, and answer 400 when the signed body is not an event;
- hand the event on (here, to a queue that the application drains) and answer 200 quickly:
  slow work belongs after the answer, or HeyGen times out and retries.

``main()`` runs the receiver on 127.0.0.1 (an ephemeral port) and sends it, with urllib3, the
validation request, a signed event, a forged one and a signed body that is not JSON, then
prints what came back. Point ``make_receiver`` at ``("0.0.0.0", 8000)`` behind your TLS
proxy for real use, with the secret HeyGen gave when you added the endpoint.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
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
log = logging.getLogger("webhook_receiver")


class WebhookServer(ThreadingHTTPServer):
    """The receiving server: its secret, the signature header's name, and the events queue."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], secret: Secret, *, header: str = DEFAULT_SIGNATURE_HEADER
    ) -> None:
        """Bind ``address`` (port 0 picks a free port); serving starts with serve_forever."""
        super().__init__(address, WebhookHandler)
        self.secret = secret
        self.header = header
        self.events: queue.Queue[WebhookEvent] = queue.Queue()

    @property
    def url(self) -> str:
        """Where to send webhooks, e.g. ``http://127.0.0.1:PORT/webhook``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/webhook"


class WebhookHandler(BaseHTTPRequestHandler):
    """One request. HTTP/1.0, so every connection closes after its answer."""

    server: WebhookServer
    timeout = 5.0  # a client that stalls mid-request is cut off, not waited on forever

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
        if not length.strip().isdigit():
            self.reply(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"})
            return None
        size = int(length)
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
    secret: str, address: tuple[str, int] = ("127.0.0.1", 0), *, header: str = ""
) -> WebhookServer:
    """A bound, not yet serving, receiver (``header`` defaults to ``Signature``)."""
    return WebhookServer(address, Secret(secret), header=header or DEFAULT_SIGNATURE_HEADER)


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
