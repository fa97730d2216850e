"""``client.translations``: dub videos into other languages (v3, legacy v2), and wait for them.

A translation is a job, like a render: `create` starts one per output language, `wait`
polls it with the shared wait helper (deadline, jittered backoff). Batches, bulk statuses,
the language list, updates and deletes are here too; proofreads (a draft to check before
the video is made) come from `Proofreads`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

import attrs

from heygen_pipeline.errors import JobFailedError
from heygen_pipeline.resources._base import drop_none, path_id
from heygen_pipeline.resources._checks import (
    check_limit,
    id_list,
    optional_text,
    parsed,
    parsed_items,
    required_text,
)
from heygen_pipeline.resources._fields import obj, texts
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results_assets import Deletion, JobStatus
from heygen_pipeline.resources._results_translations import Translation, TranslationBatch
from heygen_pipeline.resources._translations_proofreads import Proofreads
from heygen_pipeline.resources._translations_request import TranslationRequest
from heygen_pipeline.resources._wait import job_failure

__all__ = ["DEFAULT_WAIT", "LIST_LIMIT", "MAX_BATCH_ITEMS", "Translations", "failure_of"]

DEFAULT_WAIT: Final = 3600.0
"""Translations run longer than renders: an hour by default."""
LIST_LIMIT: Final = 100
"""The ``limit`` maximum of the translation list and of a batch's items."""
MAX_BATCH_ITEMS: Final = 100
"""A batch holds at most this many items once expanded to one per output language."""
_BASE: Final = "/v3/video-translations"


def failure_of(
    job: Translation, job_id: str, request_id: str | None = None
) -> JobFailedError | None:
    """The error for a failed translation (HeyGen's message, or that it gave none)."""
    if not job.is_failed:
        return None
    return job_failure("translation", job_id, job.status, job.failure_message, request_id)


def _ids(data: Any, languages: Sequence[str]) -> builtins.list[Translation]:
    raw = obj(data, "a translation creation")
    ids = texts(raw, "video_translation_ids") or texts(raw, "ids")
    if not ids and isinstance(raw.get("video_translation_id"), str):
        ids = (raw["video_translation_id"],)
    return [
        Translation(
            id=job,
            output_language=languages[n] if n < len(languages) else None,
            raw=raw,
        )
        for n, job in enumerate(ids)
    ]


