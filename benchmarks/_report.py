"""The report: the machine, the versions, the tables and the targets, as text and Markdown.

`write_markdown` keeps the hand-written part of an existing page: everything between
`EXPLANATION_START` and `EXPLANATION_END` survives a re-run unchanged.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import datetime as dt
import importlib.metadata
import math
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPLANATION_START = "<!-- explanation: start (hand-written; the benchmark keeps it) -->"
EXPLANATION_END = "<!-- explanation: end -->"
_DEFAULT_EXPLANATION = "_Nothing written yet._"
PACKAGES = ("heygen-pipeline", "urllib3", "requests", "httpx", "structlog", "orjson", "attrs")


@dataclass
class Table:
    """A titled table: a header row and rows of cells (already formatted)."""

    key: str
    title: str
    note: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Target:
    """One target of the issue: what it asks, what was measured, whether it holds."""

    what: str
    limit: str
    measured: str
    met: bool


@dataclass
class Report:
    """Everything one run produced."""

    quick: bool
    environment: dict[str, str]
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    """Raw numbers for machines (the smoke test reads them)."""


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(package: str) -> str:
    """The installed version of ``package``, or ``not installed``."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def environment(servers: dict[str, str]) -> dict[str, str]:
    """Machine, interpreter, OS, package versions and the servers used."""
    env = {
        "date (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OS": platform.platform(),
    }
    env.update({name: version(name) for name in PACKAGES})
    env.update(servers)
    return env


def us(ns: float) -> str:
    """Nanoseconds as microseconds with one decimal."""
    return "n/a" if math.isnan(ns) else f"{ns / 1000:.1f}"


def ratio(value: float, floor: float) -> str:
    """``value / floor`` as ``1.07x``."""
    if math.isnan(value) or math.isnan(floor) or floor <= 0:
        return "n/a"
    return f"{value / floor:.2f}x"


def _widths(table: Table) -> list[int]:
    cells = [table.header, *table.rows]
    return [max(len(row[i]) for row in cells) for i in range(len(table.header))]


def render_text(report: Report) -> str:
    """The report for a terminal."""
    lines = []
    for key, value in report.environment.items():
        lines.append(f"{key:>22}: {value}")
    for table in report.tables:
        lines += ["", f"== {table.title}", f"   {table.note}"]
        widths = _widths(table)
        for row in [table.header, *table.rows]:
            lines.append("   " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    lines += ["", "== Targets"]
    for target in report.targets:
        mark = "met" if target.met else "NOT MET"
        lines.append(f"   [{mark:>7}] {target.what}: {target.measured} (target {target.limit})")
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def render_markdown(report: Report, explanation: str) -> str:
    """The whole page: generated tables around the preserved hand-written explanation."""
    env = report.environment
    lines = [
        "# Performance",
        "",
        "How much the pipeline costs over raw urllib3, measured by the benchmark in",
        "`benchmarks/`, which also writes this page. Run it with one command from the",
        "repository root, in an environment where the package is installed",
        "(`pip install -e '.[test]' requests httpx orjson`):",
        "",
        "```bash",
        "python benchmarks/run.py           # full run (two to four minutes); rewrites this page",
        "python benchmarks/run.py --quick   # a few seconds, prints only (used by the test suite)",
        "nox -s bench                       # the same full run in its own virtual environment",
        "python benchmarks/profile_stack.py # cProfile of HeyGenClient.get(), INFO and WARNING",
        "```",
        "",
        "The server is nginx when it is installed (Debian/Ubuntu: `apt-get install -y nginx`),",
        "started by the benchmark with its own configuration in a temporary folder on a free",
        "127.0.0.1 port and stopped at the end; otherwise a small asyncio server in a separate",
        "process. The streaming test and the uploads always use that Python server, which makes",
        "and consumes the bytes on the fly; the 300 MB download comes from nginx's static file",
        "when nginx runs. Numbers are medians of per-round medians; within a round the",
        "clients take turns call by call (threads: batch by batch, in a rotated order), so a",
        "noisy neighbour hits all of them alike.",
        "",
        "## What the numbers say",
        "",
        EXPLANATION_START,
        explanation.strip() or _DEFAULT_EXPLANATION,
        EXPLANATION_END,
        "",
        "## Machine and versions",
        "",
        *_md_table(["", ""], [[k, f"`{v}`" if k == "OS" else v] for k, v in env.items()]),
        "",
        "## Targets",
        "",
        *_md_table(
            ["target", "limit", "measured", "met"],
            [[t.what, t.limit, t.measured, "yes" if t.met else "**no**"] for t in report.targets],
        ),
    ]
    for table in report.tables:
        lines += ["", f"## {table.title}", "", table.note, "", *_md_table(table.header, table.rows)]
    return "\n".join(lines) + "\n"


def existing_explanation(path: Path) -> str:
    """The hand-written part of the page at ``path`` (empty if there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    start, end = text.find(EXPLANATION_START), text.find(EXPLANATION_END)
    if start < 0 or end < start:
        return ""
    kept = text[start + len(EXPLANATION_START) : end].strip()
    return "" if kept == _DEFAULT_EXPLANATION else kept


def write_markdown(report: Report, path: Path) -> None:
    """Write the page, keeping the explanation already there."""
    text = render_markdown(report, existing_explanation(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def python_version() -> str:
    """``3.11.7``."""
    return sys.version.split()[0]
