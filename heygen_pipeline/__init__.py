"""heygen_pipeline: a middleware-pipeline HTTP client for the HeyGen API, on urllib3.

Requests pass through a :class:`Stack` of small middlewares down to a
:class:`Urllib3Transport`; see the docs for the contract and the default stack.
"""

from heygen_pipeline import errors
from heygen_pipeline._headers import Headers
from heygen_pipeline._models import ExtensionKey, Request, RequestOptions, Response, Timeout
from heygen_pipeline._redact import Secret
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport
from heygen_pipeline._version import __version__
from heygen_pipeline.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    ConflictError,
    ConnectError,
    ConnectTimeoutError,
    DuplicateNameError,
    HeyGenError,
    InsufficientCreditError,
    MalformedResponseError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ReadTimeoutError,
    ServerError,
    StackError,
    TimeoutError,  # noqa: A004 - the name DESIGN.md fixes; also reachable as errors.TimeoutError
    TLSError,
    TooManyRedirectsError,
    TransportError,
    UnknownNameError,
)

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CircuitOpenError",
    "ConflictError",
    "ConnectError",
    "ConnectTimeoutError",
    "DuplicateNameError",
    "ExtensionKey",
    "Headers",
    "HeyGenError",
    "InsufficientCreditError",
    "MalformedResponseError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "ReadTimeoutError",
    "Request",
    "RequestOptions",
    "Response",
    "Secret",
    "ServerError",
    "Stack",
    "StackError",
    "TLSError",
    "Timeout",
    "TimeoutError",
    "TooManyRedirectsError",
    "TransportError",
    "UnknownNameError",
    "Urllib3Transport",
    "__version__",
    "errors",
]
