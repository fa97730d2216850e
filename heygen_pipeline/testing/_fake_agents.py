"""FakeHeyGen state for v3 video agent sessions: runs, messages, resources and videos.

A session works in runs. Each run moves a step per status call: ``thinking`` (first poll),
``generating``, then ``completed``, or ``failed`` when scripted with
``FakeHeyGen.fail_video_agent`` (an ``error`` message carries the reason). In ``chat`` mode
the first run ends in ``waiting_for_input`` instead, with a question; a message
(``POST /v3/video-agents/{id}``) starts the next run. Stopping ends the current run in
``waiting_for_input``. A generating run makes a video (listed under ``.../videos``, also a
``video`` resource once completed).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from heygen_pipeline.testing._fake_state import Failure

__all__ = ["AgentStore", "SessionView"]

MAX_MESSAGES: Final = 40
"""A session answers at most this many messages, newest first."""
QUESTION: Final = "Which tone should the video have: upbeat or calm?"
STOPPED: Final = "Stopped. Send a message to continue."


@dataclass
class _Session:
    id: str
    prompt: str
    mode: str
    options: dict[str, Any]
    created_at: int
    run_id: str = field(default_factory=lambda: secrets.token_hex(8))
    runs: int = 1
    polls: int = 0
    failure: Failure | None = None
    next_failure: Failure | None = None
    stopped: bool = False
    settled: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    video_id: str | None = None
    videos: list[SessionVideo] = field(default_factory=list)


@dataclass(frozen=True)
class SessionVideo:
    """A video a run made: ``pending``, ``processing``, then ``completed`` or ``failed``."""

    id: str
    created_at: int
    status: str
    failure: Failure | None = None
    completed_at: int | None = None


@dataclass(frozen=True)
class SessionView:
    """A snapshot of one session, taken under the store's lock."""

    id: str
    title: str
    status: str
    progress: int
    created_at: int
    video_id: str | None
    videos: tuple[SessionVideo, ...]
    failure: Failure | None
    messages: tuple[dict[str, Any], ...]
    resources: dict[str, dict[str, Any]]
    options: dict[str, Any]


def _title(prompt: str) -> str:
    words = prompt.split()
    return " ".join(words[:6])[:60] or "Untitled session"


