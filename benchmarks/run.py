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
import _inprocess
import _layers
import _memory
import _pipeline
import _report
import _servers
import _transfer
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
    layers: Budget
    inprocess: Budget
    transfer: Budget
    transfer_bytes: int


FULL = Plan(
    sequential=Budget(rounds=15, calls=300, seconds=3.0, warmup=100),
    threaded=Budget(rounds=21, calls=60, seconds=1.0, warmup=50),
    large=Budget(rounds=9, calls=20, seconds=3.0, warmup=5),
    pipeline=Budget(rounds=11, calls=5000, seconds=0.3, warmup=500),
    stream_bytes=200 * MIB,
    layers=Budget(rounds=15, calls=200, seconds=3.0, warmup=50),
    inprocess=Budget(rounds=11, calls=2000, seconds=2.0, warmup=200),
    transfer=Budget(rounds=12, calls=1, seconds=0.0, warmup=1),
    transfer_bytes=_transfer.FULL_BYTES,
)
QUICK = Plan(
    sequential=Budget(rounds=2, calls=10, seconds=0.5, warmup=3),
    threaded=Budget(rounds=2, calls=5, seconds=0.5, warmup=2),
    large=Budget(rounds=2, calls=2, seconds=0.5, warmup=1),
    pipeline=Budget(rounds=2, calls=200, seconds=0.1, warmup=20),
    stream_bytes=4 * MIB,
    layers=Budget(rounds=2, calls=5, seconds=0.5, warmup=2),
    inprocess=Budget(rounds=2, calls=50, seconds=0.2, warmup=10),
    transfer=Budget(rounds=1, calls=1, seconds=0.0, warmup=0),
    transfer_bytes=4 * MIB,
)

SEQUENTIAL = "sequential"
THREADED = "threaded"
LARGE = "large"
MAX_INPROCESS_RATIO = 0.20
MAX_TRANSFER_RATIO = 1.02


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


@dataclass
class Measured:
    """What every section measured, before it becomes tables."""

    servers: dict[str, str]
    sections: dict[str, dict[str, Result]]
    pipe: list[_pipeline.PipelineRow]
    memory: list[_memory.MemoryRow]
    layers: tuple[str, list[_layers.LayerRow]]
    inprocess: dict[str, Result]
    transfer: _transfer.Transfers
    transfer_bytes: int
    transfer_note: str


def run(plan: Plan, server_choice: str, *, quick: bool) -> _report.Report:
    """Run every section and return the report."""
    with tempfile.TemporaryDirectory(prefix="heygen-bench-") as tmp:
        folder = Path(tmp)
        www = _servers.write_docroot(folder)
        with (
            _http_server(server_choice, folder, www) as http,
            _servers.python_server(www) as streamer,
        ):
            _log(f"HTTP server: {http.kind} at {http.base_url}")
            sections, layers = _over_the_socket(plan, http)
            _log("4/8 pipeline machinery over MockTransport")
            pipe = _pipeline.measure(_servers.envelope(_servers.SMALL_SIZE), plan.pipeline)
            _log("7/8 in-process: default stack on MockTransport vs httpx on httpx.MockTransport")
            inprocess = _inprocess.measure(_servers.envelope(_servers.SMALL_SIZE), plan.inprocess)
            _log(f"5/8 peak memory of {plan.stream_bytes // MIB} MB streamed down and up")
            memory = _memory.measure(streamer.base_url, plan.stream_bytes)
            size, note = _transfer.planned_bytes(folder, plan.transfer_bytes)
            _log(f"8/8 {size // MIB} MB downloaded and uploaded, ours vs a bare urllib3 loop")
            transfer = _transfers(plan, folder, www, (http, streamer), size)
            servers = {
                "server (sections 1-3, 6, 8 download)": http.kind,
                "server (sections 5, 8 upload)": streamer.kind,
            }
    measured = Measured(servers, sections, pipe, memory, layers, inprocess, transfer, size, note)
    return _build_report(quick=quick, measured=measured, plan=plan)


