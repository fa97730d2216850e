"""AsyncHeyGenClient: the sync client's pipeline run for asyncio in a bounded worker pool.

urllib3 has no asyncio API, so each call runs the same sync stack (one middleware contract
for both worlds) in a `ThreadPoolExecutor` the client owns, with the caller's contextvars.
Cancelling the awaiting task returns at once; the attempt in flight ends by its own timeout,
and no further attempt, redirect hop or poll starts (see `_async_cancel`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

from heygen_pipeline._async_cancel import CallCancelledError, cancellable, current
from heygen_pipeline._async_resources import AsyncResource, AsyncVideos, wrap
from heygen_pipeline.client import HeyGenClient

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from heygen_pipeline._models import Request, RequestOptions, Response
    from heygen_pipeline._stack import Stack

__all__ = ["DEFAULT_MAX_WORKERS", "AsyncHeyGenClient", "CallCancelledError"]

DEFAULT_MAX_WORKERS: Final = 8
"""Worker threads per client: calls beyond this many wait their turn, on the loop."""
_START_TIMEOUT: Final = 5.0
"""Seconds the workers wait for each other when the pool starts."""
_RESOURCES: Final = (
    "videos",
    "avatars",
    "voices",
    "templates",
    "user",
    "assets",
    "translations",
    "lipsyncs",
    "video_agents",
    "ai_clipping",
    "background_removals",
    "audio",
    "brand_kits",
    "brand_glossaries",
    "webhook_endpoints",
)


def _meet(meeting: threading.Barrier) -> None:
    """Wait for the other workers (bounded: a broken meeting only means a later start)."""
    with contextlib.suppress(threading.BrokenBarrierError):
        meeting.wait(timeout=_START_TIMEOUT)


class _Pool:
    """The worker threads shared by a client and the clients derived from it."""

    def __init__(self, max_workers: int) -> None:
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            msg = f"max_workers must be an int >= 1, not {max_workers!r}"
            raise ValueError(msg)
        self.executor = ThreadPoolExecutor(max_workers, thread_name_prefix="heygen-async")
        self.max_workers = max_workers
        self._started = False
        self._starting: asyncio.Future[None] | None = None

    async def _start(self) -> None:
        """Start every worker once, off the loop (a burst of thread starts would stall it)."""
        loop = asyncio.get_running_loop()
        if self._starting is None or self._starting.get_loop() is not loop:
            self._starting = asyncio.ensure_future(loop.run_in_executor(None, self._start_all))
        await asyncio.shield(self._starting)

    def _start_all(self) -> None:
        meeting = threading.Barrier(self.max_workers + 1)
        for _ in range(self.max_workers):  # each waits at the barrier: each submit starts a thread
            self.executor.submit(_meet, meeting)
        _meet(meeting)
        self._started = True

    async def run(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in a worker, with this task's contextvars; cancellable."""
        if not self._started:
            await self._start()
        flag = threading.Event()
        context = contextvars.copy_context()

        def work() -> Any:
            current().set(flag)  # in the copied context: the middlewares of this call see it
            return fn(*args, **kwargs)

        future = asyncio.get_running_loop().run_in_executor(
            self.executor, functools.partial(context.run, work)
        )
        try:
            return await future
        except asyncio.CancelledError:
            flag.set()  # no further attempt; the one in flight ends by its timeout
            raise


