"""The one home of the shared-state argument checks: counts, seconds, callables."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline.shared._checks import check_callable, check_count, check_seconds


class TestCheckCount:
    """Counts are ints >= 1; bool, floats and smaller ints are refused."""

    @given(st.integers(min_value=1))
    def test_counts_pass(self, value):
        """Any int >= 1 comes back unchanged."""
        assert check_count("limit", value) == value

    @pytest.mark.parametrize("value", [0, -1, True, 1.0, "1", None])
    def test_others_are_refused(self, value):
        """Zero, negatives, bool, floats and strings are a ValueError naming the argument."""
        with pytest.raises(ValueError, match="limit must be an int >= 1"):
            check_count("limit", value)


class TestCheckSeconds:
    """Seconds are finite numbers >= 0 (> 0 when positive); infinity only when allowed."""

    @given(st.floats(min_value=0, allow_infinity=False) | st.integers(min_value=0))
    def test_non_negative_numbers_pass_as_float(self, value):
        """Ints and floats >= 0 come back as float."""
        assert check_seconds("wait", value) == float(value)

    @pytest.mark.parametrize("value", [-0.1, math.nan, math.inf, True, "1", None])
    def test_others_are_refused(self, value):
        """Negatives, NaN, infinity, bool and strings are refused."""
        with pytest.raises(ValueError, match="wait must be a finite number of seconds >= 0"):
            check_seconds("wait", value)

    def test_positive_refuses_zero(self):
        """positive=True refuses 0 and says > 0."""
        with pytest.raises(ValueError, match="> 0"):
            check_seconds("lease_seconds", 0, positive=True)

    def test_infinity_when_not_finite(self):
        """finite=False admits infinity, and its message drops 'finite'."""
        assert check_seconds("timeout", math.inf, positive=True, finite=False) == math.inf
        with pytest.raises(ValueError, match="timeout must be a number of seconds > 0"):
            check_seconds("timeout", 0, positive=True, finite=False)


class TestCheckCallable:
    """A callable passes; anything else is a TypeError naming its type."""

    def test_callable_passes(self):
        """A function is accepted."""
        check_callable("clock", lambda: 0.0)

    def test_other_is_refused_with_a_hint(self):
        """A float clock is refused, with the example given."""
        with pytest.raises(
            TypeError, match=r"clock must be callable like time\.monotonic, not float"
        ):
            check_callable("clock", 3.0, like="time.monotonic")
