import json

import pytest

from heygen_pipeline import (
    BadRequestError,
    HeyGenClient,
    JobFailedError,
    NotFoundError,
    ServerError,
    WaitTimeoutError,
    default_stack,
)
from heygen_pipeline.middleware import BackoffMiddleware
from heygen_pipeline.resources import Video, Videos
from heygen_pipeline.testing import FakeHeyGen, Fault

LOOK = "Daisy-inskirt-20220818"
"""A look id (``POST /v3/videos`` takes a look as its ``avatar_id``)."""
SCENE = {
    "character": {"type": "avatar", "avatar_id": "Daisy-inskirt-20220818"},
    "voice": {"type": "text", "input_text": "Hi", "voice_id": "v-f-en-1"},
}


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the fake time (and record the wait)."""
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def time():
    """A fake clock."""
    return FakeTime()


@pytest.fixture
def videos(heygen_client, time):
    """``Videos`` on the test client, sleeping on the fake clock."""
    return Videos(heygen_client, sleep=time.sleep, clock=time.clock, random=lambda: 0.5)


def body_of(recorded) -> dict:
    """The JSON body of a recorded request."""
    return json.loads(recorded.body)


class TestCreate:
    """``create`` (v3) and ``create_v2`` (legacy)."""

    def test_v3_sends_typed_fields_extra_and_a_key(self, heygen_client, fake_heygen):
        """Given fields and ``extra`` are sent, None ones are not; a key is added."""
        video = heygen_client.videos.create(
            script="Hello",
            avatar_id="Daisy-inskirt-20220818",
            voice_id="v-f-en-1",
            aspect_ratio="16:9",
            engine={"type": "avatar_iv"},
        )
        assert isinstance(video, Video)
        assert video.id in fake_heygen.video_ids
        [sent] = fake_heygen.requests_for("POST", "/v3/videos")
        assert body_of(sent) == {
            "type": "avatar",
            "script": "Hello",
            "avatar_id": "Daisy-inskirt-20220818",
            "voice_id": "v-f-en-1",
            "aspect_ratio": "16:9",
            "engine": {"type": "avatar_iv"},
        }
        assert sent.header("Idempotency-Key")
        assert sent.header("X-Api-Key") == fake_heygen.api_key

    def test_v3_caller_key_is_used_and_dedupes(self, heygen_client, fake_heygen):
        """The same ``idempotency_key`` twice creates one video and returns its id twice."""
        first = heygen_client.videos.create(avatar_id=LOOK, script="A", idempotency_key="order-42")
        again = heygen_client.videos.create(avatar_id=LOOK, script="A", idempotency_key="order-42")
        assert first.id == again.id
        assert fake_heygen.creations_by_key == {"order-42": 1}

    def test_v3_create_retried_after_a_5xx_renders_once(self, heygen_client, fake_heygen):
        """A 503 on create is retried with the same key: one render, not two."""
        fake_heygen.inject("POST", "/v3/videos", Fault.server_error(503))
        video = heygen_client.videos.create(avatar_id=LOOK, script="Once")
        sent = fake_heygen.requests_for("POST", "/v3/videos")
        assert len(sent) == 2
        assert sent[0].header("Idempotency-Key") == sent[1].header("Idempotency-Key")
        assert list(fake_heygen.creations_by_key.values()) == [1]
        assert video.id in fake_heygen.video_ids

    def test_v3_validation_error(self, heygen_client, fake_heygen):
        """HeyGen's 400 comes back typed, with the parameter it names."""
        with pytest.raises(BadRequestError) as info:
            heygen_client.videos.create(avatar_id=LOOK, extra={"audio_url": "u", "script": "x"})
        assert info.value.param == "audio_url"
        assert len(fake_heygen.requests_for("POST", "/v3/videos")) == 1

    def test_v3_missing_look_is_refused_before_sending(self, heygen_client, fake_heygen):
        """An avatar video without its look id is a ValueError naming it; nothing is sent."""
        with pytest.raises(ValueError, match="avatar_id is required"):
            heygen_client.videos.create(script="Hi")
        assert fake_heygen.requests_for("POST", "/v3/videos") == []

    def test_v2_legacy_create(self, heygen_client, fake_heygen):
        """``create_v2`` posts the scenes and options; no Idempotency-Key on v2."""
        video = heygen_client.videos.create_v2(
            [SCENE], dimension=(1280, 720), title="Legacy", test=True, callback_id="cb-1"
        )
        assert video.id in fake_heygen.video_ids
        [sent] = fake_heygen.requests_for("POST", "/v2/video/generate")
        assert body_of(sent) == {
            "video_inputs": [SCENE],
            "dimension": {"width": 1280, "height": 720},
            "title": "Legacy",
            "test": True,
            "callback_id": "cb-1",
        }
        assert sent.header("Idempotency-Key") is None

    def test_v2_sends_a_dimension_by_default(self, heygen_client, fake_heygen):
        """The legacy spec requires ``dimension``: 1280 x 720 unless told otherwise."""
        heygen_client.videos.create_v2([SCENE])
        heygen_client.videos.create_v2([SCENE], dimension={"width": 720, "height": 1280})
        first, second = fake_heygen.requests_for("POST", "/v2/video/generate")
        assert body_of(first)["dimension"] == {"width": 1280, "height": 720}
        assert body_of(second)["dimension"] == {"width": 720, "height": 1280}

    @pytest.mark.parametrize(
        ("dimension", "error"),
        [((0, 720), ValueError), ((1280,), TypeError), ({"width": "1280"}, TypeError)],
    )
    def test_v2_bad_dimension_is_refused(self, heygen_client, fake_heygen, dimension, error):
        """A dimension that is not two positive ints is refused before sending."""
        with pytest.raises(error, match="dimension"):
            heygen_client.videos.create_v2([SCENE], dimension=dimension)
        assert fake_heygen.requests_for("POST", "/v2/video/generate") == []

    def test_v2_rejections(self, heygen_client):
        """An empty scene list is HeyGen's 400; a single dict is refused before sending."""
        with pytest.raises(BadRequestError, match="video_inputs"):
            heygen_client.videos.create_v2([])
        with pytest.raises(TypeError, match="list of scene objects"):
            heygen_client.videos.create_v2(SCENE)


