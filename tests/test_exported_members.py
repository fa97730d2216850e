import importlib
import inspect
import re
from types import ModuleType

import pytest

import heygen_pipeline
from heygen_pipeline import errors

EXPECTED_ALL = {
    "heygen_pipeline": [
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
    ],
    "heygen_pipeline.middleware": [
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
    ],
    "heygen_pipeline.testing": [
        "ApiSpec",
        "BytesStream",
        "FakeHeyGen",
        "Fault",
        "MockTransport",
        "RecordedRequest",
        "ReplyViolation",
        "SpecExample",
        "SpecOperation",
        "SpecViolation",
        "UploadedAsset",
        "load_spec",
        "make_response",
    ],
    "heygen_pipeline.errors": [
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
    ],
    "heygen_pipeline.webhooks": [
        "DEFAULT_SIGNATURE_HEADER",
        "DEFAULT_TOLERANCE",
        "EVENT_CLASSES",
        "EVENT_TYPES",
        "MAX_WEBHOOK_BODY",
        "SIGNATURE_HEADERS",
        "AvatarVideoCaptionFail",
        "AvatarVideoCaptionSuccess",
        "AvatarVideoFail",
        "AvatarVideoGifFail",
        "AvatarVideoGifSuccess",
        "AvatarVideoSuccess",
        "HeaderSource",
        "JobEvent",
        "PersonalizedVideo",
        "SignatureScheme",
        "UnknownEvent",
        "VideoTranslateFail",
        "VideoTranslatePreflightFail",
        "VideoTranslateSuccess",
        "WebhookEvent",
        "WebhookPayloadError",
        "WebhookSignatureError",
        "callback_event",
        "new_callback_id",
        "parse_event",
        "receive_event",
        "sign_webhook",
        "verified_event",
        "verify_request",
        "verify_webhook",
    ],
    "heygen_pipeline.resources": [
        "LEGACY_CONTENT_TYPES",
        "MAX_ASSET_BYTES",
        "MAX_PAGE_SIZE",
        "UPLOAD_TIMEOUT",
        "AgentFile",
        "AgentMessage",
        "AgentResource",
        "AgentRun",
        "AgentSession",
        "AgentStyle",
        "AgentVideo",
        "AiClip",
        "AiClipping",
        "AiClippings",
        "Asset",
        "AssetBatch",
        "AssetSearchResult",
        "Assets",
        "Audio",
        "AutoReload",
        "Avatar",
        "AvatarConsent",
        "AvatarCreation",
        "AvatarGroup",
        "AvatarLook",
        "AvatarLooks",
        "Avatars",
        "BackgroundRemoval",
        "BackgroundRemovals",
        "BatchItem",
        "BrandGlossaries",
        "BrandGlossary",
        "BrandKit",
        "BrandKits",
        "CallOptions",
        "CreditPool",
        "DataVerbs",
        "Deletion",
        "DirectUpload",
        "DirectUploadBatch",
        "DownloadResult",
        "FileBody",
        "JobResource",
        "JobStatus",
        "Lipsync",
        "LipsyncBatch",
        "LipsyncRequest",
        "Lipsyncs",
        "Proofread",
        "ProofreadSrt",
        "Quota",
        "RawResponses",
        "RawResult",
        "Requester",
        "Resource",
        "Sound",
        "Speech",
        "SubscriptionBilling",
        "SubscriptionCredits",
        "TalkingPhoto",
        "Template",
        "TemplateScene",
        "TemplateVariable",
        "Templates",
        "Translation",
        "TranslationBatch",
        "TranslationRequest",
        "Translations",
        "UploadFile",
        "UsageBasedBilling",
        "User",
        "UserResource",
        "Video",
        "VideoAgents",
        "VideoBatch",
        "VideoRequest",
        "Videos",
        "Voice",
        "VoiceClone",
        "VoiceDesign",
        "Voices",
        "Wallet",
        "WebhookEndpoint",
        "WebhookEndpoints",
        "WebhookEventRecord",
        "WebhookEventType",
        "WebhookSecret",
        "WordTimestamp",
        "download",
        "multipart_body",
        "paginate",
        "poll_delay",
        "wait_for",
    ],
    "heygen_pipeline.shared": [
        "JobSlots",
        "OnError",
        "RedisBreakerStorage",
        "SharedCooldown",
        "SharedStateError",
        "Slot",
        "SlotLostError",
        "SlotTimeoutError",
        "connect",
        "key_id",
        "with_shared_state",
    ],
    "heygen_pipeline.typing": [
        "Clock",
        "Handler",
        "JobSlot",
        "JobSlotProvider",
        "Middleware",
        "Outcome",
        "Random",
        "ResponseStream",
        "Sleep",
    ],
}
"""The public names, pinned: a change here is a change to the public API, made on purpose."""

