import json

import pytest

from heygen_pipeline import JobFailedError, NotFoundError, WaitTimeoutError
from heygen_pipeline.resources import Translation, Translations

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
