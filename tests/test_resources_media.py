"""AI clipping, background removals, sounds, brand kits and glossaries: models, waits, checks."""

import base64
import json

import pytest
import urllib3

from heygen_pipeline import JobFailedError, NotFoundError, WaitTimeoutError
from heygen_pipeline.resources import (
    AiClipping,
    AiClippings,
    BackgroundRemoval,
    BackgroundRemovals,
    BrandGlossary,
    BrandKit,
    Lipsyncs,
    Sound,
    download,
)
from heygen_pipeline.resources._ai_clipping import clipping_failure
from heygen_pipeline.resources._background_removals import removal_failure
from heygen_pipeline.resources._media_jobs import MediaJobs
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen

SOURCE = "https://example.com/webinar.mp4"


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the fake time."""
        self.now += seconds


@pytest.fixture
def clipping(heygen_client):
    """``AiClippings`` on the test client (jobs finish on the 3rd poll), on a fake clock."""
    time = FakeTime()
    return AiClippings(heygen_client, sleep=time.sleep, clock=time.clock)


@pytest.fixture
def removals(heygen_client):
    """``BackgroundRemovals`` on the test client, on a fake clock."""
    time = FakeTime()
    return BackgroundRemovals(heygen_client, sleep=time.sleep, clock=time.clock)


class TestModels:
    """The models read the spec's objects, tolerantly."""

    def test_a_clipping_job_with_clips(self):
        """Clips are read; ``cancelled`` counts as failed."""
        data = {
            "id": "j1",
            "status": "completed",
            "progress": 100,
            "output_settings": {"aspect_ratio": "portrait"},
            "clips": [{"id": "c1", "status": "completed", "virality_score": 80}],
        }
        job = AiClipping.from_api(data)
        assert job.is_completed
        assert job.clips[0].virality_score == 80
        assert job.output_settings == {"aspect_ratio": "portrait"}
        assert AiClipping.from_api({"id": "j", "status": "cancelled"}).is_failed

    def test_a_removal_and_its_states(self):
        """Layers map names to links; ``failed`` and ``deleted`` are failures."""
        done = BackgroundRemoval.from_api(
            {"id": "r", "status": "completed", "layers": {"mask": "https://cdn.test/m"}}
        )
        assert done.is_completed
        assert done.layers == {"mask": "https://cdn.test/m"}
        assert BackgroundRemoval.from_api({"id": "r", "status": "deleted"}).is_failed
        failed = BackgroundRemoval.from_api({"id": "r", "status": "failed", "error": "x"})
        assert (failed.is_failed, failed.error) == (True, "x")

    def test_library_entries(self):
        """A sound, a brand kit and a glossary keep their spec names as ``id``."""
        sound = Sound.from_api({"id": "s", "name": "n", "score": 0.5, "type": "music"})
        assert (sound.id, sound.score, sound.type) == ("s", 0.5, "music")
        kit = BrandKit.from_api({"brand_kit_id": "k", "name": "K", "colors": ["#000", 1]})
        assert (kit.id, kit.colors) == ("k", ("#000",))
        glossary = BrandGlossary.from_api(
            {"brand_glossary_id": "g", "name": "G", "created_at": "2026-01-05T10:00:00Z"}
        )
        assert glossary.id == "g"
        assert glossary.created_at is not None
        assert glossary.created_at.year == 2026


