"""AsyncHeyGenClient against FakeHeyGen on real sockets (anyio's pytest plugin, asyncio)."""

import asyncio
import contextvars
import threading
import time
from collections.abc import AsyncIterator

import pytest

from heygen_pipeline import AsyncHeyGenClient, HeyGenClient, default_stack
from heygen_pipeline._async_cancel import CANCEL, CallCancelledError
from heygen_pipeline.errors import (
    AuthenticationError,
    JobFailedError,
    NotFoundError,
    WaitTimeoutError,
)
from heygen_pipeline.middleware import BackoffMiddleware
from heygen_pipeline.resources import Video
from heygen_pipeline.testing import FakeHeyGen, Fault

pytestmark = pytest.mark.anyio
pytest_plugins = ["redis_fixtures"]

LOOK = "Daisy-inskirt-20220818"
TENANT: contextvars.ContextVar[str] = contextvars.ContextVar("tenant", default="none")


@pytest.fixture
def anyio_backend():
    """These tests run on asyncio (the backend the client is built for)."""
    return "asyncio"


def quick_backoff(delay: float = 0.0) -> object:
    """The default stack with backoff sleeping ``delay`` seconds (really) between attempts."""
    return default_stack().replace("backoff", BackoffMiddleware(sleep=lambda _s: time.sleep(delay)))


def client_of(fake: FakeHeyGen, **kwargs) -> AsyncHeyGenClient:
    """An async client of ``fake`` (backoff waits not slept unless a stack is given)."""
    kwargs.setdefault("stack", quick_backoff())
    return AsyncHeyGenClient(
        fake.api_key, base_url=fake.base_url, upload_url=fake.upload_url, **kwargs
    )


async def settle(seconds: float) -> None:
    """Let worker threads run for ``seconds`` (a bounded wait, never a poll without end)."""
    await asyncio.sleep(seconds)


class TestCalls:
    """await request/get/post and the pool."""

    async def test_get_returns_the_data(self, fake_heygen):
        """Awaiting client.get answers as HeyGenClient.get does."""
        async with client_of(fake_heygen) as client:
            avatars = await client.get("/v2/avatars")
        assert avatars == HeyGenClient(fake_heygen.api_key, base_url=fake_heygen.base_url).get(
            "/v2/avatars"
        )

    async def test_two_hundred_concurrent_gets_succeed(self, fake_heygen):
        """200 gathered calls all succeed through a pool of 8 threads."""
        async with client_of(fake_heygen) as client:
            results = await asyncio.gather(*(client.get("/v2/avatars") for _ in range(200)))
        assert client.max_workers == 8
        assert len(results) == 200
        assert all(r == results[0] for r in results)
        assert len(fake_heygen.requests_for("GET", "/v2/avatars")) == 200

    async def test_errors_are_raised_in_the_task(self, fake_heygen):
        """A 404 is the same NotFoundError as in the sync client."""
        async with client_of(fake_heygen) as client:
            with pytest.raises(NotFoundError):
                await client.get("/v3/videos/missing")

    async def test_contextvars_reach_the_middlewares(self, fake_heygen):
        """A contextvar set in the task is what a custom middleware sees in the worker."""
        seen: list[str] = []

        def spy(request, call_next):
            seen.append(TENANT.get())
            return call_next(request)

        async with client_of(fake_heygen, stack=quick_backoff().prepend("spy", spy)) as client:

            async def as_tenant(name: str) -> None:
                TENANT.set(name)
                await client.get("/v2/avatars")

            await asyncio.gather(as_tenant("acme"), as_tenant("globex"))
        assert sorted(seen) == ["acme", "globex"]

    async def test_derived_clients_share_the_pool(self, fake_heygen):
        """Derived clients share the pool; closing one closes nothing."""
        async with client_of(fake_heygen) as client:
            derived = client.with_options(max_attempts=1)
            other = client.with_stack(default_stack())
            assert derived._pool is client._pool is other._pool
            assert derived.options.max_attempts == 1
            assert "async_cancel_check" in other.stack.names
            await derived.aclose()
            assert await other.get("/v2/avatars") == await client.get("/v2/avatars")

    async def test_bad_pool_size_is_refused(self, fake_heygen):
        """max_workers must be a positive int."""
        with pytest.raises(ValueError, match="max_workers"):
            client_of(fake_heygen, max_workers=0)


