"""Argument checks, one function per kind, with the messages users already see.

Each returns the checked value (a number as ``float``) or raises ``TypeError`` /
``ValueError`` naming the argument. ``bool`` is never taken for a number.
"""

from __future__ import annotations

import math

__all__ = ["callable_", "count", "flag", "non_empty_str", "number", "optional_flag", "seconds"]


def number(name: str, value: object, *, minimum: float) -> float:
    """A finite number ``>= minimum``: ``TypeError`` for a non-number, ``ValueError`` else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"{name} must be a number, not {type(value).__name__}"
        raise TypeError(msg)
    if not (math.isfinite(value) and value >= minimum):
        msg = f"{name} must be a finite number >= {minimum:g}, not {value!r}"
        raise ValueError(msg)
    return float(value)


def seconds(name: str, value: object, *, positive: bool = False, finite: bool = False) -> float:
    """A duration: a number ``> 0`` (``positive``) or ``>= 0``; ``ValueError`` otherwise.

    With ``finite``, infinity is refused too.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (value > 0 if positive else value >= 0)
        or (finite and not math.isfinite(value))
    ):
        kind = "a finite number" if finite else "a number"
        msg = f"{name} must be {kind} of seconds {'> 0' if positive else '>= 0'}, not {value!r}"
        raise ValueError(msg)
    return float(value)


def count(name: str, value: object, *, minimum: int = 0) -> int:
    """An ``int`` (not a bool) ``>= minimum``; anything else is a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = f"{name} must be an int >= {minimum}, not {value!r}"
        raise ValueError(msg)
    return value


def flag(name: str, value: object) -> bool:
    """A ``bool``; anything else (``0``, ``"yes"``) is a ``TypeError``."""
    if not isinstance(value, bool):
        msg = f"{name} must be a bool, not {type(value).__name__}"
        raise TypeError(msg)
    return value


def optional_flag(name: str, value: object) -> bool | None:
    """A ``bool`` or ``None`` (the server's default); anything else is a ``TypeError``."""
    return None if value is None else flag(name, value)


def callable_(name: str, value: object, *, like: str | None = None) -> None:
    """A callable; ``like`` names an example for the message (``time.monotonic``)."""
    if not callable(value):
        how = f" like {like}" if like else ""
        msg = f"{name} must be callable{how}, not {type(value).__name__}"
        raise TypeError(msg)


def non_empty_str(name: str, value: object) -> str:
    """A ``str`` with at least one character; anything else is a ``TypeError``."""
    if not isinstance(value, str) or not value:
        msg = f"{name} must be a non-empty str, not {value!r}"
        raise TypeError(msg)
    return value
