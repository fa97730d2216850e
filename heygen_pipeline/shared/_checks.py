"""Argument checks of the shared-state classes, with their defaults, on the core checks.

A number check refuses ``bool`` (an ``int`` to Python, never a count or a duration to a
caller) and NaN (which no comparison admits). The rules and messages live in
``heygen_pipeline._checks``; this module only fixes the shared-state defaults.
"""

from __future__ import annotations

from heygen_pipeline import _checks

__all__ = ["check_callable", "check_count", "check_seconds"]


def check_count(what: str, value: object) -> int:
    """``value`` if it is an ``int >= 1``, else a ``ValueError``."""
    return _checks.count(what, value, minimum=1)


def check_seconds(
    what: str, value: object, *, positive: bool = False, finite: bool = True
) -> float:
    """``value`` as float seconds (``>= 0``, or ``> 0`` when ``positive``), else a ``ValueError``.

    ``finite=False`` also admits infinity (a timeout that never ends).
    """
    return _checks.seconds(what, value, positive=positive, finite=finite)


def check_callable(what: str, value: object, *, like: str | None = None) -> None:
    """Nothing if ``value`` is callable, else a ``TypeError`` (``like`` names an example)."""
    _checks.callable_(what, value, like=like)
