"""Hypothesis strategies for shared state in Redis (needs ``hypothesis``).

`breaker_hashes` draws what a Redis hash meant to hold a breaker's state may hold instead:
wrong types, missing fields, garbage bytes, huge or non-finite numbers, unknown states.
"""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["breaker_field_values", "breaker_hashes"]

_FIELDS = ("state", "failures", "successes", "opened_at", "generation")


def breaker_field_values() -> st.SearchStrategy[bytes]:
    """One field's value: right or wrong, as bytes Redis stores."""
    numbers = st.one_of(
        st.integers(-(10**30), 10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(["inf", "-inf", "nan", "1e400", "0x10", " 5", "5 ", "", "1_000", "١٢"]),
    )
    states = st.sampled_from(["closed", "open", "half-open", "OPEN", "half_open", "", "x"])
    return st.one_of(
        numbers.map(str.encode),
        states.map(str.encode),
        st.binary(max_size=40),
        st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


def breaker_hashes() -> st.SearchStrategy[dict[str, bytes]]:
    """A hash with any subset of the breaker's fields (and stray ones), any values."""
    fields = st.one_of(st.sampled_from(_FIELDS), st.text(min_size=1, max_size=10))
    return st.dictionaries(fields, breaker_field_values(), max_size=7)
