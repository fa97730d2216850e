"""``client.webhook_endpoints``: register, list and remove webhook endpoints (v3 and v1).

Verifying and parsing the events HeyGen then sends is `heygen_pipeline.webhooks`' job.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence

from heygen_pipeline.resources._base import Resource, drop_none, path_id
from heygen_pipeline.resources._fields import items
from heygen_pipeline.resources._models import WebhookEndpoint
from heygen_pipeline.resources._paging import paginate

__all__ = ["WebhookEndpoints"]


def _events(events: Sequence[str] | None) -> builtins.list[str] | None:
    if events is None:
        return None
    if isinstance(events, str):
        msg = "events must be a list of event types, such as ['avatar_video.success']"
        raise TypeError(msg)
    return builtins.list(events)


class WebhookEndpoints(Resource):
    """The URLs HeyGen calls when jobs finish (``avatar_video.success`` and the rest)."""

    __slots__ = ()

    def add(
        self,
        url: str,
        *,
        events: Sequence[str] | None = None,
        entity_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> WebhookEndpoint:
        """Register ``url`` (``POST /v3/webhooks/endpoints``); ``events=None`` means all.

        The result carries the signing ``secret`` (``whsec_...``): store it, HeyGen shows it
        only now. HeyGen checks the URL with an ``OPTIONS`` request that must answer within a
        second.
        """
        body = drop_none(url=url, events=_events(events), entity_id=entity_id)
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        data = self._client.post("/v3/webhooks/endpoints", json=body, **options)
        return WebhookEndpoint.from_api(data)

    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[WebhookEndpoint]:
        """Every endpoint (``GET /v3/webhooks/endpoints``), lazily; secrets are not listed."""
        pages = paginate(
            self._client, "/v3/webhooks/endpoints", page_size=page_size, max_pages=max_pages
        )
        return (WebhookEndpoint.from_api(item) for item in pages)

    def delete(self, endpoint_id: str) -> None:
        """Remove an endpoint (``DELETE /v3/webhooks/endpoints/{id}``)."""
        self._client.delete(f"/v3/webhooks/endpoints/{path_id(endpoint_id, 'endpoint_id')}")

    def add_v1(self, url: str, *, events: Sequence[str] | None = None) -> WebhookEndpoint:
        """Register ``url`` with the legacy ``POST /v1/webhook/endpoint.add``."""
        body = drop_none(url=url, events=_events(events))
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
