"""Receiving HeyGen webhooks: check the signature, then parse the event into a typed value.

HeyGen POSTs a JSON payload ``{"event_type": ..., "event_data": {...}}`` to each endpoint
you register. Independent receivers verify it with a hex HMAC-SHA256 of the **raw** body,
keyed with the endpoint's secret (``whsec_...``), sent in a ``Signature`` header. HeyGen does
not document the header's name, so it is a parameter everywhere (default
`DEFAULT_SIGNATURE_HEADER`).

Two ways to use this module:

- `verify_webhook` (or `verify_request`, which finds the header) returns a bool, then
  `parse_event` turns the body into an event;
- `verified_event` does both and raises a typed error: a
  [WebhookSignatureError][heygen_pipeline.WebhookSignatureError] for a missing or wrong
  signature (answer 401) or a [WebhookPayloadError][heygen_pipeline.WebhookPayloadError] for a
  body that is not an event (answer 400).

Always verify the bytes as received, before decoding them: re-serialised JSON does not
produce the same signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Final, Protocol

import attrs

from heygen_pipeline._redact import Secret
from heygen_pipeline.errors import ConfigurationError, WebhookPayloadError, WebhookSignatureError

__all__ = [
    "DEFAULT_SIGNATURE_HEADER",
    "EVENT_CLASSES",
    "AvatarVideoFail",
    "AvatarVideoGifFail",
    "AvatarVideoGifSuccess",
    "AvatarVideoSuccess",
    "HeaderSource",
    "PersonalizedVideo",
    "UnknownEvent",
    "VideoTranslateFail",
    "VideoTranslateSuccess",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "parse_event",
    "sign_webhook",
    "verified_event",
    "verify_request",
    "verify_webhook",
]

DEFAULT_SIGNATURE_HEADER: Final = "Signature"
"""The header that carries the signature (UNCONFIRMED upstream: pass ``header=`` to change it)."""

_PREFIX: Final = "sha256="
_HEX_DIGEST: Final = re.compile(r"[0-9a-fA-F]{64}")


class HeaderSource(Protocol):
    """Anything with ``items()`` of (name, value) pairs.

    A dict, our [Headers][heygen_pipeline.Headers], or ``http.server``'s ``self.headers``.
    """

    def items(self) -> Iterable[tuple[str, Any]]:
        """The (name, value) pairs."""
        ...


# ---- signatures ---------------------------------------------------------------------------


def _key(secret: str | Secret) -> bytes:
    """The HMAC key: the whole secret (``whsec_`` prefix included), UTF-8 encoded.

    A plain ``str`` is used as is; pass a [Secret][heygen_pipeline.Secret] to also have it
    scrubbed from everything the library renders (this function registers nothing itself).
    """
    if isinstance(secret, Secret):
        value = secret.reveal()
    elif isinstance(secret, str):
        value = secret
    else:
        msg = f"the webhook secret must be a str or Secret, not {type(secret).__name__}"
        raise TypeError(msg)
    if not value:
        raise ConfigurationError("the webhook secret is empty; use the endpoint's secret")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigurationError("the webhook secret is not valid text (lone surrogates)") from None


def _body(raw_body: bytes | bytearray | memoryview) -> bytes:
    if isinstance(raw_body, str):
        msg = "pass the raw request body as bytes, not decoded text (decoding can change it)"
        raise TypeError(msg)
    if not isinstance(raw_body, (bytes, bytearray, memoryview)):
        msg = f"the raw body must be bytes, not {type(raw_body).__name__}"
        raise TypeError(msg)
    return bytes(raw_body)


def sign_webhook(raw_body: bytes | bytearray | memoryview, secret: str | Secret) -> str:
    """The signature HeyGen would send for ``raw_body``: lowercase hex HMAC-SHA256.

    Useful to test your receiver, and what `verify_webhook` compares against.
    """
    return hmac.new(_key(secret), _body(raw_body), hashlib.sha256).hexdigest()


def verify_webhook(
    raw_body: bytes | bytearray | memoryview, signature: str | None, secret: str | Secret
) -> bool:
    """Whether ``signature`` is the HMAC-SHA256 of ``raw_body`` under ``secret``.

    The signature is hex, in either case, optionally prefixed ``sha256=`` and surrounded by
    spaces. A missing, empty or malformed signature is simply not valid (False); the
    comparison takes constant time. Wrong argument types (a ``str`` body, above all) and an
    empty secret raise at once: they are bugs in the receiver, not forged requests.
    """
    expected = sign_webhook(raw_body, secret)
    if signature is None:
        return False
    if not isinstance(signature, str):
        msg = f"the signature must be a str (the header's value), not {type(signature).__name__}"
        raise TypeError(msg)
    candidate = signature.strip()
    if candidate[: len(_PREFIX)].lower() == _PREFIX:
        candidate = candidate[len(_PREFIX) :]
    if not _HEX_DIGEST.fullmatch(candidate):
        return False
    return hmac.compare_digest(candidate.lower(), expected)


def _header_value(headers: HeaderSource, header: str) -> str | None:
    """The first value of ``header`` (any case) in ``headers``, or None."""
    wanted = header.lower()
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == wanted:
            return value if isinstance(value, str) else None
    return None


def verify_request(
    headers: HeaderSource | Mapping[str, str],
    raw_body: bytes | bytearray | memoryview,
    secret: str | Secret,
    *,
    header: str = DEFAULT_SIGNATURE_HEADER,
) -> bool:
    """`verify_webhook` with the signature read from ``headers[header]`` (any case).

    A request without the header is not valid (False).
    """
    return verify_webhook(raw_body, _header_value(headers, header), secret)


# ---- events -------------------------------------------------------------------------------


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

    Subclasses add typed fields for the documented event types; every field HeyGen omits or
    sends empty is None, and fields it adds stay reachable in ``data``.
    """

    EVENT_TYPE: ClassVar[str] = ""
    """The ``event_type`` this class parses ("" for the base and `UnknownEvent`)."""
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Each typed field and the ``event_data`` keys it is read from, first found wins."""

    event_type: str
    """The ``event_type`` of the payload."""
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen, repr=False, hash=False)
    """``event_data`` as received (read-only); empty when absent or not an object."""
    raw: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen, repr=False, hash=False)
    """The whole payload as received (read-only)."""

    @property
    def succeeded(self) -> bool | None:
        """True for a ``.success`` event, False for a ``.fail`` one, None when neither."""
        suffix = self.event_type.rpartition(".")[2]
        return {"success": True, "fail": False}.get(suffix)

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
            data=event_data,
            raw=payload,
            **fields,
        )


@attrs.frozen(kw_only=True)
class AvatarVideoSuccess(WebhookEvent):
    """``avatar_video.success``: a video finished rendering."""

    EVENT_TYPE: ClassVar[str] = "avatar_video.success"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "video_id": ("video_id",),
        "url": ("url",),
        "callback_id": ("callback_id",),
    }

    video_id: str | None = None
    """The video's id."""
    url: str | None = None
    """A signed link to the video on HeyGen's CDN (expires; no key needed to download)."""
    callback_id: str | None = None
    """The ``callback_id`` you gave when creating the video."""


