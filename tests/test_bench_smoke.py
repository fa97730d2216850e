"""A smoke run of the benchmark, so it cannot rot: tiny counts, every row, no targets asserted."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"
CLIENT_SECTIONS = ("sequential", "threaded", "large")
CLIENTS = (
    "urllib3 + json.loads (floor)",
    "urllib3 + orjson",
    "requests.Session",
    "httpx.Client",
    "HeyGenClient, default stack, INFO log",
    "HeyGenClient, default stack, WARNING log",
)
ALWAYS_RUN = (CLIENTS[0], CLIENTS[4], CLIENTS[5])
PIPELINE_ROWS = (
    "bare MockTransport call (subtracted)",
    "Stack of 0 no-op middlewares",
    "Stack of 5 no-op middlewares",
    "Stack of 10 no-op middlewares",
    "Stack of 50 no-op middlewares",
    "default stack, WARNING log (handler call)",
    "default stack, INFO log (handler call)",
    "HeyGenClient.request(), empty stack",
    "HeyGenClient.get(), WARNING log",
    "HeyGenClient.get(), INFO log",
)
MEMORY_KINDS = ("download", "upload-iterator", "upload-file", "download-urllib3")
LAYER_STEPS = (
    "transport only",
    "+auth",
    "+logging",
    "+breaker",
    "+redirects",
    "+backoff",
    "+envelope",
)
INPROCESS_ROWS = (
    "httpx.Client on httpx.MockTransport",
    "HeyGenClient.get(), default stack, INFO log, on MockTransport",
    "HeyGenClient.get(), default stack, WARNING log, on MockTransport",
)
TRANSFERS = (
    "download, urllib3 loop (temp file, fsync, rename)",
    "download, heygen_pipeline.resources.download",
    "upload, urllib3 streaming the file",
    "upload, client.assets.send_direct_upload",
)
HEADINGS = ("1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "7. ", "8. ")
NOTE = "A hand-written note that every run of the benchmark must keep."


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One quick run, writing its page over one that has a hand-written explanation."""
    folder = tmp_path_factory.mktemp("bench")
    page = folder / "performance.md"
    page.write_text(
        "# old page\n\n<!-- explanation: start (hand-written; the benchmark keeps it) -->\n"
        f"{NOTE}\n<!-- explanation: end -->\n\nold table\n",
        encoding="utf-8",
    )
    raw = folder / "report.json"
    done = subprocess.run(  # noqa: S603 - our own script, no shell
        [sys.executable, str(RUN), "--quick", "--output", str(page), "--json", str(raw)],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return {
        "report": json.loads(raw.read_text(encoding="utf-8")),
        "page": page.read_text(encoding="utf-8"),
        "stdout": done.stdout,
    }


def _finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value)


class TestClientSections:
    """Sections 1-3 report every client, with finite ratios for those that ran."""

    @pytest.mark.parametrize("section", CLIENT_SECTIONS)
    def test_every_client_has_a_row(self, run, section):
        """Each client is in the data: numbers if its library is installed, None if not."""
        data = run["report"]["data"][section]
        assert set(data) == set(CLIENTS)
        for name in ALWAYS_RUN:
            assert data[name] is not None, name

    @pytest.mark.parametrize("section", CLIENT_SECTIONS)
    def test_ratios_and_medians_are_finite(self, run, section):
        """Every measured client has a positive, finite median and ratio to the floor."""
        for name, entry in run["report"]["data"][section].items():
            if entry is None:
                continue
            assert _finite(entry["ratio"]), name
            assert entry["ratio"] > 0, name
            assert _finite(entry["median_us"]), name
            assert entry["median_us"] > 0, name
            assert entry["calls"] >= 1, name
        floor = run["report"]["data"][section][CLIENTS[0]]
        assert floor["ratio"] == pytest.approx(1.0)


class TestPipelineSection:
    """Section 4 reports the bare transport, the no-op stacks and the default stack."""

    def test_every_row_is_there_and_finite(self, run):
        """Each configuration has finite totals and overheads; no-op stacks a per-layer cost."""
        rows = {row["name"]: row for row in run["report"]["data"]["pipeline"]}
        assert set(PIPELINE_ROWS) <= set(rows)
        for name in PIPELINE_ROWS:
            assert _finite(rows[name]["total_us"]), name
            assert _finite(rows[name]["overhead_us"]), name
        for count in (5, 10, 50):
            assert _finite(rows[f"Stack of {count} no-op middlewares"]["per_middleware_us"])


class TestMemorySection:
    """Section 5 streams every kind of transfer, in full, in its own process."""

    def test_every_transfer_moved_all_its_bytes(self, run):
        """Each kind moved exactly the bytes asked for and has a finite RSS growth."""
        rows = {row["kind"]: row for row in run["report"]["data"]["memory"]}
        assert set(rows) == set(MEMORY_KINDS)
        for kind, row in rows.items():
            assert row["bytes_moved"] == 4 * 1024 * 1024, kind
            assert _finite(row["growth_mib"]), kind
            assert row["peak_after_mib"] > 0, kind


