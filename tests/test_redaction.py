"""The key never leaks: for any stack, any user middleware, any response and any fault.

The issue's first property: for every permutation and subset of the default middlewares plus
arbitrary user middleware, and arbitrary responses and faults, the key never appears in captured
logs (structlog at DEBUG, stdlib logging at DEBUG, urllib3's logger included), in the str or repr
of any exception or response, or in a formatted traceback.

What counts as a rendering: every captured structlog event (its repr, and as JSONRenderer,
KeyValueRenderer and ConsoleRenderer print it), every stdlib record (message and formatted
text), str/repr of the response, its headers and its request, str/repr of the raised error (and
of the request and response it carries) and the formatted traceback with its whole chain. Bytes a
server sent (a body echoing the key) are the caller's data, not a rendering, and are not checked;
where nothing the server or a user middleware sent carries the key, tracebacks rendered with
``capture_locals=True`` are checked too, so no frame's local variables may hold it.
"""

import json
import logging
import socket
import socketserver
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import pytest
import structlog
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from structlog.dev import ConsoleRenderer
from structlog.processors import JSONRenderer, KeyValueRenderer
from structlog.testing import capture_logs

from heygen_pipeline import HeyGenClient, Request, Secret, Stack, Urllib3Transport
from heygen_pipeline._models import Timeout
from heygen_pipeline.errors import (
    APIError,
    AuthenticationError,
    ConnectError,
    ConnectTimeoutError,
    ProtocolError,
    ReadTimeoutError,
    TLSError,
    TransportError,
)
from heygen_pipeline.middleware import EnvelopeMiddleware
from heygen_pipeline.testing import Fault, MockTransport, make_response
from heygen_pipeline.testing.pytest_plugin import checked_fake
from heygen_pipeline.testing.strategies import (
    default_middlewares,
    error_envelopes,
    hostile_locations,
    non_envelope_bodies,
    relative_locations,
    requests,
    retry_after_values,
    secret_keys,
    stacks,
    statuses,
    success_envelopes,
    user_middlewares,
)

ECHO = "{echo}"
"""Placeholder in scripted answers for the key the server echoes."""
FAKE_KEY = "hgk-fake-server-key-5b9f0c2e71"
WRONG_KEY = "hgk-wrong-client-key-0d4c7a"
ECHO_KEY = "hgk-echo-key-7d1e5a9c33"
_FORMATTER = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
_RENDERERS = (JSONRenderer(), KeyValueRenderer(sort_keys=True), ConsoleRenderer(colors=False))
_FAULTS = (
    TransportError,
    ConnectError,
    TLSError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ProtocolError,
)
ECHO_BODIES = (
    b'{"data": {"token": "{echo}"}}',
    b'{"error": {"code": "unauthorized", "message": "bad key {echo}", "param": "{echo}"}}',
    b'{"code": 400112, "message": "Unauthorized {echo}"}',
    b'{"data": null, "error": "key {echo} rejected"}',
    b"<html><body>your key: {echo}</body></html>",
    b"not json {echo} \xff",
    b'{"data": {"echo": "{echo}"',
)


def keys():
    """Distinctive keys: ``hgk-`` and a `secret_keys` value in lower case.

    The prefix keeps a registered key from matching ordinary text; lower case keeps
    ``REDACTED`` (what scrubbing writes) from ever containing one.
    """
    return secret_keys(min_size=12).map(lambda s: f"hgk-{s.lower()}")


# ---- capturing and rendering ------------------------------------------------------------------


