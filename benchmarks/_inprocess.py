"""In-process: the full default stack on our `MockTransport` against httpx on its own.

Neither side touches a socket: ``HeyGenClient.get()`` over `heygen_pipeline.testing.MockTransport`
and ``httpx.Client.get()`` over ``httpx.MockTransport`` answer the same 3 KB v2 envelope, and
both do the same work per call (parse the JSON, take ``data``). What is left is each library's
own Python code per request, which is what the ratio compares.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from typing import Any

from _clients import API_KEY, null_logger, unwrap_v2
from _pipeline import BASE_URL, PATH, _transport
from _timing import Budget, Result, interleave_calls

from heygen_pipeline import HeyGenClient, default_stack

HTTPX = "httpx.Client on httpx.MockTransport"
HEYGEN_INFO = "HeyGenClient.get(), default stack, INFO log, on MockTransport"
HEYGEN_WARNING = "HeyGenClient.get(), default stack, WARNING log, on MockTransport"
NAMES = (HTTPX, HEYGEN_INFO, HEYGEN_WARNING)


def _httpx_get(body: bytes) -> tuple[Callable[[], Any], Callable[[], None]] | None:
    if importlib.util.find_spec("httpx") is None:
        return None
    import httpx  # noqa: PLC0415 - optional

    headers = {"Content-Type": "application/json", "Server": "nginx", "Connection": "keep-alive"}

    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers=headers)

    client = httpx.Client(base_url=BASE_URL, transport=httpx.MockTransport(answer))

    def get() -> Any:
        response = client.get(PATH)
        response.raise_for_status()
        return unwrap_v2(response.json())

    return get, client.close


def measure(body: bytes, budget: Budget) -> dict[str, Result]:
    """Time httpx and the default stack (INFO and WARNING) call by call; httpx may be missing."""
    contenders: list[tuple[str, Callable[[], Any]]] = []
    closers: list[Callable[[], None]] = []
    made = _httpx_get(body)
    if made is not None:
        contenders.append((HTTPX, made[0]))
        closers.append(made[1])
    for level, name in ((logging.INFO, HEYGEN_INFO), (logging.WARNING, HEYGEN_WARNING)):
        client = HeyGenClient(
            API_KEY,
            base_url=BASE_URL,
            transport=_transport(body),
            stack=default_stack(logger=null_logger(level)),
        )
        contenders.append((name, _getter(client)))
        closers.append(client.close)
    try:
        first = contenders[0][1]()
        for name, call in contenders[1:]:
            if call() != first:
                msg = f"{name} returned different data than {contenders[0][0]}"
                raise RuntimeError(msg)
        return interleave_calls(contenders, budget)
    finally:
        for close in closers:
            close()


def _getter(client: HeyGenClient) -> Callable[[], Any]:
    return lambda: client.get(PATH)
