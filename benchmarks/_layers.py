"""Where the microseconds go over a real socket: the default stack built up layer by layer.

Starting from the transport alone, the default stack's layers are added one at a time from
the innermost out (``Stack.remove`` of the outer ones from `default_stack`), at WARNING and at
INFO, each configuration a `HeyGenClient` with ``stack=`` over the same server. Every
configuration does the same work per call: with the envelope layer it unwraps the body;
without, the benchmark parses ``response.content`` with the parser the envelope layer uses
(orjson when installed) and takes ``data`` itself. All configurations and a bare urllib3
reference take turns call by call; a layer's cost is the difference of the medians.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import urllib3
from _clients import API_KEY, EnvelopeError, null_logger, unwrap_v2
from _timing import Budget, Result, interleave_calls

from heygen_pipeline import HeyGenClient, Stack, default_stack

LEVELS = (("WARNING", logging.WARNING), ("INFO", logging.INFO))
TRANSPORT_ONLY = "transport only"
REFERENCE = "reference"


@dataclass(frozen=True)
class LayerRow:
    """One step of the build-up: the layer added and µs per request at each level."""

    layer: str
    """``transport only`` or ``+name`` (the layer this step adds)."""
    total_us: dict[str, float]
    """Per level: the median µs per request of the stack so far."""
    added_us: dict[str, float]
    """Per level: what this step added over the one before (0 for the first)."""


def _parser() -> tuple[str, Callable[[bytes], Any]]:
    if importlib.util.find_spec("orjson") is not None:
        import orjson  # noqa: PLC0415 - optional

        return "orjson", orjson.loads
    return "json.loads", json.loads


def configurations(logger: Any) -> list[tuple[str, Stack]]:
    """The stacks, transport only first, each adding the next layer from the inside out."""
    full = default_stack(logger=logger)
    names = list(full.names)  # outermost first
    steps = [(TRANSPORT_ONLY, Stack())]
    for kept in range(1, len(names) + 1):
        stack = full
        for name in names[: len(names) - kept]:
            stack = stack.remove(name)
        steps.append((f"+{names[len(names) - kept]}", stack))
    return steps


def _getter(client: HeyGenClient, path: str, parse: Callable[[bytes], Any]) -> Callable[[], Any]:
    if "envelope" in client.stack:
        return lambda: client.get(path)

    def get() -> Any:
        response = client.request("GET", path)
        if response.status != 200:  # noqa: PLR2004
            raise EnvelopeError(response.status)
        return unwrap_v2(parse(response.content))

    return get


def _reference(
    host: str, port: int, parse: Callable[[bytes], Any]
) -> tuple[Callable[[str], Any], Callable[[], None]]:
    pool = urllib3.HTTPConnectionPool(host, port, maxsize=1, block=True)

    def get(path: str) -> Any:
        response = pool.request("GET", path)
        if response.status != 200:  # noqa: PLR2004
            raise EnvelopeError(response.status)
        return unwrap_v2(parse(response.data))

    return get, pool.close


def measure(host: str, port: int, path: str, budget: Budget) -> tuple[str, list[LayerRow]]:
    """Build the stack up layer by layer at each level; the reference's name and the rows."""
    parser_name, parse = _parser()
    base_url = f"http://{host}:{port}"
    reference_get, reference_close = _reference(host, port, parse)
    reference = f"urllib3 + {parser_name} (no HeyGenClient)"
    contenders: list[tuple[str, Callable[[], Any]]] = [(reference, lambda: reference_get(path))]
    clients: list[HeyGenClient] = []
    steps: list[str] = []
    for level_name, level in LEVELS:
        for layer, stack in configurations(null_logger(level)):
            client = HeyGenClient(API_KEY, base_url=base_url, stack=stack)
            clients.append(client)
            contenders.append((f"{level_name} {layer}", _getter(client, path, parse)))
            if level_name == LEVELS[0][0]:
                steps.append(layer)
    try:
        expected = reference_get(path)
        for name, call in contenders:
            if call() != expected:
                msg = f"{name} returned different data"
                raise RuntimeError(msg)
        results = interleave_calls(contenders, budget)
    finally:
        reference_close()
        for client in clients:
            client.close()
    return reference, _rows(results, reference, steps)


def _rows(results: dict[str, Result], reference: str, steps: list[str]) -> list[LayerRow]:
    ref = results[reference].median_ns / 1000
    rows = [LayerRow(REFERENCE, dict.fromkeys((n for n, _ in LEVELS), ref), {})]
    previous = dict.fromkeys((n for n, _ in LEVELS), ref)
    for layer in steps:
        totals = {n: results[f"{n} {layer}"].median_ns / 1000 for n, _ in LEVELS}
        added = {n: totals[n] - previous[n] for n, _ in LEVELS}
        rows.append(LayerRow(layer, totals, added))
        previous = totals
    return rows
