"""The error tree: everything the library raises on purpose derives from `HeyGenError`.

API errors keep what HeyGen said (status, code, message, request id, param, doc url); transport
errors say whether the request may have reached the server (``sent``), which decides whether a
retry is safe. Every text an error holds (message, args and every field, whenever it is set)
is scrubbed of registered secrets, and scrubbed again when rendered or pickled.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from heygen_pipeline._http import is_server_error
from heygen_pipeline._redact import scrub

if TYPE_CHECKING:
    from heygen_pipeline._models import Request, Response

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CircuitOpenError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "ConnectTimeoutError",
    "DuplicateNameError",
    "HeyGenError",
    "InsecureTransportError",
    "InsufficientCreditError",
    "JobFailedError",
    "MalformedResponseError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "ReadTimeoutError",
    "RedirectError",
    "ResponseTooLargeError",
    "ServerError",
    "StackError",
    "TLSError",
    "TimeoutError",
    "TooManyRedirectsError",
    "TransportError",
    "UnknownNameError",
    "UnsafeDestinationError",
    "WaitTimeoutError",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "error_class",
    "error_class_for_status",
]


def _scrubbed(value: object) -> Any:
    """``value`` with registered secrets removed from its text (str, or a tuple holding str)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, tuple):
        return tuple(_scrubbed(item) for item in value)
    return value


class HeyGenError(Exception):
    """Root of every error the library raises on purpose."""

    def __init__(self, message: str, *, request: Request | None = None) -> None:
        """Keep a scrubbed message and the request that failed, if any."""
        self.message = str(message)
        self.request = request
        super().__init__(self.message)

    def __setattr__(self, name: str, value: object) -> None:
        """Scrub every text field as it is set: a server may echo the key into any of them."""
        super().__setattr__(name, _scrubbed(value))

    def __str__(self) -> str:
        """The message, with any registered secret removed."""
        return scrub(self.message)

    def __repr__(self) -> str:
        """Class and message, never a secret."""
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the message and fields so errors cross process boundaries.

        The request and response are left out (unpickled as None): they may hold a live
        stream or connection, and are not picklable.
        """
        state = {k: None if k in _UNPICKLED else _scrubbed(v) for k, v in self.__dict__.items()}
        return (_rebuild, (type(self), state))


_UNPICKLED = frozenset({"request", "response"})


def _rebuild(cls: type[HeyGenError], state: dict[str, Any]) -> HeyGenError:
    err = cls.__new__(cls)
    Exception.__init__(err, _scrubbed(state.get("message", "")))
    err.__dict__.update({k: _scrubbed(v) for k, v in state.items()})
    return err


class StackError(HeyGenError, ValueError):
    """A Stack edit named something wrong."""

    def __init__(self, message: str, *, names: tuple[str, ...] = ()) -> None:
        """Keep the names the stack does have, for the message and for callers."""
        self.names = names
        super().__init__(f"{message}; the stack has: {', '.join(names) or '(nothing)'}")


class UnknownNameError(StackError, KeyError):
    """A Stack edit named a middleware (or anchor) that is not in the stack."""

    def __str__(self) -> str:
        """Plain message (KeyError would otherwise quote it)."""
        return self.message


class DuplicateNameError(StackError):
    """A Stack edit would give two middlewares the same name."""


class APIError(HeyGenError):
    """HeyGen answered with an error: status, code and message are what it said."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | int | None = None,
        request_id: str | None = None,
        param: str | None = None,
        doc_url: str | None = None,
        body_excerpt: str | None = None,
        request: Request | None = None,
        response: Response | None = None,
    ) -> None:
        """Keep every field HeyGen gave; ``body_excerpt`` is a short, scrubbed piece of the body."""
        self.status = status
        self.code = code
        self.request_id = request_id
        self.param = param
        self.doc_url = doc_url
        self.body_excerpt = body_excerpt
        self.response = response
        super().__init__(message, request=request)

    def __str__(self) -> str:
        """One line: status, code, message and request id."""
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code is not None:
            parts.append(f"[{self.code}]")
        parts.append(self.message)
        if self.param:
            parts.append(f"(param: {self.param})")
        if self.request_id:
            parts.append(f"(request id: {self.request_id})")
        return scrub(" ".join(parts))


