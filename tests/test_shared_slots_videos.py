"""Video-job slots wired into client.videos: create takes a slot, wait gives it back."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from heygen_pipeline import (
    BadRequestError,
    HeyGenClient,
    HeyGenError,
    JobFailedError,
    default_stack,
)
from heygen_pipeline.resources import Videos
from heygen_pipeline.testing import Fault
from heygen_pipeline.testing.pytest_plugin import checked_fake

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import JobSlots, SlotTimeoutError, connect, key_id  # noqa: E402

pytest_plugins = ["redis_fixtures"]


@pytest.fixture
def fake():
    """A FakeHeyGen whose jobs complete on the second poll."""
    with checked_fake(render_polls=1) as server:
        yield server


@pytest.fixture
def slots(redis_client, namespace):
    """One slot for the key, with a short lease."""
    return JobSlots(
        redis_client,
        api_key_id=key_id("test-key"),
        limit=1,
        lease_seconds=60,
        namespace=namespace,
        poll_interval=0.01,
    )


@pytest.fixture
def client(fake, slots):
    """A client of the fake that limits jobs with ``slots`` and waits without sleeping."""
    with HeyGenClient(
        fake.api_key,
        base_url=fake.base_url,
        upload_url=fake.upload_url,
        job_slots=slots,
        slot_timeout=0.2,
    ) as c:
        c.videos = Videos(c, sleep=lambda _s: None)
        yield c


class TestVideoSlots:
    """The slot follows the job from create to its end."""

    def test_create_holds_and_wait_releases(self, client, slots):
        """A created video holds the slot until wait sees it completed."""
        video = client.videos.create(script="hi", avatar_id="a")
        assert slots.in_use() == 1
        client.videos.wait(video, timeout=10, poll=0.01)
        assert slots.in_use() == 0

    def test_limit_holds_at_create(self, client, slots):
        """With the only slot taken, a second create times out before anything is sent."""
        client.videos.create(script="one", avatar_id="a")
        with pytest.raises(SlotTimeoutError):
            client.videos.create(script="two", avatar_id="a")
        assert slots.in_use() == 1

    def test_failed_job_releases(self, client, slots, fake):
        """A job that fails gives its slot back when wait raises."""
        video = client.videos.create(script="doomed", avatar_id="a")
        fake.fail_video(video.id, message="bad script")
        with pytest.raises(JobFailedError):
            client.videos.wait(video, timeout=10, poll=0.01)
        assert slots.in_use() == 0

    def test_refused_create_releases(self, client, slots, fake):
        """A create HeyGen refuses frees the slot at once."""
        fake.inject(
            "POST",
            "/v3/videos",
            Fault.status(400, {"error": {"code": "invalid_parameter", "message": "no"}}),
        )
        with pytest.raises(BadRequestError):
            client.videos.create(script="x", avatar_id="a")
        assert slots.in_use() == 0

    def test_legacy_create_takes_a_slot_too(self, client, slots):
        """The legacy v2 create is limited the same way."""
        scene = {
            "character": {"type": "avatar", "avatar_id": "a"},
            "voice": {"type": "text", "input_text": "hi", "voice_id": "v"},
        }
        video = client.videos.create_v2([scene])
        assert slots.in_use() == 1
        client.videos.wait(video, timeout=10, poll=0.01)
        assert slots.in_use() == 0


class TestCreatedJobsAreNeverLost:
    """After HeyGen created the job, create returns it: slot problems are logged and repaired."""

    def make(self, fake, slots, after_post=None):
        """A client whose stack runs ``after_post()`` once a POST has been answered."""

        def hook(request, call_next):
            response = call_next(request)
            if request.method == "POST" and after_post is not None:
                after_post()
            return response

        stack = default_stack(base_url=fake.base_url, upload_url=fake.upload_url)
        client = HeyGenClient(
            fake.api_key,
            base_url=fake.base_url,
            upload_url=fake.upload_url,
            stack=stack.prepend("hook", hook),
            job_slots=slots,
            slot_timeout=0.5,
        )
        client.videos = Videos(client, sleep=lambda _s: None)
        return client

    def test_redis_gone_after_the_create_closed_mode(self, fake, own_redis_server, namespace):
        """Redis stops while HeyGen answers the create: closed mode still returns the video."""
        slots = JobSlots(
            connect(own_redis_server.url),
            api_key_id=key_id("test-key"),
            limit=1,
            namespace=namespace,
            on_error="closed",
            retry_interval=0.0,
        )
        with (
            self.make(fake, slots, after_post=own_redis_server.stop) as client,
            capture_logs() as logs,
        ):
            video = client.videos.create(script="hi", avatar_id="a")
        assert video.id
        assert "job_slot_bind_deferred" in [e["event"] for e in logs]
        own_redis_server.restart()  # empty: the deferred binding is made on the next use
        assert slots.in_use() == 1
        assert slots.release_video(video.id)

    def test_lease_ended_before_the_bind(self, fake, redis_client, namespace, wait_for):
        """The lease runs out while the create is out: the video comes back, its slot retaken."""
        slots = JobSlots(
            redis_client, api_key_id=key_id("k"), limit=1, lease_seconds=0.2, namespace=namespace
        )
        with self.make(fake, slots, after_post=lambda: wait_for(lambda: slots.in_use() == 0)) as c:
            video = c.videos.create(script="hi", avatar_id="a")
        assert video.id
        assert slots.in_use() == 1
        assert slots.release_video(video.id)

    def test_a_create_that_may_have_run_keeps_its_slot(self, fake, slots):
        """Connections reset after the request went out: the error is raised, the slot kept."""
        fake.inject("POST", "/v3/videos", Fault.reset(), Fault.reset(), Fault.reset())
        with self.make(fake, slots) as client, pytest.raises(HeyGenError):
            client.videos.create(script="hi", avatar_id="a")
        assert slots.in_use() == 1  # the render may be running: kept until the lease ends

    def test_delete_frees_the_slot_at_once(self, client, slots):
        """Deleting a created video gives its slot back, not after the lease."""
        video = client.videos.create(script="hi", avatar_id="a")
        assert slots.in_use() == 1
        client.videos.delete(video)
        assert slots.in_use() == 0