class TestLookups:
    """get, get_status_v1, list, list_v1, delete."""

    def test_get_walks_the_job_and_returns_links_when_done(self, heygen_client, fake_heygen):
        """Each get advances the fake's job; the completed one has signed links."""
        video = heygen_client.videos.create(avatar_id=LOOK, script="x")
        statuses = [heygen_client.videos.get(video).status for _ in range(3)]
        assert statuses == ["pending", "processing", "completed"]
        done = heygen_client.videos.get(video.id)
        assert done.video_url is not None
        assert done.video_url.startswith(fake_heygen.cdn_url)
        assert done.duration == 12.5

    def test_get_unknown_is_not_found(self, heygen_client):
        """An unknown id is NotFoundError."""
        with pytest.raises(NotFoundError):
            heygen_client.videos.get("0" * 32)

    def test_ids_cannot_escape_their_path(self, heygen_client, fake_heygen):
        """An id with slashes is quoted: the request stays on the videos route."""
        with pytest.raises(NotFoundError):
            heygen_client.videos.get("../users/me")
        assert fake_heygen.requests[-1].path == "/v3/videos/..%2Fusers%2Fme"

    @pytest.mark.parametrize("bad", ["", "  ", Video()])
    def test_empty_ids_are_refused(self, heygen_client, bad):
        """No request goes out for an empty id or a Video without one."""
        with pytest.raises(ValueError):
            heygen_client.videos.get(bad)

    def test_status_v1(self, heygen_client):
        """The legacy status route reads into the same model."""
        video = heygen_client.videos.create(avatar_id=LOOK, script="x")
        assert heygen_client.videos.get_status_v1(video.id).status == "pending"

    def test_list_and_list_v1_see_every_video(self, heygen_client, fake_heygen):
        """Both lists page through every video, newest first."""
        created = heygen_client.videos.create(avatar_id=LOOK, script="x")
        v3 = list(heygen_client.videos.list(page_size=2))
        v1 = list(heygen_client.videos.list_v1(page_size=2))
        assert [v.id for v in v3] == [v.id for v in v1] == fake_heygen.video_ids[::-1]
        assert v3[0].id == created.id

    def test_delete(self, heygen_client, fake_heygen):
        """A deleted video is gone; deleting it again is NotFoundError."""
        video = heygen_client.videos.create(avatar_id=LOOK, script="x")
        heygen_client.videos.delete(video)
        assert video.id not in fake_heygen.video_ids
        with pytest.raises(NotFoundError):
            heygen_client.videos.delete(video.id)