class _Records(logging.Handler):
    """Keeps every record it sees once (it hangs on two loggers of one hierarchy)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        if not self.records or self.records[-1] is not record:
            self.records.append(record)


@attrs.frozen
class Capture:
    """What one call logged: structlog events and stdlib records."""

    events: list
    records: list


@contextmanager
def captured() -> Iterator[Capture]:
    """Capture structlog events at every level and stdlib records at DEBUG (root and urllib3).

    structlog's wrapper class is set to filter at DEBUG (``capture_logs`` alone keeps whatever
    level is configured) and every setting is restored afterwards; ``basicConfig`` is never called.
    """
    handler = _Records()
    loggers = [logging.getLogger(), logging.getLogger("urllib3")]
    levels = [logger.level for logger in loggers]
    wrapper = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        with capture_logs() as events:
            yield Capture(events, handler.records)
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        structlog.configure(wrapper_class=wrapper)


def renderings(capture, response, error, *, with_locals, stack=None):
    """Every text the property covers, as ``(where, text)`` pairs."""
    if stack is not None:
        yield "repr(stack)", repr(stack)
        for name, middleware in stack:
            yield f"repr(stack[{name!r}])", repr(middleware)
    for i, logged in enumerate(capture.events):
        yield f"event {i} repr", repr(logged)
        for renderer in _RENDERERS:
            level = logged.get("log_level", "info")
            yield f"event {i} {type(renderer).__name__}", renderer(None, level, dict(logged))
    for record in capture.records:
        yield f"record {record.name} message", record.getMessage()
        yield f"record {record.name} formatted", _FORMATTER.format(record)
    if response is not None:
        yield "str(response)", str(response)
        yield "repr(response)", repr(response)
        yield "repr(response.headers)", repr(response.headers)
        yield "repr(response.request)", repr(response.request)
    if error is not None:
        yield "str(error)", str(error)
        yield "repr(error)", repr(error)
        yield "repr(error.request)", repr(getattr(error, "request", None))
        yield "repr(error.response)", repr(getattr(error, "response", None))
        yield "traceback", "".join(traceback.format_exception(error))
        if with_locals:
            rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
            yield "traceback with locals", "".join(rendered.format())


def leaks(secret, capture, response, error, *, with_locals=False, stack=None):
    """Where ``secret`` shows (an empty list when nowhere), with the offending line."""
    found = []
    texts = renderings(capture, response, error, with_locals=with_locals, stack=stack)
    for where, text in texts:
        if secret in text:
            line = next(line for line in text.splitlines() if secret in line)
            found.append(f"{where}: {line[:300]}")
    return found


def note(outcome):
    """Count ``outcome`` in hypothesis' statistics (``--hypothesis-show-statistics``)."""
    if currently_in_test_context():
        event(outcome)


def call(handler, request):
    """Call and return ``(response, error)``; the caller closes the response."""
    try:
        response = handler(request)
    except Exception as exc:
        note(f"raised {type(exc).__name__}")
        return None, exc
    note(f"returned {response.status // 100}xx")
    return response, None


# ---- a scripted in-process server -------------------------------------------------------------


@attrs.frozen
class Answer:
    """What the scripted server does with one request: reply, or raise a transport fault."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    fault: type[TransportError] | None = None


class Server:
    """A MockTransport handler playing its answers in turn; ``{echo}`` becomes the echoed key."""

    def __init__(self, answers, secret):
        """Play ``answers``; echo ``secret`` (a Secret, or None to echo nothing)."""
        self._answers = answers
        self._secret = secret
        self._calls = 0

    def __call__(self, request):
        """Reply to ``request``, or raise the answer's fault."""
        answer = self._answers[self._calls % len(self._answers)]
        self._calls += 1
        if answer.fault is not None:
            raise answer.fault(self._fill(f"connection dropped after {ECHO}"), request=request)
        return make_response(
            request,
            answer.status,
            content=answer.body.replace(ECHO.encode(), self._fill(ECHO).encode()),
            headers={self._fill(name): self._fill(value) for name, value in answer.headers},
        )

    def _fill(self, text):
        return text.replace(ECHO, self._secret.reveal() if self._secret else "nothing")

    def __repr__(self):
        """The script, never the key."""
        return f"Server({self._answers!r})"


def locations(echo):
    """Location values: relative, other hosts, hostile ones, and (if ``echo``) ones with the key."""
    fixed = [
        "https://api.heygen.com/v2/avatars",
        "https://upload.heygen.com/v1/asset",
        "https://files.cdn.example/video.mp4",
        "http://api.heygen.com/plain",
        "https://127.0.0.1:8443/x",
    ]
    echoing = [
        f"https://files.cdn.example/dl?sig={ECHO}",
        f"/next?api_key={ECHO}",
        f"https://{ECHO}.example/x",
        f"https://user:{ECHO}@files.cdn.example/x",
        f"/path/{ECHO}",
    ]
    chosen = st.sampled_from(fixed + echoing if echo else fixed)
    return st.one_of(relative_locations(), hostile_locations(), chosen)


ECHO_HEADERS = (
    ("X-Api-Key", ECHO),
    ("X-Echo", f"you sent {ECHO}"),
    (f"X-Echo-{ECHO}", "1"),
    ("X-Request-Id", f"req-{ECHO}"),
    ("Set-Cookie", f"session={ECHO}"),
    ("Authorization", f"Bearer {ECHO}"),
)
"""Headers of a server that echoes the key: in values, in a name, in a request id."""


