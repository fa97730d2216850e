"""Soak under faults: threads sharing one HeyGenClient against FakeHeyGen, which misbehaves.

``threads`` workers share one client (the default stack) and call a mix of GETs (v1, v2 and
v3 envelopes) and keyed POSTs (``POST /v3/videos``, which the client gives an
``Idempotency-Key``) until ``duration`` seconds have passed. Before about ``fault_rate`` of
the calls, a fault is queued on the route the call is about to use, drawn from a seeded RNG:
429 with assorted Retry-After values, 5xx bursts, connection resets, answers slower than the
read timeout, truncated, empty, HTML and non-JSON bodies, redirects on the same host and to
the CDN. The backoff really sleeps, but briefly (small Retry-After values, a low cap).

Checked at the end: every call ended by its deadline in data or a typed error (no call lost,
no untyped exception, no worker stuck); no POST was applied twice; the key never left the API
host (not to the CDN, not into an error message or a log line); memory, threads, open file
descriptors and pooled connections stayed bounded.

Run it directly for a long soak with a summary table (``nox -s soak`` does)::

    python tests/soak/run_soak.py --duration 300 --write-docs

``tests/test_soak.py`` runs a short one in the test suite.
"""
# ruff: noqa: T201 - a script that prints its report

from __future__ import annotations

import argparse
import email.utils
import gc
import os
import random
import sys
import threading
import time
import tracemalloc
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from heygen_pipeline import (
    HeyGenClient,
    HeyGenError,
    Timeout,
    Urllib3Transport,
    default_stack,
)
from heygen_pipeline.middleware import BackoffMiddleware, BackoffPolicy
from heygen_pipeline.testing import FakeHeyGen, Fault

KEY = "soak-test-key-5d8e1f0a7c3b"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
SECURITY_DOCS = DOCS.with_name("security.md")
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"
_LIBRARY_DIRS = ("heygen_pipeline", "urllib3", os.sep + "http" + os.sep, "socket.py", "ssl.py")
_TESTING_DIR = os.sep + "testing" + os.sep
_DEFAULT_THREADS = 8


@dataclass(frozen=True)
class SoakConfig:
    """What to run, and the bounds the checks hold it to."""

    duration: float = 30.0
    """Seconds of calls (workers start no call after this)."""
    threads: int = 8
    fault_rate: float = 0.2
    """The share of calls before which a fault is queued on their route."""
    seed: int = 7
    total_timeout: float = 2.0
    """Every call's deadline (``total_timeout=``), seconds."""
    connect_timeout: float = 1.0
    read_timeout: float = 0.3
    """Per-attempt read timeout; "slow" faults wait longer than this."""
    slack: float = 0.5
    """How far past its deadline a call may end: one read timeout plus scheduling."""
    warmup: float = 3.0
    """Seconds before the baseline of memory, threads and descriptors is taken."""
    memory_margin: int = 4 * 1024 * 1024
    """Allowed growth of memory held by the client side (library, urllib3, http, sockets)."""
    thread_margin: int = 2
    fd_margin: int = 4
    trace_memory: bool = True
    """Measure memory with tracemalloc (precise, slower); else only RSS is reported."""


@dataclass
class WorkerStats:
    """What one worker saw (merged at the end, so workers never share a lock for counting)."""

    issued: int = 0
    succeeded: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    untyped: list[str] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    posts: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    longest: float = 0.0
    finished: bool = False


