"""``client.assets``: upload files (multipart, direct, legacy), look them up, search, delete.

Files up to 32 MB go in one multipart ``POST /v3/assets``. Bigger ones take HeyGen's direct
upload: ``POST /v3/assets/direct-uploads`` hands out a presigned URL on its storage host,
the file is streamed from disk to it in a ``PUT`` (flat memory, exact length), and
``POST /v3/assets/{asset_id}/complete`` finalizes it. The PUT goes through the client's
stack like a download: the storage host is not on the key's allowlist, so it never gets it.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Final, Literal

from heygen_pipeline._models import Timeout
from heygen_pipeline.errors import PayloadTooLargeError
from heygen_pipeline.resources._assets_direct import DirectUploads
from heygen_pipeline.resources._base import path_id
from heygen_pipeline.resources._checks import (
    check_choice,
    check_count,
    check_limit,
    id_list,
    optional_text,
    parsed,
    parsed_items,
    required_text,
)
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._results_assets import (
    Asset,
    AssetSearchResult,
    Deletion,
    JobStatus,
)
from heygen_pipeline.resources._upload import (
    DEFAULT_CHUNK_SIZE,
    UPLOAD_TIMEOUT,
    FileBody,
    check_chunk_size,
    legacy_content_type,
    multipart_body,
    regular_file,
)

__all__ = ["LIST_LIMIT", "MAX_ASSET_BYTES", "SEARCH_LIMIT", "Assets"]

MAX_ASSET_BYTES: Final = 32 * 1024 * 1024
"""The largest file ``POST /v3/assets`` takes (32 MB); bigger ones go as direct uploads."""
LIST_LIMIT: Final = 100
"""The ``limit`` maximum of ``GET /v3/assets``."""
SEARCH_LIMIT: Final = 50
"""The ``limit`` maximum of ``GET /v3/assets/search``."""
SEARCH_TYPES: Final = ("image", "icon")
SEARCH_SCOPES: Final = ("public", "personal")

UploadProgress = Callable[[int, int], None]
Via = Literal["auto", "multipart", "direct"]


def choose_route(size: int, via: Via) -> Literal["multipart", "direct"]:
    """How a file of ``size`` bytes is uploaded: pure, so tests can pin the rule."""
    if via == "auto":
        return "multipart" if size <= MAX_ASSET_BYTES else "direct"
    return via


class Assets(DirectUploads):
    """Files (images, video, audio) to use in videos and translations."""

    __slots__ = ()

    @operation("POST /v3/assets", model=Asset)
    def upload(
        self,
        path: str | os.PathLike[str],
        *,
        content_type: str | None = None,
        filename: str | None = None,
        on_progress: UploadProgress | None = None,
        via: Via = "auto",
        max_size: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: Timeout | float = UPLOAD_TIMEOUT,
        idempotency_key: str | None = None,
        checksum: bool = False,
    ) -> Asset:
        """Upload a file, streamed from disk: multipart up to 32 MB, a direct upload above.

        Memory stays flat whatever the size: the body is read in chunks as it is sent, with
        its exact ``Content-Length`` computed up front.

        Args:
            path: the file to upload.
            content_type: its Content-Type (default: from the extension).
            filename: the file name HeyGen records (default: the file's own).
            on_progress: called as ``on_progress(sent, total)`` with file bytes sent so far.
            via: ``"auto"`` (by size), ``"multipart"`` (``POST /v3/assets``; over 32 MB the
                server answers 413) or ``"direct"`` (`upload_direct`, any size).
            max_size: refuse bigger files before sending anything (default: no local limit).
            chunk_size: bytes read and sent at a time.
            timeout: per-attempt timeouts (default: 10 s to connect, 10 minutes to answer).
            idempotency_key: the multipart upload's ``Idempotency-Key`` (default: a fresh
                one from the client). Direct uploads need none: each has its own asset id.
            checksum: direct uploads only: send the file's SHA-256 so the storage host and
                HeyGen check it (costs one more read of the file).

        Raises:
            PayloadTooLargeError: the file is over ``max_size`` (or the server said 413).
            FileNotFoundError: ``path`` is not a file.
            ValueError: an option is out of range (``via``, ``chunk_size``, ``max_size``).
        """
        file, size = regular_file(path)
        check_chunk_size(chunk_size)
        check_choice(via, ("auto", "multipart", "direct"), "via", required=True)
        route = choose_route(size, via)
        if max_size is not None:
            check_count(max_size, "max_size", minimum=0, qualifier=" or None")
            if size > max_size:
                msg = (
                    f"{file.name!r} is {size} bytes, over the {max_size}-byte limit "
                    "(nothing was sent)"
                )
                raise PayloadTooLargeError(msg, code="payload_too_large")
        if route == "direct":
            return self.upload_direct(
                file,
                content_type=content_type,
                filename=filename,
                on_progress=on_progress,
                chunk_size=chunk_size,
                timeout=timeout,
                checksum=checksum,
            )
        content, body = multipart_body(
            file,
            size,
            filename=filename,
            content_type=content_type,
            chunk_size=chunk_size,
            on_progress=on_progress,
        )
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        response = self._client.request(
            "POST",
            "/v3/assets",
            content=body,
            headers={"Content-Type": content, "Content-Length": str(body.length)},
            timeout=timeout,
            **options,
        )
        return parsed(Asset.from_api, response)

    @operation("POST /v1/asset", spec="legacy", model=Asset)
    def upload_v1(
        self,
        path: str | os.PathLike[str],
        *,
        content_type: str | None = None,
        on_progress: UploadProgress | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: Timeout | float = UPLOAD_TIMEOUT,
    ) -> Asset:
        """Upload a file's raw bytes to the legacy upload host (``POST {upload_url}/v1/asset``).

        The Content-Type comes from the extension: ``.png`` image/png, ``.jpg``/``.jpeg``
        image/jpeg, ``.mp4`` video/mp4, ``.webm`` video/webm, ``.mp3`` audio/mpeg; any other
        fails before sending. Streamed with its ``Content-Length``; memory stays flat.

        Raises:
            ValueError: the file's type is not one the legacy host accepts.
            FileNotFoundError: ``path`` is not a file.
        """
        file, size = regular_file(path)
        kind = legacy_content_type(file, content_type)
        body = FileBody(file, size, chunk_size=chunk_size, on_progress=on_progress)
        response = self._client.request(
            "POST",
            f"{self._client.upload_url}/v1/asset",
            content=body,
            headers={"Content-Type": kind, "Content-Length": str(body.length)},
            timeout=timeout,
        )
        return parsed(Asset.from_api, response)

    @operation("GET /v3/assets", model=Asset)
    def list(
        self,
        username: str,
        *,
        folder_id: str | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[Asset]:
        """Every asset of ``username`` (``GET /v3/assets``, which requires it), page by page.

        ``username`` is the account's (``client.user`` tells it); ``folder_id`` keeps one
        folder. ``page_size`` is 1-100.
        """
        params = {
            "username": required_text(username, "username"),
            "folder_id": optional_text(folder_id, "folder_id"),
        }
        pages = paginate(
            self._client,
            "/v3/assets",
            params=params,
            page_size=check_limit(page_size, LIST_LIMIT),
            max_pages=max_pages,
        )
        return (Asset.from_api(item) for item in pages)

    @operation("GET /v3/assets/{asset_id}", model=Asset)
    def get(self, asset_id: str) -> Asset:
        """One asset (``GET /v3/assets/{asset_id}``)."""
        path = f"/v3/assets/{path_id(asset_id, 'asset_id')}"
        return parsed(Asset.from_api, self._client.request("GET", path))

    @operation("DELETE /v3/assets/{asset_id}", model=Deletion)
    def delete(self, asset_id: str) -> Deletion:
        """Delete an asset (``DELETE /v3/assets/{asset_id}``); returns the id deleted."""
        path = f"/v3/assets/{path_id(asset_id, 'asset_id')}"
        return parsed(Deletion.from_api, self._client.request("DELETE", path))

    @operation("GET /v3/assets/search", model=AssetSearchResult)
    def search(
        self,
        query: str,
        *,
        kind: Literal["image", "icon"],
        scope: Literal["public", "personal"] | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[AssetSearchResult]:
        """Images or icons matching ``query`` (``GET /v3/assets/search``), page by page.

        ``kind`` is the spec's required ``type`` (``"image"`` or ``"icon"``); ``scope`` is
        ``"public"`` (HeyGen's library) or ``"personal"`` (your uploads). ``page_size`` is
        1-50, this endpoint's maximum.
        """
        params = {
            "query": required_text(query, "query"),
            "type": check_choice(kind, SEARCH_TYPES, "kind", required=True),
            "scope": check_choice(scope, SEARCH_SCOPES, "scope"),
        }
        pages = paginate(
            self._client,
            "/v3/assets/search",
            params=params,
            page_size=check_limit(page_size, SEARCH_LIMIT),
            max_pages=max_pages,
        )
        return (AssetSearchResult.from_api(item) for item in pages)

    @operation("GET /v3/assets/statuses", model=JobStatus)
    def statuses(
        self,
        asset_ids: Sequence[str] | None = None,
        *,
        batch_ids: Sequence[str] | None = None,
    ) -> builtins.list[JobStatus]:
        """The statuses of several assets and batches at once (``GET /v3/assets/statuses``).

        Unknown ids come back with status ``not_found``. Give at least one id.
        """
        params = {
            "asset_ids": id_list(asset_ids, "asset_ids"),
            "batch_ids": id_list(batch_ids, "batch_ids"),
        }
        if not any(params.values()):
            msg = "pass asset_ids= or batch_ids= (or both)"
            raise TypeError(msg)
        query = {k: v for k, v in params.items() if v is not None}
        response = self._client.request("GET", "/v3/assets/statuses", params=query)
        return parsed_items(JobStatus.from_api, response, "asset statuses")
