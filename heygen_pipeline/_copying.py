"""One copy helper for frozen attrs values: ``attrs.evolve``'s result at a fraction of its cost.

``attrs.evolve`` calls ``__init__`` again, so every field is converted and validated again on
every copy; the pipeline copies a request and its options on every attempt. `copy_with` builds,
once per class and from ``attrs.fields`` (as attrs builds ``__init__``), a copier that carries
every field as it is and converts and validates only the fields that change. A field added to a
class is carried with no edit here; ``tests/test_copying.py`` checks the result against
``attrs.evolve``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs

__all__ = ["copy_with"]

_V = TypeVar("_V", bound=attrs.AttrsInstance)
_Copier = Callable[..., Any]
_COPIERS: dict[type, _Copier] = {}


class _Keep:
    """The default of a copier's keyword: the field keeps the value's value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<keep>"


_KEEP: Final = _Keep()


def _needs_init(field: attrs.Attribute[Any]) -> bool:
    """Whether a converter takes the instance or the field (only attrs' ``__init__`` does that)."""
    convert = field.converter
    return isinstance(convert, attrs.Converter) and bool(
        convert.takes_self or convert.takes_field  # type: ignore[attr-defined]
    )


def _after_of(cls: type) -> Callable[[Any, Any], None] | None:
    """``cls._after_copy(copy, source)``, else its post-init (ignoring the source), else None."""
    after: Callable[[Any, Any], None] | None = getattr(cls, "_after_copy", None)
    if after is not None:
        return after
    post_init = getattr(cls, "__attrs_post_init__", None)
    if post_init is None:
        return None
    return lambda new, _source: post_init(new)


def _field_lines(field: attrs.Attribute[Any], scope: dict[str, Any]) -> str:
    """The line that sets ``field`` on the copy: kept, or the given value converted."""
    name = field.name
    if not field.init:
        return f"    _set(new, {name!r}, src.{name})\n"
    alias = field.alias
    given = alias
    if field.converter is not None:
        scope[f"_c_{alias}"] = field.converter
        given = f"_c_{alias}({alias})"
    return f"    _set(new, {name!r}, src.{name} if {alias} is _KEEP else {given})\n"


def _check_lines(fields: tuple[attrs.Attribute[Any], ...], scope: dict[str, Any]) -> str:
    """The lines that run the validators of the fields that changed, as ``__init__`` would."""
    checked = [f for f in fields if f.init and f.validator is not None]
    if not checked:
        return ""
    lines = []
    for field in checked:
        scope[f"_v_{field.alias}"] = field.validator
        scope[f"_f_{field.alias}"] = field
        lines.append(
            f"        if {field.alias} is not _KEEP:\n"
            f"            _v_{field.alias}(new, _f_{field.alias}, new.{field.name})\n"
        )
    changed = " or ".join(f"{f.alias} is not _KEEP" for f in checked)
    return f"    if ({changed}) and not _disabled():\n{''.join(lines)}"


def _copier_of(cls: type) -> _Copier:
    """Generate (once) the copier of ``cls``: ``copier(value, **changes) -> copy``."""
    fields = attrs.fields(cls)
    if any(_needs_init(f) for f in fields):
        copier: _Copier = attrs.evolve
    else:
        scope: dict[str, Any] = {
            "_new": object.__new__,
            "_set": object.__setattr__,
            "_KEEP": _KEEP,
            "_cls": cls,
            "_disabled": attrs.validators.get_disabled,
            "_after": _after_of(cls),
        }
        keywords = "".join(f", {f.alias}=_KEEP" for f in fields if f.init)
        body = "".join(_field_lines(f, scope) for f in fields) + _check_lines(fields, scope)
        after = "    _after(new, src)\n" if scope["_after"] is not None else ""
        source = (
            f"def copy(src, /, *{keywords}):\n    new = _new(_cls)\n{body}{after}    return new\n"
        )
        exec(compile(source, f"<copy_with {cls.__qualname__}>", "exec"), scope)  # noqa: S102 - names from attrs.fields
        copier = scope["copy"]
    _COPIERS[cls] = copier
    return copier


def copy_with(value: _V, /, **changes: Any) -> _V:
    """``attrs.evolve(value, **changes)``: the same result, for less.

    Every field is carried; only the changed ones are converted and validated (the others
    were checked when ``value`` was built). Then the class's ``_after_copy(copy, source)``
    runs, else its ``__attrs_post_init__``. Unlike ``attrs.evolve``, the validator of a field
    that did not change is not run again, so validators must not read other fields.
    """
    cls = type(value)
    copier = _COPIERS.get(cls) or _copier_of(cls)
    return copier(value, **changes)  # type: ignore[no-any-return]


def copier_for(cls: type[_V]) -> Callable[..., _V]:
    """The copier `copy_with` uses for ``cls``: ``copier(value, **changes)``, one call less."""
    return _COPIERS.get(cls) or _copier_of(cls)