@attrs.frozen(kw_only=True)
class AvatarVideoFail(WebhookEvent):
    """``avatar_video.fail``: a video failed to render; the reason is HeyGen's ``msg``."""

    EVENT_TYPE: ClassVar[str] = "avatar_video.fail"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "video_id": ("video_id",),
        "message": ("msg", "message"),
        "callback_id": ("callback_id",),
    }

    video_id: str | None = None
    """The video's id."""
    message: str | None = None
    """Why it failed (``msg``, or ``message`` if only that is sent); None when not given."""
    callback_id: str | None = None
    """The ``callback_id`` you gave when creating the video."""


@attrs.frozen(kw_only=True)
class AvatarVideoGifSuccess(AvatarVideoSuccess):
    """``avatar_video_gif.success``: the GIF output is ready (same fields as the video's)."""

    EVENT_TYPE: ClassVar[str] = "avatar_video_gif.success"


@attrs.frozen(kw_only=True)
class AvatarVideoGifFail(AvatarVideoFail):
    """``avatar_video_gif.fail``: the GIF output failed (same fields as the video's)."""

    EVENT_TYPE: ClassVar[str] = "avatar_video_gif.fail"


@attrs.frozen(kw_only=True)
class VideoTranslateSuccess(WebhookEvent):
    """``video_translate.success``: a translated video is ready."""

    EVENT_TYPE: ClassVar[str] = "video_translate.success"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "video_translate_id": ("video_translate_id",),
        "url": ("url",),
        "output_language": ("output_language",),
        "callback_id": ("callback_id",),
    }

    video_translate_id: str | None = None
    """The translation job's id."""
    url: str | None = None
    """A signed link to the translated video."""
    output_language: str | None = None
    """The language translated into."""
    callback_id: str | None = None
    """The ``callback_id`` you gave when creating the translation."""


