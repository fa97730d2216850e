"""HeyGenClient: the default stack over one connection pool, and convenience calls."""

from __future__ import annotations

import os
import re
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from heygen_pipeline._defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_UPLOAD_URL,
    ClientAuth,
    auth_hosts,
    default_stack,
)
from heygen_pipeline._headers import Headers
from heygen_pipeline._models import (
    DEFAULT_OPTIONS,
    MAX_SECONDS,
    Request,
    RequestBody,
    RequestOptions,
    Response,
    Timeout,
)
from heygen_pipeline._redact import Secret, redact_url
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport
from heygen_pipeline._version import __version__
from heygen_pipeline.errors import ConfigurationError
from heygen_pipeline.middleware import ApiKeyAuth, CircuitBreakerMiddleware
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
_WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OPTION_FIELDS: Final = frozenset(attrs.fields_dict(RequestOptions))
_REQUEST_ARGS: Final = "params, json, content, headers, options, total_timeout"
_NOT_DEFAULT: Final = frozenset({"x-api-key", "authorization", "proxy-authorization"})
"""Headers refused in ``default_headers``: the key goes through ``api_key`` and the stack."""


def _default_headers(given: Mapping[str, str] | None) -> Headers:
    """``given`` as checked headers, refusing credentials (they belong to ``api_key``)."""
    headers = Headers(given)
    refused = sorted(name for name in headers if name.lower() in _NOT_DEFAULT)
    if refused:
        msg = (
            f"default_headers must not set {', '.join(refused)}: pass the key as api_key= "
            "(or put an auth middleware in the stack)"
        )
        raise ConfigurationError(msg)
    return headers


def _evolve_options(
    options: RequestOptions, changes: Mapping[str, Any], takes: str
) -> RequestOptions:
    """``options`` with ``changes``, naming what is accepted when a keyword is misspelt."""
    unknown = sorted(set(changes) - _OPTION_FIELDS)
    if unknown:
        msg = (
            f"unexpected keyword argument(s) {', '.join(map(repr, unknown))}; {takes} "
            f"the RequestOptions fields: {', '.join(sorted(_OPTION_FIELDS))}"
        )
        raise TypeError(msg)
    return attrs.evolve(options, **changes)


def _deadline_in(total_timeout: object) -> float:
    """The instant on the monotonic clock ``total_timeout`` seconds from now."""
    if isinstance(total_timeout, bool) or not isinstance(total_timeout, (int, float)):
        msg = f"total_timeout must be a number of seconds, not {type(total_timeout).__name__}"
        raise TypeError(msg)
    if not 0 <= total_timeout <= MAX_SECONDS:  # also rejects NaN and infinities
        msg = (
            f"total_timeout must be >= 0 seconds and at most {MAX_SECONDS:.0f} (a year), "
            f"not {total_timeout!r}"
        )
        raise ValueError(msg)
    return time.monotonic() + total_timeout


def _user_agent_headers(user_agent: str) -> Headers | None:
    """``User-Agent: user_agent`` as checked headers, or None if `Headers` refuses it."""
    try:
        return Headers({"User-Agent": user_agent})
    except (TypeError, ValueError):
        return None


def _check_types(method: object, url: object, options: object) -> None:
    """Refuse, with a clear message, a method or URL that is not a str, or odd options."""
    if not isinstance(method, str):
        msg = f"the method must be a str such as 'GET', not {type(method).__name__}"
        raise TypeError(msg)
    if not isinstance(url, str):
        msg = f"url must be a str path or URL, not {type(url).__name__}"
        raise TypeError(msg)
    if not isinstance(options, RequestOptions):
        msg = f"options must be RequestOptions, not {type(options).__name__}"
        raise TypeError(msg)


def is_v3_create(request: Request) -> bool:
    """Whether ``request`` is a POST to a v3 create endpoint (safe to key for idempotency)."""
    return request.method == "POST" and _V3_CREATES.match(request.path) is not None


ENV_BASE_URL: Final = "HEYGEN_BASE_URL"
"""The environment variable a client's base URL comes from when none is passed."""


def _base_url(given: str | None) -> str:
    """``given``, else ``$HEYGEN_BASE_URL`` (checked now, naming the variable), else HeyGen's."""
    if given is not None:
        return given
    value = os.environ.get(ENV_BASE_URL, "").strip()
    if not value:
        return DEFAULT_BASE_URL
    try:
        Request("GET", value)
    except (ValueError, TypeError) as exc:
        msg = f"{ENV_BASE_URL} must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}"
        raise ConfigurationError(msg) from exc
    return value


