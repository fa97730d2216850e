import json

import pytest

from heygen_pipeline import (
    ConflictError,
    JobFailedError,
    MalformedResponseError,
    NotFoundError,
    WaitTimeoutError,
)
from heygen_pipeline.resources import Translation, TranslationRequest, Translations
from heygen_pipeline.testing import Fault

SOURCE = "https://example.com/source.mp4"


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
def translations(heygen_client):
    """``Translations`` on the test client, sleeping on a fake clock."""
    time = FakeTime()
    return Translations(heygen_client, sleep=time.sleep, clock=time.clock)


class TestCreate:
    """v3 and v2 creation."""

    def test_v3_one_job_per_language(self, translations, fake_heygen):
        """Each output language gets its own job id, in order; a key is added."""
        jobs = translations.create(
            video_url=SOURCE, output_languages=["es", "de"], title="Dub", mode="precision"
        )
        assert [j.output_language for j in jobs] == ["es", "de"]
        assert len({j.id for j in jobs}) == 2
        [sent] = fake_heygen.requests_for("POST", "/v3/video-translations")
        assert json.loads(sent.body) == {
            "video": {"type": "url", "url": SOURCE},
            "output_languages": ["es", "de"],
            "title": "Dub",
            "mode": "precision",
        }
        assert sent.header("Idempotency-Key")

    def test_v3_from_an_asset_and_replayed_key(self, translations):
        """An asset id is a source too; the same key returns the same jobs."""
        first = translations.create(
            video_asset_id="asset-1", output_languages=["fr"], idempotency_key="dub-1"
        )
        again = translations.create(
            video_asset_id="asset-1", output_languages=["fr"], idempotency_key="dub-1"
        )
        assert [j.id for j in first] == [j.id for j in again]

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"output_languages": ["es"]},
            {"output_languages": ["es"], "video_url": SOURCE, "video_asset_id": "a"},
            {"output_languages": "es", "video_url": SOURCE},
        ],
    )
    def test_v3_bad_arguments_are_refused_locally(self, translations, fake_heygen, kwargs):
        """No source, two sources, or no language list: nothing is sent."""
        with pytest.raises(TypeError):
            translations.create(**kwargs)
        assert fake_heygen.requests == []

    def test_v2(self, translations, fake_heygen):
        """The legacy create returns one job with its language."""
        job = translations.create_v2(SOURCE, "ja", title="Legacy")
        assert isinstance(job, Translation)
        assert job.output_language == "ja"
        [sent] = fake_heygen.requests_for("POST", "/v2/video_translate")
        assert json.loads(sent.body) == {
            "video_url": SOURCE,
            "output_language": "ja",
            "title": "Legacy",
        }


class TestGetAndWait:
    """get, get_v2 and wait, through the states."""

    def test_get_moves_through_states(self, translations):
        """pending, running, completed, with the link once done."""
        [job] = translations.create(video_url=SOURCE, output_languages=["es"])
        states = [translations.get(job.id) for _ in range(3)]
        assert [s.status for s in states] == ["pending", "running", "completed"]
        assert states[-1].video_url is not None
        assert states[-1].is_completed

    def test_get_v2_uses_legacy_statuses(self, translations):
        """The legacy route says ``success`` when done; the model counts it as completed."""
        job = translations.create_v2(SOURCE, "es")
        states = [translations.get_v2(job.id) for _ in range(3)]
        assert [s.status for s in states] == ["pending", "running", "success"]
        assert states[-1].is_completed

    def test_get_unknown(self, translations):
        """An unknown translation is NotFoundError."""
        with pytest.raises(NotFoundError):
            translations.get("f" * 32)

    @pytest.mark.parametrize("legacy", [False, True])
    def test_wait_completes(self, translations, legacy):
        """``wait`` polls either route until the job is done."""
        if legacy:
            job_id = translations.create_v2(SOURCE, "es").id
        else:
            job_id = translations.create(video_url=SOURCE, output_languages=["es"])[0].id
        seen: list[str | None] = []
        done = translations.wait(job_id, legacy=legacy, on_progress=lambda t: seen.append(t.status))
        assert done.is_completed
        assert len(seen) == 3

    def test_wait_on_a_failure_with_a_message(self, translations, fake_heygen):
        """HeyGen's message is on the error."""
        fake_heygen.fail_translation(message="Audio track missing")
        [job] = translations.create(video_url=SOURCE, output_languages=["es"])
        with pytest.raises(JobFailedError, match="Audio track missing") as info:
            translations.wait(job.id)
        assert info.value.job_id == job.id

    def test_wait_on_a_failure_without_reason(self, translations, fake_heygen):
        """A failure with no message says none was given."""
        fake_heygen.fail_translation(message=None)
        job = translations.create_v2(SOURCE, "es")
        with pytest.raises(JobFailedError, match="gave no reason"):
            translations.wait(job.id, legacy=True)

    def test_wait_times_out(self, translations):
        """A deadline shorter than the job ends with WaitTimeoutError."""
        [job] = translations.create(video_url=SOURCE, output_languages=["es"])
        with pytest.raises(WaitTimeoutError) as info:
            translations.wait(job.id, timeout=15, poll=10)
        assert info.value.last_status == "running"


