import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import BadRequestError, NotFoundError
from heygen_pipeline._redact import scrub
from heygen_pipeline.resources import (
    WebhookEndpoint,
    WebhookEventRecord,
    WebhookEventType,
    WebhookSecret,
)
from heygen_pipeline.webhooks import EVENT_TYPES, AvatarVideoSuccess, JobEvent

HOOK = "https://example.com/heygen/hook"


class TestV3:
    """add, list and delete with the v3 API."""

    def test_add_returns_the_secret_once(self, heygen_client, fake_heygen):
        """The created endpoint has its whsec_ secret; the listing does not."""
        endpoint = heygen_client.webhook_endpoints.add(
            HOOK, events=["avatar_video.success", "avatar_video.fail"]
        )
        assert endpoint.secret is not None
        assert endpoint.secret.startswith("whsec_")
        assert endpoint.events == ("avatar_video.success", "avatar_video.fail")
        assert endpoint.secret not in repr(endpoint)
        assert endpoint.secret not in scrub(f"x {endpoint.secret} y")
        [listed] = heygen_client.webhook_endpoints.list()
        assert (listed.id, listed.url, listed.secret) == (endpoint.id, HOOK, None)
        [sent] = fake_heygen.requests_for("POST", "/v3/webhooks/endpoints")
        assert json.loads(sent.body) == {
            "url": HOOK,
            "events": ["avatar_video.success", "avatar_video.fail"],
        }
        assert sent.header("Idempotency-Key")

    def test_list_pages(self, heygen_client):
        """Many endpoints page through."""
        added = {heygen_client.webhook_endpoints.add(f"{HOOK}/{n}").id for n in range(5)}
        listed = {e.id for e in heygen_client.webhook_endpoints.list(page_size=2)}
        assert listed == added

    def test_delete(self, heygen_client, fake_heygen):
        """A deleted endpoint is gone; deleting again is NotFoundError."""
        endpoint = heygen_client.webhook_endpoints.add(HOOK)
        heygen_client.webhook_endpoints.delete(endpoint.id)
        assert fake_heygen.webhook_endpoints == []
        with pytest.raises(NotFoundError):
            heygen_client.webhook_endpoints.delete(endpoint.id)

    def test_invalid_url(self, heygen_client):
        """HeyGen's 400 names the parameter."""
        with pytest.raises(BadRequestError) as info:
            heygen_client.webhook_endpoints.add("ftp://example.com")
        assert info.value.param == "url"

    def test_events_must_be_a_list(self, heygen_client, fake_heygen):
        """A single string for ``events`` is refused before sending."""
        with pytest.raises(TypeError):
            heygen_client.webhook_endpoints.add(HOOK, events="avatar_video.success")
        assert fake_heygen.requests == []


