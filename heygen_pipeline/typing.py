"""The public contract, as types: what a handler and a middleware are.

A *handler* turns a [Request][heygen_pipeline.Request] into a [Response][heygen_pipeline.Response].
A *middleware* is any callable ``(request, call_next) -> Response``: a plain function or an
object with ``__call__``. It may change the request, call ``call_next`` zero, one or many
times, inspect or replace the response, or raise. No base class is needed.

Types only: at run time this module imports nothing but the value types its aliases name, so
any module may import it without pulling in an implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

from heygen_pipeline._models import Request, Response

__all__ = [
    "Clock",
    "Handler",
    "JobSlot",
    "JobSlotProvider",
    "Middleware",
    "Outcome",
    "Random",
    "ResponseStream",
    "Sleep",
]

Handler = Callable[[Request], Response]
"""The innermost transport and every built pipeline: ``Request -> Response``."""

Outcome = Response | BaseException
"""One attempt's result: a response, or the exception the inner stack raised."""

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


class JobSlot(Protocol):
    """One held slot for a video job (see `JobSlotProvider`)."""

    def bind(self, video_id: str) -> None:
        """Tie the slot to the job HeyGen created, so any process can release it by id."""
        ...

    def release(self) -> None:
        """Give the slot back."""
        ...

    def bind_created(self, video_id: str) -> None:
        """`bind` after HeyGen created the job: problems are logged and repaired, not raised."""
        ...

    def create_failed(self, error: BaseException) -> None:
        """The create raised ``error``: release, unless the job may be running anyway."""
        ...


class JobSlotProvider(Protocol):
    """Limits how many video jobs run at once on a key (``heygen_pipeline.shared.JobSlots``).

    ``client.videos.create`` takes a slot before it asks HeyGen for a render and binds it to
    the new video; ``client.videos.wait`` renews it while polling and gives it back when the
    job completes or fails.
    """

    def acquire(self, timeout: float = 30.0, job_hint: str | None = None) -> JobSlot:
        """Wait (at most ``timeout`` seconds) for a free slot and take it."""
        ...

    def release_video(self, video_id: str) -> bool:
        """Give back the slot bound to ``video_id``; False when none was held."""
        ...

    def renew_video(self, video_id: str) -> bool:
        """Extend the lease of the slot bound to ``video_id``; False when none was held."""
        ...

    def job_running(self, video_id: str) -> None:
        """`renew_video` that never raises (a status poll saw the job running)."""
        ...

    def job_ended(self, video_id: str) -> None:
        """`release_video` that never raises (the job finished, failed or was deleted)."""
        ...
