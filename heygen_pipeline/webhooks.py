"""Receiving HeyGen webhooks: authenticate the delivery, then parse the event into a typed value.

HeyGen POSTs a JSON payload ``{"event_type": ..., "event_data": {...}}``. Two kinds of
delivery reach a receiver, and they are authenticated differently:

- **registered endpoints** (``client.webhook_endpoints.create``) get signed deliveries:
  an HMAC-SHA256 of the **raw** body keyed with the endpoint's secret (``whsec_...``), hex
  encoded, in a ``Signature`` header. HeyGen does not document the header's name or
  encoding, so both are configurable (`SignatureScheme`, ``header=``), and the common
  variants are accepted (either hex case, a ``sha256=`` prefix, base64, a timestamped
  ``"{timestamp}.{body}"`` message with a replay window). Use `verified_event`.
- **per-job ``callback_url`` deliveries** (the ``callback_url`` of a video, translation,
  template render...) are *not signed* (HeyGen's spec says so): authenticate them by the
  ``callback_id`` you chose, echoed in the payload, with `callback_event`, and re-read the
  job from the API before trusting what the body says.

`receive_event` takes either kind at one URL. Every check raises a typed error:
[WebhookSignatureError][heygen_pipeline.WebhookSignatureError] (answer 401) for a delivery
that is not authentic, [WebhookPayloadError][heygen_pipeline.WebhookPayloadError] (answer
400, or 413 for a body over the size limit) for one that is not an event.

Always verify the bytes as received, before decoding them: re-serialised JSON does not
produce the same signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal, Protocol

import attrs

from heygen_pipeline._checks import count, seconds
from heygen_pipeline._redact import Secret
from heygen_pipeline._webhook_events import (
    EVENT_CLASSES,
    EVENT_TYPES,
    AvatarVideoCaptionFail,
    AvatarVideoCaptionSuccess,
    AvatarVideoFail,
    AvatarVideoGifFail,
    AvatarVideoGifSuccess,
    AvatarVideoSuccess,
    JobEvent,
    PersonalizedVideo,
    UnknownEvent,
    VideoTranslateFail,
    VideoTranslatePreflightFail,
    VideoTranslateSuccess,
    WebhookEvent,
    parse_event,
)
from heygen_pipeline.errors import ConfigurationError, WebhookPayloadError, WebhookSignatureError

__all__ = [
    "DEFAULT_SIGNATURE_HEADER",
    "DEFAULT_TOLERANCE",
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "MAX_WEBHOOK_BODY",
    "SIGNATURE_HEADERS",
    "AvatarVideoCaptionFail",
    "AvatarVideoCaptionSuccess",
    "AvatarVideoFail",
    "AvatarVideoGifFail",
    "AvatarVideoGifSuccess",
    "AvatarVideoSuccess",
    "HeaderSource",
    "JobEvent",
    "PersonalizedVideo",
    "SignatureScheme",
    "UnknownEvent",
    "VideoTranslateFail",
    "VideoTranslatePreflightFail",
    "VideoTranslateSuccess",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "callback_event",
    "new_callback_id",
    "parse_event",
    "receive_event",
    "sign_webhook",
    "verified_event",
    "verify_request",
    "verify_webhook",
]

DEFAULT_SIGNATURE_HEADER: Final = "Signature"
"""The header that carries the signature (UNCONFIRMED upstream: pass ``header=`` to change it)."""
SIGNATURE_HEADERS: Final = ("Signature", "X-Signature", "X-HeyGen-Signature", "HeyGen-Signature")
"""Header names receivers of HeyGen's webhooks read; ``header=SIGNATURE_HEADERS`` takes any."""
MAX_WEBHOOK_BODY: Final = 1024 * 1024
"""The largest body accepted by default (1 MiB): HeyGen's events are a few hundred bytes."""
DEFAULT_TOLERANCE: Final = 300.0
"""How far (seconds) a signed timestamp may be from now, for timestamped schemes."""

_PREFIX: Final = "sha256="
_HEX_DIGEST: Final = re.compile(r"[0-9a-fA-F]{64}")
_B64_DIGEST: Final = re.compile(r"[A-Za-z0-9+/_-]{43}=?")
_DIGEST_BYTES: Final = 32


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


def _headers(value: str | Iterable[str]) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        msg = f"header must be a header name or a list of names, not {value!r}"
        raise ValueError(msg)
    return names


