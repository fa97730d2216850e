"""Soak of the transport's phases: many threads, one client, a TLS server that stalls any phase.

``threads`` workers share one HeyGenClient (default stack, real TLS with a trustme CA) and
call ``GET /v3/videos``, ``POST /v3/videos`` (which the client keys) and unkeyed
``POST /v2/video/generate``. A hostile TLS server (tests/_hostile_server.py) answers each
request with a fault drawn from a seeded generator about ``fault_rate`` of the time: a
stall before the status line, a status line just before the deadline, trickled headers,
chunk framing, trailers or gzip header, interim 103 answers, a hang-up after reading the
request, a short body, or plaintext bytes in the middle of the TLS session.

It reports what issue-level promises need: POSTs without a key that the server saw twice,
key leaks (error texts, log lines, error tracebacks rendered with locals), raw exceptions,
and the worst overrun of a call past its deadline.
"""

from __future__ import annotations

import gzip
import json
import random
import ssl
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
import trustme
from _hostile_server import Answer, HostileServer, RawRequest, http_answer

from heygen_pipeline import HeyGenClient, HeyGenError, Timeout, Urllib3Transport, default_stack
from heygen_pipeline.middleware import BackoffMiddleware, BackoffPolicy

KEY = "phase-soak-key-3e9b7c1a5f"

OK = b"HTTP/1.1 200 OK\r\n"


@dataclass(frozen=True)
class PhaseConfig:
    """What to run."""

    duration: float = 30.0
    threads: int = 16
    fault_rate: float = 0.3
    seed: int = 11
    total_timeout: float = 1.0
    read_timeout: float = 5.0
    """Long on purpose: only the deadline can end a stalled phase in time."""
    render_every: int = 10
    """Render one error in this many with its traceback's locals (it is slow)."""


