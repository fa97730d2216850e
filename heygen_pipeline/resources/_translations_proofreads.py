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
from heygen_pipeline.resources._checks import (
    check_bool,
    check_choice,
    check_count,
    input_source,
    optional_text,
    parsed,
    required_text,
)
from heygen_pipeline.resources._fields import obj, text, texts
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._results_translations import Proofread, ProofreadSrt, Translation
from heygen_pipeline.resources._translations_request import MODES, languages_of
from heygen_pipeline.resources._wait import job_failure

__all__ = ["Proofreads"]

_BASE = "/v3/video-translations/proofreads"


def _proofread_failure(
    job: Proofread, job_id: str, request_id: str | None
) -> JobFailedError | None:
    """The error for a failed proofread (HeyGen's message, if any)."""
    if not job.is_failed:
        return None
    return job_failure("proofread", job_id, job.status, job.failure_message, request_id)


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
        check_choice(mode, MODES, "mode")
        if speaker_num is not None:
            check_count(speaker_num, "speaker_num")
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
            "disable_music_track": check_bool(disable_music_track, "disable_music_track"),
            "enable_speech_enhancement": check_bool(
                enable_speech_enhancement, "enable_speech_enhancement"
            ),
            "enable_video_stretching": check_bool(
                enable_video_stretching, "enable_video_stretching"
            ),
            "keep_the_same_format": check_bool(keep_the_same_format, "keep_the_same_format"),
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
            "captions": check_bool(captions, "captions"),
            "translate_audio_only": check_bool(translate_audio_only, "translate_audio_only"),
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
        return self._wait_job(
            path,
            Proofread.from_api,
            finished=lambda p: p.is_completed,
            failure=_proofread_failure,
            what="proofread",
            job_id=proofread_id,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
        )