class TestCancellation:
    """Cancelling the task returns at once and starts no further attempt or poll."""

    async def test_cancel_mid_retry_stops_the_attempts(self, fake_heygen):
        """After cancelling a call retrying 503s, the fake sees no more requests."""
        fake_heygen.inject_always("GET", "/v2/avatars", Fault.server_error(503))
        async with client_of(fake_heygen, stack=quick_backoff(0.05)) as client:
            task = asyncio.create_task(client.get("/v2/avatars", max_attempts=1000))
            for _ in range(200):  # bounded: at most 10 s
                if len(fake_heygen.requests_for("GET", "/v2/avatars")) >= 3:
                    break
                await settle(0.05)
            started = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - started < 0.5
            await settle(0.3)
            after = len(fake_heygen.requests_for("GET", "/v2/avatars"))
            await settle(0.5)
            assert len(fake_heygen.requests_for("GET", "/v2/avatars")) == after

    async def test_cancel_mid_wait_stops_the_polls(self):
        """Cancelling videos.wait ends the polling: no poll after the cancellation settles."""
        with FakeHeyGen(render_polls=10_000) as fake:
            async with client_of(fake) as client:
                video = await client.videos.create(avatar_id=LOOK, script="x")
                path = f"/v3/videos/{video.id}"
                task = asyncio.create_task(client.videos.wait(video, timeout=60, poll=0.02))
                for _ in range(200):
                    if len(fake.requests_for("GET", path)) >= 3:
                        break
                    await settle(0.05)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                await settle(0.2)
                after = len(fake.requests_for("GET", path))
                await settle(0.3)
                assert len(fake.requests_for("GET", path)) == after


class TestResponsiveness:
    """The loop stays free while calls are in flight."""

    async def test_ticker_stays_on_time_with_fifty_slow_calls(self, fake_heygen):
        """A 5 ms ticker is never more than 200 ms late while 50 slow calls run.

        The bound is generous on purpose (a loaded 2-core machine shares the GIL with the
        worker threads); a blocked loop would be late by the calls' 0.3 s or more.
        """
        fake_heygen.inject_always("GET", "/v2/avatars", Fault.slow(0.3))
        lateness: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                due = time.monotonic() + 0.005
                await asyncio.sleep(0.005)
                lateness.append(time.monotonic() - due)

        async with client_of(fake_heygen, max_workers=50) as client:
            tick = asyncio.create_task(ticker())
            await asyncio.gather(*(client.get("/v2/avatars") for _ in range(50)))
            stop.set()
            await tick
        assert len(lateness) > 10
        assert max(lateness) < 0.2


