"""Result models of ``client.voices`` beyond `Voice`: designs, clones, generated speech.

Frozen attrs classes built with ``from_api(data)``, tolerant like every model here (a field
HeyGen drops or sends empty becomes ``None``), keeping the whole object in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from heygen_pipeline.resources import _fields as f
from heygen_pipeline.resources._results import Voice

__all__ = ["Speech", "VoiceClone", "VoiceDesign", "WordTimestamp"]


@attrs.frozen(kw_only=True)
class VoiceDesign:
    """What ``POST /v3/voices`` (design a voice from a prompt) answers.

    ``voices`` are the matches, best first; ask again with ``seed + 1`` for the next batch
    (the same prompt and seed always give the same voices).
    """

    seed: int | None = None
    voices: tuple[Voice, ...] = ()
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> VoiceDesign:
        """Read a voice design's answer."""
        raw = f.obj(data, "a voice design")
        voices = f.items(raw, "voices", "the voices of a design")
        return cls(
            seed=f.integer(raw, "seed"),
            voices=tuple(Voice.from_api(v) for v in voices),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class VoiceClone:
    """What ``POST /v3/voices/clone`` answers: the new voice's id, to poll until ready.

    ``client.voices.wait(clone.voice_clone_id)`` polls ``GET /v3/voices/{voice_id}`` until
    its ``status`` is ``complete`` (or ``failed``).
    """

    voice_clone_id: str | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @property
    def id(self) -> str | None:
        """The cloned voice's id (a ``voice_id`` once it is ready)."""
        return self.voice_clone_id

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> VoiceClone:
        """Read a clone request's answer."""
        raw = f.obj(data, "a voice clone")
        return cls(voice_clone_id=f.text(raw, "voice_clone_id", "voice_id", "id"), raw=raw)


@attrs.frozen(kw_only=True)
class WordTimestamp:
    """When one word is spoken in generated speech, in seconds from the start."""

    word: str | None = None
    start: float | None = None
    end: float | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WordTimestamp:
        """Read one word's timing."""
        raw = f.obj(data, "a word timestamp")
        return cls(
            word=f.text(raw, "word"),
            start=f.number(raw, "start"),
            end=f.number(raw, "end"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class Speech:
    """Generated speech (``POST /v3/voices/speech``): where the audio is, and its timing.

    ``audio_url`` is a link on HeyGen's storage host (download it with
    `heygen_pipeline.resources.download`); ``duration`` is in seconds.
    """

    audio_url: str | None = None
    duration: float | None = None
    request_id: str | None = None
    word_timestamps: tuple[WordTimestamp, ...] = ()
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Speech:
        """Read a speech generation's answer."""
        raw = f.obj(data, "generated speech")
        words = f.items(raw, "word_timestamps", "word timestamps")
        return cls(
            audio_url=f.text(raw, "audio_url", "url"),
            duration=f.number(raw, "duration"),
            request_id=f.text(raw, "request_id"),
            word_timestamps=tuple(WordTimestamp.from_api(w) for w in words),
            raw=raw,
        )