class TestV3More:
    """create, update, rotate-secret, event types and the events log."""

    def test_create_is_add(self, heygen_client, fake_heygen):
        """``create`` is the v3 call; ``add`` (its earlier name) sends the same request."""
        created = heygen_client.webhook_endpoints.create(HOOK, entity_id="ent_1")
        added = heygen_client.webhook_endpoints.add(HOOK)
        assert created.entity_id == "ent_1"
        assert created.secret
        assert added.secret
        assert len(fake_heygen.requests_for("POST", "/v3/webhooks/endpoints")) == 2

    def test_update(self, heygen_client, fake_heygen):
        """``update`` sends only what is given; events replace the list."""
        endpoint = heygen_client.webhook_endpoints.create(HOOK, events=["avatar_video.success"])
        updated = heygen_client.webhook_endpoints.update(endpoint.id, events=["batch.finished"])
        assert (updated.url, updated.events, updated.secret) == (HOOK, ("batch.finished",), None)
        moved = heygen_client.webhook_endpoints.update(endpoint.id, url=f"{HOOK}/2")
        assert (moved.url, moved.events) == (f"{HOOK}/2", ("batch.finished",))
        sent = [json.loads(r.body) for r in fake_heygen.requests if r.method == "PATCH"]
        assert sent == [{"events": ["batch.finished"]}, {"url": f"{HOOK}/2"}]

    def test_update_unknown_is_not_found(self, heygen_client):
        """PATCH of an endpoint that does not exist is NotFoundError."""
        with pytest.raises(NotFoundError):
            heygen_client.webhook_endpoints.update("nope", url=HOOK)

    def test_update_needs_a_change(self, heygen_client, fake_heygen):
        """``update`` with nothing to change is refused before sending."""
        with pytest.raises(ValueError, match="nothing to change"):
            heygen_client.webhook_endpoints.update("ep")
        assert fake_heygen.requests == []

    def test_rotate_secret(self, heygen_client, fake_heygen):
        """A new secret, scrubbed and kept out of the repr; the fake signs with it."""
        endpoint = heygen_client.webhook_endpoints.create(HOOK)
        rotated = heygen_client.webhook_endpoints.rotate_secret(endpoint.id)
        assert rotated.endpoint_id == endpoint.id
        assert rotated.secret
        assert rotated.secret.startswith("whsec_")
        assert rotated.secret != endpoint.secret
        assert rotated.secret not in repr(rotated)
        assert rotated.secret not in scrub(f"x {rotated.secret}")
        assert fake_heygen.webhook_endpoints[0]["secret"] == rotated.secret
        with pytest.raises(NotFoundError):
            heygen_client.webhook_endpoints.rotate_secret("nope")

    def test_event_types(self, heygen_client):
        """Every event type of the spec, each with a description."""
        types = heygen_client.webhook_endpoints.event_types()
        assert [t.event_type for t in types] == list(EVENT_TYPES)
        assert all(t.description for t in types)

    def test_events_log(self, heygen_client, fake_heygen):
        """Delivered events, newest first, filtered; each readable as the typed event."""
        fake_heygen.record_webhook_event(
            "avatar_video.success", {"video_id": "v9", "video_url": "https://cdn/v9.mp4"}
        )
        fake_heygen.record_webhook_event("batch.finished", {"batch_id": "b"}, entity_id="e")
        events = list(heygen_client.webhook_endpoints.events(page_size=2))
        assert [e.event_type for e in events[:2]] == ["batch.finished", "avatar_video.success"]
        typed = events[1].event
        assert isinstance(typed, AvatarVideoSuccess)
        assert (typed.video_id, typed.video_url, typed.event_id) == (
            "v9",
            "https://cdn/v9.mp4",
            events[1].event_id,
        )
        [only] = heygen_client.webhook_endpoints.events(entity_id="e")
        assert isinstance(only.event, JobEvent)
        assert only.event.id == "b"
        fails = list(heygen_client.webhook_endpoints.events(event_type="avatar_video.fail"))
        assert [e.event_type for e in fails] == ["avatar_video.fail"]


class TestV3Checks:
    """Arguments the spec refuses raise before anything is sent."""

    @pytest.mark.parametrize(
        ("call", "error"),
        [
            (lambda r: r.create(""), ValueError),
            (lambda r: r.create(7), TypeError),
            (lambda r: r.create(HOOK, events=["avatar_video.done"]), ValueError),
            (lambda r: r.create(HOOK, events=[7]), TypeError),
            (lambda r: r.create(HOOK, events={"avatar_video.success"}), TypeError),
            (lambda r: r.create(HOOK, entity_id=""), ValueError),
            (lambda r: r.update("ep", events="batch.finished"), TypeError),
            (lambda r: r.update("ep", url=""), ValueError),
            (lambda r: r.update("", url=HOOK), ValueError),
            (lambda r: r.update("..", url=HOOK), ValueError),
            (lambda r: r.delete("."), ValueError),
            (lambda r: r.delete(None), TypeError),
            (lambda r: r.rotate_secret(" "), ValueError),
            (lambda r: list(r.list(page_size=101)), ValueError),
            (lambda r: list(r.list(page_size=0)), ValueError),
            (lambda r: list(r.events(page_size=101)), ValueError),
            (lambda r: list(r.events(event_type="video.done")), ValueError),
            (lambda r: list(r.events(entity_id="")), ValueError),
        ],
    )
    def test_refused_before_sending(self, heygen_client, fake_heygen, call, error):
        """Each bad argument is a ValueError/TypeError naming it; nothing reaches the fake."""
        with pytest.raises(error):
            call(heygen_client.webhook_endpoints)
        assert fake_heygen.requests == []