class TestResources:
    """Resources as async methods, async iterators and event-loop waits."""

    async def test_methods_are_awaitable(self, fake_heygen):
        """videos.create and videos.get are coroutines returning the sync models."""
        async with client_of(fake_heygen) as client:
            video = await client.videos.create(avatar_id=LOOK, script="x")
            again = await client.videos.get(video.id)
        assert isinstance(again, Video)
        assert again.id == video.id

    async def test_async_for_over_a_paged_list(self):
        """An async for walks every page of a list, fetched in the pool."""
        with FakeHeyGen(page_size_default=2) as fake:
            async with client_of(fake) as client:
                made = [await client.videos.create(avatar_id=LOOK, script="x") for _ in range(5)]
                seen = [v.id async for v in client.videos.list(page_size=2)]
                sync_seen = [v.id for v in client.sync.videos.list(page_size=2)]
        assert sorted(seen) == sorted(v.id for v in made) or seen == sync_seen
        assert seen == sync_seen
        assert len(fake.requests_for("GET", "/v3/videos")) >= 6

    async def test_sub_helpers_and_with_options_stay_async(self, fake_heygen):
        """with_options on a resource returns an async resource too."""
        async with client_of(fake_heygen) as client:
            videos = await client.videos.with_options(timeout=5)
            video = await videos.create(avatar_id=LOOK, script="x")
        assert video.id

    async def test_wait_completes_with_the_job(self, fake_heygen):
        """videos.wait polls until the fake's job completes, reporting each status."""
        seen: list[str | None] = []
        async with client_of(fake_heygen) as client:
            video = await client.videos.create(avatar_id=LOOK, script="x")
            done = await client.videos.wait(
                video, timeout=30, poll=0.01, on_progress=lambda v: seen.append(v.status)
            )
        assert done.is_completed
        assert seen == ["pending", "processing", "completed"]

    async def test_wait_raises_a_failed_job(self):
        """A failed render is a JobFailedError, as in the sync wait."""
        with FakeHeyGen(render_polls=1) as fake:
            async with client_of(fake) as client:
                video = await client.videos.create(avatar_id=LOOK, script="x")
                fake.fail_video(video.id)
                with pytest.raises(JobFailedError):
                    await client.videos.wait(video, timeout=30, poll=0.01)

    async def test_download_runs_in_the_pool(self, fake_heygen, tmp_path):
        """videos.download streams to disk from a worker thread."""
        async with client_of(fake_heygen) as client:
            video = await client.videos.create(avatar_id=LOOK, script="x")
            done = await client.videos.wait(video, timeout=30, poll=0.01)
            result = await client.videos.download(done, tmp_path / "v.mp4")
        assert (tmp_path / "v.mp4").stat().st_size == result.size


class TestMoreResources:
    """Raw responses, uploads and the cancellation check of the sync side."""

    async def test_with_raw_response_is_async(self, fake_heygen):
        """with_raw_response methods are awaited and carry the request id."""
        async with client_of(fake_heygen) as client:
            video = await client.videos.create(avatar_id=LOOK, script="x")
            raw = await client.videos.with_raw_response.get(video.id)
        assert raw.parse().id == video.id
        assert raw.request_id

    async def test_upload_runs_in_the_pool(self, fake_heygen, tmp_path):
        """assets.upload streams a file from a worker thread."""
        source = tmp_path / "a.png"
        source.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 1000)
        async with client_of(fake_heygen) as client:
            asset = await client.assets.upload(source)
        assert asset.id

    def test_a_set_flag_refuses_the_attempt(self, fake_heygen):
        """A request whose cancellation flag is set is refused before it is sent."""
        flag = threading.Event()
        flag.set()
        client = client_of(fake_heygen)
        options = client.options.with_extension(CANCEL, flag)
        with pytest.raises(CallCancelledError, match="cancelled"):
            client.sync.request("GET", "/v2/avatars", options=options)
        assert fake_heygen.requests_for("GET", "/v2/avatars") == []
        client.sync.close()


class TestEveryWait:
    """Every resource's wait polls in the pool and sleeps on the loop."""

    async def test_translation_wait_completes(self, fake_heygen):
        """translations.wait reuses the sync wait's decisions and polls until done."""
        slept: list[float] = []

        async def no_sleep(seconds: float) -> None:
            slept.append(seconds)

        async with client_of(fake_heygen) as client:
            [job] = await client.translations.create(
                video_url="https://example.com/source.mp4", output_languages=["es"]
            )
            done = await client.translations.wait(job.id, timeout=30, sleep=no_sleep)
        assert done.is_completed
        assert len(slept) == 2

    async def test_translation_failure_carries_the_request_id(self, fake_heygen):
        """A failed job is the sync wait's JobFailedError, with the poll's request id."""
        fake_heygen.fail_translation(message="Audio track missing")
        async with client_of(fake_heygen) as client:
            [job] = await client.translations.create(
                video_url="https://example.com/source.mp4", output_languages=["es"]
            )
            with pytest.raises(JobFailedError, match="Audio track missing") as info:
                await client.translations.wait(job.id, timeout=30, poll=0.01)
        assert info.value.job_id == job.id

    async def test_wait_times_out_by_the_deadline(self):
        """A job that never ends is a WaitTimeoutError after ``timeout``."""
        with FakeHeyGen(render_polls=10_000) as fake:
            async with client_of(fake) as client:
                video = await client.videos.create(avatar_id=LOOK, script="x")
                with pytest.raises(WaitTimeoutError, match="did not finish"):
                    await client.videos.wait(video, timeout=0.3, poll=0.05)

    async def test_bad_wait_settings_are_refused(self, fake_heygen):
        """A poll longer than max_poll is refused before any poll."""
        async with client_of(fake_heygen) as client:
            with pytest.raises(ValueError, match="poll"):
                await client.videos.wait("v1", poll=10, max_poll=1)
        assert fake_heygen.requests_for("GET", "/v3/videos/v1") == []


