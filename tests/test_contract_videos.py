"""Contract tests of ``client.videos`` and ``client.user`` against HeyGen's v3 spec.

Each typed method runs against a FakeHeyGen with default arguments and with every option;
every request sent and every answer given is checked with openapi-core.
"""

import json

import pytest
from _spec_check import (
    assert_contract,
    checked_client,
    operations_called,
    request_problems,
    spec,
)

from heygen_pipeline import BadRequestError
from heygen_pipeline.resources import UserResource, VideoRequest, Videos
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen, Fault

LOOK = "Daisy-inskirt-20220818"
IMAGE = {"type": "url", "url": "https://example.com/portrait.png"}
WATERMARK = {
    "image": {"type": "asset_id", "asset_id": "asset-logo"},
    "opacity": 0.5,
    "scale": 0.8,
    "placement": {"position": "top_left", "offset_x": 0.01, "offset_y": -0.02},
}
VOICE_SETTINGS = {"speed": 1.1, "pitch": 2, "volume": 0.9, "locale": "en-US"}
SPEECH_OPTIONS = {
    "title": "Every option",
    "aspect_ratio": "9:16",
    "resolution": "1080p",
    "background": {"type": "color", "value": "#112233"},
    "caption": {"file_format": "srt", "style": "default"},
    "callback_url": "https://example.com/hook",
    "callback_id": "cb-1",
    "expressiveness": "high",
    "fit": "cover",
    "motion_prompt": "wave hello",
    "output_format": "mp4",
    "remove_background": False,
    "watermark": WATERMARK,
    "voice_settings": VOICE_SETTINGS,
}


@pytest.fixture
def env():
    """A fake and a checked client on it; the contract is checked at the end."""
    fake = FakeHeyGen()
    client, replies = checked_client(fake)
    yield fake, client
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


def sent_bodies(fake, path="/v3/videos"):
    """The JSON bodies POSTed to ``path``."""
    return [json.loads(r.body) for r in fake.requests_for("POST", path)]


class TestCreate:
    """``create`` for each kind of video, with defaults and with every option."""

    def test_avatar_defaults(self, env):
        """A look id and nothing else: the least the spec takes."""
        fake, client = env
        video = client.videos.create(avatar_id=LOOK)
        assert (video.status, video.output_format) == ("waiting", "mp4")
        assert sent_bodies(fake) == [{"type": "avatar", "avatar_id": LOOK}]
        assert called(fake) == {"POST /v3/videos"}

    def test_avatar_every_option(self, env):
        """Every field of an avatar video, and an engine by name."""
        fake, client = env
        client.videos.create(
            avatar_id=LOOK,
            script="Hello",
            voice_id="v-f-en-1",
            engine="avatar_v",
            idempotency_key="every-option-1",
            **SPEECH_OPTIONS,
        )
        client.videos.create(
            avatar_id=LOOK,
            audio_asset_id="asset-audio",
            engine={"type": "avatar_v", "reference_look_id": "look-ref"},
            background={"type": "image", "url": "https://example.com/bg.png"},
        )
        client.videos.create(avatar_id=LOOK, audio_url="https://example.com/a.mp3")
        first = sent_bodies(fake)[0]
        assert first["engine"] == {"type": "avatar_v"}
        assert first["watermark"] == WATERMARK
        assert fake.requests_for("POST", "/v3/videos")[0].header("Idempotency-Key") == (
            "every-option-1"
        )

    def test_image_every_option(self, env):
        """An image video by URL (every field), by asset id, and by an input object."""
        fake, client = env
        client.videos.create(
            video_type="image",
            image_url=IMAGE["url"],
            script="Hi",
            voice_id="v-f-en-1",
            **SPEECH_OPTIONS,
        )
        client.videos.create(video_type="image", image_asset_id="asset-img", audio_url="u")
        client.videos.create(video_type="image", image=IMAGE)
        images = [b["image"] for b in sent_bodies(fake)]
        assert images == [IMAGE, {"type": "asset_id", "asset_id": "asset-img"}, IMAGE]

    def test_cinematic_every_option(self, env):
        """A prompt with one look (defaults) and with three looks and every field."""
        fake, client = env
        client.videos.create(video_type="cinematic_avatar", prompt="A walk", avatar_id=LOOK)
        client.videos.create(
            video_type="cinematic_avatar",
            prompt="A walk on the beach",
            avatar_id=[LOOK, "look-2", "look-3"],
            title="Beach",
            aspect_ratio="1:1",
            resolution="720p",
            duration=8,
            enhance_prompt=True,
            references=[IMAGE],
        )
        client.videos.create(
            video_type="cinematic_avatar", prompt="Any length", avatar_id=LOOK, auto_duration=True
        )
        assert sent_bodies(fake)[0]["avatar_id"] == [LOOK]

    def test_studio_every_option(self, env):
        """Scenes (an avatar scene, a still image, a clip) and every studio field."""
        fake, client = env
        speaking = {
            "type": "avatar_video",
            "input": {"type": "avatar", "avatar_id": LOOK, "script": "Hi", "voice_id": "v-1"},
        }
        client.videos.create(video_type="studio", scenes=[speaking])
        client.videos.create(
            video_type="studio",
            scenes=[
                speaking,
                {"type": "image", "source": IMAGE, "duration": 3},
                {"type": "video", "source": {"type": "url", "url": "https://e.com/c.mp4"}},
            ],
            title="Studio",
            aspect_ratio="16:9",
            resolution="720p",
            caption={"style": "default"},
            callback_url="https://example.com/hook",
            callback_id="cb-2",
            watermark=WATERMARK,
        )
        assert [len(b["scenes"]) for b in sent_bodies(fake)] == [1, 3]


