"""Direct uploads: a presigned slot, the file streamed to it from disk, then completion.

``POST /v3/assets/direct-uploads`` announces a file (name, type, exact size, optional
SHA-256) and answers a presigned ``upload_url`` on HeyGen's storage host with the headers the
PUT must carry. The file is then streamed to that URL (`FileBody`: chunks read as they are
sent, exact ``Content-Length``; memory stays flat for any size), and
``POST /v3/assets/{asset_id}/complete`` makes the asset usable. Batches do the same for up
to 100 files with one completion call.

The PUT goes through the client's stack, so logging, redirects and backoff apply; the
storage host is not on the auth allowlist, so the key never travels there, and the URL's
signature is hidden wherever the library renders the URL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Final

from heygen_pipeline._models import Timeout
from heygen_pipeline.errors import MalformedResponseError, PayloadTooLargeError
from heygen_pipeline.resources._base import Resource, path_id
from heygen_pipeline.resources._checks import check_limit, optional_text, parsed, required_text
from heygen_pipeline.resources._download import _check_status, check_url
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._results_assets import (
    Asset,
    AssetBatch,
    DirectUpload,
    DirectUploadBatch,
)
from heygen_pipeline.resources._upload import (
    DEFAULT_CHUNK_SIZE,
    UPLOAD_TIMEOUT,
    FileBody,
    UploadFile,
    check_chunk_size,
    check_sha256,
    regular_file,
)

__all__ = ["BATCH_LIMIT", "MAX_BATCH_FILES", "DirectUploads"]

MAX_BATCH_FILES: Final = 100
"""The most files one direct-upload batch takes."""
BATCH_LIMIT: Final = 100
"""The ``limit`` maximum of ``GET /v3/assets/batches/{batch_id}``."""

Progress = Callable[[int, int], None]
BatchProgress = Callable[[int, int, int], None]
"""``on_progress(index, sent, total)``: the file's position in the batch, bytes sent, size."""


