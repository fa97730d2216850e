"""Hypothesis strategies for testing code built on heygen_pipeline.

Envelopes of each shape and the data they must unwrap to, error bodies, bodies that are no
envelope at all, header sets, Retry-After values and stacks built from the default
middlewares in any order. Requires ``hypothesis`` (the ``test`` extra).
"""

from heygen_pipeline.testing._strategies_envelope import (
    Envelope,
    error_envelopes,
    json_values,
    non_envelope_bodies,
    success_envelopes,
)

__all__ = [
    "Envelope",
    "error_envelopes",
    "json_values",
    "non_envelope_bodies",
    "success_envelopes",
]
