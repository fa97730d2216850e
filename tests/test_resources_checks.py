"""The shared argument checks (resources/_checks.py) and the shared job wait (JobResource)."""

import math
from collections.abc import Mapping
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import JobFailedError, WaitTimeoutError
from heygen_pipeline.resources import JobResource, Video, _fields
from heygen_pipeline.resources._checks import (
    check_bool,
    check_choice,
    check_count,
    check_extra,
    check_int,
    check_number,
    check_seconds,
    check_span,
    flag_field,
    input_source,
    is_int,
    is_number,
    one_of,
    seconds,
    text_field,
)
from heygen_pipeline.resources._fields import all_strings, lower, nested
from heygen_pipeline.resources._videos import failure_of

ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.lists(st.integers(), max_size=2),
)


class TestNumberChecks:
    """One definition of "an int" and "a number": bools are neither."""

    @given(ANY)
    def test_is_int_and_is_number(self, value):
        """is_int is int-but-not-bool; is_number adds floats."""
        assert is_int(value) == (type(value) is int)
        assert is_number(value) == (type(value) in (int, float))

    @pytest.mark.parametrize("value", [True, 1.0, "1", None])
    def test_check_int_names_the_argument(self, value):
        """A non-int is a TypeError naming the argument and the type it got."""
        with pytest.raises(TypeError, match=rf"^seed must be an int, not {type(value).__name__}$"):
            check_int(value, "seed")

    def test_check_int_takes_a_label(self):
        """The label says what kind of int is meant."""
        with pytest.raises(TypeError, match=r"duration must be an int \(seconds\), not str"):
            check_int("5", "duration", "an int (seconds)")
        assert check_int(5, "duration") == 5

    def test_check_number(self):
        """Ints and floats pass; a bool does not."""
        assert check_number(0.5, "speed") == 0.5
        assert check_number(2, "speed") == 2
        with pytest.raises(TypeError, match="speed must be a number, not bool"):
            check_number(value=False, what="speed")

    @pytest.mark.parametrize("value", [0, -1, True, 1.5, "2", None])
    def test_check_count_refuses_with_one_value_error(self, value):
        """Anything but an int >= the minimum is a ValueError showing the value."""
        with pytest.raises(ValueError, match=rf"^chunk_size must be an int >= 1, not {value!r}$"):
            check_count(value, "chunk_size")

    def test_check_count_minimum_and_qualifier(self):
        """The minimum and a qualifier such as "or None" appear in the message."""
        assert check_count(0, "max_size", minimum=0) == 0
        with pytest.raises(ValueError, match=r"max_size must be an int >= 0 or None, not -1"):
            check_count(-1, "max_size", minimum=0, qualifier=" or None")

    @pytest.mark.parametrize("value", [0, -1.0, math.inf, math.nan])
    def test_check_seconds_refuses_what_cannot_bound_a_wait(self, value):
        """Zero, negatives, infinity and NaN are ValueErrors."""
        with pytest.raises(ValueError, match="timeout must be a finite number of seconds > 0"):
            check_seconds(value, "timeout")

    def test_check_seconds_type(self):
        """A non-number is a TypeError; a positive number passes."""
        with pytest.raises(TypeError, match="poll must be a number of seconds, not str"):
            check_seconds("1", "poll")
        assert check_seconds(0.25, "poll") == 0.25

    def test_check_bool(self):
        """None and bools pass; anything else is a TypeError."""
        assert check_bool(None, "captions") is None
        assert check_bool(value=True, what="captions") is True
        with pytest.raises(TypeError, match="captions must be a bool, not int"):
            check_bool(1, "captions")


class TestChoice:
    """One of a spec enum's values; None passes unless the argument is required."""

    def test_choice(self):
        """A listed value passes; None passes when optional, fails when required."""
        assert check_choice("music", ("music", "sound_effects"), "type") == "music"
        assert check_choice(None, ("music",), "type") is None
        with pytest.raises(ValueError, match=r"^via must be one of 'auto', 'direct', not None$"):
            check_choice(None, ("auto", "direct"), "via", required=True)
        with pytest.raises(ValueError, match=r"type must be one of 'music', not 'noise'"):
            check_choice("noise", ("music",), "type")


@attrs.frozen(kw_only=True)
class _Model:
    """A result model with the shared raw field."""

    id: str | None = None
    raw: Mapping[str, Any] = _fields.raw_field()


class TestSharedReaders:
    """The model helpers every result module shares (resources/_fields.py)."""

    def test_raw_field_stays_out_of_repr_and_hash(self):
        """Raw defaults to {}, is not shown in the repr and does not stop hashing."""
        model = _Model(id="a", raw={"big": "x" * 100})
        assert "big" not in repr(model)
        assert hash(model) == hash(_Model(id="a", raw={"other": 1}))
        assert _Model().raw == {}

    def test_readers(self):
        """all_strings keeps strings of a list, lower folds case, nested copies an object."""
        assert all_strings(["a", "", 3, "b"]) == ("a", "", "b")
        assert all_strings("ab") == ()
        assert lower("Completed") == "completed"
        assert lower("") is None
        raw = {"error": {"code": "X"}, "bad": [1]}
        assert nested(raw, "error") == {"code": "X"}
        assert nested(raw, "error") is not raw["error"]
        assert nested(raw, "bad") is None


