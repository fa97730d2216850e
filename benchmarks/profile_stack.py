"""Profile ``HeyGenClient.get()`` in-process: where the default stack's time goes, by self time.

    python benchmarks/profile_stack.py                 # 2000 calls at INFO and at WARNING
    python benchmarks/profile_stack.py --calls 5000 --top 30

The client is the benchmark's (default stack, the benchmark's structlog processors, output
discarded) over `MockTransport` answering the 3 KB v2 envelope, so no I/O shows up: only the
Python code per request. Prints cProfile's top functions by self time for each level.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import sys
from collections.abc import Sequence

import _servers
from _clients import API_KEY, null_logger
from _pipeline import BASE_URL, PATH, _transport

from heygen_pipeline import HeyGenClient, default_stack

LEVELS = (("INFO", logging.INFO), ("WARNING", logging.WARNING))


def profile(level: int, calls: int, top: int) -> str:
    """The cProfile table of ``calls`` ``get()`` calls at ``level``, by self time."""
    client = HeyGenClient(
        API_KEY,
        base_url=BASE_URL,
        transport=_transport(_servers.envelope(_servers.SMALL_SIZE)),
        stack=default_stack(logger=null_logger(level)),
    )
    for _ in range(200):  # warm up: caches, lazy imports, first-call paths
        client.get(PATH)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        client.get(PATH)
    profiler.disable()
    client.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Profile at each level and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls profiled per level")
    parser.add_argument("--top", type=int, default=20, help="functions shown per level")
    args = parser.parse_args(argv)
    for name, level in LEVELS:
        sys.stdout.write(f"== {args.calls} HeyGenClient.get() calls, {name} log\n")
        sys.stdout.write(profile(level, max(1, args.calls), max(1, args.top)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
