"""What a video translation request holds, checked before anything is sent.

`TranslationRequest` is the body of ``POST /v3/video-translations`` (and one entry of a
batch) as a frozen value: every field the spec defines, each checked against the spec's type
and enum when built, so a mistake fails at once with the field's name. ``None`` leaves a
field to HeyGen's default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from heygen_pipeline.resources._checks import (
    check_extra,
    check_span,
    flag_field,
    input_source,
    kind,
    one_of,
    seconds,
    text_field,
)

__all__ = [
    "FPS_MODES",
    "MODES",
    "SRT_ROLES",
    "TranslationRequest",
    "languages_of",
]

MODES: Final = ("speed", "precision")
FPS_MODES: Final = ("vfr", "cfr", "passthrough")
SRT_ROLES: Final = ("input", "output")


def languages_of(value: object, what: str = "output_languages") -> tuple[str, ...]:
    """A non-empty list of language names, as a tuple."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        msg = f"{what} must be a non-empty list of language names, not {type(value).__name__}"
        raise TypeError(msg)
    if not value:
        msg = f"{what} must not be empty"
        raise ValueError(msg)
    for item in value:
        if not isinstance(item, str) or not item.strip():
            msg = f"{what} must hold non-empty strings, not {item!r}"
            raise ValueError(msg)
    return tuple(value)


def _speakers(_instance: object, _attribute: object, value: Any) -> None:
    kind("speaker_num", (int,), "an int")(None, None, value)
    if value is not None and value < 1:
        msg = f"speaker_num must be >= 1, not {value}"
        raise ValueError(msg)


def _voice_ids(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    return languages_of(value, "preferred_stock_voice_ids")


@attrs.frozen(kw_only=True)
class TranslationRequest:
    """One translation request: a source video, target languages and the spec's options.

    The video is ``video_url`` (public HTTPS) or ``video_asset_id`` (an uploaded asset);
    ``audio_*`` and ``srt_*`` name a custom dubbing track and subtitle file the same way.
    ``extra`` carries fields this version does not know yet, sent as given.
    """

    output_languages: tuple[str, ...] = attrs.field(converter=languages_of)
    video_url: str | None = None
    video_asset_id: str | None = None
    title: str | None = text_field("title")
    input_language: str | None = text_field("input_language")
    mode: Literal["speed", "precision"] | None = attrs.field(
        default=None, validator=one_of("mode", MODES)
    )
    audio_url: str | None = None
    audio_asset_id: str | None = None
    srt_url: str | None = None
    srt_asset_id: str | None = None
    srt_role: Literal["input", "output"] | None = attrs.field(
        default=None, validator=one_of("srt_role", SRT_ROLES)
    )
    fps_mode: Literal["vfr", "cfr", "passthrough"] | None = attrs.field(
        default=None, validator=one_of("fps_mode", FPS_MODES)
    )
    speaker_num: int | None = attrs.field(default=None, validator=_speakers)
    start_time: float | None = attrs.field(default=None, validator=seconds("start_time"))
    end_time: float | None = attrs.field(default=None, validator=seconds("end_time"))
    translate_audio_only: bool | None = flag_field("translate_audio_only")
    enable_caption: bool | None = flag_field("enable_caption")
    enable_dynamic_duration: bool | None = flag_field("enable_dynamic_duration")
    enable_speech_enhancement: bool | None = flag_field("enable_speech_enhancement")
    enable_watermark: bool | None = flag_field("enable_watermark")
    disable_music_track: bool | None = flag_field("disable_music_track")
    keep_the_same_format: bool | None = flag_field("keep_the_same_format")
    brand_glossary_id: str | None = text_field("brand_glossary_id")
    folder_id: str | None = text_field("folder_id")
    use_stock_voice: bool | None = flag_field("use_stock_voice")
    preferred_stock_voice_ids: tuple[str, ...] | None = attrs.field(
        default=None, converter=_voice_ids
    )
    callback_url: str | None = text_field("callback_url")
    callback_id: str | None = text_field("callback_id")
    extra: Mapping[str, Any] = attrs.field(factory=dict, hash=False)

    def __attrs_post_init__(self) -> None:
        """Check what spans fields: one video source, at most one audio and SRT, the times."""
        input_source("video", self.video_url, self.video_asset_id, required=True)
        input_source("audio", self.audio_url, self.audio_asset_id, required=False)
        input_source("srt", self.srt_url, self.srt_asset_id, required=False)
        check_span(self.start_time, self.end_time)
        check_extra(self.extra)

    def to_api(self) -> dict[str, Any]:
        """The JSON body HeyGen takes (fields left ``None`` are left out)."""
        body: dict[str, Any] = {
            "video": input_source("video", self.video_url, self.video_asset_id, required=True),
            "output_languages": list(self.output_languages),
        }
        sources = {
            "audio": input_source("audio", self.audio_url, self.audio_asset_id, required=False),
            "srt": input_source("srt", self.srt_url, self.srt_asset_id, required=False),
        }
        body.update({name: value for name, value in sources.items() if value is not None})
        plain = {name: getattr(self, name) for name in _PLAIN}
        body.update({name: value for name, value in plain.items() if value is not None})
        if self.use_stock_voice is not None or self.preferred_stock_voice_ids is not None:
            config: dict[str, Any] = {}
            if self.use_stock_voice is not None:
                config["use_stock_voice"] = self.use_stock_voice
            if self.preferred_stock_voice_ids is not None:
                config["preferred_stock_voice_ids"] = list(self.preferred_stock_voice_ids)
            body["stock_voice_config"] = config
        body.update(self.extra)
        return body


_PLAIN: Final = (
    "title",
    "input_language",
    "mode",
    "srt_role",
    "fps_mode",
    "speaker_num",
    "start_time",
    "end_time",
    "translate_audio_only",
    "enable_caption",
    "enable_dynamic_duration",
    "enable_speech_enhancement",
    "enable_watermark",
    "disable_music_track",
    "keep_the_same_format",
    "brand_glossary_id",
    "folder_id",
    "callback_url",
    "callback_id",
)
"""Fields sent under their own name, as they are."""