class AgentStore:
    """Video agent sessions and scripted failures."""

    def __init__(self, polls: int) -> None:
        """Runs finish after ``polls`` status calls."""
        self._polls = polls
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._next_failures: list[Failure] = []

    # ---- lifecycle (under the lock) -------------------------------------------------------

    def _asks(self, s: _Session) -> bool:
        """Whether the current run ends in a question (a chat session's first run)."""
        return s.mode == "chat" and s.runs == 1

    def _status(self, s: _Session) -> str:
        if s.stopped:
            return "waiting_for_input"
        if s.polls >= self._polls:
            if s.failure is not None:
                return "failed"
            return "waiting_for_input" if self._asks(s) else "completed"
        if s.polls <= 1 or self._asks(s):
            return "thinking"
        return "generating"

    def _video(self, s: _Session, status: str) -> None:
        """Start the run's video, or set its state (pending, processing, final)."""
        now = int(time.time())
        if s.video_id is None:
            s.video_id = secrets.token_hex(16)
            s.videos.append(SessionVideo(s.video_id, now, "pending"))
        current = s.videos[-1]
        failure = s.failure if status == "failed" else None
        done = now if status in {"completed", "failed"} else None
        s.videos[-1] = SessionVideo(current.id, current.created_at, status, failure, done)

    def _settle(self, s: _Session) -> None:
        """The run's video, and (once per run) the messages its end leaves."""
        status = self._status(s)
        if status == "generating":
            self._video(s, "processing")
        if status not in {"completed", "failed", "waiting_for_input"} or s.settled:
            return
        s.settled = True
        if status == "waiting_for_input":
            if s.stopped and s.video_id is not None:
                self._video(s, "failed")
            text = STOPPED if s.stopped else QUESTION
            s.messages.append({"role": "model", "type": "text", "content": text})
            return
        self._video(s, status)
        if status == "failed":
            if s.failure is not None and s.failure.message:
                s.messages.append({"role": "model", "type": "error", "content": s.failure.message})
            return
        resource_id = secrets.token_hex(8)
        s.resources[resource_id] = {"resource_type": "video", "video_id": s.video_id}
        s.messages.append(
            {
                "role": "model",
                "type": "resource",
                "content": "Your video is ready.",
                "resource_ids": [resource_id],
            }
        )

    def _view(self, s: _Session) -> SessionView:
        status = self._status(s)
        progress = 100 if status == "completed" else min(99, 100 * s.polls // max(self._polls, 1))
        return SessionView(
            s.id,
            _title(s.prompt),
            status,
            progress,
            s.created_at,
            s.video_id,
            tuple(s.videos),
            s.failure if status == "failed" else None,
            tuple(dict(m) for m in reversed(s.messages[-MAX_MESSAGES:])),
            {k: dict(v) for k, v in s.resources.items()},
            dict(s.options),
        )

    def _message(self, s: _Session, role: str, content: str) -> None:
        s.messages.append(
            {"role": role, "type": "text", "content": content, "created_at": int(time.time())}
        )

    # ---- operations -----------------------------------------------------------------------

    def create(self, prompt: str, mode: str, options: dict[str, Any]) -> SessionView:
        """A new session, its first run started."""
        with self._lock:
            failure = self._next_failures.pop(0) if self._next_failures else None
            s = _Session(secrets.token_hex(16), prompt, mode, dict(options), int(time.time()))
            s.failure = failure
            self._message(s, "user", prompt)
            self._sessions[s.id] = s
            self._settle(s)
            return self._view(s)

    def poll(self, session_id: str) -> SessionView | None:
        """Advance a session's run one step and return its new state (None if unknown)."""
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None:
                return None
            if not s.stopped:
                s.polls = min(s.polls + 1, self._polls)
            self._settle(s)
            return self._view(s)

    def peek(self, session_id: str) -> SessionView | None:
        """A session's state without advancing it."""
        with self._lock:
            s = self._sessions.get(session_id)
            return None if s is None else self._view(s)

    def views(self) -> list[SessionView]:
        """Every session, oldest first, without advancing any."""
        with self._lock:
            return [self._view(s) for s in self._sessions.values()]

    def send(self, session_id: str, message: str) -> tuple[SessionView, str] | None:
        """A new run from ``message``; ``(state, run_id)``, None if unknown."""
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None:
                return None
            queued = self._next_failures.pop(0) if self._next_failures else None
            failure = s.next_failure or queued
            s.runs += 1
            s.polls, s.stopped, s.settled = 0, False, False
            s.failure, s.next_failure = failure, None
            s.run_id = secrets.token_hex(8)
            s.video_id = None
            self._message(s, "user", message)
            self._settle(s)
            return self._view(s), s.run_id

    def stop(self, session_id: str) -> SessionView | None:
        """End the current run (a finished one stays as it is); None if unknown."""
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None:
                return None
            if self._status(s) in {"thinking", "generating"}:
                s.stopped, s.settled = True, False
                self._settle(s)
            return self._view(s)

    def has_video(self, video_id: str) -> bool:
        """Whether some session made the video ``video_id`` (it is on the CDN)."""
        with self._lock:
            return any(v.id == video_id for s in self._sessions.values() for v in s.videos)

    def fail(self, session_id: str | None, failure: Failure) -> None:
        """Make a session's run fail: the current one, or the next once it ended.

        With ``session_id`` None, the next session created fails its first run.
        """
        with self._lock:
            if session_id is None:
                self._next_failures.append(failure)
                return
            s = self._sessions.get(session_id)
            if s is None:
                raise KeyError(f"no video agent session {session_id!r}")
            if s.settled:
                s.next_failure = failure
            else:
                s.failure = failure
