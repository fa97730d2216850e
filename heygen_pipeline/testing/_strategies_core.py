"""Hypothesis strategies for the core values: headers, requests, middleware names, stack edits.

They generate only valid values (what the constructors accept), so properties can state what
must hold for every input. Stack edits come with a pure reference model
(`StackEdit.expected`) that says what names an edit yields or which error it must raise.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import Final, Literal

import attrs
from hypothesis import strategies as st

from heygen_pipeline._headers import Headers
from heygen_pipeline._models import Request, RequestOptions
from heygen_pipeline._stack import Stack
from heygen_pipeline.errors import DuplicateNameError, StackError, UnknownNameError
from heygen_pipeline.typing import Middleware

__all__ = [
    "EDIT_KINDS",
    "EditKind",
    "StackEdit",
    "header_names",
    "header_sets",
    "header_values",
    "headers",
    "methods",
    "middleware_names",
    "request_bodies",
    "requests",
    "secret_keys",
    "stack_edit_sequences",
    "stack_edits",
    "stack_names",
    "urls",
]

TOKEN_CHARS: Final = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
"""Characters RFC 9110 allows in a header name (a "token")."""
_VALUE_CHARS: Final = st.characters(min_codepoint=1, max_codepoint=255, exclude_characters="\r\n")
"""Characters allowed in a header value: latin-1 without CR, LF and NUL."""
_KEY_CHARS: Final = string.ascii_letters + string.digits + "-_"

EditKind = Literal["insert_before", "insert_after", "replace", "remove", "prepend", "append"]
EDIT_KINDS: Final[tuple[EditKind, ...]] = (
    "insert_before",
    "insert_after",
    "replace",
    "remove",
    "prepend",
    "append",
)
_ANCHORED: Final = frozenset({"insert_before", "insert_after"})


def header_names() -> st.SearchStrategy[str]:
    """Valid header names (RFC 9110 tokens), in mixed case."""
    return st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=24)


def header_values() -> st.SearchStrategy[str]:
    """Valid header values: latin-1 text without CR, LF or NUL (possibly empty)."""
    return st.text(alphabet=_VALUE_CHARS, max_size=40)


def header_sets(max_size: int = 8) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Lists of ``(name, value)`` pairs whose names differ even ignoring case."""
    return st.lists(
        st.tuples(header_names(), header_values()),
        max_size=max_size,
        unique_by=lambda pair: pair[0].lower(),
    )


def headers(max_size: int = 8) -> st.SearchStrategy[Headers]:
    """``Headers`` built from `header_sets`."""
    return header_sets(max_size).map(Headers)


def methods() -> st.SearchStrategy[str]:
    """HTTP methods, in any case (``Request`` upper-cases them)."""
    common = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    return st.one_of(common, common.map(str.lower), st.from_regex(r"\A[A-Z]{1,10}\Z"))


def urls() -> st.SearchStrategy[str]:
    """Absolute http(s) URLs with a host, an optional port and a simple path."""
    scheme = st.sampled_from(["http", "https"])
    host = st.sampled_from(["api.heygen.com", "upload.heygen.com", "127.0.0.1", "localhost"])
    port = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))
    segment = st.text(alphabet=string.ascii_lowercase + string.digits + "_-.", max_size=12)
    path = st.lists(segment, max_size=4).map(lambda parts: "/" + "/".join(parts))
    return st.builds(lambda s, h, p, pa: f"{s}://{h}{p}{pa}", scheme, host, port, path)


def request_bodies() -> st.SearchStrategy[bytes | list[bytes] | None]:
    """Request bodies: none, bytes, or a list of byte chunks (sent chunked)."""
    return st.one_of(st.none(), st.binary(max_size=64), st.lists(st.binary(max_size=16)))


def requests() -> st.SearchStrategy[Request]:
    """Valid ``Request`` objects with random method, URL, headers, body and key."""
    keys = st.one_of(st.none(), st.from_regex(r"\A[A-Za-z0-9_\-:.]{1,40}\Z"))
    return st.builds(
        lambda method, url, hdrs, body, key: Request(
            method,
            url,
            headers=hdrs.without("Idempotency-Key"),
            body=body,
            options=RequestOptions(idempotency_key=key),
        ),
        methods(),
        urls(),
        headers(),
        request_bodies(),
        keys,
    )


def secret_keys(min_size: int = 8) -> st.SearchStrategy[str]:
    """API-key-like strings (letters, digits, ``-`` and ``_``), at least ``min_size`` long."""
    return st.text(alphabet=_KEY_CHARS, min_size=min_size, max_size=48)


def middleware_names() -> st.SearchStrategy[str]:
    """Valid middleware names: non-empty, no surrounding whitespace."""
    return st.text(min_size=1, max_size=20).filter(lambda s: s == s.strip())


@attrs.frozen
class StackEdit:
    """One Stack edit to apply: ``kind`` with the ``name`` it adds or targets.

    ``anchor`` is used by ``insert_before`` and ``insert_after`` only.
    """

    kind: EditKind
    name: str
    anchor: str = ""

    def apply(self, stack: Stack, middleware: Middleware) -> Stack:
        """Run the edit on ``stack``; ``middleware`` is what gets inserted or swapped in."""
        if self.kind == "insert_before":
            return stack.insert_before(self.anchor, self.name, middleware)
        if self.kind == "insert_after":
            return stack.insert_after(self.anchor, self.name, middleware)
        if self.kind == "replace":
            return stack.replace(self.name, middleware)
        if self.kind == "remove":
            return stack.remove(self.name)
        if self.kind == "prepend":
            return stack.prepend(self.name, middleware)
        return stack.append(self.name, middleware)

    def expected(self, names: Sequence[str]) -> tuple[str, ...] | type[StackError]:
        """The names after this edit on a stack named ``names``, or the error it must raise.

        The reference model: an unknown anchor is reported before a duplicate name.
        """
        current = list(names)
        if self.kind in _ANCHORED and self.anchor not in current:
            return UnknownNameError
        if self.kind in {"replace", "remove"}:
            if self.name not in current:
                return UnknownNameError
            if self.kind == "remove":
                current.remove(self.name)
            return tuple(current)
        if self.name in current:
            return DuplicateNameError
        positions: dict[str, Callable[[], int]] = {
            "insert_before": lambda: current.index(self.anchor),
            "insert_after": lambda: current.index(self.anchor) + 1,
            "prepend": lambda: 0,
            "append": lambda: len(current),
        }
        current.insert(positions[self.kind](), self.name)
        return tuple(current)


def stack_edits(
    pool: Sequence[str] = ("a", "b", "c", "d", "e", "f"),
) -> st.SearchStrategy[StackEdit]:
    """Edits whose names and anchors come from a small ``pool``, so hits and misses both occur."""
    names = st.sampled_from(tuple(pool))
    return st.builds(StackEdit, kind=st.sampled_from(EDIT_KINDS), name=names, anchor=names)


def stack_edit_sequences(
    pool: Sequence[str] = ("a", "b", "c", "d", "e", "f"), max_size: int = 12
) -> st.SearchStrategy[list[StackEdit]]:
    """Sequences of `stack_edits` to apply one after another."""
    return st.lists(stack_edits(pool), max_size=max_size)


def stack_names(
    pool: Sequence[str] = ("a", "b", "c", "d", "e", "f"),
) -> st.SearchStrategy[list[str]]:
    """Starting stacks' names: unique names from ``pool``, in any order (possibly none)."""
    return st.lists(st.sampled_from(tuple(pool)), unique=True)
