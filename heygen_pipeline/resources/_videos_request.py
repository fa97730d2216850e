"""The body of ``POST /v3/videos`` (and of each entry of a batch), checked before it is sent.

The spec's request is a ``oneOf`` of four kinds of video, told apart by ``type``:

- ``avatar``: an avatar look speaks (``avatar_id`` is a **look id** from
  ``GET /v3/avatars/looks``; required);
- ``image``: an arbitrary image is animated (``image`` required: a URL, an asset id or
  base64 data);
- ``cinematic_avatar``: a prompt and 1-3 look ids (``prompt`` and ``avatar_id`` required);
- ``studio``: 1-50 whole-frame ``scenes``.

`video_body` builds the JSON for one kind from keyword fields, refusing (with
``TypeError``/``ValueError`` naming the field) what the spec refuses: a missing required
field, a field of another kind (which would make the ``oneOf`` ambiguous), a value outside
an enum, or fields the spec calls mutually exclusive. ``None`` leaves a field out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from heygen_pipeline.resources._checks import check_int, input_source

__all__ = ["FIELDS", "REQUIRED", "VIDEO_TYPES", "VideoRequest", "video_body"]

VIDEO_TYPES: Final = ("avatar", "image", "cinematic_avatar", "studio")
"""The kinds of video ``POST /v3/videos`` makes (the spec's ``type`` values)."""

_SPEECH: Final = ("script", "voice_id", "voice_settings", "audio_url", "audio_asset_id")
_OUTPUT: Final = (
    "title",
    "aspect_ratio",
    "resolution",
    "background",
    "caption",
    "callback_url",
    "callback_id",
    "expressiveness",
    "fit",
    "motion_prompt",
    "output_format",
    "remove_background",
    "watermark",
)
FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "avatar": frozenset({"avatar_id", "engine", *_SPEECH, *_OUTPUT}),
    "image": frozenset({"image", *_SPEECH, *_OUTPUT}),
    "cinematic_avatar": frozenset(
        {
            "prompt",
            "avatar_id",
            "title",
            "aspect_ratio",
            "resolution",
            "duration",
            "auto_duration",
            "enhance_prompt",
            "references",
        }
    ),
    "studio": frozenset(
        {
            "scenes",
            "title",
            "aspect_ratio",
            "resolution",
            "caption",
            "callback_url",
            "callback_id",
            "watermark",
        }
    ),
}
"""The fields the spec defines for each kind (besides ``type``)."""
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "avatar": ("avatar_id",),
    "image": ("image",),
    "cinematic_avatar": ("prompt", "avatar_id"),
    "studio": ("scenes",),
}
"""The fields the spec requires for each kind (besides ``type``)."""

ASPECT_RATIOS: Final = ("16:9", "9:16", "4:5", "5:4", "1:1", "auto")
RESOLUTIONS: Final = ("4k", "1080p", "720p")
CINEMATIC_RESOLUTIONS: Final = ("720p", "1080p")
_ENUMS: Final[Mapping[str, tuple[str, ...]]] = {
    "aspect_ratio": ASPECT_RATIOS,
    "resolution": RESOLUTIONS,
    "expressiveness": ("high", "medium", "low"),
    "fit": ("contain", "cover"),
    "output_format": ("mp4", "webm"),
}
_TEXT: Final = frozenset(
    {"avatar_id", "script", "voice_id", "audio_url", "audio_asset_id", "title", "prompt"}
    | {"callback_url", "callback_id", "motion_prompt", *_ENUMS}
)
_FLAGS: Final = frozenset({"remove_background", "auto_duration", "enhance_prompt"})
_OBJECTS: Final = frozenset({"voice_settings", "background", "caption", "watermark", "image"})
MAX_SCENES: Final = 50
MAX_LOOKS: Final = 3
DURATION: Final = (4, 15)
"""A cinematic video's length range, in seconds."""


def _kind_error(name: str, value: object, label: str) -> TypeError:
    return TypeError(f"{name} must be {label}, not {type(value).__name__}")


def _text(name: str, value: object, video_type: str) -> str:
    """A non-blank string, within the field's enum if it has one."""
    if not isinstance(value, str):
        raise _kind_error(name, value, "a str")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    allowed = _ENUMS.get(name)
    if name == "resolution" and video_type == "cinematic_avatar":
        allowed = CINEMATIC_RESOLUTIONS
    if allowed is not None and value not in allowed:
        choices = ", ".join(map(repr, allowed))
        raise ValueError(f"{name} must be one of {choices}, not {value!r}")
    return value


def _check_value(name: str, value: Any, video_type: str) -> Any:
    """``value`` as the spec types field ``name``, or a TypeError/ValueError naming it."""
    if name == "avatar_id" and video_type == "cinematic_avatar":
        return _looks(value)
    special = {"engine": _engine, "duration": _duration}.get(name)
    if special is not None:
        return special(value)
    if name in _TEXT:
        return _text(name, value, video_type)
    if name in _FLAGS:
        if not isinstance(value, bool):
            raise _kind_error(name, value, "a bool")
        return value
    if name in _OBJECTS:
        if not isinstance(value, Mapping):
            raise _kind_error(name, value, "a mapping (a JSON object)")
        return dict(value)
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise _kind_error(name, value, "a list")  # scenes, references
    return list(value)


