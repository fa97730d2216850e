"""Stack: the named, ordered, immutable list of middlewares, and how it becomes one handler."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, cast, final

from heygen_pipeline.errors import DuplicateNameError, UnknownNameError

if TYPE_CHECKING:
    from heygen_pipeline._models import Request, Response
    from heygen_pipeline.typing import Handler, Middleware


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        msg = f"a middleware name must be a str, not {type(name).__name__}"
        raise TypeError(msg)
    if not name or name != name.strip():
        msg = f"a middleware name must be non-empty without surrounding spaces, not {name!r}"
        raise ValueError(msg)
    return name


def _check_middleware(name: str, middleware: object) -> Middleware:
    if not callable(middleware):
        msg = (
            f"middleware {name!r} must be callable as (request, call_next) -> Response, "
            f"not {type(middleware).__name__}"
        )
        raise TypeError(msg)
    try:
        signature = inspect.signature(middleware)
    except (TypeError, ValueError):  # some builtins have no signature: trust them
        return cast("Middleware", middleware)
    try:
        signature.bind(None, None)
    except TypeError:
        msg = (
            f"middleware {name!r} must accept two positional arguments (request, call_next); "
            f"its signature is {signature}"
        )
        raise TypeError(msg) from None
    return cast("Middleware", middleware)


def _link(middleware: Middleware, call_next: Handler) -> Handler:
    def handler(request: Request) -> Response:
        return middleware(request, call_next)

    return handler


@final
class Stack:
    """An immutable, ordered list of ``(name, middleware)`` pairs, outermost first.

    Every edit returns a new Stack. Names are unique; an unknown anchor or a duplicate name
    fails at once with an error listing the names that exist. `build` folds the stack
    around a transport into one handler, once, so calls pay no assembly cost.
    """

    __slots__ = ("_entries",)
    _entries: tuple[tuple[str, Middleware], ...]

    def __init__(self, entries: Iterable[tuple[str, Middleware]] = ()) -> None:
        """Build from ``(name, middleware)`` pairs, outermost first."""
        checked: list[tuple[str, Middleware]] = []
        seen: set[str] = set()
        for entry in entries:
            if not isinstance(entry, tuple) or len(entry) != 2:  # noqa: PLR2004 - a pair
                msg = f"stack entries must be (name, middleware) pairs, not {entry!r}"
                raise TypeError(msg)
            name = _check_name(entry[0])
            if name in seen:
                raise DuplicateNameError(
                    f"duplicate middleware name {name!r}", names=tuple(n for n, _ in checked)
                )
            seen.add(name)
            checked.append((name, _check_middleware(name, entry[1])))
        self._entries = tuple(checked)

    @classmethod
    def _of(cls, entries: tuple[tuple[str, Middleware], ...]) -> Stack:
        new = cls.__new__(cls)
        new._entries = entries
        return new

    @property
    def names(self) -> tuple[str, ...]:
        """The names, outermost first."""
        return tuple(name for name, _ in self._entries)

    def __getitem__(self, name: str) -> Middleware:
        """The middleware called ``name``."""
        return self._entries[self._index(name)][1]

    def __contains__(self, name: object) -> bool:
        """Whether a middleware called ``name`` is in the stack."""
        return any(n == name for n, _ in self._entries)

    def __iter__(self) -> Iterator[tuple[str, Middleware]]:
        """``(name, middleware)`` pairs, outermost first."""
        return iter(self._entries)

    def __len__(self) -> int:
        """How many middlewares there are."""
        return len(self._entries)

    def __eq__(self, other: object) -> bool:
        """Equal when the names and the middleware objects are the same, in order."""
        if not isinstance(other, Stack):
            return NotImplemented
        return len(self) == len(other) and all(
            a[0] == b[0] and a[1] is b[1]
            for a, b in zip(self._entries, other._entries, strict=True)
        )

    def __hash__(self) -> int:
        """Hash by names and middleware identities."""
        return hash(tuple((n, id(m)) for n, m in self._entries))

    def __repr__(self) -> str:
        """The names in order."""
        return f"Stack([{', '.join(repr(n) for n in self.names)}])"

    def _index(self, name: str) -> int:
        for i, (n, _) in enumerate(self._entries):
            if n == name:
                return i
        raise UnknownNameError(f"no middleware named {name!r}", names=self.names)

    def _insert(self, index: int, name: str, middleware: Middleware) -> Stack:
        name = _check_name(name)
        if name in self:
            raise DuplicateNameError(
                f"a middleware named {name!r} exists already", names=self.names
            )
        entry = (name, _check_middleware(name, middleware))
        return Stack._of((*self._entries[:index], entry, *self._entries[index:]))

    def insert_before(self, anchor: str, name: str, middleware: Middleware) -> Stack:
        """A new stack with ``middleware`` just outside ``anchor`` (it runs before it)."""
        return self._insert(self._index(anchor), name, middleware)

    def insert_after(self, anchor: str, name: str, middleware: Middleware) -> Stack:
        """A new stack with ``middleware`` just inside ``anchor`` (it runs after it)."""
        return self._insert(self._index(anchor) + 1, name, middleware)

    def prepend(self, name: str, middleware: Middleware) -> Stack:
        """A new stack with ``middleware`` outermost."""
        return self._insert(0, name, middleware)

    def append(self, name: str, middleware: Middleware) -> Stack:
        """A new stack with ``middleware`` innermost (next to the transport)."""
        return self._insert(len(self._entries), name, middleware)

    def replace(self, name: str, middleware: Middleware) -> Stack:
        """A new stack with the middleware called ``name`` swapped for ``middleware``."""
        index = self._index(name)
        entry = (name, _check_middleware(name, middleware))
        return Stack._of((*self._entries[:index], entry, *self._entries[index + 1 :]))

    def remove(self, name: str) -> Stack:
        """A new stack without the middleware called ``name``."""
        index = self._index(name)
        return Stack._of(self._entries[:index] + self._entries[index + 1 :])

    def build(self, transport: Handler) -> Handler:
        """Fold the stack around ``transport`` into one handler, safe to share between threads."""
        if not callable(transport):
            msg = (
                "the transport must be callable as (request) -> Response, "
                f"not {type(transport).__name__}"
            )
            raise TypeError(msg)
        handler = transport
        for _, middleware in reversed(self._entries):
            handler = _link(middleware, handler)
        return handler
