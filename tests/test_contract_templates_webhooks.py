"""Contract tests of ``client.templates`` and ``client.webhook_endpoints`` against the v3 spec.

Each typed method runs against a FakeHeyGen with default arguments and with every option;
every request sent and every answer given is checked with openapi-core.
"""

import pytest
from _spec_check import assert_contract, checked_client, operations_called

from heygen_pipeline import BadRequestError, HeyGenClient
from heygen_pipeline.resources import Templates, WebhookEndpoints
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen


@pytest.fixture
def env():
    """A fake and a checked client on it; the contract is checked at the end."""
    fake = FakeHeyGen()
    client, replies = checked_client(fake)
    yield fake, client
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


class TestTemplates:
    """``client.templates``: list, get, generate."""

    def test_list_defaults_and_options(self, env):
        """``list`` with defaults, then with a page size and a page limit."""
        fake, client = env
        assert len(list(client.templates.list())) == 3
        assert len(list(client.templates.list(page_size=1, max_pages=2))) == 2
        assert len(list(client.templates.list(page_size=100))) == 3
        assert called(fake) == {"GET /v3/templates"}

    def test_get(self, env):
        """``get`` reads the detail, scenes and variables included."""
        fake, client = env
        template = client.templates.get("tpl_welcome_0001")
        assert template.scene_ids == ("scn_intro", "scn_outro")
        assert called(fake) == {"GET /v3/templates/{template_id}"}

    def test_generate_defaults(self, env):
        """``generate`` with only the variables."""
        fake, client = env
        video = client.templates.generate("tpl_training_0003", variables={})
        assert video.id in fake.video_ids
        assert called(fake) == {"POST /v3/templates/{template_id}"}

    def test_generate_every_option(self, env):
        """``generate`` with every option the spec has."""
        fake, client = env
        video = client.templates.generate(
            "tpl_welcome_0001",
            variables={"first_name": {"name": "first_name", "type": "text"}},
            title="For Ada",
            caption=True,
            subtitles={"preset_name": "classic", "font_size": 12, "position": {"x": 0, "y": 1}},
            dimension=(1280, 720),
            fps=30,
            scene_ids=["scn_outro", "scn_intro", "scn_outro"],
            folder_id="fld_1",
            brand_voice_id="bv_1",
            enable_sharing=False,
            include_gif=True,
            keep_text_vertically_centered=True,
            reorder_music=False,
            callback_url="https://example.com/hook",
            callback_id="cb-1",
            idempotency_key="tpl-key-1",
        )
        assert video.status == "pending"
        assert called(fake) == {"POST /v3/templates/{template_id}"}


