"""Proofreads: HeyGen's draft translation (subtitles) to check and edit before the video is made.

``POST /v3/video-translations/proofreads`` starts one session per target language; once one
is ``completed`` its SRT can be downloaded (``GET .../srt``), replaced (``PUT .../srt``) and
turned into a translated video (``POST .../generate``), which is an ordinary translation job.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any, Literal

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._base import JobResource, path_id
from heygen_pipeline.resources._checks import optional_text, parsed, required_text
from heygen_pipeline.resources._fields import obj, text, texts
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._results_translations import Proofread, ProofreadSrt, Translation
from heygen_pipeline.resources._translations_request import (
    MODES,
    input_source,
    languages_of,
)
from heygen_pipeline.resources._wait import wait_for

__all__ = ["Proofreads", "job_failure"]

_BASE = "/v3/video-translations/proofreads"


def _flag(name: str, value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        msg = f"{name} must be a bool, not {type(value).__name__}"
        raise TypeError(msg)
    return value


def job_failure(
    what: str, job_id: str, status: str | None, reason: str | None, request_id: str | None
) -> JobFailedError:
    """The error for a failed job (HeyGen's message, or that it gave none)."""
    message = (
        f"the {what} {job_id} failed: {reason}"
        if reason
        else f"the {what} {job_id} failed, and HeyGen gave no reason"
    )
    return JobFailedError(
        message,
        code=None,
        request_id=request_id,
        job_id=job_id,
        job_status=status,
        failure_message=reason,
    )


class Proofreads(JobResource):
    """The proofread half of ``client.translations``."""

    __slots__ = ()

    @operation("POST /v3/video-translations/proofreads", model=Proofread)
    def create_proofread(
        self,
        *,
        output_languages: Sequence[str],
        title: str,
        video_url: str | None = None,
        video_asset_id: str | None = None,
        srt_url: str | None = None,
        srt_asset_id: str | None = None,
        mode: Literal["speed", "precision"] | None = None,
        speaker_num: int | None = None,
        brand_glossary_id: str | None = None,
        folder_id: str | None = None,
        disable_music_track: bool | None = None,
        enable_speech_enhancement: bool | None = None,
        enable_video_stretching: bool | None = None,
        keep_the_same_format: bool | None = None,
        **extra: Any,
    ) -> builtins.list[Proofread]:
        """Start proofreads (``POST /v3/video-translations/proofreads``), one per language.

        ``title`` is required by the spec; the video is ``video_url`` or ``video_asset_id``,
        an initial subtitle file ``srt_url`` or ``srt_asset_id``. Returns one `Proofread`
        (id, ``output_language``, status ``processing``) per language, in order.
        """
        languages = languages_of(output_languages)
        if mode is not None and mode not in MODES:
            msg = f"mode must be one of {', '.join(map(repr, MODES))}, not {mode!r}"
            raise ValueError(msg)
        if speaker_num is not None and (
            isinstance(speaker_num, bool) or not isinstance(speaker_num, int) or speaker_num < 1
        ):
            msg = f"speaker_num must be an int >= 1, not {speaker_num!r}"
            raise ValueError(msg)
        body: dict[str, Any] = {
            "video": input_source("video", video_url, video_asset_id, required=True),
            "output_languages": list(languages),
            "title": required_text(title, "title"),
        }
        srt = input_source("srt", srt_url, srt_asset_id, required=False)
        options = {
            "srt": srt,
            "mode": mode,
            "speaker_num": speaker_num,
            "brand_glossary_id": optional_text(brand_glossary_id, "brand_glossary_id"),
            "folder_id": optional_text(folder_id, "folder_id"),
            "disable_music_track": _flag("disable_music_track", disable_music_track),
            "enable_speech_enhancement": _flag(
                "enable_speech_enhancement", enable_speech_enhancement
            ),
            "enable_video_stretching": _flag("enable_video_stretching", enable_video_stretching),
            "keep_the_same_format": _flag("keep_the_same_format", keep_the_same_format),
        }
        body.update({k: v for k, v in options.items() if v is not None})
        body.update(extra)
        response = self._client.request("POST", _BASE, json=body)

        def read(data: Any) -> builtins.list[Proofread]:
            raw = obj(data, "a proofread creation")
            status = text(raw, "status")
            return [
                Proofread(
                    id=job,
                    status=status,
                    title=title,
                    output_language=languages[n] if n < len(languages) else None,
                    raw=raw,
                )
                for n, job in enumerate(texts(raw, "proofread_ids"))
            ]

        return parsed(read, response)

    @operation("GET /v3/video-translations/proofreads/{proofread_id}", model=Proofread)
    def get_proofread(self, proofread_id: str) -> Proofread:
        """A proofread's current state."""
        path = f"{_BASE}/{path_id(proofread_id, 'proofread_id')}"
        return parsed(Proofread.from_api, self._client.request("GET", path))

    @operation("GET /v3/video-translations/proofreads/{proofread_id}/srt", model=ProofreadSrt)
    def get_proofread_srt(self, proofread_id: str) -> ProofreadSrt:
        """Where the proofread's (edited) SRT can be downloaded, and the original one."""
        path = f"{_BASE}/{path_id(proofread_id, 'proofread_id')}/srt"
        return parsed(ProofreadSrt.from_api, self._client.request("GET", path))

    @operation("PUT /v3/video-translations/proofreads/{proofread_id}/srt", model=Proofread)
    def update_proofread_srt(
        self,
        proofread_id: str,
        *,
        srt_url: str | None = None,
        srt_asset_id: str | None = None,
    ) -> Proofread:
        """Replace the proofread's subtitles with an SRT file (a URL or an uploaded asset)."""
        path = f"{_BASE}/{path_id(proofread_id, 'proofread_id')}/srt"
        body = {"srt": input_source("srt", srt_url, srt_asset_id, required=True)}
        return parsed(Proofread.from_api, self._client.request("PUT", path, json=body))

    @operation("POST /v3/video-translations/proofreads/{proofread_id}/generate", model=Translation)
    def generate_from_proofread(
        self,
        proofread_id: str,
        *,
        captions: bool | None = None,
        translate_audio_only: bool | None = None,
        callback_url: str | None = None,
        callback_id: str | None = None,
    ) -> Translation:
        """Make the translated video from a proofread; returns the new translation job.

        Wait for it with `wait` like any translation.
        """
        path = f"{_BASE}/{path_id(proofread_id, 'proofread_id')}/generate"
        options = {
            "captions": _flag("captions", captions),
            "translate_audio_only": _flag("translate_audio_only", translate_audio_only),
            "callback_url": optional_text(callback_url, "callback_url"),
            "callback_id": optional_text(callback_id, "callback_id"),
        }
        body = {k: v for k, v in options.items() if v is not None}
        return parsed(Translation.from_api, self._client.request("POST", path, json=body))

    def wait_proofread(
        self,
        proofread_id: str,
        *,
        timeout: float = 3600.0,
        poll: float = 10.0,
        max_poll: float = 60.0,
        on_progress: Callable[[Proofread], None] | None = None,
    ) -> Proofread:
        """Poll a proofread until it completes; always ends within ``timeout`` seconds.

        Raises:
            JobFailedError: the proofread failed (with HeyGen's message, if it gave one).
            WaitTimeoutError: ``timeout`` passed first.
        """
        path = f"{_BASE}/{path_id(proofread_id, 'proofread_id')}"
        request_ids: list[str | None] = [None]

        def fetch(left: float) -> Proofread:
            response = self._client.request("GET", path, total_timeout=left)
            request_ids[0] = response.request_id
            return parsed(Proofread.from_api, response)

        def failure(job: Proofread) -> JobFailedError | None:
            if not job.is_failed:
                return None
            return job_failure(
                "proofread", proofread_id, job.status, job.failure_message, request_ids[0]
            )

        return wait_for(
            fetch,
            finished=lambda p: p.is_completed,
            failure=failure,
            status=lambda p: p.status,
            what="proofread",
            job_id=proofread_id,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
            sleep=self._sleep,
            clock=self._clock,
            random=self._random,
        )
