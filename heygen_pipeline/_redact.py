"""Secret handling shared by the whole library: a holder that never prints, and scrubbing.

Redaction is a property of the library, not of one middleware's position in the stack: every
secret that enters through a public constructor is registered here, and every text the library
renders for humans (exception messages, reprs, log events) passes through `scrub`.
"""

from __future__ import annotations

import re
import threading
from typing import Final, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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

MIN_SECRET_LEN: Final = 4
_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Remember ``value`` so that `scrub` removes it from any text, process-wide."""
    global _pattern  # noqa: PLW0603 - one registry for the process is the point
    if len(value.strip()) < MIN_SECRET_LEN:  # blanks would scrub every run of spaces
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        # Longest first so a secret that contains another is removed whole.
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def scrub(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``REDACTED``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(REDACTED, text)


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

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        """Hold ``value`` and register it for scrubbing."""
        if not isinstance(value, str):
            msg = f"a secret must be a str, not {type(value).__name__}"
            raise TypeError(msg)
        self._value = value
        register_secret(value)

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
