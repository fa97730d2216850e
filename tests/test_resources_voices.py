"""``client.voices`` against FakeHeyGen: list, get, design, clone (and wait), speech, delete."""

import base64
import json

import pytest

from heygen_pipeline import (
    BadRequestError,
    JobFailedError,
    NotFoundError,
    PermissionDeniedError,
    WaitTimeoutError,
)
from heygen_pipeline.resources import Speech, Voice, VoiceClone, VoiceDesign, Voices

VOICE_IDS = ["v-f-en-1", "v-m-en-1", "v-m-en-2", "v-f-es-1", "v-m-de-1", "v-f-fr-1"]


class _Clock:
    """A fake monotonic clock that sleeping moves on."""

    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    """A clock and sleep that never wait for real."""
    return _Clock()


@pytest.fixture
def voices(heygen_client, clock):
    """A voices helper whose waits use the fake clock."""
    return Voices(heygen_client, sleep=clock.sleep, clock=clock, random=lambda: 0.5)


class TestListAndGet:
    """The list and one voice, in the spec's shapes."""

    def test_list(self, heygen_client):
        """Every voice across pages, with type and support_locale."""
        voices = list(heygen_client.voices.list(page_size=4))
        assert [v.id for v in voices] == VOICE_IDS
        assert {v.type for v in voices} == {"public"}
        assert voices[0].support_locale is True

    def test_filters(self, heygen_client, fake_heygen):
        """Filters: type (as ``kind``), engine, language, gender, sent under the spec's names."""
        spanish = list(heygen_client.voices.list(language="Spanish", gender="female"))
        assert [v.id for v in spanish] == ["v-f-es-1"]
        starfish = list(heygen_client.voices.list(engine="starfish", kind="public"))
        assert [v.id for v in starfish] == ["v-f-en-1", "v-m-en-1", "v-f-es-1", "v-f-fr-1"]
        assert list(heygen_client.voices.list(kind="private")) == []
        (*_, last) = fake_heygen.requests_for("GET", "/v3/voices")
        assert last.query == {"type": "private"}

    def test_get_one(self, heygen_client, fake_heygen):
        """``get`` reads the spec's voice: language, gender, preview, capabilities, created_at."""
        voice = heygen_client.voices.get("v-f-fr-1")
        assert (voice.name, voice.language, voice.gender) == (
            "Camille - Bright",
            "French",
            "female",
        )
        assert voice.preview_audio_url == f"{fake_heygen.cdn_url}/previews/v-f-fr-1.mp3"
        assert (voice.support_pause, voice.support_interactive_avatar) == (True, True)
        assert voice.created_at is not None
        assert voice.status is None
        assert voice.is_completed

    def test_get_unknown(self, heygen_client):
        """An unknown voice is NotFoundError (``voice_not_found``)."""
        with pytest.raises(NotFoundError) as info:
            heygen_client.voices.get("v-none")
        assert info.value.code == "voice_not_found"

    def test_stock_voice_cannot_be_deleted(self, heygen_client):
        """Deleting one of HeyGen's voices is refused (403)."""
        with pytest.raises(PermissionDeniedError):
            heygen_client.voices.delete("v-f-en-1")

    def test_v2_list(self, heygen_client):
        """The legacy list has the same voices, with support_interactive_avatar."""
        legacy = heygen_client.voices.list_v2()
        assert len(legacy) == 6
        assert all(v.support_interactive_avatar is not None for v in legacy)


class TestDesign:
    """Designing a voice from a prompt."""

    def test_design_batches_by_seed(self, heygen_client, fake_heygen):
        """Seed 0 gives the first matches, seed 1 the next; filters and seed are sent."""
        first = heygen_client.voices.design("a warm narrator")
        assert isinstance(first, VoiceDesign)
        assert first.seed == 0
        assert [v.id for v in first.voices] == VOICE_IDS[:3]
        second = heygen_client.voices.design("a warm narrator", seed=1)
        assert [v.id for v in second.voices] == VOICE_IDS[3:]
        english = heygen_client.voices.design("calm", gender="male", locale="en-US")
        assert [v.id for v in english.voices] == ["v-m-en-1"]
        sent = [json.loads(r.body) for r in fake_heygen.requests_for("POST", "/v3/voices")]
        assert sent == [
            {"prompt": "a warm narrator"},
            {"prompt": "a warm narrator", "seed": 1},
            {"prompt": "calm", "gender": "male", "locale": "en-US"},
        ]


