"""How a client binds a stack's placeholders, and what ``with_options`` changes in a client.

A stack may hold two placeholders a client fills in: a ``ClientAuth`` gets the client's key,
and a breaker that guards every host is scoped to the client's API and upload hosts. The client
keeps the stack as given (unbound) beside the bound one, so a derived client with another key
binds the same placeholders again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from heygen_pipeline._client_settings import default_headers, evolve_options
from heygen_pipeline._defaults import ClientAuth
from heygen_pipeline._headers import Headers
from heygen_pipeline._models import RequestOptions
from heygen_pipeline._redact import Secret
from heygen_pipeline._stack import Stack
from heygen_pipeline.errors import ConfigurationError
from heygen_pipeline.middleware import ApiKeyAuth, CircuitBreakerMiddleware

__all__ = ["bind_stack", "check_rekeyable", "secret_key", "with_options_changes"]


def bind_stack(stack: Stack, hosts: tuple[str, ...], auth: Callable[[], ApiKeyAuth]) -> Stack:
    """``stack`` with its placeholders bound: ``ClientAuth`` to ``auth()``, a breaker to ``hosts``.

    The two are bound independently, so a failing CDN never opens the API breaker, whatever
    the stack's ``auth``. ``auth`` is called only when the stack has a ``ClientAuth`` (the key
    is resolved only then). The given stack is left as it is.
    """
    bound = stack
    for name, middleware in stack:
        if isinstance(middleware, ClientAuth):
            bound = bound.replace(name, auth())
        elif isinstance(middleware, CircuitBreakerMiddleware) and middleware.hosts is None:
            bound = bound.replace(name, middleware.scoped_to(hosts))
    return bound


def check_rekeyable(stack: Stack) -> None:
    """Refuse another key for a stack without the ``ClientAuth`` placeholder (its own auth)."""
    if not any(isinstance(m, ClientAuth) for _name, m in stack):
        msg = (
            "with_options(api_key=...) needs a stack whose auth is the ClientAuth "
            "placeholder; this stack brings its own auth (use with_stack instead)"
        )
        raise ConfigurationError(msg)


def secret_key(api_key: str | Secret | None) -> Secret | None:
    """A key given as a str, wrapped as a `Secret` (kept out of reprs and logs)."""
    return Secret(api_key) if isinstance(api_key, str) else api_key


def with_options_changes(
    options: RequestOptions,
    headers_now: Headers,
    *,
    headers: Mapping[str, str] | None,
    api_key: str | Secret | None,
    changes: Mapping[str, Any],
) -> dict[str, Any]:
    """The client attributes ``with_options`` changes, from its arguments.

    The options with ``changes``; the default headers with ``headers`` added; another key
    (its auth made afresh when a stack is bound to it).
    """
    derived: dict[str, Any] = {
        "_options": evolve_options(options, changes, "with_options() takes only")
    }
    if headers is not None:
        derived["_default_headers"] = headers_now.with_headers(default_headers(headers))
    if api_key is not None:
        derived.update(_api_key=secret_key(api_key), _auth=None)
    return derived
