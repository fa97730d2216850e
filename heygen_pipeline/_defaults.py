"""The default stack, in the order DESIGN.md gives, and the auth placeholder a client binds."""

from __future__ import annotations

from typing import Final

import attrs
import structlog

from heygen_pipeline._heygen import DEFAULT_BASE_URL, DEFAULT_UPLOAD_URL
from heygen_pipeline._hosts import base_host
from heygen_pipeline._models import Request, Response
from heygen_pipeline._redact import Secret
from heygen_pipeline._stack import Stack
from heygen_pipeline.middleware import (
    ApiKeyAuth,
    BackoffMiddleware,
    BackoffPolicy,
    CircuitBreakerMiddleware,
    ConfigurationError,
    EnvelopeMiddleware,
    LoggingMiddleware,
    RedirectMiddleware,
)
from heygen_pipeline.typing import Handler

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_NAMES",
    "DEFAULT_UPLOAD_URL",
    "ClientAuth",
    "auth_hosts",
    "default_stack",
]

DEFAULT_NAMES: Final = ("envelope", "backoff", "redirects", "breaker", "logging", "auth")
"""The names of the default stack, outermost first."""


@attrs.frozen
class ClientAuth:
    """Stands in for ``auth`` in a stack built without a key; `HeyGenClient` binds it.

    A client given a stack replaces this placeholder with its own credentials, so one stack
    can serve clients with different keys. Called unbound, it fails with a clear error
    rather than sending a request without a key.
    """

    def __call__(self, request: Request, call_next: Handler) -> Response:  # noqa: ARG002 - refuses
        """Refuse: nothing has bound credentials to this stack."""
        msg = (
            "this stack's 'auth' has no key: pass the stack to HeyGenClient(api_key=..., "
            "stack=...), build it with default_stack(api_key=...), or replace 'auth'"
        )
        raise ConfigurationError(msg)


def default_stack(
    api_key: str | Secret | None = None,
    *,
    base_url: str | None = None,
    upload_url: str = DEFAULT_UPLOAD_URL,
    logger: structlog.typing.FilteringBoundLogger | None = None,
    backoff: BackoffPolicy | None = None,
    fail_max: int = 5,
    reset_timeout: float = 30.0,
    max_redirects: int = 5,
) -> Stack:
    """The default stack: envelope, backoff, redirects, breaker, logging, auth.

    Without ``api_key`` the ``auth`` entry is a `ClientAuth` placeholder that a
    [HeyGenClient][heygen_pipeline.HeyGenClient] binds to its own key. Every call builds fresh
    middleware state (its own breaker), so stacks do not share state by accident.

    With ``base_url`` given, the breaker guards only the API and upload hosts, so failures of
    other hosts (a CDN download) never open it. Without, it guards every host until a client
    binds the template: `HeyGenClient` then scopes it to its own API and upload hosts, so
    ``HeyGenClient(stack=default_stack())`` guards exactly what ``HeyGenClient()`` guards.
    """
    hosts = auth_hosts(base_url, upload_url) if base_url is not None else None
    api = base_url if base_url is not None else DEFAULT_BASE_URL
    auth = (
        ClientAuth()
        if api_key is None
        else ApiKeyAuth(api_key, base_url=api, hosts=auth_hosts(api, upload_url))
    )
    return Stack(
        [
            ("envelope", EnvelopeMiddleware()),
            ("backoff", BackoffMiddleware(backoff, logger=logger)),
            ("redirects", RedirectMiddleware(max_redirects=max_redirects)),
            (
                "breaker",
                CircuitBreakerMiddleware(
                    fail_max=fail_max,
                    reset_timeout=reset_timeout,
                    logger=logger,
                    hosts=hosts,
                ),
            ),
            ("logging", LoggingMiddleware(logger=logger)),
            ("auth", auth),
        ]
    )


def auth_hosts(base_url: str, upload_url: str) -> tuple[str, ...]:
    """The allowlist for a client: the API host and the upload host (with ports if given)."""
    return tuple(_host_entry(url) for url in (base_url, upload_url))


def _host_entry(url: str) -> str:
    """``host`` or ``host:port`` (when the URL names a port) of an absolute URL."""
    Request("GET", url)  # validates: absolute, http or https, with a host
    return base_host(url)[2]
