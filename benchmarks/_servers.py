"""The local HTTP servers the benchmark talks to: nginx when installed, else a Python process.

Both run in their own process on a free 127.0.0.1 port, keep connections alive and serve the
same documents from a temporary folder; both are stopped when their ``with`` block ends.
"""
# ruff: noqa: INP001 - a folder of scripts, not a package

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SMALL = "/v2/envelope.json"
"""A ~3 KB v2 envelope (``{"error": null, "data": {...}}``)."""
LARGE = "/v2/large.json"
"""A ~1 MB v2 envelope."""
SMALL_SIZE = 3 * 1024
LARGE_SIZE = 1024 * 1024
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0
_PYSERVER = Path(__file__).with_name("_pyserver.py")


@dataclass(frozen=True)
class Server:
    """A running server: what it is and where it listens."""

    kind: str
    """``nginx 1.22.1`` or ``python asyncio (separate process)``."""
    host: str
    port: int

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"


def _item(i: int) -> dict[str, Any]:
    return {
        "avatar_id": f"avatar-{i:06d}",
        "avatar_name": f"Presenter {i}",
        "gender": "female" if i % 2 else "male",
        "preview_image_url": f"https://files.example.com/previews/avatar-{i:06d}.webp",
        "preview_video_url": f"https://files.example.com/previews/avatar-{i:06d}.mp4",
        "premium": i % 3 == 0,
        "tags": ["studio", "business"],
        "default_voice_id": f"voice-{i % 97:04d}",
    }


def envelope(size: int) -> bytes:
    """A v2 envelope of about ``size`` bytes (never more), as HeyGen's ``/v2/avatars`` sends."""
    items: list[dict[str, Any]] = []
    body = b""
    for i in range(size):  # bounded: each item adds ~350 bytes
        candidate = json.dumps({"error": None, "data": {"avatars": [*items, _item(i)]}})
        if len(candidate) > size:
            break
        items.append(_item(i))
        body = candidate.encode()
        if len(body) > size - 400:  # close enough: pad the rest below
            break
    doc = json.loads(body)
    doc["data"]["note"] = ""
    pad = size - len(json.dumps(doc).encode())
    doc["data"]["note"] = "x" * max(pad, 0)
    return json.dumps(doc).encode()


def write_docroot(folder: Path) -> Path:
    """Write the served documents into ``folder/www`` (readable by nginx's worker)."""
    www = folder / "www"
    (www / "v2").mkdir(parents=True)
    (www / SMALL.lstrip("/")).write_bytes(envelope(SMALL_SIZE))
    (www / LARGE.lstrip("/")).write_bytes(_large(LARGE_SIZE))
    for path in (folder, www, www / "v2"):
        path.chmod(0o755)
    for path in (www / SMALL.lstrip("/"), www / LARGE.lstrip("/")):
        path.chmod(0o644)
    return www


def _large(size: int) -> bytes:
    """A ~1 MB v2 envelope (built by repetition: ``envelope`` is quadratic in size)."""
    items = [_item(i) for i in range(size // 330)]
    data: dict[str, Any] = {"avatars": items, "note": ""}
    doc = {"error": None, "data": data}
    while len(json.dumps(doc)) > size and items:
        items.pop()
    data["note"] = "x" * (size - len(json.dumps(doc)))
    return json.dumps(doc).encode()


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[Any], deadline: float) -> bool:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.02)
    return False


_NGINX_CONF = """\
worker_processes 1;
daemon off;
master_process on;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_timeout 120s;
    keepalive_requests 10000000;
    etag off;
    server_tokens off;
    server {{
        listen 127.0.0.1:{port};
        root {www};
        default_type application/json;
        location / {{ }}
    }}
}}
"""


def nginx_path() -> str | None:
    """The nginx executable, if the OS package is installed."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).is_file()), None
    )


def _nginx_version(exe: str) -> str:
    done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [exe, "-v"], capture_output=True, text=True, timeout=10, check=False
    )
    text = (done.stderr or done.stdout).strip()
    return text.rpartition("/")[2] or "unknown version"


@contextlib.contextmanager
def nginx(folder: Path, www: Path) -> Iterator[Server]:
    """Run nginx (1 worker, keep-alive) on a free port with its config in ``folder``."""
    exe = nginx_path()
    if exe is None:
        msg = "nginx is not installed"
        raise RuntimeError(msg)
    for _ in range(3):  # the free port may be taken between the probe and nginx's bind
        port = free_port()
        conf = folder / "nginx.conf"
        conf.write_text(_NGINX_CONF.format(tmp=folder, www=www, port=port), encoding="utf-8")
        proc = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            [exe, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if _wait_listening(port, proc, time.monotonic() + _START_TIMEOUT):
                yield Server(f"nginx {_nginx_version(exe)}", "127.0.0.1", port)
                return
        finally:
            _stop(proc)
    log = (folder / "error.log").read_text(encoding="utf-8", errors="replace")[-2000:]
    msg = f"nginx did not start: {log}"
    raise RuntimeError(msg)


@contextlib.contextmanager
def python_server(www: Path) -> Iterator[Server]:
    """Run ``_pyserver.py`` in a separate process; it exits when its stdin closes."""
    proc = subprocess.Popen(  # noqa: S603 - our own script, no shell
        [sys.executable, str(_PYSERVER), str(www)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        stdout: IO[bytes] = proc.stdout  # type: ignore[assignment]
        line = stdout.readline().decode().strip()
        if not line.isdigit():
            msg = "the Python benchmark server did not start"
            raise RuntimeError(msg)
        port = int(line)
        if not _wait_listening(port, proc, time.monotonic() + _START_TIMEOUT):
            msg = "the Python benchmark server is not listening"
            raise RuntimeError(msg)
        yield Server("python asyncio server (separate process)", "127.0.0.1", port)
    finally:
        stdin = proc.stdin
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()
        _stop(proc)


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a server process we started (TERM, then KILL), and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(_STOP_TIMEOUT)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
