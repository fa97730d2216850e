"""Result models of ``client.webhook_endpoints``: endpoints, secrets, event types, events.

Tolerant like every model here (a field HeyGen drops or sends empty is ``None``), with the
whole object in ``raw``. Secrets never show in a repr and are registered with the library's
scrubbing as soon as they are read, so no log line or error message can carry them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from heygen_pipeline._redact import register_secret
from heygen_pipeline._webhook_events import WebhookEvent, event_from_payload
from heygen_pipeline.resources import _fields as f

__all__ = ["WebhookEndpoint", "WebhookEventRecord", "WebhookEventType", "WebhookSecret"]


def _secret(raw: Mapping[str, Any]) -> str | None:
    secret = f.text(raw, "secret")
    if secret is not None:
        register_secret(secret)
    return secret


@attrs.frozen(kw_only=True)
class WebhookEndpoint:
    """A registered webhook endpoint (v3, or the legacy v1 shape).

    ``secret`` (``whsec_...``) signs the events sent to it; HeyGen returns it only when the
    endpoint is created (and by `WebhookEndpoints.rotate_secret`); lists give ``None``.
    ``events`` is empty when the endpoint receives every event type.
    """

    id: str | None = None
    url: str | None = None
    status: str | None = None
    """``enabled`` or ``disabled``."""
    events: tuple[str, ...] = ()
    secret: str | None = attrs.field(default=None, repr=False)
    created_at: datetime | None = None
    entity_id: str | None = None
    """The resource the endpoint is scoped to, when HeyGen says."""
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent (the secret included)."""

    @property
    def all_events(self) -> bool:
        """Whether the endpoint receives every event type (HeyGen's ``events: null``)."""
        return not self.events

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WebhookEndpoint:
        """Read a v1 or v3 endpoint object."""
        raw = f.obj(data, "a webhook endpoint")
        return cls(
            id=f.text(raw, "endpoint_id", "id"),
            url=f.text(raw, "url"),
            status=f.text(raw, "status"),
            events=f.all_strings(raw.get("events")),
            secret=_secret(raw),
            created_at=f.when(raw, "created_at"),
            entity_id=f.text(raw, "entity_id"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class WebhookSecret:
    """A new signing secret (``POST /v3/webhooks/endpoints/{endpoint_id}/rotate-secret``).

    The old secret stops working at once; HeyGen shows this one only now.
    """

    endpoint_id: str | None = None
    secret: str | None = attrs.field(default=None, repr=False)
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent (the secret included)."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WebhookSecret:
        """Read the rotation's answer."""
        raw = f.obj(data, "a rotated webhook secret")
        return cls(endpoint_id=f.text(raw, "endpoint_id", "id"), secret=_secret(raw), raw=raw)


@attrs.frozen(kw_only=True)
class WebhookEventType:
    """An event type an endpoint can subscribe to, with HeyGen's description of it."""

    event_type: str | None = None
    description: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WebhookEventType:
        """Read one entry of ``GET /v3/webhooks/event-types``."""
        raw = f.obj(data, "a webhook event type")
        return cls(
            event_type=f.text(raw, "event_type", "name"),
            description=f.text(raw, "description"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class WebhookEventRecord:
    """A delivered event, as ``GET /v3/webhooks/events`` lists it.

    `event` gives it as the typed event a receiver would have parsed (`heygen_pipeline.webhooks`).
    """

    event_id: str | None = None
    event_type: str | None = None
    event_data: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @property
    def event(self) -> WebhookEvent | None:
        """The typed event (`AvatarVideoSuccess`, `JobEvent`, ...); None without a type."""
        if not self.event_type:
            return None
        return event_from_payload({**self.raw, "event_type": self.event_type})

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WebhookEventRecord:
        """Read one entry of ``GET /v3/webhooks/events``."""
        raw = f.obj(data, "a webhook event")
        return cls(
            event_id=f.text(raw, "event_id", "id"),
            event_type=f.text(raw, "event_type"),
            event_data=f.mapping(raw, "event_data"),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )
