"""Benchmark heygen_pipeline against raw urllib3, requests and httpx; write docs/performance.md.

    python benchmarks/run.py            # full run; rewrites docs/performance.md
    python benchmarks/run.py --quick    # seconds; prints the tables, writes nothing

It imports the library as installed (``pip install -e .``). requests, httpx and orjson are
optional: a client whose library is missing shows as "not installed". See docs/performance.md
for what is measured and how.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import _clients
import _memory
import _pipeline
import _report
import _servers
from _timing import Budget, Result, interleave, interleave_calls, threaded_batch

ROOT = Path(__file__).resolve().parent.parent
DOCS_PAGE = ROOT / "docs" / "performance.md"
THREADS = 4
MIB = 1024 * 1024
MAX_PER_MIDDLEWARE_US = 1.0
MAX_FIXED_US = 5.0
MAX_GROWTH_MIB = 32.0


@dataclass(frozen=True)
class Plan:
    """How much to measure in each section."""

    sequential: Budget
    threaded: Budget
    large: Budget
    pipeline: Budget
    stream_bytes: int


FULL = Plan(
    sequential=Budget(rounds=15, calls=300, seconds=3.0, warmup=100),
    threaded=Budget(rounds=21, calls=60, seconds=1.0, warmup=50),
    large=Budget(rounds=9, calls=20, seconds=3.0, warmup=5),
    pipeline=Budget(rounds=11, calls=5000, seconds=0.3, warmup=500),
    stream_bytes=200 * MIB,
)
QUICK = Plan(
    sequential=Budget(rounds=2, calls=10, seconds=0.5, warmup=3),
    threaded=Budget(rounds=2, calls=5, seconds=0.5, warmup=2),
    large=Budget(rounds=2, calls=2, seconds=0.5, warmup=1),
    pipeline=Budget(rounds=2, calls=200, seconds=0.1, warmup=20),
    stream_bytes=4 * MIB,
)

SEQUENTIAL = "sequential"
THREADED = "threaded"
LARGE = "large"


def _log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


@contextlib.contextmanager
def _http_server(choice: str, folder: Path, www: Path) -> Iterator[_servers.Server]:
    use_nginx = choice == "nginx" or (choice == "auto" and _servers.nginx_path() is not None)
    if use_nginx:
        with _servers.nginx(folder, www) as server:
            yield server
    else:
        with _servers.python_server(www) as server:
            yield server


def _check_same_work(clients: Sequence[_clients.Client], path: str) -> None:
    """Every client must return the same unwrapped data, or the comparison means nothing."""
    results = {client.name: client.get(path) for client in clients}
    first = next(iter(results.values()))
    for name, data in results.items():
        if data != first:
            msg = f"{name} returned different data for {path}"
            raise RuntimeError(msg)


def _client_rows(
    results: dict[str, Result], specs: Sequence[_clients.Spec], unit: str
) -> tuple[list[list[str]], dict[str, Any]]:
    floor = results[_clients.FLOOR].median_ns
    rows: list[list[str]] = []
    data: dict[str, Any] = {}
    for spec in specs:
        result = results.get(spec.name)
        if result is None:
            rows.append([spec.name, "not installed", "", "", ""])
            data[spec.name] = None
            continue
        median = result.median_ns
        rows.append(
            [
                spec.name,
                _report.us(median),
                _report.ratio(median, floor),
                f"{result.spread:.0%}",
                str(result.calls),
            ]
        )
        data[spec.name] = {
            f"median_{unit}": median / 1000,
            "ratio": median / floor,
            "rounds_us": [r / 1000 for r in result.rounds],
            "calls": result.calls,
        }
    return rows, data


def _measure_clients(
    clients: Sequence[_clients.Client], path: str, budget: Budget, threads: int
) -> dict[str, Result]:
    contenders = [(c.name, _getter(c, path)) for c in clients]
    if threads == 1:
        return interleave_calls(contenders, budget)

    def batch(call: Callable[[], Any], budget: Budget) -> tuple[float, int]:
        return threaded_batch(call, threads, budget)

    return interleave(contenders, batch, budget)


def _getter(client: _clients.Client, path: str) -> Callable[[], Any]:
    return lambda: client.get(path)


def run(plan: Plan, server_choice: str, *, quick: bool) -> _report.Report:
    """Run every section and return the report."""
    specs = _clients.SPECS
    with tempfile.TemporaryDirectory(prefix="heygen-bench-") as tmp:
        folder = Path(tmp)
        www = _servers.write_docroot(folder)
        with (
            _http_server(server_choice, folder, www) as http,
            _servers.python_server(www) as streamer,
        ):
            _log(f"HTTP server: {http.kind} at {http.base_url}")
            clients = [s.make(http.host, http.port, THREADS) for s in specs if s.available]
            try:
                _check_same_work(clients, _servers.SMALL)
                _check_same_work(clients, _servers.LARGE)
                _log("1/5 sequential GET of the 3 KB envelope")
                seq = _measure_clients(clients, _servers.SMALL, plan.sequential, 1)
                _log(f"2/5 the same from {THREADS} threads sharing one client")
                thr = _measure_clients(clients, _servers.SMALL, plan.threaded, THREADS)
                _log("3/5 sequential GET of the 1 MB envelope")
                big = _measure_clients(clients, _servers.LARGE, plan.large, 1)
            finally:
                for client in clients:
                    client.close()
            _log("4/5 pipeline machinery over MockTransport")
            pipe = _pipeline.measure(_servers.envelope(_servers.SMALL_SIZE), plan.pipeline)
            _log(f"5/5 peak memory of {plan.stream_bytes // MIB} MB streamed down and up")
            memory = _memory.measure(streamer.base_url, plan.stream_bytes)
            servers = {
                "server (sections 1-3)": http.kind,
                "server (section 5)": streamer.kind,
            }
    return _build_report(
        quick=quick,
        servers=servers,
        sections={SEQUENTIAL: seq, THREADED: thr, LARGE: big},
        pipe=pipe,
        memory=memory,
        plan=plan,
    )


def _build_report(
    *,
    quick: bool,
    servers: dict[str, str],
    sections: dict[str, dict[str, Result]],
    pipe: list[_pipeline.PipelineRow],
    memory: list[_memory.MemoryRow],
    plan: Plan,
) -> _report.Report:
    report = _report.Report(quick=quick, environment=_report.environment(servers))
    header = ["client", "µs per request", "vs floor", "round spread", "calls"]
    titles = {
        SEQUENTIAL: (
            "1. Sequential keep-alive GET, 3 KB v2 envelope",
            (
                "One connection, one request at a time; each call parses the body and unwraps "
                f"`data`. {plan.sequential.rounds} rounds of up to {plan.sequential.calls} "
                "calls per client, the clients taking turns call by call; µs per request is "
                "the median of per-round median latencies."
            ),
        ),
        THREADED: (
            f"2. {THREADS} threads sharing one client, 3 KB v2 envelope",
            (
                f"{THREADS} threads share one pool / session / client; µs per request is wall "
                f"time divided by requests completed (inverse throughput). "
                f"{plan.threaded.rounds} rounds of up to {plan.threaded.calls} calls per thread."
            ),
        ),
        LARGE: (
            "3. Sequential GET, 1 MB v2 envelope",
            (
                "The same as 1 with a 1 MB body (parsed and unwrapped). "
                f"{plan.large.rounds} rounds of up to {plan.large.calls} calls."
            ),
        ),
    }
    for key, results in sections.items():
        rows, data = _client_rows(results, _clients.SPECS, "us")
        title, note = titles[key]
        report.tables.append(_report.Table(key, title, note, header, rows))
        report.data[key] = data
    report.tables.append(
        _report.Table(
            "pipeline",
            "4. Pipeline machinery in-process (MockTransport)",
            "Mean µs per call over batches; overhead = total minus the bare transport call. "
            "The default-stack rows include parsing the 3 KB envelope (see the json.loads row).",
            ["configuration", "µs per call", "overhead µs", "µs per middleware"],
            [
                [
                    r.name,
                    f"{r.total_us:.2f}",
                    f"{r.overhead_us:.2f}",
                    "" if r.per_middleware_us is None else f"{r.per_middleware_us:.3f}",
                ]
                for r in pipe
            ],
        )
    )
    report.data["pipeline"] = [asdict(r) for r in pipe]
    report.tables.append(
        _report.Table(
            "memory",
            f"5. Peak memory, {plan.stream_bytes // MIB} MB streamed",
            "Each transfer runs in a fresh process: RSS just before it, and the peak RSS "
            "(VmHWM, reset before the transfer) after it. Download: "
            "`RequestOptions(stream=True)` iterated in 64 KiB chunks to /dev/null; uploads: a "
            "generator body and a file body, sent chunked.",
            ["transfer", "MB moved", "RSS before MB", "peak MB", "growth MB", "seconds"],
            [
                [
                    m.kind,
                    f"{m.bytes_moved / MIB:.0f}",
                    f"{m.rss_before_mib:.1f}",
                    f"{m.peak_after_mib:.1f}",
                    f"{m.growth_mib:.1f}",
                    f"{m.seconds:.2f}",
                ]
                for m in memory
            ],
        )
    )
    report.data["memory"] = [asdict(m) | {"growth_mib": m.growth_mib} for m in memory]
    report.targets = _targets(report.data, pipe, memory)
    return report


def _ratio_of(data: dict[str, Any], section: str, name: str) -> float:
    entry = data[section].get(name)
    return float("nan") if entry is None else float(entry["ratio"])


def _targets(
    data: dict[str, Any], pipe: list[_pipeline.PipelineRow], memory: list[_memory.MemoryRow]
) -> list[_report.Target]:
    info, warning = _clients.HEYGEN_INFO, _clients.HEYGEN_WARNING

    def ratio_target(what: str, section: str, name: str, limit: float) -> _report.Target:
        value = _ratio_of(data, section, name)
        return _report.Target(what, f"≤ {limit:.2f}x", f"{value:.2f}x", value <= limit)

    by_name = {row.name: row for row in pipe}
    per_mw = max(
        (r.per_middleware_us for r in pipe if r.per_middleware_us is not None), default=math.nan
    )
    fixed = by_name["HeyGenClient.request(), empty stack"].overhead_us
    growth = max((m.growth_mib for m in memory if not m.kind.endswith("urllib3")), default=0.0)
    return [
        ratio_target("sequential, default stack, INFO log", SEQUENTIAL, info, 1.15),
        ratio_target(
            "sequential, default stack, WARNING log (aim: the floor)", SEQUENTIAL, warning, 1.05
        ),
        ratio_target(f"{THREADS} threads, default stack, INFO log", THREADED, info, 1.20),
        ratio_target(f"{THREADS} threads, default stack, WARNING log", THREADED, warning, 1.20),
        ratio_target("1 MB body, default stack, INFO log", LARGE, info, 1.05),
        _report.Target(
            "pipeline: cost per no-op middleware",
            f"≤ {MAX_PER_MIDDLEWARE_US:g} µs",
            f"{per_mw:.2f} µs",
            per_mw <= MAX_PER_MIDDLEWARE_US,
        ),
        _report.Target(
            "pipeline: fixed cost per call (request building + dispatch)",
            f"≤ {MAX_FIXED_US:g} µs",
            f"{fixed:.2f} µs",
            fixed <= MAX_FIXED_US,
        ),
        _report.Target(
            "streaming: peak RSS growth",
            f"≤ {MAX_GROWTH_MIB:g} MB",
            f"{growth:.1f} MB",
            growth <= MAX_GROWTH_MIB,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the report; write the Markdown page and JSON if asked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke run")
    parser.add_argument(
        "--server",
        choices=("auto", "nginx", "python"),
        default="auto",
        help="the HTTP server for sections 1-3 (auto: nginx when installed)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"the Markdown page to write (default: {DOCS_PAGE.relative_to(ROOT)} for a full "
        "run, nothing for --quick)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write raw numbers here")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    report = run(plan, args.server, quick=args.quick)
    sys.stdout.write(_report.render_text(report))
    output = args.output if args.output is not None else (None if args.quick else DOCS_PAGE)
    if output is not None:
        _report.write_markdown(report, output)
        _log(f"wrote {output}")
    if args.json is not None:
        payload = {
            "environment": report.environment,
            "targets": [asdict(t) for t in report.targets],
            "tables": [asdict(t) for t in report.tables],
            "data": report.data,
        }
        args.json.write_text(json.dumps(payload, indent=2, allow_nan=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
