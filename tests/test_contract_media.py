"""Contract tests of the smaller v3 families against HeyGen's v3 spec.

``client.ai_clipping``, ``client.background_removals``, ``client.audio``,
``client.brand_kits`` and ``client.brand_glossaries``: each typed method runs against a
FakeHeyGen with default arguments and with every option; every request sent and every answer
given is checked with openapi-core.
"""

import pytest
from _spec_check import assert_contract, checked_client, operations_called, spec

from heygen_pipeline.resources import (
    AiClippings,
    Audio,
    BackgroundRemovals,
    BrandGlossaries,
    BrandKits,
)
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen

SOURCE = "https://example.com/webinar.mp4"
FAMILIES = {
    AiClippings: "ai-clipping",
    BackgroundRemovals: "background-removals",
    Audio: "audio",
    BrandKits: "brand-kits",
    BrandGlossaries: "brand-glossaries",
}


@pytest.fixture
def env():
    """A fake (jobs finish on the 2nd poll) and a checked client; contract checked at the end."""
    fake = FakeHeyGen(render_polls=2)
    client, replies = checked_client(fake)
    no_sleep = {"sleep": lambda _: None}
    yield (
        fake,
        AiClippings(client, **no_sleep),
        BackgroundRemovals(client, **no_sleep),
        client,
    )
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


class TestAiClipping:
    """Create (defaults, every option), list, get, delete and wait."""

    def test_every_operation(self, env):
        """Each with defaults and with every option; a completed job has its clips."""
        fake, clipping, _, _ = env
        plain = clipping.create(video_url=SOURCE)
        full = clipping.create(
            video_asset_id="asset-1",
            title="Webinar highlights",
            input_language="en",
            aspect_ratio="square",
            captions=False,
            caption_style="bold",
            duration_types=["30", "60", "long"],
            prompt="Focus on the product demo",
            callback_url="https://example.com/hook",
            callback_id="cb-1",
        )
        assert plain.status == "pending"
        done = clipping.wait(full.id, timeout=60, poll=1)
        assert [c.aspect_ratio for c in done.clips] == ["square"] * 3
        assert done.callback_id == "cb-1"
        assert {j.id for j in clipping.list()} == {plain.id, full.id}
        list(clipping.list(page_size=100, max_pages=1))
        assert clipping.get(plain.id).status == "pending"
        assert clipping.delete(plain.id).id == plain.id
        assert called(fake) == {
            "POST /v3/ai-clipping",
            "GET /v3/ai-clipping",
            "GET /v3/ai-clipping/{job_id}",
            "DELETE /v3/ai-clipping/{job_id}",
        }


class TestBackgroundRemovals:
    """Create (defaults, every option), list, get, delete and wait."""

    def test_every_operation(self, env):
        """Each with defaults and with every option; a completed job has its layers."""
        fake, _, removals, _ = env
        plain = removals.create(video_url=SOURCE)
        full = removals.create(
            video_data=b"\x00\x00\x00\x18ftypmp42",
            media_type="video/mp4",
            layers=["foreground", "mask"],
            title="Cut-out",
            request_id="removal-1",
        )
        again = removals.create(video_asset_id="asset-1", request_id="removal-1")
        assert again.id == full.id
        done = removals.wait(full.id, timeout=60, poll=1)
        assert set(done.layers) == {"foreground", "mask"}
        assert done.completed_at is not None
        assert {j.id for j in removals.list(page_size=100, max_pages=1)} == {plain.id, full.id}
        removals.get(plain.id)
        assert removals.delete(plain.id).raw["deleted"] is True
        assert removals.get(plain.id).status == "deleted"
        assert [j.id for j in removals.list()] == [full.id]
        assert called(fake) == {
            "POST /v3/background-removals",
            "GET /v3/background-removals",
            "GET /v3/background-removals/{job_id}",
            "DELETE /v3/background-removals/{job_id}",
        }


class TestLibraries:
    """Sounds, brand kits and brand glossaries, with defaults and every option."""

    def test_every_operation(self, env):
        """Sound search (query only, then every filter), brand kits, brand glossaries."""
        fake, _, _, client = env
        audio = Audio(client)
        found = list(audio.sounds("upbeat corporate"))
        assert found[0].id == "snd-upbeat-01"
        assert found[0].score == 1.0
        effects = list(
            audio.sounds("soft click whoosh", type="sound_effects", min_score=0.3, page_size=1)
        )
        assert {s.type for s in effects} == {"sound_effects"}
        assert len(effects) == 2
        assert list(audio.sounds("nothing matches this", max_pages=1)) == []
        kits = list(BrandKits(client).list())
        assert kits[0].colors == ("#FF5500", "#222222")
        list(BrandKits(client).list(page_size=1, max_pages=1))
        glossaries = list(BrandGlossaries(client).list(page_size=100))
        assert glossaries[0].created_at is not None
        list(BrandGlossaries(client).list(page_size=1, max_pages=2))
        assert called(fake) == {
            "GET /v3/audio/sounds",
            "GET /v3/brand-kits",
            "GET /v3/brand-glossaries",
        }


class TestCoverage:
    """Every operation of these families has a tagged method exercised above."""

    @pytest.mark.parametrize(("resource", "family"), FAMILIES.items())
    def test_every_operation_is_tagged(self, resource, family):
        """The tags on the resource name all the family's operations of the v3 spec."""
        tagged = {
            ref.key
            for name in dir(resource)
            for ref in operations_of(getattr(resource, name))
            if ref.spec == "v3"
        }
        wanted = {op.key for op in spec().operations if op.family == family}
        assert wanted
        assert tagged == wanted
