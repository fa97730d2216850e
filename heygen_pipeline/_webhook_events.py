"""Webhook events as typed values: one class per documented payload, a generic one for the rest.

The event types are those of HeyGen's v3 spec (the enum of ``GET /v3/webhooks/events`` and
of the endpoints' ``events``, as ``GET /v3/webhooks/event-types`` lists them). Types whose
``event_data`` HeyGen documents get their own class; every other type of the spec is a
`JobEvent` (the fields its payloads share), and a type outside the spec an `UnknownEvent`.
Public through `heygen_pipeline.webhooks`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Final

import attrs

from heygen_pipeline.errors import WebhookPayloadError

__all__ = [
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "AvatarVideoCaptionFail",
    "AvatarVideoCaptionSuccess",
    "AvatarVideoFail",
    "AvatarVideoGifFail",
    "AvatarVideoGifSuccess",
    "AvatarVideoSuccess",
    "JobEvent",
    "PersonalizedVideo",
    "UnknownEvent",
    "VideoTranslateFail",
    "VideoTranslatePreflightFail",
    "VideoTranslateSuccess",
    "WebhookEvent",
    "event_from_payload",
    "parse_event",
]

EVENT_TYPES: Final[tuple[str, ...]] = (
    "avatar_video.success",
    "avatar_video.fail",
    "avatar_video_gif.success",
    "avatar_video_gif.fail",
    "video_translate.success",
    "video_translate.fail",
    "video_translate.preflight.validation_failed",
    "video_translate.preflight.download_failed",
    "personalized_video",
    "instant_avatar.success",
    "instant_avatar.fail",
    "photo_avatar_generation.success",
    "photo_avatar_generation.fail",
    "photo_avatar_train.success",
    "photo_avatar_train.fail",
    "photo_avatar_add_motion.success",
    "photo_avatar_add_motion.fail",
    "proofread_creation.success",
    "proofread_creation.fail",
    "live_avatar.success",
    "live_avatar.fail",
    "avatar_video_caption.success",
    "avatar_video_caption.fail",
    "video_agent.success",
    "video_agent.fail",
    "hyperframes_video.success",
    "hyperframes_video.fail",
    "ai_clipping.success",
    "ai_clipping.fail",
    "batch.finished",
)
"""Every event type of HeyGen's v3 spec, in its order (a test holds this to the spec)."""

_FAILED_SUFFIXES: Final = ("fail", "validation_failed", "download_failed")


def _text(value: object) -> str | None:
    """A field as text: strings as sent, numbers written out, anything else (null) None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@attrs.frozen(kw_only=True)
class WebhookEvent:
    """A webhook event: its type, its ``event_data`` and the whole payload, as received.

    Subclasses add typed fields; every field HeyGen omits or sends empty is None, and fields
    it adds stay reachable in ``data``. ``verified_by`` says how the event was authenticated:
    ``"signature"`` (`verified_event`), ``"callback_id"`` (`callback_event`: an unsigned
    per-job delivery, so re-read the job from the API before trusting it) or None
    (`parse_event` alone checks nothing).
    """

    EVENT_TYPE: ClassVar[str] = ""
    """The ``event_type`` this class parses ("" for the generic classes)."""
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Each typed field and the ``event_data`` keys it is read from, first found wins."""

    event_type: str
    """The ``event_type`` of the payload."""
    event_id: str | None = None
    """The delivery's ``event_id`` when the payload carries one (the events list does)."""
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen, repr=False, hash=False)
    """``event_data`` as received (read-only); empty when absent or not an object."""
    raw: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen, repr=False, hash=False)
    """The whole payload as received (read-only)."""
    callback_id: str | None = None
    """The ``callback_id`` you gave when creating the job (``event_data.callback_id``)."""
    verified_by: str | None = attrs.field(default=None, eq=False)
    """``"signature"``, ``"callback_id"`` or None: see the class docstring."""

    @property
    def succeeded(self) -> bool | None:
        """True for a ``.success`` event, False for a failure, None when neither."""
        suffix = self.event_type.rpartition(".")[2]
        if suffix == "success":
            return True
        return False if suffix in _FAILED_SUFFIXES else None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> WebhookEvent:
        """Build this class's event from a decoded payload (see `parse_event`)."""
        data = payload.get("event_data")
        event_data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        fields = {
            name: _text(next((event_data[k] for k in keys if event_data.get(k) is not None), None))
            for name, keys in cls._SOURCES.items()
        }
        return cls(
            event_type=str(payload.get("event_type", cls.EVENT_TYPE)),
            event_id=_text(payload.get("event_id")),
            callback_id=_text(event_data.get("callback_id")) or _text(payload.get("callback_id")),
            data=event_data,
            raw=payload,
            **fields,
        )