class TestAiClipping:
    """create, get, wait and their checks."""

    def test_create_sends_the_settings(self, clipping, fake_heygen):
        """Settings go under ``output_settings``; only what was given is sent."""
        clipping.create(video_url=SOURCE, aspect_ratio="landscape", duration_types=["60"])
        [sent] = fake_heygen.requests_for("POST", "/v3/ai-clipping")
        assert json.loads(sent.body) == {
            "video": {"type": "url", "url": SOURCE},
            "output_settings": {"aspect_ratio": "landscape", "duration_types": ["60"]},
        }

    def test_wait_through_states(self, clipping):
        """pending, running, completed, each state reported."""
        job = clipping.create(video_url=SOURCE)
        seen = []
        done = clipping.wait(job.id, on_progress=lambda j: seen.append(j.status))
        assert seen == ["pending", "running", "completed"]
        assert len(done.clips) == 2

    def test_clips_and_layers_download(self, clipping, removals, heygen_client, tmp_path):
        """A clip's ``video_url`` and a removal's layer links are on the fake's CDN."""
        clip = clipping.wait(clipping.create(video_url=SOURCE).id).clips[0]
        layers = removals.wait(removals.create(video_url=SOURCE).id).layers
        download(heygen_client, clip.video_url, tmp_path / "clip.mp4")
        download(heygen_client, layers["mask"], tmp_path / "mask.mp4")
        assert (tmp_path / "clip.mp4").stat().st_size > 0
        assert (tmp_path / "mask.mp4").stat().st_size > 0

    def test_wait_on_a_failure(self, clipping, fake_heygen):
        """HeyGen's ``failure_message`` is on the error; a reason-less one says so."""
        fake_heygen.fail_ai_clipping(message="The video has no speech")
        job = clipping.create(video_url=SOURCE)
        with pytest.raises(JobFailedError, match="no speech"):
            clipping.wait(job.id)
        other = clipping.create(video_url=SOURCE)
        fake_heygen.fail_ai_clipping(other.id, message=None)
        with pytest.raises(JobFailedError, match="gave no reason"):
            clipping.wait(other.id)

    def test_wait_times_out_and_deleted_is_not_found(self, clipping):
        """A short deadline times out; a deleted job is NotFoundError."""
        job = clipping.create(video_url=SOURCE)
        with pytest.raises(WaitTimeoutError):
            clipping.wait(job.id, timeout=15, poll=10)
        clipping.delete(job.id)
        with pytest.raises(NotFoundError):
            clipping.get(job.id)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({}, TypeError, "video_url"),
            ({"video_url": SOURCE, "video_asset_id": "a"}, TypeError, "both"),
            ({"video_url": SOURCE, "aspect_ratio": "wide"}, ValueError, "aspect_ratio"),
            ({"video_url": SOURCE, "captions": "yes"}, TypeError, "captions"),
            ({"video_url": SOURCE, "duration_types": "30"}, TypeError, "duration_types"),
            ({"video_url": SOURCE, "duration_types": []}, ValueError, "duration_types"),
            ({"video_url": SOURCE, "duration_types": [30]}, ValueError, "duration_types"),
            ({"video_url": SOURCE, "prompt": "x" * 501}, ValueError, "500"),
            ({"video_url": SOURCE, "title": ""}, ValueError, "title"),
        ],
    )
    def test_create_mistakes_send_nothing(self, clipping, fake_heygen, kwargs, error, match):
        """Each mistake names the argument; the fake saw no request."""
        with pytest.raises(error, match=match):
            clipping.create(**kwargs)
        assert fake_heygen.requests == []

    def test_id_and_page_checks(self, clipping, fake_heygen):
        """Bad ids and page sizes are refused before sending."""
        with pytest.raises(ValueError, match="job_id"):
            clipping.get("..")
        with pytest.raises(ValueError, match="job_id"):
            clipping.delete("")
        with pytest.raises(ValueError, match="page_size"):
            list(clipping.list(page_size=101))
        assert fake_heygen.requests == []


