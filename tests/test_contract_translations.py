"""Contract tests of ``client.translations`` against HeyGen's v3 spec.

Each typed method runs against a FakeHeyGen with default arguments and with every option;
every request sent and every answer given is checked with openapi-core.
"""

import pytest
from _spec_check import assert_contract, checked_client, operations_called, spec

from heygen_pipeline.resources import TranslationRequest, Translations
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen

SOURCE = "https://example.com/source.mp4"
EVERY_OPTION = {
    "video_asset_id": "asset-1",
    "output_languages": ["Spanish (Spain)", "German"],
    "title": "Keynote",
    "input_language": "English",
    "mode": "precision",
    "audio_url": "https://example.com/dub.mp3",
    "srt_asset_id": "srt-1",
    "srt_role": "input",
    "fps_mode": "cfr",
    "speaker_num": 2,
    "start_time": 1.5,
    "end_time": 30,
    "translate_audio_only": False,
    "enable_caption": True,
    "enable_dynamic_duration": True,
    "enable_speech_enhancement": True,
    "enable_watermark": False,
    "disable_music_track": True,
    "keep_the_same_format": True,
    "brand_glossary_id": "glossary-1",
    "folder_id": "folder-1",
    "use_stock_voice": True,
    "preferred_stock_voice_ids": ["stock-1"],
    "callback_url": "https://example.com/hook",
    "callback_id": "cb-1",
}


@pytest.fixture
def env():
    """A fake (jobs finish on the 2nd poll) and a checked client; contract checked at the end."""
    fake = FakeHeyGen(render_polls=2)
    client, replies = checked_client(fake)
    yield fake, Translations(client, sleep=lambda _: None)
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


class TestTranslations:
    """Create, list, get, update, delete, languages, statuses and wait."""

    def test_create_defaults_and_every_option(self, env):
        """``create`` with the required fields only, then with every field of the spec."""
        fake, translations = env
        translations.create(video_url=SOURCE, output_languages=["French (France)"])
        jobs = translations.create(**EVERY_OPTION, idempotency_key="dub-every-option")
        assert [j.output_language for j in jobs] == ["Spanish (Spain)", "German"]
        assert called(fake) == {"POST /v3/video-translations"}

    def test_lookups(self, env):
        """List (default and every option), get, update, delete, languages."""
        fake, translations = env
        [job] = translations.create(video_url=SOURCE, output_languages=["Italian"])
        assert [t.id for t in translations.list()] == [job.id]
        list(translations.list(page_size=100, max_pages=1))
        translations.get(job.id)
        assert translations.update(job.id, title="Renamed").title == "Renamed"
        assert "German" in translations.languages()
        assert translations.delete(job.id).id == job.id
        assert called(fake) == {
            "POST /v3/video-translations",
            "GET /v3/video-translations",
            "GET /v3/video-translations/{video_translation_id}",
            "PATCH /v3/video-translations/{video_translation_id}",
            "DELETE /v3/video-translations/{video_translation_id}",
            "GET /v3/video-translations/languages",
        }

    def test_wait_and_completed_links(self, env):
        """A completed translation with captions answers every link in the spec's shape."""
        _, translations = env
        [job] = translations.create(
            video_url=SOURCE, output_languages=["German"], enable_caption=True
        )
        done = translations.wait(job.id, timeout=60, poll=1)
        assert done.srt_caption_url
        assert done.vtt_caption_url
        assert done.video_url

    def test_batches_and_statuses(self, env):
        """Batch create (default and every option), get (every option), statuses."""
        fake, translations = env
        one = TranslationRequest(video_url=SOURCE, output_languages=["German"])
        every = TranslationRequest(**EVERY_OPTION)
        batch = translations.create_batch([one])
        full = translations.create_batch(
            [one, every], title="Launch", callback_url="https://example.com/batch"
        )
        assert full.total_items == 3
        first = translations.get_batch(full.batch_id, page_size=1)
        translations.get_batch(full.batch_id, page_size=1, token=first.next_token)
        translations.statuses([batch.items[0].id])
        translations.statuses(batch_ids=[batch.batch_id])
        translations.statuses([batch.items[0].id, "unknown"], batch_ids=[full.batch_id])
        assert called(fake) >= {
            "POST /v3/video-translations/batches",
            "GET /v3/video-translations/batches/{batch_id}",
            "GET /v3/video-translations/statuses",
        }


class TestProofreads:
    """Create, get, SRT get and put, generate."""

    def test_every_proofread_operation(self, env):
        """Each with defaults, then with every option."""
        fake, translations = env
        [draft] = translations.create_proofread(
            video_url=SOURCE, output_languages=["German"], title="Draft"
        )
        translations.create_proofread(
            video_asset_id="asset-1",
            output_languages=["German", "Italian"],
            title="Every option",
            srt_url="https://example.com/in.srt",
            mode="speed",
            speaker_num=1,
            brand_glossary_id="glossary-1",
            folder_id="folder-1",
            disable_music_track=True,
            enable_speech_enhancement=False,
            enable_video_stretching=True,
            keep_the_same_format=False,
        )
        assert translations.wait_proofread(draft.id, timeout=60, poll=1).is_completed
        assert translations.get_proofread_srt(draft.id).srt_url
        translations.update_proofread_srt(draft.id, srt_url="https://example.com/edited.srt")
        translations.update_proofread_srt(draft.id, srt_asset_id="srt-2")
        translations.generate_from_proofread(draft.id)
        job = translations.generate_from_proofread(
            draft.id,
            captions=True,
            translate_audio_only=False,
            callback_url="https://example.com/hook",
            callback_id="cb-2",
        )
        assert job.status == "processing"
        assert called(fake) == {
            "POST /v3/video-translations/proofreads",
            "GET /v3/video-translations/proofreads/{proofread_id}",
            "GET /v3/video-translations/proofreads/{proofread_id}/srt",
            "PUT /v3/video-translations/proofreads/{proofread_id}/srt",
            "POST /v3/video-translations/proofreads/{proofread_id}/generate",
        }


class TestCoverage:
    """Every translation operation of the spec has a tagged method exercised above."""

    def test_every_operation_is_tagged(self):
        """The tags on ``Translations`` name all 14 translation operations of the v3 spec."""
        tagged = {
            ref.key
            for name in dir(Translations)
            for ref in operations_of(getattr(Translations, name))
            if ref.spec == "v3"
        }
        wanted = {op.key for op in spec().operations if op.family == "video-translations"}
        assert len(wanted) == 14
        assert tagged == wanted
