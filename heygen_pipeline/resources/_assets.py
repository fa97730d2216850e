"""``client.assets``: upload files (v3 multipart, legacy raw upload) and list them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Final

from heygen_pipeline._models import Timeout
from heygen_pipeline.errors import PayloadTooLargeError
from heygen_pipeline.resources._base import Resource
from heygen_pipeline.resources._models import Asset
from heygen_pipeline.resources._paging import paginate
from heygen_pipeline.resources._upload import (
    DEFAULT_CHUNK_SIZE,
    UPLOAD_TIMEOUT,
    FileBody,
    legacy_content_type,
    multipart_body,
    regular_file,
)

__all__ = ["MAX_ASSET_BYTES", "Assets"]

MAX_ASSET_BYTES: Final = 32 * 1024 * 1024
"""The largest file ``POST /v3/assets`` takes (32 MB)."""

UploadProgress = Callable[[int, int], None]


class Assets(Resource):
    """Files (images, video, audio) to use in videos."""

    __slots__ = ()

    def upload(
        self,
        path: str | os.PathLike[str],
        *,
        content_type: str | None = None,
        filename: str | None = None,
        on_progress: UploadProgress | None = None,
        max_size: int | None = MAX_ASSET_BYTES,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: Timeout | float = UPLOAD_TIMEOUT,
        idempotency_key: str | None = None,
    ) -> Asset:
        """Upload a file with ``POST /v3/assets`` (multipart, field ``file``), streamed.

        The file is read in chunks as it is sent, with its exact ``Content-Length`` computed
        up front, so memory stays flat whatever its size. A file over ``max_size`` fails
        before anything is sent (``None`` leaves the check to the server, which answers 413).

        Args:
            path: the file to upload.
            content_type: the part's Content-Type (default: from the extension).
            filename: the file name HeyGen records (default: the file's own).
            on_progress: called as ``on_progress(sent, total)`` with file bytes sent so far.
            max_size: refuse bigger files locally (default: HeyGen's 32 MB limit).
            chunk_size: bytes read and sent at a time.
            timeout: per-attempt timeouts (default: 10 s to connect, 10 minutes for the answer).
            idempotency_key: the ``Idempotency-Key`` (default: a fresh one from the client).

        Raises:
            PayloadTooLargeError: the file is over ``max_size`` (or the server said 413).
            FileNotFoundError: ``path`` is not a file.
        """
        file, size = regular_file(path)
        if max_size is not None and size > max_size:
            msg = (
                f"{file.name!r} is {size} bytes, over the {max_size}-byte limit of "
                "POST /v3/assets (nothing was sent)"
            )
            raise PayloadTooLargeError(msg, code="payload_too_large")
        content, body = multipart_body(
            file,
            size,
            filename=filename,
            content_type=content_type,
            chunk_size=chunk_size,
            on_progress=on_progress,
        )
        options = {} if idempotency_key is None else {"idempotency_key": idempotency_key}
        data = self._client.post(
            "/v3/assets",
            content=body,
            headers={"Content-Type": content, "Content-Length": str(body.length)},
            timeout=timeout,
            **options,
        )
        return Asset.from_api(data)

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
        data = self._client.post(
            f"{self._client.upload_url}/v1/asset",
            content=body,
            headers={"Content-Type": kind, "Content-Length": str(body.length)},
            timeout=timeout,
        )
        return Asset.from_api(data)

    def list(
        self, *, page_size: int | None = None, max_pages: int | None = None
    ) -> Iterator[Asset]:
        """Every asset (``GET /v3/assets``), fetched lazily page by page."""
        pages = paginate(self._client, "/v3/assets", page_size=page_size, max_pages=max_pages)
        return (Asset.from_api(item) for item in pages)
