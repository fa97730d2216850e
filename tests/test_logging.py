import logging
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import attrs
import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import LogCapture, capture_logs

import heygen_pipeline
from heygen_pipeline._library_logging import LibraryLogger
from heygen_pipeline._models import Request, RequestOptions, Timeout
from heygen_pipeline._redact import REDACTED, Secret, register_secret
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport
from heygen_pipeline.errors import ConnectError, ServerError
from heygen_pipeline.middleware._auth import ApiKeyAuth, InsecureTransportError
from heygen_pipeline.middleware._backoff import retry_fields
from heygen_pipeline.middleware._context import ATTEMPT, Attempt, RetryReport
from heygen_pipeline.middleware._logging import (
    DEFAULT_LOGGED_HEADERS,
    LoggingMiddleware,
    RedactSecrets,
)
from heygen_pipeline.testing._mock import BytesStream, MockTransport, make_response
from heygen_pipeline.testing._strategies_logging import api_keys, scenarios

KEY = "hgtest_logging_key_9876543210"
register_secret(KEY)
PACKAGE = Path(heygen_pipeline.__file__).parent
URL = "https://api.heygen.com/v2/avatars"


def ticking(*values):
    """A clock returning ``values`` in turn."""
    it = iter(values)
    return lambda: next(it)


def run(middleware, answer, request):
    """One call through ``middleware`` over a MockTransport; returns (response, error)."""
    handler = Stack([("logging", middleware)]).build(MockTransport(answer))
    try:
        return handler(request), None
    except Exception as exc:
        return None, exc


def with_attempt(request, number=2, max_attempts=3):
    """``request`` carrying the Attempt value a backoff outside would attach."""
    return request.with_options(extensions={ATTEMPT: Attempt(number, max_attempts)})


def one_event(middleware, answer, request):
    """Run one call under capture_logs and return (event, response, error)."""
    with capture_logs() as events:
        response, error = run(middleware, answer, request)
    assert len(events) == 1
    return events[0], response, error


class TestLevels:
    """INFO for success, WARNING for a retried attempt, ERROR for the final failure."""

    def test_success_is_info(self):
        """A 200 without backoff logs INFO with method, url, status, elapsed, attempt 1."""
        mw = LoggingMiddleware(clock=ticking(10.0, 10.25))
        event, response, _ = one_event(
            mw,
            lambda r: make_response(r, 200, headers={"X-Request-Id": "req-1"}),
            Request("GET", URL),
        )
        assert response.status == 200
        assert event["log_level"] == "info"
        assert event["event"] == "http_request"
        assert (event["method"], event["url"], event["status"]) == ("GET", URL, 200)
        assert event["elapsed_ms"] == 250.0
        assert event["attempt"] == 1
        assert event["request_id"] == "req-1"
        assert "retry" not in event
        assert "max_attempts" not in event

    @pytest.mark.parametrize("status", [400, 404, 429, 500])
    def test_failed_status_without_backoff_is_error(self, status):
        """A status >= 400 without an Attempt logs ERROR."""
        event, _, _ = one_event(
            LoggingMiddleware(), lambda r: make_response(r, status), Request("GET", URL)
        )
        assert event["log_level"] == "error"
        assert event["status"] == status

    def test_exception_is_logged_and_reraised_unchanged(self):
        """An exception is logged at ERROR with its type and message, then re-raised as is."""
        raised = ConnectError("connection refused")

        def fail(_request):
            raise raised

        event, _, error = one_event(LoggingMiddleware(), fail, Request("GET", URL))
        assert error is raised
        assert event["log_level"] == "error"
        assert event["error"] == "ConnectError"
        assert event["error_message"] == "connection refused"
        assert event["status"] is None
        assert "exc_info" not in event
        assert "exception" not in event

    def test_non_library_exception_is_reraised(self):
        """Any Exception (not only HeyGenError) passes through untouched."""
        raised = KeyError("x")

        def fail(_request):
            raise raised

        event, _, error = one_event(LoggingMiddleware(), fail, Request("GET", URL))
        assert error is raised
        assert event["error"] == "KeyError"

    def test_failed_attempt_with_attempts_left_is_warning(self):
        """A 429 on attempt 2 of 3 logs WARNING with the attempt, and no retry decision."""
        request = with_attempt(Request("GET", URL))
        event, _, _ = one_event(LoggingMiddleware(), lambda r: make_response(r, 429), request)
        assert event["log_level"] == "warning"
        assert (event["attempt"], event["max_attempts"]) == (2, 3)
        assert "retry" not in event
        assert "retry_in" not in event

    def test_failed_exception_with_attempts_left_is_warning(self):
        """A transport error before the last attempt logs WARNING, not ERROR."""

        def fail(_request):
            raise ConnectError("refused")

        event, _, error = one_event(LoggingMiddleware(), fail, with_attempt(Request("GET", URL)))
        assert isinstance(error, ConnectError)
        assert event["log_level"] == "warning"
        assert event["error"] == "ConnectError"

    def test_failure_on_the_last_attempt_is_error(self):
        """A failed last attempt logs ERROR."""
        request = with_attempt(Request("GET", URL), number=3)
        event, _, _ = one_event(LoggingMiddleware(), lambda r: make_response(r, 503), request)
        assert event["log_level"] == "error"
        assert (event["attempt"], event["max_attempts"]) == (3, 3)

    def test_success_with_backoff_is_info(self):
        """A 2xx inside a backoff logs INFO with the attempt number."""
        request = with_attempt(Request("GET", URL), number=1)
        event, _, _ = one_event(LoggingMiddleware(), lambda r: make_response(r, 201), request)
        assert event["log_level"] == "info"
        assert (event["attempt"], event["max_attempts"]) == (1, 3)
        assert "retry" not in event

    @given(
        status=st.integers(100, 599),
        attempt=st.none() | st.tuples(st.integers(1, 5), st.integers(1, 5)),
    )
    def test_level_rule(self, status, attempt):
        """INFO below 400; else WARNING iff attempts are left, else ERROR."""
        request = Request("GET", URL)
        if attempt is not None:
            request = with_attempt(request, *attempt)
        event, _, _ = one_event(LoggingMiddleware(), lambda r: make_response(r, status), request)
        if status < 400:
            assert event["log_level"] == "info"
        elif attempt is not None and attempt[0] < attempt[1]:
            assert event["log_level"] == "warning"
        else:
            assert event["log_level"] == "error"