class TestBackgroundRemovals:
    """create, get, wait and their checks."""

    def test_inline_bytes_are_base64(self, removals, fake_heygen):
        """``video_data`` is sent base64-encoded with its media type; no Idempotency-Key."""
        removals.create(video_data=b"\x01\x02", media_type="video/mp4")
        [sent] = fake_heygen.requests_for("POST", "/v3/background-removals")
        video = json.loads(sent.body)["video"]
        assert video == {"type": "base64", "media_type": "video/mp4", "data": "AQI="}
        assert base64.b64decode(video["data"]) == b"\x01\x02"

    def test_wait_through_states(self, removals):
        """pending, processing, completed, with every layer by default."""
        job = removals.create(video_asset_id="asset-1")
        seen = []
        done = removals.wait(job.id, on_progress=lambda j: seen.append(j.status))
        assert seen == ["pending", "processing", "completed"]
        assert set(done.layers) == {"foreground", "mask", "background"}

    def test_wait_on_a_failure_and_a_deletion(self, removals, fake_heygen):
        """HeyGen's ``error`` is on the error; a deleted job ends the wait too."""
        fake_heygen.fail_background_removal(message="No subject found")
        job = removals.create(video_url=SOURCE)
        with pytest.raises(JobFailedError, match="No subject found") as info:
            removals.wait(job.id)
        assert info.value.failure_message == "No subject found"
        other = removals.create(video_url=SOURCE)
        removals.delete(other.id)
        with pytest.raises(JobFailedError, match="gave no reason") as deleted:
            removals.wait(other.id)
        assert deleted.value.job_status == "deleted"

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({}, TypeError, "exactly one"),
            ({"video_url": SOURCE, "video_asset_id": "a"}, TypeError, "exactly one"),
            ({"video_url": ""}, ValueError, "video_url"),
            ({"video_data": "text", "media_type": "video/mp4"}, TypeError, "video_data"),
            ({"video_data": b"x"}, TypeError, "media_type"),
            ({"video_url": SOURCE, "layers": "mask"}, TypeError, "layers"),
            ({"video_url": SOURCE, "layers": ["alpha"]}, ValueError, "layers"),
            ({"video_url": SOURCE, "request_id": ""}, ValueError, "request_id"),
        ],
    )
    def test_create_mistakes_send_nothing(self, removals, fake_heygen, kwargs, error, match):
        """Each mistake names the argument; the fake saw no request."""
        with pytest.raises(error, match=match):
            removals.create(**kwargs)
        assert fake_heygen.requests == []


class TestLibraries:
    """Sound search, brand kits and glossaries: checks before sending."""

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"query": ""}, ValueError, "query"),
            ({"query": None}, TypeError, "query"),
            ({"query": "x", "type": "voice"}, ValueError, "type"),
            ({"query": "x", "min_score": 2}, ValueError, "min_score"),
            ({"query": "x", "min_score": "high"}, TypeError, "min_score"),
            ({"query": "x", "page_size": 51}, ValueError, "page_size"),
        ],
    )
    def test_sound_mistakes_send_nothing(self, heygen_client, fake_heygen, kwargs, error, match):
        """Each mistake names the argument; the fake saw no request."""
        with pytest.raises(error, match=match):
            list(heygen_client.audio.sounds(**kwargs))
        assert fake_heygen.requests == []

    def test_brand_page_sizes(self, heygen_client, fake_heygen):
        """Brand lists take 1-100 a page."""
        with pytest.raises(ValueError, match="page_size"):
            list(heygen_client.brand_kits.list(page_size=0))
        with pytest.raises(ValueError, match="page_size"):
            list(heygen_client.brand_glossaries.list(page_size=101))
        assert fake_heygen.requests == []
        assert [g.name for g in heygen_client.brand_glossaries.list()] == [
            "Acme product names",
            "Legal terms",
        ]


