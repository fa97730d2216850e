"""Link: one component's way to Redis, with a bound on every round trip and fork safety.

redis-py bounds a reply only by the client's ``socket_timeout``, the same for every command.
A call with a deadline needs less: a `Link` runs each command on a connection of the client's
pool and reads the reply with a timeout of its own (``timeout=``, at most the client's), so
the time a request has left bounds every round trip it makes to Redis.

After ``os.fork()`` a child must not touch its parent's sockets or locks (another thread of
the parent may have held one at the fork). Every `Link`, and every object registered with
`after_fork`, is reset in the child before any other code runs there: a new client on the
same pool (which redis-py resets for the child, so the child opens connections of its own),
and new locks.
"""

from __future__ import annotations

import hashlib
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Final

import redis
from redis.exceptions import NoScriptError

__all__ = ["Link", "Script", "after_fork"]

_LOCK_FLOOR: Final = 0.001
"""Seconds a single-connection client's lock is waited for at the least."""

_HOOKS: weakref.WeakKeyDictionary[object, Callable[[object], None]] = weakref.WeakKeyDictionary()
_HOOKS_LOCK = threading.Lock()


def after_fork(owner: object, reset: Callable[[Any], None]) -> None:
    """Call ``reset(owner)`` in every child forked from now on (while ``owner`` lives).

    ``reset`` runs in the child right after the fork, when only the forking thread exists: it
    replaces the owner's locks and connections. It must not take locks of others.
    """
    with _HOOKS_LOCK:
        _HOOKS[owner] = reset


def _run_fork_hooks() -> None:
    """In a fresh child: reset every registered owner (errors would break the child: none)."""
    global _HOOKS_LOCK  # noqa: PLW0603 - the parent's lock may be held by a thread gone here
    _HOOKS_LOCK = threading.Lock()
    for owner, reset in list(_HOOKS.items()):
        reset(owner)


if hasattr(os, "register_at_fork"):  # pragma: no branch - every POSIX Python has it
    os.register_at_fork(after_in_child=_run_fork_hooks)


class Script:
    """A Lua script: its source and SHA-1, run with ``EVALSHA`` (``EVAL`` when not loaded)."""

    __slots__ = ("sha", "source")

    def __init__(self, source: str) -> None:
        """Hold ``source`` and its digest."""
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()


class Link:
    """Commands to one Redis client, each bounded in time, safe across ``os.fork()``."""

    def __init__(self, connection: redis.Redis) -> None:
        """Talk to Redis through ``connection``'s pool."""
        self._origin = connection
        self._client = connection
        self._pid = os.getpid()
        pool = connection.connection_pool
        configured = getattr(pool, "connection_kwargs", {}).get("socket_timeout")
        self.timeout: float | None = (
            float(configured) if isinstance(configured, (int, float)) else None
        )
        """The client's own bound on a reply (``None``: it waits for ever)."""
        after_fork(self, Link._reset_in_child)

    def _reset_in_child(self) -> None:
        """In a forked child: a client of its own on the same pool (redis-py resets the pool)."""
        pool = self._origin.connection_pool
        self._client = redis.Redis(connection_pool=pool)
        self._pid = os.getpid()

    def client(self) -> redis.Redis:
        """The client for this process (a new one in a forked child)."""
        if self._pid != os.getpid():  # forked without the fork hooks (a C extension, say)
            self._reset_in_child()
        return self._client

    def bound(self, timeout: float | None) -> float | None:
        """The read timeout for a round trip allowed ``timeout`` seconds."""
        if timeout is None:
            return self.timeout
        return timeout if self.timeout is None else min(timeout, self.timeout)

    def execute(self, *args: Any, timeout: float | None = None) -> Any:
        """Send one command and return its raw reply, read within ``timeout`` seconds.

        Raises the Redis errors redis-py raises (``TimeoutError`` when no reply came in time:
        the connection is then closed, so a late reply is never read as another's). A
        connection found dead while sending is replaced once.
        """
        client = self.client()
        single = client.connection
        read_timeout = self.bound(timeout)
        if single is not None:
            lock = client.single_connection_lock
            wait = -1.0 if read_timeout is None else max(read_timeout, _LOCK_FLOOR)
            if not lock.acquire(timeout=wait):
                msg = "the single connection of this Redis client stayed busy"
                raise redis.TimeoutError(msg)
            try:
                return self._on(single, args, read_timeout)
            finally:
                lock.release()
        pool = client.connection_pool
        connection = pool.get_connection()
        try:
            return self._on(connection, args, read_timeout)
        finally:
            pool.release(connection)

    @staticmethod
    def _on(connection: Any, args: Sequence[Any], read_timeout: float | None) -> Any:
        try:
            connection.send_command(*args)
        except redis.TimeoutError:
            raise
        except redis.ConnectionError:
            connection.disconnect()
            connection.send_command(*args)
        try:
            if read_timeout is None:
                return connection.read_response()
            return connection.read_response(timeout=read_timeout)
        except UnicodeDecodeError as exc:  # a decoding client, bytes that are not UTF-8
            connection.disconnect()
            msg = "Redis sent a reply this client cannot decode"
            raise redis.DataError(msg) from exc

    def run(
        self,
        script: Script,
        keys: Sequence[str],
        args: Sequence[str | int | float],
        *,
        timeout: float | None = None,
    ) -> Any:
        """Run ``script`` (``EVALSHA``; ``EVAL`` if the server does not have it yet)."""
        try:
            return self.execute("EVALSHA", script.sha, len(keys), *keys, *args, timeout=timeout)
        except NoScriptError:
            return self.execute("EVAL", script.source, len(keys), *keys, *args, timeout=timeout)