class TestRequest:
    """``TranslationRequest``: every spec field, checked when built."""

    def test_every_field_goes_where_the_spec_puts_it(self):
        """Sources become typed objects, stock voice options nest, None fields stay out."""
        body = TranslationRequest(
            video_asset_id="a1",
            output_languages=["German"],
            audio_url="https://example.com/a.mp3",
            srt_asset_id="s1",
            use_stock_voice=True,
            preferred_stock_voice_ids=["v1"],
            start_time=0,
            end_time=5.5,
            extra={"brand_voice_id": "g1"},
        ).to_api()
        assert body == {
            "video": {"type": "asset_id", "asset_id": "a1"},
            "output_languages": ["German"],
            "audio": {"type": "url", "url": "https://example.com/a.mp3"},
            "srt": {"type": "asset_id", "asset_id": "s1"},
            "start_time": 0,
            "end_time": 5.5,
            "stock_voice_config": {"use_stock_voice": True, "preferred_stock_voice_ids": ["v1"]},
            "brand_voice_id": "g1",
        }

    @pytest.mark.parametrize(
        ("fields", "error", "match"),
        [
            ({"mode": "fast"}, ValueError, "mode"),
            ({"fps_mode": "60"}, ValueError, "fps_mode"),
            ({"srt_role": "both"}, ValueError, "srt_role"),
            ({"speaker_num": 0}, ValueError, "speaker_num"),
            ({"speaker_num": True}, TypeError, "speaker_num"),
            ({"start_time": -1}, ValueError, "start_time"),
            ({"end_time": float("nan")}, ValueError, "end_time"),
            ({"start_time": 5, "end_time": 5}, ValueError, "end_time"),
            ({"enable_caption": "yes"}, TypeError, "enable_caption"),
            ({"title": ""}, ValueError, "title"),
            ({"srt_url": "u", "srt_asset_id": "a"}, TypeError, "srt_url"),
            ({"audio_url": ""}, ValueError, "audio_url"),
            ({"output_languages": []}, ValueError, "output_languages"),
            ({"output_languages": ["German", ""]}, ValueError, "output_languages"),
            ({"preferred_stock_voice_ids": "v1"}, TypeError, "preferred_stock_voice_ids"),
            ({"extra": ["x"]}, TypeError, "extra"),
        ],
    )
    def test_mistakes_name_the_field(self, fields, error, match):
        """A value the spec refuses fails at once, naming its field."""
        base = {"video_url": SOURCE, "output_languages": ["German"]}
        with pytest.raises(error, match=match):
            TranslationRequest(**{**base, **fields})


class TestV3Surface:
    """list, update, delete, languages, batches and statuses through the fake."""

    def test_update_list_delete(self, translations):
        """A renamed job is listed with its title; a deleted one is gone."""
        [job] = translations.create(video_url=SOURCE, output_languages=["German"])
        translations.update(job.id, title="Renamed")
        assert [(t.id, t.title) for t in translations.list()] == [(job.id, "Renamed")]
        assert translations.delete(job.id).id == job.id
        with pytest.raises(NotFoundError):
            translations.get(job.id)

    def test_options_are_echoed(self, translations):
        """Input language, callback id and captions come back on the job."""
        [job] = translations.create(
            video_url=SOURCE,
            output_languages=["German"],
            input_language="English",
            callback_id="cb-9",
            enable_caption=True,
            translate_audio_only=True,
        )
        done = translations.wait(job.id)
        assert (done.input_language, done.callback_id, done.translate_audio_only) == (
            "English",
            "cb-9",
            True,
        )
        assert done.srt_caption_url is not None

    def test_batch_items_carry_the_failure(self, translations, fake_heygen):
        """A failed item has status failed and HeyGen's reason in ``error``."""
        fake_heygen.fail_translation(message="No speech found")
        batch = translations.create_batch(
            [TranslationRequest(video_url=SOURCE, output_languages=["German", "Italian"])]
        )
        assert [i.status for i in batch.items] == ["queued", "queued"]
        for _ in range(3):
            batch = translations.get_batch(batch.batch_id)
        assert [i.status for i in batch.items] == ["failed", "completed"]
        assert batch.items[0].error == {"code": "translation_failed", "message": "No speech found"}
        assert batch.counts_by_status == {"failed": 1, "completed": 1}
        [gone] = translations.statuses(["f" * 32])
        assert gone.status == "not_found"

    def test_batch_limits(self, translations, fake_heygen):
        """More than 100 items once expanded, or a plain dict, is refused locally."""
        wide = TranslationRequest(video_url=SOURCE, output_languages=["German"] * 51)
        with pytest.raises(ValueError, match="100"):
            translations.create_batch([wide, wide])
        with pytest.raises(TypeError, match=r"requests\[0\]"):
            translations.create_batch([{"video_url": SOURCE}])
        assert fake_heygen.requests == []

    def test_languages(self, translations):
        """The names ``output_languages`` takes."""
        assert "Spanish (Spain)" in translations.languages()

    def test_a_malformed_answer_names_its_request(self, translations, fake_heygen):
        """A create answer that is no object is MalformedResponseError with the request id."""
        fake_heygen.inject("POST", "/v3/video-translations", Fault.status(200, {"data": "ok"}))
        with pytest.raises(MalformedResponseError) as info:
            translations.create(video_url=SOURCE, output_languages=["German"])
        assert info.value.request_id == fake_heygen.requests[-1].request_id


