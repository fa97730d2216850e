"""The public contract, as types: what a handler and a middleware are.

A *handler* turns a [Request][heygen_pipeline.Request] into a [Response][heygen_pipeline.Response].
A *middleware* is any callable ``(request, call_next) -> Response``: a plain function or an
object with ``__call__``. It may change the request, call ``call_next`` zero, one or many
times, inspect or replace the response, or raise. No base class is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

from heygen_pipeline._models import Request, Response

__all__ = ["Clock", "Handler", "Middleware", "Random", "ResponseStream", "Sleep"]

Handler = Callable[[Request], Response]
"""The innermost transport and every built pipeline: ``Request -> Response``."""

Sleep = Callable[[float], None]
"""``time.sleep``-like: wait this many seconds."""

Clock = Callable[[], float]
"""``time.monotonic``-like: seconds on a clock that never goes back."""

Random = Callable[[], float]
"""``random.random``-like: a float in ``[0, 1)``."""


class Middleware(Protocol):
    """``(request, call_next) -> Response``: one layer of the pipeline."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Handle ``request``, usually by calling ``call_next`` with it (or a changed copy)."""
        ...


@runtime_checkable
class ResponseStream(Protocol):
    """A response body that is read lazily; it must be consumed or closed."""

    def iter_bytes(self, chunk_size: int = 65536) -> Iterator[bytes]:
        """Yield the rest of the body in chunks, then release the connection."""
        ...

    def read(self) -> bytes:
        """Read the rest of the body, then release the connection."""
        ...

    def close(self) -> None:
        """Give the connection back (or drop it if the body was not fully read)."""
        ...
