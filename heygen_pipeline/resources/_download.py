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
import stat
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urlsplit

import attrs

from heygen_pipeline._headers import parse_content_length
from heygen_pipeline._models import Response, Timeout, excerpt
from heygen_pipeline._redact import redact_url
from heygen_pipeline.errors import ProtocolError, UnsafeDestinationError, error_class_for_status
from heygen_pipeline.resources._checks import check_count

if TYPE_CHECKING:
    from heygen_pipeline.resources._requester import Requester

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_NAME_BYTES",
    "DownloadResult",
    "Progress",
    "download",
    "fetch_to_file",
    "safe_file_name",
]

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


MAX_NAME_BYTES: Final = 200
"""The longest file name (UTF-8 bytes) taken from server data; the temporary name fits beside."""

_FORBIDDEN_CHARACTERS: Final = frozenset('/\\:*?"<>|')
"""Path separators on any system, a drive or stream colon, and what Windows refuses in names."""
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Control, format (bidi overrides), surrogate, private, unassigned and line-break characters."""
_WINDOWS_DEVICES: Final = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {
        f"{port}{n}"
        for port in ("com", "lpt")
        for n in [*"0123456789", "\u00b9", "\u00b2", "\u00b3"]
    }
)
"""Names that open a device on Windows, whatever their extension."""


def safe_file_name(name: str) -> str:
    r"""``name`` if it is one plain file name on every system, else `UnsafeDestinationError`.

    Used for names that come from server data (a video id, a URL's last segment), so that
    nothing a server says can choose a file outside the folder the caller gave. Refused: an
    empty name, ``.`` and ``..`` and any name starting with a dot, ``/``, ``\``, ``:`` and
    the other characters Windows forbids, control, format and unassigned characters (NUL,
    newlines, bidi overrides), a trailing dot or space, Windows device names (``CON``,
    ``nul.mp4``, ``COM1``...) and names over `MAX_NAME_BYTES` bytes.
    """
    problem = _name_problem(name)
    if problem is None:
        return name
    shown = name if len(name) <= 60 else f"{name[:60]}..."  # noqa: PLR2004 - a display cut
    msg = f"{shown!r} is not a safe file name ({problem}); give a file path as dest"
    raise UnsafeDestinationError(msg)


def _name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain, portable file name (None when it is one)."""
    if not name:
        return "it is empty"
    if name.startswith("."):
        return "it starts with a dot"
    if any(ch in _FORBIDDEN_CHARACTERS for ch in name):
        return "it holds a path separator or a character Windows forbids"
    if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in name):
        return "it holds a control, format or unassigned character"
    if name[-1] in ". ":
        return "it ends with a dot or a space"
    if name.split(".", 1)[0].rstrip(" ").lower() in _WINDOWS_DEVICES:
        return "it is a Windows device name"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"it is longer than {MAX_NAME_BYTES} bytes"
    return None


def url_file_name(url: str) -> str:
    """The URL's last path segment, percent-decoded (query and fragment ignored)."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def destination(dest: str | os.PathLike[str], url: str, name: str | None = None) -> Path:
    """The file to write: ``dest``, or a file inside the folder ``dest``.

    In a folder the file is named ``name`` (or after the URL), which must pass
    ``safe_file_name`` and is taken as it is: a link there is refused, not followed, so the
    file lands in that folder. A file path the caller gives is resolved (a link the caller
    names is followed to its target). Either way an existing destination that is not a
    regular file (a FIFO, a device, a folder) is refused: it is never replaced.
    """
    path = Path(dest).expanduser()
    if path.is_dir():
        folder = path.resolve()
        path = folder / safe_file_name(url_file_name(url) if name is None else name)
        check_target(path)
        return path
    if not path.parent.is_dir():
        msg = f"the folder {str(path.parent)!r} does not exist"
        raise FileNotFoundError(msg)
    try:
        path = path.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of links
        msg = f"cannot resolve the destination {str(path)!r}: {exc}"
        raise UnsafeDestinationError(msg, path=str(path)) from None
    check_target(path)
    return path


def check_target(path: Path) -> None:
    """Refuse ``path`` if it exists and is anything but a regular file (a link included).

    Checked before the request and again just before the rename, so a FIFO or link put in
    place during the download is not replaced either.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode):
        return
    kind = "a link" if stat.S_ISLNK(mode) else _KINDS.get(stat.S_IFMT(mode), "a special file")
    msg = (
        f"the destination {str(path)!r} is {kind}, not a regular file: a download never "
        "replaces it (give the path of a regular file, or a folder)"
    )
    raise UnsafeDestinationError(msg, path=str(path))