class TestFields:
    """What an event carries: redacted URL, allowlisted headers, bodies only on request."""

    def test_sensitive_query_values_redacted(self):
        """Sensitive query values in the URL show as REDACTED."""
        request = Request("GET", f"{URL}?token=abcd1234&limit=5&api_key=zzzz9999")
        event, _, _ = one_event(LoggingMiddleware(), make_response, request)
        assert "abcd1234" not in event["url"]
        assert "zzzz9999" not in event["url"]
        assert "limit=5" in event["url"]

    def test_headers_pass_through_the_allowlist(self):
        """Allowlisted header values show; others and credentials show as REDACTED."""
        request = Request(
            "POST",
            URL,
            headers={"Content-Type": "application/json", "X-Api-Key": KEY, "X-Custom": "c"},
        )

        def answer(r):
            location = "https://cdn.example/v.mp4?Signature=s3cr3t-sig"
            return make_response(r, 302, headers={"Location": location, "Set-Cookie": "a=b"})

        event, _, _ = one_event(LoggingMiddleware(), answer, request)
        assert event["request_headers"] == {
            "Content-Type": "application/json",
            "X-Api-Key": REDACTED,
            "X-Custom": REDACTED,
        }
        assert event["response_headers"]["Set-Cookie"] == REDACTED
        assert "s3cr3t-sig" not in event["response_headers"]["Location"]
        assert event["response_headers"]["Location"].startswith("https://cdn.example/v.mp4")

    def test_custom_allowlist(self):
        """header_allowlist replaces the default list (matching any case)."""
        request = Request("GET", URL, headers={"X-Custom": "c", "Content-Type": "text/plain"})
        mw = LoggingMiddleware(header_allowlist=["x-CUSTOM"])
        event, _, _ = one_event(mw, make_response, request)
        assert event["request_headers"] == {"X-Custom": "c", "Content-Type": REDACTED}

    def test_allowlisted_value_is_scrubbed(self):
        """A registered secret inside an allowlisted header is still scrubbed."""
        request = Request("GET", URL, headers={"User-Agent": f"app/{KEY}"})
        event, _, _ = one_event(LoggingMiddleware(), make_response, request)
        assert event["request_headers"]["User-Agent"] == f"app/{REDACTED}"

    def test_no_headers_when_disabled(self):
        """log_headers=False leaves headers out of the event."""
        event, _, _ = one_event(
            LoggingMiddleware(log_headers=False), make_response, Request("GET", URL)
        )
        assert "request_headers" not in event
        assert "response_headers" not in event

    def test_bodies_not_logged_by_default(self):
        """Without log_bodies, neither body is in the event."""
        request = Request("POST", URL, body=b"hello")
        event, _, _ = one_event(
            LoggingMiddleware(), lambda r: make_response(r, content=b"world"), request
        )
        assert "request_body" not in event
        assert "response_body" not in event

    def test_bodies_logged_on_request_truncated_and_scrubbed(self):
        """log_bodies=True logs bodies cut to body_limit, with secrets scrubbed."""
        request = Request("POST", URL, body=f"key={KEY}".encode())
        mw = LoggingMiddleware(log_bodies=True, body_limit=20)
        event, _, _ = one_event(mw, lambda r: make_response(r, content=b"x" * 50), request)
        assert event["request_body"] == f"key={REDACTED}"
        assert event["response_body"] == "x" * 20 + "... (50 bytes)"

    @pytest.mark.parametrize("cut", range(1, len(KEY)))
    def test_truncation_never_leaves_part_of_a_secret(self, cut):
        """A secret straddling the body limit is removed whole, not cut into a visible prefix."""
        body = ("a" * (20 - cut) + KEY + "tail").encode()
        request = Request("POST", URL, body=body)
        event, _, _ = one_event(
            LoggingMiddleware(log_bodies=True, body_limit=20), make_response, request
        )
        assert KEY[:cut] not in event["request_body"]

    def test_streamed_bodies_are_never_read(self):
        """A streamed response and an iterable request body stay unread."""
        consumed = []

        def chunks():
            consumed.append(True)
            yield b"data"

        request = Request("POST", URL, body=chunks(), options=RequestOptions(stream=True))
        event, response, _ = one_event(
            LoggingMiddleware(log_bodies=True),
            lambda r: make_response(r, content=b"stream me"),
            request,
        )
        assert consumed == []
        assert isinstance(response.stream, BytesStream)
        assert not response.stream.closed
        assert response.read() == b"stream me"
        assert event["request_body"] == "<stream>"
        assert event["response_body"] == "<stream>"

    def test_request_id_from_error(self):
        """An exception carrying a request id (API errors) logs it."""

        def fail(_request):
            raise ServerError("boom", status=502, request_id="rid-7")

        event, _, _ = one_event(LoggingMiddleware(), fail, Request("GET", URL))
        assert (event["status"], event["request_id"]) == (502, "rid-7")

    def test_event_name_is_configurable(self):
        """event= sets the event name."""
        event, _, _ = one_event(
            LoggingMiddleware(event="heygen.call"), make_response, Request("GET", URL)
        )
        assert event["event"] == "heygen.call"


