import json

import pytest

from heygen_pipeline import BadRequestError, NotFoundError
from heygen_pipeline._redact import scrub

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
