"""``client.video_agents``: HeyGen's video agent, a prompt turned into a video (v3).

A session is a job: `create` starts one from a prompt, `wait` polls it with the shared
wait helper (deadline, jittered backoff) until the agent has finished its turn: the video is
made, the session failed, or (``chat`` mode) the agent waits for your answer, which `send`
gives. Styles, the session list, a session's resources and videos, and stopping are here too.
"""

from __future__ import annotations

import base64
import builtins
from collections.abc import Callable, Iterator, Sequence
from typing import Final, Literal

import attrs

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._base import JobResource, drop_none, path_id
from heygen_pipeline.resources._checks import (
    check_bool,
    check_choice,
    check_limit,
    optional_text,
    parsed,
    parsed_items,
    required_text,
)
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results_agents import (
    AgentResource,
    AgentRun,
    AgentSession,
    AgentStyle,
    AgentVideo,
)
from heygen_pipeline.resources._wait import job_failure

__all__ = [
    "DEFAULT_WAIT",
    "LIST_LIMIT",
    "MAX_FILES",
    "MAX_PROMPT",
    "AgentFile",
    "VideoAgents",
    "session_failure",
]

DEFAULT_WAIT: Final = 3600.0
"""An agent plans, then renders: an hour by default."""
LIST_LIMIT: Final = 100
"""The ``limit`` maximum of the session and style lists."""
MAX_FILES: Final = 20
"""A message carries at most this many file attachments."""
MAX_PROMPT: Final = 10_000
"""A prompt is 1 to this many characters."""
MODES: Final = ("generate", "chat")
ORIENTATIONS: Final = ("landscape", "portrait")
_BASE: Final = "/v3/video-agents"


@attrs.frozen
class AgentFile:
    """A file attached to a prompt or message: a URL, an uploaded asset, or inline bytes.

    Build one with `AgentFile.from_url`, `AgentFile.from_asset` or `AgentFile.from_bytes`.
    """

    kind: Literal["url", "asset_id", "base64"]
    value: str
    media_type: str | None = None

    @classmethod
    def from_url(cls, url: str) -> AgentFile:
        """A file HeyGen fetches from a public HTTPS URL."""
        return cls("url", required_text(url, "url"))

    @classmethod
    def from_asset(cls, asset_id: str) -> AgentFile:
        """A file uploaded before (``client.assets.upload``), by its asset id."""
        return cls("asset_id", required_text(asset_id, "asset_id"))

    @classmethod
    def from_bytes(cls, data: bytes, media_type: str) -> AgentFile:
        """A small file sent inline, base64-encoded, with its MIME type (``image/png``)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            msg = f"data must be bytes, not {type(data).__name__}"
            raise TypeError(msg)
        if not data:
            msg = "data must not be empty"
            raise ValueError(msg)
        media = required_text(media_type, "media_type")
        return cls("base64", base64.b64encode(bytes(data)).decode("ascii"), media)

    def to_api(self) -> dict[str, str]:
        """The file as the spec's ``{type, url}``, ``{type, asset_id}`` or ``{type, ...data}``."""
        if self.kind == "base64":
            return {"type": "base64", "media_type": self.media_type or "", "data": self.value}
        return {"type": self.kind, self.kind: self.value}


def session_failure(
    session: AgentSession, session_id: str, request_id: str | None = None
) -> JobFailedError | None:
    """The error for a failed session (its newest error message, or that it gave none)."""
    if not session.is_failed:
        return None
    return job_failure(
        "video agent session", session_id, session.status, session.failure_message, request_id
    )


def _files(files: Sequence[AgentFile] | None) -> builtins.list[dict[str, str]] | None:
    if files is None:
        return None
    if isinstance(files, (str, bytes)) or not isinstance(files, Sequence):
        msg = f"files must be a list of AgentFile, not {type(files).__name__}"
        raise TypeError(msg)
    for n, item in enumerate(files):
        if not isinstance(item, AgentFile):
            msg = f"files[{n}] must be an AgentFile, not {type(item).__name__}"
            raise TypeError(msg)
    if len(files) > MAX_FILES:
        msg = f"files holds at most {MAX_FILES} attachments, not {len(files)}"
        raise ValueError(msg)
    return [item.to_api() for item in files]


def _prompt(value: object, what: str) -> str:
    text = required_text(value, what)
    if len(text) > MAX_PROMPT:
        msg = f"{what} must be 1 to {MAX_PROMPT} characters, not {len(text)}"
        raise ValueError(msg)
    return text


