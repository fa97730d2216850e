"""Big transfers with the same durability: the library's download and upload vs bare urllib3.

Download: `heygen_pipeline.resources.download` (a temporary file beside the destination,
fsync, rename) against a urllib3 loop doing the same (the same chunk size, ``O_EXCL``
temporary file in the target folder, flush, fsync, ``os.replace``). Upload:
``client.assets.send_direct_upload`` (a file streamed in a ``PUT`` with its exact length)
against urllib3 streaming the same file in the same chunks. Each transfer is timed whole;
the contenders take turns transfer by transfer, and every file written is deleted.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import json
import logging
import math
import os
import secrets
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
from _clients import API_KEY, null_logger
from _timing import Budget, Result

from heygen_pipeline import HeyGenClient, default_stack
from heygen_pipeline.resources import DirectUpload, download

CHUNK = 1024 * 1024
"""Bytes per read and write on both sides (the library's default chunk size)."""
MIB = 1024 * 1024
FULL_BYTES = 300 * MIB
SMALL_DISK_BYTES = 100 * MIB
MIN_FREE_BYTES = 5 * 1024 * MIB
"""Below this much free disk the full run moves `SMALL_DISK_BYTES` instead (and says so)."""
SOURCE_NAME = "transfer.bin"
_TIMEOUT = urllib3.Timeout(connect=10.0, read=120.0)
SETTLE_SECONDS = 0.3
"""An untimed pause after the sync before each transfer, for the disk to finish its writeback."""

DOWNLOAD_BARE = "download, urllib3 loop (temp file, fsync, rename)"
DOWNLOAD_OURS = "download, heygen_pipeline.resources.download"
UPLOAD_BARE = "upload, urllib3 streaming the file"
UPLOAD_OURS = "upload, client.assets.send_direct_upload"
PAIRS = ((DOWNLOAD_OURS, DOWNLOAD_BARE), (UPLOAD_OURS, UPLOAD_BARE))


@dataclass(frozen=True)
class Where:
    """The servers: downloads come from ``download_url``; uploads go to ``upload_base``."""

    download_url: str
    """The absolute URL of the ``size``-byte file (a static file or the streaming route)."""
    upload_base: str
    """The base URL of the Python server, whose ``PUT /sink`` reads and counts a body."""


def planned_bytes(folder: Path, wanted: int) -> tuple[int, str]:
    """``wanted``, or less with a note when the disk under ``folder`` is short of room."""
    free = shutil.disk_usage(folder).free
    if wanted > SMALL_DISK_BYTES and free < MIN_FREE_BYTES:
        note = (
            f"only {free / 1024**3:.1f} GB free under {folder}: moved "
            f"{SMALL_DISK_BYTES // MIB} MB instead of {wanted // MIB} MB"
        )
        return SMALL_DISK_BYTES, note
    return wanted, ""


def write_source(path: Path, size: int) -> None:
    """Write ``size`` bytes of a repeated pattern to ``path`` (in chunks, never held whole)."""
    block = bytes(range(256)) * (CHUNK // 256)
    with path.open("wb") as out:
        left = size
        while left > 0:
            piece = block if left >= CHUNK else block[:left]
            out.write(piece)
            left -= len(piece)


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


def _bare_download(pool: urllib3.PoolManager, url: str, target: Path, size: int) -> None:
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        with os.fdopen(os.open(temp, flags, 0o666), "wb") as out:
            response = pool.request(
                "GET",
                url,
                preload_content=False,
                headers={"Accept-Encoding": "identity"},
                timeout=_TIMEOUT,
            )
            written = 0
            for chunk in response.stream(CHUNK):
                out.write(chunk)
                written += len(chunk)
            response.release_conn()
            out.flush()
            os.fsync(out.fileno())
        if response.status != 200 or written != size:  # noqa: PLR2004
            msg = f"bare download: HTTP {response.status}, {written} of {size} bytes"
            raise RuntimeError(msg)
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)


def _bare_upload(pool: urllib3.PoolManager, url: str, source: Path, size: int) -> None:
    response = pool.urlopen(
        "PUT",
        url,
        body=_file_chunks(source),
        headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
        timeout=_TIMEOUT,
        retries=False,
    )
    if response.status != 200 or json.loads(response.data)["data"]["size"] != size:  # noqa: PLR2004
        msg = f"bare upload: HTTP {response.status}"
        raise RuntimeError(msg)


def _checked(target: Path, size: int) -> None:
    if target.stat().st_size != size:
        msg = f"{target} has {target.stat().st_size} bytes, not {size}"
        raise RuntimeError(msg)
    target.unlink()


def _stack() -> Any:
    return default_stack(logger=null_logger(logging.INFO))


def contenders(
    where: Where, source: Path, folder: Path, size: int
) -> tuple[list[tuple[str, Callable[[], Any]]], Callable[[], None]]:
    """The four transfers (each deletes what it wrote) and a function that closes the clients."""
    pool = urllib3.PoolManager(maxsize=1)
    down_base = "/".join(where.download_url.split("/", 3)[:3])
    downloader = HeyGenClient(API_KEY, base_url=down_base, stack=_stack())
    uploader = HeyGenClient(API_KEY, base_url=where.upload_base, stack=_stack())
    slot = DirectUpload(asset_id="bench", upload_url=f"{where.upload_base}/sink")
    target = folder / "downloaded.bin"
    sink = f"{where.upload_base}/sink"

    def bare_download() -> None:
        _bare_download(pool, where.download_url, target, size)
        _checked(target, size)

    def ours_download() -> None:
        download(downloader, where.download_url, target, chunk_size=CHUNK)
        _checked(target, size)

    def close() -> None:
        pool.clear()
        downloader.close()
        uploader.close()

    calls: list[tuple[str, Callable[[], Any]]] = [
        (DOWNLOAD_BARE, bare_download),
        (DOWNLOAD_OURS, ours_download),
        (UPLOAD_BARE, lambda: _bare_upload(pool, sink, source, size)),
        (
            UPLOAD_OURS,
            lambda: uploader.assets.send_direct_upload(slot, source, chunk_size=CHUNK),
        ),
    ]
    return calls, close


def _timed(call: Callable[[], Any]) -> float:
    # Untimed: flush what is dirty already (ours and the machine's), so the timed fsync
    # waits for this transfer's bytes, not for a backlog that lands on whoever runs next.
    os.sync()
    time.sleep(SETTLE_SECONDS)
    started = time.perf_counter_ns()
    call()
    return float(time.perf_counter_ns() - started)


@dataclass(frozen=True)
class Transfers:
    """Per contender its timings; per library contender the per-round ratios to its pair."""

    results: dict[str, Result]
    ratios: dict[str, list[float]]
    """``ours / bare`` of each round, the two back to back: bare first in even rounds."""


def balanced_ratio(ratios: list[float]) -> float:
    """The ratio with the position effect cancelled: √(median bare-first * median ours-first).

    The second of two back-to-back 300 MB transfers is often the slower (the disk is still
    busy with the first), which multiplies the bare-first ratios by some factor and divides
    the ours-first ones by it; the geometric mean of the two medians takes it out.
    """
    if not ratios:
        return math.nan
    first, second = ratios[0::2], ratios[1::2]
    if not second:
        return statistics.median(first)
    return math.sqrt(statistics.median(first) * statistics.median(second))


def measure(where: Where, source: Path, folder: Path, size: int, budget: Budget) -> Transfers:
    """Time each pair back to back per round, alternating which goes first, pair by pair."""
    folder.mkdir(parents=True, exist_ok=True)
    calls, close = contenders(where, source, folder, size)
    by_name = dict(calls)
    results = {name: Result(name) for name, _ in calls}
    ratios: dict[str, list[float]] = {ours: [] for ours, _ in PAIRS}
    try:
        # One pair at a time: a download right after an upload ran slower whoever made it,
        # so mixing the pairs in a round put that penalty on whichever went first.
        for ours, bare in PAIRS:
            for _ in range(budget.warmup):
                by_name[bare]()
                by_name[ours]()
            for round_number in range(budget.rounds):
                order = (bare, ours) if round_number % 2 == 0 else (ours, bare)
                times = {name: _timed(by_name[name]) for name in order}
                for name, value in times.items():
                    results[name].rounds.append(value)
                    results[name].calls += 1
                ratios[ours].append(times[ours] / times[bare])
        return Transfers(results, ratios)
    finally:
        close()
