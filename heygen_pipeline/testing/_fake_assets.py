"""FakeHeyGen state for v3 assets: direct-upload slots, batches, deletions, idempotent replays.

A direct upload's ``PUT`` arrives on the CDN host (standing in for HeyGen's storage host,
which gets no key). Its body is written to a temporary file as it streams in (`spool`, called
by the server before the body is read), so a 200 MB upload costs the fake no memory; the
route then checks its size, type and checksum against the slot (`finish_put`).
Uploaded asset records themselves stay in `FakeState` (``add_asset``/``assets``).
"""

from __future__ import annotations

import base64
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

UPLOAD_PATH: Final = re.compile(r"/direct-uploads/(?P<id>[0-9a-f]{32})")
"""Where presigned PUTs go on the CDN host."""
EXPIRES_IN: Final = 3600
_READ: Final = 64 * 1024


def file_chunks(path: Path, size: int) -> Iterator[bytes]:
    """The bytes of a stored upload, 64 KiB at a time."""
    with path.open("rb") as file:
        left = size
        while left > 0:  # bounded by the size
            chunk = file.read(min(_READ, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


@dataclass
class Slot:
    """One presigned upload: what was announced, and what arrived."""

    asset_id: str
    filename: str
    content_type: str
    size_bytes: int
    checksum_sha256: str | None
    signature: str
    batch_id: str | None = None
    item_index: int | None = None
    status: str = "pending_upload"
    """``pending_upload``, then ``uploaded``, ``processing`` (completed), ``completed``."""
    stored: Path | None = None
    sha256: str | None = None
    created_at: int = field(default_factory=lambda: int(time.time()))

    def headers(self) -> dict[str, str]:
        """The headers the PUT must carry verbatim (S3's checksum header is base64)."""
        headers = {"Content-Type": self.content_type}
        if self.checksum_sha256 is not None:
            digest = base64.b64encode(bytes.fromhex(self.checksum_sha256)).decode()
            headers["x-amz-checksum-sha256"] = digest
        return headers


@dataclass
class UploadBatch:
    """A direct-upload batch: its slots in order."""

    id: str
    title: str | None
    asset_ids: list[str]
    created_at: int = field(default_factory=lambda: int(time.time()))
    completed: bool = False


class AssetStore:
    """Direct-upload slots and batches, deleted ids and multipart replays, under one lock."""

    def __init__(self) -> None:
        """Start empty; the spool folder is made on the first PUT."""
        self._lock = threading.Lock()
        self._slots: dict[str, Slot] = {}
        self._batches: dict[str, UploadBatch] = {}
        self._replays: dict[str, dict[str, Any]] = {}
        self._deleted: set[str] = set()
        self._spooled: dict[str, Path] = {}
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self.max_bytes = 5 * 1024**3
        """The largest file a slot takes (5 GB, S3's single-PUT limit)."""

    # ---- slots ----------------------------------------------------------------------------

    def new_slot(
        self,
        filename: str,
        content_type: str,
        size_bytes: int,
        checksum: str | None,
        *,
        batch_id: str | None = None,
        item_index: int | None = None,
    ) -> Slot:
        """A fresh presigned slot for one announced file."""
        slot = Slot(
            secrets.token_hex(16),
            filename,
            content_type,
            size_bytes,
            checksum,
            secrets.token_hex(20),
            batch_id,
            item_index,
        )
        with self._lock:
            self._slots[slot.asset_id] = slot
        return slot

    def slot(self, asset_id: str) -> Slot | None:
        """A slot by its asset id."""
        with self._lock:
            return self._slots.get(asset_id)

    def spool(self, host: str, method: str, path: str) -> IO[bytes] | None:
        """A temporary file to stream a presigned PUT's body into, or None for other requests."""
        match = UPLOAD_PATH.fullmatch(path)
        if host != "cdn" or method != "PUT" or match is None:
            return None
        with self._lock:
            if match["id"] not in self._slots:
                return None
            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="fakeheygen-uploads-")
            target = Path(self._folder.name) / f"{match['id']}.{secrets.token_hex(4)}"
            self._spooled[match["id"]] = target
        return target.open("wb")

    def finish_put(self, asset_id: str, size: int, sha256: str) -> Slot | None:
        """Keep what was spooled for a slot (the route has checked it); None if unknown."""
        with self._lock:
            slot = self._slots.get(asset_id)
            spooled = self._spooled.pop(asset_id, None)
            if slot is None or spooled is None:
                return None
            if slot.stored is not None and slot.stored != spooled:
                slot.stored.unlink(missing_ok=True)
            slot.stored, slot.sha256, slot.status = spooled, sha256, "uploaded"
            slot.size_bytes = size
            return slot

    def drop_put(self, asset_id: str) -> None:
        """Forget a refused PUT's spooled bytes."""
        with self._lock:
            spooled = self._spooled.pop(asset_id, None)
        if spooled is not None:
            spooled.unlink(missing_ok=True)

    def complete(self, asset_id: str) -> Slot | None:
        """Mark an uploaded slot as completed (``processing``); None if unknown."""
        with self._lock:
            slot = self._slots.get(asset_id)
            if slot is not None and slot.status == "uploaded":
                slot.status = "processing"
            return slot

    def poll(self, asset_id: str) -> str | None:
        """A slot's status, moving ``processing`` on to ``completed`` (a status call)."""
        with self._lock:
            slot = self._slots.get(asset_id)
            if slot is None:
                return None
            current = slot.status
            if current == "processing":
                slot.status = "completed"
            return current

    # ---- batches --------------------------------------------------------------------------

    def new_batch(self, title: str | None, files: list[dict[str, Any]]) -> UploadBatch:
        """A batch with one slot per announced file, in order."""
        batch = UploadBatch(secrets.token_hex(16), title, [])
        for n, f in enumerate(files):
            slot = self.new_slot(
                f["filename"],
                f["content_type"],
                f["size_bytes"],
                f.get("checksum_sha256"),
                batch_id=batch.id,
                item_index=n,
            )
            batch.asset_ids.append(slot.asset_id)
        with self._lock:
            self._batches[batch.id] = batch
        return batch

    def batch(self, batch_id: str) -> tuple[UploadBatch, list[Slot]] | None:
        """A batch and its slots (a snapshot), or None."""
        with self._lock:
            batch = self._batches.get(batch_id)
            if batch is None:
                return None
            return batch, [self._slots[a] for a in batch.asset_ids]

    def complete_batch(self, batch_id: str) -> bool:
        """Complete every uploaded slot of a batch; False if unknown."""
        found = self.batch(batch_id)
        if found is None:
            return False
        for slot in found[1]:
            self.complete(slot.asset_id)
        with self._lock:
            found[0].completed = True
        return True

    # ---- multipart replays and deletions ---------------------------------------------------

    def remember(self, key: str, data: dict[str, Any]) -> dict[str, Any]:
        """The first answer given for an Idempotency-Key (``data`` if this is the first)."""
        with self._lock:
            return self._replays.setdefault(key, data)

    def replay(self, key: str) -> dict[str, Any] | None:
        """The answer already given for a key, if any."""
        with self._lock:
            return self._replays.get(key)

    def delete(self, asset_id: str) -> None:
        """Mark an asset as deleted."""
        with self._lock:
            self._deleted.add(asset_id)

    def is_deleted(self, asset_id: str) -> bool:
        """Whether an asset was deleted."""
        with self._lock:
            return asset_id in self._deleted

    def close(self) -> None:
        """Remove the spool folder and every stored upload in it."""
        with self._lock:
            folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder.name, ignore_errors=True)
            folder.cleanup()