class TestLogger:
    """Which logger receives events, and that nothing global is configured."""

    def test_default_logger_name(self):
        """The default logger is the library's own, named 'heygen_pipeline'."""
        logger = LoggingMiddleware().logger
        assert isinstance(logger, LibraryLogger)
        assert logger.name == "heygen_pipeline"

    def test_caller_logger_receives_events(self):
        """A caller's own bound logger (no global configuration) gets the events."""
        cap = LogCapture()
        logger = structlog.wrap_logger(None, processors=[cap], context_class=dict).bind(svc="x")
        run(LoggingMiddleware(logger), make_response, Request("GET", URL))
        assert len(cap.entries) == 1
        assert cap.entries[0]["svc"] == "x"
        assert cap.entries[0]["status"] == 200

    def test_filtered_levels_build_nothing(self, monkeypatch):
        """Below the logger's level, no fields are built and nothing is emitted."""
        cap = LogCapture()
        logger = structlog.wrap_logger(
            None,
            processors=[cap],
            wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        )
        mw = LoggingMiddleware(logger)
        built = []
        real = LoggingMiddleware._fields
        monkeypatch.setattr(LoggingMiddleware, "_fields", lambda *a: built.append(1) or real(*a))
        run(mw, lambda r: make_response(r, 200), Request("GET", URL))
        assert (built, cap.entries) == ([], [])
        run(mw, lambda r: make_response(r, 500), Request("GET", URL))
        assert built == [1]
        assert [e["log_level"] for e in cap.entries] == ["error"]

    def test_never_configures_logging(self, monkeypatch):
        """Building and using the middleware touches neither structlog's nor logging's config."""

        def forbidden(*_a, **_k):
            raise AssertionError("global logging configuration touched")

        before = structlog.get_config()
        root_handlers = list(logging.getLogger().handlers)
        monkeypatch.setattr(structlog, "configure", forbidden)
        monkeypatch.setattr(structlog, "configure_once", forbidden)
        monkeypatch.setattr(logging, "basicConfig", forbidden)
        run(LoggingMiddleware(), make_response, Request("GET", URL))
        assert structlog.get_config() == before
        assert logging.getLogger().handlers == root_handlers

    def test_logger_without_bind_is_refused(self):
        """A stdlib logging.Logger is not a structlog logger: a clear TypeError."""
        with pytest.raises(TypeError, match="wrap_logger"):
            LoggingMiddleware(logging.getLogger("x"))

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"header_allowlist": ["X-Api-Key"]}, ValueError),
            ({"header_allowlist": ["authorization", "accept"]}, ValueError),
            ({"header_allowlist": "content-type"}, TypeError),
            ({"body_limit": -1}, ValueError),
            ({"body_limit": True}, ValueError),
        ],
    )
    def test_invalid_options(self, kwargs, error):
        """Credential headers cannot be allowlisted; body_limit must be an int >= 0."""
        with pytest.raises(error):
            LoggingMiddleware(**kwargs)

    def test_default_allowlist_has_no_credentials(self):
        """The default header allowlist holds no credential header."""
        assert not {"x-api-key", "authorization", "cookie", "set-cookie"} & DEFAULT_LOGGED_HEADERS

    def test_repr_shows_settings(self):
        """The repr shows the settings."""
        assert "log_bodies=False" in repr(LoggingMiddleware())


