"""RedisServer: a real ``redis-server`` for tests, on a free port or a unix socket in a temp dir.

Started with no persistence, bound to 127.0.0.1 (or only a unix socket), it is ready when the
constructor returns (a ``PING`` answered ``PONG``); `stop`, `restart` (same port, for "Redis
comes back" tests), `pause` and `resume` (``SIGSTOP``/``SIGCONT``, for "Redis hangs" tests) are
each bounded in time. It speaks to the server over a plain socket, so it needs no Redis client.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Final

__all__ = ["RedisServer", "RedisServerError", "find_redis_server"]

_PING: Final = b"*1\r\n$4\r\nPING\r\n"
_SHUTDOWN: Final = b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n"
_POLL: Final = 0.01
_PORT_ATTEMPTS: Final = 5


class RedisServerError(RuntimeError):
    """redis-server could not be found, started or stopped."""


def find_redis_server() -> str | None:
    """The path of the ``redis-server`` program, or None when it is not installed."""
    return shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """A ``redis-server`` process owned by a test: started, ready, and stopped for sure.

    Example:
        ```python
        with RedisServer() as server:
            client = redis.Redis.from_url(server.url)
        ```
    """

    def __init__(
        self, *, unix_socket: bool = False, timeout: float = 10.0, executable: str | None = None
    ) -> None:
        """Start the server and wait until it answers ``PING``.

        Args:
            unix_socket: listen on a unix socket in the temp dir instead of a TCP port.
            timeout: the longest wait for the server to start or stop, in seconds.
            executable: the ``redis-server`` program (default: found on ``PATH``).

        Raises:
            RedisServerError: not installed, or it did not start in time (with its log).
        """
        found = executable or find_redis_server()
        if found is None:
            msg = "redis-server is not installed (apt-get install redis-server)"
            raise RedisServerError(msg)
        self.executable = found
        self.timeout = timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="heygen-redis-")
        self.directory = Path(self._tmp.name)
        self.socket_path: str | None = str(self.directory / "redis.sock") if unix_socket else None
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        try:
            self._start_fresh()
        except BaseException:
            self._tmp.cleanup()
            raise

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0`` or ``unix://<path>?db=0``."""
        if self.socket_path is not None:
            return f"unix://{self.socket_path}?db=0"
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id, while it runs."""
        return self._process.pid if self.running and self._process is not None else None

    def _start_fresh(self) -> None:
        """Start on a new free port (retrying if another process took it first)."""
        if self.socket_path is not None:
            self._start()
            return
        for _ in range(_PORT_ATTEMPTS):
            self.port = _free_port()
            try:
                self._start()
            except RedisServerError:
                if "Address already in use" not in self._log_tail():
                    raise
            else:
                return
        msg = f"no free port for redis-server after {_PORT_ATTEMPTS} tries"
        raise RedisServerError(msg)

    def _command(self) -> list[str]:
        listen = (
            ["--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700"]
            if self.socket_path is not None
            else ["--port", str(self.port), "--bind", "127.0.0.1"]
        )
        return [
            self.executable,
            *listen,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            "--logfile",
            str(self.directory / "redis.log"),
            "--daemonize",
            "no",
        ]

    def _start(self) -> None:
        """Start the process on the configured port or socket and wait until it answers."""
        self._process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments
            self._command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                msg = f"redis-server exited with {self._process.returncode}:\n{self._log_tail()}"
                raise RedisServerError(msg)
            if self.ping():
                return
            time.sleep(_POLL)
        self._kill()
        msg = f"redis-server did not answer PING within {self.timeout:g} s:\n{self._log_tail()}"
        raise RedisServerError(msg)

    def _connect(self, timeout: float) -> socket.socket:
        if self.socket_path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(self.socket_path)
            except OSError:
                sock.close()
                raise
            return sock
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def ping(self, timeout: float = 0.5) -> bool:
        """Whether the server answers ``PING`` within ``timeout`` seconds."""
        try:
            with self._connect(timeout) as sock:
                sock.sendall(_PING)
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Shut the server down (``SHUTDOWN NOSAVE``; killed if it does not go in time)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        self.resume()
        try:
            with self._connect(1.0) as sock:
                sock.sendall(_SHUTDOWN)
                sock.recv(64)  # the server closes the connection as it exits
        except OSError:
            process.terminate()
        try:
            process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._kill()

    def restart(self) -> None:
        """Stop if running, then start again on the same port or socket (data is gone)."""
        self.stop()
        if self.socket_path is not None:
            Path(self.socket_path).unlink(missing_ok=True)
        self._start()

    def pause(self) -> None:
        """Freeze the server (``SIGSTOP``): connections open, no answers, as a hung server."""
        if self.running and self._process is not None:
            os.kill(self._process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Unfreeze a paused server (``SIGCONT``)."""
        if self.running and self._process is not None:
            os.kill(self._process.pid, signal.SIGCONT)

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=self.timeout)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.directory / "redis.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        """Stop the server and remove its temp dir."""
        try:
            self.stop()
        finally:
            self._kill()
            self._tmp.cleanup()

    def __enter__(self) -> RedisServer:
        """Use as a context manager: stopped and cleaned up at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.close()

    def __repr__(self) -> str:
        """Where it listens, and whether it runs."""
        return f"RedisServer(url={self.url!r}, running={self.running})"
