"""FakeHeyGen's spec gate: strict request checks before routing, reply checks after.

A request on an operation of the vendored specs is validated before its route runs; one that
breaks the spec is answered as HeyGen answers it (v3: 400 ``invalid_parameter`` naming the
parameter; legacy routes in their own envelope). Replies can be checked against the
operation's documented answer too; violations are recorded for the test to read.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from urllib.parse import urlencode

import attrs

from heygen_pipeline.testing._fake_state import RecordedRequest
from heygen_pipeline.testing._faults import Reply, Shape, error_reply
from heygen_pipeline.testing._spec import ApiSpec, SpecOperation, SpecViolation, load_spec

__all__ = ["DEFAULT_EXEMPT", "ReplyViolation", "SpecGate"]

DEFAULT_EXEMPT: frozenset[str] = frozenset()
"""Operation keys every FakeHeyGen leaves unchecked unless given ``spec_exempt``.

Empty in the kit. A test suite with routes or callers not yet right against the spec may set
it once, in one visible place, so the gaps are listed rather than scattered.
"""


@attrs.frozen
class ReplyViolation:
    """One FakeHeyGen reply that breaks the answer its spec operation documents."""

    operation: str
    """The operation's key, e.g. ``"GET /v3/videos/{video_id}"``."""
    path: str
    """The concrete path that was asked for."""
    status: int
    message: str
    param: str | None = None

    def __str__(self) -> str:
        """One line: operation, path, status and what is wrong."""
        return f"{self.operation} ({self.path}) answered {self.status}: {self.message}"


class SpecGate:
    """What FakeHeyGen checks against the specs, and the reply violations it found."""

    def __init__(
        self, *, strict: bool, check_replies: bool, exempt: Collection[str] | None = None
    ) -> None:
        """Load the specs (and openapi-core, with a clear ImportError if it is missing)."""
        if isinstance(exempt, str):
            raise TypeError("spec_exempt must be a collection of operation keys, not a str")
        self.strict = strict
        self.check_replies = check_replies
        self.exempt = DEFAULT_EXEMPT if exempt is None else frozenset(exempt)
        self._specs: tuple[ApiSpec, ...] = (load_spec("v3"), load_spec("legacy"))
        for spec in self._specs:
            spec.prepare_validation()
        self._lock = threading.Lock()
        self._violations: list[ReplyViolation] = []

    def _operation(self, req: RecordedRequest) -> tuple[ApiSpec, SpecOperation] | None:
        if req.host == "cdn":
            return None
        specs = self._specs[1:] if req.host == "upload" else self._specs
        for spec in specs:
            op = spec.find(req.method, req.path)
            if op is not None:
                return None if op.key in self.exempt else (spec, op)
        return None

    def check_request(self, req: RecordedRequest, shape: Shape) -> Reply | None:
        """The refusal HeyGen would give ``req``, or None when it keeps to the spec."""
        if not self.strict:
            return None
        found = self._operation(req)
        if found is None:
            return None
        spec, _ = found
        url = req.path + (f"?{urlencode(dict(req.query))}" if req.query else "")
        try:
            spec.validate_request(
                req.method,
                url,
                headers=req.headers,
                body=req.body,  # None when not kept (big or multipart): not checked
                content_type=req.headers.get("content-type"),
            )
        except SpecViolation as exc:
            return error_reply(
                400, shape, "invalid_parameter", exc.message, param=exc.param or exc.location
            )
        return None

    def check_reply(self, req: RecordedRequest, reply: Reply) -> None:
        """Record a violation if ``reply`` breaks what ``req``'s operation documents."""
        if not self.check_replies or reply.chunks is not None:
            return
        found = self._operation(req)
        if found is None:
            return
        spec, op = found
        if not spec.documents_status(op, reply.status):
            return  # HeyGen's documents describe success answers only on most operations
        try:
            spec.validate_response(
                req.method,
                req.path,
                status=reply.status,
                content_type=reply.content_type,
                body=reply.body,
            )
        except SpecViolation as exc:
            violation = ReplyViolation(op.key, req.path, reply.status, exc.message, exc.param)
            with self._lock:
                self._violations.append(violation)

    def violations(self) -> list[ReplyViolation]:
        """Every reply violation recorded so far."""
        with self._lock:
            return list(self._violations)
