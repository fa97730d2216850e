"""A streaming ``multipart/form-data`` parser for FakeHeyGen's upload routes.

Fed the body chunk by chunk as it arrives, it hashes each part instead of holding it: its
buffer never holds more than one chunk plus a boundary, and a part's bytes are kept only
while they stay small (1 MiB), so a 200 MB upload parses in flat memory.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final

SMALL_PART: Final = 1 << 20
"""Parts up to this size keep their bytes; bigger ones only their size and SHA-256."""
_MAX_HEADERS: Final = 16 * 1024
_BOUNDARY: Final = re.compile(r'boundary=(?:"([^"]{1,70})"|([^";\s]{1,70}))', re.IGNORECASE)
_PARAM: Final = re.compile(r'(\w+)\*?=(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')


@dataclass(frozen=True)
class FormPart:
    """One part of a multipart body as the fake received it.

    Attributes:
        name: The form field name (``Content-Disposition: form-data; name=...``).
        filename: The file name, for file parts.
        content_type: The part's ``Content-Type``, if it had one.
        size: Its length in bytes.
        sha256: Hex SHA-256 of its bytes.
        body: Its bytes, or None when it was over 1 MiB.
    """

    name: str | None
    filename: str | None
    content_type: str | None
    size: int
    sha256: str
    body: bytes | None


class _Part:
    def __init__(self, headers: dict[str, str]) -> None:
        disposition = _params(headers.get("content-disposition", ""))
        self.name = disposition.get("name")
        self.filename = disposition.get("filename")
        self.content_type = headers.get("content-type")
        self.hash = hashlib.sha256()
        self.size = 0
        self.kept: bytearray | None = bytearray()

    def feed(self, data: bytes) -> None:
        self.hash.update(data)
        self.size += len(data)
        if self.kept is not None:
            self.kept += data
            if len(self.kept) > SMALL_PART:
                self.kept = None

    def done(self) -> FormPart:
        body = None if self.kept is None else bytes(self.kept)
        sha = self.hash.hexdigest()
        return FormPart(self.name, self.filename, self.content_type, self.size, sha, body)


def _params(value: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _PARAM.finditer(value):
        raw = match[2] if match[2] is not None else match[3]
        text = raw.replace('\\"', '"').replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")
        found.setdefault(match[1].lower(), text)
    return found


class MultipartParser:
    """Parses a ``multipart/form-data`` body fed in chunks; see `parts` and `error`."""

    def __init__(self, boundary: str) -> None:
        """Parse parts separated by ``boundary``."""
        self._delimiter = b"\r\n--" + boundary.encode("latin-1")
        # A CRLF in front lets the first boundary match the same delimiter as the others.
        self._buffer = bytearray(b"\r\n")
        self._state = "preamble"
        self._part: _Part | None = None
        self._parts: list[FormPart] = []
        self.error: str | None = None

    @classmethod
    def for_content_type(cls, value: str | None) -> MultipartParser | None:
        """A parser for a ``multipart/form-data`` Content-Type with a boundary, else None."""
        if value is None or not value.lower().startswith("multipart/form-data"):
            return None
        match = _BOUNDARY.search(value)
        if match is None:
            return None
        return cls(match[1] or match[2])

    def feed(self, chunk: bytes) -> None:
        """Consume the next piece of the body."""
        if self._state in {"done", "error"}:
            return
        self._buffer += chunk
        while self._step():  # bounded: each step consumes buffer or changes state
            pass

    def _step(self) -> bool:
        if self._state in {"preamble", "body"}:
            return self._to_delimiter()
        if self._state == "after_delimiter":
            return self._after_delimiter()
        return self._headers()

    def _to_delimiter(self) -> bool:
        """Pass part bytes on up to the next delimiter (keeping a tail that may start one)."""
        buffer, delimiter = self._buffer, self._delimiter
        index = buffer.find(delimiter)
        if index < 0:
            cut = len(buffer) - (len(delimiter) - 1)
            if cut > 0:
                if self._part is not None:
                    self._part.feed(bytes(buffer[:cut]))
                del buffer[:cut]
            return False
        if self._part is not None:
            self._part.feed(bytes(buffer[:index]))
            self._parts.append(self._part.done())
            self._part = None
        del buffer[: index + len(delimiter)]
        self._state = "after_delimiter"
        return True

    def _after_delimiter(self) -> bool:
        """``--`` ends the body; CRLF starts the next part's headers."""
        buffer = self._buffer
        if len(buffer) < 2:  # noqa: PLR2004 - "--" or CRLF
            return False
        if buffer[:2] == b"--":
            self._state = "done"
            buffer.clear()
            return False
        if buffer[:2] != b"\r\n":
            return self._fail("a boundary is not followed by CRLF or --")
        del buffer[:2]
        self._state = "headers"
        return True

    def _headers(self) -> bool:
        """Read a part's headers (bounded in size) and start the part."""
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > _MAX_HEADERS:
                return self._fail("a part's headers are too long")
            return False
        headers: dict[str, str] = {}
        for line in bytes(buffer[:end]).decode("utf-8", "replace").split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        del buffer[: end + 4]
        self._part = _Part(headers)
        self._state = "body"
        return True

    def _fail(self, reason: str) -> bool:
        self.error = reason
        self._state = "error"
        self._buffer.clear()
        return False

    def close(self) -> tuple[FormPart, ...] | None:
        """The parts, once the whole body was fed; None (and `error` set) if it was malformed."""
        if self._state != "done" and self.error is None:
            self.error = "the body ended before the closing boundary"
        return None if self.error is not None else tuple(self._parts)
