"""Secret handling shared by the whole library: a holder that never prints, and scrubbing.

Redaction is a property of the library, not of one middleware's position in the stack: every
secret that enters through a public constructor is registered here, and every text the library
renders for humans (exception messages, reprs, log events) passes through `scrub`.
"""

from __future__ import annotations

import weakref
from typing import Final, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from heygen_pipeline._secrets import GRAM, REGISTRY, secret_spans

REDACTED: Final = "REDACTED"

SENSITIVE_HEADERS: Final = frozenset(
    {
        "x-api-key",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-heygen-signature",
        "signature",
    }
)
"""Header names whose values are secrets wherever they appear."""

SENSITIVE_QUERY: Final = frozenset(
    {"api_key", "apikey", "key", "token", "access_token", "signature", "sig", "x-api-key"}
    # presigned storage URLs (direct uploads): whoever holds these may write the object
    | {"x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature"}
)
"""Query parameter names whose values are redacted when a URL is rendered."""

MIN_SECRET_LEN: Final = GRAM

SCRUB_MARGIN: Final = 4096
"""Bytes decoded past a shown excerpt (``data[: 4 * limit + SCRUB_MARGIN]``, UTF-8 being at most
4 bytes a character), so a secret the cut runs through is still whole when it is scrubbed."""


def register_secret(value: str) -> None:
    """Remember ``value`` for good so that `scrub` removes it from any text, process-wide.

    A `Secret` registers its value only for as long as it (or another holder of the same
    value) lives; this function is for values nothing holds, such as a webhook secret read
    from an answer.
    """
    if len(value.strip()) < MIN_SECRET_LEN:  # blanks would scrub every run of spaces
        return
    REGISTRY.add(value, held=False)


def scrub(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``REDACTED``.

    Found raw, percent-encoded (either hex case, spaces as ``+`` or ``%20``) and JSON-escaped,
    overlapping occurrences included.
    """
    if not text:
        return text
    spans = secret_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts += (text[last:start], REDACTED)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def cut(text: str, limit: int, *, truncated: bool = False, ellipsis: str = "") -> str:
    """At most ``limit`` characters of ``text``, scrubbed, holding no piece of a secret.

    The whole text is scrubbed before it is cut, so a secret across the cut is replaced whole.
    When the result is shorter than the text (or ``text`` was itself a cut piece of something
    longer: ``truncated``), a tail that is the start of a secret is replaced too, and
    ``ellipsis`` is appended.
    """
    shown = scrub(text)
    if not truncated and len(shown) <= limit:
        return shown
    shown = shown[:limit]
    start = REGISTRY.tail_prefix(shown)
    if start >= 0:
        shown = shown[:start] + REDACTED
    return shown + ellipsis


def redact_url(url: str) -> str:
    """Render ``url`` for humans: sensitive query values and userinfo hidden, secrets scrubbed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, REDACTED if k.lower() in SENSITIVE_QUERY else v) for k, v in pairs],
            safe=":/",
        )
    return scrub(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


class Secret:
    """A string that never shows itself: ``repr``, ``str`` and pickling all refuse.

    Use `reveal` at the one place the value is needed (building a header).
    """

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        """Hold ``value`` and register it for scrubbing while this holder lives."""
        if not isinstance(value, str):
            msg = f"a secret must be a str, not {type(value).__name__}"
            raise TypeError(msg)
        self._value = value
        if len(value.strip()) >= MIN_SECRET_LEN:
            REGISTRY.add(value, held=True)
            release = weakref.finalize(self, REGISTRY.release, value)
            release.atexit = False

    def reveal(self) -> str:
        """Return the secret itself."""
        return self._value

    def __repr__(self) -> str:
        """Show that a secret is held, never which."""
        return f"Secret({REDACTED})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        """Compare by value, so two holders of the same key are equal."""
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        """Hash by value."""
        return hash(self._value)

    def __reduce__(self) -> NoReturn:
        """Refuse pickling: a pickle would carry the key in clear."""
        msg = "a Secret cannot be pickled (it would write the key in clear)"
        raise TypeError(msg)
