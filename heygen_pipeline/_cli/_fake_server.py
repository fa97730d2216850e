"""``heygen-pipeline fake-server``: a FakeHeyGen on 127.0.0.1, served until Ctrl-C.

It prints where it listens and the key it accepts, so other programs (or this CLI, with
``--base-url``) can be pointed at it from the shell. SIGINT and SIGTERM stop it cleanly
(exit status 0): the servers are closed and their open connections cut.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import secrets
import signal
import threading
from collections.abc import Iterator
from typing import Any, Final

from heygen_pipeline._cli._commands import Context, UsageError
from heygen_pipeline.testing import FakeHeyGen

_BOUND: Final = "127.0.0.1"
"""The one address FakeHeyGen listens on."""
_MAX_PORT: Final = 65535
_TICK: Final = 0.2
"""Seconds between checks of the stop flag (a signal handler only sets it)."""


def check_host(host: str) -> None:
    """Accept the loopback address FakeHeyGen binds; refuse anything that would expose it."""
    if host in {_BOUND, "localhost"}:
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and address.is_loopback:
        msg = f"--host {host}: the fake server listens on {_BOUND} only"
        raise UsageError(msg)
    msg = (
        f"--host {host}: the fake server accepts a known key, so it listens on this machine "
        f"only (--host {_BOUND})"
    )
    raise UsageError(msg)


@contextlib.contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """Make SIGINT and SIGTERM set ``stop`` (main thread only), restoring the old handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}

    def handler(_signum: int, _frame: object) -> None:
        stop.set()

    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, handler)
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def fake_server(args: argparse.Namespace, ctx: Context, stop: threading.Event | None = None) -> int:
    """``fake-server``: start FakeHeyGen, print its URLs and key, serve until stopped."""
    check_host(args.host)
    if not 0 <= args.port <= _MAX_PORT:
        msg = f"--port must be 0 (any free port) to {_MAX_PORT}, not {args.port}"
        raise UsageError(msg)
    stop = threading.Event() if stop is None else stop
    key = f"fake-{secrets.token_hex(12)}"
    try:
        fake = FakeHeyGen(api_key=key, port=args.port)
    except OSError as exc:
        msg = f"--port {args.port}: {exc.strerror or exc}"
        raise UsageError(msg) from None
    with fake, _stopped_by_signals(stop):
        where = {"base_url": fake.base_url, "upload_url": fake.upload_url, "api_key": key}
        if args.json:
            ctx.console.json(where)
        else:
            for value in where.values():
                ctx.console.line(value)
        ctx.console.err.write("fake HeyGen serving; Ctrl-C to stop\n")
        ctx.console.err.flush()
        while not stop.wait(_TICK):
            pass
    ctx.console.err.write("fake HeyGen stopped\n")
    ctx.console.err.flush()
    return 0
