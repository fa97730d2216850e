"""Hypothesis strategies for the breaker and redirect middlewares (needs ``hypothesis``).

Outcomes of one attempt (responses of any status, transport errors, unrelated exceptions),
HTTP methods, redirect statuses and ``Location`` values, hostile ones included.
"""

from __future__ import annotations

from hypothesis import strategies as st

from heygen_pipeline._models import Request, Response
from heygen_pipeline.errors import (
    CircuitOpenError,
    ConnectError,
    ConnectTimeoutError,
    ProtocolError,
    RateLimitError,
    ReadTimeoutError,
    TLSError,
    TransportError,
)
from heygen_pipeline.middleware._context import Outcome

__all__ = [
    "client_error_statuses",
    "hostile_locations",
    "http_methods",
    "non_transport_errors",
    "outcomes",
    "redirect_statuses",
    "relative_locations",
    "responses",
    "server_error_statuses",
    "statuses",
    "transport_errors",
]

_REQUEST = Request("GET", "https://api.heygen.com/v2/videos")

_TRANSPORT_ERRORS: tuple[type[TransportError], ...] = (
    TransportError,
    ConnectError,
    TLSError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ProtocolError,
)


def statuses() -> st.SearchStrategy[int]:
    """Any HTTP status code, 100 to 599."""
    return st.integers(min_value=100, max_value=599)


def server_error_statuses() -> st.SearchStrategy[int]:
    """5xx statuses."""
    return st.integers(min_value=500, max_value=599)


def client_error_statuses() -> st.SearchStrategy[int]:
    """4xx statuses, 429 always among the candidates."""
    return st.one_of(st.just(429), st.integers(min_value=400, max_value=499))


def responses(status: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[Response]:
    """Responses to a fixed GET with a status drawn from ``status`` (default: any)."""
    return st.builds(
        lambda code: Response(status=code, headers={}, request=_REQUEST),
        status if status is not None else statuses(),
    )


def transport_errors() -> st.SearchStrategy[TransportError]:
    """Every kind of transport error: connect, TLS, timeouts, broken connections."""
    return st.builds(
        lambda cls, text: cls(text),
        st.sampled_from(_TRANSPORT_ERRORS),
        st.text(max_size=20),
    )


def non_transport_errors() -> st.SearchStrategy[BaseException]:
    """Exceptions that say nothing about the server's health."""
    return st.sampled_from(
        [
            ValueError("a bug in a middleware"),
            RuntimeError("boom"),
            KeyboardInterrupt(),
            CircuitOpenError("an inner breaker is open", retry_after=1.0),
            RateLimitError("raised by a custom inner middleware", status=429),
        ]
    )


def outcomes() -> st.SearchStrategy[Outcome]:
    """Any outcome of one attempt: a response of any status or an exception."""
    return st.one_of(responses(), transport_errors(), non_transport_errors())


def http_methods() -> st.SearchStrategy[str]:
    """The usual methods, and now and then an unusual token."""
    return st.one_of(
        st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8),
    )


def redirect_statuses() -> st.SearchStrategy[int]:
    """The statuses the redirect middleware follows."""
    return st.sampled_from([301, 302, 303, 307, 308])


_SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~", min_size=1, max_size=8)


def relative_locations() -> st.SearchStrategy[str]:
    """Relative references: absolute paths, relative paths, ``..`` and a query."""
    path = st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join)
    query = st.one_of(st.just(""), _SEGMENT.map(lambda s: f"?q={s}"))
    prefix = st.sampled_from(["/", "", "../", "./"])
    return st.builds(lambda p, body, q: f"{p}{body}{q}", prefix, path, query)


def hostile_locations() -> st.SearchStrategy[str]:
    """Locations that must never be followed: other schemes, credentials, garbage."""
    other_scheme = st.builds(
        lambda scheme, rest: f"{scheme}:{rest}",
        st.sampled_from(["file", "ftp", "javascript", "data", "gopher", "mailto", "ws"]),
        st.sampled_from(["///etc/passwd", "alert(1)", "text/html,<b>x</b>", "//host/x"]),
    )
    credentials = st.builds(
        lambda scheme, user, host: f"{scheme}://{user}@{host}/x",
        st.sampled_from(["http", "https", ""]),
        st.sampled_from(["user:pass", "user", ":pw", "a%40b:c"]),
        st.sampled_from(["example.com", "127.0.0.1:8080", "api.heygen.com"]),
    ).map(lambda url: url.removeprefix(":"))
    garbage = st.sampled_from(
        ["", "   ", "http://[::1", "http://host:99999/", "http:///nohost", "https://:80/x"]
    )
    return st.one_of(other_scheme, credentials, garbage)
