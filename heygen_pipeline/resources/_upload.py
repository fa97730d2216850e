"""Streaming uploads from disk: raw (legacy) and multipart (v3), with the length known up front.

A file never sits in memory: the body is an iterable that opens the file and yields it in
chunks (framed by the multipart head and tail for v3), and its exact length is computed from
the file size before anything is sent, so the request carries a ``Content-Length`` (HeyGen's
upload endpoints want one; ``Transfer-Encoding: chunked`` is not assumed to work).

Such a body can be read again, but the stack treats any body that is not ``bytes`` as
one-shot: once its bytes went out, the backoff middleware does not resend it (a 429 or 5xx
after an upload comes back to the caller, who can simply call again). A connection refused
before anything was sent is still retried, since the file was not read yet.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from heygen_pipeline._models import Timeout
from heygen_pipeline.resources._checks import check_count, check_int

__all__ = [
    "LEGACY_CONTENT_TYPES",
    "UPLOAD_TIMEOUT",
    "FileBody",
    "UploadFile",
    "check_chunk_size",
    "check_sha256",
    "content_type_for",
    "legacy_content_type",
    "multipart_body",
    "sha256_of",
]

LEGACY_CONTENT_TYPES: Final[Mapping[str, str]] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
}
"""File extensions the legacy upload host accepts, and the Content-Type each is sent with."""
_MORE_TYPES: Final[Mapping[str, str]] = {".wav": "audio/wav", ".pdf": "application/pdf"}
UPLOAD_TIMEOUT: Final = Timeout(connect=10.0, read=600.0)
"""Uploads wait up to 10 minutes for HeyGen's answer after the last byte (as its CLI does)."""
DEFAULT_CHUNK_SIZE: Final = 1024 * 1024

Progress = Callable[[int, int], None]
"""``on_progress(sent, total)``: file bytes handed to the connection so far, and the file size."""


def legacy_content_type(path: Path, given: str | None = None) -> str:
    """The Content-Type for the legacy upload: ``given``, or from the extension; else an error."""
    if given is not None:
        if given not in LEGACY_CONTENT_TYPES.values():
            allowed = ", ".join(sorted(set(LEGACY_CONTENT_TYPES.values())))
            msg = f"the legacy upload accepts only {allowed}; not {given!r}"
            raise ValueError(msg)
        return given
    found = LEGACY_CONTENT_TYPES.get(path.suffix.lower())
    if found is None:
        allowed = ", ".join(LEGACY_CONTENT_TYPES)
        msg = (
            f"cannot upload {path.name!r} to the legacy upload host: its extension is not one "
            f"of {allowed} (pass content_type= if the name is misleading)"
        )
        raise ValueError(msg)
    return found


def content_type_for(path: Path) -> str:
    """The Content-Type of a file part: from the extension, ``application/octet-stream`` else."""
    suffix = path.suffix.lower()
    return (
        LEGACY_CONTENT_TYPES.get(suffix)
        or _MORE_TYPES.get(suffix)
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )


def check_chunk_size(chunk_size: object) -> int:
    """``chunk_size`` if it is an int >= 1, else a clear error (before anything is sent)."""
    return check_count(chunk_size, "chunk_size")


def regular_file(path: str | os.PathLike[str]) -> tuple[Path, int]:
    """The path and size of an existing regular file, or a clear error."""
    if not isinstance(path, (str, os.PathLike)):
        msg = f"path must be a str or os.PathLike, not {type(path).__name__}"
        raise TypeError(msg)
    file = Path(path).expanduser()
    if not file.is_file():
        msg = f"{str(file)!r} is not a file" if file.exists() else f"no such file: {str(file)!r}"
        raise FileNotFoundError(msg)
    return file, file.stat().st_size


class FileBody:
    """A request body that streams a file (between an optional head and tail) in chunks.

    Iterating opens the file anew, so the body can be sent again; it checks that the file
    still has the size the ``Content-Length`` promised and fails the request if not.
    """

    __slots__ = ("_chunk_size", "_head", "_on_progress", "_path", "_size", "_tail")

    def __init__(
        self,
        path: Path,
        size: int,
        *,
        head: bytes = b"",
        tail: bytes = b"",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        on_progress: Progress | None = None,
    ) -> None:
        """Stream ``size`` bytes of ``path`` between ``head`` and ``tail``."""
        check_chunk_size(chunk_size)
        self._path = path
        self._size = size
        self._head = head
        self._tail = tail
        self._chunk_size = chunk_size
        self._on_progress = on_progress

    @property
    def length(self) -> int:
        """The exact number of bytes the body yields: the ``Content-Length``."""
        return len(self._head) + self._size + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        """Open the file and yield head, file chunks and tail."""
        return self._chunks()

    def _chunks(self) -> Iterator[bytes]:
        size, report = self._size, self._on_progress
        with self._path.open("rb") as file:
            if self._head:
                yield self._head
            if report is not None:
                report(0, size)
            sent = 0
            while sent < size:  # bounded: each pass reads at least one byte or raises
                chunk = file.read(min(self._chunk_size, size - sent))
                if not chunk:
                    msg = f"{self._path.name!r} shrank while it was uploaded ({sent} of {size})"
                    raise OSError(msg)
                sent += len(chunk)
                yield chunk
                if report is not None:
                    report(sent, size)
            if file.read(1):
                msg = f"{self._path.name!r} grew while it was uploaded (over {size} bytes)"
                raise OSError(msg)
        if self._tail:
            yield self._tail

    def __repr__(self) -> str:
        """The file name and length."""
        return f"FileBody({self._path.name!r}, length={self.length})"


