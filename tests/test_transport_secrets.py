"""Exceptions the transport does not translate never show the key in their frames' locals.

An upload generator (a progress callback) raising, Ctrl-C, or a signal handler raising while
a call waits: the exception unwinds through urllib3 and http.client frames whose locals hold
the request headers and the encoded head. Rendered with every frame's locals
(``traceback.TracebackException(capture_locals=True)``, structlog's dict tracebacks), no
form of the key may show.
"""

import json
import os
import signal
import threading
import traceback
from urllib.parse import quote, quote_plus

import pytest
import structlog
from _hostile_server import Answer, HostileServer

from heygen_pipeline import HeyGenClient, Request, Timeout, Urllib3Transport

pytestmark = pytest.mark.timeout(60)

KEY = "tb-locals-key+Zq/9=x7W3kR2"
FORMS = (KEY, quote(KEY, safe=""), quote_plus(KEY), KEY.encode().hex())
"""The key raw, percent- and form-encoded, and as hex (how bytes may be shown)."""
QUICK = Timeout(connect=5.0, read=10.0)


class Interrupted(Exception):
    """What the test's signal handler raises."""


def renderings(exc):
    """The exception rendered with locals: stdlib traceback and structlog's dict traceback.

    The first frame (the test's own, which holds the server and its recorded requests) is
    left out: what matters is every frame the call went through.
    """
    tb = exc.__traceback__.tb_next
    stdlib = "".join(traceback.TracebackException(type(exc), exc, tb, capture_locals=True).format())
    transform = structlog.tracebacks.ExceptionDictTransformer(
        show_locals=True, locals_max_string=100_000
    )
    return stdlib, json.dumps(transform((type(exc), exc, tb)), default=repr)


def assert_no_key(exc):
    """No form of the key in any rendering, and the frames did render locals."""
    for text in renderings(exc):
        assert "headers" in text, "locals were not rendered"
        for form in FORMS:
            lines = [line[:300] for line in text.splitlines() if form in line]
            assert not lines, f"{form!r} shows in: {lines[0]}"


def raising_body(error, after=3):
    """An upload generator that yields ``after`` chunks, then raises ``error``."""
    for _ in range(after):
        yield b"x" * 1024
    raise error


@pytest.fixture
def server():
    """A server that reads the request and then sends nothing (the call waits)."""
    with HostileServer(lambda _r: Answer(b"", stall=True), connection_timeout=30) as s:
        yield s


def keyed(url, **kwargs):
    """A request carrying the key the way the auth middleware sets it."""
    return Request("POST", url, headers={"X-Api-Key": KEY, "Content-Length": "8192"}, **kwargs)


class TestUntranslatedExceptions:
    """Every untranslated exception path, rendered with locals, hides the key."""

    @pytest.mark.parametrize(
        "error", [RuntimeError("progress failed"), KeyboardInterrupt()], ids=["error", "Ctrl-C"]
    )
    def test_upload_generator_raises(self, server, error):
        """The upload body's generator raises mid-body: the exception passes, the key does not."""
        with Urllib3Transport(timeout=QUICK) as transport, pytest.raises(type(error)) as info:
            transport(keyed(f"{server.url}/upload", body=raising_body(error)))
        assert_no_key(info.value)

    def test_signal_while_waiting_for_the_answer(self, server):
        """A signal handler raising while the call waits for the status line."""
        got = threading.Event()
        server.reset(lambda _r: (got.set(), Answer(b"", stall=True))[1])

        def handler(_signum, _frame):
            raise Interrupted

        def send_signal():
            if got.wait(10):
                os.kill(os.getpid(), signal.SIGUSR1)

        previous = signal.signal(signal.SIGUSR1, handler)
        sender = threading.Thread(target=send_signal)
        try:
            sender.start()
            with Urllib3Transport(timeout=QUICK) as transport, pytest.raises(Interrupted) as info:
                transport(keyed(f"{server.url}/wait", body=b"y" * 8192))
        finally:
            sender.join(10)
            signal.signal(signal.SIGUSR1, previous)
        assert got.is_set()
        assert_no_key(info.value)

    def test_signal_while_uploading(self):
        """A signal handler raising while a slow server takes the upload."""
        started = threading.Event()

        def body():
            started.set()
            for _ in range(4096):
                yield b"z" * 65536

        def handler(_signum, _frame):
            raise Interrupted

        def send_signal():
            if started.wait(10):
                os.kill(os.getpid(), signal.SIGUSR1)

        size = str(4096 * 65536)
        previous = signal.signal(signal.SIGUSR1, handler)
        sender = threading.Thread(target=send_signal)
        try:
            with HostileServer(read_pause=0.05, max_body=1 << 30, connection_timeout=30) as slow:
                sender.start()
                request = Request(
                    "POST", f"{slow.url}/up", headers={"X-Api-Key": KEY, "Content-Length": size}
                )
                request = Request(request.method, request.url, headers=request.headers, body=body())
                with Urllib3Transport(timeout=QUICK) as t, pytest.raises(Interrupted) as info:
                    t(request)
        finally:
            sender.join(10)
            signal.signal(signal.SIGUSR1, previous)
        assert_no_key(info.value)

    def test_through_the_client(self, server):
        """Through HeyGenClient's default stack (the auth middleware adds the key)."""
        got = threading.Event()
        server.reset(lambda _r: (got.set(), Answer(b"", stall=True))[1])

        def handler(_signum, _frame):
            raise Interrupted

        def send_signal():
            if got.wait(10):
                os.kill(os.getpid(), signal.SIGUSR1)

        previous = signal.signal(signal.SIGUSR1, handler)
        sender = threading.Thread(target=send_signal)
        transport = Urllib3Transport(timeout=QUICK)
        try:
            sender.start()
            with (
                HeyGenClient(KEY, base_url=server.url, transport=transport) as client,
                pytest.raises(Interrupted) as info,
            ):
                client.request("POST", "/v1/video/generate", json={"a": 1}, max_attempts=1)
        finally:
            sender.join(10)
            signal.signal(signal.SIGUSR1, previous)
        assert server.recorded()[0].headers["x-api-key"] == KEY  # the key did go out
        assert_no_key(info.value)