class TestFakeRoutes:
    """FakeHeyGen's own checks (spec gate off), through raw HTTP."""

    @pytest.fixture
    def fake(self):
        """A fake without the spec gate; no handler errors."""
        with FakeHeyGen("k", render_polls=2, strict=False) as server:
            yield server
            assert server.handler_errors == []

    def call(self, fake, method, path, body=None):
        """The answer's status and JSON."""
        with urllib3.PoolManager(retries=False) as http:
            response = http.request(
                method,
                fake.base_url + path,
                body=None if body is None else json.dumps(body).encode(),
                headers={"X-Api-Key": "k", "Content-Type": "application/json"},
            )
        return response.status, json.loads(response.data)

    @pytest.mark.parametrize(
        ("method", "path", "body", "param"),
        [
            ("POST", "/v3/ai-clipping", {}, "video"),
            ("POST", "/v3/ai-clipping", {"video": {"type": "base64"}}, "video"),
            (
                "POST",
                "/v3/ai-clipping",
                {"video": {"type": "url", "url": SOURCE}, "output_settings": []},
                "output_settings",
            ),
            (
                "POST",
                "/v3/ai-clipping",
                {"video": {"type": "url", "url": SOURCE}, "output_settings": {"prompt": "x" * 501}},
                "output_settings.prompt",
            ),
            ("POST", "/v3/background-removals", {"video": {"type": "url"}}, "video"),
            (
                "POST",
                "/v3/background-removals",
                {"video": {"type": "url", "url": SOURCE}, "layers": ["alpha"]},
                "layers",
            ),
            ("GET", "/v3/audio/sounds", None, "query"),
            ("GET", "/v3/audio/sounds?query=x&min_score=high", None, "min_score"),
        ],
    )
    def test_refusals_name_the_parameter(self, fake, method, path, body, param):
        """What the routes refuse is a 400 naming the parameter."""
        status, answer = self.call(fake, method, path, body)
        assert status == 400
        assert answer["error"]["param"] == param

    def test_unknown_jobs_and_double_deletes(self, fake):
        """Unknown jobs are 404s; deleting a removal twice is a 404 the second time."""
        assert self.call(fake, "GET", "/v3/ai-clipping/nope")[0] == 404
        assert self.call(fake, "DELETE", "/v3/ai-clipping/nope")[0] == 404
        assert self.call(fake, "GET", "/v3/background-removals/nope")[0] == 404
        _, made = self.call(
            fake, "POST", "/v3/background-removals", {"video": {"type": "url", "url": SOURCE}}
        )
        job = made["data"]["id"]
        assert self.call(fake, "DELETE", f"/v3/background-removals/{job}")[0] == 200
        assert self.call(fake, "DELETE", f"/v3/background-removals/{job}")[0] == 404

    def test_scripting_unknown_jobs_is_a_key_error(self, fake):
        """Scripting a failure of a job the fake never made raises at once."""
        with pytest.raises(KeyError):
            fake.fail_ai_clipping("nope")
        with pytest.raises(KeyError):
            fake.fail_background_removal("nope")


class TestMediaJobs:
    """AI clipping and background removals are one media-job resource, told apart by a MediaJob."""

    def test_both_helpers_share_the_media_job_calls(self):
        """Both subclass MediaJobs; each public method keeps its own spec operation."""
        assert issubclass(AiClippings, MediaJobs)
        assert issubclass(BackgroundRemovals, MediaJobs)
        assert issubclass(Lipsyncs, MediaJobs)
        keys = {
            (cls.__name__, ref.key)
            for cls in (AiClippings, BackgroundRemovals)
            for name in ("create", "list", "get", "delete")
            for ref in operations_of(getattr(cls, name))
        }
        assert ("AiClippings", "GET /v3/ai-clipping/{job_id}") in keys
        assert ("BackgroundRemovals", "DELETE /v3/background-removals/{job_id}") in keys
        assert len(keys) == 8

    def test_failure_names_the_job_and_its_reason(self):
        """A failed job's error says what it was and HeyGen's reason (each model's own field)."""
        clip = AiClipping.from_api({"id": "c1", "status": "failed", "failure_message": "silent"})
        removal = BackgroundRemoval.from_api({"id": "r1", "status": "failed", "error": "empty"})
        clip_error = clipping_failure(clip, "c1", "req-1")
        removal_error = removal_failure(removal, "r1")
        assert clip_error is not None
        assert str(clip_error.message) == "the AI clipping job c1 failed: silent"
        assert clip_error.request_id == "req-1"
        assert removal_error is not None
        assert removal_error.failure_message == "empty"
        done = AiClipping.from_api({"id": "c2", "status": "completed"})
        assert clipping_failure(done, "c2") is None
