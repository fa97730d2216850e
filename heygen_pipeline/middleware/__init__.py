"""The middlewares of the default stack, each usable alone and configurable by its constructor.

Outermost first, as the default stack orders them: `EnvelopeMiddleware`, `BackoffMiddleware`,
`RedirectMiddleware`, `CircuitBreakerMiddleware`, `LoggingMiddleware`, `ApiKeyAuth` (or
`BearerAuth`). The pure decision functions they use are exported too, for tests and for
middleware of your own.
"""

from heygen_pipeline.errors import ConfigurationError, InsecureTransportError, RedirectError
from heygen_pipeline.middleware._auth import UPLOAD_HOST, ApiKeyAuth, BearerAuth
from heygen_pipeline.middleware._backoff import RETRY_EVENT, BackoffMiddleware
from heygen_pipeline.middleware._backoff_policy import (
    DEFAULT_IDEMPOTENT_METHODS,
    DEFAULT_RETRY_STATUSES,
    RETRY_AFTER_EXCEEDS_CAP,
    AttemptRecord,
    BackoffPolicy,
    decide,
    is_replay_safe,
)
from heygen_pipeline.middleware._breaker import (
    Admission,
    AtomicBreakerStorage,
    BreakerSnapshot,
    CircuitBreakerMiddleware,
    Verdict,
    breaker_admission,
    breaker_verdict,
    is_failure,
)
from heygen_pipeline.middleware._context import (
    ATTEMPT,
    Attempt,
    RetryDecision,
    RetryHook,
    RetryReport,
)
from heygen_pipeline.middleware._envelope import EnvelopeMiddleware, unwrap
from heygen_pipeline.middleware._logging import (
    DEFAULT_LOGGED_HEADERS,
    LoggingMiddleware,
    RedactSecrets,
)
from heygen_pipeline.middleware._redirects import (
    REDIRECT_STATUSES,
    RedirectMiddleware,
    next_hop,
    redirect_method,
    resolve_location,
)
from heygen_pipeline.middleware._retry_after import parse_retry_after

__all__ = [
    "ATTEMPT",
    "DEFAULT_IDEMPOTENT_METHODS",
    "DEFAULT_LOGGED_HEADERS",
    "DEFAULT_RETRY_STATUSES",
    "REDIRECT_STATUSES",
    "RETRY_AFTER_EXCEEDS_CAP",
    "RETRY_EVENT",
    "UPLOAD_HOST",
    "Admission",
    "ApiKeyAuth",
    "AtomicBreakerStorage",
    "Attempt",
    "AttemptRecord",
    "BackoffMiddleware",
    "BackoffPolicy",
    "BearerAuth",
    "BreakerSnapshot",
    "CircuitBreakerMiddleware",
    "ConfigurationError",
    "EnvelopeMiddleware",
    "InsecureTransportError",
    "LoggingMiddleware",
    "RedactSecrets",
    "RedirectError",
    "RedirectMiddleware",
    "RetryDecision",
    "RetryHook",
    "RetryReport",
    "Verdict",
    "breaker_admission",
    "breaker_verdict",
    "decide",
    "is_failure",
    "is_replay_safe",
    "next_hop",
    "parse_retry_after",
    "redirect_method",
    "resolve_location",
    "unwrap",
]