class TestClone:
    """Cloning a voice, a job awaited with the shared wait helper."""

    def test_clone_and_wait(self, voices, fake_heygen, clock):
        """``clone`` answers an id; ``wait`` polls until complete; the clone is then listed."""
        clone = voices.clone("My voice", audio_url="https://example.com/me.mp3", language="en")
        assert isinstance(clone, VoiceClone)
        assert clone.id == clone.voice_clone_id
        seen = []
        voice = voices.wait(clone, timeout=60, poll=1, on_progress=lambda v: seen.append(v.status))
        assert voice.status == "complete"
        assert voice.is_completed
        assert seen == ["processing", "processing", "complete"]
        assert clock.slept
        assert [v.id for v in voices.list(kind="private")] == [clone.id]
        assert voices.delete(clone.id).id == clone.id

    def test_clone_from_a_file(self, voices, fake_heygen, tmp_path):
        """A recording given by path goes inline as base64; remove_background_noise is sent."""
        audio = tmp_path / "me.mp3"
        audio.write_bytes(b"ID3 fake audio")
        voices.clone("Mine", audio_path=audio, remove_background_noise=False)
        (sent,) = fake_heygen.requests_for("POST", "/v3/voices/clone")
        assert json.loads(sent.body) == {
            "voice_name": "Mine",
            "audio": {
                "type": "base64",
                "media_type": "audio/mpeg",
                "data": base64.b64encode(b"ID3 fake audio").decode(),
            },
            "remove_background_noise": False,
        }

    def test_failed_clone(self, voices, fake_heygen):
        """A scripted failure ends the wait with JobFailedError carrying HeyGen's message."""
        fake_heygen.fail_voice_clone(message="The recording is too short")
        clone = voices.clone("Short", audio_asset_id="asset-1")
        with pytest.raises(JobFailedError) as info:
            voices.wait(clone.id, timeout=60, poll=1)
        assert info.value.failure_message == "The recording is too short"
        assert info.value.job_id == clone.id

    def test_wait_ends_by_its_deadline(self, voices, fake_heygen):
        """A clone that never finishes in time ends the wait with WaitTimeoutError."""
        clone = voices.clone("Slow", audio_url="https://example.com/me.mp3")
        with pytest.raises(WaitTimeoutError) as info:
            voices.wait(clone, timeout=1, poll=0.6, max_poll=0.6)
        assert info.value.last_status == "processing"


class TestSpeech:
    """Generating speech from text."""

    def test_speech(self, heygen_client, fake_heygen):
        """An audio URL, a duration and word timings; options go out as the spec names them."""
        speech = heygen_client.voices.speech("Hello there world", "v-f-en-1", speed=2.0)
        assert isinstance(speech, Speech)
        assert speech.audio_url.startswith(fake_heygen.cdn_url)
        assert [w.word for w in speech.word_timestamps] == ["Hello", "there", "world"]
        assert speech.duration == pytest.approx(0.6)
        assert speech.request_id
        heygen_client.voices.speech(
            "<speak>Hi</speak>", "v-f-fr-1", input_type="ssml", language="fr", locale="fr-FR"
        )
        sent = json.loads(fake_heygen.requests_for("POST", "/v3/voices/speech")[1].body)
        assert sent == {
            "text": "<speak>Hi</speak>",
            "voice_id": "v-f-fr-1",
            "input_type": "ssml",
            "language": "fr",
            "locale": "fr-FR",
        }

    def test_voice_without_starfish(self, heygen_client):
        """A voice of another engine is refused by the server with the parameter named."""
        with pytest.raises(BadRequestError) as info:
            heygen_client.voices.speech("Hi", "v-m-en-2")
        assert info.value.param == "voice_id"