def reply_headers(echo):
    """Response headers: Retry-After garbage, redirects, request ids, and echoes of the key."""
    pairs = st.one_of(
        st.tuples(st.just("Retry-After"), retry_after_values()),
        st.tuples(st.just("retry-after-ms"), st.sampled_from(["0", "250", "-5", "x"])),
        st.tuples(st.just("Location"), locations(echo)),
        st.tuples(st.just("X-Request-Id"), st.sampled_from(["req-1", "abc"])),
        st.tuples(st.just("Content-Type"), st.sampled_from(["application/json", "text/html"])),
    )
    plain = st.lists(pairs, max_size=3)
    if not echo:
        return plain.map(tuple)
    echoed = st.lists(st.sampled_from(ECHO_HEADERS), unique=True)
    return st.builds(lambda a, b: (*a, *b), plain, echoed)


def bodies(echo):
    """Envelopes of every shape, bodies that are no envelope, and (if ``echo``) key echoes."""
    plain = st.one_of(
        success_envelopes().map(lambda e: e.body),
        error_envelopes().map(lambda e: e.body),
        non_envelope_bodies().map(lambda pair: pair[1]),
    )
    return st.one_of(plain, st.sampled_from(ECHO_BODIES)) if echo else plain


def answers(echo):
    """One answer: any status with drawn headers and body, or a transport fault."""
    status = st.one_of(
        st.sampled_from([200, 201, 204, 301, 302, 303, 307, 308, 401, 409, 429, 500, 503]),
        statuses(),
    )
    reply = st.builds(Answer, status=status, headers=reply_headers(echo), body=bodies(echo))
    return st.one_of(reply, st.builds(Answer, fault=st.sampled_from(_FAULTS)))


def place_key(request, key, where):
    """``request`` with the key put there by the caller's own hand (or not at all)."""
    if where == "credential header":
        return request.with_headers({"X-Api-Key": key})
    if where == "other header":
        return request.with_headers({"X-Note": f"my key is {key}"})
    if where == "query":
        separator = "&" if "?" in request.url else "?"
        return attrs.evolve(request, url=f"{request.url}{separator}api_key={key}")
    return request


class TestRedactionInProcess:
    """Through MockTransport: any stack, user middleware, request, response and fault."""

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_key_never_rendered(self, data):
        """For any stack, answers and faults, no log, repr, error or traceback shows the key."""
        key = data.draw(keys(), label="key")
        echo = data.draw(st.booleans(), label="echo")
        stack = data.draw(stacks(key, extra=user_middlewares(echo=echo)), label="stack")
        script = data.draw(st.lists(answers(echo), min_size=1, max_size=4), label="answers")
        where = data.draw(
            st.sampled_from(["nowhere", "credential header", "other header", "query"]),
            label="key placed by the caller",
        )
        request = place_key(data.draw(requests(), label="request"), key, where)
        if data.draw(st.booleans(), label="stream"):
            request = request.with_options(stream=True)
        # The caller holds the key (a key is registered while a holder of it lives).
        secret = Secret(key)
        handler = stack.build(MockTransport(Server(tuple(script), secret if echo else None)))
        with captured() as capture:
            response, error = call(handler, request)
        try:
            # Locals are checked only when the key is nowhere but where the library put it:
            # a URL or a body that carries it shows in the locals of whatever holds them.
            hidden = not echo and where != "query"
            assert leaks(key, capture, response, error, with_locals=hidden, stack=stack) == []
        finally:
            if response is not None:
                response.close()
            del secret

    def test_capture_sees_every_source(self):
        """The capture gets structlog DEBUG events and stdlib DEBUG records, urllib3's too."""
        with captured() as capture:
            structlog.get_logger("anything").debug("structlog_debug")
            logging.getLogger("some.module").debug("stdlib debug")
            logging.getLogger("urllib3.connectionpool").debug("urllib3 debug")
        assert [e["event"] for e in capture.events] == ["structlog_debug"]
        assert [r.getMessage() for r in capture.records] == ["stdlib debug", "urllib3 debug"]

    def test_capture_restores_logging_settings(self):
        """Levels, handlers and structlog's configuration are as before once the capture ends."""
        root, u3 = logging.getLogger(), logging.getLogger("urllib3")
        before = (root.level, u3.level, list(root.handlers), list(u3.handlers))
        config = structlog.get_config()
        with captured():
            pass
        assert (root.level, u3.level, list(root.handlers), list(u3.handlers)) == before
        assert structlog.get_config() == config

    def test_detector_finds_a_planted_key(self):
        """The leak check can fail: a key logged by hand, raw, is reported with its place."""
        key = "hgk-planted-but-never-registered"
        with captured() as capture:
            logging.getLogger("careless").debug("key=%s", key)
        found = leaks(key, capture, None, ValueError(key), with_locals=True)
        assert any(f.startswith("record careless message") for f in found)
        assert any(f.startswith("traceback:") for f in found)

    def test_user_middleware_errors_are_scrubbed(self):
        """A user middleware's HeyGenError carrying raw headers inside auth shows no key."""
        key = "hgk-user-middleware-raises-1"
        stack = Stack(
            [
                ("logging", default_middlewares(key)["logging"]),
                ("auth", default_middlewares(key)["auth"]),
                ("user", _raise_with_headers),
            ]
        )
        handler = stack.build(MockTransport(lambda r: make_response(r, 200)))
        with captured() as capture:
            response, error = call(handler, Request("GET", "https://api.heygen.com/v2/avatars"))
        assert isinstance(error, TransportError)
        assert "REDACTED" in str(error)
        assert leaks(key, capture, response, error, with_locals=True) == []


