"""Immutable, case-insensitive HTTP headers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Final, TypeVar, final, overload

from heygen_pipeline._redact import REDACTED, SENSITIVE_HEADERS, scrub

_TOKEN: Final = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE: Final = re.compile(r"[\r\n\x00]")
_LENGTH: Final = re.compile(r"[0-9]{1,18}")
"""A Content-Length: ASCII digits only (no sign, ``_``, spaces or other scripts' digits)."""
_T = TypeVar("_T")


def _check(name: object, value: object) -> tuple[str, str]:
    if not isinstance(name, str):
        msg = f"header names must be str, not {type(name).__name__} ({name!r})"
        raise TypeError(msg)
    if not _TOKEN.fullmatch(name):
        msg = f"invalid header name {name!r}: use letters, digits and !#$%&'*+-.^_`|~"
        raise ValueError(msg)
    if not isinstance(value, str):
        msg = (
            f"the value of header {name!r} must be str, not {type(value).__name__}; "
            "convert it explicitly (for example str(n) or a formatted date)"
        )
        raise TypeError(msg)
    if _BAD_VALUE.search(value):
        msg = f"the value of header {name!r} contains CR, LF or NUL (header injection)"
        raise ValueError(msg)
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        msg = f"the value of header {name!r} is not latin-1 encodable; HTTP/1.1 cannot send it"
        raise ValueError(msg) from None
    return name, value


@final
class Headers(Mapping[str, str]):
    """HTTP headers: a read-only mapping whose lookups ignore case.

    Names keep the case they were given (that is what is sent). Every change returns a new
    ``Headers``. The ``repr`` shows sensitive values (``X-Api-Key``, ``Authorization``, cookies)
    as ``REDACTED``.
    """

    __slots__ = ("_data",)
    _data: dict[str, tuple[str, str]]

    def __init__(
        self, headers: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None
    ) -> None:
        """Build from a mapping or pairs; names and values must be str (checked here, once)."""
        if isinstance(headers, Headers):
            self._data = headers._data
            return
        data: dict[str, tuple[str, str]] = {}
        if headers is not None:
            if isinstance(headers, (str, bytes)):
                msg = f"headers must be a mapping or pairs, not {type(headers).__name__}"
                raise TypeError(msg)
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            for pair in pairs:
                name, value = _check(*pair)
                data[name.lower()] = (name, value)
        self._data = data

    @classmethod
    def _of(cls, data: dict[str, tuple[str, str]]) -> Headers:
        """Wrap ``{lower name: (name, value)}`` as it is, without checks (the hot path)."""
        self = cls.__new__(cls)
        self._data = data
        return self

    @classmethod
    def _trusted(cls, pairs: Iterable[tuple[str, str]]) -> Headers:
        """Build without checks from pairs a server sent (repeated names are joined)."""
        self = cls.__new__(cls)
        data: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in data:
                value = f"{data[key][1]}, {value}"  # noqa: PLW2901 - RFC 9110 field combining
            data[key] = (name, value)
        self._data = data
        return self

    def __getitem__(self, name: str) -> str:
        """The value of ``name``, in any case."""
        try:
            return self._data[name.lower()][1]
        except AttributeError:  # not a str: missing, as in a dict
            raise KeyError(name) from None

    @overload
    def get(self, name: str, /) -> str | None: ...
    @overload
    def get(self, name: str, /, default: str | _T) -> str | _T: ...
    def get(self, name: str, /, default: object = None) -> object:
        """The value of ``name`` (in any case), or ``default``; a dict lookup, nothing raised."""
        try:
            item = self._data.get(name.lower())
        except AttributeError:  # not a str: missing
            return default
        return default if item is None else item[1]

    def _with_valid(self, name: str, value: str) -> Headers:
        """A copy with ``name`` set to ``value``, both already checked (the hot path)."""
        new = Headers.__new__(Headers)
        new._data = {**self._data, name.lower(): (name, value)}
        return new

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` (in any case) is present."""
        return isinstance(name, str) and name.lower() in self._data

    def __iter__(self) -> Iterator[str]:
        """Names in the case they were given, in order."""
        return (name for name, _ in self._data.values())

    def __len__(self) -> int:
        """How many headers there are."""
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        """Equal to any mapping with the same names (ignoring case) and values."""
        if isinstance(other, Headers):
            return {k: v for k, (_, v) in self._data.items()} == {
                k: v for k, (_, v) in other._data.items()
            }
        if isinstance(other, Mapping):
            try:
                return self == Headers(other)
            except (TypeError, ValueError):
                return False
        return NotImplemented

    def __hash__(self) -> int:
        """Hash by lowered names and values, so equal headers hash alike."""
        return hash(frozenset((k, v) for k, (_, v) in self._data.items()))

    def __repr__(self) -> str:
        """Show names and values, sensitive values as ``REDACTED``, secrets scrubbed from both.

        Names are scrubbed too: a server may echo a key in a header's name.
        """
        shown = ", ".join(
            f"{scrub(name)!r}: {REDACTED if key in SENSITIVE_HEADERS else scrub(value)!r}"
            for key, (name, value) in self._data.items()
        )
        return f"Headers({{{shown}}})"

    def entries(self) -> Mapping[str, tuple[str, str]]:
        """A read-only view ``{lower-cased name: (name as sent, value)}``, in order.

        For code that needs both spellings of each name (logging, redaction): a view of
        the headers' own table, so no call copies it.
        """
        return MappingProxyType(self._data)

    def raw(self) -> dict[str, str]:
        """A plain ``dict`` in the given case, for handing to the transport."""
        return dict(self._data.values())

    def with_header(self, name: str, value: str) -> Headers:
        """A copy with ``name`` set to ``value`` (replacing any value in any case)."""
        name, value = _check(name, value)
        new = Headers.__new__(Headers)
        new._data = {**self._data, name.lower(): (name, value)}
        return new

    def with_headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> Headers:
        """A copy with every header in ``headers`` set (replacing existing values)."""
        extra = Headers(headers)
        if not extra._data:
            return self
        new = Headers.__new__(Headers)
        new._data = {**self._data, **extra._data}
        return new

    def without(self, *names: str) -> Headers:
        """A copy without the named headers (absent names are ignored)."""
        for name in names:
            if not isinstance(name, str):
                msg = f"header names must be str, not {type(name).__name__} ({name!r})"
                raise TypeError(msg)
        drop = {n.lower() for n in names}
        if not drop & self._data.keys():
            return self
        new = Headers.__new__(Headers)
        new._data = {k: v for k, v in self._data.items() if k not in drop}
        return new


def to_headers(value: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    """Converter for attrs fields: accept anything ``Headers`` accepts."""
    if isinstance(value, Headers):
        return value
    return Headers(value)


def parse_content_length(value: str) -> int | None:
    """A ``Content-Length`` value as a number of bytes, or None when it is not one.

    RFC 9110 §8.6: one or more ASCII digits (surrounding spaces and tabs ignored). Anything
    else is None: a sign, ``_`` (which ``int`` takes), digits of other scripts (``int`` takes
    ``'١٢'``; ``'²'`` passes ``isdigit`` and then fails ``int``), more than 18 digits, and a
    list, even of equal values (``http.client`` and urllib3 read lists differently, so the
    body could be framed two ways).
    """
    stripped = value.strip(" \t")
    if _LENGTH.fullmatch(stripped) is None:
        return None
    return int(stripped)