class BadRequestError(APIError):
    """400, 422 or 424: the request was invalid."""


class AuthenticationError(APIError):
    """401: the key or token was missing, wrong or expired."""


class InsufficientCreditError(APIError):
    """402: the account has not enough credit for this call."""


class PermissionDeniedError(APIError):
    """403: the key may not do this."""


class NotFoundError(APIError):
    """404: no such resource."""


class ConflictError(APIError):
    """409: a conflict, such as ``request_in_progress`` for a repeated Idempotency-Key."""


class PayloadTooLargeError(APIError):
    """413: the body was too large."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the wait the server asked for, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        """Keep the server's requested wait alongside the API error fields."""
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(APIError):
    """5xx: HeyGen (or a gateway before it) failed."""


class MalformedResponseError(APIError):
    """The body was not the envelope it claims to be (HTML, empty, truncated, not JSON)."""


class TransportError(HeyGenError):
    """The request did not get a complete HTTP answer.

    ``sent`` is False only when the request certainly never reached the server, which makes a
    retry safe for any method.
    """

    sent: bool = True


class ConnectError(TransportError):
    """No connection could be made (refused, DNS, unreachable): nothing was sent."""

    sent = False


class TLSError(ConnectError):
    """The TLS handshake failed (for example, the certificate was not trusted)."""


class ProtocolError(TransportError):
    """The connection broke or the server spoke broken HTTP after the request went out."""


class TimeoutError(TransportError, builtins.TimeoutError):  # noqa: A001 - the name DESIGN.md fixes
    """A timeout expired."""


class ConnectTimeoutError(TimeoutError, ConnectError):
    """Connecting took longer than the connect timeout: nothing was sent."""

    sent = False


class ReadTimeoutError(TimeoutError):
    """The server did not answer within the read timeout; it may have acted on the request."""


class CircuitOpenError(HeyGenError):
    """The circuit breaker is open: the call failed fast without reaching the server."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, request: Request | None = None
    ) -> None:
        """``retry_after`` is how many seconds until the breaker lets a trial call through."""
        self.retry_after = retry_after
        super().__init__(message, request=request)


class TooManyRedirectsError(HeyGenError):
    """A redirect chain was longer than the limit (or looped)."""


class RedirectError(HeyGenError):
    """A redirect that must not or cannot be followed.

    Its ``Location`` is missing, unparsable, not http(s), carries credentials, or downgrades
    https to http; or the hop would have to resend a body that cannot be replayed.
    """


class ResponseTooLargeError(HeyGenError):
    """A response body was larger than the transport's ``max_body_size``; it was not read.

    The server answered (``status``), but the body would not fit: the transport stopped
    reading at ``limit`` bytes (or before reading, when ``Content-Length`` already said so) and
    closed the connection. ``size`` is the declared length, ``None`` when the server declared
    none. Not a `TransportError`: the same request would get the same body, so it is not
    retried, and it says nothing about the server's health, so the circuit breaker ignores it.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        size: int | None = None,
        status: int | None = None,
        request: Request | None = None,
    ) -> None:
        """Keep the limit, the declared size and the status of the refused response."""
        self.limit = limit
        self.size = size
        self.status = status
        super().__init__(message, request=request)


class ConfigurationError(HeyGenError, ValueError):
    """The library was set up wrongly (a missing key, an unsafe setting): nothing was sent."""


class InsecureTransportError(ConfigurationError):
    """The key would have gone over plain http to a host that is not loopback."""


