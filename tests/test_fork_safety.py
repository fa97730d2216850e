"""After os.fork(), parent and child never share a pooled connection (real forks).

A raw server records which connection (1, 2, ...) carried each request and echoes the
request's target and that connection in its answer. The parent warms its pool, forks, and
both make calls at once: the child reports through a pipe and leaves with ``os._exit``.
"""

import contextlib
import json
import os
import select
import time
from urllib.parse import urlsplit

import pytest
import urllib3
from _hostile_server import HostileServer, http_answer

from heygen_pipeline import Request, Timeout, Urllib3Transport

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork"),
]

CALLS = 20
QUICK = Timeout(connect=5.0, read=5.0)


def echo(request):
    """Answer with the request's target and the connection that carried it (keep-alive)."""
    body = json.dumps({"target": request.target, "connection": request.connection})
    return http_answer(200, body.encode())


def calls(transport, url, who):
    """``CALLS`` calls; each answer as (target asked, target answered, connection)."""
    seen = []
    for i in range(CALLS):
        target = f"/{who}/{i}"
        request = Request("GET", url + target).with_options(
            deadline=time.monotonic() + 10, timeout=QUICK
        )
        answer = json.loads(transport(request).content)
        seen.append((target, answer["target"], answer["connection"]))
    return seen


def in_child(write_end, work):
    """Run ``work()`` in the child, send its JSON result down the pipe, exit at once."""
    code = 1
    try:
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(work()))
        code = 0
    except BaseException as exc:
        with contextlib.suppress(Exception):
            os.write(2, f"child failed: {exc!r}\n".encode())
    finally:
        os._exit(code)


def proxy_echo(request):
    """As `echo`, for a server that is the proxy: the absolute-form target's path."""
    body = json.dumps({"target": urlsplit(request.target).path, "connection": request.connection})
    return http_answer(200, body.encode())


def fork_and_call(transport, server, url=None):
    """Fork; parent and child call at once; return (parent's answers, child's answers)."""
    url = url or server.url
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        in_child(write_end, lambda: calls(transport, url, "child"))
    os.close(write_end)
    try:
        parent = calls(transport, url, "parent")
        ready, _, _ = select.select([read_end], [], [], 30)
        assert ready, "the child did not report in 30 s"
        with os.fdopen(read_end) as pipe:
            data = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child failed (see stderr)"
    return parent, json.loads(data)


def check(parent, child, warm):
    """Answers match their requests, and no connection served both processes."""
    for asked, answered, _ in parent + [tuple(c) for c in child]:
        assert asked == answered, f"{asked} got the answer to {answered}"
    parents = {c for _, _, c in parent}
    childs = {c for _, _, c in child}
    assert parents.isdisjoint(childs), f"shared connections: {parents & childs}"
    assert warm not in childs, "the child used the parent's pooled connection"
    assert parents == {warm}, "the parent lost its pooled connection"


class TestForkedPools:
    """A forked child starts with fresh pools and leaves the parent's alone."""

    def test_child_never_uses_the_parents_connections(self):
        """Parent and child call at once after a fork: disjoint connections, matching answers."""
        with HostileServer(echo) as server, Urllib3Transport(timeout=QUICK) as transport:
            warm = calls(transport, server.url, "warm")[0][2]
            parent, child = fork_and_call(transport, server)
            check(parent, child, warm)

    def test_callers_pool_manager_too(self):
        """With a PoolManager the caller brought, the child forgets its pools as well."""
        manager = urllib3.PoolManager(maxsize=2, retries=False)
        with HostileServer(echo) as server, Urllib3Transport(pool_manager=manager) as transport:
            warm = calls(transport, server.url, "warm")[0][2]
            parent, child = fork_and_call(transport, server)
            check(parent, child, warm)

    def test_through_a_proxy(self):
        """A proxied transport's child gets fresh proxy pools as well."""
        url = "http://api.example.test"
        with (
            HostileServer(proxy_echo) as server,
            Urllib3Transport(timeout=QUICK, proxy=server.url) as transport,
        ):
            warm = calls(transport, url, "warm")[0][2]
            parent, child = fork_and_call(transport, server, url)
            check(parent, child, warm)

    def test_twice(self):
        """A child of a child is as safe (the hook runs on every fork)."""
        with HostileServer(echo) as server, Urllib3Transport(timeout=QUICK) as transport:
            warm = calls(transport, server.url, "warm")[0][2]
            parent, child = fork_and_call(transport, server)
            check(parent, child, warm)
            parent, child = fork_and_call(transport, server)
            check(parent, child, warm)