class VideoAgents(JobResource):
    """Video agent sessions: describe a video, the agent writes, casts and renders it."""

    __slots__ = ()

    @operation("POST /v3/video-agents", model=AgentSession)
    def create(
        self,
        prompt: str,
        *,
        mode: Literal["generate", "chat"] | None = None,
        avatar_id: str | None = None,
        voice_id: str | None = None,
        style_id: str | None = None,
        brand_kit_id: str | None = None,
        orientation: Literal["landscape", "portrait"] | None = None,
        files: Sequence[AgentFile] | None = None,
        incognito_mode: bool | None = None,
        callback_url: str | None = None,
        callback_id: str | None = None,
    ) -> AgentSession:
        """Start a session from ``prompt`` (1-10000 characters) with ``POST /v3/video-agents``.

        ``mode="generate"`` (HeyGen's default) makes one video without asking; ``"chat"``
        lets the agent stop for decisions and take revisions (`send`). ``avatar_id`` is a
        look id, ``style_id`` one of `styles`; ``files`` (at most 20) are `AgentFile`
        attachments; ``incognito_mode`` turns the agent's memory off for the session.
        Returns the session (``id``, ``status``; poll it with `get` or `wait`).
        """
        body = {
            "prompt": _prompt(prompt, "prompt"),
            **drop_none(
                mode=check_choice(mode, MODES, "mode"),
                avatar_id=optional_text(avatar_id, "avatar_id"),
                voice_id=optional_text(voice_id, "voice_id"),
                style_id=optional_text(style_id, "style_id"),
                brand_kit_id=optional_text(brand_kit_id, "brand_kit_id"),
                orientation=check_choice(orientation, ORIENTATIONS, "orientation"),
                files=_files(files),
                incognito_mode=check_bool(incognito_mode, "incognito_mode"),
                callback_url=optional_text(callback_url, "callback_url"),
                callback_id=optional_text(callback_id, "callback_id"),
            ),
        }
        return parsed(AgentSession.from_api, self._client.request("POST", _BASE, json=body))

    @operation("GET /v3/video-agents", model=AgentSession)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[AgentSession]:
        """Every session (``GET /v3/video-agents``; ``id``, ``title``, ``created_at``)."""
        pages = paginate(
            self._client,
            _BASE,
            page_size=check_limit(page_size, LIST_LIMIT),
            max_pages=max_pages,
        )
        return (AgentSession.from_api(item) for item in pages)

    @operation("GET /v3/video-agents/styles", model=AgentStyle)
    def styles(
        self,
        *,
        tag: str | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[AgentStyle]:
        """Every style (``GET /v3/video-agents/styles``), or those with ``tag``."""
        pages = paginate(
            self._client,
            f"{_BASE}/styles",
            params=drop_none(tag=optional_text(tag, "tag")),
            page_size=check_limit(page_size, LIST_LIMIT),
            max_pages=max_pages,
        )
        return (AgentStyle.from_api(item) for item in pages)

    @operation("GET /v3/video-agents/{session_id}", model=AgentSession)
    def get(self, session_id: str) -> AgentSession:
        """A session's state, progress and latest messages (``GET /v3/video-agents/{id}``)."""
        path = f"{_BASE}/{path_id(session_id, 'session_id')}"
        return parsed(AgentSession.from_api, self._client.request("GET", path))

    @operation("POST /v3/video-agents/{session_id}", model=AgentRun)
    def send(
        self,
        session_id: str,
        message: str,
        *,
        avatar_id: str | None = None,
        voice_id: str | None = None,
        brand_kit_id: str | None = None,
        files: Sequence[AgentFile] | None = None,
    ) -> AgentRun:
        """Answer the agent or ask for a revision (``POST /v3/video-agents/{id}``).

        Starts a new run of the session; `wait` for it as for the first one.
        """
        path = f"{_BASE}/{path_id(session_id, 'session_id')}"
        body = {
            "message": _prompt(message, "message"),
            **drop_none(
                avatar_id=optional_text(avatar_id, "avatar_id"),
                voice_id=optional_text(voice_id, "voice_id"),
                brand_kit_id=optional_text(brand_kit_id, "brand_kit_id"),
                files=_files(files),
            ),
        }
        return parsed(AgentRun.from_api, self._client.request("POST", path, json=body))

    @operation("POST /v3/video-agents/{session_id}/stop", model=AgentSession)
    def stop(self, session_id: str) -> AgentSession:
        """Stop what the agent is doing in a session (``POST /v3/video-agents/{id}/stop``).

        The answer names the session only; `get` it for its state.
        """
        path = f"{_BASE}/{path_id(session_id, 'session_id')}/stop"
        return parsed(AgentSession.from_api, self._client.request("POST", path, json={}))

    @operation("GET /v3/video-agents/{session_id}/resources/{resource_id}", model=AgentResource)
    def resource(self, session_id: str, resource_id: str) -> AgentResource:
        """One resource of a session (a message's ``resource_ids`` name them)."""
        path = (
            f"{_BASE}/{path_id(session_id, 'session_id')}"
            f"/resources/{path_id(resource_id, 'resource_id')}"
        )
        return parsed(AgentResource.from_api, self._client.request("GET", path))

    @operation("GET /v3/video-agents/{session_id}/videos", model=AgentVideo)
    def videos(self, session_id: str) -> builtins.list[AgentVideo]:
        """The videos a session made (``GET /v3/video-agents/{id}/videos``)."""
        path = f"{_BASE}/{path_id(session_id, 'session_id')}/videos"
        return parsed_items(AgentVideo.from_api, self._client.request("GET", path), "videos")

    def wait(
        self,
        session_id: str,
        *,
        timeout: float = DEFAULT_WAIT,
        poll: float = 10.0,
        max_poll: float = 60.0,
        on_progress: Callable[[AgentSession], None] | None = None,
        until_input: bool = True,
    ) -> AgentSession:
        """Poll until the agent finished its turn; always ends within ``timeout`` seconds.

        Returns the session once it is ``completed`` or, with ``until_input`` (the
        default), once it waits for you (``waiting_for_input``, ``reviewing``: nothing
        happens until you `send`). Same schedule and rules as ``client.videos.wait``.

        Raises:
            JobFailedError: the session failed (with its error message, if it sent one).
            WaitTimeoutError: ``timeout`` passed first.
        """
        check_bool(until_input, "until_input")
        path = f"{_BASE}/{path_id(session_id, 'session_id')}"
        return self._wait_job(
            path,
            AgentSession.from_api,
            finished=lambda s: s.is_completed or (until_input and s.needs_input),
            failure=session_failure,
            what="video agent session",
            job_id=session_id,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
        )
