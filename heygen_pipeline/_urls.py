"""One parse of a request URL decides everything: where the key may go and where the socket goes.

Two URL parsers that disagree (a backslash before ``@``, tabs one of them strips, userinfo, a
percent-encoded host, an IPv6 zone id...) would let the host allowlist approve one host while
the connection goes to another. So a URL is parsed once, here, strictly: whatever another
parser could read differently is refused with a `ValueError` naming the problem, and the
result (scheme, host, port, request target) is what the auth middleware, the breaker scope,
redirects and the transport all use. urllib3's own parser agrees with it on every URL it
accepts (a differential property test holds it to that).
"""

from __future__ import annotations

import ipaddress
import re
import threading
from typing import Final, NamedTuple
from urllib.parse import quote

from heygen_pipeline._redact import redact_url

__all__ = ["URL_CACHE", "ParsedURL", "parse_url", "target_of"]

_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_FORBIDDEN: Final = re.compile(r"[\x00-\x20\x7f]")
"""Space, ASCII control characters and DEL: never valid in a URL we send."""
_LABEL: Final = re.compile(r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL: Final = re.compile(r"[0-9]+|0x[0-9a-f]*")
_PORT: Final = re.compile(r"[1-9][0-9]{0,4}")
_MAX_PORT: Final = 65535
_MAX_HOST: Final = 253
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_ABSOLUTE: Final = (
    "it must be absolute, with an http or https scheme and a host (relative paths are "
    "resolved by the client against its base_url)"
)
_TARGET_SAFE: Final = "".join(chr(c) for c in range(0x21, 0x7F))
"""Printable ASCII stays as given in the target; anything else is percent-encoded (UTF-8)."""


class ParsedURL(NamedTuple):
    """The parts of a checked URL that decide where a request goes."""

    scheme: str
    """``http`` or ``https``, lower case."""
    host: str
    """The host in lower case: a name, a dotted-quad IPv4 address, or an IPv6 address bare."""
    port: int
    """The port, explicit or the scheme's default."""
    path: str
    """The path, ``/`` when empty."""
    target: str
    """The request target sent on the request line: path and query, never the fragment."""
    explicit_port: bool
    """Whether the URL names its port."""


class _RefusedError(ValueError):
    """Why a URL is refused (the caller adds the URL, redacted)."""


def parse_url(url: str) -> ParsedURL:
    """Parse an absolute http(s) URL strictly; ``ValueError`` names what is wrong with it.

    The message says what is wrong, never the URL itself (the caller adds it, redacted).
    """
    if _FORBIDDEN.search(url):
        raise _RefusedError("it contains whitespace or control characters")
    if "\\" in url:
        raise _RefusedError("it contains a backslash (URL parsers disagree on where its host ends)")
    scheme_match = _SCHEME.match(url)
    scheme = scheme_match.group()[:-1].lower() if scheme_match else ""
    rest = url[scheme_match.end() :] if scheme_match else ""
    if scheme not in _DEFAULT_PORTS or not rest.startswith("//"):
        raise _RefusedError(_ABSOLUTE)
    rest = rest[2:]
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if "@" in authority:
        raise _RefusedError(
            "it carries userinfo (user:password@); send credentials in headers instead"
        )
    if not authority.isascii():
        raise _RefusedError(
            "its host is not ASCII: write an international name in IDNA form (xn--...)"
        )
    host, port, explicit = _host_and_port(authority, scheme)
    tail = tail.partition("#")[0]
    if not tail.isascii():
        tail = quote(tail, safe=_TARGET_SAFE)
    target = tail if tail.startswith("/") else f"/{tail}"
    return ParsedURL(scheme, host, port, target.partition("?")[0], target, explicit)


def _host_and_port(authority: str, scheme: str) -> tuple[str, int, bool]:
    """The checked host (lower case) and port of an authority without userinfo."""
    text = authority.lower()
    if text.startswith("["):
        inside, closed, after = text[1:].partition("]")
        if not closed:
            raise _RefusedError("its IPv6 address has no closing bracket")
        host = _ipv6(inside)
        if after and not after.startswith(":"):
            raise _RefusedError("something follows its IPv6 address other than a port")
        port_text = after[1:] if after else None
    else:
        host, colon, port_text_ = text.partition(":")
        port_text = port_text_ if colon else None
        _check_name(host)
    if port_text is None:
        return host, _DEFAULT_PORTS[scheme], False
    if not _PORT.fullmatch(port_text) or int(port_text) > _MAX_PORT:
        raise _RefusedError(
            f"its port {port_text!r} is not a number 1-65535 written without leading zeros"
        )
    return host, int(port_text), True


def _ipv6(inside: str) -> str:
    if "%" in inside:
        raise _RefusedError("its IPv6 address has a zone id (%...), which is not supported")
    try:
        ipaddress.IPv6Address(inside)
    except ValueError:
        raise _RefusedError("the bracketed host is not an IPv6 address") from None
    return inside


def _check_name(host: str) -> None:
    """Refuse a host name or IPv4 address that parsers or resolvers could read differently."""
    if not host:
        raise _RefusedError(_ABSOLUTE)
    if "%" in host:
        raise _RefusedError("its host is percent-encoded")
    if host.endswith("."):
        raise _RefusedError("its host ends with a dot; write the name without it")
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):  # read as an IPv4 address by resolvers
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            canonical = ""
        if canonical != host:
            raise _RefusedError("its host is not an IPv4 address in canonical dotted-quad form")
        return
    if len(host) > _MAX_HOST or not all(_LABEL.fullmatch(label) for label in labels):
        raise _RefusedError(
            "its host is not a valid name (letters, digits, '-' and '_' in dot-separated "
            "labels of 1-63 characters)"
        )


