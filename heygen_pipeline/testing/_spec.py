"""HeyGen's own OpenAPI documents, loaded for the testing kit: operations, examples, validation.

`load_spec("v3")` and `load_spec("legacy")` read the vendored documents in
``heygen_pipeline/testing/spec/`` (see its README for where they come from). Listing
operations, matching a path to its template and reading schemas and examples need only the
standard library; validating a request or a reply is openapi-core's job (the ``testing``
extra), imported on first use with a clear message when it is missing.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any, Final, Literal

import attrs

from heygen_pipeline.testing._spec_examples import schema_from_example
from heygen_pipeline.testing._spec_validate import (
    SpecViolation,
    Validator,
    any_of,
    check_against_schema,
    only_ambiguous,
)

__all__ = ["ApiSpec", "SpecExample", "SpecName", "SpecOperation", "SpecViolation", "load_spec"]

SpecName = Literal["v3", "legacy"]
"""The two vendored documents: the current v3 API, and the legacy v1/v2 one."""

SPEC_FILES: Final[Mapping[str, str]] = {
    "v3": "heygen-v3.openapi.json",
    "legacy": "heygen-legacy.openapi.json",
}
_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM: Final = re.compile(r"\{([^{}/]+)\}")


@attrs.frozen
class SpecOperation:
    """One operation of a spec: ``key`` is ``"GET /v3/videos/{video_id}"``."""

    method: str
    """Upper-case HTTP method."""
    path: str
    """The path template, e.g. ``/v3/videos/{video_id}``."""
    operation_id: str
    spec: str = attrs.field(default="v3", eq=False)
    """Which document it comes from (``"v3"`` or ``"legacy"``)."""

    @property
    def key(self) -> str:
        """``"METHOD /path/template"``, the name the ``operation`` decorator takes."""
        return f"{self.method} {self.path}"

    @property
    def family(self) -> str:
        """The first path segment after the version (``videos``, ``video-translations``)."""
        parts = [p for p in self.path.split("/") if p]
        return parts[1] if len(parts) > 1 else parts[0]


@attrs.frozen
class SpecExample:
    """One example answer a spec gives for an operation."""

    operation: SpecOperation
    status: int
    body: Any
    """The example, parsed (a JSON value)."""
    name: str = "example"
    """The example's name (``example`` for a media type's single one)."""


def _segments(template: str) -> list[str | None]:
    """A template's segments, ``None`` where a ``{param}`` stands."""
    return [None if _PARAM.fullmatch(s) else s for s in template.split("/")]


