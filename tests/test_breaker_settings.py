"""Derived breakers keep every setting: `scoped_to`, `with_storage` and `with_shared_state`."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heygen_pipeline import _pybreaker as pb
from heygen_pipeline.middleware._breaker import CircuitBreakerMiddleware
from heygen_pipeline.middleware._breaker_engine import StateLogger
from heygen_pipeline.testing._strategies_breaker_settings import (
    breaker_middlewares,
    host_lists,
)


def options(mw: CircuitBreakerMiddleware) -> pb.BreakerOptions:
    """The pybreaker settings of ``mw``, without the listener the middleware adds itself."""
    found = pb.BreakerOptions.of(mw.breaker)
    mine = tuple(item for item in found.listeners if not isinstance(item, StateLogger))
    return attrs.evolve(found, listeners=mine)


def own_settings(mw: CircuitBreakerMiddleware) -> tuple[object, ...]:
    """The middleware's own settings, around the pybreaker breaker."""
    return (mw._half_open_max_calls, mw._clock, mw._logger)


class TestScopedTo:
    """`scoped_to` changes the hosts only."""

    @settings(max_examples=60, deadline=None)
    @given(breaker_middlewares(), host_lists())
    def test_every_setting_is_kept(self, mw, hosts):
        """Same pybreaker breaker, same half-open limit, clock and logger; the new hosts."""
        scoped = mw.scoped_to(hosts)
        assert scoped.breaker is mw.breaker
        assert own_settings(scoped) == own_settings(mw)
        assert scoped.hosts == (None if hosts is None else frozenset(hosts))

    @settings(max_examples=30, deadline=None)
    @given(breaker_middlewares())
    def test_is_attrs_evolve(self, mw):
        """scoped_to(hosts) is attrs.evolve(hosts=...): the two cannot drift apart."""
        hosts = ["api.heygen.com"]
        evolved = attrs.evolve(mw, hosts=hosts)
        scoped = mw.scoped_to(hosts)
        assert (scoped.breaker, scoped.hosts) == (evolved.breaker, evolved.hosts)
        assert own_settings(scoped) == own_settings(evolved)


class TestWithStorage:
    """`with_storage` moves the breaker to a new storage, every setting kept."""

    @settings(max_examples=60, deadline=None)
    @given(breaker_middlewares(), st.booleans())
    def test_every_setting_is_kept(self, mw, new_logger):
        """Thresholds, name, exclude, listeners, limit, clock, hosts; the logger unless given."""
        storage = pb.CircuitMemoryStorage(pb.CLOSED)
        logger = object() if new_logger else None
        moved = mw.with_storage(storage, logger=logger)
        assert moved.breaker is not mw.breaker
        assert pb.storage(moved.breaker) is storage
        assert options(moved) == options(mw)
        assert moved.hosts == mw.hosts
        assert (moved._half_open_max_calls, moved._clock) == (
            mw._half_open_max_calls,
            mw._clock,
        )
        assert moved._logger is (logger if new_logger else mw._logger)

    def test_the_state_logger_is_not_copied(self):
        """The new breaker logs each change once, to its own logger."""
        moved = CircuitBreakerMiddleware().with_storage(pb.CircuitMemoryStorage(pb.CLOSED))
        loggers = [item for item in moved.breaker.listeners if isinstance(item, StateLogger)]
        assert len(loggers) == 1

    def test_a_storage_of_another_kind_is_refused(self):
        """with_storage takes a pybreaker storage, nothing else."""
        with pytest.raises(TypeError, match=r"must be a pybreaker\.CircuitBreakerStorage"):
            CircuitBreakerMiddleware().with_storage({})


class TestFrozen:
    """The middleware is a frozen value: settings change only through a derived copy."""

    def test_attributes_cannot_be_set(self):
        """Setting an attribute raises attrs' FrozenInstanceError."""
        mw = CircuitBreakerMiddleware()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            mw._half_open_max_calls = 3  # type: ignore[misc]

    def test_evolve_checks_like_the_constructor(self):
        """A bad value given to attrs.evolve is refused as the constructor refuses it."""
        mw = CircuitBreakerMiddleware()
        with pytest.raises(ValueError, match="must be"):
            attrs.evolve(mw, half_open_max_calls=0)
        with pytest.raises(TypeError, match="must be"):
            attrs.evolve(mw, clock=3.0)

    def test_equality_is_identity(self):
        """Two middlewares never share trials in flight, so none equals another."""
        mw = CircuitBreakerMiddleware()
        assert mw == mw  # noqa: PLR0124 - the point of the test
        assert mw != mw.scoped_to(None)
        assert len({mw, mw.scoped_to(None)}) == 2

    def test_repr_shows_no_logger_or_clock(self):
        """The repr names the breaker, its state and thresholds only."""
        mw = CircuitBreakerMiddleware(name="api", fail_max=3)
        assert repr(mw) == (
            "CircuitBreakerMiddleware(name='api', state='closed', fail_max=3, reset_timeout=30.0)"
        )


class TestWithSharedState:
    """with_shared_state moves the stack's breaker to Redis, every setting kept."""

    @settings(max_examples=30, deadline=None)
    @given(breaker_middlewares())
    def test_every_setting_is_kept(self, mw):
        """success_threshold, exclude, listeners, limit, clock and hosts survive the move."""
        redis = pytest.importorskip("redis")
        from heygen_pipeline._stack import Stack  # noqa: PLC0415 - needs the redis extra
        from heygen_pipeline.shared import RedisBreakerStorage, with_shared_state  # noqa: PLC0415

        connection = redis.Redis.from_url("redis://127.0.0.1:1/0")  # never contacted here
        stack = with_shared_state(Stack([("breaker", mw)]), connection, api_key_id="k")
        shared = stack["breaker"]
        assert isinstance(pb.storage(shared.breaker), RedisBreakerStorage)
        assert options(shared) == options(mw)
        assert shared.hosts == mw.hosts
        assert (shared._half_open_max_calls, shared._clock) == (
            mw._half_open_max_calls,
            mw._clock,
        )
