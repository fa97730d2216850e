"""examples/webhook_receiver.py is bounded in total time per request and in connections.

Real client sockets on 127.0.0.1 trickle a request's head or body a byte at a time, faster
than any per-read timeout: the receiver answers 408 at its whole-request deadline (plus a
margin generous enough for a loaded machine), and a connection over ``max_connections`` is
answered 503 at once, without waiting for the others. Every wait in these tests is bounded.
"""

import importlib.util
import select
import socket
import sys
import time
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "webhook_receiver.py"
SECRET = "whsec_bounds_test_4b7e2c9d1a"
MARGIN = 2.0
"""Seconds past a bound an answer may take on a loaded machine."""
GIVE_UP = 15.0
"""The most any client here waits for an answer (far past every bound)."""


@pytest.fixture(scope="module")
def example():
    """The example receiver module (a script, loaded from its file)."""
    spec = importlib.util.spec_from_file_location("webhook_receiver_bounds", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["webhook_receiver_bounds"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def serve(example):
    """A factory: a running receiver made with ``make_receiver(SECRET, **options)``."""
    stack = []

    def start(**options):
        server = example.make_receiver(SECRET, **options)
        context = example.running(server)
        stack.append(context)
        return context.__enter__()

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def connect(server):
    """A client socket to ``server``."""
    host, port = server.server_address[:2]
    return socket.create_connection((host, port), timeout=GIVE_UP)


def trickle(sock, data, *, every=0.05):
    """Send ``data`` a byte per ``every`` seconds until the server answers; the answer.

    Stops as soon as the socket is readable (the server answered or closed), after the last
    byte, or after GIVE_UP seconds. Returns (the bytes read until the server closed, seconds
    since the start).
    """
    started = time.monotonic()
    for byte in data:
        if time.monotonic() - started > GIVE_UP:
            break
        try:
            sock.send(bytes([byte]))
        except OSError:
            break
        readable, _, _ = select.select([sock], [], [], every)
        if readable:
            break
    return read_answer(sock, started)


def read_answer(sock, started):
    """Everything the server sends until it closes (bounded by GIVE_UP); and when it came."""
    chunks = []
    sock.settimeout(GIVE_UP)
    first = None
    try:
        while chunk := sock.recv(65536):
            first = first or time.monotonic() - started
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks), (first if first is not None else time.monotonic() - started)


def status_of(answer):
    """The status code of a raw HTTP answer (0 if there was none)."""
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


HEAD = b"POST /webhook HTTP/1.0\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"


class TestWholeRequestDeadline:
    """A request must arrive whole by ``request_timeout``, however it trickles."""

    def test_a_trickled_body_is_answered_408_at_the_deadline(self, serve):
        """A byte of body every 50 ms (each read well within 5 s): 408 at about 1 s."""
        server = serve(request_timeout=1.0, read_timeout=5.0)
        with connect(server) as sock:
            sock.sendall(HEAD)
            answer, took = trickle(sock, b"x" * 1000)
        assert status_of(answer) == 408
        assert b"request timed out" in answer
        assert 1.0 - 0.1 <= took <= 1.0 + MARGIN

    def test_a_trickled_head_is_answered_408_at_the_deadline(self, serve):
        """Header bytes one at a time, the head never ending: 408 at about 1 s."""
        server = serve(request_timeout=1.0, read_timeout=5.0)
        with connect(server) as sock:
            answer, took = trickle(sock, b"POST /webhook HTTP/1.0\r\nX-Pad: " + b"a" * 1000)
        assert status_of(answer) == 408
        assert 1.0 - 0.1 <= took <= 1.0 + MARGIN

    def test_a_stalled_request_is_answered_408_by_the_read_timeout(self, serve):
        """Half a head, then nothing: 408 after the read timeout, before the deadline."""
        server = serve(request_timeout=10.0, read_timeout=0.5)
        with connect(server) as sock:
            started = time.monotonic()
            sock.sendall(b"POST /webhook HTTP/1.0\r\nHost")
            answer, took = read_answer(sock, started)
        assert status_of(answer) == 408
        assert took <= 0.5 + MARGIN

    def test_a_prompt_request_is_served(self, serve):
        """A request that arrives in time is answered as usual (here 401: no signature)."""
        server = serve(request_timeout=1.0)
        with connect(server) as sock:
            started = time.monotonic()
            sock.sendall(b"POST /webhook HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}")
            answer, _took = read_answer(sock, started)
        assert status_of(answer) == 401

    @pytest.mark.parametrize("length", [b"\xb2", "\u0661\u0662".encode(), b"1" * 5000])
    def test_an_odd_content_length_is_400(self, serve, length):
        """A length in other digits (``int`` fails on '²') is a 400, not a crashed handler."""
        server = serve()
        with connect(server) as sock:
            started = time.monotonic()
            sock.sendall(b"POST /webhook HTTP/1.0\r\nContent-Length: " + length + b"\r\n\r\n")
            answer, _took = read_answer(sock, started)
        assert status_of(answer) in {400, 413}

    @pytest.mark.parametrize(
        "options",
        [
            {"request_timeout": 0},
            {"request_timeout": float("inf")},
            {"read_timeout": -1},
            {"max_connections": 0},
            {"max_connections": True},
        ],
    )
    def test_bounds_must_be_finite_and_positive(self, example, options):
        """An unbounded or empty setting is refused when the receiver is made."""
        with pytest.raises(ValueError, match="must be"):
            example.make_receiver(SECRET, **options)


class TestConnectionLimit:
    """At most ``max_connections`` are served at once; the next is answered 503 at once."""

    def test_a_connection_over_the_limit_is_answered_503_at_once(self, serve):
        """Two stalled clients hold both slots: a third gets 503 with Retry-After, now."""
        server = serve(max_connections=2, request_timeout=8.0, read_timeout=8.0)
        holders = [connect(server), connect(server)]
        try:
            for sock in holders:
                sock.sendall(b"POST /webhook HTTP/1.0\r\n")  # and then nothing
            with connect(server) as third:
                started = time.monotonic()
                answer, took = read_answer(third, started)
            assert status_of(answer) == 503
            assert b"Retry-After: 1" in answer
            assert took <= MARGIN  # not after the holders' 8 s
            assert server.refused == 1
        finally:
            for sock in holders:
                sock.close()

    def test_slots_come_back_when_connections_end(self, serve):
        """Once the holders are answered 408, a new request is served again."""
        server = serve(max_connections=1, request_timeout=0.5, read_timeout=5.0)
        with connect(server) as holder:
            holder.sendall(b"POST /webhook HTTP/1.0\r\n")
            answer, _ = read_answer(holder, time.monotonic())
        assert status_of(answer) == 408
        deadline = time.monotonic() + GIVE_UP
        statuses = []
        while time.monotonic() < deadline:  # bounded: the slot is freed right after the 408
            with connect(server) as sock:
                sock.sendall(b"OPTIONS /webhook HTTP/1.0\r\n\r\n")
                statuses.append(status_of(read_answer(sock, time.monotonic())[0]))
            if statuses[-1] != 503:
                break
        assert statuses[-1] == 200
        assert set(statuses) <= {200, 503}

    def test_every_held_connection_is_answered_by_its_deadline(self, serve):
        """A full house of tricklers: each gets 408 by the deadline, none waits for another."""
        server = serve(max_connections=4, request_timeout=1.0, read_timeout=5.0)
        socks = [connect(server) for _ in range(4)]
        try:
            started = time.monotonic()
            for sock in socks:
                sock.sendall(HEAD)
            answers = [read_answer(sock, started) for sock in socks]
        finally:
            for sock in socks:
                sock.close()
        assert [status_of(answer) for answer, _ in answers] == [408] * 4
        assert max(took for _, took in answers) <= 1.0 + MARGIN
        assert server.refused == 0
