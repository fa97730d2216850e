"""The checks of ``client.videos`` before anything is sent, and the video and user models."""

import json

import pytest
from _spec_check import spec
from hypothesis import given, settings
from hypothesis import strategies as st

from heygen_pipeline.resources import User, Video, VideoBatch, VideoRequest
from heygen_pipeline.resources._videos_request import FIELDS, REQUIRED, VIDEO_TYPES, video_body
from heygen_pipeline.testing import FakeHeyGen

LOOK = "look-1"
IMAGE = {"type": "url", "url": "https://example.com/p.png"}


def _variants():
    """The spec's POST /v3/videos alternatives, by the kind their ``type`` must be."""
    document = spec().document
    schema = document["paths"]["/v3/videos"]["post"]["requestBody"]["content"]
    found = {}
    for variant in schema["application/json"]["schema"]["oneOf"]:
        kind = variant["properties"]["type"]["description"].split("'")[1]
        found[kind] = variant
    return found


@pytest.fixture
def fake():
    """A fake whose recorded requests show that nothing was sent."""
    with FakeHeyGen() as server:
        yield server


class TestAgainstTheSpec:
    """The per-kind tables are the spec's."""

    def test_kinds_fields_and_required_are_the_spec_s(self):
        """Each kind's fields and required fields are those of its spec alternative."""
        variants = _variants()
        assert set(variants) == set(VIDEO_TYPES)
        for kind, variant in variants.items():
            assert FIELDS[kind] == set(variant["properties"]) - {"type"}, kind
            assert set(REQUIRED[kind]) == set(variant["required"]) - {"type"}, kind

    @pytest.mark.parametrize(
        "body",
        [
            video_body(avatar_id=LOOK, script="Hi", engine="avatar_iii"),
            video_body("image", image=IMAGE, script="Hi", voice_id="v"),
            video_body("cinematic_avatar", prompt="p", avatar_id=[LOOK, "b"], duration=4),
            video_body("studio", scenes=[{"type": "video", "source": IMAGE}]),
        ],
        ids=VIDEO_TYPES,
    )
    def test_built_bodies_keep_to_the_spec(self, body):
        """A body built for each kind validates against the request schema."""
        spec().validate_request(
            "POST",
            "/v3/videos",
            headers={"Content-Type": "application/json"},
            body=json.dumps(body).encode(),
            content_type="application/json",
        )