class Opaque:
    """An object whose repr shows whatever it holds."""

    def __init__(self, held):
        """Hold ``held``."""
        self.held = held

    def __repr__(self):
        """Show what is held."""
        return f"Opaque({self.held})"


class TestRedactSecrets:
    """The structlog processor removes secrets from anything in an event."""

    def test_nested_values_and_keys(self):
        """Strings in nested dicts, lists and tuples, and dict keys, are scrubbed."""
        secret = "hgtest_proc_secret_1"
        proc = RedactSecrets(secret, registered=False)
        event = {
            "event": f"saw {secret}",
            "nested": {"a": [1, (f"x{secret}", None)], secret: 2.5},
            "n": 3,
            "flag": True,
        }
        out = proc(None, "info", event)
        assert out == {
            "event": f"saw {REDACTED}",
            "nested": {"a": [1, (f"x{REDACTED}", None)], REDACTED: 2.5},
            "n": 3,
            "flag": True,
        }

    def test_bytes_and_objects(self):
        """Bytes are scrubbed; an object whose repr shows a secret becomes its scrubbed repr."""
        secret = "hgtest_proc_secret_2"
        proc = RedactSecrets(Secret(secret), registered=False)
        kept = Opaque("nothing")
        out = proc(None, "info", {"b": f"<{secret}>".encode(), "o": Opaque(secret), "k": kept})
        assert out["b"] == f"<{REDACTED}>".encode()
        assert out["o"] == f"Opaque({REDACTED})"
        assert out["k"] is kept

    def test_registered_secrets(self):
        """registered=True also removes secrets the library registered, even later ones."""
        proc = RedactSecrets()
        late = Secret("hgtest_registered_later_3")  # registered while it lives
        assert proc(None, "info", {"m": f"{KEY} {late.reveal()}"})["m"] == f"{REDACTED} {REDACTED}"
        assert RedactSecrets(registered=False)(None, "info", {"m": KEY})["m"] == KEY

    def test_exception_text_scrubbed_exc_info_kept(self):
        """A formatted 'exception' is scrubbed; exc_info is left for format_exc_info."""
        exc = ValueError(KEY)
        out = RedactSecrets()(
            None, "error", {"exception": f"Traceback...\nValueError: {KEY}", "exc_info": exc}
        )
        assert KEY not in out["exception"]
        assert out["exc_info"] is exc

    def test_in_a_processor_chain(self):
        """After format_exc_info, a traceback rendered from an exception with the key is clean."""
        cap = LogCapture()
        logger = structlog.wrap_logger(
            None, processors=[structlog.processors.format_exc_info, RedactSecrets(), cap]
        )
        try:
            raise ValueError(f"bad key {KEY}")  # noqa: TRY301 - raised to be logged
        except ValueError:
            logger.exception("failed", key=KEY, payload={"k": [KEY]})
        (entry,) = cap.entries
        assert "ValueError" in entry["exception"]
        assert KEY not in repr(entry)

    def test_cycles_are_bounded(self):
        """A self-referencing structure does not recurse for ever."""
        loop = ["hgtest_cycle_secret_4"]
        loop.append(loop)
        out = RedactSecrets("hgtest_cycle_secret_4")(None, "info", {"loop": loop})
        assert "hgtest_cycle_secret_4" not in repr(out)

    @pytest.mark.parametrize(
        ("args", "error"), [(("abc",), ValueError), (("",), ValueError), ((3,), TypeError)]
    )
    def test_invalid_secrets(self, args, error):
        """Secrets must be str or Secret, at least 4 characters."""
        with pytest.raises(error):
            RedactSecrets(*args)

    def test_repr_hides_secrets(self):
        """The processor's repr never shows its secrets."""
        assert "hgtest_repr_secret_5" not in repr(RedactSecrets("hgtest_repr_secret_5"))

    @given(
        value=st.recursive(
            st.one_of(
                st.text(max_size=8), st.integers(), st.none(), st.just("hgtest_prop_secret_6")
            ),
            lambda inner: st.one_of(
                st.lists(inner, max_size=3),
                st.tuples(inner, inner),
                st.dictionaries(st.text(max_size=4), inner, max_size=3),
                st.builds(
                    lambda a, b: f"{a}hgtest_prop_secret_6{b}",
                    st.text(max_size=4),
                    st.text(max_size=4),
                ),
            ),
            max_leaves=10,
        )
    )
    def test_secret_never_survives(self, value):
        """For any nested event value, the secret is gone from the processed event's repr."""
        out = RedactSecrets("hgtest_prop_secret_6", registered=False)(None, "info", {"v": value})
        assert "hgtest_prop_secret_6" not in repr(out)


