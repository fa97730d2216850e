"""heygen_pipeline: a middleware-pipeline HTTP client for the HeyGen API, on urllib3.

Requests pass through a `Stack` of small middlewares down to a
`Urllib3Transport`; see the docs for the contract and the default stack.
"""

from heygen_pipeline import errors
from heygen_pipeline._async_cancel import CallCancelledError
from heygen_pipeline._async_client import AsyncHeyGenClient
from heygen_pipeline._defaults import DEFAULT_NAMES, ClientAuth, default_stack
from heygen_pipeline._headers import Headers
from heygen_pipeline._models import ExtensionKey, Request, RequestOptions, Response, Timeout
from heygen_pipeline._redact import Secret
from heygen_pipeline._stack import Stack
from heygen_pipeline._transport import Urllib3Transport
from heygen_pipeline._version import __version__
from heygen_pipeline.client import HeyGenClient
from heygen_pipeline.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    ConnectTimeoutError,
    DuplicateNameError,
    HeyGenError,
    InsecureTransportError,
    InsufficientCreditError,
    JobFailedError,
    MalformedResponseError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ReadTimeoutError,
    RedirectError,
    ResponseTooLargeError,
    ServerError,
    StackError,
    TimeoutError,  # noqa: A004 - the name DESIGN.md fixes; also reachable as errors.TimeoutError
    TLSError,
    TooManyRedirectsError,
    TransportError,
    UnknownNameError,
    UnsafeDestinationError,
    WaitTimeoutError,
    WebhookPayloadError,
    WebhookSignatureError,
)

__all__ = [
    "DEFAULT_NAMES",
    "APIError",
    "AsyncHeyGenClient",
    "AuthenticationError",
    "BadRequestError",
    "CallCancelledError",
    "CircuitOpenError",
    "ClientAuth",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "ConnectTimeoutError",
    "DuplicateNameError",
    "ExtensionKey",
    "Headers",
    "HeyGenClient",
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
    "Request",
    "RequestOptions",
    "Response",
    "ResponseTooLargeError",
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
    "UnsafeDestinationError",
    "Urllib3Transport",
    "WaitTimeoutError",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "__version__",
    "default_stack",
    "errors",
]