@attrs.frozen(kw_only=True)
class VideoTranslateFail(WebhookEvent):
    """``video_translate.fail``: a translation failed; the reason is HeyGen's ``message``."""

    EVENT_TYPE: ClassVar[str] = "video_translate.fail"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "video_translate_id": ("video_translate_id",),
        "message": ("message", "msg"),
        "output_language": ("output_language",),
        "callback_id": ("callback_id",),
    }

    video_translate_id: str | None = None
    """The translation job's id."""
    message: str | None = None
    """Why it failed (``message``, or ``msg`` if only that is sent); None when not given."""
    output_language: str | None = None
    """The language it was translating into."""
    callback_id: str | None = None
    """The ``callback_id`` you gave when creating the translation."""


@attrs.frozen(kw_only=True)
class PersonalizedVideo(WebhookEvent):
    """``personalized_video``: a personalized video was generated."""

    EVENT_TYPE: ClassVar[str] = "personalized_video"
    _SOURCES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "project_id": ("project_id",),
        "video_id": ("video_id",),
        "video_url": ("video_url",),
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
class UnknownEvent(WebhookEvent):
    """An event type this version does not model: ``event_type``, ``data`` and ``raw`` only."""


EVENT_CLASSES: Final[Mapping[str, type[WebhookEvent]]] = MappingProxyType(
    {
        cls.EVENT_TYPE: cls
        for cls in (
            AvatarVideoSuccess,
            AvatarVideoFail,
            AvatarVideoGifSuccess,
            AvatarVideoGifFail,
            VideoTranslateSuccess,
            VideoTranslateFail,
            PersonalizedVideo,
        )
    }
)
"""The typed event class for each documented ``event_type``."""


def parse_event(raw_body: bytes | bytearray | memoryview | str) -> WebhookEvent:
    """Decode a webhook body into the typed event for its ``event_type``.

    Unknown types become an `UnknownEvent`; missing, null or extra fields are tolerated.
    Raises [WebhookPayloadError][heygen_pipeline.WebhookPayloadError] when the body is not
    UTF-8 JSON, not an object, or has no string ``event_type``. It does not check the
    signature: call `verify_webhook` first, or use `verified_event`.
    """
    text: str
    if isinstance(raw_body, str):
        text = raw_body
    else:
        try:
            text = _body(raw_body).decode("utf-8")
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
    event_type = payload.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise WebhookPayloadError("the webhook body has no event_type")
    return EVENT_CLASSES.get(event_type, UnknownEvent).from_payload(payload)


def verified_event(
    headers: HeaderSource | Mapping[str, str],
    raw_body: bytes | bytearray | memoryview,
    secret: str | Secret,
    *,
    header: str = DEFAULT_SIGNATURE_HEADER,
) -> WebhookEvent:
    """Verify the request's signature, then parse its body.

    Raises [WebhookSignatureError][heygen_pipeline.WebhookSignatureError] when the signature
    header is missing or wrong (answer 401), before the body is even decoded, and
    [WebhookPayloadError][heygen_pipeline.WebhookPayloadError] when the signed body is not an
    event (answer 400).
    """
    signature = _header_value(headers, header)
    if signature is None:
        raise WebhookSignatureError(f"the request has no {header} header")
    if not verify_webhook(raw_body, signature, secret):
        raise WebhookSignatureError(f"the {header} header does not match the body")
    return parse_event(raw_body)