class TestBatchesAndStatuses:
    """``create_batch``, ``get_batch`` and ``statuses``."""

    def test_batch_defaults_and_every_option(self, env):
        """A one-video batch; then every kind, a title, a callback and a key; then its pages."""
        fake, client = env
        plain = client.videos.create_batch([VideoRequest.of(avatar_id=LOOK, script="One")])
        assert (plain.total_items, plain.status) == (1, "processing")
        assert [i.status for i in plain.items] == ["queued"]
        full = client.videos.create_batch(
            [
                VideoRequest.of(avatar_id=LOOK, script="One", voice_id="v-1"),
                VideoRequest.of("image", image_url=IMAGE["url"]),
                {"type": "cinematic_avatar", "prompt": "Run", "avatar_id": [LOOK]},
            ],
            title="Three",
            callback_url="https://example.com/batch",
            idempotency_key="batch-key-1",
        )
        assert full.title == "Three"
        assert len({i.id for i in full.items}) == 3
        client.videos.get_batch(full.batch_id)
        first = client.videos.get_batch(full.batch_id, page_size=2)
        assert first.has_more is True
        assert first.next_token
        rest = client.videos.get_batch(full.batch_id, page_size=100, token=first.next_token)
        assert [i.item_index for i in first.items + rest.items] == [0, 1, 2]
        assert called(fake) == {"POST /v3/videos/batches", "GET /v3/videos/batches/{batch_id}"}

    def test_batch_items_complete_or_fail_with_an_error(self, env):
        """Items run the render lifecycle; a scripted failure gives the item an error."""
        fake, client = env
        fake.fail_video(None, code="RENDER_FAILED", message="no such look")
        batch = client.videos.create_batch(
            [VideoRequest.of(avatar_id="gone"), VideoRequest.of(avatar_id=LOOK)]
        )
        for _ in range(3):
            final = client.videos.get_batch(batch.batch_id)
        assert [i.status for i in final.items] == ["failed", "completed"]
        assert final.items[0].error == {"code": "RENDER_FAILED", "message": "no such look"}
        assert final.counts_by_status == {"failed": 1, "completed": 1}
        assert final.status == "completed"

    def test_statuses(self, env):
        """By video ids, by batch ids, and both, with unknown ids."""
        fake, client = env
        video = client.videos.create(avatar_id=LOOK)
        batch = client.videos.create_batch([VideoRequest.of(avatar_id=LOOK)] * 2)
        [one] = client.videos.statuses([video.id])
        assert (one.id, one.status) == (video.id, "pending")
        expanded = client.videos.statuses(batch_ids=[batch.batch_id])
        assert [(e.batch_id, e.item_index) for e in expanded] == [
            (batch.batch_id, 0),
            (batch.batch_id, 1),
        ]
        mixed = client.videos.statuses([video.id, "unknown"], batch_ids=[batch.batch_id, "nope"])
        assert [e.status for e in mixed][1] == "not_found"
        assert mixed[-1].status == "not_found"
        assert called(fake) >= {"GET /v3/videos/statuses"}


