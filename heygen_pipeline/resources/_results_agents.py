"""Result models of ``client.video_agents``: sessions, messages, runs, styles, resources, videos.

Tolerant like every model here: a field HeyGen drops or sends empty becomes ``None``; every
field it sends stays in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from heygen_pipeline.resources import _fields as f
from heygen_pipeline.resources._results import COMPLETED, FAILED

__all__ = [
    "AgentMessage",
    "AgentResource",
    "AgentRun",
    "AgentSession",
    "AgentStyle",
    "AgentVideo",
]

AWAITING_INPUT: Final = frozenset({"waiting_for_input", "reviewing"})
"""Session statuses in which the agent waits for the caller (a chat-mode decision or review)."""


@attrs.frozen(kw_only=True)
class AgentMessage:
    """One message of a session, from ``role`` ``user`` or ``model``.

    ``type`` is ``text``, ``resource`` (``resource_ids`` name what it shows) or ``error``.
    """

    role: str | None = None
    type: str | None = None
    content: str | None = None
    resource_ids: tuple[str, ...] = ()
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AgentMessage:
        """Read one session message."""
        raw = f.obj(data, "a video agent message")
        return cls(
            role=f.text(raw, "role"),
            type=f.text(raw, "type"),
            content=f.text(raw, "content"),
            resource_ids=f.all_strings(raw.get("resource_ids")),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )

    @property
    def is_error(self) -> bool:
        """Whether the message reports an error."""
        return self.type == "error"


@attrs.frozen(kw_only=True)
class AgentSession:
    """A video agent session: a prompt the agent turns into a video, turn by turn.

    Statuses: ``thinking`` and ``generating`` while it works, ``waiting_for_input`` or
    ``reviewing`` when (in ``chat`` mode) it waits for you, then ``completed`` (``video_id``
    is the video made) or ``failed``. ``messages`` are the latest ones, newest first;
    ``progress`` is 0-100. Creating a session, listing and stopping answer fewer fields.
    """

    id: str | None = None
    status: str | None = None
    title: str | None = None
    video_id: str | None = None
    progress: int | None = None
    messages: tuple[AgentMessage, ...] = ()
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AgentSession:
        """Read a session (get, create, list entry or stop answer)."""
        raw = f.obj(data, "a video agent session")
        return cls(
            id=f.text(raw, "session_id", "id"),
            status=f.lower(f.text(raw, "status")),
            title=f.text(raw, "title"),
            video_id=f.text(raw, "video_id"),
            progress=f.integer(raw, "progress"),
            messages=tuple(
                AgentMessage.from_api(m) for m in f.items(raw, "messages", "session messages")
            ),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the session made its video."""
        return self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the session failed."""
        return self.status in FAILED

    @property
    def needs_input(self) -> bool:
        """Whether the agent waits for you (a message, a decision or a review)."""
        return self.status in AWAITING_INPUT

    @property
    def failure_message(self) -> str | None:
        """The newest error message's text, if the session sent one."""
        return next((m.content for m in self.messages if m.is_error and m.content), None)


@attrs.frozen(kw_only=True)
class AgentRun:
    """What sending a message answers: the session and the new run it started."""

    session_id: str | None = None
    run_id: str | None = None
    title: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AgentRun:
        """Read a send-message answer."""
        raw = f.obj(data, "a video agent run")
        return cls(
            session_id=f.text(raw, "session_id"),
            run_id=f.text(raw, "run_id"),
            title=f.text(raw, "title"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class AgentStyle:
    """A curated visual style for sessions (``style_id`` of ``video_agents.create``)."""

    id: str | None = None
    name: str | None = None
    aspect_ratio: str | None = None
    tags: tuple[str, ...] = ()
    thumbnail_url: str | None = None
    preview_video_url: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AgentStyle:
        """Read one style."""
        raw = f.obj(data, "a video agent style")
        return cls(
            id=f.text(raw, "style_id", "id"),
            name=f.text(raw, "name"),
            aspect_ratio=f.text(raw, "aspect_ratio"),
            tags=f.all_strings(raw.get("tags")),
            thumbnail_url=f.text(raw, "thumbnail_url"),
            preview_video_url=f.text(raw, "preview_video_url"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class AgentResource:
    """Something a session made or was given: an image, a video, a draft, an avatar, ...

    ``resource_type`` says which; ``source_type`` is ``generated`` or ``user_uploaded``.
    """

    id: str | None = None
    resource_type: str | None = None
    source_type: str | None = None
    url: str | None = None
    preview_url: str | None = None
    thumbnail_url: str | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    created_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AgentResource:
        """Read one session resource."""
        raw = f.obj(data, "a video agent resource")
        return cls(
            id=f.text(raw, "resource_id", "id"),
            resource_type=f.text(raw, "resource_type"),
            source_type=f.text(raw, "source_type"),
            url=f.text(raw, "url"),
            preview_url=f.text(raw, "preview_url"),
            thumbnail_url=f.text(raw, "thumbnail_url"),
            metadata=f.mapping(raw, "metadata"),
            created_at=f.when(raw, "created_at"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class AgentVideo:
    """A video a session made: ``pending``, ``processing``, then ``completed`` or ``failed``.

    Once completed the links (``video_url``, ``captioned_video_url``, ``subtitle_url``,
    ``gif_url``, ``thumbnail_url``) are set; a failure has ``failure_code`` and
    ``failure_message``.
    """

    id: str | None = None
    status: str | None = None
    title: str | None = None
    video_url: str | None = None
    captioned_video_url: str | None = None
    subtitle_url: str | None = None
    gif_url: str | None = None
    thumbnail_url: str | None = None
    video_page_url: str | None = None
    duration: float | None = None
    output_language: str | None = None
    folder_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AgentVideo:
        """Read one session video."""
        raw = f.obj(data, "a video agent video")
        return cls(
            id=f.text(raw, "id", "video_id"),
            status=f.lower(f.text(raw, "status")),
            title=f.text(raw, "title"),
            video_url=f.text(raw, "video_url"),
            captioned_video_url=f.text(raw, "captioned_video_url"),
            subtitle_url=f.text(raw, "subtitle_url"),
            gif_url=f.text(raw, "gif_url"),
            thumbnail_url=f.text(raw, "thumbnail_url"),
            video_page_url=f.text(raw, "video_page_url"),
            duration=f.number(raw, "duration"),
            output_language=f.text(raw, "output_language"),
            folder_id=f.text(raw, "folder_id"),
            failure_code=f.text(raw, "failure_code"),
            failure_message=f.text(raw, "failure_message"),
            created_at=f.when(raw, "created_at"),
            completed_at=f.when(raw, "completed_at"),
            raw=raw,
        )

    @property
    def is_completed(self) -> bool:
        """Whether the video is ready."""
        return self.status in COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the video failed."""
        return self.status in FAILED
