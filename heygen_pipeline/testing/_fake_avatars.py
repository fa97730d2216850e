"""FakeHeyGen state for v3 avatars and voices: the account's own groups, looks and clones.

HeyGen's stock (public) avatars and voices are fixed tables in the route modules; what a
test creates lives here. Trained things have a lifecycle, a step per status call like
renders: an avatar is ``processing`` (a digital twin first ``pending_consent``, until
consent is given), then ``completed``, or ``failed`` with an ``error`` when scripted; a
voice clone is ``processing``, then ``complete`` or ``failed`` with a ``failure_message``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from heygen_pipeline.testing._fake_state import Failure

__all__ = ["AvatarStore", "PrivateGroup", "PrivateLook", "VoiceClone", "VoiceStore"]


def _now() -> int:
    return int(time.time())


@dataclass
class PrivateGroup:
    """One of the account's avatar groups."""

    id: str
    name: str
    created_at: int = field(default_factory=_now)
    consent_required: bool = False
    consented: bool = False
    polls: int = 0
    failure: Failure | None = None


@dataclass
class PrivateLook:
    """One of the account's looks (in one of its groups)."""

    id: str
    name: str
    group_id: str
    avatar_type: str
    created_at: int = field(default_factory=_now)


@dataclass(frozen=True)
class GroupView:
    """A group as answered: its status, consent status and looks, taken under the lock."""

    group: PrivateGroup
    status: str
    consent_status: str | None
    looks: tuple[PrivateLook, ...]


class AvatarStore:
    """The account's avatar groups and looks, under one lock."""

    def __init__(self, polls: int) -> None:
        """Training finishes after ``polls`` status calls (after consent, for a twin)."""
        self._polls = polls
        self._lock = threading.Lock()
        self._groups: dict[str, PrivateGroup] = {}
        self._looks: dict[str, PrivateLook] = {}
        self._next_failures: list[Failure] = []
        self._replays: dict[str, dict[str, Any]] = {}

    def remember(self, key: str, data: dict[str, Any]) -> dict[str, Any]:
        """The first answer given for an Idempotency-Key (``data`` if this is the first)."""
        with self._lock:
            return self._replays.setdefault(key, data)

    def replay(self, key: str) -> dict[str, Any] | None:
        """The answer already given for a key, if any."""
        with self._lock:
            return self._replays.get(key)

    def _view(self, group: PrivateGroup) -> GroupView:
        looks = tuple(look for look in self._looks.values() if look.group_id == group.id)
        consent = None
        if group.consent_required:
            consent = "completed" if group.consented else "pending"
        if group.consent_required and not group.consented:
            status = "pending_consent"
        elif group.polls >= self._polls:
            status = "failed" if group.failure else "completed"
        else:
            status = "processing"
        return GroupView(replace(group), status, consent, looks)

    def create(self, name: str, avatar_type: str, group_id: str | None) -> tuple[GroupView, str]:
        """A new look (in ``group_id``, or a new group); returns the group's view and look id.

        A ``group_id`` that is not one of the account's makes a new group all the same.
        """
        with self._lock:
            group = self._groups.get(group_id or "")
            if group is None:
                failure = self._next_failures.pop(0) if self._next_failures else None
                group = PrivateGroup(
                    secrets.token_hex(16),
                    name,
                    consent_required=avatar_type == "digital_twin",
                    failure=failure,
                )
                self._groups[group.id] = group
            look = PrivateLook(secrets.token_hex(16), name, group.id, avatar_type)
            self._looks[look.id] = look
            return self._view(group), look.id

    def poll(self, group_id: str) -> GroupView | None:
        """A group's state, moved a step on (a status call), or None if unknown."""
        with self._lock:
            group = self._groups.get(group_id)
            if group is None:
                return None
            if not group.consent_required or group.consented:
                group.polls = min(group.polls + 1, self._polls)
            return self._view(group)

    def peek(self, group_id: str) -> GroupView | None:
        """A group's state without moving it on (lists and looks do not poll)."""
        with self._lock:
            group = self._groups.get(group_id)
            return None if group is None else self._view(group)

    def consent(self, group_id: str) -> GroupView | None:
        """Record consent for a group (training then starts), or None if unknown."""
        with self._lock:
            group = self._groups.get(group_id)
            if group is None:
                return None
            group.consented = True
            return self._view(group)

    def groups(self) -> list[GroupView]:
        """Every group, oldest first, without moving any on."""
        with self._lock:
            return [self._view(g) for g in self._groups.values()]

    def look(self, look_id: str) -> tuple[PrivateLook, GroupView] | None:
        """A look and its group's view, or None if unknown."""
        with self._lock:
            look = self._looks.get(look_id)
            if look is None:
                return None
            return replace(look), self._view(self._groups[look.group_id])

    def rename(self, look_id: str, name: str) -> bool:
        """Give a look a new name; False if unknown."""
        with self._lock:
            look = self._looks.get(look_id)
            if look is not None:
                look.name = name
            return look is not None

    def delete_look(self, look_id: str) -> bool:
        """Delete a look; False if unknown."""
        with self._lock:
            return self._looks.pop(look_id, None) is not None

    def delete_group(self, group_id: str) -> bool:
        """Delete a group and its looks; False if unknown."""
        with self._lock:
            if self._groups.pop(group_id, None) is None:
                return False
            for look_id in [k for k, v in self._looks.items() if v.group_id == group_id]:
                del self._looks[look_id]
            return True

    def fail_next(self, failure: Failure) -> None:
        """Make the next new group's training fail."""
        with self._lock:
            self._next_failures.append(failure)


