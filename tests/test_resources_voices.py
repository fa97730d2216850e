import pytest

from heygen_pipeline import NotFoundError


class TestVoices:
    """``client.voices`` against the fake, over real sockets."""

    def test_v3_list(self, heygen_client):
        """Every voice, across pages."""
        voices = list(heygen_client.voices.list(page_size=4))
        assert [v.id for v in voices] == [
            "v-f-en-1",
            "v-m-en-1",
            "v-m-en-2",
            "v-f-es-1",
            "v-m-de-1",
            "v-f-fr-1",
        ]

    def test_get_one(self, heygen_client, fake_heygen):
        """``get`` reads language, gender, preview and capabilities."""
        voice = heygen_client.voices.get("v-f-fr-1")
        assert (voice.name, voice.language, voice.gender) == (
            "Camille - Bright",
            "French",
            "female",
        )
        assert voice.preview_audio_url == f"{fake_heygen.cdn_url}/previews/v-f-fr-1.mp3"
        assert (voice.support_pause, voice.emotion_support) == (True, True)

    def test_get_unknown(self, heygen_client):
        """An unknown voice is NotFoundError."""
        with pytest.raises(NotFoundError):
            heygen_client.voices.get("v-none")

    def test_v2_list(self, heygen_client):
        """The legacy list has the same voices."""
        assert len(heygen_client.voices.list_v2()) == 6
