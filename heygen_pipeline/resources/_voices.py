"""``client.voices``: list and look up voices, design, clone, generate speech; legacy v2 list.

A voice's ``id`` is what ``POST /v3/videos`` and ``POST /v3/voices/speech`` take as
``voice_id``. Cloning is a job: `Voices.clone` answers at once with the new voice's id and
`Voices.wait` polls ``GET /v3/voices/{voice_id}`` (the shared wait helper: a deadline,
jittered backoff) until it is ``complete`` or ``failed``.
"""

from __future__ import annotations

import builtins
import math
import os
from collections.abc import Callable, Iterator
from typing import Final, Literal

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._base import JobResource, drop_none, path_id
from heygen_pipeline.resources._checks import (
    check_bool,
    check_choice,
    check_int,
    check_limit,
    check_number,
    optional_text,
    parsed,
    required_text,
)
from heygen_pipeline.resources._fields import items
from heygen_pipeline.resources._inputs import asset_input
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results import Voice
from heygen_pipeline.resources._results_assets import Deletion
from heygen_pipeline.resources._results_voices import Speech, VoiceClone, VoiceDesign
from heygen_pipeline.resources._wait import job_failure

__all__ = [
    "DEFAULT_CLONE_WAIT",
    "INPUT_TYPES",
    "LIST_LIMIT",
    "MAX_SPEECH_CHARS",
    "SPEED_RANGE",
    "VOICE_TYPES",
    "Voices",
]

LIST_LIMIT: Final = 100
"""The ``limit`` maximum of ``GET /v3/voices``."""
VOICE_TYPES: Final = ("public", "private")
"""The spec's ``type`` of a voice: HeyGen's (``public``) or the account's own (``private``)."""
INPUT_TYPES: Final = ("text", "ssml")
"""What the text of ``POST /v3/voices/speech`` is: plain text or SSML markup."""
MAX_SPEECH_CHARS: Final = 5000
"""Speech is generated from 1 to this many characters."""
SPEED_RANGE: Final = (0.5, 2.0)
"""The speed multipliers speech generation takes."""
DEFAULT_CLONE_WAIT: Final = 600.0
"""How long `Voices.wait` waits for a clone by default (seconds)."""
_BASE: Final = "/v3/voices"


def _speed(value: object) -> float | None:
    if value is None:
        return None
    speed = check_number(value, "speed")
    low, high = SPEED_RANGE
    if not (math.isfinite(speed) and low <= speed <= high):
        msg = f"speed must be between {low} and {high}, not {value!r}"
        raise ValueError(msg)
    return float(speed)


def _seed(value: object) -> int | None:
    if value is None:
        return None
    seed = check_int(value, "seed")
    if seed < 0:
        msg = f"seed must be >= 0, not {seed}"
        raise ValueError(msg)
    return seed


def clone_failure(voice: Voice, voice_id: str, request_id: str | None) -> JobFailedError | None:
    """The error for a failed clone (HeyGen's ``failure_message``, or that it gave none)."""
    if not voice.is_failed:
        return None
    return job_failure("voice clone", voice_id, voice.status, voice.failure_message, request_id)