class UnsafeDestinationError(HeyGenError, ValueError):
    """A download would write where it must not; nothing was fetched or written.

    Either a name from the server (a video id, a URL's last segment) that is not a plain file
    name (``../x``, an absolute path, a NUL, a device name, over 200 bytes...), or a
    destination that exists and is not a regular file (a FIFO, a device, a folder, a link
    to one; or, for a server-chosen name, any link). ``path`` is the destination, when known.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        """Keep the destination that was refused."""
        self.path = path
        super().__init__(message)


class JobFailedError(APIError):
    """An asynchronous job (a video render, a translation) ended in failure.

    HeyGen answered the status call normally (HTTP 200) and said the job failed: ``code`` and
    ``failure_message`` are its failure code and message, both ``None`` when it gave no reason
    (the message then says so). ``job_id`` names the job and ``job_status`` is its final
    status (``status`` stays the HTTP status of the poll that saw it).
    """

    def __init__(
        self,
        message: str,
        *,
        job_id: str | None = None,
        job_status: str | None = None,
        failure_message: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Keep the job's id, final status and HeyGen's failure message beside the API fields."""
        self.job_id = job_id
        self.job_status = job_status
        self.failure_message = failure_message
        super().__init__(message, **kwargs)


class WaitTimeoutError(HeyGenError, builtins.TimeoutError):
    """A wait for a job reached its deadline before the job finished.

    The job may still finish later: ``job_id`` says which one to look at, ``last_status`` what
    the last successful poll said (``None`` if none succeeded). A poll that failed on the way
    is chained as ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        *,
        job_id: str | None = None,
        last_status: str | None = None,
        timeout: float | None = None,
        request: Request | None = None,
    ) -> None:
        """Keep which job, what it last said and how long the wait was."""
        self.job_id = job_id
        self.last_status = last_status
        self.timeout = timeout
        super().__init__(message, request=request)


class WebhookSignatureError(HeyGenError):
    """A webhook request's signature is missing or does not match its body (answer 401)."""


class WebhookPayloadError(HeyGenError, ValueError):
    """A webhook body is not an event: not UTF-8 JSON, not an object, or no ``event_type``."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: BadRequestError,
    424: BadRequestError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIError]:
    """The most specific API error class for an HTTP status."""
    if is_server_error(status):
        return ServerError
    return _BY_STATUS.get(status, APIError)


_BY_CODE: dict[str | int, type[APIError]] = {
    "unauthorized": AuthenticationError,
    "forbidden": PermissionDeniedError,
    "resource_access_denied": PermissionDeniedError,
    "invalid_parameter": BadRequestError,
    "validation_error": BadRequestError,
    "download_failed": BadRequestError,
    "insufficient_credit": InsufficientCreditError,
    "not_found": NotFoundError,
    "avatar_not_found": NotFoundError,
    "video_not_found": NotFoundError,
    "voice_not_found": NotFoundError,
    "conflict": ConflictError,
    "request_in_progress": ConflictError,
    "payload_too_large": PayloadTooLargeError,
    "rate_limit_exceeded": RateLimitError,
    "quota_exceeded": RateLimitError,
    "internal_error": ServerError,
    "gateway_timeout": ServerError,
    # legacy numeric codes
    40009: AuthenticationError,
    400112: AuthenticationError,
    401056: AuthenticationError,
    401057: AuthenticationError,
    400562: PermissionDeniedError,
    400573: PermissionDeniedError,
    400599: PermissionDeniedError,
    40001: BadRequestError,
    400175: BadRequestError,
    400542: BadRequestError,
    40104: NotFoundError,
    400131: NotFoundError,
}
"""Error codes to classes, used when the HTTP status does not decide (an error body on a 200).

On a 4xx/5xx the status decides, since HeyGen sends ``internal_error`` even on 400s.
"""


def error_class(status: int, code: str | int | None = None) -> type[APIError]:
    """The API error class for a response: by status on a 4xx/5xx, else by HeyGen's code.

    The one status-and-code-to-class decision (the envelope middleware, downloads): an error
    body on a 200 is classed by its code, falling back to the status's class.
    """
    if status >= 400 or code is None:  # noqa: PLR2004 - an HTTP error status decides
        return error_class_for_status(status)
    return _BY_CODE.get(code) or error_class_for_status(status)
