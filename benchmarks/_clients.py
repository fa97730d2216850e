"""The HTTP clients compared, each behind one tiny interface: GET a path, parse, unwrap.

Every client does the same work per call: one keep-alive GET, the body parsed as JSON and the
v2 envelope unwrapped (``data`` returned, an ``error`` raised). Libraries that are not
installed are reported as missing, never fail the run.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
import urllib3

from heygen_pipeline import HeyGenClient, default_stack

API_KEY = "bench-key-0123456789"
"""A fake key: the local servers ignore it, the auth middleware still adds it."""


class EnvelopeError(Exception):
    """The benchmark server answered something other than a success envelope."""


def unwrap_v2(body: Any) -> Any:
    """What every client does with the parsed body: return ``data`` or raise ``error``."""
    if not isinstance(body, dict) or body.get("error") is not None or "data" not in body:
        msg = f"not a v2 success envelope: {str(body)[:80]}"
        raise EnvelopeError(msg)
    return body["data"]


@dataclass
class Client:
    """A configured client: ``get(path)`` returns the unwrapped data; ``close()`` frees it."""

    name: str
    get: Callable[[str], Any]
    close: Callable[[], None]


@dataclass(frozen=True)
class Spec:
    """How to make one client for a server, and whether its library is installed."""

    name: str
    make: Callable[[str, int, int], Client]
    """``make(host, port, threads)``: a client with a pool large enough for ``threads``."""
    requires: str | None = None
    """The module that must be importable, or None."""
    floor: bool = False

    @property
    def available(self) -> bool:
        """Whether the library this client needs is installed."""
        return self.requires is None or importlib.util.find_spec(self.requires) is not None


def null_logger(level: int) -> Any:
    """A structlog logger whose processors run in full but whose output goes nowhere."""
    return structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.KeyValueRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
    )


def _urllib3(host: str, port: int, threads: int) -> Client:
    pool = urllib3.HTTPConnectionPool(host, port, maxsize=threads, block=True)

    def get(path: str) -> Any:
        response = pool.request("GET", path)
        if response.status != 200:  # noqa: PLR2004
            raise EnvelopeError(response.status)
        return unwrap_v2(json.loads(response.data))

    return Client("urllib3 + json.loads (floor)", get, pool.close)


def _urllib3_orjson(host: str, port: int, threads: int) -> Client:
    import orjson  # noqa: PLC0415 - optional

    pool = urllib3.HTTPConnectionPool(host, port, maxsize=threads, block=True)

    def get(path: str) -> Any:
        response = pool.request("GET", path)
        if response.status != 200:  # noqa: PLR2004
            raise EnvelopeError(response.status)
        return unwrap_v2(orjson.loads(response.data))

    return Client("urllib3 + orjson", get, pool.close)


def _requests(host: str, port: int, threads: int) -> Client:
    import requests  # noqa: PLC0415 - optional
    import requests.adapters  # noqa: PLC0415 - optional

    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(threads, 10))
    session.mount("http://", adapter)
    base = f"http://{host}:{port}"

    def get(path: str) -> Any:
        response = session.get(base + path)
        response.raise_for_status()
        return unwrap_v2(response.json())

    return Client("requests.Session", get, session.close)


def _httpx(host: str, port: int, threads: int) -> Client:
    import httpx  # noqa: PLC0415 - optional

    client = httpx.Client(
        base_url=f"http://{host}:{port}",
        limits=httpx.Limits(max_connections=max(threads, 10)),
    )

    def get(path: str) -> Any:
        response = client.get(path)
        response.raise_for_status()
        return unwrap_v2(response.json())

    return Client("httpx.Client", get, client.close)


def _heygen(level: int, label: str) -> Callable[[str, int, int], Client]:
    def make(host: str, port: int, _threads: int) -> Client:
        client = HeyGenClient(
            API_KEY,
            base_url=f"http://{host}:{port}",
            stack=default_stack(logger=null_logger(level)),
        )
        return Client(label, client.get, client.close)

    return make


FLOOR = "urllib3 + json.loads (floor)"
HEYGEN_INFO = "HeyGenClient, default stack, INFO log"
HEYGEN_WARNING = "HeyGenClient, default stack, WARNING log"

SPECS: tuple[Spec, ...] = (
    Spec(FLOOR, _urllib3, floor=True),
    Spec("urllib3 + orjson", _urllib3_orjson, requires="orjson"),
    Spec("requests.Session", _requests, requires="requests"),
    Spec("httpx.Client", _httpx, requires="httpx"),
    Spec(HEYGEN_INFO, _heygen(logging.INFO, HEYGEN_INFO)),
    Spec(HEYGEN_WARNING, _heygen(logging.WARNING, HEYGEN_WARNING)),
)
"""Every client, floor first; the table keeps this order."""
