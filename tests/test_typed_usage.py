import pytest
import typed_usage

from heygen_pipeline import CallCancelledError, HeyGenClient, Request, RequestOptions
from heygen_pipeline.testing import Fault, MockTransport
from heygen_pipeline.testing.pytest_plugin import checked_fake

KEY = "typed-usage-key"


@pytest.fixture
def fake():
    """A FakeHeyGen for the documented usage; it must end without internal errors."""
    with checked_fake(api_key=KEY, render_polls=1) as server:
        yield server
        assert server.handler_errors == []


@pytest.fixture
def client(fake):
    """The client the documented usage builds."""
    with typed_usage.build_client(fake) as c:
        yield c


class TestTypedUsage:
    """tests/typed_usage.py (type-checked by mypy) also runs, and does what it says."""

    def test_build_client(self, client, fake):
        """The built client points at the fake, with the given defaults."""
        assert client.base_url == fake.base_url
        assert client.options.max_attempts == 3
        assert client.options.timeout is not None
        assert client.options.timeout.read == 10.0

    def test_fetch_catalogue(self, client):
        """get() returns the unwrapped data."""
        avatars, remaining = typed_usage.fetch_catalogue(client)
        assert avatars
        assert remaining == 3600

    def test_pick_look_and_voice(self, client):
        """The typed catalogue gives a look id, a starfish voice and the speech's duration."""
        look_id, voice_id, duration = typed_usage.pick_look_and_voice(client)
        assert (look_id, voice_id) == ("Abigail_expressive_2024112501", "v-f-en-1")
        assert duration

    def test_voices_over_requester(self, client):
        """A helper built over the client typed as a Requester lists voices as client.voices."""
        assert typed_usage.voices_over_requester(client).id == "v-f-en-1"

    def test_create_video(self, client, fake):
        """post() with the caller's idempotency key creates one video under that key."""
        video_id = typed_usage.create_video(client, "Hello")
        assert video_id in fake.video_ids
        assert fake.creations_by_key == {"typed-usage-1": 1}

    def test_whole_response(self, client, fake):
        """request() returns the Response with its status, request id and envelope."""
        status, request_id, envelope = typed_usage.whole_response(client)
        assert (status, envelope) == (200, "v3")
        assert request_id == fake.requests[-1].request_id

    def test_call_with_tenant(self, client, fake):
        """The custom stack runs: the tenant header is sent, and the counter saw one attempt."""
        data = typed_usage.call_with_tenant(client, "acme")
        assert data["voices"]
        assert fake.requests[-1].header(typed_usage.TENANT_HEADER) == "acme"

    def test_custom_stack_order(self):
        """The stack edits put each middleware where the usage says."""
        stack = typed_usage.custom_stack(typed_usage.CountAttempts())
        assert stack.names == (
            "envelope",
            "tenant",
            "backoff",
            "redirects",
            "logging",
            "count",
            "auth",
        )

    def test_tenant_options(self):
        """The typed extension is stored and read back."""
        options = typed_usage.tenant_options("acme")
        assert options.extension(typed_usage.TENANT) == "acme"
        assert RequestOptions().extension(typed_usage.TENANT) is None

    def test_handle_errors(self, client, fake):
        """Typed errors are caught and their fields read."""
        fake.inject("GET", "/v2/voices", Fault.rate_limited("120"))
        with HeyGenClient(
            "wrong-key-000", base_url=fake.base_url, upload_url=fake.upload_url
        ) as wrong:
            messages = typed_usage.handle_errors(client, wrong)
        not_found, unauthorized, limited = messages
        assert not_found.startswith("HTTP 404 [video_not_found] Video not found")
        assert unauthorized.startswith("HTTP 401 [unauthorized]")
        assert limited == "rate limited; retry after 120.0"

    def test_mock_transport_client(self):
        """The MockTransport client answers in-process and records the request."""
        data, requests = typed_usage.mock_transport_client()
        assert data == {"path": "/v3/anything"}
        (sent,) = requests
        assert isinstance(sent, Request)
        assert sent.headers["X-Api-Key"] == "mock-key-1234"

    def test_scripted_fake(self):
        """The faults injected on the fake are met and retried to success."""
        data, recorded = typed_usage.scripted_fake()
        assert data["avatars"]
        assert len(recorded) == 3

    def test_tagging_middleware(self):
        """Request.evolve, Headers.entries, Response.evolve and Outcome, as a user types them."""
        transport = MockTransport(typed_usage.answer)
        response = typed_usage.tagging_middleware(Request("GET", "https://x.test/a"), transport)
        assert transport.requests[-1].headers["X-Tag"] == "typed"
        assert response.data["spelled"]["x-tag"] == "X-Tag"


@pytest.fixture
def anyio_backend():
    """The async usage runs on asyncio (the backend the client is built for)."""
    return "asyncio"


class TestAsyncTypedUsage:
    """The async part of tests/typed_usage.py runs against the fake and does what it says."""

    @pytest.mark.anyio
    async def test_async_usage(self, fake):
        """Listed looks, a video created through with_options, waited on and fetched again."""
        done, looks, status = await typed_usage.async_usage(fake, "Hello async")
        assert "Abigail_expressive_2024112501" in looks
        assert done.is_completed
        assert status == "completed"
        assert done.id in fake.video_ids

    def test_cancelled_message(self):
        """CallCancelledError, imported from the top level, is described as any HeyGenError."""
        error = CallCancelledError("GET /v3/videos: the awaiting task was cancelled")
        assert typed_usage.cancelled_message(error).startswith("GET /v3/videos")
