"""A small HTTP/1.1 keep-alive server for the benchmark, run in its own process.

``python benchmarks/_pyserver.py DOCROOT`` binds 127.0.0.1 on a free port, prints the port on
stdout and serves until stdin closes (so it never outlives the benchmark that started it):

- ``GET /<name>``: the file ``DOCROOT/<name>``, read once and served from memory;
- ``GET /stream?bytes=N``: N bytes made on the fly in 64 KiB chunks, never held whole;
- ``POST /upload``: reads the body (``Content-Length`` or chunked) into a SHA-256, answers a v2
  envelope with the size and digest;
- ``PUT /sink``: reads the body and answers a v2 envelope with its size only (no digest, so the
  server's CPU stays out of the upload comparison).

Standard library only (asyncio streams): it is the fallback when nginx is not installed, and
the producer and consumer of the streaming memory test.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_CHUNK = 65536
_FILLER = bytes(range(256)) * (_CHUNK // 256)
_MAX_HEAD = 65536
_MAX_STREAM = 1 << 34
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


def _head(status: int, length: int | None, content_type: str) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS[status]}", f"Content-Type: {content_type}"]
    lines.append("Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}")
    lines.append("Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


class Server:
    """Routes requests to the files, the byte stream and the upload sink."""

    def __init__(self, docroot: Path) -> None:
        """Load every file under ``docroot`` into memory once."""
        self.files = {
            "/" + p.relative_to(docroot).as_posix(): p.read_bytes()
            for p in sorted(docroot.rglob("*"))
            if p.is_file()
        }
        self.cached = {
            path: _head(200, len(body), "application/json") + body
            for path, body in self.files.items()
        }

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection until the peer closes it."""
        try:
            while await self._one(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _MAX_HEAD:
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        url = urlsplit(target)
        if method == "GET" and url.path in self.cached:
            writer.write(self.cached[url.path])
        elif method == "GET" and url.path == "/stream":
            await self._stream(url.query, writer)
        elif method in {"POST", "PUT"} and url.path in {"/upload", "/sink"}:
            await self._upload(headers, reader, writer, digest=url.path == "/upload")
        else:
            await _skip_body(headers, reader)
            body = b'{"error":{"code":"not_found","message":"no such route"},"data":null}'
            writer.write(_head(404, len(body), "application/json") + body)
        if writer.transport.get_write_buffer_size() > _CHUNK:
            await writer.drain()
        return headers.get("connection", "").lower() != "close"

    async def _stream(self, query: str, writer: asyncio.StreamWriter) -> None:
        size = int(parse_qs(query).get("bytes", ["0"])[0])
        size = max(0, min(size, _MAX_STREAM))
        writer.write(_head(200, size, "application/octet-stream"))
        left = size
        while left > 0:
            piece = _FILLER if left >= _CHUNK else _FILLER[:left]
            writer.write(piece)
            left -= len(piece)
            await writer.drain()

    async def _upload(
        self,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        digest: bool,
    ) -> None:
        sha = hashlib.sha256()
        size = 0
        async for chunk in _body(headers, reader):
            if digest:
                sha.update(chunk)
            size += len(chunk)
        data: dict[str, object] = {"size": size}
        if digest:
            data["sha256"] = sha.hexdigest()
        body = json.dumps({"error": None, "data": data}).encode()
        writer.write(_head(200, len(body), "application/json") + body)


async def _body(headers: dict[str, str], reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return
            left = size
            while left > 0:
                chunk = await reader.read(min(left, _CHUNK))
                if not chunk:
                    raise asyncio.IncompleteReadError(b"", left)
                left -= len(chunk)
                yield chunk
            await reader.readexactly(2)
    else:
        left = int(headers.get("content-length", "0"))
        while left > 0:
            chunk = await reader.read(min(left, _CHUNK))
            if not chunk:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(chunk)
            yield chunk


async def _skip_body(headers: dict[str, str], reader: asyncio.StreamReader) -> None:
    async for _ in _body(headers, reader):
        pass


async def _main(docroot: Path) -> None:
    server = Server(docroot)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, limit=_MAX_HEAD * 2)
    port = listener.sockets[0].getsockname()[1]
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    # Serve until the parent closes our stdin (or dies): no orphan server, ever.
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    listener.close()


if __name__ == "__main__":
    asyncio.run(_main(Path(sys.argv[1])))
