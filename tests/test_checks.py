"""The argument checks in heygen_pipeline._checks, and the frozen values built on them."""

import math

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import ClientAuth
from heygen_pipeline._checks import (
    callable_,
    count,
    flag,
    non_empty_str,
    number,
    optional_flag,
    seconds,
)
from heygen_pipeline._heygen import DEFAULT_BASE_URL, DEFAULT_UPLOAD_URL, UPLOAD_HOST
from heygen_pipeline.middleware import EnvelopeMiddleware, RedirectMiddleware


class TestNumber:
    """number(): finite, at least the minimum, never a bool."""

    @given(st.floats(min_value=0.0, allow_infinity=False, allow_nan=False) | st.integers(0))
    def test_accepts(self, value):
        """Any finite number at or above the minimum comes back as a float."""
        assert number("x", value, minimum=0) == float(value)

    @pytest.mark.parametrize("value", [True, "1", None])
    def test_type(self, value):
        """A non-number (bool included) is a TypeError naming the argument."""
        with pytest.raises(TypeError, match="x must be a number, not"):
            number("x", value, minimum=0)

    @pytest.mark.parametrize("value", [-1, math.inf, math.nan])
    def test_value(self, value):
        """Below the minimum or not finite: ValueError with the bound."""
        with pytest.raises(ValueError, match="x must be a finite number >= 0"):
            number("x", value, minimum=0)


class TestSeconds:
    """seconds(): a duration > 0 or >= 0, finite when asked."""

    def test_bounds(self):
        """0 passes >= 0 and fails > 0; infinity fails only when finite is asked."""
        assert seconds("t", 0) == 0.0
        assert seconds("t", math.inf) == math.inf
        with pytest.raises(ValueError, match="t must be a number of seconds > 0, not 0"):
            seconds("t", 0, positive=True)
        with pytest.raises(ValueError, match="t must be a finite number of seconds"):
            seconds("t", math.inf, finite=True)

    @pytest.mark.parametrize("value", [True, "1", -0.5, math.nan])
    def test_refused(self, value):
        """bools, strings, negatives and NaN are ValueErrors."""
        with pytest.raises(ValueError, match="t must be a number of seconds >= 0"):
            seconds("t", value)


class TestCount:
    """count(): an int at least the minimum."""

    @pytest.mark.parametrize("value", [-1, True, 1.0, "3"])
    def test_refused(self, value):
        """Negatives, bools, floats and strings are ValueErrors naming the argument."""
        with pytest.raises(ValueError, match=r"n must be an int >= 0, not"):
            count("n", value)

    def test_minimum(self):
        """The minimum is part of the check and of the message."""
        assert count("n", 1, minimum=1) == 1
        with pytest.raises(ValueError, match=r"n must be an int >= 1, not 0"):
            count("n", 0, minimum=1)


class TestOthers:
    """flag(), callable_() and non_empty_str()."""

    def test_flag(self):
        """Only a bool is a flag."""
        assert flag("f", False) is False  # noqa: FBT003 - the value checked
        with pytest.raises(TypeError, match="f must be a bool, not int"):
            flag("f", 0)

    def test_optional_flag(self):
        """None passes as None; anything else must be a bool, with flag()'s message."""
        assert optional_flag("f", None) is None
        assert optional_flag("f", True) is True  # noqa: FBT003 - the value checked
        with pytest.raises(TypeError, match="f must be a bool, not str"):
            optional_flag("f", "yes")

    def test_callable(self):
        """A callable comes back as is; the message can name an example."""
        assert callable_("clock", len) is None  # passes: len is callable
        with pytest.raises(TypeError, match=r"clock must be callable like time\.time, not int"):
            callable_("clock", 1, like="time.time")

    @pytest.mark.parametrize("value", ["", None, 3])
    def test_non_empty_str(self, value):
        """An empty string or a non-string is a TypeError."""
        with pytest.raises(TypeError, match="v must be a non-empty str"):
            non_empty_str("v", value)


class TestFrozenMiddlewares:
    """Envelope, redirects and the auth placeholder are frozen attrs values."""

    def test_redirects_evolve_validates(self):
        """attrs.evolve changes max_redirects and checks it as the constructor does."""
        assert attrs.evolve(RedirectMiddleware(), max_redirects=2).max_redirects == 2
        with pytest.raises(ValueError, match="max_redirects must be an int >= 0"):
            attrs.evolve(RedirectMiddleware(), max_redirects=-1)

    @pytest.mark.parametrize("cls", [EnvelopeMiddleware, ClientAuth])
    def test_fieldless_values(self, cls):
        """No fields: evolve gives an equal value, repr is the class name, nothing assignable."""
        value = cls()
        assert attrs.evolve(value) == value
        assert repr(value) == f"{cls.__name__}()"
        with pytest.raises(AttributeError):
            value.anything = 1


class TestHeyGenFacts:
    """HeyGen's hosts have one home, re-exported where they were."""

    def test_one_home(self):
        """auth, the default stack and the client see the same constants."""
        from heygen_pipeline import _defaults, client  # noqa: PLC0415
        from heygen_pipeline.middleware import _auth  # noqa: PLC0415

        assert _auth.DEFAULT_BASE_URL is _defaults.DEFAULT_BASE_URL is DEFAULT_BASE_URL
        assert client.DEFAULT_UPLOAD_URL is _defaults.DEFAULT_UPLOAD_URL is DEFAULT_UPLOAD_URL
        assert _auth.UPLOAD_HOST is UPLOAD_HOST
        assert f"https://{UPLOAD_HOST}" == DEFAULT_UPLOAD_URL
