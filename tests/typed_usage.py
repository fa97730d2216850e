"""The documented usage, written as a user would, that must type-check under ``mypy --strict``.

pyproject's mypy ``files`` includes this module, so a change to the public types that breaks
ordinary code fails the type check. pytest does not collect it (no ``test_`` prefix);
``tests/test_typed_usage.py`` runs every function against a FakeHeyGen, so none of it is dead.
Nothing here uses ``reveal_type``: each result is assigned to an annotated variable instead,
which mypy checks just as strictly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import structlog

from heygen_pipeline import (
    APIError,
    AsyncHeyGenClient,
    AuthenticationError,
    CallCancelledError,
    CircuitOpenError,
    ExtensionKey,
    HeyGenClient,
    HeyGenError,
    RateLimitError,
    Request,
    RequestOptions,
    Response,
    Stack,
    Timeout,
    TransportError,
    default_stack,
)
from heygen_pipeline.middleware import (
    ATTEMPT,
    Attempt,
    BackoffMiddleware,
    BackoffPolicy,
    LoggingMiddleware,
)
from heygen_pipeline.resources import (
    AvatarGroup,
    AvatarLook,
    Requester,
    Speech,
    Video,
    Voice,
    Voices,
)
from heygen_pipeline.testing import FakeHeyGen, Fault, MockTransport, RecordedRequest, make_response
from heygen_pipeline.typing import Handler, Middleware, Outcome, Sleep

TENANT = ExtensionKey[str]("tenant")
"""A typed key for a custom middleware's per-request value."""

TENANT_HEADER = "X-Tenant"


def no_sleep(_seconds: float) -> None:
    """A `Sleep` that returns at once (tests do not wait for backoff)."""


def build_client(fake: FakeHeyGen, sleep: Sleep = no_sleep) -> HeyGenClient:
    """A client of ``fake`` with default options and a custom backoff policy."""
    policy = BackoffPolicy(max_attempts=4, max_delay=10.0)
    stack: Stack = default_stack().replace("backoff", BackoffMiddleware(policy, sleep=sleep))
    return HeyGenClient(
        fake.api_key,
        base_url=fake.base_url,
        upload_url=fake.upload_url,
        stack=stack,
        timeout=Timeout(connect=2.0, read=10.0),
        options=RequestOptions(max_attempts=3),
    )


def fetch_catalogue(client: HeyGenClient) -> tuple[list[Any], int]:
    """``get`` returns the unwrapped data, typed ``Any`` (it is JSON)."""
    avatars: Any = client.get("/v2/avatars")
    quota: Any = client.get("/v2/user/remaining_quota", timeout=5.0, max_attempts=1)
    remaining: int = quota["remaining_quota"]
    return avatars["avatars"], remaining


def pick_look_and_voice(client: HeyGenClient) -> tuple[str, str, float | None]:
    """The typed catalogue: a look's id (a v3 video's ``avatar_id``), a voice, its speech."""
    looks: Iterator[AvatarLook] = client.avatars.list(ownership="public", page_size=50)
    look: AvatarLook = next(look for look in looks if look.is_ready)
    group: AvatarGroup = client.avatars.get_group(look.group_id or "")
    voice: Voice = next(client.voices.list(engine="starfish", language="English"))
    speech: Speech = client.voices.speech(f"Hello from {group.name}", voice.id or "")
    return look.id or "", voice.id or "", speech.duration


def voices_over_requester(client: HeyGenClient) -> Voice:
    """A helper built over a `Requester` (the protocol resources need); the client is one."""
    requester: Requester = client
    voices = Voices(requester)
    return next(voices.list(engine="starfish", language="English"))


def create_video(client: HeyGenClient, script: str) -> str:
    """``post`` with ``json=`` and a caller's own idempotency key."""
    created: Any = client.post(
        "/v3/videos",
        json={"type": "avatar", "avatar_id": "Daisy-inskirt-20220818", "script": script},
        idempotency_key="typed-usage-1",
        total_timeout=30.0,
    )
    video_id: str = created["video_id"]
    return video_id


def whole_response(client: HeyGenClient) -> tuple[int, str | None, str | None]:
    """``request`` returns the whole `Response`: status, request id, envelope."""
    response: Response = client.request(
        "GET", "/v3/users/me", headers={"Accept": "application/json"}
    )
    status: int = response.status
    request_id: str | None = response.request_id
    envelope: str | None = response.envelope
    return status, request_id, envelope


def add_tenant(request: Request, call_next: Handler) -> Response:
    """A function middleware: send the tenant from the request's options as a header."""
    tenant: str | None = request.options.extension(TENANT)
    if tenant is not None:
        request = request.with_headers({TENANT_HEADER: tenant})
    return call_next(request)


class CountAttempts:
    """A class middleware: count calls and remember the last attempt number."""

    def __init__(self) -> None:
        """Start at zero."""
        self.calls = 0
        self.last_attempt: int | None = None

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Count, read the backoff's attempt record, pass the request on."""
        self.calls += 1
        attempt: Attempt | None = request.options.extension(ATTEMPT)
        self.last_attempt = attempt.number if attempt is not None else None
        return call_next(request)


