"""Fixtures for tests against a real redis-server, and helpers to run worker processes.

Imported by the ``test_shared_*`` modules. Without ``redis-server`` (or the ``redis`` package)
those tests are skipped, with the reason; with ``HEYGEN_REQUIRE_REDIS=1`` (CI) they fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from heygen_pipeline.testing._redis_server import RedisServer, find_redis_server

WORKER = Path(__file__).with_name("_shared_worker.py")
ROOT = Path(__file__).resolve().parent.parent


def _unavailable(reason: str) -> None:
    """Skip (or fail, when CI requires Redis) with ``reason``."""
    if os.environ.get("HEYGEN_REQUIRE_REDIS") == "1":
        pytest.fail(f"{reason}, and HEYGEN_REQUIRE_REDIS=1 requires it")
    pytest.skip(reason)


def _require_redis() -> None:
    if find_redis_server() is None:
        _unavailable("redis-server is not installed (apt-get install redis-server)")
    try:
        import redis  # noqa: F401, PLC0415 - only checking that it can be imported
    except ImportError:
        _unavailable("the redis package is not installed (pip install heygen-pipeline[redis])")


@pytest.fixture(scope="module")
def redis_server():
    """A redis-server shared by the tests of one module (each test uses its own namespace)."""
    _require_redis()
    with RedisServer() as server:
        yield server


@pytest.fixture
def own_redis_server():
    """A redis-server for one test alone, which it may stop, restart, pause and resume."""
    _require_redis()
    with RedisServer() as server:
        yield server


@pytest.fixture
def namespace():
    """A key prefix no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def redis_client(redis_server):
    """A client of the module's server, built by ``heygen_pipeline.shared.connect``."""
    from heygen_pipeline.shared import connect  # noqa: PLC0415 - needs the redis package

    client = connect(redis_server.url)
    yield client
    client.close()


class Worker:
    """A worker process (``tests/_shared_worker.py``) spoken to by JSON lines.

    It gets its config as one JSON argument, prints one JSON object per line on stdout, and
    reads commands from stdin. Everything here is bounded in time; `close` kills it for sure.
    """

    def __init__(self, scenario: str, **config: object) -> None:
        """Start ``scenario`` with ``config``."""
        self.process = subprocess.Popen(  # noqa: S603 - our own worker script
            [sys.executable, str(WORKER), scenario, json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        with contextlib.suppress(ValueError, OSError):  # closed under us by close()
            for line in self.process.stdout:
                self._lines.put(line)
        self._lines.put(None)

    def _drain(self) -> None:
        assert self.process.stderr is not None
        with contextlib.suppress(ValueError, OSError):
            self._stderr.extend(self.process.stderr)

    def read(self, timeout: float = 15.0) -> dict:
        """The next JSON line the worker prints (fails the test after ``timeout`` seconds)."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.close()
            pytest.fail(f"worker printed nothing for {timeout} s; stderr:\n{self.stderr}")
        if line is None:
            self.process.wait(timeout=5)
            pytest.fail(f"worker exited ({self.process.returncode}); stderr:\n{self.stderr}")
        return json.loads(line)

    def send(self, command: str, **args: object) -> None:
        """Send one command line."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"command": command, **args}) + "\n")
        self.process.stdin.flush()

    def ask(self, command: str, timeout: float = 15.0, **args: object) -> dict:
        """Send a command and return the worker's answer."""
        self.send(command, **args)
        return self.read(timeout)

    @property
    def stderr(self) -> str:
        """What the worker wrote on stderr so far."""
        return "".join(self._stderr)

    def kill(self) -> None:
        """SIGKILL the worker (no cleanup runs in it) and reap it."""
        self.process.kill()
        self.process.wait(timeout=5)

    def finish(self, timeout: float = 15.0) -> dict:
        """Wait for the worker's last line and its exit (code 0 expected)."""
        result = self.read(timeout)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.close()
            pytest.fail("worker did not exit")
        assert self.process.returncode == 0, self.stderr
        return result

    def close(self) -> None:
        """Make sure the process is gone."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        finally:
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()


@pytest.fixture
def workers():
    """Start workers with ``workers(scenario, **config)``; all are killed after the test."""
    started: list[Worker] = []

    def start(scenario: str, **config: object) -> Worker:
        worker = Worker(scenario, **config)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()


def _wait_for(condition, timeout: float = 10.0, interval: float = 0.01) -> None:
    """Poll ``condition()`` until it is true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        threading.Event().wait(interval)


@pytest.fixture
def wait_for():
    """``wait_for(condition, timeout=10)``: poll until true (real time passes in Redis)."""
    return _wait_for


class LatencyProxy:
    """A TCP proxy on 127.0.0.1 in front of Redis that delays every reply by ``delay`` s.

    One thread, one selector: bytes to Redis go through at once, bytes from Redis are held
    until ``delay`` seconds after they arrived. `close` stops the thread for sure.
    """

    def __init__(self, upstream_port: int, delay: float) -> None:
        """Listen on an OS-assigned port, ready when this returns."""
        import heapq  # noqa: PLC0415 - only the proxy needs these
        import selectors  # noqa: PLC0415
        import socket  # noqa: PLC0415

        self._heapq, self._socket = heapq, socket
        self.delay = delay
        self._upstream = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.0)
        self.port = self._listener.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, ("accept", None))
        self._due: list = []  # (when, order, client socket, data)
        self._order = 0
        self._stop = threading.Event()
        self._sockets: list = []
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                _, _, client, data = self._heapq.heappop(self._due)
                with contextlib.suppress(OSError):
                    client.settimeout(None)
                    client.sendall(data)
                    client.settimeout(0.0)
            wait = 0.05 if not self._due else max(0.0, min(0.05, self._due[0][0] - now))
            for key, _ in self._selector.select(wait):
                kind, peer = key.data
                if kind == "accept":
                    self._accept()
                    continue
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self._drop(key.fileobj, peer)
                elif kind == "from_client":
                    with contextlib.suppress(OSError):
                        peer.sendall(data)
                else:
                    self._order += 1
                    due = time.monotonic() + self.delay
                    self._heapq.heappush(self._due, (due, self._order, peer, data))

    def _accept(self) -> None:
        import selectors  # noqa: PLC0415

        client, _ = self._listener.accept()
        upstream = self._socket.create_connection(("127.0.0.1", self._upstream), timeout=5)
        for sock in (client, upstream):
            sock.setsockopt(self._socket.IPPROTO_TCP, self._socket.TCP_NODELAY, 1)
            sock.settimeout(0.0)
            self._sockets.append(sock)
        self._selector.register(client, selectors.EVENT_READ, ("from_client", upstream))
        self._selector.register(upstream, selectors.EVENT_READ, ("from_server", client))

    def _drop(self, sock, peer) -> None:
        for s in (sock, peer):
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(s)
            with contextlib.suppress(OSError):
                s.close()

    def close(self) -> None:
        """Stop the thread and close every socket."""
        self._stop.set()
        self._thread.join(5)
        for sock in [*self._sockets, self._listener]:
            with contextlib.suppress(OSError):
                sock.close()
        self._selector.close()


@pytest.fixture
def latency_proxy(redis_server):
    """``latency_proxy(delay)``: a LatencyProxy in front of the module's server."""
    made: list[LatencyProxy] = []

    def make(delay: float) -> LatencyProxy:
        proxy = LatencyProxy(redis_server.port, delay)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()