class TestInputSource:
    """A URL or an asset id, exactly one when required."""

    def test_one_of_two(self):
        """A URL or an asset id becomes HeyGen's typed source object."""
        assert input_source("video", "https://x/v.mp4", None, required=True) == {
            "type": "url",
            "url": "https://x/v.mp4",
        }
        assert input_source("audio", None, "a1", required=True) == {
            "type": "asset_id",
            "asset_id": "a1",
        }
        assert input_source("srt", None, None, required=False) is None

    @pytest.mark.parametrize(
        ("url", "asset_id", "error", "match"),
        [
            ("u", "a", TypeError, "either video_url= or video_asset_id=, not both"),
            (None, None, TypeError, "pass one of video_url= and video_asset_id="),
            (3, None, TypeError, "video_url must be a str, not int"),
            (None, " ", ValueError, "video_asset_id must not be empty"),
        ],
    )
    def test_mistakes(self, url, asset_id, error, match):
        """Both, neither, a non-str or a blank one fail naming the argument."""
        with pytest.raises(error, match=match):
            input_source("video", url, asset_id, required=True)

    def test_span_and_extra(self):
        """end_time must come after start_time; extra must be a mapping."""
        check_span(1.0, None)
        with pytest.raises(ValueError, match=r"end_time \(1.0\) must be after start_time \(2.0\)"):
            check_span(2.0, 1.0)
        with pytest.raises(TypeError, match="extra must be a mapping, not list"):
            check_extra([])


@attrs.frozen(kw_only=True)
class _Value:
    """A request value built with the shared field validators."""

    title: str | None = text_field("title")
    captions: bool | None = flag_field("captions")
    mode: str | None = attrs.field(default=None, validator=one_of("mode", ("speed", "precision")))
    start: float | None = attrs.field(default=None, validator=seconds("start"))


class TestFieldValidators:
    """The attrs validators request values share (TranslationRequest, LipsyncRequest)."""

    def test_valid_values(self):
        """Each field takes None and its own kind of value."""
        assert _Value() == _Value(title=None, captions=None, mode=None, start=None)
        assert _Value(title="t", captions=False, mode="speed", start=0).start == 0

    @pytest.mark.parametrize(
        ("fields", "error", "match"),
        [
            ({"title": ""}, ValueError, "title must not be empty"),
            ({"title": 1}, TypeError, "title must be a str, not int"),
            ({"captions": 1}, TypeError, "captions must be a bool, not int"),
            ({"mode": "fast"}, ValueError, "mode must be one of 'speed', 'precision'"),
            ({"start": True}, TypeError, "start must be a number of seconds, not a bool"),
            ({"start": -1}, ValueError, "start must be a finite number of seconds >= 0"),
        ],
    )
    def test_invalid_values(self, fields, error, match):
        """A wrong value fails when the value is built, naming the field."""
        with pytest.raises(error, match=match):
            _Value(**fields)


class _Renders(JobResource):
    """The smallest job helper: a v3 video wait, through the shared `_wait_job`."""

    __slots__ = ()

    def wait(self, video_id: str, *, before_poll=None, timeout: float = 60.0) -> Video:
        """Wait for ``video_id`` with a fake sleep."""
        return self._wait_job(
            f"/v3/videos/{video_id}",
            Video.from_api,
            finished=lambda v: v.is_completed,
            failure=failure_of,
            what="video",
            job_id=video_id,
            timeout=timeout,
            poll=1.0,
            max_poll=1.0,
            on_progress=None,
            before_poll=before_poll,
        )


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


def _created(client) -> str:
    """A new render's id."""
    body = {"type": "avatar", "avatar_id": "Daisy", "script": "Hi"}
    video_id: str = client.post("/v3/videos", json=body)["video_id"]
    return video_id


class TestWaitJob:
    """JobResource._wait_job: the poll, the request id and the hooks every wait shares."""

    def test_polls_until_completed_and_runs_the_hook_each_poll(self, heygen_client, fake_heygen):
        """The job is polled until it completes; before_poll runs before every poll."""
        time = FakeTime()
        renders = _Renders(heygen_client, sleep=time.sleep, clock=time.clock)
        video_id = _created(heygen_client)
        hooks: list[int] = []
        video = renders.wait(video_id, before_poll=lambda: hooks.append(1))
        polls = fake_heygen.requests_for("GET", f"/v3/videos/{video_id}")
        assert video.is_completed
        assert len(hooks) == len(polls) == 3

    def test_a_failure_carries_the_failing_polls_request_id(self, heygen_client, fake_heygen):
        """The JobFailedError names the request id of the poll that saw the failure."""
        time = FakeTime()
        renders = _Renders(heygen_client, sleep=time.sleep, clock=time.clock)
        fake_heygen.fail_video(message="no")
        video_id = _created(heygen_client)
        with pytest.raises(JobFailedError) as info:
            renders.wait(video_id)
        assert info.value.request_id == fake_heygen.requests[-1].request_id
        assert info.value.job_id == video_id

    def test_the_deadline_still_bounds_the_wait(self, heygen_client):
        """A job that does not finish in time ends in WaitTimeoutError naming the job."""
        time = FakeTime()
        renders = _Renders(heygen_client, sleep=time.sleep, clock=time.clock)
        video_id = _created(heygen_client)
        with pytest.raises(WaitTimeoutError, match=f"the video {video_id} did not finish"):
            renders.wait(video_id, timeout=1.5)
