"""Tagging resource methods with the spec operation they call: ``@operation("GET /v3/...")``.

The tag costs nothing per call (the function is returned unchanged); the coverage test and
the contract tests read it. ``model=`` names the result class whose ``from_api`` reads that
operation's answer, so the contract tests can feed it every example and generated body.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs

__all__ = ["OperationRef", "operation", "operations_of", "registered_models"]

_F = TypeVar("_F", bound=Callable[..., Any])
_SPECS: Final = ("v3", "legacy")
_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


@attrs.frozen
class OperationRef:
    """Which spec operation a method calls, and the model that reads its answer."""

    spec: str
    method: str
    path: str
    model: type[Any] | None = attrs.field(default=None, eq=False)

    @property
    def key(self) -> str:
        """``"METHOD /path/template"``, as in the spec."""
        return f"{self.method} {self.path}"


_lock = threading.Lock()
_registry: dict[tuple[str, str], list[OperationRef]] = {}


def _parse(key: str, spec: str) -> tuple[str, str]:
    if not isinstance(key, str):
        raise TypeError(f"key must be a str such as 'GET /v3/videos', not {type(key).__name__}")
    method, _, path = key.partition(" ")
    if method not in _METHODS or not path.startswith("/") or " " in path:
        raise ValueError(f"key must be 'METHOD /path/template' as in the spec, got {key!r}")
    if spec not in _SPECS:
        raise ValueError(f"spec must be one of {_SPECS}, not {spec!r}")
    return method, path


def operation(key: str, *, spec: str = "v3", model: type[Any] | None = None) -> Callable[[_F], _F]:
    """Tag a resource method as calling spec operation ``key`` (stack it for several).

    Sets ``fn.__heygen_operation__`` (the latest tag) and appends to
    ``fn.__heygen_operations__`` (every tag); registers ``model`` for the operation.
    """
    method, path = _parse(key, spec)
    if model is not None and not callable(getattr(model, "from_api", None)):
        raise TypeError(f"model must have a from_api(data) classmethod, not {model!r}")
    ref = OperationRef(spec, method, path, model)

    def tag(fn: _F) -> _F:
        previous = getattr(fn, "__heygen_operations__", ())
        fn.__heygen_operation__ = ref  # type: ignore[attr-defined]
        fn.__heygen_operations__ = (*previous, ref)  # type: ignore[attr-defined]
        with _lock:
            refs = _registry.setdefault((spec, ref.key), [])
            if ref not in refs or model is not None:
                refs.append(ref)
        return fn

    return tag


def operations_of(fn: Any) -> tuple[OperationRef, ...]:
    """The operations a method (or function) is tagged with, in the order applied."""
    fn = getattr(fn, "__func__", fn)
    refs = getattr(fn, "__heygen_operations__", ())
    return tuple(refs) if isinstance(refs, tuple) else ()


def registered_models(spec: str = "v3") -> dict[str, tuple[type[Any], ...]]:
    """Operation key to the result models registered for it (via ``model=``)."""
    with _lock:
        items = list(_registry.items())
    found: dict[str, tuple[type[Any], ...]] = {}
    for (ref_spec, key), refs in items:
        models = tuple(dict.fromkeys(r.model for r in refs if r.model is not None))
        if ref_spec == spec and models:
            found[key] = models
    return found
