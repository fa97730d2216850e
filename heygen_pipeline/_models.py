"""The values that travel through the pipeline: Request, Response and their options.

All are frozen attrs classes; change them with ``attrs.evolve`` or the ``with_*`` helpers.
Everything a caller passes is checked here, once, so middlewares can trust what they receive.
"""

from __future__ import annotations

import json as _json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any, Final, Generic, TypeVar, cast
from urllib.parse import urlencode

import attrs

from heygen_pipeline._copying import copier_for
from heygen_pipeline._headers import Headers, to_headers
from heygen_pipeline._redact import SCRUB_MARGIN, cut, redact_url, scrub
from heygen_pipeline._urls import ParsedURL, target_of
from heygen_pipeline.errors import MalformedResponseError

if TYPE_CHECKING:
    from heygen_pipeline.typing import ResponseStream

T = TypeVar("T")

RequestBody = bytes | Iterable[bytes] | IO[bytes] | None
"""A request body: bytes, an iterable of byte chunks (sent chunked), or a binary file."""

_METHOD: Final = re.compile(r"^[A-Z]+$")
_COMMON_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_IDEMPOTENCY_KEY: Final = re.compile(r"^[A-Za-z0-9_\-:.]{1,255}$")
_EXCERPT: Final = 200
_REQUEST_ID: Final = re.compile(r"[\x21-\x7e]{1,128}")
"""A request id worth showing: 1-128 visible ASCII characters (HeyGen's are short ids)."""


MAX_SECONDS: Final = 366 * 86400.0
"""The longest timeout or total timeout accepted (a year); longer ones are caller mistakes
(``inf``, ``1e10``) that the socket layer would refuse on every call."""


@attrs.frozen
class Timeout:
    """Per-attempt timeouts in seconds; ``None`` waits for ever (not recommended)."""

    connect: float | None = attrs.field(default=10.0, validator=lambda _i, _a, v: _nonneg(v))
    read: float | None = attrs.field(default=30.0, validator=lambda _i, _a, v: _nonneg(v))