def custom_stack(counter: CountAttempts) -> Stack:
    """Stack edits with a function and a class middleware, both typed as `Middleware`."""
    tenant_mw: Middleware = add_tenant
    counting: Middleware = counter
    logger = structlog.get_logger("typed_usage")
    return (
        default_stack()
        .insert_after("envelope", "tenant", tenant_mw)
        .insert_before("auth", "count", counting)
        .replace("logging", LoggingMiddleware(logger, log_headers=False))
        .remove("breaker")
    )


def tenant_options(tenant: str) -> RequestOptions:
    """`RequestOptions` with a typed extension, read back with its type."""
    options = RequestOptions(timeout=Timeout(connect=1.0, read=5.0)).with_extension(TENANT, tenant)
    stored: str | None = options.extension(TENANT)
    fallback: str | None = RequestOptions().extension(TENANT, "default-tenant")
    assert stored == tenant
    assert fallback == "default-tenant"
    return options


def call_with_tenant(client: HeyGenClient, tenant: str) -> Any:
    """A derived client with the custom stack, and per-request options."""
    counter = CountAttempts()
    derived: HeyGenClient = client.with_stack(custom_stack(counter))
    data: Any = derived.get("/v2/voices", options=tenant_options(tenant))
    assert counter.calls == 1
    assert counter.last_attempt == 1
    return data


def describe_error(error: HeyGenError) -> str:
    """Attribute access on the error tree, narrowed by ``isinstance``."""
    if isinstance(error, RateLimitError):
        wait: float | None = error.retry_after
        return f"rate limited; retry after {wait}"
    if isinstance(error, APIError):
        status: int | None = error.status
        code: str | int | None = error.code
        request_id: str | None = error.request_id
        return f"HTTP {status} [{code}] {error.message} ({request_id})"
    if isinstance(error, CircuitOpenError):
        return f"circuit open; retry after {error.retry_after}"
    if isinstance(error, TransportError):
        sent: bool = error.sent
        return f"transport error (sent={sent})"
    return str(error)


def handle_errors(client: HeyGenClient, wrong_key_client: HeyGenClient) -> list[str]:
    """Catch typed errors and read their fields."""
    messages: list[str] = []
    try:
        client.get("/v3/videos/" + "0" * 32)
    except APIError as exc:
        messages.append(describe_error(exc))
    try:
        wrong_key_client.get("/v3/users/me")
    except AuthenticationError as exc:
        messages.append(describe_error(exc))
    try:
        client.get("/v2/voices")
    except RateLimitError as exc:
        messages.append(describe_error(exc))
    return messages


def answer(request: Request) -> Response:
    """A `MockTransport` handler: a v3 envelope for any request."""
    return make_response(request, json={"data": {"path": request.path}})


def mock_transport_client() -> tuple[Any, list[Request]]:
    """A client over `MockTransport`: no sockets, every request recorded."""
    transport = MockTransport(answer)
    handler: Handler = transport
    client = HeyGenClient("mock-key-1234", base_url="https://api.example.test", transport=handler)
    data: Any = client.get("/v3/anything")
    return data, transport.requests


def scripted_fake() -> tuple[Any, list[RecordedRequest]]:
    """A FakeHeyGen scripted with faults, and what it recorded."""
    with FakeHeyGen(api_key="typed-usage-key", render_polls=1) as fake:
        fake.inject("GET", "/v2/avatars", Fault.server_error(503), Fault.rate_limited("0"))
        with build_client(fake) as client:
            data: Any = client.get("/v2/avatars")
        recorded: list[RecordedRequest] = fake.requests_for("GET", "/v2/avatars")
        return data, recorded


def tagging_middleware(request: Request, call_next: Handler) -> Response:
    """A middleware that copies the request with ``evolve`` and reads headers' ``entries``."""
    tagged = request.evolve(headers=request.headers.with_header("X-Tag", "typed"))
    spelled: dict[str, str] = {
        lower: name for lower, (name, _value) in tagged.headers.entries().items()
    }
    outcome: Outcome = call_next(tagged)
    assert isinstance(outcome, Response)
    return outcome.evolve(data={"spelled": spelled, "was": outcome.data})


async def no_async_sleep(_seconds: float) -> None:
    """An async sleep that returns at once (``videos.wait`` polls without waiting)."""


async def async_usage(fake: FakeHeyGen, script: str) -> tuple[Video, list[str], str | None]:
    """AsyncHeyGenClient as a user writes it: each call awaited, lists with ``async for``."""
    async with AsyncHeyGenClient(
        fake.api_key,
        base_url=fake.base_url,
        upload_url=fake.upload_url,
        timeout=Timeout(connect=2.0, read=10.0),
        max_workers=4,
    ) as client:
        looks: list[str] = [look.id async for look in client.avatars.list(page_size=50) if look.id]
        # The async helper classes are not public names: with_options' result is inferred.
        videos = await client.videos.with_options(timeout=5.0, max_attempts=2)
        created: Video = await videos.create(avatar_id=looks[0], script=script)
        done: Video = await client.videos.wait(
            created, timeout=60.0, poll=0.01, sleep=no_async_sleep
        )
        again: Video = await client.videos.get(done)
        return done, looks, again.status


def cancelled_message(error: CallCancelledError) -> str:
    """`CallCancelledError` is a `HeyGenError`, importable from the top level."""
    return describe_error(error)