def _transport(
    given: Handler | None,
    *,
    proxy: str | None,
    trust_env: bool,
    ca_certs: str | os.PathLike[str] | None,
    ssl_context: ssl.SSLContext | None,
) -> Handler:
    """``given``, else a `Urllib3Transport` with these settings (refused alongside ``given``)."""
    if given is None:
        return Urllib3Transport(
            proxy=proxy, trust_env=trust_env, ca_certs=ca_certs, ssl_context=ssl_context
        )
    named = {"proxy": proxy, "ca_certs": ca_certs, "ssl_context": ssl_context}
    clashing = [name for name, value in named.items() if value is not None]
    if trust_env is not True:
        clashing.append("trust_env")
    if clashing:
        msg = (
            f"{', '.join(clashing)} configure the default transport; with transport= given, "
            "pass them to that transport (Urllib3Transport(...)) instead"
        )
        raise ConfigurationError(msg)
    return given


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
        base_url = _base_url(base_url)
        for url in (base_url, upload_url):
            Request("GET", url)  # an absolute http(s) URL, or a clear error now
        if stack is not None and not isinstance(stack, Stack):
            msg = f"stack must be a Stack, not {type(stack).__name__}"
            raise TypeError(msg)
        if not (isinstance(auto_idempotency, bool) or callable(auto_idempotency)):
            msg = "auto_idempotency must be a bool or a function of the request"
            raise TypeError(msg)
        self.base_url = base_url.rstrip("/")
        self.upload_url = upload_url.rstrip("/")
        # The key is resolved (and checked) only when a stack needs it: a stack that brings its
        # own auth, such as BearerAuth, works without one.
        self._api_key = Secret(api_key) if isinstance(api_key, str) else api_key
        self._auth: ApiKeyAuth | None = None
        self._owns_transport = transport is None
        self._transport: Handler = _transport(
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
        self._user_agent_headers = _user_agent_headers(user_agent)
        self._write_timeout = RequestOptions(timeout=write_timeout).timeout
        self._default_headers = _default_headers(default_headers)
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

        Two placeholders, bound independently: a ``ClientAuth`` gets this client's key, and a
        breaker that guards every host is scoped to this client's API and upload hosts, as in
        the stack the client builds itself (so a failing CDN never opens the API breaker,
        whatever the stack's ``auth``). The given stack is left as it is.
        """
        hosts = auth_hosts(self.base_url, self.upload_url)
        bound = stack
        for name, middleware in stack:
            if isinstance(middleware, ClientAuth):
                bound = bound.replace(name, self._client_auth(hosts))
            elif isinstance(middleware, CircuitBreakerMiddleware) and middleware.hosts is None:
                bound = bound.replace(name, middleware.scoped_to(hosts))
        return bound

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
        if not any(isinstance(m, ClientAuth) for _name, m in self._unbound_stack):
            msg = (
                "with_options(api_key=...) needs a stack whose auth is the ClientAuth "
                "placeholder; this stack brings its own auth (use with_stack instead)"
            )
            raise ConfigurationError(msg)
        return self._bind(self._unbound_stack)

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
        if not isinstance(stack, Stack):
            msg = f"stack must be a Stack, not {type(stack).__name__}"
            raise TypeError(msg)
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
        derived: dict[str, Any] = {
            "_options": _evolve_options(self._options, changes, "with_options() takes only")
        }
        if headers is not None:
            derived["_default_headers"] = self._default_headers.with_headers(
                _default_headers(headers)
            )
        if api_key is not None:
            key = Secret(api_key) if isinstance(api_key, str) else api_key
            derived.update(_api_key=key, _auth=None)
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
        _check_types(method, url, opts)
        if url.startswith("/"):
            url = self.base_url + url
        if total_timeout is not None:
            if "deadline" in option_changes:
                msg = "pass either total_timeout= or deadline=, not both"
                raise TypeError(msg)
            option_changes["deadline"] = _deadline_in(total_timeout)
        if option_changes:
            opts = _evolve_options(opts, option_changes, f"a request takes {_REQUEST_ARGS} and")
        if opts.timeout is None and self._write_timeout is not None and method.upper() in _WRITES:
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