def _over_the_socket(
    plan: Plan, http: _servers.Server
) -> tuple[dict[str, dict[str, Result]], tuple[str, list[_layers.LayerRow]]]:
    clients = [s.make(http.host, http.port, THREADS) for s in _clients.SPECS if s.available]
    try:
        _check_same_work(clients, _servers.SMALL)
        _check_same_work(clients, _servers.LARGE)
        _log("1/8 sequential GET of the 3 KB envelope")
        seq = _measure_clients(clients, _servers.SMALL, plan.sequential, 1)
        _log(f"2/8 the same from {THREADS} threads sharing one client")
        thr = _measure_clients(clients, _servers.SMALL, plan.threaded, THREADS)
        _log("3/8 sequential GET of the 1 MB envelope")
        big = _measure_clients(clients, _servers.LARGE, plan.large, 1)
    finally:
        for client in clients:
            client.close()
    _log("6/8 the default stack built up layer by layer over the socket")
    layers = _layers.measure(http.host, http.port, _servers.SMALL, plan.layers)
    return {SEQUENTIAL: seq, THREADED: thr, LARGE: big}, layers


def _transfers(
    plan: Plan,
    folder: Path,
    www: Path,
    servers: tuple[_servers.Server, _servers.Server],
    size: int,
) -> _transfer.Transfers:
    http, streamer = servers
    source = www / _transfer.SOURCE_NAME
    _transfer.write_source(source, size)
    # nginx serves the file as written; the Python server knows only what was there at start.
    url = (
        f"{http.base_url}/{_transfer.SOURCE_NAME}"
        if http.kind.startswith("nginx")
        else f"{streamer.base_url}/stream?bytes={size}"
    )
    where = _transfer.Where(download_url=url, upload_base=streamer.base_url)
    try:
        return _transfer.measure(where, source, folder / "downloads", size, plan.transfer)
    finally:
        source.unlink(missing_ok=True)


def _client_tables(report: _report.Report, measured: Measured, plan: Plan) -> None:
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
    for key, results in measured.sections.items():
        rows, data = _client_rows(results, _clients.SPECS, "us")
        title, note = titles[key]
        report.tables.append(_report.Table(key, title, note, header, rows))
        report.data[key] = data


def _pipeline_table(report: _report.Report, pipe: list[_pipeline.PipelineRow]) -> None:
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


def _memory_table(report: _report.Report, memory: list[_memory.MemoryRow], plan: Plan) -> None:
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


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def _layers_table(report: _report.Report, measured: Measured, plan: Plan) -> None:
    reference, rows = measured.layers
    levels = [name for name, _ in _layers.LEVELS]
    header = ["layer added", *(f"{n} µs" for n in levels), *(f"{n} +µs" for n in levels)]
    cells = []
    for row in rows:
        name = reference if row.layer == _layers.REFERENCE else row.layer
        totals = [f"{row.total_us[n]:.1f}" for n in levels]
        cells.append([name, *totals, *(_signed(row.added_us.get(n)) for n in levels)])
    report.tables.append(
        _report.Table(
            "layers",
            "6. Where the microseconds go: the default stack built up layer by layer (socket)",
            "Sequential keep-alive GET of the 3 KB envelope over the server of sections 1-3; "
            "each row adds one layer of `default_stack` from the inside out (`Stack.remove` "
            "of the outer ones, `HeyGenClient(stack=...)`), at WARNING and at INFO. µs per "
            "request is the median of per-round medians, all rows taking turns call by call "
            f"({plan.layers.rounds} rounds of up to {plan.layers.calls} calls); +µs is what "
            "the row adds over the one above (the first HeyGenClient row: over the bare "
            "urllib3 reference, which parses with the same parser). Without the envelope "
            "layer the benchmark parses and unwraps the body itself. Differences of a few µs "
            "are within the noise of one run.",
            header,
            cells,
        )
    )
    report.data["layers"] = {"reference": reference, "rows": [asdict(r) for r in rows]}


def _result_rows(
    results: dict[str, Result], names: Sequence[str], floor: str
) -> tuple[list[list[str]], dict[str, Any]]:
    base = results[floor].median_ns if floor in results else math.nan
    rows: list[list[str]] = []
    data: dict[str, Any] = {}
    for name in names:
        result = results.get(name)
        if result is None:
            rows.append([name, "not installed", "", "", ""])
            data[name] = None
            continue
        median = result.median_ns
        rows.append(
            [
                name,
                _report.us(median),
                _report.ratio(median, base),
                f"{result.spread:.0%}",
                str(result.calls),
            ]
        )
        data[name] = {
            "median_us": median / 1000,
            "ratio": median / base,
            "rounds_us": [r / 1000 for r in result.rounds],
            "calls": result.calls,
        }
    return rows, data


