"""Event-loop lateness with 50 calls in flight: AsyncHeyGenClient and httpx.AsyncClient.

A 5 ms ticker runs on the loop while 50 slow GETs (FakeHeyGen delays each answer) are in
flight; its lateness is how long the loop kept a ready callback waiting. Every loop callback is
also timed on its own (wall and the loop thread's CPU time), which separates "the loop was busy
in our code" (CPU inside a callback) from "the loop thread waited for the GIL or a GC pause"
(wall without CPU, also seen by the ticker). gc.callbacks times every collection.

Run as a script it measures in this fresh process and prints JSON (the test suite runs it so
that the suite's own heap does not decide the result)::

    python benchmarks/_lateness.py [--calls 50] [--delay 0.3] [--client heygen|httpx]
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from heygen_pipeline import AsyncHeyGenClient, default_stack
from heygen_pipeline.testing import FakeHeyGen, Fault

PATH = "/v2/avatars"
TICK = 0.005
HEYGEN = "AsyncHeyGenClient (8 worker threads)"
HTTPX = "httpx.AsyncClient"


@dataclass
class Lateness:
    """One run's numbers, in milliseconds (counts as counts)."""

    client: str
    calls: int
    ticks: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    callbacks: int
    callback_max_wall_ms: float
    callback_max_cpu_ms: float
    gc_collections: int
    gc_max_ms: float
    pipeline_threads: list[str] = field(default_factory=list)
    """Names of the threads the pipeline ran in (never the loop's, for our client)."""


class _CallbackClock:
    """Times every loop callback (``Handle._run``): wall and the running thread's CPU."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    @contextmanager
    def installed(self) -> Iterator[None]:
        original = asyncio.Handle._run
        clock = self

        def timed(handle: asyncio.Handle) -> None:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                original(handle)
            finally:
                clock.cpu.append(time.thread_time() - cpu)
                clock.wall.append(time.perf_counter() - wall)

        asyncio.Handle._run = timed  # type: ignore[method-assign]
        try:
            yield
        finally:
            asyncio.Handle._run = original  # type: ignore[method-assign]


class _GcClock:
    """Times every garbage collection through gc.callbacks."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    @contextmanager
    def installed(self) -> Iterator[None]:
        gc.callbacks.append(self)
        try:
            yield
        finally:
            gc.callbacks.remove(self)


def _ms(value: float) -> float:
    return round(value * 1000, 2)


async def _ticked(calls: Callable[[], Awaitable[Any]]) -> list[float]:
    """Lateness of a ``TICK`` ticker while ``calls()`` runs."""
    lateness: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            due = time.perf_counter() + TICK
            await asyncio.sleep(TICK)
            lateness.append(time.perf_counter() - due)

    tick = asyncio.create_task(ticker())
    try:
        await calls()
    finally:
        done.set()
        await tick
    return lateness


async def _heygen(fake: FakeHeyGen, calls: int, threads: list[str]) -> Callable[[], Awaitable[Any]]:
    def spy(request: Any, call_next: Any) -> Any:
        threads.append(threading.current_thread().name)
        return call_next(request)

    client = AsyncHeyGenClient(
        fake.api_key, base_url=fake.base_url, stack=default_stack().prepend("spy", spy)
    )
    await client.get(PATH, timeout=30)  # warm: the pool and a connection exist

    async def run() -> None:
        async with client:
            await asyncio.gather(*(client.get(PATH, timeout=30) for _ in range(calls)))

    return run


async def _httpx(fake: FakeHeyGen, calls: int, _threads: list[str]) -> Callable[[], Awaitable[Any]]:
    import httpx  # noqa: PLC0415 - optional

    limits = httpx.Limits(max_connections=calls, max_keepalive_connections=calls)
    client = httpx.AsyncClient(
        base_url=fake.base_url,
        headers={"Authorization": f"Bearer {fake.api_key}", "X-Api-Key": fake.api_key},
        limits=limits,
        timeout=30,
    )

    async def one() -> Any:
        response = await client.get(PATH)
        return response.json()["data"]

    await one()

    async def run() -> None:
        try:
            await asyncio.gather(*(one() for _ in range(calls)))
        finally:
            await client.aclose()

    return run


MAKERS = {"heygen": (HEYGEN, _heygen), "httpx": (HTTPX, _httpx)}


def measure(kind: str, *, calls: int = 50, delay: float = 0.3) -> Lateness:
    """Lateness of the loop while ``calls`` GETs, each answered after ``delay`` s, are in flight."""
    name, make = MAKERS[kind]
    callbacks, pauses, threads = _CallbackClock(), _GcClock(), []
    with FakeHeyGen() as fake:
        fake.inject_always("GET", PATH, Fault.slow(delay))

        async def main() -> list[float]:
            run = await make(fake, calls, threads)
            threads.clear()
            with callbacks.installed(), pauses.installed():
                return await _ticked(run)

        lateness = asyncio.run(main())
    ordered = sorted(lateness)
    return Lateness(
        client=name,
        calls=calls,
        ticks=len(ordered),
        p50_ms=_ms(statistics.median(ordered)),
        p99_ms=_ms(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]),
        max_ms=_ms(ordered[-1]),
        callbacks=len(callbacks.wall),
        callback_max_wall_ms=_ms(max(callbacks.wall)),
        callback_max_cpu_ms=_ms(max(callbacks.cpu)),
        gc_collections=len(pauses.pauses),
        gc_max_ms=_ms(max(pauses.pauses, default=0.0)),
        pipeline_threads=sorted(set(threads)),
    )


def available() -> list[str]:
    """The kinds whose library is installed (ours always; httpx if importable)."""
    return ["heygen"] + (["httpx"] if importlib.util.find_spec("httpx") is not None else [])


def main(argv: list[str] | None = None) -> int:
    """Measure each asked-for client in this process and print one JSON object per line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--client", choices=sorted(MAKERS), action="append")
    args = parser.parse_args(argv)
    for kind in args.client or available():
        sys.stdout.write(
            json.dumps(asdict(measure(kind, calls=args.calls, delay=args.delay))) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