_URL: Final = ("url", "video_url")
_REASON: Final = ("msg", "message", "failure_message", "error_message", "error")


@attrs.frozen(kw_only=True)
class AvatarVideoSuccess(WebhookEvent):
    """``avatar_video.success``: a video finished rendering.

    ``url`` is ``event_data.url`` (legacy payloads) or ``event_data.video_url`` (v3), a
    signed CDN link that expires; `video_url` is the same value.
    """

    EVENT_TYPE: ClassVar[str] = "avatar_video.success"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "video_id": ("video_id", "id"),
        "url": _URL,
        "thumbnail_url": ("thumbnail_url",),
        "gif_url": ("gif_url", "gif_download_url"),
        "caption_url": ("caption_url", "captioned_video_url"),
        "folder_id": ("folder_id",),
    }

    video_id: str | None = None
    """The video's id."""
    url: str | None = None
    """A signed link to the video on HeyGen's CDN (expires; no key needed to download)."""
    thumbnail_url: str | None = None
    """A link to the thumbnail, when sent."""
    gif_url: str | None = None
    """A link to the GIF preview (when the video was made with ``include_gif``)."""
    caption_url: str | None = None
    """A link to the captioned video, when sent."""
    folder_id: str | None = None
    """The folder holding the video, when sent."""

    @property
    def video_url(self) -> str | None:
        """The video's link: ``url`` or ``video_url``, whichever the payload used."""
        return self.url


@attrs.frozen(kw_only=True)
class AvatarVideoFail(WebhookEvent):
    """``avatar_video.fail``: a video failed to render; the reason is HeyGen's ``msg``."""

    EVENT_TYPE: ClassVar[str] = "avatar_video.fail"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "video_id": ("video_id", "id"),
        "message": _REASON,
        "failure_code": ("failure_code", "error_code", "code"),
    }

    video_id: str | None = None
    """The video's id."""
    message: str | None = None
    """Why it failed (``msg``, ``message`` or ``failure_message``); None when not given."""
    failure_code: str | None = None
    """A machine-readable reason, when sent."""


@attrs.frozen(kw_only=True)
class AvatarVideoGifSuccess(AvatarVideoSuccess):
    """``avatar_video_gif.success``: the GIF output is ready (same fields as the video's)."""

    EVENT_TYPE: ClassVar[str] = "avatar_video_gif.success"


@attrs.frozen(kw_only=True)
class AvatarVideoGifFail(AvatarVideoFail):
    """``avatar_video_gif.fail``: the GIF output failed (same fields as the video's)."""

    EVENT_TYPE: ClassVar[str] = "avatar_video_gif.fail"


@attrs.frozen(kw_only=True)
class AvatarVideoCaptionSuccess(AvatarVideoSuccess):
    """``avatar_video_caption.success``: the captioned video is ready."""

    EVENT_TYPE: ClassVar[str] = "avatar_video_caption.success"


@attrs.frozen(kw_only=True)
class AvatarVideoCaptionFail(AvatarVideoFail):
    """``avatar_video_caption.fail``: captioning the video failed."""

    EVENT_TYPE: ClassVar[str] = "avatar_video_caption.fail"


@attrs.frozen(kw_only=True)
class VideoTranslateSuccess(WebhookEvent):
    """``video_translate.success``: a translated video is ready."""

    EVENT_TYPE: ClassVar[str] = "video_translate.success"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "video_translate_id": ("video_translate_id", "video_translation_id", "id"),
        "url": _URL,
        "output_language": ("output_language",),
    }

    video_translate_id: str | None = None
    """The translation job's id."""
    url: str | None = None
    """A signed link to the translated video (``url`` or ``video_url``)."""
    output_language: str | None = None
    """The language translated into."""

    @property
    def video_url(self) -> str | None:
        """The translated video's link (same as ``url``)."""
        return self.url


@attrs.frozen(kw_only=True)
class VideoTranslateFail(WebhookEvent):
    """``video_translate.fail``: a translation failed; the reason is HeyGen's ``message``."""

    EVENT_TYPE: ClassVar[str] = "video_translate.fail"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "video_translate_id": ("video_translate_id", "video_translation_id", "id"),
        "message": ("message", "msg", "failure_message", "error_message", "error"),
        "output_language": ("output_language",),
    }

    video_translate_id: str | None = None
    """The translation job's id."""
    message: str | None = None
    """Why it failed (``message``, or ``msg`` if only that is sent); None when not given."""
    output_language: str | None = None
    """The language it was translating into."""


@attrs.frozen(kw_only=True)
class VideoTranslatePreflightFail(VideoTranslateFail):
    """``video_translate.preflight.*``: a translation refused before it started."""

    EVENT_TYPE: ClassVar[str] = "video_translate.preflight.validation_failed"


