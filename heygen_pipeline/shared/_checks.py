"""Argument checks of the shared-state classes: counts, seconds and callables, one message each.

A number check refuses ``bool`` (an ``int`` to Python, never a count or a duration to a
caller) and NaN (which no comparison admits).
"""

from __future__ import annotations

__all__ = ["check_callable", "check_count", "check_seconds"]


def check_count(what: str, value: object) -> int:
    """``value`` if it is an ``int >= 1``, else a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{what} must be an int >= 1, not {value!r}"
        raise ValueError(msg)
    return value


def check_seconds(
    what: str, value: object, *, positive: bool = False, finite: bool = True
) -> float:
    """``value`` as float seconds (``>= 0``, or ``> 0`` when ``positive``), else a ``ValueError``.

    ``finite=False`` also admits infinity (a timeout that never ends).
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (value > 0 if positive else value >= 0)
        or (finite and value == float("inf"))
    ):
        bound = "> 0" if positive else ">= 0"
        kind = "a finite number" if finite else "a number"
        msg = f"{what} must be {kind} of seconds {bound}, not {value!r}"
        raise ValueError(msg)
    return float(value)


def check_callable(what: str, value: object, *, like: str | None = None) -> None:
    """Nothing if ``value`` is callable, else a ``TypeError`` (``like`` names an example)."""
    if not callable(value):
        hint = f" like {like}" if like else ""
        msg = f"{what} must be callable{hint}, not {type(value).__name__}"
        raise TypeError(msg)
