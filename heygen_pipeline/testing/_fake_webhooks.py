"""FakeHeyGen state for v3 webhooks: endpoints you can update and re-key, and delivered events.

`WebhookStore` extends the endpoint store with ``PATCH`` and ``rotate-secret`` and keeps a
log of delivered events, as ``GET /v3/webhooks/events`` lists them (newest first). The log
starts with a few events; tests add their own with ``FakeHeyGen.record_webhook_event``.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any, Final

from heygen_pipeline._webhook_events import EVENT_TYPES
from heygen_pipeline.testing._fake_jobs import EndpointStore

__all__ = ["EVENT_DESCRIPTIONS", "WebhookStore"]


def _describe(event_type: str) -> str:
    subject, _, outcome = event_type.partition(".")
    what = subject.replace("_", " ").capitalize()
    if outcome == "success":
        return f"{what} completed successfully."
    if outcome == "fail":
        return f"{what} failed."
    if outcome:
        return f"{what}: {outcome.replace('.', ' ').replace('_', ' ')}."
    return f"{what} event."


EVENT_DESCRIPTIONS: Final = {name: _describe(name) for name in EVENT_TYPES}
"""What ``GET /v3/webhooks/event-types`` says of each type."""


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class WebhookStore(EndpointStore):
    """Endpoints (with update and secret rotation) and the log of delivered events."""

    def __init__(self) -> None:
        """No endpoints; three delivered events of the seeded videos."""
        super().__init__()
        self._events_lock = threading.Lock()
        self._events: list[dict[str, Any]] = []
        base = 1_700_000_100
        for n, (event_type, data) in enumerate(
            (
                ("avatar_video.success", {"video_id": "seeded_1", "url": "https://cdn/1.mp4"}),
                ("avatar_video.fail", {"video_id": "seeded_2", "msg": "Render failed"}),
                ("video_translate.success", {"video_translate_id": "t1", "url": "https://t"}),
            )
        ):
            self.record(event_type, data, created_at=base + n)

    def update(
        self, endpoint_id: str, *, url: str | None, events: list[str] | None, set_events: bool
    ) -> dict[str, Any] | None:
        """Change an endpoint's URL and/or events; None when it does not exist."""
        with self._lock:
            endpoint = self._endpoints.get(endpoint_id)
            if endpoint is None:
                return None
            if url is not None:
                endpoint.url = url
            if set_events:
                endpoint.events = events
        return self._describe(endpoint, with_secret=False)

    def rotate(self, endpoint_id: str) -> str | None:
        """A new secret for the endpoint (the old one is dropped); None when unknown."""
        with self._lock:
            endpoint = self._endpoints.get(endpoint_id)
            if endpoint is None:
                return None
            endpoint.secret = f"whsec_{secrets.token_urlsafe(24)}"
            return endpoint.secret

    def record(
        self,
        event_type: str,
        event_data: dict[str, Any],
        *,
        entity_id: str | None = None,
        created_at: float | None = None,
    ) -> dict[str, Any]:
        """Log a delivered event; returns it as the events list shows it."""
        event = {
            "event_id": f"evt_{secrets.token_hex(12)}",
            "event_type": event_type,
            "event_data": dict(event_data),
            "created_at": _iso(time.time() if created_at is None else created_at),
        }
        with self._events_lock:
            self._events.append({"entity_id": entity_id, "event": event})
        return dict(event)

    def events(self, *, event_type: str | None, entity_id: str | None) -> list[dict[str, Any]]:
        """The logged events, newest first, filtered by type and entity."""
        with self._events_lock:
            logged = list(reversed(self._events))
        return [
            dict(e["event"])
            for e in logged
            if (event_type is None or e["event"]["event_type"] == event_type)
            and (entity_id is None or e["entity_id"] == entity_id)
        ]