class TestWebhookEndpoints:
    """``client.webhook_endpoints``: create, list, update, delete, rotate, types, events."""

    def test_create_defaults_and_options(self, env):
        """``create`` with only the URL, then with every option."""
        fake, client = env
        client.webhook_endpoints.create("https://example.com/a")
        client.webhook_endpoints.create(
            "https://example.com/b",
            events=["avatar_video.success", "batch.finished"],
            entity_id="ent_1",
            idempotency_key="wh-key-1",
        )
        assert called(fake) == {"POST /v3/webhooks/endpoints"}

    def test_list(self, env):
        """``list`` with defaults and with a page size and limit."""
        fake, client = env
        for n in range(3):
            client.webhook_endpoints.create(f"https://example.com/{n}")
        assert len(list(client.webhook_endpoints.list())) == 3
        assert len(list(client.webhook_endpoints.list(page_size=2, max_pages=1))) == 2
        assert "GET /v3/webhooks/endpoints" in called(fake)

    def test_update_each_field(self, env):
        """``update`` of the URL, of the events, and of both."""
        fake, client = env
        endpoint = client.webhook_endpoints.create("https://example.com/a")
        client.webhook_endpoints.update(endpoint.id, url="https://example.com/b")
        client.webhook_endpoints.update(endpoint.id, events=["avatar_video.fail"])
        updated = client.webhook_endpoints.update(
            endpoint.id, url="https://example.com/c", events=["video_agent.success"]
        )
        assert (updated.url, updated.events) == ("https://example.com/c", ("video_agent.success",))
        assert "PATCH /v3/webhooks/endpoints/{endpoint_id}" in called(fake)

    def test_delete_and_rotate(self, env):
        """``rotate_secret`` (with and without a key) and ``delete``."""
        fake, client = env
        endpoint = client.webhook_endpoints.create("https://example.com/a")
        first = client.webhook_endpoints.rotate_secret(endpoint.id)
        second = client.webhook_endpoints.rotate_secret(endpoint.id, idempotency_key="rot-1")
        assert first.secret != second.secret != endpoint.secret
        client.webhook_endpoints.delete(endpoint.id)
        assert {
            "POST /v3/webhooks/endpoints/{endpoint_id}/rotate-secret",
            "DELETE /v3/webhooks/endpoints/{endpoint_id}",
        } <= called(fake)

    def test_event_types(self, env):
        """``event_types`` lists every type the spec knows."""
        fake, client = env
        types = client.webhook_endpoints.event_types()
        assert len(types) == 30
        assert called(fake) == {"GET /v3/webhooks/event-types"}

    def test_events_defaults_and_every_option(self, env):
        """``events`` unfiltered, then with each filter, a page size and a page limit."""
        fake, client = env
        fake.record_webhook_event("video_agent.success", {"session_id": "s"}, entity_id="ent")
        assert len(list(client.webhook_endpoints.events())) == 4
        listed = list(
            client.webhook_endpoints.events(
                event_type="video_agent.success", entity_id="ent", page_size=1, max_pages=1
            )
        )
        assert [e.event_type for e in listed] == ["video_agent.success"]
        assert called(fake) == {"GET /v3/webhooks/events"}


class TestCoverage:
    """Every operation these resources tag is one the tests above reach."""

    def test_tags(self):
        """The tagged operations of both resources are the ten of the spec's families."""
        keys = {
            ref.key
            for cls in (Templates, WebhookEndpoints)
            for name in dir(cls)
            for ref in operations_of(getattr(cls, name))
        }
        assert keys == {
            "GET /v3/templates",
            "GET /v3/templates/{template_id}",
            "POST /v3/templates/{template_id}",
            "GET /v3/webhooks/endpoints",
            "POST /v3/webhooks/endpoints",
            "PATCH /v3/webhooks/endpoints/{endpoint_id}",
            "DELETE /v3/webhooks/endpoints/{endpoint_id}",
            "POST /v3/webhooks/endpoints/{endpoint_id}/rotate-secret",
            "GET /v3/webhooks/event-types",
            "GET /v3/webhooks/events",
        }


class TestStrictFake:
    """FakeHeyGen refuses what HeyGen's spec refuses on these routes, naming the parameter."""

    @pytest.mark.parametrize(
        ("method", "path", "kwargs", "param"),
        [
            ("GET", "/v3/templates", {"params": {"limit": 101}}, "limit"),
            ("GET", "/v3/webhooks/endpoints", {"params": {"limit": 0}}, "limit"),
            ("GET", "/v3/webhooks/events", {"params": {"event_type": "video.done"}}, "event_type"),
            ("POST", "/v3/templates/tpl_training_0003", {"json": {"title": "x"}}, "variables"),
            (
                "POST",
                "/v3/templates/tpl_training_0003",
                {"json": {"variables": {}, "fps": "x"}},
                "fps",
            ),
            ("POST", "/v3/webhooks/endpoints", {"json": {"events": None}}, "url"),
            ("PATCH", "/v3/webhooks/endpoints/ep", {"json": {"events": ["nope"]}}, "events"),
        ],
    )
    def test_refused_with_the_parameter(self, method, path, kwargs, param):
        """Each request breaking the spec gets a 4xx v3 error whose param names the field."""
        with FakeHeyGen() as fake, HeyGenClient(fake.api_key, base_url=fake.base_url) as client:
            with pytest.raises(BadRequestError) as info:
                client.request(method, path, **kwargs)
            assert info.value.param is not None
            assert info.value.param.startswith(param)