class AsyncHeyGenClient:
    """`HeyGenClient` for asyncio: same constructor, ``await`` calls, async resources.

    Each call runs the sync pipeline (your middlewares included) in at most ``max_workers``
    threads owned by the client, with the calling task's contextvars. ``async with`` (or
    ``await aclose()``) closes the pool and the connection pool.

    Example:
        ```python
        async with AsyncHeyGenClient() as client:
            video = await client.videos.get(video_id)
            async for avatar in client.avatars.list_looks():
                ...
        ```
    """

    videos: AsyncVideos
    """Video jobs; ``await videos.wait(...)`` sleeps on the loop between polls."""

    def __init__(self, *args: Any, max_workers: int = DEFAULT_MAX_WORKERS, **kwargs: Any) -> None:
        """Build the sync client from the same arguments as `HeyGenClient`.

        Args:
            args: passed to `HeyGenClient`.
            max_workers: the most calls running at once (the rest wait, on the loop).
            kwargs: passed to `HeyGenClient`.
        """
        owner = HeyGenClient(*args, **kwargs)
        self._pool = _Pool(max_workers)
        self._owner: HeyGenClient | None = owner
        # The unbound stack, so ClientAuth stays a placeholder (with_options(api_key=) rebinds it).
        self._attach(owner.with_stack(cancellable(owner._unbound_stack)))

    def _attach(self, sync: HeyGenClient) -> None:
        self._sync = sync
        for name in _RESOURCES:
            setattr(self, name, wrap(getattr(sync, name), self._pool.run))

    def _derive(self, sync: HeyGenClient) -> AsyncHeyGenClient:
        new = object.__new__(AsyncHeyGenClient)
        new._pool = self._pool
        new._owner = None  # derived clients share the pools and never close them
        new._attach(sync)
        return new

    def __getattr__(self, name: str) -> AsyncResource:
        """Resources attached at construction (declared for type checkers)."""
        raise AttributeError(name)

    @property
    def sync(self) -> HeyGenClient:
        """The sync client underneath (its calls block: use them from threads only)."""
        return self._sync

    @property
    def base_url(self) -> str:
        """Where relative paths go."""
        return self._sync.base_url

    @property
    def stack(self) -> Stack:
        """The stack in use, with the async cancellation checks added."""
        return self._sync.stack

    @property
    def options(self) -> RequestOptions:
        """The default options of every request."""
        return self._sync.options

    @property
    def max_workers(self) -> int:
        """The size of the worker pool."""
        return self._pool.max_workers

    def with_stack(self, stack: Stack) -> AsyncHeyGenClient:
        """An async client with ``stack``, sharing this one's worker and connection pools."""
        return self._derive(self._sync.with_stack(cancellable(stack)))

    def with_options(self, **changes: Any) -> AsyncHeyGenClient:
        """An async client with `HeyGenClient.with_options` changes, sharing the pools."""
        return self._derive(self._sync.with_options(**changes))

    def build_request(self, method: str, url: str, **kwargs: Any) -> Request:
        """The request `request` would send (no I/O: runs on the loop)."""
        return self._sync.build_request(method, url, **kwargs)

    async def send(self, request: Request) -> Response:
        """Send a prepared request through the stack, in the pool."""
        response: Response = await self._pool.run(self._sync.send, request)
        return response

    async def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """`HeyGenClient.request`, awaited: the call runs in the pool."""
        response: Response = await self._pool.run(self._sync.request, method, url, **kwargs)
        return response

    async def get(self, url: str, **kwargs: Any) -> Any:
        """GET and return the unwrapped ``data``."""
        return (await self.request("GET", url, **kwargs)).data

    async def post(self, url: str, **kwargs: Any) -> Any:
        """POST and return the unwrapped ``data``."""
        return (await self.request("POST", url, **kwargs)).data

    async def put(self, url: str, **kwargs: Any) -> Any:
        """PUT and return the unwrapped ``data``."""
        return (await self.request("PUT", url, **kwargs)).data

    async def patch(self, url: str, **kwargs: Any) -> Any:
        """PATCH and return the unwrapped ``data``."""
        return (await self.request("PATCH", url, **kwargs)).data

    async def delete(self, url: str, **kwargs: Any) -> Any:
        """DELETE and return the unwrapped ``data``."""
        return (await self.request("DELETE", url, **kwargs)).data

    async def aclose(self) -> None:
        """Close the worker pool (waiting, off the loop, for calls in flight) and the connections.

        Clients from ``with_stack``/``with_options`` close nothing: the original does.
        """
        owner, self._owner = self._owner, None
        if owner is None:
            return
        executor = self._pool.executor
        await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)
        owner.close()

    async def __aenter__(self) -> AsyncHeyGenClient:
        """Use as ``async with`` to close the pools at the end."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the pools."""
        await self.aclose()

    def __repr__(self) -> str:
        """Base URL, stack names and pool size; never the key."""
        return f"Async{self._sync!r}"[:-1] + f", max_workers={self.max_workers})"
