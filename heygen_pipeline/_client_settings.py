"""What a client's arguments and the environment resolve to, and the checks of its arguments.

`HeyGenClient` calls these once, while it is built (the base URL, the transport, the default
headers, the User-Agent), and per request (option changes, ``total_timeout``, argument types).
Each raises a typed error naming the argument, so a mistake fails where it is made.
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Mapping
from typing import Any, Final

import attrs

from heygen_pipeline._defaults import DEFAULT_BASE_URL
from heygen_pipeline._headers import Headers
from heygen_pipeline._models import MAX_SECONDS, Request, RequestOptions
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport
from heygen_pipeline.errors import ConfigurationError
from heygen_pipeline.typing import Handler

__all__ = [
    "ENV_BASE_URL",
    "WRITES",
    "base_url",
    "check_client_args",
    "check_stack",
    "check_types",
    "deadline_in",
    "default_headers",
    "evolve_options",
    "request_options",
    "transport",
    "user_agent_headers",
]

ENV_BASE_URL: Final = "HEYGEN_BASE_URL"
"""The environment variable a client's base URL comes from when none is passed."""
WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""The methods that get a client's ``write_timeout`` when a request sets no timeout."""
_REQUEST_ARGS: Final = "params, json, content, headers, options, total_timeout"
"""The keywords a request takes besides the `RequestOptions` fields, for error messages."""
_OPTION_FIELDS: Final = frozenset(attrs.fields_dict(RequestOptions))
_NOT_DEFAULT: Final = frozenset({"x-api-key", "authorization", "proxy-authorization"})
"""Headers refused in ``default_headers``: the key goes through ``api_key`` and the stack."""


def default_headers(given: Mapping[str, str] | None) -> Headers:
    """``given`` as checked headers, refusing credentials (they belong to ``api_key``)."""
    headers = Headers(given)
    refused = sorted(name for name in headers if name.lower() in _NOT_DEFAULT)
    if refused:
        msg = (
            f"default_headers must not set {', '.join(refused)}: pass the key as api_key= "
            "(or put an auth middleware in the stack)"
        )
        raise ConfigurationError(msg)
    return headers


def evolve_options(
    options: RequestOptions, changes: Mapping[str, Any], takes: str
) -> RequestOptions:
    """``options`` with ``changes``, naming what is accepted when a keyword is misspelt."""
    unknown = sorted(set(changes) - _OPTION_FIELDS)
    if unknown:
        msg = (
            f"unexpected keyword argument(s) {', '.join(map(repr, unknown))}; {takes} "
            f"the RequestOptions fields: {', '.join(sorted(_OPTION_FIELDS))}"
        )
        raise TypeError(msg)
    return attrs.evolve(options, **changes)


def request_options(
    options: RequestOptions, changes: dict[str, Any], total_timeout: float | None
) -> RequestOptions:
    """``options`` with a request's ``changes``, ``total_timeout`` made the ``deadline``."""
    if total_timeout is not None:
        if "deadline" in changes:
            msg = "pass either total_timeout= or deadline=, not both"
            raise TypeError(msg)
        changes["deadline"] = deadline_in(total_timeout)
    if not changes:
        return options
    return evolve_options(options, changes, f"a request takes {_REQUEST_ARGS} and")


def deadline_in(total_timeout: object) -> float:
    """The instant on the monotonic clock ``total_timeout`` seconds from now."""
    if isinstance(total_timeout, bool) or not isinstance(total_timeout, (int, float)):
        msg = f"total_timeout must be a number of seconds, not {type(total_timeout).__name__}"
        raise TypeError(msg)
    if not 0 <= total_timeout <= MAX_SECONDS:  # also rejects NaN and infinities
        msg = (
            f"total_timeout must be >= 0 seconds and at most {MAX_SECONDS:.0f} (a year), "
            f"not {total_timeout!r}"
        )
        raise ValueError(msg)
    return time.monotonic() + total_timeout


def user_agent_headers(user_agent: str) -> Headers | None:
    """``User-Agent: user_agent`` as checked headers, or None if `Headers` refuses it."""
    try:
        return Headers({"User-Agent": user_agent})
    except (TypeError, ValueError):
        return None


def check_types(method: object, url: object, options: object) -> None:
    """Refuse, with a clear message, a method or URL that is not a str, or odd options."""
    if not isinstance(method, str):
        msg = f"the method must be a str such as 'GET', not {type(method).__name__}"
        raise TypeError(msg)
    if not isinstance(url, str):
        msg = f"url must be a str path or URL, not {type(url).__name__}"
        raise TypeError(msg)
    if not isinstance(options, RequestOptions):
        msg = f"options must be RequestOptions, not {type(options).__name__}"
        raise TypeError(msg)


def check_client_args(urls: tuple[str, ...], stack: object, auto_idempotency: object) -> None:
    """Refuse, now, a URL that is not absolute http(s), a non-`Stack`, or an odd rule."""
    for url in urls:
        Request("GET", url)  # an absolute http(s) URL, or a clear error now
    if stack is not None:
        check_stack(stack)
    if not (isinstance(auto_idempotency, bool) or callable(auto_idempotency)):
        msg = "auto_idempotency must be a bool or a function of the request"
        raise TypeError(msg)


def check_stack(stack: object) -> None:
    """Refuse a ``stack`` that is not a `Stack`."""
    if not isinstance(stack, Stack):
        msg = f"stack must be a Stack, not {type(stack).__name__}"
        raise TypeError(msg)


def base_url(given: str | None) -> str:
    """``given``, else ``$HEYGEN_BASE_URL`` (checked now, naming the variable), else HeyGen's."""
    if given is not None:
        return given
    value = os.environ.get(ENV_BASE_URL, "").strip()
    if not value:
        return DEFAULT_BASE_URL
    try:
        Request("GET", value)
    except (ValueError, TypeError) as exc:
        msg = f"{ENV_BASE_URL} must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}"
        raise ConfigurationError(msg) from exc
    return value


def transport(
    given: Handler | None,
    *,
    proxy: str | None,
    trust_env: bool,
    ca_certs: str | os.PathLike[str] | None,
    ssl_context: ssl.SSLContext | None,
) -> Handler:
    """``given``, else a `Urllib3Transport` with these settings (refused alongside ``given``)."""
    if given is None:
        return Urllib3Transport(
            proxy=proxy, trust_env=trust_env, ca_certs=ca_certs, ssl_context=ssl_context
        )
    named = {"proxy": proxy, "ca_certs": ca_certs, "ssl_context": ssl_context}
    clashing = [name for name, value in named.items() if value is not None]
    if trust_env is not True:
        clashing.append("trust_env")
    if clashing:
        msg = (
            f"{', '.join(clashing)} configure the default transport; with transport= given, "
            "pass them to that transport (Urllib3Transport(...)) instead"
        )
        raise ConfigurationError(msg)
    return given
