"""Contract-test helpers: what a client sent and what FakeHeyGen answered, against the spec.

openapi-core validates each request (path and query parameters, headers, JSON or multipart
body) and each answer (status, JSON body) against the vendored v3 document. Requests are
read back from the fake's record; answers are caught by a middleware just inside the
envelope, which sees the bytes the fake sent before they are unwrapped.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.validators import V31RequestParametersValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from heygen_pipeline import HeyGenClient
from heygen_pipeline._models import Request, Response
from heygen_pipeline.testing import FakeHeyGen

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "heygen_pipeline/testing/spec/heygen-v3.openapi.json"
if not SPEC.exists():  # before the package ships its copy, the shared original
    SPEC = Path("/work/shared/spec/heygen-v3.openapi.json")
HOST = "https://api.heygen.com"


@functools.cache
def document() -> dict[str, Any]:
    """The v3 document as JSON."""
    return json.loads(SPEC.read_text())


def _parameters_validator() -> Any:
    return V31RequestParametersValidator


@functools.cache
def spec() -> tuple[OpenAPI, list[tuple[str, str, re.Pattern[str]]]]:
    """openapi-core on the v3 document, and (METHOD, template, matcher) per operation."""
    operations = []
    for template, item in document()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        operations.extend(
            (method.upper(), template, pattern)
            for method in item
            if method in {"get", "post", "put", "patch", "delete"}
        )
    # Literal segments win over {params}: templates with fewer parameters first.
    operations.sort(key=lambda op: op[1].count("{"))
    return OpenAPI.from_dict(document()), operations


def template_of(method: str, path: str) -> str | None:
    """The spec template a concrete path matches, or None when it is no spec'd operation."""
    for op_method, template, pattern in spec()[1]:
        if op_method == method and pattern.match(path):
            return template
    return None


@dataclass
class _Req:
    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = HOST

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path


@dataclass
class _Resp:
    status_code: int
    content_type: str
    data: bytes
    headers: Headers = field(default_factory=Headers)


def _request(
    method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes | None
) -> _Req:
    content_type = headers.get("content-type", "")
    return _Req(
        method.lower(),
        path,
        body,
        content_type,
        RequestParameters(
            query=ImmutableMultiDict(list(query.items())),
            header=Headers(list(headers.items())),
            cookie=ImmutableMultiDict(),
        ),
    )


def _form_problem(r: Any, document: dict[str, Any], template: str) -> str | None:
    """A multipart body checked by jsonschema, its parts as ``{name: text}``.

    openapi-core reads a ``format: binary`` part as bytes, which a 3.1 ``type: string``
    then refuses whatever was sent; the schema is about which fields are there, so each
    part stands in as a string.
    """
    body = document["paths"][template][r.method.lower()]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    fields = {part.name: "binary" for part in r.form}
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(fields)]
    return f"{r.method} {r.path}: {errors}" if errors else None


def request_problems(fake: FakeHeyGen) -> list[str]:
    """Every recorded API request on a spec'd v3 route that breaks the spec, described."""
    api = spec()[0]
    problems = []
    for r in fake.requests:
        if r.host != "api" or template_of(r.method, r.path) is None:
            continue
        template = template_of(r.method, r.path)
        body = r.body
        if r.form is not None:  # the parts are checked here, the rest by openapi-core
            problem = _form_problem(r, document(), str(template))
            if problem:
                problems.append(problem)
            body = None
        req = _request(r.method, r.path, dict(r.query), dict(r.headers), body)
        try:
            if body is None and r.form is not None:
                _parameters_validator()(api.spec, base_url=HOST).validate(req)
            else:
                api.validate_request(req)
        except Exception as exc:
            problems.append(f"{r.method} {r.path}?{dict(r.query)}: {exc!r} {exc.__cause__!r}")
    return problems


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
        api = spec()[0]
        found = []
        for request, status, content_type, body in self.seen:
            if template_of(request.method, request.path) is None or status >= 300:
                continue
            req = _request(request.method, request.path, {}, {}, None)
            try:
                api.validate_response(req, _Resp(status, content_type, body))
            except Exception as exc:
                if _only_ambiguous(exc):
                    continue
                what = f"{request.method} {request.path} -> {status}"
                found.append(f"{what}: {exc!r} {exc.__cause__!r}")
        return found


def _only_ambiguous(exc: Exception) -> bool:
    """Whether every schema error is a ``oneOf`` whose alternatives all match.

    The spec's search results are ``oneOf`` an image and an icon schema that differ only in
    a ``default`` (the discriminator was dropped when the document was written), so any
    result matches both: that says nothing about the answer, and is not counted.
    """
    errors = getattr(exc.__cause__, "schema_errors", None)
    return bool(errors) and all(
        e.validator == "oneOf" and "is valid under each of" in e.message for e in errors
    )


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
