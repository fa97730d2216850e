"""Contract tests of ``client.voices`` against HeyGen's v3 spec.

Each typed method runs against a FakeHeyGen with default arguments and with every option;
every request sent and every answer given is checked with openapi-core.
"""

import pytest
from _spec_check import (
    assert_contract,
    checked_client,
    operations_called,
    request_problems,
    spec,
)

from heygen_pipeline import BadRequestError
from heygen_pipeline.resources import Voices
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen, Fault


@pytest.fixture
def env():
    """A fake and a checked client on it; the contract is checked at the end."""
    fake = FakeHeyGen()
    client, replies = checked_client(fake)
    yield fake, client
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
        assert fake.reply_violations() == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


def _wait(client, voice_id):
    """Poll a clone to its end, without sleeping (the fake moves a step per poll)."""
    for _ in range(3):
        voice = client.voices.get(voice_id)
    return voice


class TestListAndGet:
    """List, get and delete."""

    def test_list_defaults_and_every_option(self, env):
        """``list`` with defaults and every filter, at the largest page size."""
        fake, client = env
        clone = client.voices.clone("Mine", audio_url="https://example.com/me.mp3")
        _wait(client, clone.id)
        assert list(client.voices.list())
        list(
            client.voices.list(
                kind="public",
                engine="starfish",
                language="English",
                gender="female",
                page_size=100,
                max_pages=1,
            )
        )
        list(client.voices.list(kind="private", page_size=1))
        assert called(fake) >= {"GET /v3/voices"}

    def test_get_every_state_and_delete(self, env):
        """``get`` of a stock voice and of a clone processing, complete and failed; ``delete``."""
        fake, client = env
        client.voices.get("v-f-en-1")
        done = client.voices.clone("Done", audio_url="https://example.com/a.mp3")
        _wait(client, done.id)
        fake.fail_voice_clone()
        failed = client.voices.clone("Failed", audio_asset_id="asset-1")
        _wait(client, failed.id)
        client.voices.delete(done.id)
        assert called(fake) >= {"GET /v3/voices/{voice_id}", "DELETE /v3/voices/{voice_id}"}


class TestCreation:
    """Design, clone and speech."""

    def test_design_defaults_and_every_option(self, env):
        """``design`` bare and with gender, locale and seed."""
        fake, client = env
        client.voices.design("a warm narrator")
        client.voices.design("a warm narrator", gender="female", locale="en-US", seed=1)
        assert called(fake) == {"POST /v3/voices"}

    def test_clone_every_source_and_option(self, env, tmp_path):
        """``clone`` by URL, asset id and file, with language and noise removal."""
        fake, client = env
        audio = tmp_path / "me.wav"
        audio.write_bytes(b"RIFF fake wave")
        client.voices.clone("A", audio_url="https://example.com/me.mp3")
        client.voices.clone("B", audio_asset_id="asset-1", language="es")
        client.voices.clone(
            "C",
            audio_path=audio,
            audio_media_type="audio/wav",
            language="en",
            remove_background_noise=False,
        )
        assert called(fake) == {"POST /v3/voices/clone"}

    def test_wait(self, env):
        """``wait`` polls GET /v3/voices/{voice_id} in the spec's shape."""
        _, client = env
        clone = client.voices.clone("A", audio_url="https://example.com/me.mp3")
        assert client.voices.wait(clone, timeout=30, poll=0.01, max_poll=0.01).is_completed

    def test_speech_defaults_and_every_option(self, env):
        """``speech`` bare and with input type, language, locale and speed."""
        fake, client = env
        client.voices.speech("Hello there", "v-f-en-1")
        client.voices.speech(
            "<speak>Hola</speak>",
            "v-f-es-1",
            input_type="ssml",
            language="es",
            locale="es-ES",
            speed=0.5,
        )
        assert called(fake) == {"POST /v3/voices/speech"}


class TestCoverage:
    """Every voice operation of the spec has a tagged method exercised above."""

    def test_every_operation_is_tagged(self):
        """The tags on ``Voices`` name all 6 voice operations of the v3 spec."""
        tagged = {
            ref.key
            for name in dir(Voices)
            for ref in operations_of(getattr(Voices, name))
            if ref.spec == "v3"
        }
        wanted = {op.key for op in spec().operations if op.path.startswith("/v3/voices")}
        assert len(wanted) == 6
        assert tagged == wanted


class TestTheCheckItself:
    """The contract check fails on what breaks the spec (it is not a check that cannot fail)."""

    def test_a_request_that_breaks_the_spec_is_found(self):
        """A voice list over the 100 maximum, and speech without its voice, are reported."""
        with FakeHeyGen() as fake:
            client, _ = checked_client(fake)
            with pytest.raises(BadRequestError) as over:
                client.request("GET", "/v3/voices", params={"limit": 101})
            with pytest.raises(BadRequestError) as no_voice:
                client.request("POST", "/v3/voices/speech", json={"text": "Hi"})
            problems = request_problems(fake)
            client.close()
        assert over.value.param == "limit"
        assert no_voice.value.param == "voice_id"
        assert len(problems) == 2

    def test_a_reply_that_breaks_the_spec_is_found(self):
        """A voice list entry without type and support_locale (the old fake's) is reported."""
        with FakeHeyGen() as fake:
            client, replies = checked_client(fake)
            old = {"voice_id": "v", "name": "n", "language": "l", "gender": "g"}
            body = {"data": [{**old, "support_pause": True}], "has_more": False}
            fake.inject("GET", "/v3/voices", Fault.status(200, body))
            list(client.voices.list())
            client.close()
        [problem] = replies.problems()
        assert "GET /v3/voices" in problem