class TestArguments:
    """Caller mistakes fail before anything is sent, naming the argument."""

    @pytest.mark.parametrize(
        ("call", "error", "match"),
        [
            (lambda v: v.list(page_size=101), ValueError, "between 1 and 100"),
            (lambda v: v.list(kind="mine"), ValueError, "kind"),
            (lambda v: v.list(engine=""), ValueError, "engine"),
            (lambda v: v.get(""), ValueError, "voice_id"),
            (lambda v: v.get(".."), ValueError, "voice_id"),
            (lambda v: v.delete(None), TypeError, "voice_id"),
            (lambda v: v.design(""), ValueError, "prompt"),
            (lambda v: v.design("p", seed=-1), ValueError, "seed"),
            (lambda v: v.design("p", seed=True), TypeError, "seed"),
            (lambda v: v.clone("n"), TypeError, "audio_url="),
            (lambda v: v.clone("", audio_url="u"), ValueError, "voice_name"),
            (lambda v: v.clone("n", audio_url=""), ValueError, "audio_url"),
            (
                lambda v: v.clone("n", audio_url="u", remove_background_noise="no"),
                TypeError,
                "remove_background_noise",
            ),
            (lambda v: v.speech("", "v"), ValueError, "text"),
            (lambda v: v.speech("x" * 5001, "v"), ValueError, "5000"),
            (lambda v: v.speech("hi", ""), ValueError, "voice_id"),
            (lambda v: v.speech("hi", "v", speed=3), ValueError, "speed"),
            (lambda v: v.speech("hi", "v", speed="fast"), TypeError, "speed"),
            (lambda v: v.speech("hi", "v", input_type="html"), ValueError, "input_type"),
            (lambda v: v.wait(""), ValueError, "voice_id"),
            (lambda v: v.wait("v", timeout=0), ValueError, "timeout"),
        ],
    )
    def test_refused_before_sending(self, heygen_client, fake_heygen, call, error, match):
        """Each mistake raises its error naming the field, and no request goes out."""
        with pytest.raises(error, match=match):
            call(heygen_client.voices)  # lists check their arguments when called, too
        assert fake_heygen.requests == []


class TestModels:
    """The voice models read the spec's shapes."""

    def test_voice_reads_the_spec_fields(self):
        """A v3 list voice and a clone's get: every named field, raw whole."""
        item = {
            "voice_id": "v1",
            "name": "Ana",
            "language": "English",
            "gender": "female",
            "type": "private",
            "preview_audio_url": None,
            "support_pause": True,
            "support_locale": False,
        }
        voice = Voice.from_api(item)
        assert (voice.id, voice.type, voice.support_locale) == ("v1", "private", False)
        assert voice.raw == item
        failed = Voice.from_api(
            {"voice_id": "v2", "support_pause": True, "status": "failed", "failure_message": "x"}
        )
        assert failed.is_failed
        assert failed.is_done
        assert not failed.is_completed
        assert failed.failure_message == "x"
        assert not Voice.from_api({"voice_id": "v3", "status": "processing"}).is_done

    def test_speech_and_design(self):
        """Speech keeps its word timings; a design its seed and voices; a clone its id."""
        speech = Speech.from_api(
            {
                "audio_url": "https://a/x.mp3",
                "duration": 1.5,
                "request_id": None,
                "word_timestamps": [{"word": "hi", "start": 0, "end": 0.5}],
            }
        )
        assert (speech.word_timestamps[0].word, speech.word_timestamps[0].end) == ("hi", 0.5)
        assert Speech.from_api({"audio_url": "u", "duration": 1}).word_timestamps == ()
        design = VoiceDesign.from_api({"seed": 2, "voices": [{"voice_id": "v"}]})
        assert (design.seed, design.voices[0].id) == (2, "v")
        assert VoiceClone.from_api({"voice_clone_id": "c"}).id == "c"