def _looks(value: object) -> list[str]:
    """A cinematic video's 1-3 look ids (one id alone is a list of one)."""
    looks = [value] if isinstance(value, str) else value
    if isinstance(looks, (bytes, Mapping)) or not isinstance(looks, Sequence):
        raise _kind_error("avatar_id", value, "a look id or a list of 1-3 look ids")
    if not 1 <= len(looks) <= MAX_LOOKS:
        raise ValueError(f"avatar_id takes 1 to {MAX_LOOKS} look ids, not {len(looks)}")
    for look in looks:
        if not isinstance(look, str) or not look.strip():
            raise ValueError(f"avatar_id must hold non-empty look ids, not {look!r}")
    return list(looks)


def _engine(value: object) -> dict[str, Any]:
    """``{"type": ...}``: an engine name (``"avatar_v"``) or the spec's engine object."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("engine must not be empty")
        return {"type": value}
    if not isinstance(value, Mapping):
        raise _kind_error("engine", value, "an engine name or a mapping with its type")
    if not isinstance(value.get("type"), str):
        raise TypeError("engine needs its type, e.g. {'type': 'avatar_v'}")
    return dict(value)


def _duration(value: object) -> int:
    seconds = check_int(value, "duration", "an int (seconds)")
    low, high = DURATION
    if not low <= seconds <= high:
        raise ValueError(f"duration must be {low}-{high} seconds, not {value}")
    return seconds


def _exclusive(body: Mapping[str, Any], *names: str) -> None:
    given = [n for n in names if n in body]
    if len(given) > 1:
        raise TypeError(f"pass only one of {', '.join(given)} (the spec: mutually exclusive)")


def _check_background(background: Mapping[str, Any]) -> None:
    kind = background.get("type")
    if kind not in {"color", "image"}:
        raise ValueError(f"background type must be 'color' or 'image', not {kind!r}")
    if kind == "color" and not isinstance(background.get("value"), str):
        raise ValueError("background of type 'color' needs its value (a hex color)")
    if kind == "image":
        sources = [k for k in ("url", "asset_id") if background.get(k) is not None]
        if len(sources) != 1:
            raise ValueError("background of type 'image' needs one of url and asset_id")


def _check_across(video_type: str, body: dict[str, Any]) -> None:
    """What spans fields: speech sources, a voice for image scripts, backgrounds, scenes."""
    _exclusive(body, "script", "audio_url", "audio_asset_id")
    if video_type == "image" and "script" in body and "voice_id" not in body:
        raise ValueError("voice_id is required with a script on an image video")
    if "background" in body:
        if body.get("output_format") == "webm":
            raise ValueError("background must not be set with output_format 'webm'")
        _check_background(body["background"])
    if "watermark" in body and "image" not in body["watermark"]:
        raise ValueError("watermark needs its image")
    if video_type == "studio" and not 1 <= len(body["scenes"]) <= MAX_SCENES:
        raise ValueError(f"scenes must hold 1 to {MAX_SCENES} scenes, not {len(body['scenes'])}")
    if video_type == "cinematic_avatar" and body.get("auto_duration") and "duration" in body:
        raise ValueError("omit duration when auto_duration is true")


def video_body(
    video_type: str = "avatar",
    *,
    image_url: str | None = None,
    image_asset_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The JSON body of a ``video_type`` video, every field checked against the spec.

    ``image_url``/``image_asset_id`` are shorthands for ``image`` (``{type: url, url}`` or
    ``{type: asset_id, asset_id}``). ``extra`` is sent as given, unchecked, for fields the
    spec adds later (it overrides the checked ones).

    Raises:
        ValueError: an unknown ``video_type``, a required field missing, a value outside
            the spec's range or enum.
        TypeError: a field of another kind of video, a wrong type, or two fields the spec
            calls mutually exclusive.
    """
    if video_type not in VIDEO_TYPES:
        kinds = ", ".join(map(repr, VIDEO_TYPES))
        raise ValueError(f"video_type must be one of {kinds}, not {video_type!r}")
    if image_url is not None or image_asset_id is not None:
        if fields.get("image") is not None:
            raise TypeError("pass image= or image_url=/image_asset_id=, not both")
        fields["image"] = input_source("image", image_url, image_asset_id, required=True)
    given = {name: value for name, value in fields.items() if value is not None}
    allowed = FIELDS[video_type]
    foreign = sorted(set(given) - allowed)
    if foreign:
        raise TypeError(
            f"{', '.join(foreign)}: not a field of a {video_type!r} video "
            f"(it takes {', '.join(sorted(allowed))})"
        )
    missing = [name for name in REQUIRED[video_type] if name not in given]
    if missing:
        raise ValueError(f"{', '.join(missing)} is required for a {video_type!r} video")
    body: dict[str, Any] = {"type": video_type}
    body.update({name: _check_value(name, value, video_type) for name, value in given.items()})
    _check_across(video_type, body)
    if extra:
        if not isinstance(extra, Mapping):
            raise _kind_error("extra", extra, "a mapping")
        body.update(extra)
    return body


@attrs.frozen
class VideoRequest:
    """One video to make, checked when built: an entry of ``videos.create_batch``.

    ``VideoRequest.of(video_type="avatar", avatar_id=look_id, script="Hi")`` takes the same
    fields as ``videos.create``; ``body`` is the JSON it sends.
    """

    body: Mapping[str, Any] = attrs.field(hash=False)

    @classmethod
    def of(cls, video_type: str = "avatar", **fields: Any) -> VideoRequest:
        """A request for a ``video_type`` video (see `video_body` for the checks)."""
        return cls(video_body(video_type, **fields))

    @property
    def video_type(self) -> str:
        """The kind of video (``avatar``, ``image``, ``cinematic_avatar``, ``studio``)."""
        return str(self.body["type"])

    def to_api(self) -> dict[str, Any]:
        """The JSON body (a copy)."""
        return dict(self.body)