def _raise_with_headers(request, call_next):
    """A careless user middleware: the raw headers go into the library's error message."""
    raise TransportError(f"gave up with {request.headers.raw()}", request=request)


EXCERPT_KEY = "hgk-excerpt-7f3a9c1d5e0b2468"
EXCERPT_SECRET = Secret(EXCERPT_KEY)
"""Held for the module's life: a key is registered while a holder of it lives."""


def excerpt_errors(status, body):
    """The errors a body becomes on the three paths that keep an excerpt of it."""
    request = Request("GET", "https://api.heygen.com/v2/avatars")
    over_cap = default_middlewares(EXCERPT_KEY)["backoff"]
    paths = [
        Stack([("envelope", EnvelopeMiddleware())]).build(
            MockTransport(lambda r: make_response(r, status, content=body))
        ),
        Stack([("backoff", over_cap)]).build(
            MockTransport(
                lambda r: make_response(r, 429, content=body, headers={"Retry-After": "86400"})
            )
        ),
        lambda r: make_response(r, status, content=body).json(),
    ]
    for path in paths:
        _, error = call(path, request)
        assert isinstance(error, APIError)
        yield error


class TestExcerpts:
    """Error excerpts of a body echoing the key hold no piece of it, wherever the cut falls."""

    @given(
        offset=st.integers(min_value=0, max_value=260),
        status=st.sampled_from([200, 400, 500]),
        filler=st.sampled_from([b"x", b" ", "\u00e9".encode(), b"\xff"]),
    )
    def test_no_piece_of_the_key_survives_the_cut(self, offset, status, filler):
        """A key straddling the excerpt's end is scrubbed whole, not cut into a bare prefix."""
        body = filler * offset + EXCERPT_KEY.encode() + b" and more"
        pieces = {EXCERPT_KEY[i : i + 8] for i in range(len(EXCERPT_KEY) - 7)}
        for error in excerpt_errors(status, body):
            shown = error.body_excerpt or ""
            assert [piece for piece in pieces if piece in shown] == [], shown
            assert len(shown) <= 203


# ---- over real sockets ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake():
    """One FakeHeyGen for the module; it accepts ``FAKE_KEY`` only."""
    with checked_fake(api_key=FAKE_KEY) as server:
        yield server


ROUTES = (
    ("GET", "/v2/avatars", None),
    ("GET", "/v3/users/me", None),
    ("GET", "/v1/video_status.get", None),
    ("POST", "/v3/videos", {"type": "avatar", "avatar_id": "Daisy-inskirt-20220818"}),
)