class DirectUploads(Resource):
    """The direct-upload half of ``client.assets`` (files over 32 MB, and batches)."""

    __slots__ = ()

    @operation("POST /v3/assets/direct-uploads", model=DirectUpload)
    def create_direct_upload(
        self,
        *,
        filename: str,
        content_type: str,
        size_bytes: int,
        checksum_sha256: str | None = None,
    ) -> DirectUpload:
        """Announce a file and get its presigned slot (``POST /v3/assets/direct-uploads``).

        ``size_bytes`` is exact (it is signed into the URL); ``checksum_sha256`` (hex) makes
        the storage host check the bytes. See `send_direct_upload`, then `complete_upload`.
        """
        file = UploadFile(
            filename=filename,
            content_type=content_type,
            size_bytes=size_bytes,
            checksum_sha256=checksum_sha256,
        )
        response = self._client.request("POST", "/v3/assets/direct-uploads", json=file.to_api())
        return parsed(DirectUpload.from_api, response)

    def send_direct_upload(
        self,
        upload: DirectUpload,
        path: str | os.PathLike[str],
        *,
        on_progress: Progress | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: Timeout | float = UPLOAD_TIMEOUT,
    ) -> None:
        """Stream a file to its presigned slot: a ``PUT`` of the raw bytes, flat memory.

        The slot's ``upload_headers`` are sent verbatim, with the file's exact
        ``Content-Length``. Not an API call: the URL is on HeyGen's storage host, which gets
        no key. A file over the slot's ``max_bytes`` fails before anything is sent.

        Raises:
            PayloadTooLargeError: the file is bigger than the slot takes.
            HeyGenError: the storage host refused the upload (an expired or mismatched
                signature answers 403).
        """
        if not isinstance(upload, DirectUpload):
            msg = f"upload must be a DirectUpload, not {type(upload).__name__}"
            raise TypeError(msg)
        file, size = regular_file(path)
        check_chunk_size(chunk_size)
        url = check_url(upload.upload_url)
        if upload.max_bytes is not None and size > upload.max_bytes:
            msg = (
                f"{file.name!r} is {size} bytes, over the {upload.max_bytes} bytes its upload "
                "slot takes (nothing was sent)"
            )
            raise PayloadTooLargeError(msg, code="payload_too_large")
        body = FileBody(file, size, chunk_size=chunk_size, on_progress=on_progress)
        headers = {**upload.upload_headers, "Content-Length": str(body.length)}
        response = self._client.request(
            "PUT", url, content=body, headers=headers, timeout=timeout, stream=True
        )
        with response:
            _check_status(response)

    @operation("POST /v3/assets/{asset_id}/complete", model=Asset)
    def complete_upload(self, asset_id: str, *, checksum_sha256: str | None = None) -> Asset:
        """Finalize a direct upload (``POST /v3/assets/{asset_id}/complete``).

        ``checksum_sha256`` (hex) is cross-checked against the stored bytes. The asset's
        ``status`` is ``processing`` at first.
        """
        path = f"/v3/assets/{path_id(asset_id, 'asset_id')}/complete"
        body = {} if checksum_sha256 is None else {"checksum_sha256": check_sha256(checksum_sha256)}
        return parsed(Asset.from_api, self._client.request("POST", path, json=body))

    def upload_direct(
        self,
        path: str | os.PathLike[str],
        *,
        content_type: str | None = None,
        filename: str | None = None,
        on_progress: Progress | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: Timeout | float = UPLOAD_TIMEOUT,
        checksum: bool = False,
    ) -> Asset:
        """Upload a file of any size the direct way: announce, stream, complete.

        ``checksum=True`` sends the file's SHA-256 (read once more before the upload) to be
        checked by the storage host and at completion.

        Raises:
            FileNotFoundError: ``path`` is not a file.
            ValueError: the file changed size between announcing and sending it.
            PayloadTooLargeError: HeyGen's slot takes fewer bytes than the file has.
        """
        check_chunk_size(chunk_size)
        info = UploadFile.from_path(
            path, content_type=content_type, filename=filename, checksum=checksum
        )
        slot = self.create_direct_upload(
            filename=info.filename,
            content_type=info.content_type,
            size_bytes=info.size_bytes,
            checksum_sha256=info.checksum_sha256,
        )
        _same_size(path, info.size_bytes)
        self.send_direct_upload(
            slot, path, on_progress=on_progress, chunk_size=chunk_size, timeout=timeout
        )
        return self.complete_upload(slot.asset_id, checksum_sha256=info.checksum_sha256)

    @operation("POST /v3/assets/direct-uploads/batches", model=DirectUploadBatch)
    def create_direct_upload_batch(
        self,
        files: Sequence[UploadFile],
        *,
        title: str | None = None,
        callback_url: str | None = None,
    ) -> DirectUploadBatch:
        """Presigned slots for 1-100 files at once (``POST /v3/assets/direct-uploads/batches``).

        ``files`` are `UploadFile` values (``UploadFile.from_path(path)``); the slots come
        back in the same order. Send each, then `complete_batch`.
        """
        if isinstance(files, (str, bytes)) or not isinstance(files, Sequence):
            msg = f"files must be a list of UploadFile, not {type(files).__name__}"
            raise TypeError(msg)
        if not 1 <= len(files) <= MAX_BATCH_FILES:
            msg = f"files must hold 1 to {MAX_BATCH_FILES} files, not {len(files)}"
            raise ValueError(msg)
        for n, file in enumerate(files):
            if not isinstance(file, UploadFile):
                msg = f"files[{n}] must be an UploadFile, not {type(file).__name__}"
                raise TypeError(msg)
        body: dict[str, object] = {"files": [file.to_api() for file in files]}
        if title is not None:
            body["title"] = optional_text(title, "title")
        if callback_url is not None:
            body["callback_url"] = optional_text(callback_url, "callback_url")
        response = self._client.request("POST", "/v3/assets/direct-uploads/batches", json=body)
        return parsed(DirectUploadBatch.from_api, response)

    @operation("POST /v3/assets/complete/batches", model=AssetBatch)
    def complete_batch(self, batch_id: str) -> AssetBatch:
        """Finalize every file of a direct-upload batch (``POST /v3/assets/complete/batches``)."""
        body = {"batch_id": required_text(batch_id, "batch_id")}
        response = self._client.request("POST", "/v3/assets/complete/batches", json=body)
        return parsed(AssetBatch.from_api, response)

    @operation("GET /v3/assets/batches/{batch_id}", model=AssetBatch)
    def get_batch(
        self, batch_id: str, *, page_size: int | None = None, token: str | None = None
    ) -> AssetBatch:
        """A batch and one page of its items (``GET /v3/assets/batches/{batch_id}``).

        ``page_size`` is 1-100; pass the batch's ``next_token`` as ``token`` for the next page.
        """
        path = f"/v3/assets/batches/{path_id(batch_id, 'batch_id')}"
        params: dict[str, str | int] = {}
        limit = check_limit(page_size, BATCH_LIMIT)
        if limit is not None:
            params["limit"] = limit
        if token is not None:
            params["token"] = required_text(token, "token")
        return parsed(AssetBatch.from_api, self._client.request("GET", path, params=params))

    def upload_batch(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        title: str | None = None,
        callback_url: str | None = None,
        on_progress: BatchProgress | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: Timeout | float = UPLOAD_TIMEOUT,
        checksum: bool = False,
    ) -> AssetBatch:
        """Upload up to 100 files as one batch: slots, one streamed PUT each, completion.

        ``on_progress(index, sent, total)`` reports each file by its position in ``paths``.
        """
        if isinstance(paths, (str, bytes, os.PathLike)) or not isinstance(paths, Sequence):
            msg = "paths must be a list of file paths"
            raise TypeError(msg)
        check_chunk_size(chunk_size)
        files = [UploadFile.from_path(p, checksum=checksum) for p in paths]
        batch = self.create_direct_upload_batch(files, title=title, callback_url=callback_url)
        if len(batch.items) != len(files) or batch.batch_id is None:
            msg = f"a batch of {len(files)} files came back with {len(batch.items)} slots"
            raise MalformedResponseError(msg)
        for index, (path, file, slot) in enumerate(zip(paths, files, batch.items, strict=True)):
            _same_size(path, file.size_bytes)
            report = None if on_progress is None else _for_index(on_progress, index)
            self.send_direct_upload(
                slot, path, on_progress=report, chunk_size=chunk_size, timeout=timeout
            )
        return self.complete_batch(batch.batch_id)


def _for_index(on_progress: BatchProgress, index: int) -> Progress:
    return lambda sent, total: on_progress(index, sent, total)


def _same_size(path: str | os.PathLike[str], announced: int) -> None:
    """Refuse to send a file whose size is no longer the one announced to HeyGen."""
    file, size = regular_file(path)
    if size != announced:
        msg = (
            f"{file.name!r} is {size} bytes now, but {announced} were announced for its "
            "upload (nothing was sent)"
        )
        raise ValueError(msg)