class TestProofreads:
    """A draft to check before the video is made: processing, then completed or failed."""

    def test_lifecycle(self, translations):
        """Create, wait, read and replace the SRT, generate the video and wait for it."""
        [draft] = translations.create_proofread(
            video_url=SOURCE, output_languages=["German"], title="Draft"
        )
        assert (draft.status, draft.output_language) == ("processing", "German")
        ready = translations.wait_proofread(draft.id)
        assert ready.is_completed
        assert translations.get_proofread_srt(draft.id).srt_url
        translations.update_proofread_srt(draft.id, srt_asset_id="srt-1")
        job = translations.generate_from_proofread(draft.id, captions=True)
        assert translations.wait(job.id).srt_caption_url is not None

    def test_srt_before_ready_is_a_conflict(self, translations):
        """The SRT of a proofread still processing is not there yet (409)."""
        [draft] = translations.create_proofread(
            video_url=SOURCE, output_languages=["German"], title="Draft"
        )
        with pytest.raises(ConflictError):
            translations.get_proofread_srt(draft.id)

    def test_failure_has_the_reason(self, translations, fake_heygen):
        """A scripted failure ends the wait with HeyGen's message."""
        fake_heygen.fail_proofread(message="Audio unreadable")
        [draft] = translations.create_proofread(
            video_url=SOURCE, output_languages=["German"], title="Draft"
        )
        with pytest.raises(JobFailedError, match="Audio unreadable") as info:
            translations.wait_proofread(draft.id)
        assert info.value.job_status == "failed"

    @pytest.mark.parametrize(
        "case",
        [
            (
                lambda t: t.create_proofread(video_url=SOURCE, output_languages=["de"], title=""),
                ValueError,
                "title",
            ),
            (
                lambda t: t.create_proofread(
                    video_url=SOURCE, output_languages=["de"], title="t", mode="x"
                ),
                ValueError,
                "mode",
            ),
            (
                lambda t: t.create_proofread(
                    video_url=SOURCE, output_languages=["de"], title="t", speaker_num=0
                ),
                ValueError,
                "speaker_num",
            ),
            (
                lambda t: t.create_proofread(output_languages=["de"], title="t"),
                TypeError,
                "video_url",
            ),
            (
                lambda t: t.create_proofread(
                    video_url=SOURCE, output_languages=["de"], title="t", keep_the_same_format=1
                ),
                TypeError,
                "keep_the_same_format",
            ),
            (lambda t: t.get_proofread(".."), ValueError, "proofread_id"),
            (lambda t: t.update_proofread_srt("p1"), TypeError, "srt_url"),
            (lambda t: t.generate_from_proofread("p1", captions="yes"), TypeError, "captions"),
            (lambda t: t.get("."), ValueError, "translation_id"),
            (lambda t: t.update("t1", title=""), ValueError, "title"),
            (lambda t: t.delete(""), ValueError, "translation_id"),
            (lambda t: t.get_batch("b1", page_size=101), ValueError, "page_size"),
            (lambda t: list(t.list(page_size=0)), ValueError, "page_size"),
            (lambda t: t.statuses(), TypeError, "translation_ids"),
            (lambda t: t.statuses(["a,b"]), ValueError, "comma"),
        ],
    )
    def test_bad_input_sends_nothing(self, translations, fake_heygen, case):
        """Each caller mistake is caught locally, naming the field."""
        call, error, match = case
        with pytest.raises(error, match=match):
            call(translations)
        assert fake_heygen.requests == []