class TestWrapping:
    """The generic wrapping covers every resource of the client."""

    async def test_every_paged_list_is_an_async_iterator(self, fake_heygen):
        """Each method annotated to return an Iterator answers an async iterator (no I/O yet)."""
        found = []
        required: dict[str, tuple[tuple[object, ...], dict[str, object]]] = {
            "assets.list": (("me",), {}),
            "assets.search": (("logo",), {"kind": "image"}),
        }
        async with client_of(fake_heygen) as client:
            for name in ("videos", "avatars", "voices", "templates", "assets", "translations"):
                resource = getattr(client, name)
                for attr in ("list", "list_groups", "search", "list_v1"):
                    if hasattr(resource.sync, attr):
                        args, kwargs = required.get(f"{name}.{attr}", ((), {}))
                        pages = getattr(resource, attr)(*args, **kwargs)
                        assert isinstance(pages, AsyncIterator), f"{name}.{attr}"
                        found.append(f"{name}.{attr}")
            assert isinstance(client.avatars.looks.list(), AsyncIterator)
        assert fake_heygen.requests == []
        assert len(found) >= 8

    async def test_plain_attributes_pass_through(self, fake_heygen):
        """Non-callable attributes are the sync helper's; private ones are not exposed."""
        async with client_of(fake_heygen) as client:
            assert client.videos.client is client.sync.videos.client
            with pytest.raises(AttributeError):
                _ = client.videos._client
            assert "max_workers=8" in repr(client)


class TestJobSlots:
    """The video job slot follows the job through the async wait."""

    async def test_create_holds_and_wait_releases(self, redis_client, namespace):
        """A created video holds its slot until the async wait sees it completed."""
        from heygen_pipeline.shared import JobSlots, key_id  # noqa: PLC0415 - needs redis

        slots = JobSlots(
            redis_client,
            api_key_id=key_id("test-key"),
            limit=1,
            lease_seconds=60,
            namespace=namespace,
            poll_interval=0.01,
        )
        with FakeHeyGen(render_polls=1) as fake:
            async with client_of(fake, job_slots=slots, slot_timeout=0.2) as client:
                video = await client.videos.create(script="hi", avatar_id=LOOK)
                assert slots.in_use() == 1
                await client.videos.wait(video, timeout=10, poll=0.01)
                assert slots.in_use() == 0


class TestDerivedOptions:
    """with_options keeps the sync client's abilities."""

    async def test_with_options_api_key_rebinds_the_key(self, fake_heygen):
        """with_options(api_key=...) sends the other key (the fake refuses it)."""
        async with client_of(fake_heygen) as client:
            other = client.with_options(api_key="another-key-1234")
            with pytest.raises(AuthenticationError):
                await other.get("/v2/avatars")
            assert await client.get("/v2/avatars")

    async def test_with_options_headers_reach_the_server(self, fake_heygen):
        """with_options(headers=...) adds default headers to every request."""
        async with client_of(fake_heygen) as client:
            await client.with_options(headers={"X-Trace": "t1"}).get("/v2/avatars")
        [sent] = fake_heygen.requests_for("GET", "/v2/avatars")
        assert sent.headers["x-trace"] == "t1"