def fake_faults(echo):
    """Faults of every kind FakeHeyGen plays; if ``echo``, canned replies echoing the key."""
    kinds = [
        retry_after_values().map(Fault.rate_limited),
        st.sampled_from([500, 502, 503, 504]).map(Fault.server_error),
        st.sampled_from(
            [
                Fault.reset(),
                Fault.truncated(),
                Fault.html(),
                Fault.not_json(),
                Fault.empty(),
                Fault.redirect_to_cdn("/previews/p.png"),
                Fault.redirect_to_cdn("/videos/missing.mp4", 307),
            ]
        ),
    ]
    if echo:
        kinds.append(
            st.builds(
                lambda status, body: Fault.status(
                    status,
                    body.replace(ECHO.encode(), FAKE_KEY.encode()),
                    headers={
                        "X-Echo": f"you sent {FAKE_KEY}",
                        f"X-Echo-{FAKE_KEY}": "1",
                        "X-Request-Id": f"req-{FAKE_KEY}",
                    },
                ),
                st.sampled_from([200, 400, 401, 429, 500]),
                st.sampled_from(ECHO_BODIES),
            )
        )
    return st.lists(st.one_of(kinds), min_size=1, max_size=3)


def client_for(fake, stack, key=FAKE_KEY):
    """A client of ``fake`` with ``stack`` (its ``auth`` placeholder bound to ``key``)."""
    return HeyGenClient(
        key,
        base_url=fake.base_url,
        upload_url=fake.upload_url,
        stack=stack,
        timeout=Timeout(connect=5, read=5),
    )


class TestRedactionOverSockets:
    """The same property against FakeHeyGen over real sockets, urllib3's DEBUG logs included."""

    @settings(max_examples=30, deadline=None)
    @given(data=st.data())
    def test_key_never_rendered(self, fake, data):
        """Client-level stacks over sockets, with faults injected: the key shows nowhere."""
        echo = data.draw(st.booleans(), label="echo")
        stack = data.draw(
            stacks(None, extra=user_middlewares(echo=echo), required=("auth",)), label="stack"
        )
        method, path, body = data.draw(st.sampled_from(ROUTES), label="route")
        faults = data.draw(fake_faults(echo), label="faults")
        fake.clear_faults()
        fake.inject(method, path, *faults)
        sent_before = len(fake.requests)
        with client_for(fake, stack) as client, captured() as capture:
            response, error = call(client.send, client.build_request(method, path, json=body))
        try:
            if len(fake.requests) > sent_before:
                assert any(r.name.startswith("urllib3") for r in capture.records)
            found = leaks(FAKE_KEY, capture, response, error, with_locals=not echo, stack=stack)
            assert found == []
        finally:
            if response is not None:
                response.close()

    @pytest.mark.parametrize("mode", ["wrong key", "scripted 401"])
    def test_key_never_rendered_on_401(self, fake, mode):
        """On a 401 (a wrong key, or the right one refused) neither key shows anywhere."""
        stack = Stack(default_middlewares(None).items())
        key = WRONG_KEY if mode == "wrong key" else FAKE_KEY
        fake.clear_faults()
        if mode == "scripted 401":
            refusal = Fault.status(401, {"error": {"code": "unauthorized"}})
            fake.inject("GET", "/v3/users/me", refusal)
        with client_for(fake, stack, key) as client, captured() as capture:
            response, error = call(client.send, client.build_request("GET", "/v3/users/me"))
        assert isinstance(error, AuthenticationError)
        assert error.status == 401
        assert any(r.name.startswith("urllib3") for r in capture.records)
        for secret in (FAKE_KEY, WRONG_KEY):
            assert leaks(secret, capture, response, error, with_locals=True) == []

    def test_urllib3_frames_hold_no_key(self, fake):
        """A reset's traceback rendered with every frame's locals (urllib3's too) shows no key."""
        fake.clear_faults()
        fake.inject("GET", "/v2/avatars", Fault.reset())
        stack = Stack(default_middlewares(None, sleep=lambda _s: None).items()).remove("backoff")
        with client_for(fake, stack) as client, captured() as capture:
            response, error = call(client.send, client.build_request("GET", "/v2/avatars"))
        assert isinstance(error, ProtocolError)
        assert error.__cause__ is not None
        assert leaks(FAKE_KEY, capture, response, error, with_locals=True) == []

    def test_structlog_dict_tracebacks_of_a_transport_error(self, fake):
        """A service logging the error with structlog's dict_tracebacks (locals on) shows no key.

        ``dict_tracebacks`` is structlog's recommended JSON set-up, and it renders every frame's
        local variables by default, urllib3's included, cut to 80 characters: so no piece of
        the key may show either.
        """
        fake.clear_faults()
        fake.inject("GET", "/v2/avatars", Fault.reset())
        stack = Stack(default_middlewares(None).items()).remove("backoff")
        with client_for(fake, stack) as client:
            _, error = call(client.send, client.build_request("GET", "/v2/avatars"))
        assert isinstance(error, ProtocolError)
        with capture_logs(processors=[structlog.processors.dict_tracebacks]) as events:
            structlog.get_logger("service").error("heygen_call_failed", exc_info=error)
        rendered = JSONRenderer()(None, "error", dict(events[0]))
        assert '"locals"' in rendered
        assert "urllib3" in rendered
        pieces = {FAKE_KEY[i : i + 12] for i in range(len(FAKE_KEY) - 11)}
        assert [piece for piece in pieces if piece in rendered] == []