class TestWait:
    """``wait`` against the fake, on a fake clock."""

    def test_waits_until_completed_reporting_progress(self, videos, time):
        """Each poll is reported; the result has its download link; waits were jittered."""
        video = videos.create(avatar_id=LOOK, script="x")
        seen: list[str | None] = []
        done = videos.wait(video, timeout=60, poll=2, on_progress=lambda v: seen.append(v.status))
        assert seen == ["pending", "processing", "completed"]
        assert done.is_completed
        assert done.video_url
        assert time.sleeps == [2.0, 3.0]

    def test_legacy_wait_polls_v1(self, videos, fake_heygen):
        """``legacy=True`` polls /v1/video_status.get."""
        video = videos.create_v2([SCENE])
        assert videos.wait(video.id, timeout=60, legacy=True).is_completed
        assert len(fake_heygen.requests_for("GET", "/v1/video_status.get")) == 3

    def test_failed_render_raises_with_reason(self, videos, fake_heygen):
        """HeyGen's failure code and message are on the error."""
        fake_heygen.fail_video(code="AVATAR_BLOCKED", message="The avatar was removed")
        video = videos.create(avatar_id=LOOK, script="x")
        with pytest.raises(JobFailedError) as info:
            videos.wait(video, timeout=60)
        error = info.value
        assert error.code == "AVATAR_BLOCKED"
        assert error.failure_message == "The avatar was removed"
        assert error.job_id == video.id
        assert error.job_status == "failed"
        assert error.request_id
        assert "The avatar was removed" in str(error)

    @pytest.mark.parametrize("legacy", [False, True])
    def test_failed_render_without_reason_says_so(self, videos, fake_heygen, legacy):
        """A failure with no reason says that none was given."""
        fake_heygen.fail_video(message=None)
        video = videos.create(avatar_id=LOOK, script="x")
        with pytest.raises(JobFailedError, match=r"HeyGen gave no (reason|message)") as info:
            videos.wait(video, timeout=60, legacy=legacy)
        assert info.value.failure_message is None
        if legacy:  # v1 sends "error": null; v3 still names a failure code
            assert info.value.code is None
            assert info.value.message.endswith("HeyGen gave no reason")

    def test_never_finishing_render_times_out_by_the_deadline(self, heygen_client, time):
        """A render that never completes ends with WaitTimeoutError at the deadline."""
        with FakeHeyGen(render_polls=10_000) as slow:
            client = HeyGenClient(slow.api_key, base_url=slow.base_url)
            videos = Videos(client, sleep=time.sleep, clock=time.clock)
            video = videos.create(avatar_id=LOOK, script="x")
            with pytest.raises(WaitTimeoutError) as info:
                videos.wait(video, timeout=120, poll=5, max_poll=30)
            client.close()
        assert time.now <= 120
        assert info.value.job_id == video.id
        assert info.value.last_status == "processing"

    def test_server_errors_mid_wait_are_polled_through(self, fake_heygen, time):
        """503s past the stack's own retries fail a poll, but not the wait."""
        stack = default_stack().replace("backoff", BackoffMiddleware(sleep=lambda _s: None))
        with HeyGenClient(fake_heygen.api_key, base_url=fake_heygen.base_url, stack=stack) as c:
            videos = Videos(c, sleep=time.sleep, clock=time.clock)
            video = videos.create(avatar_id=LOOK, script="x")
            fake_heygen.inject("GET", f"/v3/videos/{video.id}", *[Fault.server_error(503)] * 4)
            assert videos.wait(video, timeout=600).is_completed
        assert fake_heygen.pending_faults("GET", f"/v3/videos/{video.id}") == 0


class TestDownload:
    """``videos.download`` resolves what it is given to a signed link."""

    def test_by_id_into_a_folder(self, heygen_client, fake_heygen, tmp_path):
        """An id is looked up; the file is named after it; the bytes are the CDN's."""
        video_id = fake_heygen.video_ids[0]
        result = heygen_client.videos.download(video_id, tmp_path)
        assert result.path == tmp_path / f"{video_id}.mp4"
        assert result.path.read_bytes() == fake_heygen.video_payload()
        assert result.content_type == "video/mp4"

    def test_by_video_and_by_url(self, heygen_client, fake_heygen, tmp_path):
        """A completed Video's link, or a URL, is downloaded as given."""
        video = heygen_client.videos.get(fake_heygen.video_ids[1])
        by_model = heygen_client.videos.download(video, tmp_path / "a.mp4")
        by_url = heygen_client.videos.download(video.video_url, tmp_path / "b.mp4")
        assert by_model.size == by_url.size == len(fake_heygen.video_payload())
        assert fake_heygen.cdn_saw_key is False

    def test_unfinished_video_is_refused(self, heygen_client, tmp_path):
        """A video with no link yet is a clear ValueError; nothing is written."""
        video = heygen_client.videos.create(avatar_id=LOOK, script="x")
        with pytest.raises(ValueError, match="has no video_url yet"):
            heygen_client.videos.download(video, tmp_path)
        assert list(tmp_path.iterdir()) == []


class TestBinding:
    """Every client, derived ones included, has helpers bound to itself."""

    def test_derived_clients_get_their_own_helpers(self, heygen_client, fake_heygen):
        """``with_options`` and ``with_stack`` clients call through their own stack."""
        derived = heygen_client.with_options(max_attempts=1)
        assert derived.videos.client is derived
        assert heygen_client.videos.client is heygen_client
        for name in (
            "videos",
            "avatars",
            "voices",
            "templates",
            "user",
            "assets",
            "translations",
            "webhook_endpoints",
        ):
            assert getattr(derived, name).client is derived
        fake_heygen.inject("GET", "/v3/users/me", Fault.server_error(503))
        with pytest.raises(ServerError):
            derived.user.me()  # one attempt only: the derived client's options apply
        assert len(fake_heygen.requests_for("GET", "/v3/users/me")) == 1
        assert "Videos(HeyGenClient(" in repr(heygen_client.videos)