def library_frames_locals(exc):
    """The rendered locals of the traceback frames that belong to the library (not testing)."""
    rendered = traceback.TracebackException.from_exception(exc, capture_locals=True)
    for frame in rendered.stack:
        path = Path(frame.filename)
        if PACKAGE in path.parents and PACKAGE / "testing" not in path.parents:
            yield from (frame.locals or {}).values()


def assert_no_leak(key, events, caplog, response, error):
    """The key shows in no event, stdlib record, response or exception rendering."""
    for event in events:
        assert key not in repr(event)
    assert key not in caplog.text
    for record in caplog.records:
        assert key not in record.getMessage()
    if response is not None:
        assert key not in str(response)
        assert key not in repr(response)
    if error is not None:
        assert key not in str(error)
        assert key not in repr(error)
        assert key not in "".join(traceback.format_exception(error))
        for shown in library_frames_locals(error):
            assert key not in shown


def build(scenario, key, hosts, transport):
    """Auth and logging in the scenario's order, over ``transport``."""
    auth = ApiKeyAuth(key, hosts=hosts)
    logging_mw = LoggingMiddleware(log_bodies=scenario.log_bodies)
    order = [("auth", auth), ("logging", logging_mw)]
    if not scenario.auth_outside:
        order.reverse()
    return Stack(order).build(transport)


def call(handler, request):
    """Call and return (response, error); reads a streamed body so it is released."""
    try:
        response = handler(request)
    except Exception as exc:
        return None, exc
    response.read()
    return response, None


