"""Async views of the sync resource helpers: each method runs in the client's worker pool.

`AsyncResource` is the base of the typed views generated from the sync classes
(`_async_gen`, into the ``_async_api_*`` modules, each class `register`-ed for `wrap`): a
method is a coroutine function run in the pool; a paged list (``Iterator``) is an async
iterator that fetches each page in the pool. Every ``wait`` polls in the pool and sleeps on
the event loop between polls (`_async_wait`), so no thread is held while a job runs.
`AsyncRawResponses` is the dynamic view of ``with_raw_response`` (as untyped as the sync one).
"""

from __future__ import annotations

import asyncio
import inspect
import random as _random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

from heygen_pipeline._async_wait import captured, wait_job
from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources import (
    JobResource,
    RawResponses,
    Requester,
    Resource,
    Video,
    Videos,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from heygen_pipeline._models import Timeout

__all__ = ["AsyncRawResponses", "AsyncResource", "AsyncVideos", "Runner", "register", "wrap"]

Runner = Callable[..., Awaitable[Any]]
"""``await runner(fn, *args, **kwargs)``: ``fn`` called in the pool, cancellably."""
_DONE: Final = object()
View = TypeVar("View", bound="AsyncResource[Any]")
S = TypeVar("S", bound="Resource | RawResponses[Any]")
Wrapped = Resource | RawResponses[Any]
"""What gets an async view: a resource helper, or its ``with_raw_response`` view."""
_VIEWS: Final[dict[type[Resource], type[AsyncResource[Any]]]] = {}
"""The typed async view of each sync resource class (filled by `register`)."""


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


class AsyncResource(Generic[S]):
    """A sync resource helper seen from asyncio: ``await helper.get(...)``, ``async for``.

    What every helper shares (``sync``, ``client``, ``with_options``, ``with_raw_response``)
    is here once; the generated views add the helper's own methods.
    """

    __slots__ = ("_run", "_sync")

    def __init__(self, sync: S, run: Runner) -> None:
        """Wrap ``sync``; its calls go through ``run`` (the client's pool)."""
        self._sync: Wrapped = sync
        self._run = run

    @property
    def sync(self) -> S:
        """The sync helper underneath."""
        return cast("S", self._sync)

    async def with_options(
        self,
        *,
        timeout: Timeout | float | None = None,
        total_timeout: float | None = None,
        idempotency_key: str | None = None,
        max_attempts: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Self:
        """`Resource.with_options`: a view of the same kind (awaited as every call; no I/O)."""
        sync: Resource = self._sync  # type: ignore[assignment]
        changed = sync.with_options(
            timeout=timeout,
            total_timeout=total_timeout,
            idempotency_key=idempotency_key,
            max_attempts=max_attempts,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return type(self)(cast("S", changed), self._run)

    @property
    def client(self) -> Requester:
        """The client the sync helper sends through."""
        return self._sync.client

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """The same calls answering the whole `Response` (dynamically typed, as the sync one)."""
        sync: Resource = self._sync  # type: ignore[assignment]
        return AsyncRawResponses(sync.with_raw_response, self._run)

    def _wait(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def wait(
            *args: Any,
            sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
            random: Callable[[], float] = _random.random,
            **kwargs: Any,
        ) -> Any:
            sync: JobResource = self._sync  # type: ignore[assignment]
            found = await self._run(captured, sync, name, *args, **kwargs)
            return await wait_job(self._run, sync, found, sleep=sleep, random=random)

        return wait

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


class AsyncRawResponses(AsyncResource[Any]):
    """``helper.with_raw_response`` for asyncio: each sync attribute seen through the pool."""

    __slots__ = ()

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
        if name.startswith("wait") and isinstance(self._sync, JobResource):
            return self._wait(name)
        return self._coroutine(value)


class AsyncVideos(AsyncResource[Videos]):
    """``client.videos`` for asyncio; ``wait`` also keeps and frees the job slot."""

    __slots__ = ()

    async def wait(
        self,
        *args: Any,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        **kwargs: Any,
    ) -> Video:
        """``videos.wait`` (same arguments), polling in the pool and sleeping on the loop.

        The job slot (``job_slots``) is kept while polling and given back when the job ends.
        """
        sync: Videos = self._sync  # type: ignore[assignment]
        found = await self._run(captured, sync, "wait", *args, **kwargs)
        slots = sync.client.job_slots
        try:
            video: Video = await wait_job(self._run, sync, found, sleep=sleep, random=random)
        except JobFailedError:
            if slots is not None:
                await self._run(slots.job_ended, found.settings["job_id"])
            raise
        if slots is not None:
            await self._run(slots.job_ended, found.settings["job_id"])
        return video


def register(sync: type[Resource]) -> Callable[[type[View]], type[View]]:
    """Class decorator: the decorated class is the async view `wrap` gives of ``sync``."""

    def record(view: type[View]) -> type[View]:
        _VIEWS[sync] = view
        return view

    return record


def wrap(sync: Wrapped, run: Runner) -> AsyncResource[Any]:
    """The typed async view of ``sync`` (the dynamic one for a ``with_raw_response`` view)."""
    for cls in type(sync).__mro__:
        view = _VIEWS.get(cls)
        if view is not None:
            return view(sync, run)
    return AsyncRawResponses(sync, run)
