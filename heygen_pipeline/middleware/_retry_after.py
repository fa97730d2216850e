"""Reading how long a server asks us to wait: ``Retry-After`` and ``retry-after-ms``.

RFC 9110 allows delta-seconds (``120``) or an HTTP-date; peers also send float seconds
(``1.5``) and a millisecond header (``retry-after-ms: 1500``). Servers and proxies send odd
values too, so parsing is total: any text gives a finite, non-negative number of seconds or
``None`` (meaning "no usable hint": the caller falls back to its own backoff). It never raises.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from typing import Final

__all__ = [
    "MAX_RETRY_AFTER",
    "format_http_date",
    "parse_retry_after",
    "parse_retry_after_value",
]

MAX_RETRY_AFTER: Final = 366 * 24 * 3600.0
"""Longest wait (seconds) taken at face value: one year. Anything longer is treated as garbage."""

# ASCII digits only: float() would also take "1e3", "inf", "nan", "1_000" and non-ASCII digits.
_NUMBER: Final = re.compile(r"(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})", re.ASCII)
_MAX_LENGTH: Final = 100  # longer than any HTTP-date: not worth parsing
_MS: Final = 1000.0


def parse_retry_after(headers: Mapping[str, str], *, now_epoch: float) -> float | None:
    """Seconds the server asks to wait before the next request, or ``None`` if it gave none.

    ``retry-after-ms`` wins when it is usable (it is the more precise of the two); otherwise
    ``Retry-After`` is read as seconds (integer or float) or as an HTTP-date, which is turned
    into seconds from ``now_epoch`` (a past date gives 0). Missing, negative, non-finite,
    absurdly large or unparsable values give ``None``. Header names are matched ignoring case,
    even in a plain ``dict``.

    Args:
        headers: the response headers.
        now_epoch: the current wall-clock time in Unix seconds, for HTTP-dates.
    """
    millis = _header(headers, "retry-after-ms")
    if millis is not None:
        value = _number(millis)
        if value is not None and value / _MS <= MAX_RETRY_AFTER:
            return value / _MS
    seconds = _header(headers, "retry-after")
    if seconds is None:
        return None
    return parse_retry_after_value(seconds, now_epoch=now_epoch)


def parse_retry_after_value(value: str, *, now_epoch: float) -> float | None:
    """One ``Retry-After`` value in seconds (delta-seconds, float, or HTTP-date), or ``None``."""
    if not isinstance(value, str) or len(value) > _MAX_LENGTH:
        return None
    text = value.strip()
    number = _number(text)
    if number is None and "," in text and not any(c.isalpha() for c in text):
        # A repeated header joined by a proxy ("120, 120"): take the first value.
        number = _number(text.partition(",")[0].strip())
    if number is not None:
        return number if number <= MAX_RETRY_AFTER else None
    return _http_date(text, now_epoch)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """``headers[name]`` ignoring case, for case-insensitive and plain mappings alike."""
    found = headers.get(name)
    if isinstance(found, str):
        return found
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name and isinstance(value, str):
            return value
    return None


def _number(text: str) -> float | None:
    """A plain non-negative decimal (ASCII digits, optional fraction), else ``None``."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _http_date(text: str, now_epoch: float) -> float | None:
    """Seconds from ``now_epoch`` until the HTTP-date ``text`` (0 if past), else ``None``."""
    if not any(c.isalpha() for c in text):
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" or asctime: HTTP-dates are always GMT
        when = when.replace(tzinfo=timezone.utc)
    try:
        delta = when.timestamp() - now_epoch
    except (OverflowError, ValueError, OSError):
        return None
    if not math.isfinite(delta) or delta > MAX_RETRY_AFTER:
        return None
    return max(delta, 0.0)


def format_http_date(epoch: float) -> str:
    """``epoch`` as an IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``), for tests and servers."""
    return formatdate(epoch, usegmt=True)