@dataclass
class SoakReport:
    """The figures of one run and whether every check held."""

    config: SoakConfig
    elapsed: float = 0.0
    calls: int = 0
    succeeded: int = 0
    typed_errors: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    untyped: list[str] = field(default_factory=list)
    lost: int = 0
    stuck_workers: int = 0
    late_calls: int = 0
    longest_call: float = 0.0
    posts: int = 0
    duplicate_posts: int = 0
    idempotency_keys: int = 0
    faults_queued: int = 0
    faults_applied: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    requests_seen: int = 0
    key_leaks: list[str] = field(default_factory=list)
    memory_growth: int | None = None
    rss_start: int | None = None
    rss_end: int | None = None
    threads_start: int = 0
    threads_end: int = 0
    threads_max: int = 0
    fds_start: int | None = None
    fds_end: int | None = None
    fds_max: int | None = None
    connections_opened: int = 0
    pooled_connections: int = 0
    pool_maxsize: int = 0
    fake_errors: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        """Every check that did not hold, in words (empty when the soak passed)."""
        c = self.config
        fds_grew = (self.fds_end or 0) > (self.fds_start or 0) + c.fd_margin
        memory_grew = (self.memory_growth or 0) > c.memory_margin
        checks = [
            (self.calls == 0, "no calls were made"),
            (self.lost, f"{self.lost} calls lost (issued but never ended)"),
            (self.stuck_workers, f"{self.stuck_workers} workers still running after the end"),
            (self.untyped, f"{len(self.untyped)} untyped exceptions: {self.untyped[:3]}"),
            (self.late_calls, f"{self.late_calls} calls ended after their deadline + slack"),
            (self.duplicate_posts, f"{self.duplicate_posts} POSTs applied twice"),
            (
                self.idempotency_keys > self.posts,
                f"{self.idempotency_keys} Idempotency-Keys for {self.posts} POSTs",
            ),
            (self.key_leaks, f"key leaks: {self.key_leaks[:3]}"),
            (memory_grew, f"client-side memory grew by {self.memory_growth} bytes"),
            (
                self.threads_end > self.threads_start + c.thread_margin,
                f"threads: {self.threads_start} at start, {self.threads_end} at end",
            ),
            (fds_grew, f"file descriptors: {self.fds_start} at start, {self.fds_end} at end"),
            (
                self.pooled_connections > self.pool_maxsize,
                f"{self.pooled_connections} pooled connections > {self.pool_maxsize}",
            ),
            (self.fake_errors, f"FakeHeyGen handler errors: {self.fake_errors[:3]}"),
        ]
        return [message for failed, message in checks if failed]

    def table(self) -> str:
        """The figures as a Markdown table."""
        c = self.config
        mib = 1024 * 1024
        memory = (
            "not traced" if self.memory_growth is None else f"{self.memory_growth / mib:+.2f} MiB"
        )
        rss = (
            "n/a"
            if self.rss_start is None or self.rss_end is None
            else f"{self.rss_start / mib:.1f} -> {self.rss_end / mib:.1f} MiB"
        )
        top_errors = ", ".join(f"{name} {count}" for name, count in self.errors.most_common(6))
        top_faults = ", ".join(f"{name} {count}" for name, count in self.faults.most_common())
        rows = [
            ("duration", f"{self.elapsed:.1f} s, {c.threads} threads, seed {c.seed}"),
            ("calls made", f"{self.calls} ({self.calls / max(self.elapsed, 1e-9):.0f}/s)"),
            ("requests the server saw", f"{self.requests_seen}"),
            ("succeeded", f"{self.succeeded}"),
            ("typed errors", f"{self.typed_errors} ({top_errors or 'none'})"),
            ("faults injected", f"{self.faults_applied} of {self.faults_queued} queued"),
            (
                "faulted requests",
                f"{self.faults_applied / max(self.requests_seen, 1):.0%} of requests",
            ),
            ("fault kinds", top_faults or "none"),
            ("calls lost", f"{self.lost}"),
            ("untyped exceptions", f"{len(self.untyped)}"),
            (
                "calls past deadline + slack",
                f"{self.late_calls} (longest {self.longest_call:.2f} s)",
            ),
            ("keyed POSTs", f"{self.posts} ({self.idempotency_keys} keys seen)"),
            ("duplicate POSTs", f"{self.duplicate_posts}"),
            ("key leaks", f"{len(self.key_leaks)}"),
            ("client-side memory growth", memory),
            ("RSS", rss),
            (
                "threads start / end / max",
                f"{self.threads_start} / {self.threads_end} / {self.threads_max}",
            ),
            ("open fds start / end / max", f"{self.fds_start} / {self.fds_end} / {self.fds_max}"),
            (
                "connections",
                (
                    f"{self.connections_opened} opened by the server; {self.pooled_connections} "
                    f"pooled at the end (max {self.pool_maxsize} per host)"
                ),
            ),
        ]
        lines = ["| figure | value |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in rows]
        return "\n".join(lines)


class _KeyWatch:
    """A structlog sink that renders every event and counts those that show the key."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events = 0
        self.leaks: list[str] = []

    def msg(self, message: str) -> None:
        with self.lock:
            self.events += 1
            if KEY in message and len(self.leaks) < 10:
                self.leaks.append(message[:200])

    debug = info = warning = error = critical = exception = msg


def _fds() -> int | None:
    try:
        return len(list(Path("/proc/self/fd").iterdir()))
    except OSError:
        return None


def _rss() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _client_side(snapshot: tracemalloc.Snapshot) -> dict[str, int]:
    """Bytes held per file by the library (not its testing kit), urllib3, http and sockets."""
    sizes: dict[str, int] = {}
    for stat in snapshot.statistics("filename"):
        name = stat.traceback[0].filename
        if _TESTING_DIR in name or not any(part in name for part in _LIBRARY_DIRS):
            continue
        sizes[name] = stat.size
    return sizes


def _faults(base_url: str) -> list[tuple[str, Callable[[str, str], list[Fault]], float]]:
    """(kind, make(method, path) -> faults, weight): what a faulted call meets first."""
    past = email.utils.formatdate(time.time() - 60, usegmt=True)
    return [
        ("429 Retry-After 0", lambda _m, _p: [Fault.rate_limited("0")], 2),
        ("429 Retry-After 0.05", lambda _m, _p: [Fault.rate_limited("0.05")], 2),
        (
            "429 retry-after-ms 20",
            lambda _m, _p: [Fault.rate_limited(None, retry_after_ms="20")],
            1,
        ),
        ("429 Retry-After date", lambda _m, _p: [Fault.rate_limited(past)], 1),
        ("429 Retry-After garbage", lambda _m, _p: [Fault.rate_limited("soon")], 1),
        ("429 Retry-After over cap", lambda _m, _p: [Fault.rate_limited("120")], 1),
        ("5xx burst", lambda _m, _p: [Fault.server_error(s) for s in (500, 502, 503)], 2),
        ("5xx long burst", lambda _m, _p: [Fault.server_error(503)] * 6, 0.15),
        ("503 once", lambda _m, _p: [Fault.server_error(503)], 2),
        ("reset", lambda _m, _p: [Fault.reset()], 2),
        ("slow", lambda _m, _p: [Fault.slow(0.5)], 1),
        ("truncated", lambda _m, _p: [Fault.truncated()], 1),
        ("empty", lambda _m, _p: [Fault.empty()], 1),
        ("html 502", lambda _m, _p: [Fault.html(502)], 1),
        ("not json", lambda _m, _p: [Fault.not_json()], 1),
        (
            "redirect",
            lambda m, p: [Fault.redirect(f"{base_url}{p}?hop=1", 307 if m == "POST" else 302)],
            1,
        ),
        (
            "redirect to CDN",
            lambda m, _p: (
                [Fault.redirect_to_cdn("/previews/soak.jpg")] if m == "GET" else [Fault.reset()]
            ),
            1,
        ),
    ]


_READS = [
    ("GET", "/v3/videos", 3),
    ("GET", "/v2/avatars", 2),
    ("GET", "/v3/users/me", 2),
    ("GET", "/v1/video.list", 1),
    ("GET", "/v3/videos/{id}", 2),
]
_POST_WEIGHT = 3


class _Soak:
    """One run: the fake, the client, the workers and the monitor."""

    def __init__(self, config: SoakConfig, fake: FakeHeyGen) -> None:
        self.config = config
        self.fake = fake
        self.watch = _KeyWatch()
        logger = structlog.wrap_logger(
            self.watch,
            processors=[structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
            wrapper_class=structlog.make_filtering_bound_logger(0),
        )
        policy = BackoffPolicy(max_attempts=4, base=0.005, max_delay=0.2)
        stack = default_stack(logger=logger, reset_timeout=0.1).replace(
            "backoff", BackoffMiddleware(policy)
        )
        timeout = Timeout(connect=config.connect_timeout, read=config.read_timeout)
        self.transport = Urllib3Transport(timeout=timeout)
        self.client = HeyGenClient(
            KEY,
            base_url=fake.base_url,
            upload_url=fake.upload_url,
            stack=stack,
            transport=self.transport,
            timeout=timeout,  # on the requests, so the backoff shrinks this one to the deadline
        )
        self.faults = _faults(fake.base_url)
        # The last ids created (bounded: the runner must not grow the memory it measures).
        self.video_ids: deque[str] = deque(fake.video_ids[:5], maxlen=64)
        self.queued: Counter[tuple[str, str]] = Counter()
        self.queued_lock = threading.Lock()
        self.stop_at = 0.0
        self.keys: set[str] = set()
        self.requests_seen = 0

    def drain_requests(self) -> None:
        """Fold the fake's recorded requests into counters, then forget them (bounded memory)."""
        requests = self.fake.requests
        self.fake.clear_requests()  # a request recorded between the two calls goes uncounted
        self.requests_seen += len(requests)
        for r in requests:
            if r.method == "POST" and r.path == "/v3/videos":
                key = r.headers.get("idempotency-key")
                if key:
                    self.keys.add(key)

    def worker(self, index: int, stats: WorkerStats) -> None:
        """Call, with a fault queued first now and then, until the soak's end."""
        c = self.config
        rng = random.Random(c.seed * 1000 + index)  # noqa: S311 - a reproducible schedule
        kinds = [name for name, _, _ in self.faults]
        weights = [w for _, _, w in self.faults]
        makers = {name: make for name, make, _ in self.faults}
        choices = [*_READS, ("POST", "/v3/videos", _POST_WEIGHT)]
        while time.monotonic() < self.stop_at:  # bounded by the duration
            method, template, _ = rng.choices(choices, [w for *_, w in choices])[0]
            path = template
            if "{id}" in template:
                path = template.format(id=rng.choice(self.video_ids))
            # A route with faults still queued gets no more: with the breaker open, calls fail
            # fast and never reach the server, and the queue would only grow.
            if rng.random() < c.fault_rate and not self.fake.pending_faults(method, path):
                kind = rng.choices(kinds, weights)[0]
                faults = makers[kind](method, path)
                self.fake.inject(method, path, *faults)
                stats.faults[kind] += len(faults)
                with self.queued_lock:
                    self.queued[(method, path)] += len(faults)
            self.call(method, path, index, stats)
        stats.finished = True

    def call(self, method: str, path: str, index: int, stats: WorkerStats) -> None:
        """Make one call and count how it ended."""
        c = self.config
        stats.issued += 1
        started = time.monotonic()
        try:
            if method == "POST":
                stats.posts += 1
                data = self.client.post(
                    "/v3/videos",
                    json={"script": "soak", "title": f"soak {index}"},
                    total_timeout=c.total_timeout,
                )
                if isinstance(data, dict) and isinstance(data.get("video_id"), str):
                    self.video_ids.append(data["video_id"])
            else:
                self.client.get(path, total_timeout=c.total_timeout)
            stats.succeeded += 1
        except HeyGenError as exc:
            stats.errors[type(exc).__name__] += 1
            for text in (str(exc), repr(exc), getattr(exc, "body_excerpt", None) or ""):
                if KEY in text:
                    stats.leaks.append(f"{type(exc).__name__}: {text[:120]}")
        except Exception as exc:  # counted: an untyped exception is a failure
            stats.untyped.append(f"{type(exc).__name__}: {exc}"[:200])
        elapsed = time.monotonic() - started
        stats.longest = max(stats.longest, elapsed)
        if elapsed > c.total_timeout + c.slack:
            stats.late.append(elapsed)


def run_soak(config: SoakConfig | None = None) -> SoakReport:
    """Run one soak and return its report (``report.failures()`` says what did not hold)."""
    config = config or SoakConfig()
    report = SoakReport(config)
    gc.collect()
    report.threads_start = threading.active_count()
    report.fds_start = _fds()
    if config.trace_memory:
        tracemalloc.start(1)
    try:
        with FakeHeyGen(KEY, render_polls=2, video_bytes=1024) as fake:
            _run(config, fake, report)
    finally:
        if config.trace_memory:
            tracemalloc.stop()
    gc.collect()
    settle = time.monotonic() + 5.0
    while time.monotonic() < settle:  # bounded: lets closed threads finish exiting
        if threading.active_count() <= report.threads_start and (_fds() or 0) <= (
            report.fds_start or 0
        ):
            break
        threading.Event().wait(0.05)
    report.threads_end = threading.active_count()
    report.fds_end = _fds()
    return report


def _run(config: SoakConfig, fake: FakeHeyGen, report: SoakReport) -> None:
    soak = _Soak(config, fake)
    stats = [WorkerStats() for _ in range(config.threads)]
    started = time.monotonic()
    soak.stop_at = started + config.duration
    workers = [
        threading.Thread(target=soak.worker, args=(i, s), name=f"soak-{i}", daemon=True)
        for i, s in enumerate(stats)
    ]
    for thread in workers:
        thread.start()
    baseline: dict[str, int] | None = None
    tick = threading.Event()  # never set: waited on as the sampling interval
    threads_max = fds_max = 0
    next_drain = started
    while any(t.is_alive() for t in workers):  # bounded: workers stop at stop_at
        now = time.monotonic()
        if now > soak.stop_at + config.total_timeout + config.slack + 5:
            break  # stuck workers: counted below
        threads_max = max(threads_max, threading.active_count())
        fds_max = max(fds_max, _fds() or 0)
        if now >= next_drain:
            soak.drain_requests()
            next_drain = now + 1.0
        if baseline is None and now - started >= min(config.warmup, config.duration / 3):
            gc.collect()
            report.rss_start = _rss()
            baseline = _client_side(tracemalloc.take_snapshot()) if config.trace_memory else {}
        tick.wait(0.1)
    for thread in workers:
        thread.join(0.1)
    report.elapsed = time.monotonic() - started
    soak.drain_requests()
    gc.collect()
    report.rss_end = _rss()
    if config.trace_memory and baseline is not None:
        end = _client_side(tracemalloc.take_snapshot())
        report.memory_growth = sum(end.values()) - sum(baseline.values())
    report.threads_max = threads_max
    report.fds_max = fds_max
    _pool_figures(soak.transport, report)
    _fold(report, stats, soak)
    soak.client.close()
    soak.transport.close()


def _pool_figures(transport: Urllib3Transport, report: SoakReport) -> None:
    """Connections held in the transport's pools (idle and reusable) at the end."""
    pooled = 0
    manager: Any = transport._pool
    for key in list(manager.pools.keys()):
        pool = manager.pools.get(key)
        if pool is None or pool.pool is None:
            continue
        pooled = max(pooled, sum(1 for conn in list(pool.pool.queue) if conn is not None))
        report.pool_maxsize = max(report.pool_maxsize, pool.pool.maxsize)
    report.pooled_connections = pooled


def _fold(report: SoakReport, stats: list[WorkerStats], soak: _Soak) -> None:
    fake = soak.fake
    for s in stats:
        report.calls += s.issued
        report.succeeded += s.succeeded
        report.errors.update(s.errors)
        report.untyped += s.untyped
        report.late_calls += len(s.late)
        report.longest_call = max(report.longest_call, s.longest)
        report.key_leaks += s.leaks
        report.posts += s.posts
        report.faults.update(s.faults)
        report.stuck_workers += not s.finished
    report.typed_errors = sum(report.errors.values())
    report.lost = report.calls - report.succeeded - report.typed_errors - len(report.untyped)
    report.lost = max(report.lost, report.stuck_workers)
    creations = fake.creations_by_key
    report.duplicate_posts = sum(count - 1 for count in creations.values() if count > 1)
    report.idempotency_keys = len(soak.keys)
    report.faults_queued = sum(soak.queued.values())
    pending = sum(fake.pending_faults(m, p) for m, p in soak.queued)
    report.faults_applied = report.faults_queued - pending
    report.requests_seen = soak.requests_seen
    report.key_leaks += soak.watch.leaks
    if fake.cdn_saw_key:
        report.key_leaks.append("the CDN host received the key")
    report.connections_opened = fake.connections_opened
    report.fake_errors = [repr(e)[:200] for e in fake.handler_errors]


def _replace_between(path: Path, body: str, markers: tuple[str, str] = (BEGIN, END)) -> None:
    """Put ``body`` between the soak markers of ``path`` (refusing a page without them)."""
    begin, end = markers
    text = path.read_text(encoding="utf-8")
    head, found, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not (found and found_end):
        msg = f"{path} has no {begin} ... {end} markers"
        raise SystemExit(msg)
    path.write_text(head + begin + body + end + tail, encoding="utf-8")


def write_docs(
    report: SoakReport, path: Path = DOCS, security: Path | None = SECURITY_DOCS
) -> None:
    """Put the report's table in the reliability page, and its key figures in the security page.

    Each page gets its text between its soak markers; a page without them is refused.
    """
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    command = f"python tests/soak/run_soak.py --duration {report.config.duration:g}"
    _replace_between(path, f"\n_Last run: {stamp}, `{command}`._\n\n{report.table()}\n")
    if security is not None:
        summary = (
            f"\nLast long soak ({stamp}, {report.elapsed:.0f} s): {report.calls} calls made, "
            f"{report.faults_applied} faults injected, {report.lost} calls lost, "
            f"{report.duplicate_posts} duplicate POSTs, {len(report.key_leaks)} key leaks.\n"
        )
        _replace_between(security, summary)


def main(argv: list[str] | None = None) -> int:
    """Run a soak from the command line; exit 1 if a check did not hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--threads", type=int, default=_DEFAULT_THREADS)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-trace-memory", action="store_true", help="RSS only (faster)")
    parser.add_argument(
        "--write-docs", action="store_true", help="update docs/reliability.md and security.md"
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="soak the transport's phases instead (tests/soak/phases.py; 16 threads by default)",
    )
    args = parser.parse_args(argv)
    if args.phases:
        return _main_phases(args)
    config = SoakConfig(
        duration=args.duration,
        threads=args.threads,
        fault_rate=args.fault_rate,
        seed=args.seed,
        warmup=min(10.0, args.duration / 3),
        trace_memory=not args.no_trace_memory,
    )
    report = run_soak(config)
    print(report.table())
    problems = report.failures()
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    if args.write_docs:
        write_docs(report)
    return 1 if problems else 0


def _main_phases(args: argparse.Namespace) -> int:
    """The phase soak (tests/soak/phases.py): a TLS server stalling each phase."""
    tests = str(Path(__file__).resolve().parents[1])
    if tests not in sys.path:  # run as a script: the tests folder holds the hostile server
        sys.path.insert(0, tests)
    from soak.phases import main_phases  # noqa: PLC0415 - only for --phases

    threads = args.threads if args.threads != _DEFAULT_THREADS else 16
    pages = (DOCS, SECURITY_DOCS) if args.write_docs else None
    return main_phases(args.duration, threads, args.seed, pages, _replace_between)


if __name__ == "__main__":
    raise SystemExit(main())
