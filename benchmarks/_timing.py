"""Measuring on a noisy machine: warm up, interleave, bound every loop, take medians of medians.

Each round runs every contender once, in an order rotated per round (so none always runs first
or last); a contender's result for the run is the median of its per-round results.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
_NS = 1e9


@dataclass(frozen=True)
class Budget:
    """How much to measure: rounds, calls per batch, and a time cap per batch."""

    rounds: int
    calls: int
    seconds: float
    warmup: int

    def scaled(self, factor: float) -> Budget:
        """The same budget with ``factor`` times the calls (at least one)."""
        return Budget(self.rounds, max(1, int(self.calls * factor)), self.seconds, self.warmup)


@dataclass
class Result:
    """Per-round values (nanoseconds per call) of one contender."""

    name: str
    rounds: list[float] = field(default_factory=list)
    calls: int = 0

    @property
    def median_ns(self) -> float:
        """The median of the per-round medians."""
        return statistics.median(self.rounds) if self.rounds else float("nan")

    @property
    def spread(self) -> float:
        """(max - min) / median of the per-round values: how noisy the rounds were."""
        if len(self.rounds) < 2:  # noqa: PLR2004
            return 0.0
        return (max(self.rounds) - min(self.rounds)) / self.median_ns


def rotated(items: Sequence[T], shift: int) -> list[T]:
    """``items`` rotated left by ``shift``."""
    if not items:
        return []
    shift %= len(items)
    return [*items[shift:], *items[:shift]]


def sequential_batch(call: Callable[[], Any], budget: Budget) -> tuple[float, int]:
    """Time ``call`` one by one; the median per-call time in ns, and how many calls ran."""
    clock = time.perf_counter_ns
    times: list[int] = []
    stop = clock() + int(budget.seconds * _NS)
    for _ in range(budget.calls):
        started = clock()
        call()
        ended = clock()
        times.append(ended - started)
        if ended > stop:
            break
    return float(statistics.median(times)), len(times)


def threaded_batch(call: Callable[[], Any], threads: int, budget: Budget) -> tuple[float, int]:
    """Run ``call`` in ``threads`` threads at once; wall ns per call (inverse throughput)."""
    clock = time.perf_counter_ns
    barrier = threading.Barrier(threads + 1)
    counts = [0] * threads
    errors: list[BaseException] = []
    stop_at = [0]

    def work(index: int) -> None:
        barrier.wait()
        done = 0
        try:
            for _ in range(budget.calls):
                call()
                done += 1
                if clock() > stop_at[0]:
                    break
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        counts[index] = done

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    stop_at[0] = clock() + int(budget.seconds * _NS)
    barrier.wait()
    started = clock()
    for worker in workers:
        worker.join(budget.seconds * 10 + 30)
    elapsed = clock() - started
    if errors:
        raise errors[0]
    total = sum(counts)
    return elapsed / max(total, 1), total


def batch_mean(call: Callable[[], Any], budget: Budget) -> tuple[float, int]:
    """Time a batch of calls as a whole (for sub-microsecond costs); mean ns per call."""
    clock = time.perf_counter_ns
    stop = clock() + int(budget.seconds * _NS)
    done = 0
    started = clock()
    inner = 100
    while done < budget.calls:
        for _ in range(inner):
            call()
        done += inner
        if clock() > stop:
            break
    return (clock() - started) / done, done


def interleave_calls(
    contenders: Sequence[tuple[str, Callable[[], Any]]], budget: Budget
) -> dict[str, Result]:
    """Like `interleave`, but alternating contenders call by call within each round.

    The finest interleaving there is: a burst of noise from elsewhere on the machine lands on
    every contender alike, so the ratios hold even when the absolute numbers wobble.
    """
    clock = time.perf_counter_ns
    results = {name: Result(name) for name, _ in contenders}
    for _, call in contenders:
        for _ in range(budget.warmup):
            call()
    for round_number in range(budget.rounds):
        times: dict[str, list[int]] = {name: [] for name, _ in contenders}
        stop = clock() + int(budget.seconds * _NS)
        for index in range(budget.calls):
            for name, call in rotated(contenders, round_number + index):
                started = clock()
                call()
                times[name].append(clock() - started)
            if clock() > stop:
                break
        for name, values in times.items():
            results[name].rounds.append(float(statistics.median(values)))
            results[name].calls += len(values)
    return results


def interleave(
    contenders: Sequence[tuple[str, Callable[[], Any]]],
    batch: Callable[[Callable[[], Any], Budget], tuple[float, int]],
    budget: Budget,
) -> dict[str, Result]:
    """Warm every contender up, then run ``budget.rounds`` rounds of one batch each."""
    results = {name: Result(name) for name, _ in contenders}
    for _, call in contenders:
        for _ in range(budget.warmup):
            call()
    for round_number in range(budget.rounds):
        for name, call in rotated(contenders, round_number):
            value, calls = batch(call, budget)
            results[name].rounds.append(value)
            results[name].calls += calls
    return results
