"""Urllib3Transport: the innermost handler, and the only place urllib3 is spoken to.

Every urllib3 (and socket) exception is translated here into the most specific class of the
error tree, chained with ``from``, so nothing above this line ever sees a urllib3 type
(`_transport_errors`). The connections are the transport's own (`_transport_conn`): they
report each call's phase, bound every phase by its deadline and keep credentials out of
reprs. Bodies are read in `_transport_body`; urllib3's log records are scrubbed by
`_transport_scrub`. A forked child gets fresh pools.
"""

from __future__ import annotations

import http.client
import os
import ssl
import time
import weakref
from typing import TYPE_CHECKING, Any, Final

import urllib3
from urllib3 import exceptions as u3
from urllib3.util.retry import Retry

from heygen_pipeline import _transport_conn as conn
from heygen_pipeline._headers import Headers
from heygen_pipeline._models import Request, Response, Timeout
from heygen_pipeline._transport_body import Urllib3Stream, check_framing, discard, read_body
from heygen_pipeline._transport_errors import translate
from heygen_pipeline._transport_proxy import (
    Proxy,
    ProxyRoutes,
    environment_routes,
    explicit_routes,
)
from heygen_pipeline._transport_scrub import install_log_filter
from heygen_pipeline.errors import (
    HeyGenError,
)

if TYPE_CHECKING:
    from heygen_pipeline._transport_conn import Resolver

if TYPE_CHECKING:
    from types import TracebackType

DEFAULT_TIMEOUT: Final = Timeout(connect=10.0, read=30.0)
DEFAULT_MAX_BODY_SIZE: Final = 64 * 1024 * 1024
"""Bytes of a non-streamed response body read at most (64 MiB); streamed bodies are not limited."""
_MIN_TIMEOUT: Final = 1e-6
_NO_RETRIES: Final = Retry(total=False, redirect=False)
"""What urllib3 makes of ``retries=False, redirect=False`` on every call; immutable, so shared."""
_MAX_CACHED_POOLS: Final = 256
_TRANSPORTS: weakref.WeakSet[Urllib3Transport] = weakref.WeakSet()
"""Every live transport, so a forked child can give each fresh pools at once."""
_INHERITED: list[object] = []
"""A forked child's references to its parent's pools: never used, never closed."""


def _in_child() -> None:
    """After ``os.fork()``, in the child: a new watchdog, and fresh pools for every transport."""
    conn.reset_after_fork()
    for transport in list(_TRANSPORTS):
        transport._after_fork()


os.register_at_fork(after_in_child=_in_child)
install_log_filter()


def _headers_of(raw: urllib3.BaseHTTPResponse) -> Headers:
    """The response headers, repeated names joined with ``", "`` (RFC 9110 field combining).

    ``HTTPHeaderDict.itermerged`` joins them already, under the first spelling of each name.
    """
    headers = raw.headers
    if isinstance(headers, urllib3.HTTPHeaderDict):
        return Headers._of({name.lower(): (name, value) for name, value in headers.itermerged()})
    return Headers._trusted(headers.items())


def _u3_timeout(timeout: Timeout) -> urllib3.Timeout:
    """urllib3's Timeout; a zero (which urllib3 rejects) becomes the shortest wait there is."""

    def positive(seconds: float | None) -> float | None:
        return None if seconds is None else max(seconds, _MIN_TIMEOUT)

    return urllib3.Timeout(connect=positive(timeout.connect), read=positive(timeout.read))


def _send(
    pool: urllib3.HTTPConnectionPool,
    request: Request,
    target: str,
    timeout: urllib3.Timeout,
    pool_timeout: float | None,
) -> urllib3.BaseHTTPResponse:
    """``pool.urlopen`` with the arguments PoolManager.urlopen would pass (body left unread).

    The headers go as `_transport_conn.wire_headers`: no frame below holds the key in a
    local whose repr shows it.
    """
    return pool.urlopen(
        request.method,
        target,
        body=request.body,
        headers=conn.wire_headers(request.headers.raw()),
        retries=_NO_RETRIES,
        redirect=False,
        assert_same_host=False,
        timeout=timeout,
        pool_timeout=pool_timeout,  # type: ignore[arg-type]  # a float works as documented
        preload_content=False,
        decode_content=True,
    )