_KINDS: Final = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def download(
    client: Requester,
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
        dest: the file to write (replaced if it is a regular file; a link is followed to
            its target), or an existing folder, where the file is named after the URL's last
            segment (which must be a plain file name: no separators, dot names, control characters,
            device names or more than 200 bytes).
        on_progress: called as ``on_progress(done, total)`` once before the first chunk and
            after each; ``total`` is ``None`` when the server sent no length. An exception
            from it stops the download (and removes the partial file).
        chunk_size: bytes per read and write.
        timeout: per-attempt timeouts for this request (default: the client's).

    Returns:
        The path written, its size and the server's content type.

    Raises:
        UnsafeDestinationError: the name from the URL is not a plain file name, or the
            destination is not a regular file (a FIFO, a device, a folder); nothing is
            fetched, and nothing replaced.
        ProtocolError: the body was shorter or longer than its ``Content-Length``, the
            ``Content-Length`` was not a number, or the connection broke mid-body.
        HeyGenError: anything the stack raises (an expired link answers 403, ...).
    """
    return fetch_to_file(
        client, url, dest, on_progress=on_progress, chunk_size=chunk_size, timeout=timeout
    )


def fetch_to_file(
    client: Requester,
    url: str,
    dest: str | os.PathLike[str],
    *,
    name: str | None = None,
    on_progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    timeout: Timeout | float | None = None,
) -> DownloadResult:
    """`download`, naming the file ``name`` (server data, checked) when ``dest`` is a folder."""
    check_url(url)
    check_count(chunk_size, "chunk_size")
    path = destination(dest, url, name)
    extra = {} if timeout is None else {"timeout": timeout}
    # identity: the length HeyGen announces is then the length we must receive.
    response = client.request(
        "GET", url, stream=True, headers={"Accept-Encoding": "identity"}, **extra
    )
    with response:
        _check_status(response)
        total = _length(response)
        if response.headers.get("Content-Encoding", "identity").lower() != "identity":
            total = None  # decoded on the way: the announced length is not what we get
        # A short, fixed-size name: a long destination name must not make it too long.
        temp = path.with_name(f".{path.name[:32]}.{secrets.token_hex(6)}.part")
        try:
            size = _write(temp, response.iter_bytes(chunk_size), total, on_progress)
            _check_length(size, total, response)
            check_target(path)  # again: something may have been put there meanwhile
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


def _length(response: Response) -> int | None:
    """The announced ``Content-Length`` (None without one); a malformed one is a ProtocolError."""
    value = response.headers.get("Content-Length")
    if value is None:
        return None
    length = parse_content_length(value)
    if length is None:
        shown = value if len(value) <= 40 else f"{value[:40]}..."  # noqa: PLR2004 - a display cut
        msg = (
            f"the download of {redact_url(response.request.url)} announced a malformed "
            f"Content-Length ({shown!r})"
        )
        raise ProtocolError(msg, request=response.request)
    return length


def _write(
    temp: Path,
    chunks: Iterable[bytes],
    total: int | None,
    on_progress: Progress | None,
) -> int:
    """Write every chunk to ``temp`` (created new, mode from the umask), then flush to disk."""
    size = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags | getattr(os, "O_NOFOLLOW", 0), 0o666)
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
