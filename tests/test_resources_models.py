import pickle
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heygen_pipeline import MalformedResponseError
from heygen_pipeline._redact import scrub
from heygen_pipeline.resources import (
    Asset,
    Avatar,
    Quota,
    TalkingPhoto,
    Template,
    Translation,
    User,
    Video,
    Voice,
    WebhookEndpoint,
)
from heygen_pipeline.resources import _fields as f

MODELS = [
    Asset,
    Avatar,
    Quota,
    TalkingPhoto,
    Template,
    Translation,
    User,
    Video,
    Voice,
    WebhookEndpoint,
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(
    [
        "id",
        "video_id",
        "status",
        "error",
        "created_at",
        "duration",
        "tags",
        "premium",
        "wallet",
        "variables",
        "secret",
        "size_bytes",
        "remaining_quota",
        "details",
        "events",
        "url",
    ]
)
OBJECTS = st.dictionaries(FIELD_NAMES | st.text(max_size=10), JSON, max_size=8)


class TestTolerance:
    """Every model reads any object HeyGen might send, and keeps it whole in ``raw``."""

    @settings(max_examples=60)
    @given(model=st.sampled_from(MODELS), data=OBJECTS)
    def test_any_object_builds_a_model(self, model, data):
        """Fields of any type, missing or empty, never raise; ``raw`` is what was sent."""
        built = model.from_api(data)
        assert built.raw == data

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    def test_empty_object_gives_empty_fields(self, model):
        """An empty object gives a model whose fields are all unset."""
        built = model.from_api({})
        assert built.raw == {}
        assert getattr(built, "id", None) is None

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    @pytest.mark.parametrize("data", [None, [], "x", 3])
    def test_non_object_is_a_malformed_response(self, model, data):
        """Something that is not a JSON object is a typed error, not a TypeError."""
        with pytest.raises(MalformedResponseError, match="expected a JSON object"):
            model.from_api(data)

    def test_models_are_frozen_hashable_and_picklable(self):
        """Models cannot be changed, hash despite their dict fields, and pickle."""
        video = Video.from_api({"id": "v1", "status": "completed", "extra": {"a": [1]}})
        with pytest.raises(AttributeError):
            video.status = "failed"  # type: ignore[misc]
        assert hash(video) == hash(Video.from_api({"id": "v1", "status": "completed"}))
        assert pickle.loads(pickle.dumps(video)) == video  # noqa: S301 - our own bytes


class TestVideo:
    """Video reads the v3, v1-status, v1-list and create shapes."""

    def test_v3_object(self):
        """v3 names map straight across; the status is lower-cased."""
        video = Video.from_api(
            {
                "id": "abc",
                "title": "Hello",
                "status": "COMPLETED",
                "video_url": "https://cdn/v.mp4",
                "thumbnail_url": "https://cdn/t.jpg",
                "duration": "12.5",
                "created_at": 1_700_000_000,
                "failure_code": None,
                "new_field": {"x": 1},
            }
        )
        assert (video.id, video.title, video.status) == ("abc", "Hello", "completed")
        assert video.duration == 12.5
        assert video.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
        assert video.is_completed
        assert video.is_done
        assert not video.is_failed
        assert video.raw["new_field"] == {"x": 1}

    def test_v1_failure_with_and_without_reason(self):
        """v1 puts the reason in ``error``; null there means no reason was given."""
        failed = Video.from_api(
            {"id": "x", "status": "failed", "error": {"code": 40119, "message": "Bad script"}}
        )
        assert (failed.failure_code, failed.failure_message) == ("40119", "Bad script")
        bare = Video.from_api({"id": "x", "status": "failed", "error": None})
        assert (bare.failure_code, bare.failure_message) == (None, None)
        text = Video.from_api({"id": "x", "status": "failed", "error": "boom"})
        assert text.failure_message == "boom"

    def test_v1_list_and_create_result(self):
        """``video_id``/``video_title`` (v1 list, create results) fill ``id``/``title``."""
        video = Video.from_api({"video_id": "v9", "video_title": "T"})
        assert (video.id, video.title, video.status) == ("v9", "T", None)
        assert not video.is_done

    def test_empty_values_are_none(self):
        """Empty strings, wrong types and NaN read as unset."""
        video = Video.from_api(
            {"id": "", "status": 5, "video_url": "  ", "duration": "nan", "created_at": "soon"}
        )
        assert (video.id, video.video_url, video.duration, video.created_at) == (
            None,
            None,
            None,
            None,
        )
        assert video.status == "5"


class TestCatalogue:
    """Avatars, voices and templates read both versions' names."""

    def test_avatar_v2_and_v3_names(self):
        """``avatar_id``/``avatar_name`` (v2) and ``id``/``name`` (v3) both work."""
        v2 = Avatar.from_api({"avatar_id": "a", "avatar_name": "A", "tags": ["X", 1], "premium": 1})
        v3 = Avatar.from_api({"id": "a", "name": "A", "looks_count": 3})
        assert (v2.id, v2.name, v2.tags, v2.premium) == ("a", "A", ("X",), True)
        assert (v3.id, v3.name, v3.tags, v3.premium) == ("a", "A", (), None)

    def test_voice_preview_names(self):
        """v2 ``preview_audio`` and v3 ``preview_audio_url`` both fill the preview."""
        assert Voice.from_api({"preview_audio": "u"}).preview_audio_url == "u"
        assert Voice.from_api({"preview_audio_url": "v"}).preview_audio_url == "v"
        assert Voice.from_api({"support_pause": "true"}).support_pause is True

    def test_template_variables(self):
        """A template's details carry its variables; the list entry has none."""
        template = Template.from_api({"template_id": "t", "variables": {"name": {"type": "text"}}})
        assert template.variables == {"name": {"type": "text"}}
        assert Template.from_api({"template_id": "t", "variables": []}).variables == {}


class TestAccount:
    """User and quota."""

    def test_quota_converts_seconds_to_credits(self):
        """``remaining_quota`` is in seconds; a credit is 60 of them; ``details: {}`` is fine."""
        quota = Quota.from_api({"remaining_quota": 3600, "details": {}})
        assert quota.credits == 60
        assert quota.details == {}
        assert Quota.from_api({}).credits is None

    def test_user_balance_zero_is_kept(self):
        """A zero balance is zero, not missing."""
        user = User.from_api({"billing_type": "wallet", "wallet": {"remaining_balance": 0}})
        assert user.remaining_balance == 0.0
        assert User.from_api({}).remaining_balance is None


class TestWebhookEndpoint:
    """The signing secret is kept but never shown."""

    def test_secret_hidden_from_repr_and_scrubbed(self):
        """The repr leaves the secret out, and the secret is registered for scrubbing."""
        secret = "whsec_models_test_0123456789"
        endpoint = WebhookEndpoint.from_api(
            {"endpoint_id": "e", "url": "https://x", "secret": secret, "events": None}
        )
        assert endpoint.secret == secret
        assert secret not in repr(endpoint)
        assert endpoint.events == ()
        assert secret not in scrub(f"leaked {secret}")


class TestFields:
    """The field readers behind the models."""

    @given(value=JSON)
    def test_readers_never_raise(self, value):
        """Every reader returns its type or None for any JSON value."""
        raw = {"k": value}
        assert f.text(raw, "k") is None or isinstance(f.text(raw, "k"), str)
        assert f.number(raw, "k") is None or isinstance(f.number(raw, "k"), float)
        assert f.flag(raw, "k") in {None, True, False}
        assert isinstance(f.texts(raw, "k"), tuple)
        assert isinstance(f.mapping(raw, "k"), dict)
        assert f.when(raw, "k") is None or f.when(raw, "k").tzinfo is not None

    def test_when_reads_seconds_milliseconds_and_iso(self):
        """Unix seconds, milliseconds and ISO 8601 (with Z) give the same instant."""
        expected = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
        assert f.when({"t": 1_700_000_000}, "t") == expected
        assert f.when({"t": 1_700_000_000_000}, "t") == expected
        assert f.when({"t": "2023-11-14T22:13:20Z"}, "t") == expected
        assert f.when({"t": -5}, "t") is None

    def test_when_reads_milliseconds_up_to_the_last_one(self):
        """Milliseconds within year 9999's last second are read; past it there is no time."""
        last = f.when({"t": 253_402_300_799_999}, "t")
        assert last == datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)
        assert f.when({"t": 253_402_300_800_000}, "t") is None

    def test_first_keeps_zero(self):
        """``first`` skips only None."""
        assert f.first(None, 0, 5) == 0
        assert f.first(None, None) is None

    def test_items_reads_lists(self):
        """``items`` finds the list, skips non-objects, and rejects what is not a list."""
        assert f.items({"xs": [{"a": 1}, 2, None]}, "xs", "t") == [{"a": 1}]
        assert f.items({"xs": None}, "xs", "t") == []
        assert f.items(None, "xs", "t") == []
        with pytest.raises(MalformedResponseError):
            f.items({"xs": {"a": 1}}, "xs", "t")
        with pytest.raises(MalformedResponseError):
            f.items([1], "xs", "t")