class TestRefusals:
    """What the spec refuses is refused with the field's name, before sending."""

    @pytest.mark.parametrize(
        ("kind", "fields", "field"),
        [
            ("avatar", {"script": "Hi"}, "avatar_id"),
            ("image", {"script": "Hi", "voice_id": "v"}, "image"),
            ("cinematic_avatar", {"avatar_id": LOOK}, "prompt"),
            ("cinematic_avatar", {"prompt": "p"}, "avatar_id"),
            ("studio", {"title": "t"}, "scenes"),
        ],
    )
    def test_a_missing_required_field(self, kind, fields, field):
        """Each kind's required fields are required."""
        with pytest.raises(ValueError, match=f"{field} is required for a '{kind}' video"):
            video_body(kind, **fields)

    @pytest.mark.parametrize(
        ("kind", "fields", "field"),
        [
            ("avatar", {"avatar_id": LOOK, "image": IMAGE}, "image"),
            ("avatar", {"avatar_id": LOOK, "prompt": "p"}, "prompt"),
            ("image", {"image": IMAGE, "engine": "avatar_v"}, "engine"),
            ("cinematic_avatar", {"prompt": "p", "avatar_id": LOOK, "script": "s"}, "script"),
            ("studio", {"scenes": [{}], "avatar_id": LOOK}, "avatar_id"),
        ],
    )
    def test_a_field_of_another_kind(self, kind, fields, field):
        """A field the kind does not take is a TypeError naming it (the oneOf would blur)."""
        with pytest.raises(TypeError, match=f"{field}: not a field of a '{kind}' video"):
            video_body(kind, **fields)

    @pytest.mark.parametrize(
        ("fields", "error", "match"),
        [
            ({"aspect_ratio": "2:1"}, ValueError, "aspect_ratio must be one of"),
            ({"resolution": "8k"}, ValueError, "resolution must be one of"),
            ({"output_format": "mov"}, ValueError, "output_format must be one of"),
            ({"expressiveness": "wild"}, ValueError, "expressiveness must be one of"),
            ({"fit": "stretch"}, ValueError, "fit must be one of"),
            ({"script": 5}, TypeError, "script must be a str"),
            ({"script": "  "}, ValueError, "script must not be empty"),
            ({"remove_background": "yes"}, TypeError, "remove_background must be a bool"),
            ({"caption": "on"}, TypeError, "caption must be a mapping"),
            ({"engine": 3}, TypeError, "engine must be an engine name"),
            ({"engine": {"reference_look_id": "x"}}, TypeError, "engine needs its type"),
            ({"script": "a", "audio_url": "u"}, TypeError, "mutually exclusive"),
            ({"audio_url": "u", "audio_asset_id": "a"}, TypeError, "mutually exclusive"),
            ({"background": {"type": "color"}}, ValueError, "needs its value"),
            ({"background": {"type": "video"}}, ValueError, "background type"),
            ({"background": {"type": "image"}}, ValueError, "one of url and asset_id"),
            (
                {"background": {"type": "color", "value": "#fff"}, "output_format": "webm"},
                ValueError,
                "webm",
            ),
            ({"watermark": {"opacity": 1}}, ValueError, "watermark needs its image"),
        ],
    )
    def test_values_the_spec_refuses(self, fields, error, match):
        """Enums, types, exclusive fields and the nested objects' own requirements."""
        with pytest.raises(error, match=match):
            video_body(avatar_id=LOOK, **fields)

    @pytest.mark.parametrize(
        ("fields", "error", "match"),
        [
            ({"avatar_id": []}, ValueError, "1 to 3 look ids, not 0"),
            ({"avatar_id": ["a", "b", "c", "d"]}, ValueError, "1 to 3 look ids, not 4"),
            ({"avatar_id": ["a", ""]}, ValueError, "non-empty look ids"),
            ({"avatar_id": {"a": 1}}, TypeError, "list of 1-3 look ids"),
            ({"avatar_id": LOOK, "duration": 3}, ValueError, "4-15 seconds"),
            ({"avatar_id": LOOK, "duration": 8.5}, TypeError, "duration must be an int"),
            ({"avatar_id": LOOK, "duration": 8, "auto_duration": True}, ValueError, "omit"),
            ({"avatar_id": LOOK, "resolution": "4k"}, ValueError, "'720p', '1080p'"),
        ],
    )
    def test_cinematic_rules(self, fields, error, match):
        """A cinematic video's looks, duration and resolutions are its own."""
        with pytest.raises(error, match=match):
            video_body("cinematic_avatar", prompt="p", **fields)

    def test_kind_scenes_and_image_shorthands(self):
        """An unknown kind; 0 or 51 scenes; a script on an image without a voice; two images."""
        with pytest.raises(ValueError, match="video_type must be one of"):
            video_body("talking_photo", avatar_id=LOOK)
        for scenes in ([], [{}] * 51):
            with pytest.raises(ValueError, match="1 to 50 scenes"):
                video_body("studio", scenes=scenes)
        with pytest.raises(TypeError, match="scenes must be a list"):
            video_body("studio", scenes={"type": "video"})
        with pytest.raises(ValueError, match="voice_id is required with a script"):
            video_body("image", image=IMAGE, script="Hi")
        with pytest.raises(TypeError, match="not both"):
            video_body("image", image=IMAGE, image_url="https://e.com/x.png")
        with pytest.raises(TypeError, match="image_url= or image_asset_id=, not both"):
            video_body("image", image_url="u", image_asset_id="a")

    def test_create_refuses_before_sending(self, fake):
        """``create`` and ``create_batch`` send nothing when a check fails."""
        from heygen_pipeline import HeyGenClient  # noqa: PLC0415 - local to the test

        with HeyGenClient(fake.api_key, base_url=fake.base_url) as client:
            with pytest.raises(ValueError, match="avatar_id is required"):
                client.videos.create(script="Hi")
            with pytest.raises(ValueError, match=r"videos\[1\]: avatar_id is required"):
                client.videos.create_batch([{"avatar_id": LOOK}, {"script": "no look"}])
            with pytest.raises(ValueError, match="1 to 100 videos, not 0"):
                client.videos.create_batch([])
            with pytest.raises(ValueError, match="1 to 100 videos, not 101"):
                client.videos.create_batch([VideoRequest.of(avatar_id=LOOK)] * 101)
            with pytest.raises(TypeError, match="must be a list of VideoRequest"):
                client.videos.create_batch(VideoRequest.of(avatar_id=LOOK))  # type: ignore[arg-type]
            with pytest.raises(TypeError, match=r"videos\[0\] must be a VideoRequest"):
                client.videos.create_batch(["look-1"])  # type: ignore[list-item]
            with pytest.raises(TypeError, match="pass video_ids= or batch_ids="):
                client.videos.statuses()
            with pytest.raises(TypeError, match="a list of ids, not a single str"):
                client.videos.statuses("v-1")
            with pytest.raises(ValueError, match="between 1 and 100"):
                client.videos.get_batch("b-1", page_size=101)
            with pytest.raises(ValueError, match="between 1 and 100"):
                list(client.videos.list(page_size=101))
            with pytest.raises(ValueError, match="batch_id must not be"):
                client.videos.get_batch("..")
            with pytest.raises(ValueError, match="title must not be empty"):
                list(client.videos.list(title=" "))
        assert fake.requests == []


