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

from heygen_pipeline._async_api_catalogue import (
    AsyncAudio,
    AsyncAvatars,
    AsyncBrandGlossaries,
    AsyncBrandKits,
    AsyncUserResource,
    AsyncVoices,
    AsyncWebhookEndpoints,
)
from heygen_pipeline._async_api_media import AsyncAssets, AsyncLipsyncs, AsyncTranslations
from heygen_pipeline._async_api_videos import (
    AsyncAiClippings,
    AsyncBackgroundRemovals,
    AsyncTemplates,
    AsyncVideoAgents,
    AsyncVideos,
)
from heygen_pipeline._async_cancel import CallCancelledError, cancellable, current
from heygen_pipeline._defaults import DEFAULT_UPLOAD_URL
from heygen_pipeline.client import USER_AGENT, WRITE_TIMEOUT, HeyGenClient

if TYPE_CHECKING:
    import os
    import ssl
    from collections.abc import Callable, Mapping
    from types import TracebackType

    from heygen_pipeline._models import Request, RequestOptions, Response, Timeout
    from heygen_pipeline._redact import Secret
    from heygen_pipeline._stack import Stack
    from heygen_pipeline.typing import Handler, JobSlotProvider

__all__ = ["DEFAULT_MAX_WORKERS", "AsyncHeyGenClient", "CallCancelledError"]

DEFAULT_MAX_WORKERS: Final = 8
"""Worker threads per client: calls beyond this many wait their turn, on the loop."""
_START_TIMEOUT: Final = 5.0
"""Seconds the workers wait for each other when the pool starts."""


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
            async for look in client.avatars.looks.list():
                ...
        ```
    """

    videos: AsyncVideos
    """Video jobs; ``await videos.wait(...)`` sleeps on the loop between polls."""
    avatars: AsyncAvatars
    """Avatars and talking photos (``avatars.looks`` too)."""
    voices: AsyncVoices
    """Voices."""
    templates: AsyncTemplates
    """Templates, and videos generated from them."""
    user: AsyncUserResource
    """The account and its remaining quota."""
    assets: AsyncAssets
    """Uploads (streamed from disk, in the pool) and the asset list."""
    translations: AsyncTranslations
    """Video translation jobs."""
    lipsyncs: AsyncLipsyncs
    """Lipsync jobs."""
    video_agents: AsyncVideoAgents
    """Video agent sessions."""
    ai_clipping: AsyncAiClippings
    """AI clipping jobs."""
    background_removals: AsyncBackgroundRemovals
    """Background removal jobs."""
    audio: AsyncAudio
    """HeyGen's sound library."""
    brand_kits: AsyncBrandKits
    """The account's brand kits."""
    brand_glossaries: AsyncBrandGlossaries
    """The account's brand glossaries."""
    webhook_endpoints: AsyncWebhookEndpoints
    """Webhook endpoints."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        upload_url: str = DEFAULT_UPLOAD_URL,
        stack: Stack | None = None,
        transport: Handler | None = None,
        timeout: Timeout | float | None = None,
        options: RequestOptions | None = None,
        auto_idempotency: bool | Callable[[Request], bool] = True,
        user_agent: str = USER_AGENT,
        write_timeout: Timeout | float | None = WRITE_TIMEOUT,
        job_slots: JobSlotProvider | None = None,
        slot_timeout: float = 300.0,
        default_headers: Mapping[str, str] | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
        ca_certs: str | os.PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
    ) -> None:
        """Build the sync client from the same arguments as `HeyGenClient` (see there).

        Args:
            api_key: passed to `HeyGenClient`, as are all the other arguments but one.
            base_url: see `HeyGenClient`.
            upload_url: see `HeyGenClient`.
            stack: see `HeyGenClient` (the async cancellation checks are added to it).
            transport: see `HeyGenClient`.
            timeout: see `HeyGenClient`.
            options: see `HeyGenClient`.
            auto_idempotency: see `HeyGenClient`.
            user_agent: see `HeyGenClient`.
            write_timeout: see `HeyGenClient`.
            job_slots: see `HeyGenClient`.
            slot_timeout: see `HeyGenClient`.
            default_headers: see `HeyGenClient`.
            proxy: see `HeyGenClient`.
            trust_env: see `HeyGenClient`.
            ca_certs: see `HeyGenClient`.
            ssl_context: see `HeyGenClient`.
            max_workers: the most calls running at once (the rest wait, on the loop).
        """
        owner = HeyGenClient(
            api_key,
            base_url=base_url,
            upload_url=upload_url,
            stack=stack,
            transport=transport,
            timeout=timeout,
            options=options,
            auto_idempotency=auto_idempotency,
            user_agent=user_agent,
            write_timeout=write_timeout,
            job_slots=job_slots,
            slot_timeout=slot_timeout,
            default_headers=default_headers,
            proxy=proxy,
            trust_env=trust_env,
            ca_certs=ca_certs,
            ssl_context=ssl_context,
        )
        self._pool = _Pool(max_workers)
        self._owner: HeyGenClient | None = owner
        # The unbound stack, so ClientAuth stays a placeholder (with_options(api_key=) rebinds it).
        self._attach(owner._with_wrapped_stack(cancellable))

    def _attach(self, sync: HeyGenClient) -> None:
        self._sync = sync
        run = self._pool.run
        self.videos = AsyncVideos(sync.videos, run)
        self.avatars = AsyncAvatars(sync.avatars, run)
        self.voices = AsyncVoices(sync.voices, run)
        self.templates = AsyncTemplates(sync.templates, run)
        self.user = AsyncUserResource(sync.user, run)
        self.assets = AsyncAssets(sync.assets, run)
        self.translations = AsyncTranslations(sync.translations, run)
        self.lipsyncs = AsyncLipsyncs(sync.lipsyncs, run)
        self.video_agents = AsyncVideoAgents(sync.video_agents, run)
        self.ai_clipping = AsyncAiClippings(sync.ai_clipping, run)
        self.background_removals = AsyncBackgroundRemovals(sync.background_removals, run)
        self.audio = AsyncAudio(sync.audio, run)
        self.brand_kits = AsyncBrandKits(sync.brand_kits, run)
        self.brand_glossaries = AsyncBrandGlossaries(sync.brand_glossaries, run)
        self.webhook_endpoints = AsyncWebhookEndpoints(sync.webhook_endpoints, run)

    def _derive(self, sync: HeyGenClient) -> AsyncHeyGenClient:
        new = object.__new__(AsyncHeyGenClient)
        new._pool = self._pool
        new._owner = None  # derived clients share the pools and never close them
        new._attach(sync)
        return new

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
