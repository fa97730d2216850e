"""HeyGen's endpoints grouped by area, as typed helpers on the client.

Every [HeyGenClient][heygen_pipeline.HeyGenClient] carries one helper per area, bound to it:
``client.videos``, ``client.avatars``, ``client.voices``, ``client.templates``,
``client.user``, ``client.assets``, ``client.translations`` and
``client.webhook_endpoints``. Each call is a request through the client's stack; results are
small frozen models (`Video`, `Avatar`, ...) with the fields users need and ``raw``, the
object HeyGen sent. Lists are lazy iterators over every page (`paginate`).
"""

from heygen_pipeline.resources._assets import MAX_ASSET_BYTES, Assets
from heygen_pipeline.resources._avatars import Avatars
from heygen_pipeline.resources._base import JobResource, Resource
from heygen_pipeline.resources._download import DownloadResult, download
from heygen_pipeline.resources._models import (
    Avatar,
    Quota,
    TalkingPhoto,
    User,
    Video,
    Voice,
)
from heygen_pipeline.resources._models_assets import (
    Asset,
    AssetBatch,
    AssetSearchResult,
    BatchItem,
    Deletion,
    DirectUpload,
    DirectUploadBatch,
    JobStatus,
)
from heygen_pipeline.resources._models_templates import (
    Template,
    TemplateScene,
    TemplateVariable,
)
from heygen_pipeline.resources._models_translations import (
    Proofread,
    ProofreadSrt,
    Translation,
    TranslationBatch,
)
from heygen_pipeline.resources._models_webhooks import (
    WebhookEndpoint,
    WebhookEventRecord,
    WebhookEventType,
    WebhookSecret,
)
from heygen_pipeline.resources._paging import MAX_PAGE_SIZE, paginate
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
from heygen_pipeline.resources._videos import Videos
from heygen_pipeline.resources._voices import Voices
from heygen_pipeline.resources._wait import poll_delay, wait_for
from heygen_pipeline.resources._webhook_endpoints import WebhookEndpoints

__all__ = [
    "LEGACY_CONTENT_TYPES",
    "MAX_ASSET_BYTES",
    "MAX_PAGE_SIZE",
    "UPLOAD_TIMEOUT",
    "Asset",
    "AssetBatch",
    "AssetSearchResult",
    "Assets",
    "Avatar",
    "Avatars",
    "BatchItem",
    "Deletion",
    "DirectUpload",
    "DirectUploadBatch",
    "DownloadResult",
    "FileBody",
    "JobResource",
    "JobStatus",
    "Proofread",
    "ProofreadSrt",
    "Quota",
    "Resource",
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
    "User",
    "UserResource",
    "Video",
    "Videos",
    "Voice",
    "Voices",
    "WebhookEndpoint",
    "WebhookEndpoints",
    "WebhookEventRecord",
    "WebhookEventType",
    "WebhookSecret",
    "download",
    "multipart_body",
    "paginate",
    "poll_delay",
    "wait_for",
]
