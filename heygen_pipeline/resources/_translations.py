"""``client.translations``: translate videos (v3, legacy v2), look them up and wait for them."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._base import JobResource, drop_none, path_id
from heygen_pipeline.resources._fields import obj, texts
from heygen_pipeline.resources._models import Translation
from heygen_pipeline.resources._wait import wait_for

__all__ = ["Translations"]

DEFAULT_WAIT: Final = 3600.0
"""Translations run longer than renders: an hour by default."""


def failure_of(
    job: Translation, job_id: str, request_id: str | None = None
) -> JobFailedError | None:
    """The error for a failed translation (HeyGen's message, or that it gave none)."""
    if not job.is_failed:
        return None
    reason = job.failure_message
    message = (
        f"the translation {job_id} failed: {reason}"
        if reason
        else f"the translation {job_id} failed, and HeyGen gave no reason"
    )
    return JobFailedError(
        message,
        code=None,
        request_id=request_id,
        job_id=job_id,
        job_status=job.status,
        failure_message=reason,
    )


def _source(video_url: str | None, video_asset_id: str | None) -> dict[str, str]:
    if (video_url is None) == (video_asset_id is None):
        msg = "pass exactly one of video_url= and video_asset_id="
        raise TypeError(msg)
    if video_url is not None:
        return {"type": "url", "url": video_url}
    return {"type": "asset_id", "asset_id": str(video_asset_id)}


class Translations(JobResource):
    """Video translation jobs: dub a video into other languages."""

    __slots__ = ()

    def create(
        self,
        *,
        output_languages: Sequence[str],
        video_url: str | None = None,
        video_asset_id: str | None = None,
        title: str | None = None,
        input_language: str | None = None,
        callback_url: str | None = None,
        callback_id: str | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> builtins.list[Translation]:
        """Start translations with ``POST /v3/video-translations``: one job per language.

        The source is ``video_url`` or ``video_asset_id`` (an uploaded asset). Returns one
        `Translation` (with its ``id`` and ``output_language``) per requested language, in
        order. The client adds an ``Idempotency-Key`` unless you pass one.
        """
        if isinstance(output_languages, str) or not output_languages:
            msg = "output_languages must be a non-empty list of language codes"
            raise TypeError(msg)
        languages = builtins.list(output_languages)
        body = {
            "video": _source(video_url, video_asset_id),
            "output_languages": languages,
            **drop_none(
                title=title,
                input_language=input_language,
                callback_url=callback_url,
                callback_id=callback_id,
            ),
            **extra,
        }
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        response = self._client.request("POST", "/v3/video-translations", json=body, **options)
        data = obj(response.data, "a translation creation")
        ids = texts(data, "video_translation_ids") or texts(data, "ids")
        if not ids and isinstance(data.get("video_translation_id"), str):
            ids = (data["video_translation_id"],)
        return [
            Translation(
                id=job,
                output_language=languages[n] if n < len(languages) else None,
                raw=data,
            )
            for n, job in enumerate(ids)
        ]

    def create_v2(
        self,
        video_url: str,
        output_language: str,
        *,
        title: str | None = None,
        translate_audio_only: bool | None = None,
        speaker_num: int | None = None,
        callback_id: str | None = None,
        **extra: Any,
    ) -> Translation:
        """Start a translation with the legacy ``POST /v2/video_translate``."""
        body = {
            "video_url": video_url,
            "output_language": output_language,
            **drop_none(
                title=title,
                translate_audio_only=translate_audio_only,
                speaker_num=speaker_num,
                callback_id=callback_id,
            ),
            **extra,
        }
        job = Translation.from_api(self._client.post("/v2/video_translate", json=body))
        return attrs.evolve(job, output_language=job.output_language or output_language)

    def get(self, translation_id: str) -> Translation:
        """A translation's current state (``GET /v3/video-translations/{id}``)."""
        path = f"/v3/video-translations/{path_id(translation_id, 'translation_id')}"
        return Translation.from_api(self._client.get(path))

    def get_v2(self, translation_id: str) -> Translation:
        """A translation's state from the legacy ``GET /v2/video_translate/{id}``."""
        path = f"/v2/video_translate/{path_id(translation_id, 'translation_id')}"
        return Translation.from_api(self._client.get(path))

    def wait(
        self,
        translation_id: str,
        *,
        timeout: float = DEFAULT_WAIT,
        poll: float = 10.0,
        max_poll: float = 60.0,
        on_progress: Callable[[Translation], None] | None = None,
        legacy: bool = False,
    ) -> Translation:
        """Poll until the translation completes; always ends within ``timeout`` seconds.

        Same schedule and rules as ``client.videos.wait``; ``legacy=True`` polls the v2
        route.

        Raises:
            JobFailedError: the translation failed (with HeyGen's message, if it gave one).
            WaitTimeoutError: ``timeout`` passed first.
        """
        quoted = path_id(translation_id, "translation_id")
        path = f"/v2/video_translate/{quoted}" if legacy else f"/v3/video-translations/{quoted}"
        request_ids: list[str | None] = [None]

        def fetch(left: float) -> Translation:
            response = self._client.request("GET", path, total_timeout=left)
            request_ids[0] = response.request_id
            return Translation.from_api(response.data)

        return wait_for(
            fetch,
            finished=lambda t: t.is_completed,
            failure=lambda t: failure_of(t, translation_id, request_ids[0]),
            status=lambda t: t.status,
            what="translation",
            job_id=translation_id,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
            sleep=self._sleep,
            clock=self._clock,
            random=self._random,
        )