class TestWebhookModels:
    """The webhook result models read the spec's objects, tolerantly."""

    def test_endpoint(self):
        """Every field of the spec's endpoint; null events means all."""
        endpoint = WebhookEndpoint.from_api(
            {
                "endpoint_id": "ep",
                "url": HOOK,
                "status": "enabled",
                "events": None,
                "secret": None,
                "created_at": "2026-03-25T12:00:00Z",
            }
        )
        assert (endpoint.id, endpoint.status, endpoint.all_events) == ("ep", "enabled", True)
        assert endpoint.created_at.isoformat() == "2026-03-25T12:00:00+00:00"

    def test_secret_event_type_and_record(self):
        """The rotation answer, an event type and a delivered event."""
        secret = WebhookSecret.from_api({"endpoint_id": "ep", "secret": "whsec_model_test_1"})
        assert "whsec_model_test_1" not in repr(secret)
        kind = WebhookEventType.from_api({"event_type": "batch.finished", "description": "d"})
        assert (kind.event_type, kind.description) == ("batch.finished", "d")
        record = WebhookEventRecord.from_api(
            {"event_id": "e", "event_type": "", "event_data": {}, "created_at": "x"}
        )
        assert (record.event_id, record.event, record.created_at) == ("e", None, None)

    @given(
        raw=st.dictionaries(
            st.sampled_from(["event_id", "event_type", "event_data", "created_at", "x"]),
            st.one_of(
                st.none(),
                st.integers(),
                st.text(max_size=5),
                st.sampled_from(["avatar_video.success", "batch.finished"]),
                st.dictionaries(st.sampled_from(["video_id", "url"]), st.text(max_size=3)),
            ),
        )
    )
    def test_property_any_record_gives_an_event_or_none(self, raw):
        """Whatever the record holds, ``event`` is a typed event or None, never an exception."""
        record = WebhookEventRecord.from_api(raw)
        event = record.event
        assert event is None or event.event_type == record.event_type


class TestV1:
    """The legacy endpoint.add / endpoint.list / endpoint.delete."""

    def test_add_list_delete(self, heygen_client, fake_heygen):
        """The v1 envelope is unwrapped into the same model, secret included."""
        endpoint = heygen_client.webhook_endpoints.add_v1(HOOK, events=["avatar_video.success"])
        assert endpoint.secret is not None
        assert endpoint.secret.startswith("whsec_")
        [listed] = heygen_client.webhook_endpoints.list_v1()
        assert listed.id == endpoint.id
        heygen_client.webhook_endpoints.delete_v1(endpoint.id)
        assert heygen_client.webhook_endpoints.list_v1() == []
        [deleted] = fake_heygen.requests_for("DELETE", "/v1/webhook/endpoint.delete")
        assert deleted.query == {"endpoint_id": endpoint.id}

    def test_errors(self, heygen_client):
        """An invalid URL (400542) and an unknown endpoint (400131) come back typed."""
        with pytest.raises(BadRequestError) as bad:
            heygen_client.webhook_endpoints.add_v1("not a url")
        assert bad.value.code == 400542
        with pytest.raises(NotFoundError) as missing:
            heygen_client.webhook_endpoints.delete_v1("nope")
        assert missing.value.code == 400131