@st.composite
def keyed_scenarios(draw):
    """A key and a scenario built around it."""
    key = draw(api_keys())
    return key, draw(scenarios(key))


RELAXED = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


class TestRedactionProperty:
    """Whatever the request, response or fault, the key never leaks anywhere."""

    @RELAXED
    @given(case=keyed_scenarios())
    def test_in_process(self, case, caplog):
        """Through MockTransport, in either order, at DEBUG everywhere: no leak."""
        key, scenario = case
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        handler = build(
            scenario,
            key,
            ["api.heygen.com", "upload.heygen.com", "127.0.0.1"],
            MockTransport(scenario.answer),
        )
        with capture_logs() as events:
            response, error = call(handler, scenario.request)
        refused_outside = scenario.auth_outside and isinstance(error, InsecureTransportError)
        assert len(events) == (0 if refused_outside else 1)
        assert_no_leak(key, events, caplog, response, error)
        attempt = scenario.request.options.extension(ATTEMPT)
        if attempt is not None and not refused_outside:
            report = RetryReport(scenario.request, response or error, attempt, scenario.decision)
            assert_no_leak(key, [retry_fields(report)], caplog, None, None)

    def test_traceback_locals_of_library_frames(self):
        """Through logging then auth, a fault's traceback shows both frames, neither the key."""
        key = "hgtest_locals_key_555555"

        def fail(_request):
            raise ConnectError(f"refused while sending {key}")

        auth = ApiKeyAuth(key)
        handler = Stack([("logging", LoggingMiddleware()), ("auth", auth)]).build(
            MockTransport(fail)
        )
        with capture_logs():
            _, error = call(handler, Request("GET", URL, headers={"User-Agent": key}))
        names = [f.name for f in traceback.TracebackException.from_exception(error).stack]
        assert "__call__" in names
        shown = list(library_frames_locals(error))
        assert any("REDACTED" in value for value in shown)
        assert all(key not in value for value in shown)
        assert key not in "".join(traceback.format_exception(error))


class _Scripted(BaseHTTPRequestHandler):
    """Answers with the server's current script: a Reply, or None to drop the connection."""

    protocol_version = "HTTP/1.1"

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            for _ in range(1000):  # bounded: test bodies have a few chunks
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                self.rfile.read(size + 2)
                if size == 0:
                    return
        else:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self):
        self._read_body()
        reply = self.server.script
        self.close_connection = True
        if reply is None:
            self.wfile.flush()
            self.connection.close()
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)

    def do_GET(self):
        """Answer a GET."""
        self._answer()

    def do_POST(self):
        """Answer a POST."""
        self._answer()

    def do_DELETE(self):
        """Answer a DELETE."""
        self._answer()

    def log_message(self, *_args):
        pass


@contextmanager
def scripted_server() -> Iterator[ThreadingHTTPServer]:
    """A local server on an ephemeral port that answers with its ``script`` attribute."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    server.script = None
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def server():
    """One scripted local server for the module."""
    with scripted_server() as srv:
        yield srv


@pytest.fixture(scope="module")
def transport():
    """One urllib3 transport for the module (short timeouts)."""
    with Urllib3Transport(timeout=Timeout(connect=5, read=5)) as t:
        yield t


class TestRedactionOverSockets:
    """The same property over real sockets, with urllib3's own DEBUG logging captured."""

    @settings(
        suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=25
    )
    @given(case=keyed_scenarios())
    def test_real_sockets(self, case, caplog, server, transport):
        """A local server echoing the key in headers and bodies (or dropping): no leak."""
        key, scenario = case
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        caplog.set_level(logging.DEBUG, logger="urllib3")
        host, port = server.server_address[:2]
        request = scenario.request
        path = request.url.split("/", 3)[3]
        request = attrs.evolve(request, url=f"http://{host}:{port}/{path}")
        server.script = scenario.reply if scenario.fault is None else None
        handler = build(scenario, key, [f"{host}:{port}"], transport)
        with capture_logs() as events:
            response, error = call(handler, request)
        assert len(events) == 1
        assert any(r.name.startswith("urllib3") for r in caplog.records)
        if scenario.fault is None:
            assert response is not None or error is not None
        assert_no_leak(key, events, caplog, response, error)
