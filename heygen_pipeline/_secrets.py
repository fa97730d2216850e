"""The process-wide registry of secrets, and finding them in text, in every form it renders.

Registering and releasing a secret cost a few dict operations, whatever the number of secrets:
an index maps the first `GRAM` characters of every secret to the secrets that start with them.
A text is searched by looking up each of its `GRAM`-character windows in that index (one dict
lookup a character), so the cost of a search does not grow with the number of secrets either.
While few secrets are registered (`SMALL` or fewer), one regular expression of them all scans
faster than the index; it is compiled lazily, at most once per change, and never holds more
than `SMALL` alternatives, so its cost is bounded too.

A secret is found wherever it occurs, including where occurrences overlap (every position's
longest match is kept and the spans are merged), and in the encoded forms the library renders:
percent-encoded (any hex case, ``+`` or ``%20`` for spaces) and JSON-escaped.

Secrets held by a `Secret` are counted: when the last holder of a value is garbage-collected
the value leaves the registry, so a service that builds a client per tenant does not keep
every key it ever saw. Releases are queued (a garbage collection may run anywhere, even while
the lock below is held) and applied at the next change.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Final
from urllib.parse import unquote, unquote_plus

GRAM: Final = 4
"""Characters of a secret's start used as its index key; also the shortest secret kept."""
SMALL: Final = 32
"""Up to this many secrets, one compiled expression scans instead of the index."""
_PERCENT_RUN: Final = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_PERCENT_OR_PLUS: Final = re.compile(r"(?:%[0-9A-Fa-f]{2})+|\+")
_JSON_ESCAPE: Final = re.compile(r'\\(?:u[0-9A-Fa-f]{4}|["\\/bfnrt])')
_JSON_SIMPLE: Final = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Registry:
    """Secrets by value, with a count of holders (``None``: registered for good)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int | None] = {}
        self._index: dict[str, tuple[str, ...]] = {}
        self._longest = 0
        self._released: deque[str] = deque()
        self._pattern: re.Pattern[str] | None = None
        self._plain: re.Pattern[str] | None = None
        self._stale = False

    def add(self, value: str, *, held: bool) -> None:
        """Register ``value``: for good, or for one more holder (``held``)."""
        if len(value) < GRAM:
            return
        with self._lock:
            self._drain()
            count = self._counts.get(value, 0)
            if value in self._counts and count is None:
                return
            if value not in self._counts:
                key = value[:GRAM]
                bucket = (*self._index.get(key, ()), value)
                self._index[key] = tuple(sorted(bucket, key=len, reverse=True))
                self._longest = max(self._longest, len(value))
                self._stale = True
            self._counts[value] = (count or 0) + 1 if held else None

    def release(self, value: str) -> None:
        """One holder of ``value`` is gone (queued; safe to call from a finaliser)."""
        self._released.append(value)

    def _drain(self) -> None:
        """Apply the queued releases (the lock is held)."""
        while self._released:  # bounded: each release was queued once
            value = self._released.popleft()
            count = self._counts.get(value)
            if count is None:  # registered for good (or unknown)
                continue
            if count > 1:
                self._counts[value] = count - 1
                continue
            del self._counts[value]
            key = value[:GRAM]
            bucket = tuple(s for s in self._index.get(key, ()) if s != value)
            if bucket:
                self._index[key] = bucket
            else:
                self._index.pop(key, None)
            self._stale = True

    def __len__(self) -> int:
        """How many distinct secrets are registered (queued releases applied first)."""
        with self._lock:
            self._drain()
            return len(self._counts)

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` is registered."""
        with self._lock:
            self._drain()
            return value in self._counts

    def _small_patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        """(finder, detector) expressions of every secret while there are few, else Nones."""
        if self._stale:
            with self._lock:
                self._drain()
                self._pattern = self._plain = None
                if 0 < len(self._counts) <= SMALL:
                    ordered = sorted(self._counts, key=len, reverse=True)
                    alternatives = "|".join(re.escape(s) for s in ordered)
                    # A lookahead finds a match starting at every position, overlaps included;
                    # the plain alternation only says whether there is one (much faster).
                    self._pattern = re.compile(f"(?=({alternatives}))")
                    self._plain = re.compile(alternatives)
                self._stale = False
        return self._pattern, self._plain

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The merged ``[start, end)`` spans of ``text`` that hold a registered secret."""
        index = self._index
        if not index or len(text) < GRAM:
            return []
        pattern, plain = self._small_patterns()
        if pattern is not None and plain is not None:
            if plain.search(text) is None:  # the usual case: no secret at all
                return []
            return _merge((m.start(), m.start() + len(m.group(1))) for m in pattern.finditer(text))
        return _merge(self._scan(text, index))

    def found_in(self, text: str) -> bool:
        """Whether ``text`` holds a registered secret (cheaper than `spans`)."""
        index = self._index
        if not index or len(text) < GRAM:
            return False
        _, plain = self._small_patterns()
        if plain is not None:
            return plain.search(text) is not None
        return next(self._scan(text, index), None) is not None

    @staticmethod
    def _scan(text: str, index: dict[str, tuple[str, ...]]) -> Iterator[tuple[int, int]]:
        get = index.get
        startswith = text.startswith
        for i in range(len(text) - GRAM + 1):
            bucket = get(text[i : i + GRAM])
            if bucket is not None:
                for secret in bucket:  # longest first: the first match is the longest
                    if startswith(secret, i):
                        yield i, i + len(secret)
                        break

    def tail_prefix(self, text: str, minimum: int = GRAM) -> int:
        """Where the longest tail of ``text`` that starts a secret (not whole) begins, or -1.

        Only tails of ``minimum`` characters or more count: shorter ones say too little.
        """
        index = self._index
        start = max(0, len(text) - self._longest + 1)
        for i in range(start, len(text) - minimum + 1):
            tail = text[i:]
            for secret in index.get(text[i : i + GRAM], ()):
                if len(secret) > len(tail) and secret.startswith(tail):
                    return i
        return -1


def _merge(spans: Iterator[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order of their start, overlapping or touching ones merged."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:  # already sorted by start
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class _View:
    """A decoded form of a text, and where each of its characters came from.

    ``segments`` holds ``(view start, text start, width)``: from a view start on, each view
    character stands for ``width`` characters of the text, up to the next segment.
    """

    __slots__ = ("segments", "text", "vstarts")

    def __init__(self, text: str, segments: list[tuple[int, int, int]]) -> None:
        self.text = text
        self.segments = segments
        self.vstarts = [s[0] for s in segments]

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that view span ``[start, end)`` came from."""
        first = self._at(start)
        last = self._at(end - 1)
        return first[0], last[0] + last[1]

    def _at(self, pos: int) -> tuple[int, int]:
        k = bisect.bisect_right(self.vstarts, pos) - 1
        vstart, ostart, width = self.segments[k]
        return ostart + (pos - vstart) * width, width