class _URLCache:
    """Parsed URLs by URL, bounded in count and in bytes (redirect chains can be long URLs).

    A client calls the same few URLs over and over, and parsing costs more than building the
    rest of a request. Only valid URLs are kept: an invalid one raises on every call.
    """

    __slots__ = ("_bytes", "_entries", "_lock", "max_bytes", "max_entries")

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        """An empty cache holding at most ``max_entries`` URLs and ``max_bytes`` characters."""
        self._entries: dict[str, ParsedURL] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def get(self, url: str) -> ParsedURL:
        """The parse of ``url``, from the cache or parsed now (and kept if it fits)."""
        parsed = self._entries.get(url)
        if parsed is not None:
            return parsed
        parsed = _parse(url)
        size = _cost(url, parsed)
        if size > self.max_bytes // 16:  # a huge URL is parsed again rather than kept
            return parsed
        with self._lock:
            while self._entries and (  # bounded: each turn drops one entry
                len(self._entries) >= self.max_entries or self._bytes + size > self.max_bytes
            ):
                old = next(iter(self._entries))
                self._bytes -= _cost(old, self._entries.pop(old))
            if url not in self._entries:
                self._entries[url] = parsed
                self._bytes += size
        return parsed

    @property
    def size(self) -> tuple[int, int]:
        """(entries, bytes) held now."""
        return len(self._entries), self._bytes

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def _cost(url: str, parsed: ParsedURL) -> int:
    """Characters a cache entry keeps alive (the URL, and the parts that are not shared)."""
    return len(url) + len(parsed.host) + len(parsed.path) + len(parsed.target)


def _parse(url: str) -> ParsedURL:
    """`parse_url`, its refusal naming the URL (redacted)."""
    try:
        return parse_url(url)
    except ValueError as exc:
        msg = f"invalid URL {redact_url(url)!r}: {exc}"
        raise ValueError(msg) from None


URL_CACHE: Final = _URLCache(max_entries=1024, max_bytes=1024 * 1024)
"""Parsed request URLs: at most 1024 entries and about 1 MiB of URL text."""


def target_of(url: object) -> ParsedURL:
    """The parse of a request URL (cached); TypeError or ValueError naming the problem."""
    if not isinstance(url, str):
        msg = f"the URL must be a str, not {type(url).__name__}"
        raise TypeError(msg)
    return URL_CACHE.get(url if type(url) is str else str(url))
