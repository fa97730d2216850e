"""HeyGen's endpoints grouped by area, as typed helpers on the client.

Every [HeyGenClient][heygen_pipeline.HeyGenClient] carries one helper per area, bound to it:
``client.videos``, ``client.avatars``, ``client.voices``, ``client.templates``,
``client.user``, ``client.assets``, ``client.translations``, ``client.lipsyncs``,
``client.video_agents``, ``client.ai_clipping``, ``client.background_removals``,
``client.audio``, ``client.brand_kits``, ``client.brand_glossaries`` and
``client.webhook_endpoints``. Each call is a request through
the client's stack; results are small frozen models (`Video`, `AvatarLook`, ...) with the
fields users need and ``raw``, the object HeyGen sent. Lists are lazy iterators over every
page (`paginate`). A helper needs only a `Requester` (what it calls on the client), so it can
be built over anything that sends requests the way the client does.
"""

from heygen_pipeline.resources._ai_clipping import AiClippings
from heygen_pipeline.resources._assets import MAX_ASSET_BYTES, Assets
from heygen_pipeline.resources._avatars import AvatarLooks, Avatars
from heygen_pipeline.resources._background_removals import BackgroundRemovals
from heygen_pipeline.resources._base import JobResource, Resource
from heygen_pipeline.resources._call_options import CallOptions, RawResponses, RawResult
from heygen_pipeline.resources._download import DownloadResult, download
from heygen_pipeline.resources._library import Audio, BrandGlossaries, BrandKits
from heygen_pipeline.resources._lipsyncs import Lipsyncs
from heygen_pipeline.resources._lipsyncs_request import LipsyncRequest
from heygen_pipeline.resources._paging import MAX_PAGE_SIZE, paginate
from heygen_pipeline.resources._requester import DataVerbs, Requester
from heygen_pipeline.resources._results import (
    Avatar,
    Quota,
    TalkingPhoto,
    Video,
    Voice,
)
from heygen_pipeline.resources._results_agents import (
    AgentMessage,
    AgentResource,
    AgentRun,
    AgentSession,
    AgentStyle,
    AgentVideo,
)
from heygen_pipeline.resources._results_assets import (
    Asset,
    AssetBatch,
    AssetSearchResult,
    BatchItem,
    Deletion,
    DirectUpload,
    DirectUploadBatch,
    JobStatus,
)
from heygen_pipeline.resources._results_avatars import (
    AvatarConsent,
    AvatarCreation,
    AvatarGroup,
    AvatarLook,
)
from heygen_pipeline.resources._results_lipsyncs import Lipsync, LipsyncBatch
from heygen_pipeline.resources._results_media import (
    AiClip,
    AiClipping,
    BackgroundRemoval,
    BrandGlossary,
    BrandKit,
    Sound,
)
from heygen_pipeline.resources._results_templates import (
    Template,
    TemplateScene,
    TemplateVariable,
)
from heygen_pipeline.resources._results_translations import (
    Proofread,
    ProofreadSrt,
    Translation,
    TranslationBatch,
)
from heygen_pipeline.resources._results_user import (
    AutoReload,
    CreditPool,
    SubscriptionBilling,
    SubscriptionCredits,
    UsageBasedBilling,
    User,
    Wallet,
)
from heygen_pipeline.resources._results_videos import VideoBatch
from heygen_pipeline.resources._results_voices import Speech, VoiceClone, VoiceDesign, WordTimestamp
from heygen_pipeline.resources._results_webhooks import (
    WebhookEndpoint,
    WebhookEventRecord,
    WebhookEventType,
    WebhookSecret,
)
from heygen_pipeline.resources._templates import Templates
from heygen_pipeline.resources._translations import Translations
from heygen_pipeline.resources._translations_request import TranslationRequest
from heygen_pipeline.resources._upload import (
    LEGACY_CONTENT_TYPES,
    UPLOAD_TIMEOUT,
    FileBody,
    UploadFile,
    multipart_body,
)
from heygen_pipeline.resources._user import UserResource
from heygen_pipeline.resources._video_agents import AgentFile, VideoAgents
from heygen_pipeline.resources._videos import Videos
from heygen_pipeline.resources._videos_request import VideoRequest
from heygen_pipeline.resources._voices import Voices
from heygen_pipeline.resources._wait import poll_delay, wait_for
from heygen_pipeline.resources._webhook_endpoints import WebhookEndpoints

__all__ = [
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
]
