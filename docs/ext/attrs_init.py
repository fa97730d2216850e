"""A griffe extension: attrs classes get the ``__init__`` attrs generates, so signatures show.

Static analysis sees an ``@attrs.define`` class without ``__init__``; this reads the generated
one from the imported class and adds it, parameters, annotations and defaults included, for
``merge_init_into_class`` to render.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import attrs
import griffe

_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: griffe.ParameterKind.positional_only,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: griffe.ParameterKind.positional_or_keyword,
    inspect.Parameter.VAR_POSITIONAL: griffe.ParameterKind.var_positional,
    inspect.Parameter.KEYWORD_ONLY: griffe.ParameterKind.keyword_only,
    inspect.Parameter.VAR_KEYWORD: griffe.ParameterKind.var_keyword,
}
_LONGEST_DEFAULT = 60  # characters; a longer repr is shown as "..."


def _default(value: Any, namespace: dict[str, Any] | None = None) -> str | None:
    """The default as it reads best: a constant's name, ``Type()``, a short repr or "..."."""
    if value is inspect.Parameter.empty:
        return None
    named = _constant_name(value, namespace or {})
    if named is not None:
        return named
    plain = _plain_instance(value)
    if plain is not None:
        return plain
    owner = getattr(value, "__self__", None)
    if callable(value) and hasattr(value, "__qualname__"):
        if owner is not None and not inspect.ismodule(owner):
            return f"{type(owner).__module__.lstrip('_')}.{value.__name__}"
        return f"{getattr(value, '__module__', None) or 'builtins'}.{value.__qualname__}"
    text = repr(value)
    return "..." if " at 0x" in text or len(text) > _LONGEST_DEFAULT else text


def _constant_name(value: Any, namespace: dict[str, Any]) -> str | None:
    """The upper-case module constant that is this very default, if there is one."""
    if isinstance(value, (bool, int, float, str, type(None))):
        return None  # the literal is as clear as any name
    for name, candidate in namespace.items():
        if candidate is value and name.lstrip("_").isupper():
            return name.lstrip("_") if not name.startswith("__") else None
    return None


def _plain_instance(value: Any) -> str | None:
    """``Type()`` when the default equals its class built with no arguments."""
    cls = type(value)
    if not attrs.has(cls):
        return None
    try:
        same = cls() == value
    except Exception:  # noqa: BLE001 - a class that needs arguments is simply not this case
        return None
    return f"{cls.__name__}()" if same else None


def _annotation(value: Any) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    return value if isinstance(value, str) else inspect.formatannotation(value)


class AttrsInit(griffe.Extension):
    """Add the generated ``__init__`` to every attrs class that has none in its source."""

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:  # noqa: ARG002
        """Read the runtime class; if attrs made it, add its ``__init__``."""
        if "__init__" in cls.members:
            return
        try:
            runtime = getattr(importlib.import_module(cls.module.path), cls.name)
        except (ImportError, AttributeError):
            return
        if not (inspect.isclass(runtime) and attrs.has(runtime)) or "__init__" not in vars(runtime):
            return
        signature = inspect.signature(runtime.__init__)
        namespace = vars(importlib.import_module(runtime.__module__))
        parameters = [
            griffe.Parameter(
                name,
                annotation=_annotation(parameter.annotation),
                kind=_KINDS[parameter.kind],
                default=_default(parameter.default, namespace),
            )
            for name, parameter in signature.parameters.items()
        ]
        init = griffe.Function(
            "__init__", parameters=griffe.Parameters(*parameters), returns="None", parent=cls
        )
        cls.set_member("__init__", init)