# ---- a server that echoes the key inside the HTTP framing itself ------------------------------


class _EchoHandler(socketserver.StreamRequestHandler):
    """Reads one request and answers per the server's ``mode``, echoing the X-Api-Key it got."""

    def handle(self):
        self.connection.settimeout(5)
        head = b""
        for _ in range(64):  # bounded: a test request's head is small
            if b"\r\n\r\n" in head:
                break
            chunk = self.connection.recv(4096)
            if not chunk:
                return
            head += chunk
        lines = head.split(b"\r\n")
        keyed = [line for line in lines if line.lower().startswith(b"x-api-key:")]
        got = keyed[0].split(b":", 1)[1].strip() if keyed else b"none"
        self.wfile.write(_echo_answer(self.server.mode, got, lines[0]))
        self.wfile.flush()


def _echo_answer(mode, key, request_line):
    """The raw bytes to send: the key goes where ``mode`` says."""
    ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    if mode == "reason phrase":
        return b"HTTP/1.1 200 " + key + b"\r\nContent-Length: 10\r\n\r\n" + b'{"data":1}'
    if mode == "header name":
        return ok + b"X-Echo-" + key + b": 1\r\nContent-Length: 10\r\n\r\n" + b'{"data":1}'
    if mode == "status line":
        return b"XX" + key + b"\r\n\r\n"
    if mode == "chunk size":
        return ok + b"Transfer-Encoding: chunked\r\n\r\n" + key + b"\r\n"
    if mode == "malformed header line":
        return ok + b"Content-Length: 10\r\n" + key + b"\r\n\r\n" + b'{"data":1}'
    if b"sig=" in request_line:  # "location", second hop
        return ok + b"Content-Length: 10\r\n\r\n" + b'{"data":1}'
    return b"HTTP/1.1 302 Found\r\nLocation: /next?sig=" + key + b"\r\nContent-Length: 0\r\n\r\n"


@pytest.fixture(scope="module")
def echo_server():
    """A raw TCP server on 127.0.0.1 whose ``mode`` says where it echoes the key."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _EchoHandler)
    server.daemon_threads = True
    server.mode = "reason phrase"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class TestServerEchoesInTheFraming:
    """A server that puts the key into the HTTP framing (status line, header names, chunks)."""

    @pytest.mark.parametrize(
        "mode",
        [
            "reason phrase",
            "header name",
            "status line",
            "chunk size",
            "malformed header line",
            "location",
        ],
    )
    def test_echo_in_framing(self, echo_server, mode):
        """Wherever the server puts the key in its answer, no rendering shows it."""
        host, port = echo_server.server_address[:2]
        base = f"http://{host}:{port}"
        echo_server.mode = mode
        stack = Stack(default_middlewares(ECHO_KEY, base_url=base).items())
        with Urllib3Transport(timeout=Timeout(connect=5, read=5)) as transport:
            handler = stack.build(transport)
            with captured() as capture:
                response, error = call(handler, Request("GET", f"{base}/x"))
        if response is not None:
            response.close()
        assert response is not None or error is not None
        assert leaks(ECHO_KEY, capture, response, error) == []

    def test_echo_server_answers(self, echo_server):
        """The raw echo server answers a plain socket (so the framing tests test something)."""
        echo_server.mode = "reason phrase"
        with socket.create_connection(echo_server.server_address[:2], timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Api-Key: abc\r\n\r\n")
            data = b""
            for _ in range(16):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
                if data.endswith(b"}"):
                    break
        assert data.startswith(b"HTTP/1.1 200 abc\r\n")
        assert json.loads(data.rpartition(b"\r\n\r\n")[2]) == {"data": 1}
