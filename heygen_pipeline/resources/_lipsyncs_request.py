"""What a lipsync request holds, checked before anything is sent.

`LipsyncRequest` is the body of ``POST /v3/lipsyncs`` (and one entry of a batch) as a frozen
value: every field the spec defines, each checked against the spec's type and enum when
built, so a mistake fails at once with the field's name. ``None`` leaves a field to HeyGen's
default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from heygen_pipeline.resources._checks import (
    check_extra,
    check_span,
    flag_field,
    input_source,
    one_of,
    seconds,
    text_field,
)
from heygen_pipeline.resources._translations_request import FPS_MODES, MODES

__all__ = ["LipsyncRequest"]


@attrs.frozen(kw_only=True)
class LipsyncRequest:
    """One lipsync: a source video, the audio to lip-sync it to, and the spec's options.

    The video is ``video_url`` (public HTTPS) or ``video_asset_id`` (an uploaded asset);
    the audio likewise ``audio_url`` or ``audio_asset_id``; both are required.
    ``start_time``/``end_time`` (seconds) lip-sync only part of the video. ``extra``
    carries fields this version does not know yet, sent as given.
    """

    video_url: str | None = None
    video_asset_id: str | None = None
    audio_url: str | None = None
    audio_asset_id: str | None = None
    title: str | None = text_field("title")
    mode: Literal["speed", "precision"] | None = attrs.field(
        default=None, validator=one_of("mode", MODES)
    )
    fps_mode: Literal["vfr", "cfr", "passthrough"] | None = attrs.field(
        default=None, validator=one_of("fps_mode", FPS_MODES)
    )
    start_time: float | None = attrs.field(default=None, validator=seconds("start_time"))
    end_time: float | None = attrs.field(default=None, validator=seconds("end_time"))
    enable_caption: bool | None = flag_field("enable_caption")
    enable_dynamic_duration: bool | None = flag_field("enable_dynamic_duration")
    enable_speech_enhancement: bool | None = flag_field("enable_speech_enhancement")
    enable_watermark: bool | None = flag_field("enable_watermark")
    disable_music_track: bool | None = flag_field("disable_music_track")
    keep_the_same_format: bool | None = flag_field("keep_the_same_format")
    folder_id: str | None = text_field("folder_id")
    callback_url: str | None = text_field("callback_url")
    callback_id: str | None = text_field("callback_id")
    extra: Mapping[str, Any] = attrs.field(factory=dict, hash=False)

    def __attrs_post_init__(self) -> None:
        """Check what spans fields: one video and one audio source, the times."""
        input_source("video", self.video_url, self.video_asset_id, required=True)
        input_source("audio", self.audio_url, self.audio_asset_id, required=True)
        check_span(self.start_time, self.end_time)
        check_extra(self.extra)

    def to_api(self) -> dict[str, Any]:
        """The JSON body HeyGen takes (fields left ``None`` are left out)."""
        body: dict[str, Any] = {
            "video": input_source("video", self.video_url, self.video_asset_id, required=True),
            "audio": input_source("audio", self.audio_url, self.audio_asset_id, required=True),
        }
        plain = {name: getattr(self, name) for name in _PLAIN}
        body.update({name: value for name, value in plain.items() if value is not None})
        body.update(self.extra)
        return body


_PLAIN: Final = (
    "title",
    "mode",
    "fps_mode",
    "start_time",
    "end_time",
    "enable_caption",
    "enable_dynamic_duration",
    "enable_speech_enhancement",
    "enable_watermark",
    "disable_music_track",
    "keep_the_same_format",
    "folder_id",
    "callback_url",
    "callback_id",
)
"""Fields sent under their own name, as they are."""