class TestIsoTime:
    """ISO 8601 times read the same on every supported Python (3.10 has a narrower parser)."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024-07-01T15:20:00Z", datetime(2024, 7, 1, 15, 20, tzinfo=timezone.utc)),
            (
                "2024-07-01T15:20:00.5Z",
                datetime(2024, 7, 1, 15, 20, 0, 500000, tzinfo=timezone.utc),
            ),
            (
                "2024-07-01T15:20:00.1234567z",
                datetime(2024, 7, 1, 15, 20, 0, 123456, tzinfo=timezone.utc),
            ),
            ("2024-07-01 15:20", datetime(2024, 7, 1, 15, 20, tzinfo=timezone.utc)),
            ("2024-07-01", datetime(2024, 7, 1, tzinfo=timezone.utc)),
            ("2024-07-01T17:20:00+02:00", datetime(2024, 7, 1, 15, 20, tzinfo=timezone.utc)),
            ("2024-07-01T10:20:00-0500", datetime(2024, 7, 1, 15, 20, tzinfo=timezone.utc)),
            (
                "  2024-07-01T15:20:00,25Z ",
                datetime(2024, 7, 1, 15, 20, 0, 250000, tzinfo=timezone.utc),
            ),
        ],
    )
    def test_forms(self, text, expected):
        """Z, fractions of any length, a space separator, offsets with or without a colon."""
        assert f.iso_time(text) == expected
        assert f.when({"at": text}, "at") == expected

    @pytest.mark.parametrize(
        "text",
        ["2024-13-01", "2024-02-30T00:00:00Z", "2024-07-01T24:00:00Z", "2024-07-01T15:20:00+25:00",
         "2024-07-01T15:20:00+02:75", "yesterday", "", "2024-07-01T15", "٢٠٢٤-07-01"],
    )  # fmt: skip
    def test_not_times(self, text):
        """Impossible dates, hours and offsets, words and non-ASCII digits read as None."""
        assert f.iso_time(text) is None

    @given(
        st.datetimes(
            min_value=datetime(1, 1, 2),  # noqa: DTZ001 - naive bounds; the zone comes below
            max_value=datetime(9999, 12, 30),  # noqa: DTZ001
            timezones=st.sampled_from([timezone.utc]),
        ),
        st.sampled_from(["seconds", "milliseconds", "microseconds"]),
    )
    def test_what_isoformat_writes_reads_back(self, moment, spec):
        """Any time Python renders in ISO form (with its offset, or as Z) reads back exactly."""
        text = moment.isoformat(timespec=spec)
        shown = moment.replace(
            microsecond=moment.microsecond
            if spec == "microseconds"
            else (moment.microsecond // 1000 * 1000 if spec == "milliseconds" else 0)
        )
        assert f.iso_time(text) == shown
        assert f.iso_time(text.replace("+00:00", "Z")) == shown