def _decode(
    text: str, pattern: re.Pattern[str], decode: Callable[[str], list[tuple[str, int]]]
) -> _View | None:
    """The view of ``text`` with every match of ``pattern`` decoded, or None if none is."""
    parts: list[str] = []
    segments: list[tuple[int, int, int]] = []
    vpos = last = 0
    for match in pattern.finditer(text):
        start = match.start()
        if start > last:
            segments.append((vpos, last, 1))
            parts.append(text[last:start])
            vpos += start - last
        for char, width in decode(match.group()):
            segments.append((vpos, start, width))
            parts.append(char)
            vpos += 1
            start += width
        last = match.end()
    if not segments:
        return None
    if last < len(text):
        segments.append((vpos, last, 1))
        parts.append(text[last:])
    return _View("".join(parts), segments)


def _percent(run: str) -> list[tuple[str, int]]:
    """The characters of a run of ``%XX`` (or one ``+``), with how many text characters each is."""
    if run == "+":
        return [(" ", 1)]
    data = bytes.fromhex(run.replace("%", ""))
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(data):  # bounded: each turn consumes 1-4 bytes
        for size in (1, 2, 3, 4):
            try:
                char = data[i : i + size].decode("utf-8")
            except UnicodeDecodeError:
                continue
            break
        else:
            char, size = chr(data[i]), 1  # not UTF-8: a byte stands for itself
        out.append((char, 3 * size))
        i += size
    return out


def _json(escape: str) -> list[tuple[str, int]]:
    """The character a JSON escape stands for."""
    kind = escape[1]
    if kind == "u":
        return [(bytes.fromhex(escape[2:]).decode("utf-16-be", "surrogatepass"), 6)]
    return [(_JSON_SIMPLE.get(kind, kind), 2)]


def views(text: str) -> Iterator[tuple[str, _View | None]]:
    """The text itself, then each decoded form of it that differs and may hold a secret.

    A decoded form is first checked with the standard library's (faster) decoding, which
    agrees with the view's on every ASCII secret; the view that maps positions back to the
    text is built only when that finds one.
    """
    yield text, None
    if "%" in text and REGISTRY.found_in(unquote(text)):
        view = _decode(text, _PERCENT_RUN, _percent)
        if view is not None:
            yield view.text, view
    if "+" in text and REGISTRY.found_in(unquote_plus(text)):
        view = _decode(text, _PERCENT_OR_PLUS, _percent)
        if view is not None:
            yield view.text, view
    if "\\" in text:
        view = _decode(text, _JSON_ESCAPE, _json)
        if view is not None:
            yield view.text, view


REGISTRY: Final = _Registry()


def secret_spans(text: str) -> list[tuple[int, int]]:
    """The merged spans of ``text`` holding a secret in any of the forms `views` decodes."""
    found: list[tuple[int, int]] = []
    for shown, view in views(text):
        spans = REGISTRY.spans(shown)
        found += spans if view is None else [view.origin(s, e) for s, e in spans]
    found.sort()
    return _merge(iter(found))
