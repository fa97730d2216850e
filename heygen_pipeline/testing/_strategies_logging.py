"""Hypothesis strategies for the auth and logging middlewares: keys, allowlists and scenarios.

A `Scenario` is one attempt through ``auth`` and ``logging`` (in either order): the
request, what the transport answers (a response or a fault, either possibly echoing the key),
and the retry decision of an enclosing backoff, if any. Properties state that the key never
leaks into logs, reprs or tracebacks for every scenario.
"""

from __future__ import annotations

import string
from typing import Final

import attrs
from hypothesis import strategies as st

from heygen_pipeline._models import Request, RequestOptions, Response
from heygen_pipeline.errors import (
    ConnectError,
    HeyGenError,
    ProtocolError,
    ReadTimeoutError,
    ServerError,
    TransportError,
)
from heygen_pipeline.middleware._context import ATTEMPT, Attempt, RetryDecision
from heygen_pipeline.testing._mock import BytesStream

__all__ = [
    "FAULT_TYPES",
    "HOST_POOL",
    "Reply",
    "Scenario",
    "allowlists",
    "api_keys",
    "hosts",
    "retry_decisions",
    "scenarios",
    "target_urls",
]

HOST_POOL: Final = (
    "api.heygen.com",
    "upload.heygen.com",
    "files.cdn.example",
    "127.0.0.1",
    "127.0.0.2",
    "localhost",
)
"""Host names the properties draw from: HeyGen's, a CDN, and loopback names."""
_PORTS: Final = (80, 443, 8080, 9000)
"""Ports the properties draw from (few, so that ``host:port`` entries do match sometimes)."""
FAULT_TYPES: Final[tuple[type[HeyGenError], ...]] = (
    TransportError,
    ConnectError,
    ProtocolError,
    ReadTimeoutError,
    ServerError,
)
"""Exception classes a transport (or an inner middleware) raises."""
_SUFFIX: Final = string.ascii_lowercase + string.digits


def api_keys() -> st.SearchStrategy[str]:
    """Distinctive API keys (``hgtest_`` and 10-32 lowercase letters or digits).

    The prefix keeps them from matching ordinary text once registered for scrubbing (the
    registry is process-wide), and lower case keeps ``REDACTED`` from forming part of one.
    """
    return st.text(alphabet=_SUFFIX, min_size=10, max_size=32).map(lambda s: f"hgtest_{s}")


def hosts() -> st.SearchStrategy[str]:
    """A host name from `HOST_POOL`, in any case."""
    return st.sampled_from(HOST_POOL).flatmap(
        lambda h: st.sampled_from([h, h.upper(), h.capitalize()])
    )


def allowlists() -> st.SearchStrategy[list[str]]:
    """Non-empty allowlists: host names (any port) and ``host:port`` entries, in any case."""
    entry = st.one_of(hosts(), st.builds(lambda h, p: f"{h}:{p}", hosts(), st.sampled_from(_PORTS)))
    return st.lists(entry, min_size=1, max_size=4)


def target_urls() -> st.SearchStrategy[str]:
    """Request URLs over the pool of hosts and ports, http or https, with a short path."""
    return st.builds(
        lambda scheme, host, port, path: f"{scheme}://{host}{port}/{path}",
        st.sampled_from(["http", "https"]),
        st.sampled_from(HOST_POOL),
        st.one_of(st.just(""), st.sampled_from(_PORTS).map(lambda p: f":{p}")),
        st.text(alphabet=_SUFFIX + "/_-", max_size=12),
    )


def retry_decisions() -> st.SearchStrategy[RetryDecision]:
    """What an enclosing backoff decides: retry (with a delay) or stop, with a reason."""
    return st.builds(
        RetryDecision,
        retry=st.booleans(),
        delay=st.floats(min_value=0, max_value=60, allow_nan=False),
        reason=st.sampled_from(["", "status 429", "status 503", "attempts exhausted"]),
    )


@attrs.frozen
class Reply:
    """A transport's answer: status, headers and body (possibly streamed)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stream: bool

    def response(self, request: Request) -> Response:
        """The response to ``request``."""
        if self.stream:
            return Response(self.status, self.headers, request, stream=BytesStream(self.body))
        return Response(self.status, self.headers, request, content=self.body)


@attrs.frozen
class Scenario:
    """One attempt: the request, the transport's reply or fault, and the backoff's view."""

    request: Request
    reply: Reply | None
    fault: tuple[type[HeyGenError], str] | None
    decision: RetryDecision | None
    """What a backoff outside decided about this attempt (None: no backoff)."""
    attempt_number: int
    auth_outside: bool
    log_bodies: bool

    def answer(self, request: Request) -> Response:
        """What the transport does with ``request``: reply, or raise a fresh fault."""
        if self.fault is not None:
            cls, message = self.fault
            raise cls(message, request=request)
        assert self.reply is not None  # noqa: S101 - one of the two is always set
        return self.reply.response(request)

    def attempt(self) -> Attempt | None:
        """The Attempt a backoff would attach (None: logging runs without backoff)."""
        if self.decision is None:
            return None
        return Attempt(self.attempt_number, self.attempt_number + 1)


def _mixin(key: str) -> st.SearchStrategy[str]:
    """Short text that sometimes carries ``key``."""
    text = st.text(alphabet=string.ascii_letters + string.digits + " :=,", max_size=12)
    return st.one_of(text, st.builds(lambda a, b: f"{a}{key}{b}", text, text))


@st.composite
def _headers(draw: st.DrawFn, key: str) -> tuple[tuple[str, str], ...]:
    names = st.sampled_from(
        [
            "X-Api-Key",
            "Authorization",
            "User-Agent",
            "X-Request-Id",
            "X-Echo",
            "Location",
            "Content-Type",
            "Retry-After",
            "Set-Cookie",
        ]
    )
    pairs = draw(st.lists(st.tuples(names, _mixin(key)), max_size=5, unique_by=lambda p: p[0]))
    return tuple(pairs)


@st.composite
def scenarios(draw: st.DrawFn, key: str) -> Scenario:
    """Scenarios where the request, the response and any fault may all carry ``key``."""
    url = draw(target_urls())
    headers = draw(_headers(key))
    body_kind = draw(st.sampled_from(["none", "bytes", "chunks"]))
    body: bytes | list[bytes] | None = None
    if body_kind != "none":
        payload = draw(_mixin(key)).encode()
        body = payload if body_kind == "bytes" else [payload]
    request = Request(
        draw(st.sampled_from(["GET", "POST", "DELETE"])),
        url,
        headers=dict(headers),
        body=body,
        options=RequestOptions(stream=draw(st.booleans())),
    )
    reply = fault = None
    if draw(st.booleans()):
        cls = draw(st.sampled_from(FAULT_TYPES))
        fault = (cls, draw(_mixin(key)))
    else:
        reply = Reply(
            status=draw(st.sampled_from([200, 201, 302, 400, 401, 404, 429, 500, 503])),
            headers=draw(_headers(key)),
            body=draw(_mixin(key)).encode(),
            stream=request.options.stream,
        )
    decision = draw(st.none() | retry_decisions())
    scenario = Scenario(
        request=request,
        reply=reply,
        fault=fault,
        decision=decision,
        attempt_number=draw(st.integers(1, 5)),
        auth_outside=draw(st.booleans()),
        log_bodies=draw(st.booleans()),
    )
    attempt = scenario.attempt()
    if attempt is not None:
        scenario = attrs.evolve(
            scenario, request=request.with_options(extensions={ATTEMPT: attempt})
        )
    return scenario
