"""HeyGenClient: the default stack over one connection pool, and convenience calls."""

from __future__ import annotations

import os
import re
import ssl
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from heygen_pipeline import _client_settings as settings
from heygen_pipeline._client_binding import (
    bind_stack,
    check_rekeyable,
    secret_key,
    with_options_changes,
)
from heygen_pipeline._client_settings import (
    ENV_BASE_URL,  # noqa: F401 - its home, as before
    WRITES,
)
from heygen_pipeline._defaults import (
    DEFAULT_UPLOAD_URL,
    auth_hosts,
    default_stack,
)
from heygen_pipeline._models import (
    DEFAULT_OPTIONS,
    Request,
    RequestBody,
    RequestOptions,
    Response,
    Timeout,
)
from heygen_pipeline._redact import Secret, redact_url
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport  # noqa: F401 - importable here, as before
from heygen_pipeline._version import __version__
from heygen_pipeline.middleware import ApiKeyAuth
from heygen_pipeline.resources import (
    AiClippings,
    Assets,
    Audio,
    Avatars,
    BackgroundRemovals,
    BrandGlossaries,
    BrandKits,
    DataVerbs,
    Lipsyncs,
    Templates,
    Translations,
    UserResource,
    VideoAgents,
    Videos,
    Voices,
    WebhookEndpoints,
)
from heygen_pipeline.typing import Handler, JobSlotProvider

if TYPE_CHECKING:
    from types import TracebackType

_V3_CREATES: Final = re.compile(
    r"^/v3/(videos|assets|avatars|video-translations|lipsyncs|webhooks/endpoints)/?$"
)
"""POST endpoints that accept an ``Idempotency-Key`` (HEYGEN_API.md): the client adds one."""
USER_AGENT: Final = f"heygen-pipeline/{__version__}"
WRITE_TIMEOUT: Final = Timeout(connect=10.0, read=120.0)
"""Per-attempt timeouts of requests that change state, unless the request sets its own."""


def is_v3_create(request: Request) -> bool:
    """Whether ``request`` is a POST to a v3 create endpoint (safe to key for idempotency)."""
    return request.method == "POST" and _V3_CREATES.match(request.path) is not None


