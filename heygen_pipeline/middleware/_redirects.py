"""Redirect middleware: follow 301/302/303/307/308, every hop back through the inner stack.

Each hop is a new request sent through ``call_next`` again (a loop, never recursion), so the
middlewares inside (breaker, logging, auth) see every hop; the auth middleware decides per
host whether to add the key. On a hop to another origin the credentials a caller set by hand
are dropped too, so a redirect can never carry them to a host nobody vetted.

Which method and body a hop keeps, whether two URLs share an origin and where a ``Location``
points are pure functions (`redirect_method`, `same_origin`,
`resolve_location`), property-tested on their own.
"""

from __future__ import annotations

import contextlib
from typing import Final
from urllib.parse import quote, urldefrag, urljoin, urlsplit

import attrs

from heygen_pipeline._checks import count
from heygen_pipeline._http import is_loopback, is_replayable
from heygen_pipeline._models import Request, Response
from heygen_pipeline._redact import SENSITIVE_HEADERS, redact_url
from heygen_pipeline.errors import RedirectError, TooManyRedirectsError
from heygen_pipeline.typing import Handler

__all__ = [
    "CROSS_ORIGIN_STRIPPED",
    "DEFAULT_MAX_REDIRECTS",
    "REDIRECT_STATUSES",
    "RedirectError",
    "RedirectMiddleware",
    "next_hop",
    "redirect_method",
    "resolve_location",
    "same_origin",
]

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
"""The statuses followed; any other response (304 and 300 included) is returned as is."""
DEFAULT_MAX_REDIRECTS: Final = 5

CROSS_ORIGIN_STRIPPED: Final = SENSITIVE_HEADERS | frozenset(
    {"authorization", "x-api-key", "cookie", "proxy-authorization", "host"}
)
"""Request headers dropped on a hop to another origin: credentials the caller set by hand. ``Host``
goes too, since it names the old host.
"""

_BODY_HEADERS: Final = (
    "Content-Type",
    "Content-Length",
    "Content-Encoding",
    "Content-Language",
    "Content-Location",
    "Transfer-Encoding",
)
"""Headers that describe a body; dropped with the body when a hop turns into a GET."""

# Printable ASCII stays as the server sent it; anything else (spaces, non-ASCII text) is
# percent-encoded as browsers do. So is the backslash, which browsers read as "/" but Python
# reads as a path character: encoded, it means the same to every parser.
_SAFE: Final = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "\\")
_SAFE_SET: Final = frozenset(_SAFE)


def redirect_method(status: int, method: str) -> tuple[str, bool]:
    """The method of the next hop and whether it keeps the body (the Fetch standard's rules).

    303 turns anything but GET and HEAD into a body-less GET; 301 and 302 do that to POST only
    (as browsers and ``requests`` do); 307 and 308 keep method and body.
    """
    if status == 303 and method not in {"GET", "HEAD"}:  # noqa: PLR2004 - See Other
        return "GET", False
    if status in {301, 302} and method == "POST":
        return "GET", False
    return method, True


def same_origin(a: Request, b: Request) -> bool:
    """Whether two requests go to the same origin: scheme, host and port."""
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def resolve_location(current_url: str, location: str | None) -> str:
    """The absolute URL a ``Location`` header points to, resolved against ``current_url``.

    Spaces and non-ASCII characters are percent-encoded; the fragment is dropped (it is never
    sent). Raises `RedirectError` for a missing or empty value, a scheme other than
    http or https (``file:``, ``javascript:``, ``data:``...), credentials in the URL, or
    anything that does not parse as a URL with a host.
    """
    if location is None or not location.strip():
        raise RedirectError(f"the redirect from {redact_url(current_url)} has no Location")
    text = _requote(location.strip())
    try:
        target = urldefrag(urljoin(current_url, text)).url
        parts = urlsplit(target)
        own = urlsplit(text)
        port = parts.port
    except ValueError:
        raise RedirectError(
            f"the redirect from {redact_url(current_url)} has an unparsable Location "
            f"{redact_url(text)!r}"
        ) from None
    if parts.scheme not in {"http", "https"}:
        raise RedirectError(
            f"refusing the redirect from {redact_url(current_url)} to a URL with scheme "
            f"{parts.scheme!r}: only http and https are followed"
        )
    if "@" in own.netloc:
        raise RedirectError(
            f"refusing the redirect from {redact_url(current_url)} to "
            f"{redact_url(target)}: the Location carries credentials"
        )
    if not parts.hostname or (port is not None and not 0 < port < 65536):  # noqa: PLR2004
        raise RedirectError(
            f"the redirect from {redact_url(current_url)} has a Location without a valid "
            f"host and port: {redact_url(target)!r}"
        )
    return target