class Voices(JobResource):
    """Voices an avatar can speak with, and speech made from text."""

    __slots__ = ()

    @operation("GET /v3/voices", model=Voice)
    def list(
        self,
        *,
        kind: Literal["public", "private"] | None = None,
        engine: str | None = None,
        language: str | None = None,
        gender: str | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[Voice]:
        """Every voice (``GET /v3/voices``), fetched lazily page by page.

        ``kind`` is the spec's ``type``: HeyGen's voices (``public``) or yours
        (``private``). ``engine`` keeps voices of one engine (``starfish`` for those speech
        generation takes); ``language`` and ``gender`` filter too. ``page_size`` is 1-100.
        """
        params = {
            "type": check_choice(kind, VOICE_TYPES, "kind"),
            "engine": optional_text(engine, "engine"),
            "language": optional_text(language, "language"),
            "gender": optional_text(gender, "gender"),
        }
        pages = paginate(
            self._client,
            _BASE,
            params=params,
            page_size=check_limit(page_size, LIST_LIMIT),
            max_pages=max_pages,
        )
        return (Voice.from_api(item) for item in pages)

    @operation("GET /v3/voices/{voice_id}", model=Voice)
    def get(self, voice_id: str) -> Voice:
        """One voice (``GET /v3/voices/{voice_id}``); a clone's ``status`` shows here."""
        path = f"{_BASE}/{path_id(voice_id, 'voice_id')}"
        return parsed(Voice.from_api, self._client.request("GET", path))

    @operation("DELETE /v3/voices/{voice_id}", model=Deletion)
    def delete(self, voice_id: str) -> Deletion:
        """Delete one of your voices (``DELETE /v3/voices/{voice_id}``)."""
        path = f"{_BASE}/{path_id(voice_id, 'voice_id')}"
        return parsed(Deletion.from_api, self._client.request("DELETE", path))

    @operation("POST /v3/voices", model=VoiceDesign)
    def design(
        self,
        prompt: str,
        *,
        gender: str | None = None,
        locale: str | None = None,
        seed: int | None = None,
    ) -> VoiceDesign:
        """Find voices matching a description (``POST /v3/voices``, "design a voice").

        ``prompt`` describes the voice ("warm, confident female narrator"); ``gender``
        (``male``/``female``) and ``locale`` (BCP-47, ``en-US``) narrow it. ``seed`` 0 gives
        the best matches, 1 the next batch, and so on.
        """
        body = {
            "prompt": required_text(prompt, "prompt"),
            **drop_none(
                gender=optional_text(gender, "gender"),
                locale=optional_text(locale, "locale"),
                seed=_seed(seed),
            ),
        }
        response = self._client.request("POST", _BASE, json=body)
        return parsed(VoiceDesign.from_api, response)

    @operation("POST /v3/voices/clone", model=VoiceClone)
    def clone(
        self,
        voice_name: str,
        *,
        audio_url: str | None = None,
        audio_asset_id: str | None = None,
        audio_path: str | os.PathLike[str] | None = None,
        audio_media_type: str | None = None,
        language: str | None = None,
        remove_background_noise: bool | None = None,
    ) -> VoiceClone:
        """Clone a voice from a recording (``POST /v3/voices/clone``); then `wait` for it.

        The recording is one of ``audio_url`` (public HTTPS), ``audio_asset_id`` (uploaded
        with ``client.assets.upload``, best for big files) or ``audio_path`` (sent inline as
        base64; ``audio_media_type`` if the extension does not tell). ``language`` is a hint
        (``en``, ``es``); background noise is removed unless ``remove_background_noise=False``.
        """
        body = {
            "voice_name": required_text(voice_name, "voice_name"),
            "audio": asset_input(
                "audio",
                url=audio_url,
                asset_id=audio_asset_id,
                path=audio_path,
                media_type=audio_media_type,
            ),
            **drop_none(
                language=optional_text(language, "language"),
                remove_background_noise=check_bool(
                    remove_background_noise, "remove_background_noise"
                ),
            ),
        }
        response = self._client.request("POST", f"{_BASE}/clone", json=body)
        return parsed(VoiceClone.from_api, response)

    def wait(
        self,
        voice_id: str | VoiceClone,
        *,
        timeout: float = DEFAULT_CLONE_WAIT,
        poll: float = 5.0,
        max_poll: float = 30.0,
        on_progress: Callable[[Voice], None] | None = None,
    ) -> Voice:
        """Poll a cloned voice until it is ready; always ends within ``timeout`` seconds.

        Same schedule and rules as ``client.videos.wait`` (a poll that fails for a passing
        reason does not end the wait).

        Raises:
            JobFailedError: the clone failed (with HeyGen's message, if it gave one).
            WaitTimeoutError: ``timeout`` passed first.
        """
        job = voice_id.voice_clone_id if isinstance(voice_id, VoiceClone) else voice_id
        path = f"{_BASE}/{path_id(job, 'voice_id')}"
        return self._wait_job(
            path,
            Voice.from_api,
            finished=lambda v: v.is_completed,
            failure=clone_failure,
            what="voice clone",
            job_id=str(job),
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
        )

    @operation("POST /v3/voices/speech", model=Speech)
    def speech(
        self,
        text: str,
        voice_id: str,
        *,
        input_type: Literal["text", "ssml"] | None = None,
        language: str | None = None,
        locale: str | None = None,
        speed: float | None = None,
    ) -> Speech:
        """Generate speech from ``text`` (``POST /v3/voices/speech``): an audio URL and timings.

        ``text`` is 1-5000 characters (``input_type="ssml"`` for SSML markup). The voice must
        support the ``starfish`` engine (``client.voices.list(engine="starfish")``).
        ``language`` (``en``) or ``locale`` (``en-US``) are detected when left out; ``speed``
        is 0.5-2.0.
        """
        words = required_text(text, "text")
        if len(words) > MAX_SPEECH_CHARS:
            msg = f"text must be at most {MAX_SPEECH_CHARS} characters, not {len(words)}"
            raise ValueError(msg)
        body = {
            "text": words,
            "voice_id": required_text(voice_id, "voice_id"),
            **drop_none(
                input_type=check_choice(input_type, INPUT_TYPES, "input_type"),
                language=optional_text(language, "language"),
                locale=optional_text(locale, "locale"),
                speed=_speed(speed),
            ),
        }
        response = self._client.request("POST", f"{_BASE}/speech", json=body)
        return parsed(Speech.from_api, response)

    # ---- legacy v2 -----------------------------------------------------------------------------

    @operation("GET /v2/voices", spec="legacy", model=Voice)
    def list_v2(self) -> builtins.list[Voice]:
        """The legacy voice list (``GET /v2/voices``), all in one answer."""
        data = self._client.get("/v2/voices")
        return [Voice.from_api(item) for item in items(data, "voices", "/v2/voices")]
