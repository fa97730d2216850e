"""Async views of the sync resource helpers: each method runs in the client's worker pool.

`AsyncResource` wraps any `Resource`: a method becomes a coroutine function run in the pool;
one whose return annotation is an ``Iterator`` (the paged lists) becomes an async iterator
that fetches each page in the pool. `AsyncVideos.wait` polls in the pool and sleeps on the
event loop between polls, so no thread is held while a render runs.
"""

from __future__ import annotations

import asyncio
import inspect
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Final, TypeVar

from heygen_pipeline.errors import (
    CircuitOpenError,
    HeyGenError,
    JobFailedError,
    RateLimitError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)
from heygen_pipeline.resources import RawResponses, Resource, Video, Videos, poll_delay

__all__ = ["AsyncResource", "AsyncVideos", "Runner"]

T = TypeVar("T")
Runner = Callable[..., Awaitable[Any]]
"""``await runner(fn, *args, **kwargs)``: ``fn`` called in the pool, cancellably."""
_TRANSIENT: Final = (TransportError, ServerError, RateLimitError, CircuitOpenError)
_JITTER: Final = 0.25
_DONE: Final = object()
Wrapped = Resource | RawResponses[Any]
"""What gets an async view: a resource helper, or its ``with_raw_response`` view."""


def _returns_iterator(method: object) -> bool:
    """Whether ``method`` is annotated to return an iterator (a lazily paged list)."""
    try:
        annotation = inspect.signature(method).return_annotation  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return text.startswith(("Iterator[", "Iterator", "Generator["))


class _AsyncPages(AsyncIterator[Any]):
    """``async for`` over a sync iterator made in the pool, each step taken in the pool."""

    def __init__(self, run: Runner, make: Callable[[], Iterator[Any]]) -> None:
        self._run = run
        self._make = make
        self._iterator: Iterator[Any] | None = None

    def __aiter__(self) -> _AsyncPages:
        """Itself."""
        return self

    async def __anext__(self) -> Any:
        """The next item; a new page is fetched in the pool when one is needed."""
        if self._iterator is None:
            self._iterator = await self._run(self._make)
        item = await self._run(next, self._iterator, _DONE)
        if item is _DONE:
            raise StopAsyncIteration
        return item