class Translations(Proofreads):
    """Video translation jobs: dub a video into other languages."""

    __slots__ = ()

    @operation("POST /v3/video-translations", model=Translation)
    def create(
        self, *, idempotency_key: str | None = None, **fields: Any
    ) -> builtins.list[Translation]:
        """Start translations with ``POST /v3/video-translations``: one job per language.

        ``fields`` are those of `TranslationRequest` (``output_languages`` and one of
        ``video_url``/``video_asset_id`` are required; ``title``, ``mode``,
        ``enable_caption``, ``audio_url``, ``srt_asset_id``, ... are optional), checked
        before anything is sent; a field it does not know goes into ``extra`` as given.
        Returns one `Translation` (its ``id`` and ``output_language``) per language, in
        order. The client adds an ``Idempotency-Key`` unless you pass one.
        """
        known = {a.name for a in attrs.fields(TranslationRequest)} - {"extra"}
        extra = {k: v for k, v in fields.items() if k not in known}
        request = TranslationRequest(**{k: v for k, v in fields.items() if k in known}, extra=extra)
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        response = self._client.request("POST", _BASE, json=request.to_api(), **options)
        return parsed(lambda data: _ids(data, request.output_languages), response)

    @operation("POST /v2/video_translate", spec="legacy", model=Translation)
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
            "video_url": required_text(video_url, "video_url"),
            "output_language": required_text(output_language, "output_language"),
            **drop_none(
                title=title,
                translate_audio_only=translate_audio_only,
                speaker_num=speaker_num,
                callback_id=callback_id,
            ),
            **extra,
        }
        job = parsed(
            Translation.from_api, self._client.request("POST", "/v2/video_translate", json=body)
        )
        return attrs.evolve(job, output_language=job.output_language or output_language)

    @operation("GET /v3/video-translations/{video_translation_id}", model=Translation)
    def get(self, translation_id: str) -> Translation:
        """A translation's current state (``GET /v3/video-translations/{id}``)."""
        path = f"{_BASE}/{path_id(translation_id, 'translation_id')}"
        return parsed(Translation.from_api, self._client.request("GET", path))

    @operation("GET /v2/video_translate/{video_translate_id}", spec="legacy", model=Translation)
    def get_v2(self, translation_id: str) -> Translation:
        """A translation's state from the legacy ``GET /v2/video_translate/{id}``."""
        path = f"/v2/video_translate/{path_id(translation_id, 'translation_id')}"
        return parsed(Translation.from_api, self._client.request("GET", path))

    @operation("GET /v3/video-translations", model=Translation)
    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[Translation]:
        """Every translation (``GET /v3/video-translations``), page by page (1-100 a page)."""
        pages = paginate(
            self._client,
            _BASE,
            page_size=check_limit(page_size, LIST_LIMIT),
            max_pages=max_pages,
        )
        return (Translation.from_api(item) for item in pages)

    @operation("PATCH /v3/video-translations/{video_translation_id}", model=Translation)
    def update(self, translation_id: str, *, title: str) -> Translation:
        """Rename a translation (``PATCH /v3/video-translations/{id}``)."""
        path = f"{_BASE}/{path_id(translation_id, 'translation_id')}"
        body = {"title": required_text(title, "title")}
        return parsed(Translation.from_api, self._client.request("PATCH", path, json=body))

    @operation("DELETE /v3/video-translations/{video_translation_id}", model=Deletion)
    def delete(self, translation_id: str) -> Deletion:
        """Delete a translation (``DELETE /v3/video-translations/{id}``)."""
        path = f"{_BASE}/{path_id(translation_id, 'translation_id')}"
        return parsed(Deletion.from_api, self._client.request("DELETE", path))

    @operation("POST /v3/video-translations/batches", model=TranslationBatch)
    def create_batch(
        self,
        requests: Sequence[TranslationRequest],
        *,
        title: str | None = None,
        callback_url: str | None = None,
    ) -> TranslationBatch:
        """Start many translations as one batch (``POST /v3/video-translations/batches``).

        Each `TranslationRequest` becomes one item per output language; at most 100 items
        in all. ``callback_url`` is called once, when every item is done.
        """
        if isinstance(requests, (str, bytes)) or not isinstance(requests, Sequence):
            msg = f"requests must be a list of TranslationRequest, not {type(requests).__name__}"
            raise TypeError(msg)
        for n, item in enumerate(requests):
            if not isinstance(item, TranslationRequest):
                msg = f"requests[{n}] must be a TranslationRequest, not {type(item).__name__}"
                raise TypeError(msg)
        count = sum(len(r.output_languages) for r in requests)
        if not 1 <= count <= MAX_BATCH_ITEMS:
            msg = f"a batch holds 1 to {MAX_BATCH_ITEMS} items (one per language), not {count}"
            raise ValueError(msg)
        body: dict[str, Any] = {"video_translations": [r.to_api() for r in requests]}
        body.update(
            drop_none(
                title=optional_text(title, "title"),
                callback_url=optional_text(callback_url, "callback_url"),
            )
        )
        response = self._client.request("POST", f"{_BASE}/batches", json=body)
        return parsed(TranslationBatch.from_api, response)

    @operation("GET /v3/video-translations/batches/{batch_id}", model=TranslationBatch)
    def get_batch(
        self, batch_id: str, *, page_size: int | None = None, token: str | None = None
    ) -> TranslationBatch:
        """A batch and one page of its items; ``token`` is the batch's ``next_token``."""
        path = f"{_BASE}/batches/{path_id(batch_id, 'batch_id')}"
        params: dict[str, str | int] = {}
        limit = check_limit(page_size, LIST_LIMIT)
        if limit is not None:
            params["limit"] = limit
        if token is not None:
            params["token"] = required_text(token, "token")
        return parsed(TranslationBatch.from_api, self._client.request("GET", path, params=params))

    @operation("GET /v3/video-translations/languages")
    def languages(self) -> builtins.list[str]:
        """The target languages HeyGen translates into (names for ``output_languages``)."""
        response = self._client.request("GET", f"{_BASE}/languages")
        return parsed(
            lambda data: builtins.list(texts(obj(data, "languages"), "languages")), response
        )

    @operation("GET /v3/video-translations/statuses", model=JobStatus)
    def statuses(
        self,
        translation_ids: Sequence[str] | None = None,
        *,
        batch_ids: Sequence[str] | None = None,
    ) -> builtins.list[JobStatus]:
        """The statuses of several translations and batches at once (``not_found`` if unknown).

        Give at least one id.
        """
        params = {
            "video_translation_ids": id_list(translation_ids, "translation_ids"),
            "batch_ids": id_list(batch_ids, "batch_ids"),
        }
        query = {k: v for k, v in params.items() if v is not None}
        if not query:
            msg = "pass translation_ids= or batch_ids= (or both)"
            raise TypeError(msg)
        response = self._client.request("GET", f"{_BASE}/statuses", params=query)
        return parsed_items(JobStatus.from_api, response, "translation statuses")

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
        path = f"/v2/video_translate/{quoted}" if legacy else f"{_BASE}/{quoted}"
        return self._wait_job(
            path,
            Translation.from_api,
            finished=lambda t: t.is_completed,
            failure=failure_of,
            what="translation",
            job_id=translation_id,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
        )