class HeyGenClient(DataVerbs):
    """A HeyGen API client: the default stack (or yours) over one urllib3 connection pool.

    The key comes from ``api_key`` or the ``HEYGEN_API_KEY`` environment variable; without
    one, construction fails. Safe to share between threads. ``with_stack`` and
    ``with_options`` return clients that share this one's pool (closing those does not close
    the pool; closing this one does).

    Example:
        ```python
        with HeyGenClient() as client:
            avatars = client.get("/v2/avatars")["avatars"]
        ```
    """

    videos: Videos
    """Video jobs: create, get, list, delete, wait, download."""
    avatars: Avatars
    """Avatars and talking photos."""
    voices: Voices
    """Voices."""
    templates: Templates
    """Templates, and videos generated from them."""
    user: UserResource
    """The account and its remaining quota."""
    assets: Assets
    """Uploads (streamed from disk) and the asset list."""
    translations: Translations
    """Video translation jobs: create, get, wait."""
    lipsyncs: Lipsyncs
    """Lipsync jobs: a video re-voiced with new audio; create, get, wait, batches."""
    video_agents: VideoAgents
    """Video agent sessions: a prompt turned into a video; create, send, wait."""
    ai_clipping: AiClippings
    """AI clipping jobs: highlight clips cut from a long video; create, get, wait."""
    background_removals: BackgroundRemovals
    """Background removal jobs: a video split into layers; create, get, wait."""
    audio: Audio
    """HeyGen's sound library: music and sound effects."""
    brand_kits: BrandKits
    """The account's brand kits."""
    brand_glossaries: BrandGlossaries
    """The account's brand glossaries."""
    webhook_endpoints: WebhookEndpoints
    """Webhook endpoints: add, list, delete."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        upload_url: str = DEFAULT_UPLOAD_URL,
        stack: Stack | None = None,
        transport: Handler | None = None,
        timeout: Timeout | float | None = None,
        options: RequestOptions | None = None,
        auto_idempotency: bool | Callable[[Request], bool] = True,
        user_agent: str = USER_AGENT,
        write_timeout: Timeout | float | None = WRITE_TIMEOUT,
        job_slots: JobSlotProvider | None = None,
        slot_timeout: float = 300.0,
        default_headers: Mapping[str, str] | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
        ca_certs: str | os.PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """Configure the client.

        Args:
            api_key: the HeyGen API key (default: ``$HEYGEN_API_KEY``).
            base_url: where relative paths go; its host receives the key (default:
                ``$HEYGEN_BASE_URL`` when set and not blank, else ``https://api.heygen.com``).
            upload_url: the legacy upload host, which also receives the key.
            stack: the middleware stack (default: `default_stack`). A ``ClientAuth``
                placeholder in it is bound to this client's key.
            transport: the innermost handler (default: a new `Urllib3Transport`).
            timeout: default per-attempt timeouts for every request.
            options: default `RequestOptions` for every request.
            auto_idempotency: add an ``Idempotency-Key`` to POSTs on v3 create endpoints
                (or decide with a function of the request).
            user_agent: the ``User-Agent`` header sent unless a request sets its own.
            write_timeout: the per-attempt timeouts of POST, PUT, PATCH and DELETE requests
                that set none (HeyGen's video create has a p99 near 31 s, so the read
                default for writes is 120 s, as in HeyGen's own CLI); None uses ``timeout``.
            job_slots: limits concurrent video jobs on the key (for example
                ``heygen_pipeline.shared.JobSlots``): ``videos.create`` takes a slot and
                ``videos.wait`` gives it back when the job ends.
            slot_timeout: how long ``videos.create`` waits for a free slot.
            default_headers: headers sent on every request (a request's own win); not
                ``X-Api-Key`` or ``Authorization``, which come from the key and the stack.
            proxy: send every request through this HTTP(S) proxy (credentials in the URL
                are kept secret); the proxy variables of the environment are then ignored.
            trust_env: without ``proxy``, honour ``HTTPS_PROXY``, ``HTTP_PROXY``,
                ``ALL_PROXY`` and ``NO_PROXY`` (read once, now). False ignores them.
            ca_certs: a PEM bundle of the CAs to trust instead of the system store.
            ssl_context: a configured `ssl.SSLContext` for everything else TLS.

        ``proxy``, ``trust_env``, ``ca_certs`` and ``ssl_context`` configure the default
        `Urllib3Transport`; with your own ``transport``, configure that one instead.
        """
        base_url = settings.base_url(base_url)
        settings.check_client_args((base_url, upload_url), stack, auto_idempotency)
        self.base_url = base_url.rstrip("/")
        self.upload_url = upload_url.rstrip("/")
        # The key is resolved (and checked) only when a stack needs it: a stack that brings its
        # own auth, such as BearerAuth, works without one.
        self._api_key = secret_key(api_key)
        self._auth: ApiKeyAuth | None = None
        self._owns_transport = transport is None
        self._transport: Handler = settings.transport(
            transport, proxy=proxy, trust_env=trust_env, ca_certs=ca_certs, ssl_context=ssl_context
        )
        opts = options if options is not None else DEFAULT_OPTIONS
        if timeout is not None:
            opts = attrs.evolve(opts, timeout=timeout)
        self._options = opts
        self._auto_idempotency = auto_idempotency
        self._user_agent = user_agent
        self.job_slots = job_slots
        self.slot_timeout = slot_timeout
        # Checked once: a valid one is then set without checks (an invalid one fails per request).
        self._user_agent_headers = settings.user_agent_headers(user_agent)
        self._write_timeout = RequestOptions(timeout=write_timeout).timeout
        self._default_headers = settings.default_headers(default_headers)
        if stack is None:
            stack = default_stack(base_url=self.base_url, upload_url=self.upload_url)
        self._unbound_stack = stack
        self._stack = self._bind(stack)
        self._pipeline = self._stack.build(self._transport)
        self._attach_resources()

    def _attach_resources(self) -> None:
        """Bind one helper per area (``self.videos`` and the rest) to this client."""
        self.videos = Videos(self)
        self.avatars = Avatars(self)
        self.voices = Voices(self)
        self.templates = Templates(self)
        self.user = UserResource(self)
        self.assets = Assets(self)
        self.translations = Translations(self)
        self.lipsyncs = Lipsyncs(self)
        self.video_agents = VideoAgents(self)
        self.ai_clipping = AiClippings(self)
        self.background_removals = BackgroundRemovals(self)
        self.audio = Audio(self)
        self.brand_kits = BrandKits(self)
        self.brand_glossaries = BrandGlossaries(self)
        self.webhook_endpoints = WebhookEndpoints(self)

    def _bind(self, stack: Stack) -> Stack:
        """Bind a stack's placeholders to this client, the same way whoever built the stack.

        A ``ClientAuth`` gets this client's key, and a breaker that guards every host is scoped
        to this client's API and upload hosts, as in the stack the client builds itself (see
        `bind_stack`).
        """
        hosts = auth_hosts(self.base_url, self.upload_url)
        return bind_stack(stack, hosts, lambda: self._client_auth(hosts))

    def _client_auth(self, hosts: tuple[str, ...]) -> ApiKeyAuth:
        """This client's key auth, made (and the key resolved) the first time a stack needs it."""
        if self._auth is None:
            self._auth = ApiKeyAuth(self._api_key, base_url=self.base_url, hosts=hosts)
        return self._auth

    def _derive(self, **changes: Any) -> HeyGenClient:
        new = object.__new__(HeyGenClient)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        new._owns_transport = False
        if "_api_key" in changes:
            new._stack = new._rekeyed()
        new._pipeline = new._stack.build(new._transport)
        new._attach_resources()
        return new

    def _rekeyed(self) -> Stack:
        """The stack bound again, to this client's (new) key; refused if it has no placeholder."""
        check_rekeyable(self._unbound_stack)
        return self._bind(self._unbound_stack)

    def _with_wrapped_stack(self, wrap: Callable[[Stack], Stack]) -> HeyGenClient:
        """Package-internal: a client like `with_stack` gives, its stack ``wrap`` of this one's.

        ``wrap`` gets the stack as given (unbound), so a ``ClientAuth`` in it stays the
        placeholder and ``with_options(api_key=...)`` on the result still binds another key;
        the async client adds its cancellation checks this way.
        """
        return self.with_stack(wrap(self._unbound_stack))

    @property
    def stack(self) -> Stack:
        """The stack in use (with credentials bound)."""
        return self._stack

    @property
    def options(self) -> RequestOptions:
        """The default options of every request."""
        return self._options

    def with_stack(self, stack: Stack) -> HeyGenClient:
        """A client with ``stack`` (placeholders bound to this key) sharing this pool."""
        settings.check_stack(stack)
        return self._derive(_stack=self._bind(stack), _unbound_stack=stack)

    def with_options(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        api_key: str | Secret | None = None,
        **changes: Any,
    ) -> HeyGenClient:
        """A client sharing this pool, with ``changes`` to its default `RequestOptions`.

        ``headers`` are added to the default headers (see ``default_headers``); ``api_key``
        binds the stack's ``ClientAuth`` placeholder to another key.
        """
        derived = with_options_changes(
            self._options,
            self._default_headers,
            headers=headers,
            api_key=api_key,
            changes=changes,
        )
        return self._derive(**derived)

    def build_request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int | float | bool] | None = None,
        json: Any = None,
        content: RequestBody = None,
        headers: Mapping[str, str] | None = None,
        options: RequestOptions | None = None,
        total_timeout: float | None = None,
        **option_changes: Any,
    ) -> Request:
        """The request `request` would send: URL resolved, options merged, key added."""
        opts = options if options is not None else self._options
        settings.check_types(method, url, opts)
        if url.startswith("/"):
            url = self.base_url + url
        if option_changes or total_timeout is not None:
            opts = settings.request_options(opts, option_changes, total_timeout)
        if opts.timeout is None and self._write_timeout is not None and method.upper() in WRITES:
            opts = attrs.evolve(opts, timeout=self._write_timeout)
        headers = self._with_defaults(headers)
        request = Request.build(
            method, url, params=params, headers=headers, json=json, content=content, options=opts
        )
        if "user-agent" not in request.headers:
            if self._user_agent_headers is not None:
                headers = request.headers._with_valid("User-Agent", self._user_agent)
                request = request.evolve(headers=headers)
            else:
                request = request.with_headers({"User-Agent": self._user_agent})
        if request.idempotency_key is None and self._wants_key(request):
            request = request.with_headers({"Idempotency-Key": uuid.uuid4().hex})
        return request

    def _with_defaults(self, headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
        """A request's headers over the default headers (or the bare User-Agent, when none)."""
        if self._default_headers:
            return self._default_headers.with_headers(headers or {})
        if headers is None and self._user_agent_headers is not None:
            return self._user_agent_headers  # the usual case: no headers of the caller's
        return headers

    def _wants_key(self, request: Request) -> bool:
        rule = self._auto_idempotency
        if isinstance(rule, bool):
            return rule and is_v3_create(request)
        return bool(rule(request))

    def send(self, request: Request) -> Response:
        """Send a prepared request through the stack."""
        if not isinstance(request, Request):
            msg = f"send() takes a Request, not {type(request).__name__}"
            raise TypeError(msg)
        return self._pipeline(request)

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send a request through the stack and return the response (``data`` unwrapped).

        ``url`` is a path (joined to ``base_url``) or an absolute URL. Keyword arguments are
        those of `build_request`: ``params``, ``json``, ``content``, ``headers``,
        ``options``, ``total_timeout`` and any `RequestOptions` field.
        """
        return self._pipeline(self.build_request(method, url, **kwargs))

    def close(self) -> None:
        """Close the connection pool (if this client created it)."""
        if self._owns_transport:
            close = getattr(self._transport, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> HeyGenClient:
        """Use as a context manager to close the pool at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the pool."""
        self.close()

    def __repr__(self) -> str:
        """Base URL and stack names; never the key."""
        return (
            f"HeyGenClient(base_url={redact_url(self.base_url)!r}, stack={list(self._stack.names)})"
        )