def _nonneg(value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"a timeout must be a number of seconds or None, not {type(value).__name__}"
        raise TypeError(msg)
    if not 0 <= value <= MAX_SECONDS:  # also rejects NaN and infinities
        msg = (
            f"a timeout must be >= 0 seconds and at most {MAX_SECONDS:.0f} (a year), "
            f"not {value!r} (None waits without a limit)"
        )
        raise ValueError(msg)


def _to_timeout(
    value: Timeout | float | tuple[float | None, float | None] | None,
) -> Timeout | None:
    if value is None or isinstance(value, Timeout):
        return value
    if isinstance(value, tuple):
        if len(value) != 2:  # noqa: PLR2004 - a (connect, read) pair
            msg = f"a timeout tuple must be (connect, read), not {len(value)} values"
            raise TypeError(msg)
        return Timeout(connect=value[0], read=value[1])
    _nonneg(value)
    return Timeout(connect=value, read=value)


@attrs.frozen(eq=False)
class ExtensionKey(Generic[T]):
    """A typed key for `RequestOptions.extensions`.

    Custom middleware defines a module-level key and reads its value with full typing::

        TENANT = ExtensionKey[str]("tenant")
        options.with_extension(TENANT, "acme").extension(TENANT)  # -> "acme"
    """

    name: str


def _to_extensions(value: Mapping[ExtensionKey[Any], object] | None) -> Mapping[Any, object]:
    if not value:
        return _EMPTY
    for key in value:
        if not isinstance(key, ExtensionKey):
            msg = f"extension keys must be ExtensionKey instances, not {type(key).__name__}"
            raise TypeError(msg)
    return MappingProxyType(dict(value))


_EMPTY: Final[Mapping[Any, object]] = MappingProxyType({})


def _check_key(_inst: object, _attr: object, value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not _IDEMPOTENCY_KEY.fullmatch(value):
        msg = "an Idempotency-Key must be 1-255 characters of A-Z a-z 0-9 _ - : ."
        raise ValueError(msg)


def _check_attempts(_inst: object, _attr: object, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"max_attempts must be an int or None, not {type(value).__name__}"
        raise TypeError(msg)
    if value < 1:
        msg = f"max_attempts must be >= 1, not {value!r}"
        raise ValueError(msg)


def _check_deadline(_inst: object, _attr: object, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        msg = (
            f"deadline must be a number (an instant on the monotonic clock) or None, not {value!r}"
        )
        raise TypeError(msg)
    if math.isinf(value):
        msg = f"deadline must be a finite instant (None for no deadline), not {value!r}"
        raise ValueError(msg)


def _optional_bool(_inst: object, attribute: attrs.Attribute[bool | None], value: object) -> None:
    """An attrs validator: a bool or None (the message names the type, never the value)."""
    if value is not None and not isinstance(value, bool):
        msg = f"{attribute.name} must be a bool or None, not {type(value).__name__}"
        raise TypeError(msg)


def _bool(_inst: object, attribute: attrs.Attribute[bool], value: object) -> None:
    """An attrs validator: a bool (the message names the type, never the value)."""
    if not isinstance(value, bool):
        msg = f"{attribute.name} must be a bool, not {type(value).__name__}"
        raise TypeError(msg)


@attrs.frozen
class RequestOptions:
    """Per-request settings that travel with the request through every middleware.

    ``None`` means "use the default of whichever middleware or transport decides".
    """

    timeout: Timeout | None = attrs.field(default=None, converter=_to_timeout)
    """Per-attempt connect/read timeouts (a float sets both)."""
    deadline: float | None = attrs.field(default=None, validator=_check_deadline)
    """Absolute instant on the backoff middleware's clock (``time.monotonic`` by default).

    No attempt starts after it, and each attempt's timeouts are shrunk to the time left.
    """
    max_attempts: int | None = attrs.field(default=None, validator=_check_attempts)
    """Upper bound on attempts for this request (1 disables retries)."""
    idempotent: bool | None = attrs.field(default=None, validator=_optional_bool)
    """Override whether this request is safe to repeat (default: judged from the method)."""
    idempotency_key: str | None = attrs.field(default=None, validator=_check_key)
    """Sent as the ``Idempotency-Key`` header; the same on every attempt."""
    stream: bool = attrs.field(default=False, validator=_bool)
    """Return the body as a stream instead of reading it into memory."""
    extensions: Mapping[Any, object] = attrs.field(
        default=_EMPTY, converter=_to_extensions, repr=lambda v: repr(dict(v))
    )
    """Values for custom middleware, keyed by `ExtensionKey`."""

    def extension(self, key: ExtensionKey[T], default: T | None = None) -> T | None:
        """The value stored under ``key``, or ``default``."""
        return cast("T | None", self.extensions.get(key, default))

    def with_extension(self, key: ExtensionKey[T], value: T) -> RequestOptions:
        """A copy with ``key`` set to ``value``."""
        return copier_for(type(self))(self, extensions={**self.extensions, key: value})

    def evolve(self, **changes: Any) -> RequestOptions:
        """A copy with ``changes`` applied: what ``attrs.evolve`` gives, for less.

        Only the changed fields are checked again.
        """
        return copier_for(type(self))(self, **changes)


DEFAULT_OPTIONS: Final = RequestOptions()


def _to_method(value: str) -> str:
    if not isinstance(value, str):
        msg = f"the method must be a str such as 'GET', not {type(value).__name__}"
        raise TypeError(msg)
    if type(value) is str and value in _COMMON_METHODS:  # upper case and valid already
        return value
    method = value.upper()
    if not _METHOD.fullmatch(method):
        msg = f"invalid HTTP method {value!r}"
        raise ValueError(msg)
    return method


def _check_body(_inst: object, _attr: object, body: RequestBody) -> None:
    if body is None or isinstance(body, bytes):
        return
    if isinstance(body, (str, bytearray, memoryview)):
        msg = (
            f"a request body must be bytes, an iterable of bytes or a binary file, not "
            f"{type(body).__name__}; encode text first, or pass json= for JSON"
        )
        raise TypeError(msg)
    if isinstance(body, Mapping):
        msg = "a request body cannot be a mapping; pass json= to send JSON"
        raise TypeError(msg)
    if not (hasattr(body, "read") or isinstance(body, Iterable)):
        msg = (
            "a request body must be bytes, an iterable of bytes or a binary file, "
            f"not {type(body).__name__}"
        )
        raise TypeError(msg)


@attrs.frozen(repr=False)
class Request:
    """One HTTP request as the pipeline sees it.

    ``url`` is absolute. If ``options.idempotency_key`` is set, the ``Idempotency-Key`` header
    carries it; a conflicting header is an error.
    """

    method: str = attrs.field(converter=_to_method)
    url: str = attrs.field()
    headers: Headers = attrs.field(factory=Headers, converter=to_headers)
    body: RequestBody = attrs.field(default=None, validator=_check_body)
    options: RequestOptions = attrs.field(default=DEFAULT_OPTIONS)
    _target: ParsedURL = attrs.field(init=False, eq=False)
    """Scheme, host, port, path and request target, parsed once from ``url``.

    The one parse that decides everything: the auth middleware's allowlist, the breaker's
    scope, redirects and the transport's connection all use it.
    """

    @options.validator
    def _check_options(self, _attr: object, value: object) -> None:
        if not isinstance(value, RequestOptions):
            msg = f"options must be RequestOptions, not {type(value).__name__}"
            raise TypeError(msg)

    def __attrs_post_init__(self) -> None:
        """Parse the URL once and reconcile the idempotency key with the header."""
        object.__setattr__(self, "_target", target_of(self.url))
        self._reconcile_key()

    def _after_copy(self, source: Request) -> None:
        """``__attrs_post_init__`` for a copy: the URL is parsed only if it changed."""
        if self.url is not source.url:
            object.__setattr__(self, "_target", target_of(self.url))
        if self.options.idempotency_key is not None:
            self._reconcile_key()

    def _reconcile_key(self) -> None:
        """Carry ``options.idempotency_key`` as the header; refuse a header that differs."""
        key = self.options.idempotency_key
        if key is not None:
            current = self.headers.get("Idempotency-Key")
            if current is None:
                object.__setattr__(
                    self, "headers", self.headers.with_header("Idempotency-Key", key)
                )
            elif current != key:
                msg = "the Idempotency-Key header differs from options.idempotency_key"
                raise ValueError(msg)

    @classmethod
    def build(
        cls,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int | float | bool] | None = None,
        headers: Headers | Mapping[str, str] | None = None,
        json: Any = None,
        content: RequestBody = None,
        options: RequestOptions | None = None,
    ) -> Request:
        """Build a request, encoding ``params`` into the query and ``json`` into the body."""
        if json is not None and content is not None:
            msg = "pass either json= or content=, not both"
            raise TypeError(msg)
        if params is not None and not isinstance(params, Mapping):
            msg = f"params must be a mapping of names to values, not {type(params).__name__}"
            raise TypeError(msg)
        if params:
            query = urlencode(
                {k: _param(v) for k, v in params.items() if v is not None}, doseq=False
            )
            url = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
        hdrs = to_headers(headers)
        if json is not None:
            try:
                encoded = _json.dumps(json, separators=(",", ":"), allow_nan=False).encode()
            except (TypeError, ValueError) as exc:
                msg = f"json= must be JSON-serialisable: {exc}"
                raise TypeError(msg) from None
            except RecursionError:
                msg = "json= is nested too deeply to encode"
                raise ValueError(msg) from None
            if "content-type" not in hdrs:
                hdrs = hdrs.with_header("Content-Type", "application/json")
            content = encoded
        return cls(method, url, headers=hdrs, body=content, options=options or DEFAULT_OPTIONS)

    @property
    def scheme(self) -> str:
        """``http`` or ``https``."""
        return self._target[0]

    @property
    def host(self) -> str:
        """The host name in lower case, without port."""
        return self._target[1]

    @property
    def port(self) -> int:
        """The port, explicit or the scheme's default."""
        return self._target[2]

    @property
    def path(self) -> str:
        """The path, ``/`` when empty."""
        return self._target[3]

    @property
    def target(self) -> str:
        """The request target sent on the request line: path and query, no fragment."""
        return self._target[4]

    @property
    def idempotency_key(self) -> str | None:
        """The ``Idempotency-Key`` header, if the request carries one."""
        return self.headers.get("Idempotency-Key")

    def evolve(self, **changes: Any) -> Request:
        """A copy with ``changes`` applied: what ``attrs.evolve`` gives, for less.

        Only the changed fields are checked again, and the URL is parsed again only when it
        changes; middleware that sets headers or options on every attempt calls this.
        """
        return copier_for(type(self))(self, **changes)

    def with_headers(self, headers: Mapping[str, str]) -> Request:
        """A copy with these headers set (replacing existing values)."""
        return copier_for(type(self))(self, headers=self.headers.with_headers(headers))

    def with_header(self, name: str, value: str) -> Request:
        """A copy with one header set (replacing any value in any case)."""
        return copier_for(type(self))(self, headers=self.headers.with_header(name, value))

    def without_headers(self, *names: str) -> Request:
        """A copy without the named headers."""
        return copier_for(type(self))(self, headers=self.headers.without(*names))

    def with_options(self, **changes: Any) -> Request:
        """A copy whose options have ``changes`` applied (``attrs.evolve`` on the options)."""
        return copier_for(type(self))(self, options=self.options.evolve(**changes))

    def __repr__(self) -> str:
        """Method, redacted URL and redacted headers; never a secret."""
        return f"<Request {self.method} {redact_url(self.url)} headers={self.headers!r}>"


def _param(value: str | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    msg = f"query parameter values must be str, int, float or bool, not {type(value).__name__}"
    raise TypeError(msg)


@attrs.frozen(repr=False)
class Response:
    """One HTTP response, and what the envelope middleware made of it.

    ``content`` holds the body unless the request asked to stream it, in which case ``stream``
    yields it and must be consumed or closed (``with response:`` does that). ``data`` is the
    unwrapped envelope payload once the ``envelope`` middleware has run; ``next_token`` and
    ``has_more`` carry the paging cursor.
    """

    status: int
    headers: Headers = attrs.field(converter=to_headers)
    request: Request
    content: bytes = b""
    stream: ResponseStream | None = attrs.field(default=None, eq=False)
    elapsed: float = 0.0
    data: Any = None
    envelope: str | None = None
    next_token: str | None = None
    has_more: bool | None = None

    @property
    def request_id(self) -> str | None:
        """HeyGen's request id (the ``X-Request-Id`` header), for support tickets and logs.

        None without one, and for a value that is no id (over 128 characters, spaces,
        control characters, several values): it goes into every error message and log
        line, so a server cannot make those huge or put terminal escapes in them. The raw
        header stays in ``headers``.
        """
        value = self.headers.get("X-Request-Id")
        if value is None or _REQUEST_ID.fullmatch(value.strip(" \t")) is None:
            return None
        return value.strip(" \t")

    @property
    def is_success(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300  # noqa: PLR2004 - the 2xx range

    def read(self) -> bytes:
        """The whole body: ``content``, or everything left in the stream."""
        if self.stream is not None:
            return self.stream.read()
        return self.content

    def iter_bytes(self, chunk_size: int = 65536) -> Iterator[bytes]:
        """The body in chunks: from the stream if streaming, else from ``content``."""
        if self.stream is not None:
            yield from self.stream.iter_bytes(chunk_size)
            return
        for start in range(0, len(self.content), chunk_size):
            yield self.content[start : start + chunk_size]

    def close(self) -> None:
        """Release the connection behind a streamed body (a no-op otherwise)."""
        if self.stream is not None:
            self.stream.close()

    def __enter__(self) -> Response:
        """Use as a context manager to release a streamed body for sure."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close the stream."""
        self.close()

    def json(self) -> Any:
        """The body parsed as JSON; a body that is not JSON raises ``MalformedResponseError``."""
        body = self.read()
        try:
            return _json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise MalformedResponseError(
                f"the response body is not valid JSON ({exc.__class__.__name__})",
                status=self.status,
                request_id=self.request_id,
                body_excerpt=excerpt(body),
                request=self.request,
            ) from exc

    def evolve(self, **changes: Any) -> Response:
        """A copy with ``changes`` applied: what ``attrs.evolve`` gives, for less."""
        return copier_for(type(self))(self, **changes)

    def __repr__(self) -> str:
        """Status, method and redacted URL; never a secret."""
        return f"<Response {self.status} {self.request.method} {redact_url(self.request.url)}>"


def excerpt(body: bytes, limit: int = _EXCERPT) -> str:
    """A short, printable piece of a body for error messages, scrubbed of secrets.

    Scrubbed before it is cut: a secret straddling the cut would otherwise leave all but its
    tail behind, where scrubbing no longer recognises it.
    """
    head = body[: 4 * limit + SCRUB_MARGIN]  # UTF-8: at most 4 bytes a character
    # Scrubbed before the whitespace is collapsed (a key with spaces, echoed with other
    # spacing, is found by the second scrub in `cut`), and cut last.
    text = " ".join(scrub(head.decode("utf-8", "replace")).split())
    return cut(text, limit, truncated=len(head) < len(body), ellipsis="...")