@dataclass
class PhaseReport:
    """The figures of one phase soak."""

    config: PhaseConfig
    elapsed: float = 0.0
    calls: int = 0
    succeeded: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    raw: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    unkeyed_posts: int = 0
    unkeyed_duplicates: int = 0
    keyed_posts: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    requests_seen: int = 0
    worst_overrun: float = float("-inf")
    rendered: int = 0

    def failures(self) -> list[str]:
        """What did not hold."""
        out = []
        if self.raw:
            out.append(f"raw exceptions: {self.raw[:3]}")
        if self.leaks:
            out.append(f"key leaks: {self.leaks[:3]}")
        if self.unkeyed_duplicates:
            out.append(f"{self.unkeyed_duplicates} unkeyed POSTs reached the server twice")
        if self.worst_overrun > 0.25:
            out.append(f"a call ended {self.worst_overrun:.3f} s past its deadline")
        if self.calls != self.succeeded + sum(self.errors.values()) + len(self.raw):
            out.append("calls lost")
        return out

    def table(self) -> str:
        """A markdown table of the figures."""
        c = self.config
        rows = [
            ("duration", f"{self.elapsed:.1f} s, {c.threads} threads, seed {c.seed}"),
            ("calls made", f"{self.calls} ({self.calls / max(self.elapsed, 1e-9):.0f}/s)"),
            ("requests the server saw", str(self.requests_seen)),
            ("succeeded", str(self.succeeded)),
            ("typed errors", ", ".join(f"{k} {v}" for k, v in self.errors.most_common())),
            ("faults", ", ".join(f"{k} {v}" for k, v in self.faults.most_common())),
            ("unkeyed POSTs / seen twice", f"{self.unkeyed_posts} / {self.unkeyed_duplicates}"),
            ("keyed POSTs", str(self.keyed_posts)),
            ("raw exceptions", str(len(self.raw))),
            ("key leaks", f"{len(self.leaks)} ({self.rendered} errors rendered with locals)"),
            (
                "worst deadline overrun",
                f"{self.worst_overrun * 1000:+.0f} ms on {c.total_timeout:g} s deadlines",
            ),
        ]
        lines = ["| figure | value |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in rows]
        return "\n".join(lines)


def _trickle(head: bytes, pieces: list[bytes], pause: float) -> Answer:
    return Answer(head, chunks=lambda: iter(pieces), pause=pause, stall=True)


def _answers(deadline: float) -> list[tuple[str, Callable[[bytes], Answer], float]]:
    """(name, make an answer for a body, weight) for each fault."""
    chunked = OK + b"Transfer-Encoding: chunked\r\n\r\n"
    gz = gzip.compress(b'{"data": {}}')
    return [
        ("stall before status", lambda _b: Answer(b"", stall=True), 1),
        (
            "status just before deadline",
            lambda _b: _trickle(b"", [OK], deadline - 0.05),
            1,
        ),
        ("trickled headers", lambda _b: _trickle(OK, [b"X-A: 1\r\n"] * 400, 0.02), 1),
        ("trickled chunk size", lambda _b: _trickle(chunked, [b"1"] * 400, 0.02), 1),
        (
            "trickled trailers",
            lambda _b: _trickle(chunked + b"2\r\n{}\r\n0\r\n", [b"X"] * 400, 0.02),
            1,
        ),
        (
            "trickled gzip header",
            lambda _b: _trickle(
                OK + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(gz),
                [gz[i : i + 1] for i in range(len(gz))],
                0.1,
            ),
            1,
        ),
        (
            "103 then 200",
            lambda b: Answer(b"HTTP/1.1 103 Early Hints\r\n\r\n" + _ok(b).data, close=False),
            1,
        ),
        ("hang-up after request", lambda _b: Answer(b"", close=True), 1),
        (
            "short body",
            lambda _b: Answer(OK + b"Content-Length: 100\r\n\r\n" + b"{" * 50, close=True),
            1,
        ),
        ("plaintext in TLS", lambda _b: Answer(b"HTTP/1.1 200 OK\r\n\r\n", plaintext=True), 1),
    ]


def _ok(body: bytes) -> Answer:
    data = {"error": None, "data": {"video_id": "v1"}} if b'"v2"' in body else {"data": {}}
    return http_answer(200, json.dumps(data).encode())


class _Watch:
    """A structlog sink that renders each event and notes any that holds the key."""

    def __init__(self) -> None:
        self.leaks: list[str] = []

    def msg(self, message: str) -> None:
        if KEY in message:
            self.leaks.append(message[:200])

    debug = info = warning = error = critical = exception = msg


class _PhaseSoak:
    def __init__(self, config: PhaseConfig, server: HostileServer, ca_file: str) -> None:
        self.config = config
        self.server = server
        self.rng = random.Random(config.seed)  # noqa: S311 - a reproducible schedule
        self.lock = threading.Lock()
        self.faults: Counter[str] = Counter()
        self.nonces: Counter[str] = Counter()
        self.requests_seen = 0
        self.answers = _answers(config.total_timeout)
        self.watch = _Watch()
        logger = structlog.wrap_logger(
            self.watch,
            processors=[structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
            wrapper_class=structlog.make_filtering_bound_logger(0),
        )
        policy = BackoffPolicy(max_attempts=3, base=0.005, max_delay=0.05)
        # No breaker: with a third of the answers faulted it would stay open and most calls
        # would fail fast without reaching a phase at all.
        stack = (
            default_stack(logger=logger)
            .replace("backoff", BackoffMiddleware(policy))
            .remove("breaker")
        )
        timeout = Timeout(connect=2.0, read=config.read_timeout)
        self.transport = Urllib3Transport(timeout=timeout, ca_certs=ca_file, maxsize=config.threads)
        self.client = HeyGenClient(
            KEY, base_url=server.url, stack=stack, transport=self.transport, timeout=timeout
        )

    def script(self, request: RawRequest) -> Answer:
        with self.lock:
            self.requests_seen += 1
            if request.method == "POST" and "idempotency-key" not in request.headers:
                try:
                    self.nonces[json.loads(request.body)["nonce"]] += 1
                except (ValueError, KeyError, TypeError):
                    self.nonces["<unreadable>"] += 1
            if self.rng.random() >= self.config.fault_rate:
                return _ok(request.body)
            name, make, _ = self.rng.choices(self.answers, [w for *_, w in self.answers])[0]
            self.faults[name] += 1
        return make(request.body)

    def worker(self, index: int, report: PhaseReport, stop_at: float) -> None:
        rng = random.Random(self.config.seed * 1000 + index)  # noqa: S311 - reproducible
        local = PhaseReport(self.config)
        n = 0
        while time.monotonic() < stop_at:  # bounded by the duration
            n += 1
            kind = rng.choice(["get", "keyed", "unkeyed"])
            started = time.monotonic()
            local.calls += 1
            try:
                if kind == "get":
                    self.client.get("/v3/videos", total_timeout=self.config.total_timeout)
                elif kind == "keyed":
                    local.keyed_posts += 1
                    self.client.post(
                        "/v3/videos", json={"k": 1}, total_timeout=self.config.total_timeout
                    )
                else:
                    local.unkeyed_posts += 1
                    self.client.post(
                        "/v2/video/generate",
                        json={"v2": 1, "nonce": f"{index}-{n}"},
                        total_timeout=self.config.total_timeout,
                    )
                local.succeeded += 1
            except HeyGenError as exc:
                local.errors[type(exc).__name__] += 1
                texts = [str(exc), repr(exc)]
                if local.calls % self.config.render_every == 0:
                    local.rendered += 1
                    texts.append(
                        "".join(
                            traceback.TracebackException.from_exception(
                                exc, capture_locals=True
                            ).format()
                        )
                    )
                local.leaks += [t[:200] for t in texts if KEY in t]
            except Exception as exc:
                local.raw.append(f"{type(exc).__name__}: {exc}"[:200])
            overrun = time.monotonic() - started - self.config.total_timeout
            local.worst_overrun = max(local.worst_overrun, overrun)
        with self.lock:
            _merge(report, local)


def _merge(report: PhaseReport, local: PhaseReport) -> None:
    report.calls += local.calls
    report.succeeded += local.succeeded
    report.errors.update(local.errors)
    report.raw += local.raw
    report.leaks += local.leaks
    report.unkeyed_posts += local.unkeyed_posts
    report.keyed_posts += local.keyed_posts
    report.rendered += local.rendered
    report.worst_overrun = max(report.worst_overrun, local.worst_overrun)


def run_phase_soak(config: PhaseConfig | None = None) -> PhaseReport:
    """Run the phase soak; ``report.failures()`` says what did not hold."""
    config = config or PhaseConfig()
    report = PhaseReport(config)
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with tempfile.TemporaryDirectory() as folder:
        ca_file = str(Path(folder) / "ca.pem")
        ca.cert_pem.write_to_path(ca_file)
        with HostileServer(tls=context, connection_timeout=30) as server:
            soak = _PhaseSoak(config, server, ca_file)
            server.reset(soak.script)
            started = time.monotonic()
            stop_at = started + config.duration
            workers = [
                threading.Thread(target=soak.worker, args=(i, report, stop_at), daemon=True)
                for i in range(config.threads)
            ]
            for thread in workers:
                thread.start()
            for thread in workers:
                thread.join(config.duration + 60)
            report.elapsed = time.monotonic() - started
            soak.client.close()
            report.faults = soak.faults
            report.requests_seen = soak.requests_seen
            report.unkeyed_duplicates = sum(n - 1 for n in soak.nonces.values() if n > 1)
            report.leaks += soak.watch.leaks
            report.raw += [repr(e)[:200] for e in server.errors]
    return report


def main_phases(
    duration: float,
    threads: int,
    seed: int,
    pages: tuple[Path, Path] | None,
    replace: Callable[[Path, str, tuple[str, str]], None],
) -> int:
    """Run, print the table, and with ``pages`` (reliability, security) write the figures."""
    report = run_phase_soak(PhaseConfig(duration=duration, threads=threads, seed=seed))
    print(report.table())  # noqa: T201 - a command-line report
    problems = report.failures()
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)  # noqa: T201 - a command-line report
    if pages is not None:
        docs, security = pages
        stamp = time.strftime("%Y-%m-%d", time.gmtime())
        command = f"python tests/soak/run_soak.py --phases --duration {duration:g}"
        markers = ("<!-- phase-soak:begin -->", "<!-- phase-soak:end -->")
        body = f"\n_Last run: {stamp}, `{command}`._\n\n{report.table()}\n"
        replace(docs, body, markers)
        summary = (
            f"\nLast phase soak ({stamp}, {report.elapsed:.0f} s, {threads} threads, faults in "
            f"every phase): {report.calls} calls, {report.unkeyed_posts} POSTs without a key, "
            f"{report.unkeyed_duplicates} seen twice, {len(report.leaks)} key leaks, "
            f"{len(report.raw)} raw exceptions, worst deadline overrun "
            f"{report.worst_overrun * 1000:+.0f} ms.\n"
        )
        replace(security, summary, markers)
    return 1 if problems else 0
