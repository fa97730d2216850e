"""State shared by the FakeHeyGen hosts: render jobs, idempotency keys, uploads, requests.

The state keeps its own lock and holds it only for in-memory work, never during I/O, so any
number of handler threads can share one instance.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from heygen_pipeline.testing._fake_agents import AgentStore
from heygen_pipeline.testing._fake_assets import AssetStore
from heygen_pipeline.testing._fake_avatars import AvatarStore, VoiceStore
from heygen_pipeline.testing._fake_lipsyncs import LipsyncStore
from heygen_pipeline.testing._fake_media import MediaJobStore
from heygen_pipeline.testing._fake_multipart import FormPart
from heygen_pipeline.testing._fake_translations import TranslationJobs
from heygen_pipeline.testing._fake_videos import VideoExtras
from heygen_pipeline.testing._fake_webhooks import WebhookStore

_BLOCK: Final = bytes(range(256)) * 256
SEEDED_VIDEOS: Final = 3


def video_chunks(size: int) -> Iterator[bytes]:
    """Yield the deterministic CDN video bytes (byte ``i`` is ``i % 256``) in 64 KiB chunks."""
    full, rest = divmod(size, len(_BLOCK))
    for _ in range(full):
        yield _BLOCK
    if rest:
        yield _BLOCK[:rest]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as a FakeHeyGen host received it (routes read the same object).

    Attributes:
        host: ``"api"``, ``"upload"`` or ``"cdn"``.
        method: Upper-case HTTP method.
        path: Path without the query.
        query: Query parameters (the last value wins on repeats).
        headers: Header values keyed by lowercased name (repeats joined with ``", "``).
        body: The body, or None when it was over 1 MiB (see ``body_size``, ``body_sha256``).
        body_size: Body length in bytes.
        body_sha256: Hex SHA-256 of the body.
        time: ``time.time()`` when the request was recorded.
        request_id: The ``X-Request-Id`` sent back (None on the CDN).
        connection_id: Which TCP connection carried it (equal ids prove keep-alive).
        form: The parts of a ``multipart/form-data`` body (hashed as they streamed in), or
            None for other bodies and for malformed multipart ones.
        form_error: Why a multipart body could not be parsed, if it could not.
    """

    host: str
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str] = field(repr=False)
    body: bytes | None = field(repr=False)
    body_size: int
    body_sha256: str
    time: float
    request_id: str | None
    connection_id: int
    form: tuple[FormPart, ...] | None = field(default=None, repr=False)
    form_error: str | None = None

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name, or None."""
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Failure:
    """Why a render failed; ``message=None`` models HeyGen's reason-less failures."""

    code: str | int
    message: str | None
    detail: str | None = None


@dataclass(frozen=True)
class UploadedAsset:
    """One uploaded asset (its bytes are kept only when small).

    Legacy uploads arrive raw on the upload host; v3 ones as the ``file`` part of a
    multipart ``POST /v3/assets``, with their ``filename``.
    """

    id: str
    content_type: str
    size: int
    sha256: str
    filename: str | None = None
    uploaded_at: int = 0


@dataclass
class _Video:
    id: str
    seq: int
    title: str
    created_at: int
    polls: int = 0
    failure: Failure | None = None


@dataclass(frozen=True)
class VideoView:
    """A consistent snapshot of one video, taken under the state's lock."""

    id: str
    seq: int
    title: str
    created_at: int
    status: str
    failure: Failure | None