class TestLayersSection:
    """Section 6 builds the default stack up layer by layer, at WARNING and INFO."""

    def test_every_layer_has_finite_costs_at_both_levels(self, run):
        """Each step of the build-up has a finite total and added cost at each level."""
        layers = run["report"]["data"]["layers"]
        rows = {row["layer"]: row for row in layers["rows"]}
        assert set(LAYER_STEPS) <= set(rows)
        assert layers["reference"].startswith("urllib3 + ")
        for step in LAYER_STEPS:
            for level in ("WARNING", "INFO"):
                assert _finite(rows[step]["total_us"][level]), (step, level)
                assert _finite(rows[step]["added_us"][level]), (step, level)


class TestInProcessSection:
    """Section 7 compares the default stack on MockTransport with httpx on its own."""

    def test_rows_are_finite_and_httpx_is_the_base(self, run):
        """Both levels of ours have finite ratios; httpx, when installed, is 1.0x."""
        data = run["report"]["data"]["inprocess"]
        assert set(data) == set(INPROCESS_ROWS)
        if data[INPROCESS_ROWS[0]] is None:
            pytest.skip("httpx is not installed")
        assert data[INPROCESS_ROWS[0]]["ratio"] == pytest.approx(1.0)
        for name in INPROCESS_ROWS[1:]:
            assert _finite(data[name]["ratio"]), name
            assert data[name]["median_us"] > 0, name


class TestTransferSection:
    """Section 8 times our download and upload against bare urllib3 loops."""

    def test_every_transfer_ran_with_a_finite_ratio(self, run):
        """Each transfer ran at least once; the bare loops are the 1.0x base."""
        data = run["report"]["data"]["transfer"]
        assert data["bytes"] == 4 * 1024 * 1024
        for name in TRANSFERS:
            assert data[name]["calls"] >= 1, name
            assert _finite(data[name]["ratio"]), name
            assert data[name]["median_s"] > 0, name
        assert data[TRANSFERS[0]]["ratio"] == pytest.approx(1.0)
        assert data[TRANSFERS[2]]["ratio"] == pytest.approx(1.0)


class TestReport:
    """The printed report and the page carry the environment, the targets and the tables."""

    def test_targets_are_listed_with_measurements(self, run):
        """Every target names what it measures, its limit and a measured value (met or not)."""
        targets = run["report"]["targets"]
        assert len(targets) == 11
        for target in targets:
            assert target["what"]
            assert target["limit"]
            assert any(ch.isdigit() for ch in target["measured"]), target
            assert isinstance(target["met"], bool)

    def test_targets_carry_the_issue_limits(self, run):
        """The limits of issue 12's performance table are all in the targets."""
        limits = {(t["what"], t["limit"]) for t in run["report"]["targets"]}
        wanted = {
            ("sequential, default stack, INFO log", "≤ 1.15x"),
            ("sequential, default stack, WARNING log (aim: the floor)", "≤ 1.05x"),
            ("4 threads, default stack, INFO log", "≤ 1.20x"),
            ("4 threads, default stack, WARNING log", "≤ 1.08x"),
            ("download, same durability as a bare urllib3 loop", "≤ 1.02x"),
            ("upload, a streamed file, vs bare urllib3", "≤ 1.02x"),
        }
        assert wanted <= limits
        assert any("httpx" in what and limit == "≤ 0.20x" for what, limit in limits)

    def test_environment_names_machine_versions_and_servers(self, run):
        """The machine, Python, the library versions and the servers used are recorded."""
        env = run["report"]["environment"]
        for key in ("CPU", "cores", "Python", "OS", "urllib3", "structlog", "heygen-pipeline"):
            assert env[key], key
        assert env["server (sections 1-3, 6, 8 download)"].startswith(("nginx", "python"))

    def test_page_has_every_table_and_keeps_the_explanation(self, run):
        """The Markdown page has each section's table, and the hand-written part survives."""
        page = run["page"]
        assert NOTE in page
        assert "old table" not in page
        for heading in ("## Targets", *(f"## {h}" for h in HEADINGS)):
            assert heading in page, heading
        for name in ALWAYS_RUN:
            assert name in page
        assert "```python" not in page  # the docs test would run it

    def test_stdout_shows_the_tables(self, run):
        """The terminal report has every section and the targets."""
        for heading in (*(f"== {h}" for h in HEADINGS), "== Targets"):
            assert heading in run["stdout"], heading


class TestProfileScript:
    """The profile script runs and prints a self-time table per log level."""

    def test_prints_both_levels(self):
        """A tiny profile prints cProfile's table for INFO and for WARNING."""
        done = subprocess.run(  # noqa: S603 - our own script, no shell
            [sys.executable, str(ROOT / "benchmarks" / "profile_stack.py"), "--calls", "20"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        for level in ("INFO", "WARNING"):
            assert f"20 HeyGenClient.get() calls, {level} log" in done.stdout
        assert "tottime" in done.stdout