class TestLookups:
    """``get``, ``list``, ``delete``, ``wait`` and ``user.me``."""

    def test_get_list_delete(self, env):
        """Each with defaults and every option."""
        fake, client = env
        video = client.videos.create(avatar_id=LOOK, title="Findable", caption={"style": "default"})
        assert client.videos.get(video).status == "pending"
        assert next(v.id for v in client.videos.list()) == video.id
        assert [v.id for v in client.videos.list(title="findable", page_size=100)] == [video.id]
        assert list(client.videos.list(folder_id="folder-1", page_size=1, max_pages=1)) == []
        done = Videos(client, sleep=lambda _seconds: None).wait(video, timeout=30)
        assert done.captioned_video_url
        assert done.subtitle_url
        assert done.completed_at
        assert client.videos.delete(video).id == video.id
        assert called(fake) >= {
            "GET /v3/videos",
            "GET /v3/videos/{video_id}",
            "DELETE /v3/videos/{video_id}",
        }

    def test_failed_video_has_the_spec_failure_fields(self, env):
        """A scripted failure ends ``failed`` with failure_code and failure_message."""
        fake, client = env
        video = client.videos.create(avatar_id=LOOK)
        fake.fail_video(video.id, code=4001, message="The look was removed")
        for _ in range(3):
            final = client.videos.get(video.id)
        assert (final.status, final.failure_code, final.failure_message) == (
            "failed",
            "4001",
            "The look was removed",
        )

    def test_user_me(self, env):
        """``me`` in the spec's shape, read by the User model."""
        fake, client = env
        user = client.user.me()
        assert user.first_name == "Fake"
        assert user.wallet is not None
        assert user.wallet.currency == "usd"
        assert called(fake) == {"GET /v3/users/me"}


class TestCoverage:
    """Every video and user operation of the spec has a tagged method exercised above."""

    def test_every_operation_is_tagged(self):
        """The tags on ``Videos`` and ``UserResource`` name all 8 operations of the families."""
        tagged = {
            ref.key
            for cls in (Videos, UserResource)
            for name in dir(cls)
            for ref in operations_of(getattr(cls, name))
            if ref.spec == "v3"
        }
        wanted = {
            op.key for op in spec().operations if op.path.startswith(("/v3/videos", "/v3/users"))
        }
        assert len(wanted) == 8
        assert tagged == wanted


class TestTheCheckItself:
    """The contract check fails on what breaks the spec (it is not a check that cannot fail)."""

    def test_a_request_that_breaks_the_spec_is_found(self):
        """A create without a kind, and a list with a limit over 100, are reported."""
        with FakeHeyGen(strict=False) as fake:
            client, _ = checked_client(fake)
            with pytest.raises(BadRequestError):  # the route's own check refuses it too
                client.request("POST", "/v3/videos", json={"avatar_id": LOOK})
            client.request("GET", "/v3/videos", params={"limit": 50}).close()
            with pytest.raises(BadRequestError):
                client.request("GET", "/v3/videos", params={"limit": 101})
            problems = request_problems(fake)
            client.close()
        assert len(problems) == 2
        assert "type" in problems[0]
        assert "limit" in problems[1]

    def test_a_reply_that_breaks_the_spec_is_found(self):
        """A created video answered without its status is reported."""
        with FakeHeyGen() as fake:
            client, replies = checked_client(fake)
            fake.inject("POST", "/v3/videos", Fault.status(200, {"data": {"video_id": "v"}}))
            client.videos.create(avatar_id=LOOK)
            client.close()
        [problem] = replies.problems()
        assert "status" in problem

    def test_an_ambiguous_oneof_passes_and_a_real_fault_does_not(self):
        """An engine matching two identical alternatives is valid; a bad enum still is not."""
        from heygen_pipeline.testing._spec import SpecViolation  # noqa: PLC0415

        def check(body):
            spec().validate_request(
                "POST",
                "/v3/videos",
                headers={"Content-Type": "application/json"},
                body=json.dumps(body).encode(),
                content_type="application/json",
            )

        check({"type": "avatar", "avatar_id": LOOK, "engine": {"type": "avatar_iv"}})
        check({"type": "studio", "scenes": [{"type": "image", "source": IMAGE, "duration": 2}]})
        with pytest.raises(SpecViolation):
            check({"type": "avatar", "avatar_id": LOOK, "engine": {}, "resolution": "8k"})
        with pytest.raises(SpecViolation):
            check({"type": "studio", "scenes": [{"type": "image"}]})