class FakeState:
    """Videos, idempotency keys and assets shared by all hosts of one FakeHeyGen."""

    def __init__(
        self,
        *,
        api_key: str,
        oauth_token: str | None,
        render_polls: int,
        video_bytes: int,
        page_size_default: int,
        asset_max_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        """Store the configuration and seed a few finished videos."""
        self.api_key = api_key
        self.oauth_token = oauth_token
        self.render_polls = render_polls
        self.video_bytes = video_bytes
        self.page_size_default = page_size_default
        self.asset_max_bytes = asset_max_bytes
        self.translations = TranslationJobs(render_polls)
        self.proofreads = TranslationJobs(render_polls)
        self.lipsyncs = LipsyncStore(render_polls)
        self.agents = AgentStore(render_polls)
        self.clippings = MediaJobStore(render_polls, ("pending", "running", "completed", "failed"))
        self.removals = MediaJobStore(
            render_polls, ("pending", "processing", "completed", "failed")
        )
        self.asset_store = AssetStore()
        self.avatars = AvatarStore(render_polls)
        self.voices = VoiceStore(render_polls)
        self.endpoints = WebhookStore()
        self.video_extras = VideoExtras()
        self.cdn_url = ""
        self._lock = threading.Lock()
        self._seq = 0
        self._videos: dict[str, _Video] = {}
        self._next_failures: list[Failure] = []
        self._by_key: dict[str, str] = {}
        self._creations: dict[str, int] = {}
        self._assets: list[UploadedAsset] = []
        self._asset_bodies: dict[str, bytes] = {}
        for n in range(1, SEEDED_VIDEOS + 1):
            video = self._new_video(f"Seeded video {n}", created_at=1_700_000_000 + n)
            video.polls = render_polls

    def _new_video(self, title: str, created_at: int) -> _Video:
        self._seq += 1
        failure = self._next_failures.pop(0) if self._next_failures else None
        video = _Video(secrets.token_hex(16), self._seq, title, created_at, failure=failure)
        self._videos[video.id] = video
        return video

    def _view(self, video: _Video) -> VideoView:
        if video.polls >= self.render_polls:
            status = "failed" if video.failure else "completed"
        else:
            status = ("waiting", "pending", "processing")[min(video.polls, 2)]
        return VideoView(video.id, video.seq, video.title, video.created_at, status, video.failure)

    def create_video(self, title: str, key: str | None = None) -> tuple[str, bool]:
        """Start a render job; returns ``(video_id, replayed)``.

        With an idempotency ``key`` already seen, nothing is created and the first video's id is
        returned with ``replayed=True``. Check and creation happen under one lock, so concurrent
        repeats of a key still create one video.
        """
        with self._lock:
            if key is not None and key in self._by_key:
                return self._by_key[key], True
            video_id = self._new_video(title, int(time.time())).id
            if key is not None:
                self._by_key[key] = video_id
                self._creations[key] = self._creations.get(key, 0) + 1
            return video_id, False

    def poll(self, video_id: str) -> VideoView | None:
        """Advance a job one step (as a status call does) and return its new state."""
        with self._lock:
            video = self._videos.get(video_id)
            if video is None:
                return None
            video.polls = min(video.polls + 1, self.render_polls)
            return self._view(video)

    def peek(self, video_id: str) -> VideoView | None:
        """A video's state without advancing it (None if unknown)."""
        with self._lock:
            video = self._videos.get(video_id)
            return None if video is None else self._view(video)

    def fail(self, video_id: str | None, failure: Failure) -> None:
        """Make a video (or the next one created, when ``video_id`` is None) fail."""
        with self._lock:
            if video_id is None:
                self._next_failures.append(failure)
                return
            if video_id not in self._videos:
                raise KeyError(f"no video {video_id!r}")
            self._videos[video_id].failure = failure

    def delete(self, video_id: str) -> bool:
        """Forget a video; False when it did not exist."""
        with self._lock:
            return self._videos.pop(video_id, None) is not None

    def page_videos(
        self,
        limit: int,
        before_seq: int | None,
        keep: Callable[[VideoView], bool] | None = None,
    ) -> tuple[list[VideoView], int | None]:
        """Newest first, strictly older than ``before_seq``; returns (page, next cursor).

        ``keep`` filters the videos (a list's query); listing never advances a job.
        """
        with self._lock:
            videos = sorted(self._videos.values(), key=lambda v: v.seq, reverse=True)
            views = [self._view(v) for v in videos if before_seq is None or v.seq < before_seq]
            older = [view for view in views if keep is None or keep(view)]
            page = older[:limit]
        return page, (page[-1].seq if len(older) > limit else None)

    def add_asset(self, asset: UploadedAsset, body: bytes | None) -> None:
        """Record an upload; small bodies are kept so the CDN can serve them back."""
        with self._lock:
            self._assets.append(asset)
            if body is not None:
                self._asset_bodies[asset.id] = body

    def asset_body(self, asset_id: str) -> bytes | None:
        """The stored bytes of a small uploaded asset."""
        with self._lock:
            return self._asset_bodies.get(asset_id)

    def video_ids(self) -> list[str]:
        """Ids of every live video, oldest first."""
        with self._lock:
            return [v.id for v in sorted(self._videos.values(), key=lambda v: v.seq)]

    def creations_by_key(self) -> dict[str, int]:
        """Real creations per idempotency key (each should stay 1)."""
        with self._lock:
            return dict(self._creations)

    def assets(self) -> list[UploadedAsset]:
        """Every upload received, in order."""
        with self._lock:
            return list(self._assets)

    def has_media(self, media_id: str) -> bool:
        """Whether a lipsync, a video agent's video or a clipping/removal file has that id."""
        return (
            self.lipsyncs.has(media_id)
            or self.agents.has_video(media_id)
            or self.clippings.has(media_id)
            or self.removals.has(media_id)
        )

    def has_video(self, video_id: str) -> bool:
        """Whether ``video_id`` is a live video."""
        with self._lock:
            return video_id in self._videos


def encode_token(n: int) -> str:
    """An opaque paging token for position ``n``."""
    return base64.urlsafe_b64encode(f"cursor:{n}".encode()).decode().rstrip("=")


def decode_token(token: str) -> int | None:
    """The position a token stands for, or None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, number = text.partition(":")
    digits = number.isascii() and number.isdigit() and len(number) <= 12  # noqa: PLR2004
    return int(number) if prefix == "cursor" and digits else None
