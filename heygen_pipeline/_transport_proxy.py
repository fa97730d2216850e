"""Proxy settings for `Urllib3Transport`: a ``proxy=`` URL, or the standard variables.

The environment is read once, when the transport is built: ``https_proxy`` for HTTPS targets,
``http_proxy`` for HTTP ones, ``all_proxy`` for either (lower case wins over upper case, as in
curl and urllib), and ``no_proxy`` for the hosts that go direct. Loopback targets
(``localhost``, 127.0.0.0/8, ``::1``: the hosts the key may reach over plain HTTP) always go
direct under environment proxies (a fake server on 127.0.0.1 is never sent to a corporate
proxy); an explicit ``proxy=`` is used for every host and ignores the environment.

A proxy's credentials (``http://user:pass@proxy:3128``) leave the URL at once: they become a
``Proxy-Authorization`` header whose value is never shown, and are registered as secrets, so
no repr, error message or log line carries them.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote
from urllib.request import getproxies_environment

import attrs
from urllib3.util import parse_url

from heygen_pipeline._http import is_loopback
from heygen_pipeline._redact import REDACTED, register_secret
from heygen_pipeline._transport_conn import _SecretStr
from heygen_pipeline.errors import ConfigurationError

PROXY_SCHEMES: Final = frozenset({"http", "https"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@attrs.frozen(eq=False, repr=False)
class Proxy:
    """One proxy: where it listens, and the header that authenticates to it (if any)."""

    url: str
    """``scheme://host:port``, without credentials."""
    headers: Mapping[str, str] = attrs.field(factory=dict)

    def __repr__(self) -> str:
        """The URL only; credentials, if any, as ``REDACTED``."""
        auth = f"{REDACTED}@" if self.headers else ""
        scheme, _, rest = self.url.partition("://")
        return f"Proxy({scheme}://{auth}{rest})"


def parse_proxy(url: object, *, source: str = "proxy") -> Proxy:
    """``url`` checked (http or https, a host; no scheme means http), credentials split off.

    ``source`` names where the URL came from (the argument or a variable) in the error.
    """
    if not isinstance(url, str):
        msg = f"{source} must be a str URL such as 'http://proxy:3128', not {type(url).__name__}"
        raise TypeError(msg)
    text = url.strip()
    if "://" not in text:
        text = f"http://{text}"
    shown = _without_auth(text)
    try:
        parsed = parse_url(text)
    except ValueError as exc:
        msg = f"{source} {shown!r} is not a URL such as 'http://proxy:3128'"
        raise ConfigurationError(msg) from exc
    scheme = (parsed.scheme or "").lower()
    if scheme not in PROXY_SCHEMES:
        msg = f"{source} {shown!r}: the proxy scheme must be http or https, not {scheme!r}"
        raise ConfigurationError(msg)
    if not parsed.host:
        msg = f"{source} {shown!r} has no host"
        raise ConfigurationError(msg)
    port = parsed.port or _DEFAULT_PORTS[scheme]
    host = f"[{parsed.host.strip('[]')}]" if ":" in parsed.host else parsed.host
    headers: dict[str, str] = {}
    if parsed.auth:
        user, _, password = parsed.auth.partition(":")
        pair = f"{unquote(user)}:{unquote(password)}"
        token = base64.b64encode(pair.encode()).decode("ascii")
        for secret in (parsed.auth, pair, unquote(password), token):
            register_secret(secret)
        headers["Proxy-Authorization"] = _SecretStr(f"Basic {token}")
    return Proxy(url=f"{scheme}://{host}:{port}", headers=headers)


def _without_auth(url: str) -> str:
    """``url`` with any ``user:pass@`` shown as ``REDACTED@`` (for error messages)."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = f"{REDACTED}@{authority.rpartition('@')[2]}"
    return f"{scheme}{sep}{authority}{slash}{path}"


@attrs.frozen
class _Bypass:
    """One ``no_proxy`` entry: a domain (and its subdomains), a network, or ``*``."""

    domain: str | None = None
    network: Network | None = None
    port: int | None = None
    everything: bool = False

    def matches(self, host: str, port: int) -> bool:
        """Whether a request to ``host:port`` goes direct by this entry."""
        if self.everything:
            return True
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            address = _ip(host)
            return address is not None and address in self.network
        domain = self.domain or ""
        return host == domain or host.endswith(f".{domain}")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def parse_no_proxy(value: str) -> tuple[_Bypass, ...]:
    """The entries of a ``no_proxy`` value: comma or space separated, as curl reads them.

    ``example.com``, ``.example.com`` and ``*.example.com`` match the domain and its subdomains;
    ``host:port`` matches one port; an IP address or CIDR network matches addresses in it;
    ``*`` matches every host.
    """
    entries: list[_Bypass] = []
    for raw in value.replace(",", " ").split():
        entry = raw.strip().lower()
        if entry == "*":
            entries.append(_Bypass(everything=True))
            continue
        network = _network(entry)
        if network is not None:
            entries.append(_Bypass(network=network))
            continue
        port: int | None = None
        head, colon, tail = entry.rpartition(":")
        if colon and tail.isdigit() and "]" not in tail:
            entry, port = head, int(tail)
        network = _network(entry)
        if network is not None:
            entries.append(_Bypass(network=network, port=port))
        elif domain := entry.lstrip("*").strip("."):
            entries.append(_Bypass(domain=domain, port=port))
    return tuple(entries)


def _network(entry: str) -> Network | None:
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return None


@attrs.frozen
class ProxyRoutes:
    """Which proxy, if any, a request to ``scheme://host:port`` goes through."""

    by_scheme: Mapping[str, Proxy] = attrs.field(factory=dict)
    """The proxy for each target scheme (``http``, ``https``)."""
    bypass: tuple[_Bypass, ...] = ()
    loopback_direct: bool = True
    """Whether loopback hosts skip the proxies (environment proxies only)."""

    def proxy_for(self, scheme: str, host: str, port: int) -> Proxy | None:
        """The proxy for this target, or None to connect directly."""
        proxy = self.by_scheme.get(scheme)
        if proxy is None:
            return None
        name = host.lower().strip("[]")
        if self.loopback_direct and is_loopback(name):
            return None
        if any(entry.matches(name, port) for entry in self.bypass):
            return None
        return proxy

    @property
    def proxies(self) -> tuple[Proxy, ...]:
        """Every distinct proxy, once."""
        return tuple(dict.fromkeys(self.by_scheme.values()))


def explicit_routes(proxy: object) -> ProxyRoutes:
    """Every request through ``proxy`` (loopback included: it was asked for)."""
    parsed = parse_proxy(proxy)
    return ProxyRoutes(by_scheme={"http": parsed, "https": parsed}, loopback_direct=False)


def environment_routes() -> ProxyRoutes | None:
    """The routes the standard variables set now, or None when they set no proxy."""
    found = getproxies_environment()
    by_scheme: dict[str, Proxy] = {}
    fallback = found.get("all", "").strip()
    for scheme in ("http", "https"):
        value = found.get(scheme, "").strip() or fallback
        if value:
            name = f"{scheme}_proxy" if found.get(scheme, "").strip() else "all_proxy"
            by_scheme[scheme] = parse_proxy(value, source=f"${name}")
    if not by_scheme:
        return None
    return ProxyRoutes(by_scheme=by_scheme, bypass=parse_no_proxy(found.get("no", "")))
