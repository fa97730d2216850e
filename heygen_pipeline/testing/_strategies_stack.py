"""Hypothesis strategies for whole stacks: the default middlewares in any order, plus user ones.

`stacks` draws any subset of the default middlewares, in any order, with zero or more user
middlewares (`user_middlewares`) slotted in anywhere. The user middlewares are what real
applications add: pass-through, header-adding, logging, answering without calling the next
handler, raising. They are *honest but careless*: they log requests and headers (the objects,
whose reprs the library redacts), echo request headers into responses they make up, and put raw
header text into the messages of the library's own exceptions (which scrub every registered
secret). They never copy the key into a place the library cannot see or scrub, such as a plain
``ValueError`` message or a log call given ``dict(request.headers)``: no library can redact
what user code writes there itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping
from typing import Final, Literal

import attrs
import structlog
from hypothesis import strategies as st

from heygen_pipeline._defaults import DEFAULT_NAMES, DEFAULT_UPLOAD_URL, default_stack
from heygen_pipeline._models import Request, Response
from heygen_pipeline._redact import Secret
from heygen_pipeline._stack import Stack
from heygen_pipeline.errors import (
    APIError,
    CircuitOpenError,
    ConnectError,
    HeyGenError,
    ProtocolError,
    ReadTimeoutError,
    ServerError,
    TransportError,
)
from heygen_pipeline.middleware import BackoffMiddleware
from heygen_pipeline.middleware._auth import DEFAULT_BASE_URL
from heygen_pipeline.testing._mock import make_response
from heygen_pipeline.typing import Handler, Middleware, Sleep

__all__ = [
    "AddHeader",
    "EchoResponse",
    "LogTraffic",
    "PassThrough",
    "RaiseError",
    "default_middlewares",
    "stacks",
    "user_middlewares",
]

USER_LOGGER: Final = "heygen_pipeline.testing.user"
"""The structlog and stdlib logger name the `LogTraffic` user middleware logs under."""

_structlog = structlog.get_logger(USER_LOGGER)
_stdlib = logging.getLogger(USER_LOGGER)

EchoShape = Literal["data", "error", "text"]


def _no_sleep(_seconds: float) -> None:
    """Return at once: backoff in generated stacks never waits for real time."""


def default_middlewares(
    api_key: str | Secret | None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    upload_url: str = DEFAULT_UPLOAD_URL,
    sleep: Sleep = _no_sleep,
) -> dict[str, Middleware]:
    """A fresh instance of each default middleware, by name, in the default order.

    Built by [default_stack][heygen_pipeline.default_stack], so they are configured as a
    client's would be, except that ``backoff`` sleeps with ``sleep`` (by default it returns at
    once, so tests never wait). Fresh on every call: no breaker state is shared.

    Args:
        api_key: the key for ``auth`` (an ``ApiKeyAuth`` allowlisting the hosts of ``base_url``
            and ``upload_url``); ``None`` leaves the ``ClientAuth`` placeholder that a
            [HeyGenClient][heygen_pipeline.HeyGenClient] given the stack binds to its own key.
        base_url: the API's base URL.
        upload_url: the upload host's URL.
        sleep: what ``backoff`` waits with.
    """
    stack = default_stack(api_key, base_url=base_url, upload_url=upload_url)
    return dict(stack.replace("backoff", BackoffMiddleware(sleep=sleep)))


@attrs.frozen
class PassThrough:
    """A user middleware that hands the request on unchanged."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Call the next handler."""
        return call_next(request)


@attrs.frozen
class AddHeader:
    """A user middleware that sets one request header (a tenant, a trace id...)."""

    name: str
    value: str

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Call the next handler with the header set."""
        return call_next(request.with_headers({self.name: self.value}))


@attrs.frozen
class LogTraffic:
    """A user middleware that logs each request and response at DEBUG, structlog and stdlib.

    It logs the `Request`, `Response` and `Headers` objects, as a careful user would; their
    reprs are the library's, which never show a secret.
    """

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Log the request, call the next handler, log the response."""
        _structlog.debug("user_request", request=request, headers=request.headers)
        _stdlib.debug("user middleware sends %r with %r", request, request.headers)
        response = call_next(request)
        _structlog.debug("user_response", response=response, headers=response.headers)
        _stdlib.debug("user middleware got %r with %r", response, response.headers)
        return response


def _echo_body(shape: EchoShape, headers: Mapping[str, str]) -> bytes:
    """A body that carries ``headers`` verbatim: as data, as an error message, or as text."""
    if shape == "data":
        return json.dumps({"data": {"echo": dict(headers)}}).encode()
    if shape == "error":
        message = f"rejected request with headers {dict(headers)}"
        return json.dumps({"error": {"code": "invalid_parameter", "message": message}}).encode()
    return f"<html>headers: {dict(headers)}</html>".encode()


@attrs.frozen
class EchoResponse:
    """A user middleware that answers itself, echoing the request's headers in the body.

    It never calls the next handler. If it sits inside ``auth``, the echoed headers hold the
    key: the response's data (or the error's message) then carries it, as a server echoing
    the key would. The library must not render it anywhere (reprs, logs, error messages);
    the bytes of the body and the unwrapped ``data`` are the caller's data, not renderings.
    """

    status: int
    shape: EchoShape

    def __call__(self, request: Request, call_next: Handler, /) -> Response:  # noqa: ARG002 - answers itself
        """Return a made-up response to ``request``."""
        return make_response(
            request, self.status, content=_echo_body(self.shape, request.headers.raw())
        )