class Urllib3Transport:
    """The innermost [Handler][heygen_pipeline.typing.Handler]: one urllib3 ``PoolManager``.

    TLS certificates are verified (against ``ca_certs`` when given, else the system store);
    urllib3's own retries and redirects are off, because the pipeline owns those decisions.
    Safe to share between threads.
    """

    def __init__(
        self,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        num_pools: int = 10,
        maxsize: int = 10,
        block: bool = False,
        ca_certs: str | os.PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        pool_manager: urllib3.PoolManager | None = None,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        resolver: Resolver | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        """Configure the pools.

        Args:
            timeout: default per-attempt timeouts (a request's ``options.timeout`` wins).
            num_pools: how many hosts keep a pool of connections.
            maxsize: connections kept per host (more may open under load unless ``block``).
            block: wait for a free connection instead of opening extra ones.
            ca_certs: a PEM bundle of trusted CAs (for a private CA or a proxy).
            ssl_context: a fully configured context, for anything else TLS.
            pool_manager: bring your own PoolManager (the options above are then ignored).
            max_body_size: the most bytes of a (decoded) response body read into memory; a
                bigger body raises `ResponseTooLargeError` without being read further.
                ``None``: no limit. Streamed bodies (``stream=True``) are not limited.
            resolver: ``(host, port) -> getaddrinfo entries``, instead of the system's
                ``socket.getaddrinfo``; either way a lookup is bounded by the connect timeout
                and the request's deadline.
            proxy: send every request through this HTTP(S) proxy, such as
                ``http://user:pass@proxy:3128`` (HTTPS targets through a CONNECT tunnel);
                the environment's proxy variables are then ignored.
            trust_env: without ``proxy``, read ``https_proxy``, ``http_proxy``,
                ``all_proxy`` and ``no_proxy`` (either case) once, now; loopback hosts
                always go direct. False: connect directly, whatever the environment says.
        """
        if not isinstance(timeout, Timeout):
            msg = f"timeout must be a Timeout, not {type(timeout).__name__}"
            raise TypeError(msg)
        for name, value in (("num_pools", num_pools), ("maxsize", maxsize)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"{name} must be an int >= 1, not {value!r}"
                raise ValueError(msg)
        if max_body_size is not None and (
            isinstance(max_body_size, bool) or not isinstance(max_body_size, int)
        ):
            msg = f"max_body_size must be an int or None, not {type(max_body_size).__name__}"
            raise TypeError(msg)
        if max_body_size is not None and max_body_size < 0:
            msg = f"max_body_size must be >= 0 bytes, not {max_body_size!r}"
            raise ValueError(msg)
        if ca_certs is not None and not isinstance(ca_certs, str | os.PathLike):
            msg = f"ca_certs must be a path (str or PathLike), not {type(ca_certs).__name__}"
            raise TypeError(msg)
        if ca_certs is not None and not os.path.isfile(ca_certs):  # noqa: PTH113 - PathLike too
            msg = f"ca_certs {os.fspath(ca_certs)!r} is not a file"
            raise ValueError(msg)
        if resolver is not None and not callable(resolver):
            msg = f"resolver must be callable, not {type(resolver).__name__}"
            raise TypeError(msg)
        routes = self._routes_of(proxy, trust_env=trust_env, own_pool=pool_manager is None)
        self.timeout = timeout
        self.max_body_size = max_body_size
        self._resolver = resolver
        self._owns_pool = pool_manager is None
        self._pool_settings: dict[str, Any] = {
            "num_pools": num_pools,
            "maxsize": maxsize,
            "block": block,
            "cert_reqs": "CERT_REQUIRED",
            "ca_certs": os.fspath(ca_certs) if ca_certs is not None else None,
            "ssl_context": ssl_context,
            "retries": False,
        }
        # (Timeout, the urllib3 Timeout made of it): one tuple, so threads read a matching pair.
        self._last_timeout: tuple[Timeout | None, urllib3.Timeout | None] = (None, None)
        # Connection pools by (scheme, host, port), so a call skips PoolManager's lookup.
        self._pools: dict[tuple[str, str | None, int | None], urllib3.HTTPConnectionPool] = {}
        self._pool = pool_manager or self._new_pool_manager()
        self._routes = routes
        # The proxy each (scheme, host, port) goes through (None: direct), decided once.
        self._route_cache: dict[tuple[str, str, int], Proxy | None] = {}
        self._proxy_managers = self._new_proxy_managers()
        # Only a plain PoolManager is bypassed: a ProxyManager (or any subclass) must see the URL.
        self._direct = type(self._pool) is urllib3.PoolManager
        self._pid = os.getpid()
        _TRANSPORTS.add(self)

    @staticmethod
    def _routes_of(proxy: object, *, trust_env: object, own_pool: bool) -> ProxyRoutes | None:
        """The proxy routes asked for: ``proxy``, else the environment's (if trusted)."""
        if not isinstance(trust_env, bool):
            msg = f"trust_env must be a bool, not {type(trust_env).__name__}"
            raise TypeError(msg)
        if proxy is not None and not own_pool:
            msg = "give proxy= or pool_manager=, not both (a ProxyManager can be the pool_manager)"
            raise ValueError(msg)
        if proxy is not None:
            return explicit_routes(proxy)
        return environment_routes() if trust_env and own_pool else None

    def _new_proxy_managers(self) -> dict[Proxy, urllib3.ProxyManager]:
        """One ProxyManager of phase-tracking pools per proxy the routes name."""
        if self._routes is None:
            return {}
        managers = {}
        for proxy in self._routes.proxies:
            manager = urllib3.ProxyManager(
                proxy.url, proxy_headers=proxy.headers, **self._pool_settings
            )
            manager.pool_classes_by_scheme = dict(conn.POOL_CLASSES)
            managers[proxy] = manager
        return managers

    def _new_pool_manager(self) -> urllib3.PoolManager:
        """A PoolManager of phase-tracking pools (`_transport_conn`), with this one's settings."""
        manager = urllib3.PoolManager(**self._pool_settings)
        manager.pool_classes_by_scheme = dict(conn.POOL_CLASSES)
        return manager

    def _after_fork(self) -> None:
        """In a forked child: fresh pools; the parent's are kept, unused and never closed.

        Closing them here would not touch the parent's sockets at the TCP level, but keeping
        them referenced guarantees that nothing in the child (a close, a finaliser) writes
        to or shuts down a connection the parent still uses.
        """
        self._pid = os.getpid()
        _INHERITED.append((self._pool, self._pools))
        self._pools = {}
        if self._owns_pool:
            self._pool = self._new_pool_manager()
            _INHERITED.append(self._proxy_managers)
            self._proxy_managers = self._new_proxy_managers()
        else:  # the caller's manager: same object, its pools forgotten (not closed)
            pools = self._pool.pools
            self._pool.pools = type(pools)(pools._maxsize, dispose_func=pools.dispose_func)

    def __call__(self, request: Request) -> Response:
        """Send ``request`` once and return the response (body read unless streaming).

        With a deadline on the request, every phase ends by it: the wait for a pooled
        connection, the name lookup, connecting (all addresses together), sending, and
        reading the head and body (a watchdog cuts the socket at the deadline).
        """
        if self._pid != os.getpid():
            self._after_fork()
        options = request.options
        stream = options.stream
        started = time.perf_counter()
        deadline = options.deadline
        call = conn._Call(deadline, self._resolver, tracked=self._owns_pool)
        if deadline is not None:
            conn.watchdog.arm(call)
        outer = conn.current()
        conn.enter(call)
        try:
            raw = self._urlopen(request, self._u3_timeout(options.timeout or self.timeout), call)
            check_framing(raw, request)
            if stream:
                return Response(
                    status=raw.status,
                    headers=_headers_of(raw),
                    request=request,
                    stream=Urllib3Stream(raw, request),
                    elapsed=time.perf_counter() - started,
                )
            content = read_body(raw, request, self.max_body_size)
            if call.fired:  # cut at the deadline: what was read may look complete, it is not
                discard(raw)
                raise translate(TimeoutError("cut at the deadline"), request, call)
        except HeyGenError:  # ours already (our TimeoutError is an OSError too): as it is
            raise
        except (u3.HTTPError, OSError, http.client.HTTPException) as exc:
            raise translate(exc, request, call) from exc
        finally:
            call.finish()
            conn.enter(outer)
        return Response(
            status=raw.status,
            headers=_headers_of(raw),
            request=request,
            content=content,
            elapsed=time.perf_counter() - started,
        )

    def _u3_timeout(self, timeout: Timeout) -> urllib3.Timeout:
        """urllib3's Timeout for ``timeout``, reused while calls keep the same one."""
        last = self._last_timeout
        if last[0] is timeout and last[1] is not None:
            return last[1]
        converted = _u3_timeout(timeout)
        self._last_timeout = (timeout, converted)
        return converted

    def _urlopen(
        self, request: Request, timeout: urllib3.Timeout, call: conn._Call
    ) -> urllib3.BaseHTTPResponse:
        """Send the request with urllib3 (the body is left unread)."""
        pool_timeout = call.bound(None)  # a blocking pool waits no longer than the deadline
        manager = self._manager_for(request) if self._routes is not None else None
        if manager is not None or not self._direct:
            return (manager or self._pool).urlopen(
                request.method,
                request.url,
                body=request.body,
                headers=conn.wire_headers(request.headers.raw()),
                retries=False,
                redirect=False,
                timeout=timeout,
                pool_timeout=pool_timeout,
                preload_content=False,
                decode_content=True,
            )
        # What PoolManager.urlopen does with redirect=False, minus parsing the URL (the
        # request's own parse decides where it goes, as it decided whether it carries the key)
        # and finding the pool on every call (cached).
        scheme, host, port, target = request.scheme, request.host, request.port, request.target
        key: tuple[str, str | None, int | None] = (scheme, host, port)
        pool = self._pools.get(key)
        if pool is None or pool.pool is None:  # new, or closed by the PoolManager meanwhile
            pool = self._pool_for(key)
        try:
            return _send(pool, request, target, timeout, pool_timeout)
        except u3.ClosedPoolError:  # closed between the check and the call; nothing was sent
            return _send(self._pool_for(key), request, target, timeout, pool_timeout)

    def _manager_for(self, request: Request) -> urllib3.ProxyManager | None:
        """The ProxyManager ``request`` goes through, or None to go direct."""
        assert self._routes is not None  # noqa: S101 - the caller checks
        key = (request.scheme, request.host, request.port)
        try:
            proxy = self._route_cache[key]
        except KeyError:
            proxy = self._routes.proxy_for(*key)
            if len(self._route_cache) >= _MAX_CACHED_POOLS:
                self._route_cache.clear()
            self._route_cache[key] = proxy
        return None if proxy is None else self._proxy_managers[proxy]

    def _pool_for(self, key: tuple[str, str | None, int | None]) -> urllib3.HTTPConnectionPool:
        """The PoolManager's pool for ``(scheme, host, port)``, remembered for the next call."""
        scheme, host, port = key
        pool = self._pool.connection_from_host(host, port=port, scheme=scheme)
        if len(self._pools) >= _MAX_CACHED_POOLS:
            self._pools.clear()
        self._pools[key] = pool
        return pool

    def close(self) -> None:
        """Close every pooled connection (only if this transport created the pool)."""
        self._pools.clear()
        if self._owns_pool:
            self._pool.clear()
            for manager in self._proxy_managers.values():
                manager.clear()

    def __enter__(self) -> Urllib3Transport:
        """Use as a context manager to close the pools at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the pools."""
        self.close()

    def __repr__(self) -> str:
        """Settings only."""
        routes = "" if self._routes is None else f", proxies={list(self._routes.proxies)!r}"
        return f"Urllib3Transport(timeout={self.timeout!r}{routes})"
