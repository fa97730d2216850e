"""Host allowlists: which hosts a credential may go to, or which a breaker guards.

An entry is a host name (any port matches) or ``host:port`` (that port only); IPv6
addresses are written bare or in brackets. Matching costs a set lookup or two per request.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Final

from heygen_pipeline._heygen import DEFAULT_BASE_URL
from heygen_pipeline._models import Request
from heygen_pipeline._redact import redact_url
from heygen_pipeline._urls import parse_url
from heygen_pipeline.errors import ConfigurationError

__all__ = ["HostAllowlist", "base_host", "parse_entry", "show"]

_MAX_PORT: Final = 65535
_BAD_HOST_CHARS: Final = re.compile(r"[\s/@?#\\]")


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


def parse_entry(entry: object) -> tuple[str, int | None]:
    """Split an allowlist entry into a lower-case host and an optional exact port."""
    if not isinstance(entry, str):
        msg = f"allowlist entries must be str host names, not {type(entry).__name__}"
        raise TypeError(msg)
    text = entry.strip().lower()
    port: str | None = None
    if text.startswith("["):  # [v6] or [v6]:port
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            host = ""
        port = rest[1:] if rest else None
    elif text.count(":") == 1:  # host:port (more colons: a bare IPv6 address)
        host, _, port = text.partition(":")
    else:
        host = text
    if not host or _BAD_HOST_CHARS.search(host) or (":" in host and not _is_ipv6(host)):
        msg = (
            f"invalid allowlist entry {entry!r}: give a host name such as 'api.heygen.com' "
            "or 'host:port', without a scheme or a path"
        )
        raise ConfigurationError(msg)
    if port is None:
        return host, None
    if not (port.isascii() and port.isdigit() and 0 < int(port) <= _MAX_PORT):
        msg = f"invalid port in allowlist entry {entry!r}: use 'host:port' with a port 1-65535"
        raise ConfigurationError(msg)
    return host, int(port)


def show(host: str, port: int) -> str:
    """Render a host and port as an allowlist entry (IPv6 in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def base_host(base_url: object) -> tuple[str, str, str]:
    """The scheme, host and allowlist entry (``host`` or ``host:port``) of ``base_url``."""
    if not isinstance(base_url, str):
        msg = f"base_url must be a str, not {type(base_url).__name__}"
        raise TypeError(msg)
    try:  # the parse requests use, so the allowlist names hosts exactly as requests do
        parts = parse_url(base_url)
    except ValueError as exc:
        msg = (
            f"base_url {redact_url(base_url)!r} must be an absolute http(s) URL such as "
            f"{DEFAULT_BASE_URL!r} ({exc})"
        )
        raise ConfigurationError(msg) from None
    host = parts.host
    return parts.scheme, host, show(host, parts.port) if parts.explicit_port else host


class HostAllowlist:
    """A checked set of allowlist entries, and whether a request's host is on it."""

    __slots__ = ("_names", "_pairs", "_ported", "entries")

    def __init__(self, entries: Iterable[object]) -> None:
        """Parse every entry; a malformed one is a `ConfigurationError`."""
        parsed = [parse_entry(e) for e in entries]
        self._names = frozenset(h for h, p in parsed if p is None)
        self._pairs = frozenset((h, p) for h, p in parsed if p is not None)
        self._ported = frozenset(h for h, _ in self._pairs)
        self.entries: tuple[str, ...] = tuple(
            dict.fromkeys(h if p is None else show(h, p) for h, p in parsed)
        )

    def allows(self, request: Request) -> bool:
        """Whether ``request`` goes to a host on the list (by name, or name and port)."""
        host = request.host
        return host in self._names or (host in self._ported and (host, request.port) in self._pairs)