def _inprocess_table(report: _report.Report, measured: Measured, plan: Plan) -> None:
    rows, data = _result_rows(measured.inprocess, _inprocess.NAMES, _inprocess.HTTPX)
    report.tables.append(
        _report.Table(
            "inprocess",
            "7. In-process: default stack on MockTransport vs httpx.Client on httpx.MockTransport",
            "No socket: both answer the same 3 KB v2 envelope from a mock transport and do the "
            "same work per call (parse the JSON, take `data`). µs per call is the median of "
            f"per-round medians, the clients taking turns call by call ({plan.inprocess.rounds}"
            f" rounds of up to {plan.inprocess.calls} calls); the ratio is against httpx.",
            ["client", "µs per call", "vs httpx", "round spread", "calls"],
            rows,
        )
    )
    report.data["inprocess"] = data


def _transfer_row(name: str, result: Result, ratios: list[float], mb: float) -> list[str]:
    median, best = result.median_ns / 1e9, min(result.rounds, default=math.nan) / 1e9
    if ratios:
        paired = f"{_transfer.balanced_ratio(ratios):.3f}x"
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}x"
    else:
        paired, spread = "1.000x", ""
    return [
        name,
        f"{median:.3f}",
        f"{best:.3f}",
        f"{mb / median:.0f}",
        paired,
        spread,
        str(result.calls),
    ]


def _transfer_table(report: _report.Report, measured: Measured, plan: Plan) -> None:
    results, ratios = measured.transfer.results, measured.transfer.ratios
    rows: list[list[str]] = []
    data: dict[str, Any] = {}
    mb = measured.transfer_bytes / MIB
    for ours, bare in _transfer.PAIRS:
        for name in (bare, ours):
            result = results[name]
            paired = ratios.get(name, [])
            rows.append(_transfer_row(name, result, paired, mb))
            data[name] = {
                "median_s": result.median_ns / 1e9,
                "ratio": _transfer.balanced_ratio(paired) if paired else 1.0,
                "round_ratios": paired,
                "rounds_s": [r / 1e9 for r in result.rounds],
                "calls": result.calls,
            }
    note = (
        f"{mb:.0f} MB each way, {_transfer.CHUNK // 1024} KiB chunks on both sides. Download: "
        "`heygen_pipeline.resources.download` vs a urllib3 loop with the same durability "
        "(temporary file in the target folder, fsync, rename); upload: "
        "`client.assets.send_direct_upload` (a file streamed in a PUT) vs urllib3 streaming "
        f"the same file. {plan.transfer.rounds} rounds; in each, ours and the bare loop run "
        "back to back (which goes first alternates), each after an untimed `os.sync()` and "
        f"{_transfer.SETTLE_SECONDS:g} s pause. vs bare is √(median ratio with the bare loop "
        "first * median with ours first), which cancels the second transfer of a pair being "
        "slower; the per-round range is beside it; seconds are the "
        "median and the best round. Every file written is deleted. On a shared VM single "
        "transfers vary by tens of percent (fsync, other processes), so read the range."
    )
    if measured.transfer_note:
        note += f" Note: {measured.transfer_note}."
    report.tables.append(
        _report.Table(
            "transfer",
            f"8. Download and upload, {mb:.0f} MB, same durability as a bare urllib3 loop",
            note,
            ["transfer", "seconds", "best s", "MB/s", "vs bare", "round ratios", "transfers"],
            rows,
        )
    )
    report.data["transfer"] = data | {"bytes": measured.transfer_bytes}


def _build_report(*, quick: bool, measured: Measured, plan: Plan) -> _report.Report:
    report = _report.Report(quick=quick, environment=_report.environment(measured.servers))
    _client_tables(report, measured, plan)
    _pipeline_table(report, measured.pipe)
    _memory_table(report, measured.memory, plan)
    _layers_table(report, measured, plan)
    _inprocess_table(report, measured, plan)
    _transfer_table(report, measured, plan)
    report.targets = _targets(report.data, measured.pipe, measured.memory)
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
        ratio_target(f"{THREADS} threads, default stack, WARNING log", THREADED, warning, 1.08),
        ratio_target("1 MB body, default stack, INFO log", LARGE, info, 1.05),
        ratio_target(
            "in-process, default stack (WARNING log) on MockTransport vs httpx.Client on "
            "httpx.MockTransport",
            "inprocess",
            _inprocess.HEYGEN_WARNING,
            MAX_INPROCESS_RATIO,
        ),
        ratio_target(
            "download, same durability as a bare urllib3 loop",
            "transfer",
            _transfer.DOWNLOAD_OURS,
            MAX_TRANSFER_RATIO,
        ),
        ratio_target(
            "upload, a streamed file, vs bare urllib3",
            "transfer",
            _transfer.UPLOAD_OURS,
            MAX_TRANSFER_RATIO,
        ),
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