def _encoding(value: str) -> str:
    if value not in ("hex", "base64"):
        msg = f"encoding must be 'hex' or 'base64', not {value!r}"
        raise ValueError(msg)
    return value


def _tolerance(value: float) -> float:
    return seconds("tolerance", value, positive=True, finite=True)


def _decoded(candidate: str, encoding: str) -> bytes | None:
    """The digest a signature value carries, or None when it is not one."""
    if candidate[: len(_PREFIX)].lower() == _PREFIX:
        candidate = candidate[len(_PREFIX) :]
    if encoding == "hex":
        return bytes.fromhex(candidate) if _HEX_DIGEST.fullmatch(candidate) else None
    if not _B64_DIGEST.fullmatch(candidate):
        return None
    padded = candidate.rstrip("=") + "="
    try:
        digest = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == _DIGEST_BYTES else None


@attrs.frozen(kw_only=True)
class SignatureScheme:
    """How a delivery's signature is made and where it travels.

    The default is what receivers of HeyGen's webhooks verify: the hex HMAC-SHA256 of the raw
    body under the endpoint secret, in the ``Signature`` header. Every part is configurable
    because HeyGen does not document them:

    Attributes:
        header: the header name, or several names (the first one present is read).
        encoding: ``"hex"`` (either case) or ``"base64"`` (standard or URL-safe alphabet).
            A ``sha256=`` prefix is accepted in both.
        timestamp_header: when set, the signed message is ``"{timestamp}.{body}"`` with the
            timestamp (Unix seconds) from this header, and a delivery whose timestamp is more
            than ``tolerance`` seconds from ``clock()`` is refused (a replay window).
        tolerance: the replay window, in seconds (only with ``timestamp_header``).
        clock: the current Unix time (injected in tests).
    """

    header: tuple[str, ...] = attrs.field(default=(DEFAULT_SIGNATURE_HEADER,), converter=_headers)
    encoding: Literal["hex", "base64"] = "hex"
    timestamp_header: str | None = None
    tolerance: float = attrs.field(default=DEFAULT_TOLERANCE, converter=_tolerance)
    clock: Callable[[], float] = attrs.field(default=time.time, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        """Check the encoding and the timestamp header's name."""
        _encoding(self.encoding)
        if self.timestamp_header is not None:
            _headers(self.timestamp_header)

    def message(self, raw_body: bytes | bytearray | memoryview, timestamp: str | None) -> bytes:
        """The bytes the signature covers: the body, or ``"{timestamp}.{body}"``."""
        body = _body(raw_body)
        if self.timestamp_header is None:
            return body
        return f"{timestamp}.".encode() + body

    def sign(
        self,
        raw_body: bytes | bytearray | memoryview,
        secret: str | Secret,
        *,
        timestamp: str | None = None,
    ) -> str:
        """The header value HeyGen would send under this scheme (to test a receiver)."""
        if self.timestamp_header is not None and timestamp is None:
            timestamp = str(int(self.clock()))
        digest = hmac.new(_key(secret), self.message(raw_body, timestamp), hashlib.sha256)
        if self.encoding == "hex":
            return digest.hexdigest()
        return base64.b64encode(digest.digest()).decode("ascii")

    def problem(
        self,
        headers: HeaderSource | Mapping[str, str],
        raw_body: bytes | bytearray | memoryview,
        secret: str | Secret,
    ) -> str | None:
        """Why the request's signature is not valid, or None when it is."""
        key, body = _key(secret), _body(raw_body)
        names = " or ".join(self.header)
        signature = next(
            (v for v in (_header_value(headers, n) for n in self.header) if v is not None), None
        )
        if signature is None:
            return f"the request has no {names} header"
        timestamp = None
        if self.timestamp_header is not None:
            timestamp = _header_value(headers, self.timestamp_header)
            stale = self._stale(timestamp)
            if stale:
                return stale
        if not _matches(key, self.message(body, timestamp), signature, self.encoding):
            return f"the {names} header does not match the body"
        return None

    def _stale(self, timestamp: str | None) -> str | None:
        name = self.timestamp_header
        if timestamp is None:
            return f"the request has no {name} header"
        value = timestamp.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 12:  # noqa: PLR2004
            return f"the {name} header is not a Unix time"
        if abs(self.clock() - int(value)) > self.tolerance:
            return f"the {name} header is outside the {self.tolerance:g} s replay window"
        return None


_DEFAULT_SCHEME: Final = SignatureScheme()
"""The default scheme: hex HMAC-SHA256 of the raw body in ``Signature``."""


def _matches(key: bytes, message: bytes, signature: object, encoding: str) -> bool:
    if not isinstance(signature, str):
        msg = f"the signature must be a str (the header's value), not {type(signature).__name__}"
        raise TypeError(msg)
    expected = hmac.new(key, message, hashlib.sha256).digest()
    given = _decoded(signature.strip(), encoding)
    if given is None:
        return False
    return hmac.compare_digest(given, expected)


def sign_webhook(raw_body: bytes | bytearray | memoryview, secret: str | Secret) -> str:
    """The signature HeyGen would send for ``raw_body``: lowercase hex HMAC-SHA256.

    Useful to test your receiver, and what `verify_webhook` compares against
    (`SignatureScheme.sign` signs under other schemes).
    """
    return hmac.new(_key(secret), _body(raw_body), hashlib.sha256).hexdigest()


def verify_webhook(
    raw_body: bytes | bytearray | memoryview,
    signature: str | None,
    secret: str | Secret,
    *,
    encoding: Literal["hex", "base64"] = "hex",
) -> bool:
    """Whether ``signature`` is the HMAC-SHA256 of ``raw_body`` under ``secret``.

    The signature is hex in either case (or base64 with ``encoding="base64"``), optionally
    prefixed ``sha256=`` and surrounded by spaces. A missing, empty or malformed signature is
    simply not valid (False); the comparison takes constant time. Wrong argument types (a
    ``str`` body, above all) and an empty secret raise at once: they are bugs in the
    receiver, not forged requests.
    """
    key, body = _key(secret), _body(raw_body)
    _encoding(encoding)
    if signature is None:
        return False
    return _matches(key, body, signature, encoding)


def _header_value(headers: HeaderSource | Mapping[str, str], header: str) -> str | None:
    """The first value of ``header`` (any case) in ``headers``, or None."""
    wanted = header.lower()
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == wanted:
            return value if isinstance(value, str) else None
    return None


def _scheme(header: str | Iterable[str] | None, scheme: SignatureScheme | None) -> SignatureScheme:
    chosen = _DEFAULT_SCHEME if scheme is None else scheme
    if not isinstance(chosen, SignatureScheme):
        msg = f"scheme must be a SignatureScheme, not {type(chosen).__name__}"
        raise TypeError(msg)
    return chosen if header is None else attrs.evolve(chosen, header=_headers(header))


def verify_request(
    headers: HeaderSource | Mapping[str, str],
    raw_body: bytes | bytearray | memoryview,
    secret: str | Secret,
    *,
    header: str | Iterable[str] | None = None,
    scheme: SignatureScheme | None = None,
) -> bool:
    """Whether the request's signature (from ``headers``, any case) matches its body.

    ``header`` names the signature header (or several: `SIGNATURE_HEADERS`), overriding the
    scheme's; ``scheme`` sets the rest (encoding, timestamp and replay window). A request
    without the header is not valid (False).
    """
    return _scheme(header, scheme).problem(headers, raw_body, secret) is None


def _bounded(raw_body: bytes | bytearray | memoryview, max_body: int) -> bytes:
    body = _body(raw_body)
    count("max_body", max_body)
    if len(body) > max_body:
        msg = f"the webhook body is {len(body)} bytes, over the {max_body}-byte limit"
        raise WebhookPayloadError(msg)
    return body


def verified_event(
    headers: HeaderSource | Mapping[str, str],
    raw_body: bytes | bytearray | memoryview,
    secret: str | Secret,
    *,
    header: str | Iterable[str] | None = None,
    scheme: SignatureScheme | None = None,
    max_body: int = MAX_WEBHOOK_BODY,
) -> WebhookEvent:
    """Verify a signed delivery (registered endpoints), then parse its body.

    Raises [WebhookSignatureError][heygen_pipeline.WebhookSignatureError] when the signature
    header is missing or wrong, or a timestamped scheme's timestamp is outside its window
    (answer 401), before the body is even decoded, and
    [WebhookPayloadError][heygen_pipeline.WebhookPayloadError] when the body is over
    ``max_body`` bytes (before computing anything) or the signed body is not an event.
    """
    body = _bounded(raw_body, max_body)
    problem = _scheme(header, scheme).problem(headers, body, secret)
    if problem is not None:
        raise WebhookSignatureError(problem)
    return attrs.evolve(parse_event(body), verified_by="signature")


def _expected_ids(callback_id: str | Iterable[str]) -> tuple[bytes, ...]:
    ids = (callback_id,) if isinstance(callback_id, str) else tuple(callback_id)
    if not ids or not all(isinstance(i, str) and i.strip() for i in ids):
        msg = "callback_id must be the non-empty callback_id (or ids) you sent with the job"
        raise ValueError(msg)
    return tuple(i.encode("utf-8", "surrogatepass") for i in ids)


def callback_event(
    raw_body: bytes | bytearray | memoryview,
    callback_id: str | Iterable[str],
    *,
    max_body: int = MAX_WEBHOOK_BODY,
) -> WebhookEvent:
    """Accept an unsigned per-job ``callback_url`` delivery by its echoed ``callback_id``.

    HeyGen does not sign these (its spec: "authenticate them by verifying TLS and matching
    the echoed callback_id, and do not trust an unverified body"). ``callback_id`` is the id
    you sent with the job, or the ids of every job you are waiting for; the payload's
    ``callback_id`` must be one of them (compared in constant time). Choose unguessable ids
    (`new_callback_id`), and re-read the job from the API (``client.videos.get(...)``)
    before acting on what the body says. The event's ``verified_by`` is ``"callback_id"``.

    Raises [WebhookSignatureError][heygen_pipeline.WebhookSignatureError] when the payload
    has no ``callback_id`` or one you did not issue (answer 401), and
    [WebhookPayloadError][heygen_pipeline.WebhookPayloadError] for a body over ``max_body``
    or not an event.
    """
    expected = _expected_ids(callback_id)
    event = parse_event(_bounded(raw_body, max_body))
    echoed = event.callback_id
    if echoed is None:
        raise WebhookSignatureError("the unsigned delivery carries no callback_id")
    given = echoed.encode("utf-8", "surrogatepass")
    found = False
    for candidate in expected:  # every candidate compared: the time says nothing of which
        found |= hmac.compare_digest(given, candidate)
    if not found:
        raise WebhookSignatureError("the unsigned delivery's callback_id is not one you issued")
    return attrs.evolve(event, verified_by="callback_id")


def receive_event(
    headers: HeaderSource | Mapping[str, str],
    raw_body: bytes | bytearray | memoryview,
    *,
    secret: str | Secret | None = None,
    callback_ids: str | Iterable[str] | None = None,
    header: str | Iterable[str] | None = None,
    scheme: SignatureScheme | None = None,
    max_body: int = MAX_WEBHOOK_BODY,
) -> WebhookEvent:
    """One URL for both kinds of delivery: signed ones by ``secret``, unsigned by callback id.

    A request carrying the signature header is verified with ``secret`` (`verified_event`)
    and never falls back to the callback id: a wrong signature is forged. A request without
    it is a per-job ``callback_url`` delivery, accepted only when ``callback_ids`` is given
    and the payload echoes one of them (`callback_event`); otherwise it is refused as
    unsigned. Raises as those two functions do, and
    [ConfigurationError][heygen_pipeline.ConfigurationError] when neither ``secret`` nor
    ``callback_ids`` is given, or a signed request arrives with no ``secret`` to check it.
    """
    if secret is None and callback_ids is None:
        raise ConfigurationError("receive_event needs a secret, callback_ids, or both")
    chosen = _scheme(header, scheme)
    signed = any(_header_value(headers, name) is not None for name in chosen.header)
    if signed:
        if secret is None:
            msg = "a signed delivery arrived but no secret was given to verify it"
            raise ConfigurationError(msg)
        return verified_event(headers, raw_body, secret, scheme=chosen, max_body=max_body)
    if callback_ids is None:
        raise WebhookSignatureError(f"the request has no {' or '.join(chosen.header)} header")
    return callback_event(raw_body, callback_ids, max_body=max_body)


def new_callback_id() -> str:
    """A fresh, unguessable ``callback_id`` (32 random URL-safe characters) for a job."""
    return secrets.token_urlsafe(24)