def sha256_of(path: Path, chunk_size: int = DEFAULT_CHUNK_SIZE) -> str:
    """The hex SHA-256 of a file, read in chunks (memory stays flat)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(chunk_size), b""):  # ends at end of file
            digest.update(chunk)
    return digest.hexdigest()


def _size(value: object) -> int:
    size = check_int(value, "size_bytes")
    if size < 0:
        msg = f"size_bytes must be >= 0, not {size}"
        raise ValueError(msg)
    return size


def _text(value: object) -> str:
    if not isinstance(value, str):
        msg = f"must be a str, not {type(value).__name__}"
        raise TypeError(msg)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _checked(name: str, check: Callable[[Any], object]) -> Callable[[object, object, Any], None]:
    def validate(_instance: object, _attribute: object, value: Any) -> None:
        try:
            check(value)
        except (TypeError, ValueError) as exc:
            text = str(exc)
            raise type(exc)(text if text.startswith(name) else f"{name} {text}") from None

    return validate


_SHA256_HEX: Final = 64


def _optional_hex(value: object) -> None:
    if value is None:
        return
    hexdigits = "0123456789abcdefABCDEF"
    if not isinstance(value, str) or len(value) != _SHA256_HEX or value.strip(hexdigits):
        raise ValueError("must be 64 hex digits (a SHA-256)")


def check_sha256(value: str, what: str = "checksum_sha256") -> str:
    """``value`` if it is a hex SHA-256 (64 hex digits), else a ValueError naming ``what``."""
    _checked(what, _optional_hex)(None, None, value)
    return value


@attrs.frozen(kw_only=True)
class UploadFile:
    """A file to announce for a direct upload: name, type, exact size, optional SHA-256.

    ``UploadFile.from_path(path)`` reads them from a file on disk (the type from its
    extension); the constructor takes them as given and checks them.
    """

    filename: str = attrs.field(validator=_checked("filename", _text))
    content_type: str = attrs.field(validator=_checked("content_type", _text))
    size_bytes: int = attrs.field(validator=_checked("size_bytes", _size))
    checksum_sha256: str | None = attrs.field(
        default=None, validator=_checked("checksum_sha256", _optional_hex)
    )

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        *,
        content_type: str | None = None,
        filename: str | None = None,
        checksum: bool = False,
    ) -> UploadFile:
        """Describe a file on disk; ``checksum=True`` computes its SHA-256 (a read of it)."""
        file, size = regular_file(path)
        return cls(
            filename=filename if filename is not None else file.name,
            content_type=content_type if content_type is not None else content_type_for(file),
            size_bytes=size,
            checksum_sha256=sha256_of(file) if checksum else None,
        )

    def to_api(self) -> dict[str, object]:
        """The JSON object HeyGen takes for it."""
        body: dict[str, object] = {
            "filename": self.filename,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
        }
        if self.checksum_sha256 is not None:
            body["checksum_sha256"] = self.checksum_sha256
        return body


def _quote(value: str) -> str:
    """A form-data parameter value (HTML's rule: escape quotes and line breaks)."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart_body(
    path: Path,
    size: int,
    *,
    field: str = "file",
    filename: str | None = None,
    content_type: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_progress: Progress | None = None,
) -> tuple[str, FileBody]:
    """A ``multipart/form-data`` body with one file part; returns (Content-Type, body).

    The framing is built around the file's chunks; the body's ``length`` is exact.
    """
    boundary = f"heygen-pipeline-{secrets.token_hex(16)}"
    name = filename if filename is not None else path.name
    part_type = content_type if content_type is not None else content_type_for(path)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in part_type + field):  # noqa: PLR2004
        msg = "content_type and field must not contain control characters"
        raise ValueError(msg)
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{_quote(field)}"; filename="{_quote(name)}"\r\n'
        f"Content-Type: {part_type}\r\n"
        "\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = FileBody(
        path, size, head=head, tail=tail, chunk_size=chunk_size, on_progress=on_progress
    )
    return f"multipart/form-data; boundary={boundary}", body