def resolve_refs(value: Any, root: Mapping[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``value`` with every local ``$ref`` replaced by what it points at (siblings kept)."""
    if isinstance(value, list):
        return [resolve_refs(v, root, seen) for v in value]
    if not isinstance(value, dict):
        return value
    ref = value.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        rest = {k: v for k, v in value.items() if k != "$ref"}
        return resolve_refs({**target, **rest}, root, (*seen, ref))
    return {k: resolve_refs(v, root, seen) for k, v in value.items()}


class ApiSpec:
    """One OpenAPI document: its operations, their schemas and examples, and validation."""

    def __init__(self, name: str, document: Mapping[str, Any]) -> None:
        """Index ``document``'s operations (validation is set up on first use)."""
        self.name = name
        self.document = document
        ops: list[SpecOperation] = []
        for path, item in document.get("paths", {}).items():
            for method in _METHODS:
                if method in item:
                    op_id = str(item[method].get("operationId", f"{method} {path}"))
                    ops.append(SpecOperation(method.upper(), path, op_id, name))
        self.operations: tuple[SpecOperation, ...] = tuple(ops)
        self._by_key = {op.key: op for op in ops}
        self._templates = [(op, _segments(op.path)) for op in ops]
        self._validator: Validator | None = None
        self._relaxed_schemas: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        """The name and the number of operations."""
        return f"ApiSpec({self.name!r}, {len(self.operations)} operations)"

    def operation(self, key: str) -> SpecOperation | None:
        """The operation with exactly this ``"METHOD /template"`` key, or None."""
        return self._by_key.get(key)

    def find(self, method: str, path: str) -> SpecOperation | None:
        """The operation a concrete ``path`` (no query) calls; literal segments win."""
        method = method.upper()
        parts = path.split("/")
        best: tuple[int, SpecOperation] | None = None
        for op, segments in self._templates:
            if op.method != method or len(segments) != len(parts):
                continue
            if all(s is None or s == p for s, p in zip(segments, parts, strict=True)):
                if any(s is None and not p for s, p in zip(segments, parts, strict=True)):
                    continue  # an empty segment is no value for a parameter
                literal = sum(s is not None for s in segments)
                if best is None or literal > best[0]:
                    best = (literal, op)
        return None if best is None else best[1]

    def path_params(self, op: SpecOperation, path: str) -> dict[str, str]:
        """The values of ``op``'s ``{params}`` in the concrete ``path``."""
        names = [
            (_PARAM.fullmatch(s), p)
            for s, p in zip(op.path.split("/"), path.split("/"), strict=False)
        ]
        return {m.group(1): p for m, p in names if m is not None}

    def _operation_object(self, op: SpecOperation) -> Mapping[str, Any]:
        return self.document["paths"][op.path][op.method.lower()]  # type: ignore[no-any-return]

    def server_url(self, op: SpecOperation) -> str:
        """The server ``op`` is on (its own ``servers`` first, e.g. the upload host)."""
        item = self.document["paths"][op.path]
        for servers in (self._operation_object(op).get("servers"), item.get("servers")):
            if servers:
                return str(servers[0]["url"])
        servers = self.document.get("servers") or [{"url": "https://api.heygen.com"}]
        return str(servers[0]["url"])

    def response_schema(self, method: str, path: str, status: int) -> dict[str, Any] | None:
        """The JSON schema of ``status``'s JSON answer (refs resolved), or None if none."""
        op = self.find(method, path) or self.operation(f"{method.upper()} {path}")
        if op is None:
            return None
        responses = self._operation_object(op).get("responses", {})
        response = responses.get(str(status)) or responses.get("default")
        if response is None:
            return None
        for media, content in resolve_refs(response, self.document).get("content", {}).items():
            if "json" in media and isinstance(content.get("schema"), dict):
                return content["schema"]  # type: ignore[no-any-return]
        return None

    def example_schema(self, op: SpecOperation, status: int) -> dict[str, Any] | None:
        """For an answer documented by an example only, the schema the example shows.

        None when the answer has a schema, no real example (``x-no-response-example``: a
        placeholder), or is not documented.
        """
        operation = self._operation_object(op)
        response = operation.get("responses", {}).get(str(status))
        if response is None or operation.get("x-no-response-example"):
            return None
        if response.get("x-no-response-example"):
            return None
        for media, content in resolve_refs(response, self.document).get("content", {}).items():
            if "json" in media and "schema" not in content and "example" in content:
                return schema_from_example(content["example"], success=status < 400)  # noqa: PLR2004
        return None

    def documents_status(self, op: SpecOperation, status: int) -> bool:
        """Whether ``op`` describes answers with this status (or a default one)."""
        responses = self._operation_object(op).get("responses", {})
        return str(status) in responses or "default" in responses

    def examples(self) -> Iterator[SpecExample]:
        """Every example answer of every operation (``example`` and named ``examples``)."""
        for op in self.operations:
            responses = resolve_refs(self._operation_object(op).get("responses", {}), self.document)
            for status, response in responses.items():
                if not status.isdigit():
                    continue
                for media, content in response.get("content", {}).items():
                    if "json" not in media:
                        continue
                    if "example" in content:
                        yield SpecExample(op, int(status), content["example"])
                    for name, example in content.get("examples", {}).items():
                        if isinstance(example, dict) and "value" in example:
                            yield SpecExample(op, int(status), example["value"], name)

    def _openapi(self) -> Validator:
        """openapi-core set up on this document (built once; ImportError if it is missing)."""
        with self._lock:
            if self._validator is None:
                self._validator = Validator(self.document)
            return self._validator

    def prepare_validation(self) -> None:
        """Set openapi-core up now (ImportError naming the extra if it is not installed)."""
        self._openapi()

    def validate_request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        content_type: str | None,
    ) -> None:
        """Raise `SpecViolation` if the request breaks its operation (None body: not checked).

        ``url`` is the path with its query (a host part, if any, is ignored). Security is
        not checked: which key is valid is the server's business, not the document's.

        A JSON body that fails only because it matches several alternatives of a ``oneOf``
        is not a violation: some of the v3 spec's ``oneOf`` lost their discriminator (the
        video ``engine`` alternatives ``avatar_iv`` and ``avatar_iii`` are one schema, a
        studio scene of ``type: image`` matches the ``video`` scene too), and HeyGen tells
        them apart by ``type``. Such a body is checked with each ``oneOf`` read as ``anyOf``.
        """
        path, _, query = url.partition("?")
        if "://" in path:
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        op = self.find(method, path)
        if op is None:
            msg = f"{method.upper()} {path} is not an operation of the {self.name} spec"
            raise SpecViolation(msg, param=None, location="path")
        content = self._operation_object(op).get("requestBody", {}).get("content", {})
        media = (content_type or "").split(";")[0].strip().lower()
        if media in content and not ("json" in media or "form" in media):
            # Raw bytes (an upload's file) have no structure to check; openapi-core would
            # test them against ``type: string`` and always refuse them.
            body = None
        validator = self._openapi()
        try:
            with self._lock:
                validator.request(
                    host_url=self.server_url(op),
                    method=op.method,
                    template=op.path,
                    path_params=self.path_params(op, path),
                    query=query,
                    headers=headers,
                    body=body,
                    content_type=content_type,
                )
        except SpecViolation as exc:
            schema = content.get(media, {}).get("schema")
            if exc.location != "body" or body is None or schema is None:
                raise
            if not only_ambiguous(self._relaxed(op, media, schema), body):
                raise

    def _relaxed(self, op: SpecOperation, media: str, schema: Any) -> dict[str, Any]:
        """The request schema with every ``oneOf`` read as ``anyOf`` (built once)."""
        with self._lock:
            key = (op.key, media)
            if key not in self._relaxed_schemas:
                self._relaxed_schemas[key] = any_of(resolve_refs(schema, self.document))
            return self._relaxed_schemas[key]

    def validate_response(
        self, method: str, path: str, *, status: int, content_type: str | None, body: bytes
    ) -> None:
        """Raise `SpecViolation` if the answer breaks what its operation documents."""
        op = self.find(method, path)
        if op is None:
            msg = f"{method.upper()} {path} is not an operation of the {self.name} spec"
            raise SpecViolation(msg, param=None, location="path")
        validator = self._openapi()
        with self._lock:
            validator.response(
                host_url=self.server_url(op),
                method=op.method,
                template=op.path,
                status=status,
                content_type=content_type,
                body=body,
            )
        derived = self.example_schema(op, status)
        if derived is not None:
            check_against_schema(derived, body)


@functools.cache
def load_spec(name: SpecName) -> ApiSpec:
    """The vendored ``"v3"`` or ``"legacy"`` spec, parsed once per process."""
    if name not in SPEC_FILES:
        raise ValueError(f"name must be one of {sorted(SPEC_FILES)}, not {name!r}")
    text = resources.files("heygen_pipeline.testing") / "spec" / SPEC_FILES[name]
    return ApiSpec(name, json.loads(text.read_text(encoding="utf-8")))