MODULE_NAMES = list(EXPECTED_ALL)


def module(name: str) -> ModuleType:
    """The imported module called ``name``."""
    return importlib.import_module(name)


def isort_key(name: str) -> tuple[int, list[int | str]]:
    """The order ruff's RUF022 keeps ``__all__`` in: CONSTANTS, then Classes, then the rest.

    Within each group names compare case-sensitively, runs of digits as numbers.
    """
    if len(name) > 1 and name.isupper():
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    parts = [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name) if p]
    return group, parts


def is_ours(value: object) -> bool:
    """Whether ``value`` is a class or function defined somewhere in heygen_pipeline."""
    owner = getattr(value, "__module__", None) or ""
    return (inspect.isclass(value) or inspect.isfunction(value)) and (
        owner == "heygen_pipeline" or owner.startswith("heygen_pipeline.")
    )


class TestPinned:
    """Each public module's ``__all__`` is exactly the pinned list."""

    @pytest.mark.parametrize("name", MODULE_NAMES)
    def test_all_is_as_pinned(self, name):
        """``__all__`` equals the pinned list, order included."""
        assert module(name).__all__ == EXPECTED_ALL[name]

    @pytest.mark.parametrize("name", MODULE_NAMES)
    def test_all_is_sorted(self, name):
        """``__all__`` is in RUF022 (isort-style) order, without duplicates."""
        names = module(name).__all__
        assert names == sorted(names, key=isort_key)
        assert len(set(names)) == len(names)

    def test_sort_key(self):
        """The key puts constants, then classes, then the rest; digits compare as numbers."""
        names = ["b", "Ab", "AB", "A10", "A9", "__v__", "X_Y", "a"]
        assert sorted(names, key=isort_key) == ["A9", "A10", "AB", "X_Y", "Ab", "__v__", "a", "b"]


class TestNamesExist:
    """Every exported name is really there."""

    @pytest.mark.parametrize("name", MODULE_NAMES)
    def test_every_name_resolves(self, name):
        """Each name in ``__all__`` is an attribute of its module."""
        mod = module(name)
        missing = [n for n in mod.__all__ if not hasattr(mod, n)]
        assert missing == []

    @pytest.mark.parametrize("name", MODULE_NAMES)
    def test_star_import(self, name):
        """``from module import *`` gives exactly ``__all__``."""
        namespace: dict[str, object] = {}
        exec(f"from {name} import *", namespace)  # noqa: S102 - a fixed, trusted statement
        assert sorted(set(namespace) - {"__builtins__"}) == sorted(EXPECTED_ALL[name])

    @pytest.mark.parametrize("name", MODULE_NAMES)
    def test_exported_classes_and_functions_are_ours(self, name):
        """No third-party class or function is re-exported by accident."""
        mod = module(name)
        foreign = [
            n
            for n in mod.__all__
            if (inspect.isclass(getattr(mod, n)) or inspect.isfunction(getattr(mod, n)))
            and not is_ours(getattr(mod, n))
        ]
        assert foreign == []


class TestNothingPublicLeftOut:
    """Public classes and functions in a public module are in its ``__all__``."""

    @pytest.mark.parametrize("name", MODULE_NAMES)
    def test_public_members_are_exported(self, name):
        """A package exports every class/function of ours it holds; a module, those it defines.

        A plain module may import helpers for its own use (``errors`` uses ``scrub``); a
        package's ``__init__`` exists to re-export, so everything of ours in it must be listed.
        """
        mod = module(name)
        is_package = hasattr(mod, "__path__")
        public = {
            n
            for n, value in vars(mod).items()
            if not n.startswith("_")
            and is_ours(value)
            and (is_package or value.__module__ == mod.__name__)
        }
        assert sorted(public - set(mod.__all__)) == []


class TestTopLevel:
    """The top-level package re-exports the error tree."""

    def test_every_error_class_is_at_the_top_level(self):
        """Each error class of ``heygen_pipeline.errors`` is the same object at the top level."""
        classes = [n for n in errors.__all__ if inspect.isclass(getattr(errors, n))]
        assert classes
        for n in classes:
            assert n in heygen_pipeline.__all__
            assert getattr(heygen_pipeline, n) is getattr(errors, n)

    def test_version_is_a_string(self):
        """``__version__`` is a non-empty dotted version string."""
        assert re.fullmatch(r"\d+\.\d+\.\d+\S*", heygen_pipeline.__version__)