class AsyncResource:
    """A sync resource helper seen from asyncio: ``await helper.get(...)``, ``async for``."""

    __slots__ = ("_run", "_sync")

    def __init__(self, sync: Wrapped, run: Runner) -> None:
        """Wrap ``sync``; its calls go through ``run`` (the client's pool)."""
        self._sync = sync
        self._run = run

    @property
    def sync(self) -> Wrapped:
        """The sync helper underneath."""
        return self._sync

    def __getattr__(self, name: str) -> Any:
        """The sync attribute, as an async method, async iterator or wrapped sub-helper."""
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._sync, name)
        if isinstance(value, (Resource, RawResponses)):
            return wrap(value, self._run)
        if not callable(value):
            return value
        if _returns_iterator(value):
            return self._pages(value)
        return self._coroutine(value)

    def _pages(self, method: Callable[..., Iterator[Any]]) -> Callable[..., _AsyncPages]:
        def pages(*args: Any, **kwargs: Any) -> _AsyncPages:
            return _AsyncPages(self._run, lambda: method(*args, **kwargs))

        return pages

    def _coroutine(self, method: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            result = await self._run(method, *args, **kwargs)
            wrapped = isinstance(result, (Resource, RawResponses))
            return wrap(result, self._run) if wrapped else result

        return call

    def __repr__(self) -> str:
        """The wrapped helper."""
        return f"Async{self._sync!r}"


class AsyncVideos(AsyncResource):
    """``client.videos`` for asyncio; ``wait`` sleeps on the loop between polls."""

    __slots__ = ()

    async def wait(
        self,
        video: Video | str,
        *,
        timeout: float = 1800.0,
        poll: float = 5.0,
        max_poll: float = 30.0,
        on_progress: Callable[[Video], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
    ) -> Video:
        """Poll (in the pool) until the video completes; sleep on the loop between polls.

        As the sync ``videos.wait``: jittered, growing waits from ``poll`` to ``max_poll``,
        passing poll failures tolerated, a `JobFailedError` or `WaitTimeoutError` by
        ``timeout``. Cancelling the task stops at once: no further poll is made.
        ``sleep`` and ``random`` are injectable (tests wait without waiting).
        """
        sync: Videos = self._sync  # type: ignore[assignment]
        job = video.id if isinstance(video, Video) else video
        if not isinstance(job, str) or not job:
            msg = "video must be a Video with an id or a video id"
            raise TypeError(msg)
        return await _wait_video(
            self._run,
            sync,
            job,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
            sleep=sleep,
            random=random,
        )


def _failure(video: Video, job_id: str) -> JobFailedError | None:
    """The error of a failed video, as the sync wait raises it."""
    if not video.is_failed:
        return None
    reason = video.failure_message
    message = (
        f"the video {job_id} failed: {reason}"
        if reason
        else f"the video {job_id} failed, and HeyGen gave no reason"
    )
    return JobFailedError(
        message,
        code=video.failure_code,
        request_id=None,
        job_id=job_id,
        job_status=video.status,
        failure_message=reason,
    )


async def _poll(run: Runner, sync: Videos, job: str, left: float) -> Video | HeyGenError:
    """One status poll in the pool (keeping the job slot): the video, or a passing error."""
    slots = sync.client.job_slots
    try:
        if slots is not None:
            await run(slots.job_running, job)
        video: Video = await run(sync.with_options(total_timeout=left).get, job)
    except _TRANSIENT as exc:
        return exc
    return video


async def _wait_video(
    run: Runner,
    sync: Videos,
    job: str,
    *,
    timeout: float,
    poll: float,
    max_poll: float,
    on_progress: Callable[[Video], None] | None,
    sleep: Callable[[float], Awaitable[None]],
    random: Callable[[], float],
) -> Video:
    """The polling loop of `AsyncVideos.wait` (bounded by ``timeout`` and a poll count)."""
    if not (0 < poll <= max_poll) or not timeout >= 0:
        msg = "need timeout >= 0 and 0 < poll <= max_poll"
        raise ValueError(msg)
    deadline = time.monotonic() + timeout
    last: Video | None = None
    last_error: HeyGenError | None = None
    for number in range(1, int(timeout / (poll * (1 - _JITTER))) + 3):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        outcome = await _poll(run, sync, job, left)
        server_wait = 0.0
        if isinstance(outcome, HeyGenError):
            last_error, server_wait = outcome, getattr(outcome, "retry_after", None) or 0.0
        else:
            last, last_error = outcome, None
            if on_progress is not None:
                on_progress(outcome)
            if outcome.is_failed or outcome.is_completed:
                return await _ended(run, sync, job, outcome)
        delay = poll_delay(number, poll=poll, max_poll=max_poll, jitter=random())
        left = deadline - time.monotonic()
        if left <= 0:
            break
        await sleep(min(max(server_wait, delay), left))
    seen = f"last status: {last.status}" if last is not None else "no successful poll"
    message = f"the video {job} did not finish within {timeout:g} s ({seen})"
    raise WaitTimeoutError(
        message, job_id=job, last_status=last.status if last else None, timeout=timeout
    ) from last_error


async def _ended(run: Runner, sync: Videos, job: str, video: Video) -> Video:
    """Give the job slot back; the completed video, or its failure raised."""
    slots = sync.client.job_slots
    if slots is not None:
        await run(slots.job_ended, job)
    error = _failure(video, job)
    if error is not None:
        raise error
    return video


def wrap(sync: Wrapped, run: Runner) -> AsyncResource:
    """The async view of ``sync`` (`AsyncVideos` for the videos helper)."""
    cls = AsyncVideos if isinstance(sync, Videos) else AsyncResource
    return cls(sync, run)
