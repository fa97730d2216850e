"""Contract tests of ``client.lipsyncs`` against HeyGen's v3 spec.

Each typed method runs against a FakeHeyGen with default arguments and with every option;
every request sent and every answer given is checked with openapi-core.
"""

import pytest
from _spec_check import assert_contract, checked_client, operations_called, spec

from heygen_pipeline.resources import LipsyncRequest, Lipsyncs
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen

VIDEO = "https://example.com/source.mp4"
AUDIO = "https://example.com/dub.mp3"
EVERY_OPTION = {
    "video_asset_id": "asset-video-1",
    "audio_asset_id": "asset-audio-1",
    "title": "Keynote, re-voiced",
    "mode": "precision",
    "fps_mode": "cfr",
    "start_time": 1.5,
    "end_time": 30,
    "enable_caption": True,
    "enable_dynamic_duration": False,
    "enable_speech_enhancement": True,
    "enable_watermark": False,
    "disable_music_track": True,
    "keep_the_same_format": True,
    "folder_id": "folder-1",
    "callback_url": "https://example.com/hook",
    "callback_id": "cb-1",
}


@pytest.fixture
def env():
    """A fake (jobs finish on the 2nd poll) and a checked client; contract checked at the end."""
    fake = FakeHeyGen(render_polls=2)
    client, replies = checked_client(fake)
    yield fake, Lipsyncs(client, sleep=lambda _: None)
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


class TestLipsyncs:
    """Create, list, get, update, delete, statuses, batches and wait."""

    def test_create_defaults_and_every_option(self, env):
        """``create`` with the required fields only, then with every field of the spec."""
        fake, lipsyncs = env
        plain = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        full = lipsyncs.create(**EVERY_OPTION, idempotency_key="lipsync-every-option")
        assert plain.id
        assert full.id != plain.id
        assert full.title == "Keynote, re-voiced"
        assert called(fake) == {"POST /v3/lipsyncs"}

    def test_lookups(self, env):
        """List (default and every option), get, update, delete."""
        fake, lipsyncs = env
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO, title="First")
        assert [j.id for j in lipsyncs.list()] == [job.id]
        assert [j.title for j in lipsyncs.list(page_size=100, max_pages=1)] == ["First"]
        assert lipsyncs.get(job.id).status == "pending"
        assert lipsyncs.update(job.id, title="Renamed").title == "Renamed"
        assert lipsyncs.delete(job.id).id == job.id
        assert called(fake) == {
            "POST /v3/lipsyncs",
            "GET /v3/lipsyncs",
            "GET /v3/lipsyncs/{lipsync_id}",
            "PATCH /v3/lipsyncs/{lipsync_id}",
            "DELETE /v3/lipsyncs/{lipsync_id}",
        }

    def test_wait_and_completed_links(self, env):
        """A completed lipsync with captions answers its links in the spec's shape."""
        _, lipsyncs = env
        job = lipsyncs.create(
            video_url=VIDEO, audio_url=AUDIO, enable_caption=True, callback_id="cb-9"
        )
        done = lipsyncs.wait(job.id, timeout=60, poll=1)
        assert done.is_completed
        assert done.video_url
        assert done.caption_url
        assert done.callback_id == "cb-9"

    def test_a_failed_lipsync_answers_its_failure_message(self, env):
        """A scripted failure reads as ``failed`` with HeyGen's ``failure_message``."""
        fake, lipsyncs = env
        fake.fail_lipsync(message="The audio has no speech")
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        lipsyncs.get(job.id)
        failed = lipsyncs.get(job.id)
        assert failed.status == "failed"
        assert failed.failure_message == "The audio has no speech"

    def test_batches_and_statuses(self, env):
        """Batch create (default and every option), get (every option), statuses."""
        fake, lipsyncs = env
        one = LipsyncRequest(video_url=VIDEO, audio_url=AUDIO)
        every = LipsyncRequest(**EVERY_OPTION)
        batch = lipsyncs.create_batch([one])
        full = lipsyncs.create_batch(
            [one, every, one], title="Launch", callback_url="https://example.com/batch"
        )
        assert batch.total_items == 1
        assert full.total_items == 3
        assert full.title == "Launch"
        first = lipsyncs.get_batch(full.batch_id, page_size=2)
        assert len(first.items) == 2
        assert first.next_token
        rest = lipsyncs.get_batch(full.batch_id, page_size=2, token=first.next_token)
        assert [i.item_index for i in rest.items] == [2]
        lipsyncs.get_batch(batch.batch_id)
        [status] = lipsyncs.statuses([batch.items[0].id])
        assert status.id == batch.items[0].id
        lipsyncs.statuses(batch_ids=[batch.batch_id])
        mixed = lipsyncs.statuses([batch.items[0].id, "unknown"], batch_ids=[full.batch_id])
        assert [s.status for s in mixed][1] == "not_found"
        assert len(mixed) == 5
        assert called(fake) >= {
            "POST /v3/lipsyncs/batches",
            "GET /v3/lipsyncs/batches/{batch_id}",
            "GET /v3/lipsyncs/statuses",
        }


class TestCoverage:
    """Every lipsync operation of the spec has a tagged method exercised above."""

    def test_every_operation_is_tagged(self):
        """The tags on ``Lipsyncs`` name all 8 lipsync operations of the v3 spec."""
        tagged = {
            ref.key
            for name in dir(Lipsyncs)
            for ref in operations_of(getattr(Lipsyncs, name))
            if ref.spec == "v3"
        }
        wanted = {op.key for op in spec().operations if op.family == "lipsyncs"}
        assert len(wanted) == 8
        assert tagged == wanted