def _requote(location: str) -> str:
    """Percent-encode what a server should have encoded (UTF-8 text arrives as latin-1)."""
    if _SAFE_SET.issuperset(location):
        return location
    # Not UTF-8 in disguise (or not latin-1 at all): encode the characters as they are.
    with contextlib.suppress(UnicodeError):
        location = location.encode("latin-1").decode("utf-8")
    return quote(location, safe=_SAFE)


@attrs.frozen
class RedirectMiddleware:
    """Follow redirects up to ``max_redirects`` hops; each hop goes through the inner stack.

    303 becomes GET; 301 and 302 turn POST into GET; both drop the body. 307 and 308 keep
    method and body, and fail with `RedirectError` if the body was a one-shot stream or
    file. A hop to another origin drops ``Authorization``, ``X-Api-Key``, ``Cookie``,
    ``Proxy-Authorization`` (and ``Host``); https to http is refused unless the target is
    loopback. A chain longer than ``max_redirects``, or one that comes back to a URL already
    requested with the same method, raises `TooManyRedirectsError`
    listing the (redacted) URLs. Responses of intermediate hops are closed.
    ``max_redirects=0`` returns every 3xx as is.
    """

    max_redirects: int = attrs.field(
        default=DEFAULT_MAX_REDIRECTS,
        kw_only=True,
        validator=lambda _self, _attr, value: count("max_redirects", value),
    )

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Send ``request`` and follow the redirects it gets."""
        response = call_next(request)
        if response.status not in REDIRECT_STATUSES or self.max_redirects == 0:
            return response  # the common case: nothing to follow, nothing to keep track of
        return self._follow(request, response, call_next)

    def _follow(self, request: Request, response: Response, call_next: Handler) -> Response:
        """Follow the chain that ``response`` (a redirect answering ``request``) starts."""
        current = request
        seen = {(request.method, urldefrag(request.url).url)}
        chain = [request.url]
        for hops in range(self.max_redirects + 1):
            if hops:
                response = call_next(current)
                if response.status not in REDIRECT_STATUSES:
                    return response
            response.close()  # an intermediate hop: release its connection
            if hops == self.max_redirects:
                raise TooManyRedirectsError(
                    f"more than {self.max_redirects} redirects: {_render(chain)}",
                    request=current,
                )
            current = next_hop(current, response)
            chain.append(current.url)
            key = (current.method, current.url)
            if key in seen:
                raise TooManyRedirectsError(
                    f"redirect loop (a URL came back): {_render(chain)}", request=current
                )
            seen.add(key)
        raise AssertionError  # pragma: no cover - the loop always returns or raises


def next_hop(current: Request, response: Response) -> Request:
    """The request that follows ``response`` (a 3xx to ``current``), or ``RedirectError``."""
    try:
        target = resolve_location(current.url, response.headers.get("Location"))
    except RedirectError as exc:
        exc.request = current
        raise
    method, keep_body = redirect_method(response.status, current.method)
    headers = current.headers
    body = current.body
    if not keep_body:
        body = None
        headers = headers.without(*_BODY_HEADERS)
    elif not is_replayable(body):
        raise RedirectError(
            f"cannot follow the {response.status} redirect from {redact_url(current.url)}: "
            f"it must resend the body, and a {type(body).__name__} body can be read only once "
            "(pass bytes to allow it)",
            request=current,
        )
    try:
        hop = attrs.evolve(current, method=method, url=target, headers=headers, body=body)
    except (TypeError, ValueError) as exc:
        raise RedirectError(
            f"the redirect from {redact_url(current.url)} points to an unusable URL: {exc}",
            request=current,
        ) from None
    if current.scheme == "https" and hop.scheme == "http" and not is_loopback(hop.host):
        raise RedirectError(
            f"refusing the redirect from {redact_url(current.url)} to {redact_url(target)}: "
            "https to http would send the request in clear",
            request=current,
        )
    if not same_origin(current, hop):
        hop = hop.without_headers(*CROSS_ORIGIN_STRIPPED)
    return hop


def _render(chain: list[str]) -> str:
    return " -> ".join(redact_url(url) for url in chain)
