"""Request and reply validation against an OpenAPI document, by openapi-core.

openapi-core is imported only here and only when a `Validator` is built, so the testing kit
imports without it; using strict mode or validation without it raises an ImportError that
says which extra to install. Its errors become one `SpecViolation` naming the parameter.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl

__all__ = ["SpecViolation", "Validator", "any_of", "check_against_schema", "only_ambiguous"]

INSTALL_HINT: Final = (
    "spec validation needs openapi-core: pip install 'heygen-pipeline[testing]' "
    "(or build FakeHeyGen(strict=False) to serve without checking requests)"
)


class SpecViolation(Exception):  # noqa: N818 - the name says what it is
    """A request or reply that breaks the spec; ``param`` names the offending field."""

    def __init__(self, message: str, *, param: str | None, location: str) -> None:
        """Hold the message, the parameter (or None) and where it is (query, path, header, body)."""
        super().__init__(message)
        self.message = message
        self.param = param
        self.location = location

    def __repr__(self) -> str:
        """The class, location, parameter and message."""
        return f"SpecViolation({self.message!r}, param={self.param!r}, location={self.location!r})"


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc


def _dotted(path: Any) -> str:
    return ".".join(str(p) for p in path)


def _alternatives(error: Any) -> list[Any]:
    """The errors of the oneOf/anyOf alternative the instance most likely meant.

    Without a discriminator: the alternative with the fewest errors, and among those the one
    whose errors lie deepest (the instance matched more of its structure).
    """
    by_branch: dict[Any, list[Any]] = {}
    for sub in error.context:
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    return min(
        by_branch.values(),
        key=lambda errors: (len(errors), -max(len(e.relative_path) for e in errors)),
    )


def _deepest(error: Any) -> Any:
    """The most specific schema error under oneOf/anyOf alternatives."""
    best_match = _import("jsonschema.exceptions").best_match
    for _ in range(32):  # schemas nest a few levels; bounded all the same
        if not error.context:
            return error
        error = best_match(_alternatives(error))
    return error


def _only_ambiguous(errors: Any) -> bool:
    """Whether every error is a ``oneOf`` whose alternatives *all* match (none fails).

    Such a body keeps to the structure of more than one alternative: the spec's ``oneOf``
    lacks the discriminator HeyGen decides by (``POST /v3/avatars``: the digital twin and
    photo bodies differ only in the text of ``type``, which the spec leaves free), so it
    says nothing against the request and is not a violation.
    """
    return bool(errors) and all(
        e.validator == "oneOf" and not e.context and "is valid under each of" in e.message
        for e in errors
    )


def _schema_param(errors: Any, fallback: str | None) -> tuple[str | None, str]:
    """The field a jsonschema error is about (a missing property names itself), and why."""
    if not errors:
        return fallback, "invalid value"
    error = _deepest(errors[0])
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [p for p in error.validator_value if p not in error.instance]
        if missing:
            path.append(missing[0])
    name = _dotted(path) or fallback
    return name, str(error.message)


def any_of(schema: Any) -> Any:
    """``schema`` with every ``oneOf`` turned into an ``anyOf`` (alternatives may overlap)."""
    if isinstance(schema, list):
        return [any_of(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    return {("anyOf" if k == "oneOf" else k): any_of(v) for k, v in schema.items()}


def only_ambiguous(relaxed: Mapping[str, Any], body: bytes) -> bool:
    """Whether a JSON ``body`` keeps to ``relaxed`` (a schema after `any_of`).

    For a body that broke the strict schema, True means its only fault is matching more
    than one alternative of a ``oneOf``.
    """
    try:
        value = json.loads(body)
    except ValueError:
        return False
    validator = _import("jsonschema").Draft202012Validator(relaxed)
    return not any(True for _ in validator.iter_errors(value))


class Validator:
    """openapi-core set up on one document (building it takes about a second on v3)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        """Parse ``document`` with openapi-core (ImportError with a hint if it is missing)."""
        self._api = _import("openapi_core").OpenAPI.from_dict(dict(document))
        self._datatypes = _import("openapi_core.datatypes")
        self._errors = _import("openapi_core.validation.request.exceptions")
        self._werkzeug = _import("werkzeug.datastructures")
        version = "31" if str(document.get("openapi", "")).startswith("3.1") else "30"
        module = _import("openapi_core.validation.request.validators")
        # Parameters then body, and no security check: which key is valid is the server's
        # business. A body too big to keep (None) is not checked.
        self._parameters = self._build(getattr(module, f"V{version}RequestParametersValidator"))
        self._body = self._build(getattr(module, f"V{version}RequestBodyValidator"))

    def _build(self, cls: Any) -> Any:
        config = self._api.config
        return cls(
            self._api.spec,
            base_url=config.server_base_url,
            style_deserializers_factory=config.style_deserializers_factory,
            media_type_deserializers_factory=config.media_type_deserializers_factory,
            schema_casters_factory=config.schema_casters_factory,
            schema_validators_factory=config.schema_validators_factory,
            path_finder_cls=config.path_finder_cls,
            spec_validator_cls=None,  # checked once by OpenAPI.from_dict
            extra_format_validators=config.extra_format_validators,
            extra_media_type_deserializers=config.extra_media_type_deserializers,
        )

    def _request(
        self,
        *,
        host_url: str,
        method: str,
        template: str,
        path_params: Mapping[str, str],
        query: str,
        headers: Mapping[str, str],
        body: bytes | None,
        content_type: str | None,
    ) -> Any:
        w = self._werkzeug
        request = _Request(host_url, method.lower(), template, body, (content_type or "").lower())
        request.parameters = self._datatypes.RequestParameters(
            path=dict(path_params),
            query=w.ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
            header=w.Headers(list(headers.items())),
            cookie=w.ImmutableMultiDict(),
        )
        return request

    def request(
        self,
        *,
        host_url: str,
        method: str,
        template: str,
        path_params: Mapping[str, str],
        query: str,
        headers: Mapping[str, str],
        body: bytes | None,
        content_type: str | None,
    ) -> None:
        """Validate one request; raise `SpecViolation` on the first problem found."""
        req = self._request(
            host_url=host_url,
            method=method,
            template=template,
            path_params=path_params,
            query=query,
            headers=headers,
            body=body,
            content_type=content_type,
        )
        e = self._errors
        try:
            self._parameters.validate(req)
            if body is not None:
                self._body.validate(req)
        except e.ParameterValidationError as exc:
            cause = exc.__cause__
            why = getattr(cause, "schema_errors", None)
            _, reason = _schema_param(why, exc.name)
            if not why:
                value, kind = getattr(cause, "value", None), getattr(cause, "type", None)
                reason = f"{value!r} is not a valid {kind}" if kind else str(exc)
            msg = f"{exc.location} parameter {exc.name}: {reason}"
            raise SpecViolation(msg, param=exc.name, location=exc.location) from exc
        except e.RequestBodyValidationError as exc:
            cause = exc.__cause__
            if _only_ambiguous(getattr(cause, "schema_errors", None)):
                return
            if type(cause).__name__ == "MediaTypeNotFound":
                msg = f"Content-Type {content_type!r} is not one this operation takes"
                raise SpecViolation(msg, param="Content-Type", location="header") from exc
            param, reason = _schema_param(getattr(cause, "schema_errors", None), None)
            if cause is not None and not hasattr(cause, "schema_errors"):
                reason = f"the body cannot be read as {content_type}"
            if isinstance(exc, e.MissingRequestBodyError):
                param, reason = None, "a request body is required"
            msg = f"body{'.' + param if param else ''}: {reason}"
            raise SpecViolation(msg, param=param, location="body") from exc

    def response(
        self,
        *,
        host_url: str,
        method: str,
        template: str,
        status: int,
        content_type: str | None,
        body: bytes,
    ) -> None:
        """Validate one reply; raise `SpecViolation` naming the field that breaks it."""
        request = self._request(
            host_url=host_url,
            method=method,
            template=template,
            path_params={},
            query="",
            headers={},
            body=None,
            content_type=None,
        )
        response = _Response(status, (content_type or "").lower(), body)
        errors = _import("openapi_core.validation.response.exceptions")
        try:
            self._api.validate_response(request, response)
        except errors.ResponseValidationError as exc:
            cause = exc.__cause__
            if type(cause).__name__ == "MediaTypeNotFound":
                msg = f"Content-Type {content_type!r} is not one this operation answers with"
                raise SpecViolation(msg, param="Content-Type", location="header") from exc
            param, reason = _schema_param(getattr(cause, "schema_errors", None), None)
            msg = f"body{'.' + param if param else ''}: {reason}"
            raise SpecViolation(msg, param=param, location="body") from exc
        except Exception as exc:  # openapi-core raises its own tree for unknown statuses etc.
            if type(exc).__module__.startswith("openapi_core"):
                msg = f"answer {status}: {exc}"
                raise SpecViolation(msg, param=None, location="status") from exc
            raise


def check_against_schema(schema: Mapping[str, Any], body: bytes) -> None:
    """Validate a JSON ``body`` against a plain JSON schema with jsonschema."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SpecViolation("body: not JSON", param=None, location="body") from exc
    validator = _import("jsonschema").Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        param, reason = _schema_param(errors, None)
        raise SpecViolation(
            f"body{'.' + param if param else ''}: {reason}", param=param, location="body"
        )


class _Request:
    """The request protocol openapi-core reads, with the template already matched."""

    def __init__(
        self, host_url: str, method: str, template: str, body: bytes | None, content_type: str
    ) -> None:
        self.host_url = host_url
        self.path = template
        self.path_pattern = template
        self.method = method
        self.body = body
        self.content_type = content_type
        self.parameters: Any = None


class _Response:
    """The response protocol openapi-core reads."""

    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status_code = status
        self.content_type = content_type
        self.data = body
        self.headers: dict[str, str] = {}