@attrs.frozen(kw_only=True)
class PersonalizedVideo(WebhookEvent):
    """``personalized_video``: a personalized video was generated."""

    EVENT_TYPE: ClassVar[str] = "personalized_video"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "project_id": ("project_id",),
        "video_id": ("video_id",),
        "video_url": ("video_url", "url"),
        "landing_page_url": ("landing_page_url",),
        "gif_url": ("gif_url",),
    }

    project_id: str | None = None
    """The personalized-video project's id."""
    video_id: str | None = None
    """The video's id."""
    video_url: str | None = None
    """A link to the video."""
    landing_page_url: str | None = None
    """The video's landing page."""
    gif_url: str | None = None
    """A link to the GIF preview (``gif_html`` and ``contact_info`` are in ``data``)."""


@attrs.frozen(kw_only=True)
class JobEvent(WebhookEvent):
    """Any other event type of the spec (avatars, proofreads, video agents, clips, batches).

    HeyGen does not document these payloads one by one: the fields they share are typed
    (the job's ``id`` under whichever ``*_id`` key it came, a result ``url``, a failure
    ``message``), the rest is in ``data``.
    """

    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "id": (
            "id",
            "video_id",
            "avatar_id",
            "group_id",
            "look_id",
            "proofread_id",
            "session_id",
            "batch_id",
            "job_id",
        ),
        "url": _URL,
        "message": _REASON,
    }

    id: str | None = None
    """The job's id (the first ``*_id`` field HeyGen sent)."""
    url: str | None = None
    """A result link (``url`` or ``video_url``), when sent."""
    message: str | None = None
    """Why it failed, when it did and HeyGen says."""


@attrs.frozen(kw_only=True)
class UnknownEvent(WebhookEvent):
    """An event type outside the spec: ``event_type``, ``data`` and ``raw`` only."""


def _registry() -> Mapping[str, type[WebhookEvent]]:
    typed: dict[str, type[WebhookEvent]] = {
        cls.EVENT_TYPE: cls
        for cls in (
            AvatarVideoSuccess,
            AvatarVideoFail,
            AvatarVideoGifSuccess,
            AvatarVideoGifFail,
            AvatarVideoCaptionSuccess,
            AvatarVideoCaptionFail,
            VideoTranslateSuccess,
            VideoTranslateFail,
            PersonalizedVideo,
        )
    }
    typed["video_translate.preflight.validation_failed"] = VideoTranslatePreflightFail
    typed["video_translate.preflight.download_failed"] = VideoTranslatePreflightFail
    return MappingProxyType({name: typed.get(name, JobEvent) for name in EVENT_TYPES})


EVENT_CLASSES: Final[Mapping[str, type[WebhookEvent]]] = _registry()
"""The typed event class of each event type of the spec (`JobEvent` for the generic ones)."""


def event_from_payload(payload: Mapping[str, Any]) -> WebhookEvent:
    """The typed event for a decoded payload with a string ``event_type`` (else an error)."""
    event_type = payload.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise WebhookPayloadError("the webhook body has no event_type")
    return EVENT_CLASSES.get(event_type, UnknownEvent).from_payload(payload)


def _bytes(raw_body: object) -> bytes:
    if isinstance(raw_body, str):
        msg = "pass the raw request body as bytes, not decoded text (decoding can change it)"
        raise TypeError(msg)
    if not isinstance(raw_body, (bytes, bytearray, memoryview)):
        msg = f"the raw body must be bytes, not {type(raw_body).__name__}"
        raise TypeError(msg)
    return bytes(raw_body)


def parse_event(raw_body: bytes | bytearray | memoryview | str) -> WebhookEvent:
    """Decode a webhook body into the typed event for its ``event_type``.

    Types outside the spec become an `UnknownEvent`; missing, null or extra fields are
    tolerated. Raises [WebhookPayloadError][heygen_pipeline.WebhookPayloadError] when the
    body is not UTF-8 JSON, not an object, or has no string ``event_type``. It does not
    authenticate anything: use `verified_event` (signed endpoints) or `callback_event`
    (per-job ``callback_url`` deliveries).
    """
    text: str
    if isinstance(raw_body, str):
        text = raw_body
    else:
        try:
            text = _bytes(raw_body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WebhookPayloadError("the webhook body is not UTF-8 text") from exc
    try:
        payload = json.loads(text)
    except ValueError as exc:  # JSONDecodeError; also an integer too long to convert
        raise WebhookPayloadError(f"the webhook body is not JSON: {exc.args[0]}") from exc
    except RecursionError as exc:
        raise WebhookPayloadError("the webhook body is nested too deeply") from exc
    if not isinstance(payload, dict):
        kind = type(payload).__name__
        raise WebhookPayloadError(f"the webhook body must be a JSON object, not {kind}")
    return event_from_payload(payload)
