"""In-process cost of the pipeline machinery over `MockTransport`, in microseconds per call.

Everything runs in this process with no I/O, so the numbers are the cost of the Python code
itself: the bare transport call is measured alongside and subtracted.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _clients import API_KEY, null_logger
from _timing import Budget, Result, batch_mean, interleave

from heygen_pipeline import Headers, HeyGenClient, Request, Response, Stack, default_stack
from heygen_pipeline.testing import MockTransport

BASE_URL = "http://127.0.0.1:8080"
PATH = "/v2/envelope.json"
NOOP_COUNTS = (0, 5, 10, 50)


def noop(request: Request, call_next: Callable[[Request], Response], /) -> Response:
    """A middleware that only passes the request on."""
    return call_next(request)


@dataclass(frozen=True)
class PipelineRow:
    """One configuration: its total time per call and the overhead over the bare transport."""

    name: str
    total_us: float
    overhead_us: float
    per_middleware_us: float | None = None


def _transport(body: bytes) -> MockTransport:
    headers = Headers(
        {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            "Server": "nginx",
            "Date": "Sat, 01 Jan 2028 00:00:00 GMT",
            "Connection": "keep-alive",
        }
    )

    def answer(request: Request) -> Response:
        return Response(status=200, headers=headers, request=request, content=body)

    return MockTransport(answer)


def measure(body: bytes, budget: Budget) -> list[PipelineRow]:
    """Time the bare transport, stacks of no-ops, and the default stack, interleaved."""
    transport = _transport(body)
    request = Request("GET", BASE_URL + PATH)
    contenders: list[tuple[str, Callable[[], Any]]] = [
        ("bare MockTransport call (subtracted)", lambda: transport(request))
    ]
    for count in NOOP_COUNTS:
        stack = Stack([(f"noop{i}", noop) for i in range(count)])
        handler = stack.build(transport)
        contenders.append((f"Stack of {count} no-op middlewares", _bind(handler, request)))
    clients = {
        level: HeyGenClient(
            API_KEY,
            base_url=BASE_URL,
            transport=transport,
            stack=default_stack(logger=null_logger(level)),
        )
        for level in (logging.WARNING, logging.INFO)
    }
    bound = clients[logging.WARNING].build_request("GET", PATH)
    info_logger = null_logger(logging.INFO)
    event = _typical_event(body)
    bare_client = HeyGenClient(API_KEY, base_url=BASE_URL, transport=transport, stack=Stack())
    contenders += [
        ("json.loads of the body (work, not machinery)", lambda: json.loads(body)),
        (
            "one INFO event through the benchmark's structlog processors (not machinery)",
            lambda: info_logger.bind().info("http_request", **event),
        ),
        ("default stack, WARNING log (handler call)", _bind(clients[logging.WARNING].send, bound)),
        ("default stack, INFO log (handler call)", _bind(clients[logging.INFO].send, bound)),
        ("HeyGenClient.request(), empty stack", _request(bare_client)),
        ("HeyGenClient.get(), WARNING log", _get(clients[logging.WARNING])),
        ("HeyGenClient.get(), INFO log", _get(clients[logging.INFO])),
    ]
    results: dict[str, Result] = interleave(contenders, batch_mean, budget)
    bare = results[contenders[0][0]].median_ns / 1000
    rows = []
    for name, result in results.items():
        total = result.median_ns / 1000
        overhead = 0.0 if name == contenders[0][0] else total - bare
        if "not machinery" in name:
            overhead = total
        rows.append(PipelineRow(name, total, overhead))
    by_count = {count: rows[i + 1].overhead_us for i, count in enumerate(NOOP_COUNTS)}
    for i, count in enumerate(NOOP_COUNTS):
        if count:
            row = rows[i + 1]
            rows[i + 1] = PipelineRow(
                row.name, row.total_us, row.overhead_us, (by_count[count] - by_count[0]) / count
            )
    return rows


def _typical_event(body: bytes) -> dict[str, Any]:
    """The fields the logging middleware puts in a success event for this request."""
    return {
        "method": "GET",
        "url": BASE_URL + PATH,
        "attempt": 1,
        "elapsed_ms": 0.321,
        "max_attempts": 3,
        "status": 200,
        "request_id": None,
        "retry": False,
        "reason": "success (HTTP 200)",
        "request_headers": {"User-Agent": "heygen-pipeline/0.1.0"},
        "response_headers": {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            "Server": "REDACTED",
            "Date": "Sat, 01 Jan 2028 00:00:00 GMT",
            "Connection": "REDACTED",
        },
    }


def _bind(handler: Callable[[Request], Any], request: Request) -> Callable[[], Any]:
    return lambda: handler(request)


def _get(client: HeyGenClient) -> Callable[[], Any]:
    return lambda: client.get(PATH)


def _request(client: HeyGenClient) -> Callable[[], Any]:
    return lambda: client.request("GET", PATH)