class TestVideoRequest:
    """`VideoRequest` holds a checked body."""

    def test_of_builds_and_copies(self):
        """``of`` checks and builds; ``to_api`` is a copy; ``extra`` is sent unchecked."""
        request = VideoRequest.of(avatar_id=LOOK, script="Hi", extra={"future_field": 1})
        assert request.video_type == "avatar"
        body = request.to_api()
        assert body == {"type": "avatar", "avatar_id": LOOK, "script": "Hi", "future_field": 1}
        body["script"] = "changed"
        assert request.body["script"] == "Hi"


class TestModels:
    """Video, VideoBatch and User read the spec's objects."""

    def test_video_reads_every_spec_field(self):
        """The v3 video object's fields land on the model; times are UTC datetimes."""
        data = {
            "id": "v1",
            "status": "completed",
            "title": "T",
            "video_url": "https://cdn/v.mp4",
            "thumbnail_url": "https://cdn/t.jpg",
            "gif_url": "https://cdn/g.gif",
            "captioned_video_url": "https://cdn/c.mp4",
            "subtitle_url": "https://cdn/s.srt",
            "video_page_url": "https://app/v1",
            "duration": 12.5,
            "created_at": 1_700_000_000,
            "completed_at": 1_700_000_060,
            "failure_code": None,
            "failure_message": None,
            "folder_id": "f1",
            "output_language": "es",
        }
        video = Video.from_api(data)
        assert (video.gif_url, video.subtitle_url, video.folder_id) == (
            "https://cdn/g.gif",
            "https://cdn/s.srt",
            "f1",
        )
        assert video.completed_at is not None
        assert video.created_at is not None
        assert (video.completed_at - video.created_at).total_seconds() == 60
        assert video.output_language == "es"
        assert video.raw == data

    def test_create_answer(self):
        """A create's ``{video_id, status, output_format}`` becomes a Video."""
        video = Video.from_api({"video_id": "v2", "status": "waiting", "output_format": "webm"})
        assert (video.id, video.status, video.output_format) == ("v2", "waiting", "webm")
        assert not video.is_done

    def test_batch(self):
        """A batch's items carry their video ids and errors."""
        batch = VideoBatch.from_api(
            {
                "batch_id": "b1",
                "status": "processing",
                "total_items": 1,
                "counts_by_status": {"failed": 1},
                "created_at": 1_700_000_000,
                "items": [{"item_index": 0, "status": "failed", "error": {"code": "x"}}],
                "has_more": False,
            }
        )
        assert batch.items[0].error == {"code": "x"}
        assert batch.items[0].id is None

    def test_user_with_no_balance_and_odd_values(self):
        """Missing or null billing objects are None; a wrong-typed one is ignored, kept in raw."""
        user = User.from_api({"username": "u", "wallet": None, "subscription": "free"})
        assert (user.wallet, user.subscription, user.usage_based) == (None, None, None)
        assert (user.currency, user.remaining_balance) == (None, None)
        assert user.raw["subscription"] == "free"


