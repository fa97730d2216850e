"""FakeHeyGen: a real HTTP/1.1 server on 127.0.0.1 that speaks HeyGen's v1, v2 and v3 envelopes.

Three listening servers (API, legacy upload, CDN) share one state. Each runs a
``ThreadingHTTPServer`` in a background thread; all are bound and listening before the
constructor returns. Tests script faults per route and read back every request received.
Standard library only, so it can serve tests of any client.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from types import TracebackType
from typing import Any, Final

from heygen_pipeline.testing._fake_server import HostServer, Hub
from heygen_pipeline.testing._fake_spec import ReplyViolation, SpecGate
from heygen_pipeline.testing._fake_state import (
    Failure,
    FakeState,
    RecordedRequest,
    UploadedAsset,
    video_chunks,
)
from heygen_pipeline.testing._faults import HOSTS, Fault, FaultBook, HostName

__all__ = ["FakeHeyGen", "Fault", "RecordedRequest", "ReplyViolation", "UploadedAsset"]

_SENSITIVE: Final = ("x-api-key", "authorization")
_POLL: Final = 0.01
"""How often the accept loops check for shutdown; short so close() takes milliseconds."""


class FakeHeyGen:
    """A scriptable fake of HeyGen's API, upload and CDN hosts on 127.0.0.1.

    Example:
        >>> with FakeHeyGen() as fake:  # doctest: +SKIP
        ...     fake.inject("GET", "/v2/avatars", Fault.rate_limited("2"))
        ...     # point a client at fake.base_url / fake.upload_url
    """

    def __init__(
        self,
        api_key: str = "test-key",
        *,
        oauth_token: str | None = None,
        render_polls: int = 3,
        video_bytes: int = 64 * 1024,
        page_size_default: int = 10,
        connection_timeout: float = 30.0,
        asset_max_bytes: int = 32 * 1024 * 1024,
        strict: bool = True,
        check_replies: bool = False,
        spec_exempt: Collection[str] | None = None,
        port: int = 0,
    ) -> None:
        """Bind all three hosts and start serving; ready when this returns.

        Args:
            api_key: The only ``X-Api-Key`` accepted.
            oauth_token: A bearer token also accepted on /v3 routes.
            render_polls: Status polls until a job completes (or fails).
            video_bytes: Size of every rendered video served by the CDN host.
            page_size_default: List page size when no ``limit`` is given.
            connection_timeout: Socket timeout of each served connection, in seconds.
            asset_max_bytes: The largest file ``POST /v3/assets`` accepts (413 above it).
            strict: Validate every request on an operation of HeyGen's spec before routing
                it, and refuse one that breaks it as HeyGen does (v3: 400
                ``invalid_parameter`` naming the parameter). Needs openapi-core (the
                ``testing`` extra); ``False`` serves without checking.
            check_replies: Check every reply on a spec'd operation against the answer the
                spec documents and record what breaks it (`reply_violations`).
            spec_exempt: Operation keys (``"GET /v3/avatars"``) neither checked on request
                nor on reply: known gaps between a route and the spec (None: the kit's
                ``DEFAULT_EXEMPT``, empty unless a test suite sets it).
            port: The API host's port on 127.0.0.1 (0: OS-assigned; the other hosts always are).
        """
        if render_polls < 0 or video_bytes < 0 or not 1 <= page_size_default <= 100:  # noqa: PLR2004
            raise ValueError("render_polls and video_bytes must be >= 0, page_size_default 1-100")
        self._state = FakeState(
            api_key=api_key,
            oauth_token=oauth_token,
            render_polls=render_polls,
            video_bytes=video_bytes,
            page_size_default=page_size_default,
            asset_max_bytes=asset_max_bytes,
        )
        self._faults = FaultBook()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException] = []
        self._cdn_saw_key = False
        self._closed = False
        self._gate = (
            SpecGate(strict=strict, check_replies=check_replies, exempt=spec_exempt)
            if strict or check_replies
            else None
        )
        hub = Hub(self._state, self._faults, self._record, self._on_error, self._gate)
        self._stopping = hub.stopping
        self._servers: dict[str, HostServer] = {}
        try:
            for name in HOSTS:
                self._servers[name] = HostServer(
                    hub, name, connection_timeout, port if name == "api" else 0
                )
        except BaseException:
            for server in self._servers.values():
                server.server_close()
            raise
        self._state.cdn_url = self.cdn_url
        self._threads = [
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": _POLL},
                daemon=True,
                name=f"fake-heygen-{name}",
            )
            for name, server in self._servers.items()
        ]
        for thread in self._threads:
            thread.start()

    # ---- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> FakeHeyGen:
        """Return self; the servers are already running."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close on leaving the block."""
        self.close()

    def close(self, timeout: float = 5.0) -> None:
        """Stop all hosts, cut open (even idle keep-alive) connections, join threads; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stopping.set()
        for server in self._servers.values():
            server.stop(timeout)
        for thread in self._threads:
            thread.join(timeout)
        self._state.asset_store.close()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has run."""
        with self._lock:
            return self._closed

    def __repr__(self) -> str:
        """Show the URLs, never the key."""
        return f"FakeHeyGen(base_url={self.base_url!r}, closed={self.closed})"

    # ---- addresses ------------------------------------------------------------------------

    def _url(self, host: str) -> str:
        return f"http://127.0.0.1:{self._servers[host].server_port}"

    @property
    def base_url(self) -> str:
        """The API host, e.g. ``http://127.0.0.1:PORT`` (no trailing slash)."""
        return self._url("api")

    @property
    def upload_url(self) -> str:
        """The legacy upload host (``POST /v1/asset``)."""
        return self._url("upload")

    @property
    def cdn_url(self) -> str:
        """The CDN host that serves rendered videos; it needs, and should get, no key."""
        return self._url("cdn")

    @property
    def api_key(self) -> str:
        """The API key this fake accepts."""
        return self._state.api_key

    # ---- faults ---------------------------------------------------------------------------

    def inject(self, method: str, path: str, *faults: Fault, host: HostName = "api") -> None:
        """Queue faults for the next requests on ``method path`` (query ignored), one each."""
        self._faults.inject(host, method, path, faults)

    def inject_always(
        self, method: str, path: str, fault: Fault, *, host: HostName = "api"
    ) -> None:
        """Apply ``fault`` to every request on ``method path`` once its queue is empty."""
        self._faults.inject_always(host, method, path, fault)

    def clear_faults(self) -> None:
        """Remove every scripted fault."""
        self._faults.clear()

    def pending_faults(self, method: str, path: str, *, host: HostName = "api") -> int:
        """How many queued faults on ``method path`` have not been consumed yet."""
        return self._faults.pending(host, method, path)

    # ---- jobs -----------------------------------------------------------------------------

    def fail_video(
        self,
        video_id: str | None = None,
        *,
        code: str | int = "RENDER_FAILED",
        message: str | None = "Video rendering failed",
        detail: str | None = None,
    ) -> None:
        """Make a render fail (the next created one when ``video_id`` is None).

        The job fails where it would have completed. ``message=None`` gives a failure with no
        reason at all (``data.error`` null), as HeyGen sometimes sends.
        """
        self._state.fail(video_id, Failure(code, message, detail))

    def fail_translation(
        self, translation_id: str | None = None, *, message: str | None = "Translation failed"
    ) -> None:
        """Make a translation fail (the next created one when ``translation_id`` is None).

        ``message=None`` gives a failure with no reason at all.
        """
        self._state.translations.fail(translation_id, Failure("TRANSLATION_FAILED", message))

    def fail_proofread(
        self, proofread_id: str | None = None, *, message: str | None = "Proofread failed"
    ) -> None:
        """Make a proofread fail (the next created one when ``proofread_id`` is None)."""
        self._state.proofreads.fail(proofread_id, Failure("PROOFREAD_FAILED", message))

    def fail_lipsync(
        self, lipsync_id: str | None = None, *, message: str | None = "Lipsync failed"
    ) -> None:
        """Make a lipsync fail (the next created one when ``lipsync_id`` is None).

        It fails where it would have completed, with ``failure_message``; ``message=None``
        gives a failure with no reason at all.
        """
        self._state.lipsyncs.fail(lipsync_id, Failure("LIPSYNC_FAILED", message))

    def fail_video_agent(
        self,
        session_id: str | None = None,
        *,
        code: str = "AGENT_FAILED",
        message: str | None = "The video agent could not make this video",
    ) -> None:
        """Make a video agent session's run fail (the next session's first when None).

        The run fails where it would have ended: the session is ``failed`` with an
        ``error`` message holding ``message`` (none when it is None), and the run's video
        ``failed`` with ``failure_code`` and ``failure_message``. A session whose run has
        ended fails its next run (after a message).
        """
        self._state.agents.fail(session_id, Failure(code, message))

    def fail_ai_clipping(
        self, job_id: str | None = None, *, message: str | None = "AI clipping failed"
    ) -> None:
        """Make an AI clipping job fail (the next created one when ``job_id`` is None)."""
        self._state.clippings.fail(job_id, Failure("CLIPPING_FAILED", message))

    def fail_background_removal(
        self, job_id: str | None = None, *, message: str | None = "No subject found"
    ) -> None:
        """Make a background removal fail (the next created one when ``job_id`` is None).

        The job's ``error`` is ``message`` (a generic reason when it is None: the field is
        the only failure signal this endpoint has).
        """
        self._state.removals.fail(job_id, Failure("BACKGROUND_REMOVAL_FAILED", message))

    def fail_avatar(
        self, *, code: str = "TRAINING_FAILED", message: str | None = "Avatar training failed"
    ) -> None:
        """Make the next created avatar group's training fail (its ``error`` says why)."""
        self._state.avatars.fail_next(Failure(code, message))

    def fail_voice_clone(
        self, voice_id: str | None = None, *, message: str | None = "Voice cloning failed"
    ) -> None:
        """Make a voice clone fail (the next one when ``voice_id`` is None)."""
        self._state.voices.fail(voice_id, Failure("CLONE_FAILED", message))

    @property
    def webhook_endpoints(self) -> list[dict[str, Any]]:
        """Every registered webhook endpoint, as the v1 API describes them (secrets included)."""
        return self._state.endpoints.list(with_secret=True)

    def record_webhook_event(
        self, event_type: str, event_data: dict[str, Any], *, entity_id: str | None = None
    ) -> dict[str, Any]:
        """Log a delivered webhook event, listed first by ``GET /v3/webhooks/events``."""
        return self._state.endpoints.record(event_type, event_data, entity_id=entity_id)

    @property
    def video_ids(self) -> list[str]:
        """Ids of every live video (seeded ones first, then in creation order)."""
        return self._state.video_ids()

    @property
    def creations_by_key(self) -> dict[str, int]:
        """Videos really created per ``Idempotency-Key``; a correct client keeps each at 1."""
        return self._state.creations_by_key()

    @property
    def assets(self) -> list[UploadedAsset]:
        """Every asset the upload host accepted."""
        return self._state.assets()

    def video_payload(self) -> bytes:
        """The exact bytes the CDN serves for every video (allocates ``video_bytes``)."""
        return b"".join(video_chunks(self._state.video_bytes))

    # ---- recording ------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            if request.host == "cdn" and any(h in request.headers for h in _SENSITIVE):
                self._cdn_saw_key = True

    def _on_error(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def requests_for(
        self, method: str, path: str, *, host: HostName | None = None
    ) -> list[RecordedRequest]:
        """The recorded requests on ``method path`` (any host unless ``host`` is given)."""
        method = method.upper()
        return [
            r
            for r in self.requests
            if r.method == method and r.path == path and (host is None or r.host == host)
        ]

    def clear_requests(self) -> None:
        """Forget recorded requests (``cdn_saw_key`` stays: a leak is never forgotten)."""
        with self._lock:
            self._requests.clear()

    @property
    def cdn_saw_key(self) -> bool:
        """True once any CDN request carried ``X-Api-Key`` or ``Authorization``."""
        with self._lock:
            return self._cdn_saw_key

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted so far, over all hosts."""
        return sum(server.opened for server in self._servers.values())

    def connections_for(self, host: HostName) -> int:
        """TCP connections accepted so far by one host."""
        return self._servers[host].opened

    @property
    def strict(self) -> bool:
        """Whether requests are validated against the spec before routing."""
        return self._gate is not None and self._gate.strict

    def reply_violations(self) -> list[ReplyViolation]:
        """Replies that broke the spec (recorded only with ``check_replies=True``)."""
        return [] if self._gate is None else self._gate.violations()

    @property
    def handler_errors(self) -> list[BaseException]:
        """Unexpected exceptions inside the fake (a healthy run has none)."""
        with self._lock:
            return list(self._errors)