@dataclass
class VoiceClone:
    """One cloned voice."""

    id: str
    name: str
    language: str | None
    created_at: int = field(default_factory=_now)
    polls: int = 0
    failure: Failure | None = None


@dataclass(frozen=True)
class CloneView:
    """A clone as answered: its status (``processing``, ``complete``, ``failed``)."""

    clone: VoiceClone
    status: str


class VoiceStore:
    """The account's cloned voices, under one lock."""

    def __init__(self, polls: int) -> None:
        """Cloning finishes after ``polls`` status calls."""
        self._polls = polls
        self._lock = threading.Lock()
        self._clones: dict[str, VoiceClone] = {}
        self._next_failures: list[Failure] = []

    def _view(self, clone: VoiceClone) -> CloneView:
        if clone.polls >= self._polls:
            status = "failed" if clone.failure else "complete"
        else:
            status = "processing"
        return CloneView(replace(clone), status)

    def create(self, name: str, language: str | None) -> str:
        """Start a clone; returns its voice id."""
        with self._lock:
            failure = self._next_failures.pop(0) if self._next_failures else None
            clone = VoiceClone(secrets.token_hex(16), name, language, failure=failure)
            self._clones[clone.id] = clone
            return clone.id

    def _with(self, voice_id: str, step: Callable[[VoiceClone], None]) -> CloneView | None:
        with self._lock:
            clone = self._clones.get(voice_id)
            if clone is None:
                return None
            step(clone)
            return self._view(clone)

    def poll(self, voice_id: str) -> CloneView | None:
        """A clone's state, moved a step on (a status call), or None if unknown."""

        def advance(clone: VoiceClone) -> None:
            clone.polls = min(clone.polls + 1, self._polls)

        return self._with(voice_id, advance)

    def views(self) -> list[CloneView]:
        """Every clone, oldest first, without moving any on."""
        with self._lock:
            return [self._view(c) for c in self._clones.values()]

    def delete(self, voice_id: str) -> bool:
        """Delete a clone; False if unknown."""
        with self._lock:
            return self._clones.pop(voice_id, None) is not None

    def fail(self, voice_id: str | None, failure: Failure) -> None:
        """Make a clone (or the next one, when ``voice_id`` is None) fail."""
        with self._lock:
            if voice_id is None:
                self._next_failures.append(failure)
            elif voice_id in self._clones:
                self._clones[voice_id].failure = failure
            else:
                raise KeyError(f"no voice clone {voice_id!r}")