@attrs.frozen
class RaiseError:
    """A user middleware that raises, before calling the next handler or after it returned.

    A [HeyGenError][heygen_pipeline.HeyGenError] (or subclass) gets the request's raw headers
    in its message, carelessly: the library's errors scrub every registered secret. Any other
    exception class gets the request's and headers' reprs, which never show a secret; a user
    middleware that wrote the raw key into a ``ValueError`` would leak it by its own hand.
    """

    kind: type[Exception]
    after: bool = False

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Raise ``kind`` (after a round trip to the next handler if ``after``)."""
        if self.after:
            call_next(request).close()
        if issubclass(self.kind, HeyGenError):
            raise self.kind(
                f"user middleware failed; headers were {request.headers.raw()}", request=request
            )
        raise self.kind(f"user middleware failed for {request!r} with {request.headers!r}")


_USER_HEADERS: Final = ("X-Trace-Id", "X-Tenant", "Accept", "User-Agent", "X-Api-Version")
_RAISED: Final[tuple[type[Exception], ...]] = (
    HeyGenError,
    TransportError,
    ConnectError,
    ReadTimeoutError,
    ProtocolError,
    ServerError,
    APIError,
    CircuitOpenError,
    ValueError,
    RuntimeError,
)


def user_middlewares(*, echo: bool = True) -> st.SearchStrategy[Middleware]:
    """Simple user middlewares, honest but careless (see the module docstring).

    `PassThrough`, `AddHeader`, `LogTraffic`, `RaiseError` and `EchoResponse`. Whatever
    they do, what the library renders (logs, reprs, its errors' messages, tracebacks) must
    not show the key.

    Args:
        echo: include `EchoResponse`, which puts the request's raw headers into a response
            body. Turn it off to check that no frame's local variables hold the key: a body
            that carries it shows in the locals of whatever reads it.
    """
    value = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/.", max_size=16)
    choices: list[st.SearchStrategy[Middleware]] = [
        st.just(PassThrough()),
        st.builds(AddHeader, name=st.sampled_from(_USER_HEADERS), value=value),
        st.just(LogTraffic()),
        st.builds(RaiseError, kind=st.sampled_from(_RAISED), after=st.booleans()),
    ]
    if echo:
        statuses = st.sampled_from([200, 201, 400, 401, 429, 500, 503])
        shapes: st.SearchStrategy[EchoShape] = st.sampled_from(["data", "error", "text"])
        choices.append(st.builds(EchoResponse, status=statuses, shape=shapes))
    return st.one_of(choices)


def stacks(
    api_key: str | Secret | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    upload_url: str = DEFAULT_UPLOAD_URL,
    extra: st.SearchStrategy[Middleware] | None = None,
    max_extra: int = 3,
    required: Collection[str] = (),
) -> st.SearchStrategy[Stack]:
    """Stacks of any subset of the default middlewares, in any order, plus user middlewares.

    The defaults come fresh from `default_middlewares` for every stack (``backoff`` never
    sleeps); the names in ``required`` are always among them. Zero to ``max_extra``
    middlewares drawn from ``extra`` (default: `user_middlewares`) go in at any position,
    named ``user_0``, ``user_1``... Build the stack over a
    [MockTransport][heygen_pipeline.testing.MockTransport], or hand it to a
    [HeyGenClient][heygen_pipeline.HeyGenClient] (with ``api_key=None`` the client binds
    its own key to ``auth``).

    Args:
        api_key: the key for ``auth``, or ``None`` for the placeholder a client binds.
        base_url: the API's base URL (its host gets the key).
        upload_url: the upload host's URL (its host gets the key too).
        extra: the user middlewares to mix in.
        max_extra: at most this many user middlewares.
        required: default middlewares every stack has (``("auth",)``: the key is always sent).

    Raises:
        ValueError: ``required`` names something that is not a default middleware.
    """
    unknown = set(required) - set(DEFAULT_NAMES)
    if unknown:
        msg = f"required names no default middleware: {sorted(unknown)}; use {DEFAULT_NAMES}"
        raise ValueError(msg)
    if isinstance(max_extra, bool) or not isinstance(max_extra, int) or max_extra < 0:
        msg = f"max_extra must be an int >= 0, not {max_extra!r}"
        raise ValueError(msg)
    default_middlewares(api_key, base_url=base_url, upload_url=upload_url)  # fail now, not later
    return _stacks(
        api_key,
        base_url=base_url,
        upload_url=upload_url,
        extra=user_middlewares() if extra is None else extra,
        max_extra=max_extra,
        required=tuple(required),
    )


@st.composite
def _stacks(
    draw: st.DrawFn,
    api_key: str | Secret | None,
    *,
    base_url: str,
    upload_url: str,
    extra: st.SearchStrategy[Middleware],
    max_extra: int,
    required: tuple[str, ...],
) -> Stack:
    """Draw one stack for `stacks`, whose arguments it takes, already checked."""
    defaults = default_middlewares(api_key, base_url=base_url, upload_url=upload_url)
    names = draw(st.lists(st.sampled_from(DEFAULT_NAMES), unique=True))
    for name in required:
        if name not in names:
            names.insert(draw(st.integers(min_value=0, max_value=len(names))), name)
    entries: list[tuple[str, Middleware]] = [(name, defaults[name]) for name in names]
    users = draw(st.lists(extra, max_size=max_extra))
    for number, middleware in enumerate(users):
        position = draw(st.integers(min_value=0, max_value=len(entries)))
        entries.insert(position, (f"user_{number}", middleware))
    return Stack(entries)
