"""``client.webhook_endpoints``: HeyGen's v3 webhooks (endpoints, secrets, event types, events).

Verifying and parsing the events HeyGen then sends is `heygen_pipeline.webhooks`' job. The
legacy v1 endpoint calls stay, named ``*_v1``.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from heygen_pipeline._webhook_events import EVENT_TYPES
from heygen_pipeline.resources._base import Resource, drop_none, path_id
from heygen_pipeline.resources._checks import check_limit, optional_text, required_text
from heygen_pipeline.resources._fields import items
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results_webhooks import (
    WebhookEndpoint,
    WebhookEventRecord,
    WebhookEventType,
    WebhookSecret,
)

__all__ = ["ENDPOINTS_LIMIT", "EVENTS_LIMIT", "WebhookEndpoints"]

ENDPOINTS_LIMIT: Final = 100
"""The ``limit`` maximum of ``GET /v3/webhooks/endpoints``."""
EVENTS_LIMIT: Final = 100
"""The ``limit`` maximum of ``GET /v3/webhooks/events``."""
_ENDPOINTS: Final = "/v3/webhooks/endpoints"


def _event_type(value: object, what: str) -> str:
    name = required_text(value, what)
    if name not in EVENT_TYPES:
        msg = f"{what}: {name!r} is not a webhook event type (see EVENT_TYPES)"
        raise ValueError(msg)
    return name


def _events(events: Sequence[str] | None, *, check: bool = True) -> builtins.list[str] | None:
    if events is None:
        return None
    if isinstance(events, str) or not isinstance(events, Sequence):
        msg = "events must be a list of event types, such as ['avatar_video.success']"
        raise TypeError(msg)
    if not check:
        return builtins.list(events)
    return [_event_type(e, "events") for e in events]


def _endpoint(endpoint_id: str) -> str:
    return f"{_ENDPOINTS}/{path_id(endpoint_id, 'endpoint_id')}"


class WebhookEndpoints(Resource):
    """The URLs HeyGen calls when jobs finish (``avatar_video.success`` and the rest)."""

    __slots__ = ()

    @operation("POST /v3/webhooks/endpoints", model=WebhookEndpoint)
    def create(
        self,
        url: str,
        *,
        events: Sequence[str] | None = None,
        entity_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> WebhookEndpoint:
        """Register ``url`` (``POST /v3/webhooks/endpoints``); ``events=None`` means all.

        The result carries the signing ``secret`` (``whsec_...``): store it, HeyGen shows it
        only now (`rotate_secret` makes a new one). HeyGen checks the URL with an ``OPTIONS``
        request that must answer within a second.

        Args:
            url: the public HTTPS URL HeyGen will POST events to.
            events: the event types to receive (each one of `EVENT_TYPES`); None: all.
            entity_id: scope the endpoint to one resource (a personalized video project).
            idempotency_key: the request's ``Idempotency-Key`` (default: a fresh one).
        """
        body = drop_none(
            url=required_text(url, "url"),
            events=_events(events),
            entity_id=optional_text(entity_id, "entity_id"),
        )
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        return WebhookEndpoint.from_api(self._client.post(_ENDPOINTS, json=body, **options))

    def add(
        self,
        url: str,
        *,
        events: Sequence[str] | None = None,
        entity_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> WebhookEndpoint:
        """The same as `create` (its earlier name)."""
        return self.create(url, events=events, entity_id=entity_id, idempotency_key=idempotency_key)

    @operation("GET /v3/webhooks/endpoints", model=WebhookEndpoint)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[WebhookEndpoint]:
        """Every endpoint (``GET /v3/webhooks/endpoints``), lazily; secrets are not listed.

        ``page_size`` is 1-100 (`ENDPOINTS_LIMIT`); ``max_pages`` stops early.
        """
        check_limit(page_size, ENDPOINTS_LIMIT)
        pages = paginate(self._client, _ENDPOINTS, page_size=page_size, max_pages=max_pages)
        return (WebhookEndpoint.from_api(item) for item in pages)

    @operation("PATCH /v3/webhooks/endpoints/{endpoint_id}", model=WebhookEndpoint)
    def update(
        self,
        endpoint_id: str,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
    ) -> WebhookEndpoint:
        """Change an endpoint's URL and/or its event types (``PATCH``).

        ``events`` replaces the whole list (include every type to keep); what is left as None
        is not changed. At least one of the two must be given.
        """
        path = _endpoint(endpoint_id)
        body: dict[str, Any] = drop_none(url=optional_text(url, "url"), events=_events(events))
        if not body:
            msg = "update needs url or events (nothing to change was given)"
            raise ValueError(msg)
        return WebhookEndpoint.from_api(self._client.patch(path, json=body))

    @operation("DELETE /v3/webhooks/endpoints/{endpoint_id}")
    def delete(self, endpoint_id: str) -> None:
        """Remove an endpoint (``DELETE /v3/webhooks/endpoints/{endpoint_id}``)."""
        self._client.delete(_endpoint(endpoint_id))

    @operation("POST /v3/webhooks/endpoints/{endpoint_id}/rotate-secret", model=WebhookSecret)
    def rotate_secret(
        self, endpoint_id: str, *, idempotency_key: str | None = None
    ) -> WebhookSecret:
        """A new signing secret for the endpoint; the old one stops working at once."""
        path = f"{_endpoint(endpoint_id)}/rotate-secret"
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        return WebhookSecret.from_api(self._client.post(path, **options))

    @operation("GET /v3/webhooks/event-types", model=WebhookEventType)
    def event_types(self) -> builtins.list[WebhookEventType]:
        """Every event type an endpoint can subscribe to, with HeyGen's description."""
        pages = paginate(self._client, "/v3/webhooks/event-types")
        return [WebhookEventType.from_api(item) for item in pages]

    @operation("GET /v3/webhooks/events", model=WebhookEventRecord)
    def events(
        self,
        *,
        event_type: str | None = None,
        entity_id: str | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[WebhookEventRecord]:
        """The events HeyGen delivered (``GET /v3/webhooks/events``), newest first, lazily.

        Args:
            event_type: only events of this type (one of `EVENT_TYPES`).
            entity_id: only events about this resource.
            page_size: 1-100 (`EVENTS_LIMIT`).
            max_pages: stop after this many pages.
        """
        params = drop_none(
            event_type=None if event_type is None else _event_type(event_type, "event_type"),
            entity_id=optional_text(entity_id, "entity_id"),
        )
        check_limit(page_size, EVENTS_LIMIT)
        pages = paginate(
            self._client,
            "/v3/webhooks/events",
            params=params,
            page_size=page_size,
            max_pages=max_pages,
        )
        return (WebhookEventRecord.from_api(item) for item in pages)

    # ---- legacy v1 ------------------------------------------------------------------------

    def add_v1(self, url: str, *, events: Sequence[str] | None = None) -> WebhookEndpoint:
        """Register ``url`` with the legacy ``POST /v1/webhook/endpoint.add``."""
        body = drop_none(url=url, events=_events(events, check=False))
        return WebhookEndpoint.from_api(self._client.post("/v1/webhook/endpoint.add", json=body))

    def list_v1(self) -> builtins.list[WebhookEndpoint]:
        """Every endpoint from the legacy ``GET /v1/webhook/endpoint.list``."""
        data = self._client.get("/v1/webhook/endpoint.list")
        key = "endpoints" if isinstance(data, Mapping) else None  # a bare list, or wrapped
        return [
            WebhookEndpoint.from_api(item) for item in items(data, key, "/v1/webhook/endpoint.list")
        ]

    def delete_v1(self, endpoint_id: str) -> None:
        """Remove an endpoint with the legacy ``DELETE /v1/webhook/endpoint.delete``."""
        path_id(endpoint_id, "endpoint_id")
        self._client.delete("/v1/webhook/endpoint.delete", params={"endpoint_id": endpoint_id})
