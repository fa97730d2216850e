"""Contract-test helpers: what a client sent and what FakeHeyGen answered, against the spec.

The testing kit's loader (`load_spec`, openapi-core underneath) validates each request
(path and query parameters, headers, JSON body) and each answer against the vendored v3
document. Requests are read back from the fake's record; answers are caught by a middleware
just inside the envelope, which sees the bytes the fake sent before they are unwrapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from heygen_pipeline import HeyGenClient
from heygen_pipeline._models import Request, Response
from heygen_pipeline.testing import FakeHeyGen
from heygen_pipeline.testing._spec import ApiSpec, SpecViolation, load_spec


def spec() -> ApiSpec:
    """The vendored v3 spec (loaded once per process)."""
    return load_spec("v3")


def template_of(method: str, path: str) -> str | None:
    """The spec template a concrete path matches, or None when it is no spec'd operation."""
    op = spec().find(method, path)
    return None if op is None else op.path


def _form_problem(r: Any, template: str) -> str | None:
    """A multipart body checked by jsonschema, its parts as ``{name: text}``.

    The fake keeps no multipart body whole (its parts are hashed as they stream in), and
    the schema is about which fields are there: each part stands in as a string.
    """
    body = spec().document["paths"][template][r.method.lower()]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    fields = {part.name: "binary" for part in r.form}
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(fields)]
    return f"{r.method} {r.path}: {errors}" if errors else None


def request_problems(fake: FakeHeyGen) -> list[str]:
    """Every recorded API request on a spec'd v3 route that breaks the spec, described."""
    problems = []
    for r in fake.requests:
        template = template_of(r.method, r.path) if r.host == "api" else None
        if template is None:
            continue
        if r.form is not None:  # the parts are checked here, the rest by the loader
            problem = _form_problem(r, template)
            if problem:
                problems.append(problem)
        query = "&".join(f"{k}={v}" for k, v in r.query.items())
        try:
            spec().validate_request(
                r.method,
                f"{r.path}?{query}",
                headers=dict(r.headers),
                body=None if r.form is not None else r.body,
                content_type=r.headers.get("content-type"),
            )
        except SpecViolation as exc:
            problems.append(f"{r.method} {r.path}?{dict(r.query)}: {exc}")
    return problems


def _ambiguous(exc: SpecViolation) -> bool:
    """Whether the only fault is a ``oneOf`` whose alternatives all match.

    The spec's search results are ``oneOf`` an image and an icon schema that differ only in
    a ``default`` (the discriminator was dropped when the document was written), so any
    result matches both: that says nothing about the answer, and is not counted.
    """
    return "is valid under each of" in str(exc)


@dataclass
class Replies:
    """Answers seen on spec'd v3 routes, as ``(request, status, content type, body)``."""

    seen: list[tuple[Request, int, str, bytes]] = field(default_factory=list)

    def __call__(self, request: Request, call_next: Any) -> Response:
        """Record the raw answer, then pass it on unchanged."""
        response = call_next(request)
        if response.stream is None:
            content_type = response.headers.get("Content-Type", "")
            self.seen.append((request, response.status, content_type, response.content))
        return response

    def problems(self) -> list[str]:
        """Every 2xx answer that breaks its operation's response schema, described."""
        found = []
        for request, status, content_type, body in self.seen:
            if template_of(request.method, request.path) is None or status >= 300:
                continue
            try:
                spec().validate_response(
                    request.method,
                    request.path,
                    status=status,
                    content_type=content_type,
                    body=body,
                )
            except SpecViolation as exc:
                if not _ambiguous(exc):
                    found.append(f"{request.method} {request.path} -> {status}: {exc}")
        return found


def checked_client(fake: FakeHeyGen) -> tuple[HeyGenClient, Replies]:
    """A client on ``fake`` whose answers are recorded for `Replies.problems`."""
    client = HeyGenClient(fake.api_key, base_url=fake.base_url, upload_url=fake.upload_url)
    replies = Replies()
    return client.with_stack(client.stack.insert_after("envelope", "replies", replies)), replies


def assert_contract(fake: FakeHeyGen, replies: Replies) -> None:
    """No request the client sent and no answer the fake gave broke the spec."""
    problems = request_problems(fake) + replies.problems()
    assert not problems, "\n".join(problems)


def operations_called(fake: FakeHeyGen) -> Iterator[str]:
    """The spec keys of the v3 operations the recorded requests reached."""
    for r in fake.requests:
        template = template_of(r.method, r.path) if r.host == "api" else None
        if template is not None:
            yield f"{r.method} {template}"
