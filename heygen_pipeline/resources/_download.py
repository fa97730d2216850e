"""Streaming a URL to disk: flat memory, length checked, no half file under the final name.

The request goes through the client's stack like any other (``stream=True``): the auth
middleware adds the key only for allowlisted hosts, so a CDN link never carries it; redirects,
backoff (before the body starts) and logging all apply. The body is written in chunks to a
temporary file beside the destination, checked against ``Content-Length``, flushed to disk
and renamed over the destination in one step. If anything goes wrong on the way (the
connection breaks, the length is short, the progress callback raises, the process is
interrupted), the temporary file is removed and nothing appears under the final name.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urlsplit

import attrs

from heygen_pipeline._models import Response, Timeout, excerpt
from heygen_pipeline._redact import redact_url
from heygen_pipeline.errors import ProtocolError, error_class_for_status

if TYPE_CHECKING:
    from heygen_pipeline.client import HeyGenClient

__all__ = ["DEFAULT_CHUNK_SIZE", "DownloadResult", "Progress", "download"]

DEFAULT_CHUNK_SIZE: Final = 1024 * 1024
"""Bytes read and written at a time; peak memory stays around this, whatever the file size."""

Progress = Callable[[int, "int | None"], None]
"""``on_progress(done, total)``: bytes so far, and the total when the server announced it."""


@attrs.frozen
class DownloadResult:
    """What a download wrote."""

    path: Path
    """The destination file (absolute)."""
    size: int
    """Bytes written."""
    content_type: str | None = None
    """The ``Content-Type`` the server sent."""


def check_url(url: object) -> str:
    """``url`` if it is an absolute http(s) URL without credentials, else a clear error."""
    if not isinstance(url, str):
        msg = f"a download URL must be a str, not {type(url).__name__}"
        raise TypeError(msg)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        msg = f"invalid download URL {redact_url(url)!r}: {exc}"
        raise ValueError(msg) from None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        msg = f"a download URL must be absolute http or https, not {redact_url(url)!r}"
        raise ValueError(msg)
    if "@" in parts.netloc:
        msg = "a download URL must not carry credentials (user:password@host)"
        raise ValueError(msg)
    return url


def destination(dest: str | os.PathLike[str], url: str) -> Path:
    """The file to write: ``dest``, or a file named after the URL inside ``dest`` if a folder."""
    path = Path(dest).expanduser()
    if path.is_dir():
        name = Path(unquote(urlsplit(url).path)).name
        if not name or name in {".", ".."}:
            msg = f"cannot name a file after {redact_url(url)!r}; give a file path as dest"
            raise ValueError(msg)
        path /= name
    if not path.parent.is_dir():
        msg = f"the folder {str(path.parent)!r} does not exist"
        raise FileNotFoundError(msg)
    return path.resolve()


def download(
    client: HeyGenClient,
    url: str,
    dest: str | os.PathLike[str],
    *,
    on_progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    timeout: Timeout | float | None = None,
) -> DownloadResult:
    """Stream ``url`` into the file ``dest`` (or a file named after the URL in folder ``dest``).

    Args:
        client: the client whose stack sends the request.
        url: an absolute http(s) URL without credentials (a signed CDN link, say).
        dest: the file to write (replaced if it exists), or an existing folder.
        on_progress: called as ``on_progress(done, total)`` once before the first chunk and
            after each; ``total`` is ``None`` when the server sent no length. An exception
            from it stops the download (and removes the partial file).
        chunk_size: bytes per read and write.
        timeout: per-attempt timeouts for this request (default: the client's).

    Returns:
        The path written, its size and the server's content type.

    Raises:
        ProtocolError: the body was shorter or longer than its ``Content-Length``, or the
            connection broke mid-body.
        HeyGenError: anything the stack raises (an expired link answers 403, ...).
    """
    check_url(url)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        msg = f"chunk_size must be an int >= 1, not {chunk_size!r}"
        raise ValueError(msg)
    path = destination(dest, url)
    extra = {} if timeout is None else {"timeout": timeout}
    # identity: the length HeyGen announces is then the length we must receive.
    response = client.request(
        "GET", url, stream=True, headers={"Accept-Encoding": "identity"}, **extra
    )
    with response:
        _check_status(response)
        total = _length(response.headers.get("Content-Length"))
        if response.headers.get("Content-Encoding", "identity").lower() != "identity":
            total = None  # decoded on the way: the announced length is not what we get
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
        try:
            size = _write(temp, response.iter_bytes(chunk_size), total, on_progress)
            _check_length(size, total, response)
            temp.replace(path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    return DownloadResult(path, size, response.headers.get("Content-Type"))


def _check_status(response: Response) -> None:
    """Refuse to save anything but a 2xx body.

    The envelope middleware raises for 4xx/5xx already; a stack without it (or without
    redirect following) would otherwise hand an error page or a 3xx to the file.
    """
    if response.is_success:
        return
    body = b"".join(itertools.islice(response.iter_bytes(1024), 4))
    raise error_class_for_status(response.status)(
        f"HTTP {response.status} for the download of {redact_url(response.request.url)}",
        status=response.status,
        request_id=response.request_id,
        body_excerpt=excerpt(body),
        request=response.request,
        response=response,
    )


def _check_length(size: int, total: int | None, response: Response) -> None:
    """Raise `ProtocolError` when the body was not as long as its ``Content-Length``."""
    if total is None or size == total:
        return
    url = redact_url(response.request.url)
    msg = (
        f"the download of {url} ended after {size} of {total} bytes"
        if size < total
        else f"the download of {url} sent more than its {total} bytes"
    )
    raise ProtocolError(msg, request=response.request)


def _length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _write(
    temp: Path,
    chunks: Iterable[bytes],
    total: int | None,
    on_progress: Progress | None,
) -> int:
    """Write every chunk to ``temp`` (created new, mode from the umask), then flush to disk."""
    size = 0
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as out:
        if on_progress is not None:
            on_progress(0, total)
        for chunk in chunks:
            out.write(chunk)
            size += len(chunk)
            if total is not None and size > total:
                break  # the length check reports it; do not keep writing past the promise
            if on_progress is not None:
                on_progress(size, total)
        out.flush()
        os.fsync(out.fileno())
    return size