_TEXT = st.text(alphabet="abcdefghij XYZ-", min_size=1, max_size=12).filter(str.strip)
_COMMON = {
    "title": _TEXT,
    "aspect_ratio": st.sampled_from(["16:9", "9:16", "4:5", "5:4", "1:1", "auto"]),
    "callback_url": st.just("https://example.com/hook"),
    "callback_id": _TEXT,
    "caption": st.sampled_from([{}, {"style": "default"}, {"file_format": "srt"}]),
}
_SPEAKING = {
    **_COMMON,
    "resolution": st.sampled_from(["4k", "1080p", "720p"]),
    "voice_id": _TEXT,
    "expressiveness": st.sampled_from(["high", "medium", "low"]),
    "fit": st.sampled_from(["contain", "cover"]),
    "motion_prompt": _TEXT,
    "output_format": st.just("mp4"),
    "remove_background": st.booleans(),
    "background": st.sampled_from(
        [{"type": "color", "value": "#102030"}, {"type": "image", "asset_id": "a-1"}]
    ),
    "voice_settings": st.sampled_from([{}, {"speed": 1.2, "pitch": -3}, {"locale": "en-US"}]),
}
_KINDS = {
    "avatar": (
        {"avatar_id": _TEXT},
        {**_SPEAKING, "engine": st.sampled_from(["avatar_v", "avatar_iv", "avatar_iii"])},
    ),
    "image": ({"image": st.just(IMAGE)}, {**_SPEAKING, "voice_id": _TEXT}),
    "cinematic_avatar": (
        {"prompt": _TEXT, "avatar_id": st.lists(_TEXT, min_size=1, max_size=3)},
        {
            "title": _TEXT,
            "aspect_ratio": st.sampled_from(["16:9", "9:16", "1:1"]),
            "resolution": st.sampled_from(["720p", "1080p"]),
            "duration": st.integers(4, 15),
            "enhance_prompt": st.booleans(),
            "references": st.just([IMAGE]),
        },
    ),
    "studio": (
        {"scenes": st.lists(st.just({"type": "video", "source": IMAGE}), min_size=1, max_size=5)},
        {**_COMMON, "resolution": st.sampled_from(["4k", "1080p", "720p"])},
    ),
}


@st.composite
def _requests(draw):
    """A kind, its required fields, and any subset of its optional ones (valid values)."""
    kind = draw(st.sampled_from(VIDEO_TYPES))
    required, optional = _KINDS[kind]
    fields = {name: draw(strategy) for name, strategy in required.items()}
    chosen = draw(st.lists(st.sampled_from(sorted(optional)), unique=True))
    fields.update({name: draw(optional[name]) for name in chosen})
    speech = draw(st.sampled_from(["script", "audio_url", "audio_asset_id", None]))
    if kind in {"avatar", "image"} and speech is not None:
        fields[speech] = "https://example.com/a.mp3" if speech == "audio_url" else "hello"
        if speech == "script" and kind == "image":
            fields["voice_id"] = "v-1"
    return kind, fields


class TestProperty:
    """Whatever valid fields a caller gives, the body keeps to the spec."""

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(request=_requests())
    def test_any_valid_request_validates(self, request):
        """Every body `video_body` builds from valid fields passes the spec's request schema."""
        kind, fields = request
        body = video_body(kind, **fields)
        assert body["type"] == kind
        spec().validate_request(
            "POST",
            "/v3/videos",
            headers={"Content-Type": "application/json"},
            body=json.dumps(body).encode(),
            content_type="application/json",
        )
