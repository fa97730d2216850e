"""Video-job slots wired into client.videos: create takes a slot, wait gives it back."""

from __future__ import annotations

import pytest

from heygen_pipeline import BadRequestError, HeyGenClient, JobFailedError
from heygen_pipeline.resources import Videos
from heygen_pipeline.testing import Fault
from heygen_pipeline.testing.pytest_plugin import checked_fake

redis = pytest.importorskip("redis")

from heygen_pipeline.shared import JobSlots, SlotTimeoutError, key_id  # noqa: E402

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
