"""copy_with: the one copy helper of the core values, checked against attrs.evolve."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given

from heygen_pipeline import ExtensionKey, Request, RequestOptions, Response
from heygen_pipeline._copying import copier_for, copy_with
from heygen_pipeline.testing._strategies_values import (
    option_changes,
    request_changes,
    request_options,
    requests_with_options,
    response_changes,
    response_values,
)


def _both(value: Any, changes: dict[str, Any]) -> tuple[Any, Any]:
    """``(attrs.evolve, copy_with)`` of ``value``: the copies, or the errors' type and text."""

    def outcome(copy: Any) -> Any:
        try:
            return copy(value, **changes)
        except (TypeError, ValueError) as exc:
            return (type(exc), str(exc))

    return outcome(attrs.evolve), outcome(copy_with)


class TestAgainstEvolve:
    """copy_with gives what attrs.evolve gives: equal copies, the same errors."""

    @given(request_options(), option_changes())
    def test_options(self, options, changes):
        """Options copies equal attrs.evolve's, refused values raise the same error."""
        expected, copied = _both(options, changes)
        assert copied == expected

    @given(requests_with_options(), request_changes())
    def test_requests(self, request, changes):
        """Request copies equal attrs.evolve's, parsed URL and idempotency header included."""
        expected, copied = _both(request, changes)
        assert copied == expected
        if isinstance(expected, Request):
            assert copied._target == expected._target
            assert copied.idempotency_key == expected.idempotency_key

    @given(response_values(), response_changes())
    def test_responses(self, response, changes):
        """Response copies equal attrs.evolve's (the stream, outside eq, carried too)."""
        expected, copied = _both(response, changes)
        assert copied == expected
        if isinstance(expected, Response):
            assert copied.stream is expected.stream

    @given(requests_with_options(), option_changes())
    def test_request_with_options(self, request, changes):
        """with_options is evolve on the options, reconciled with the headers."""
        try:
            expected: Any = attrs.evolve(request, options=attrs.evolve(request.options, **changes))
        except (TypeError, ValueError) as exc:
            with pytest.raises(type(exc)):
                request.with_options(**changes)
        else:
            assert request.with_options(**changes) == expected


class TestEntries:
    """The methods other modules copy through."""

    def test_request_evolve_keeps_the_parse(self):
        """Changing headers or options reuses the parsed URL; changing the URL parses it."""
        request = Request("GET", "https://api.heygen.com/v3/a?x=1")
        same = request.evolve(headers={"X-A": "1"}, options=RequestOptions(max_attempts=2))
        assert same._target is request._target
        moved = request.evolve(url="http://127.0.0.1:8080/b")
        assert (moved.scheme, moved.host, moved.port, moved.target) == (
            "http",
            "127.0.0.1",
            8080,
            "/b",
        )

    def test_request_evolve_reconciles_the_key(self):
        """Options with an idempotency key put it in the headers, and refuse another one."""
        request = Request("POST", "https://api.heygen.com/v3/videos")
        keyed = request.evolve(options=RequestOptions(idempotency_key="k-1"))
        assert keyed.headers["Idempotency-Key"] == "k-1"
        with pytest.raises(ValueError, match="differs"):
            keyed.evolve(options=RequestOptions(idempotency_key="k-2"))

    def test_one_copy_path(self):
        """The hand-written copies are gone: evolve is the only way to copy a core value."""
        for cls, old in ((Request, "_replace"), (RequestOptions, "_for_attempt")):
            assert not hasattr(cls, old)
        assert not hasattr(Response, "_unwrapped")

    def test_unknown_keyword(self):
        """A keyword that is no init field is a TypeError, as with attrs.evolve."""
        request = Request("GET", "https://api.heygen.com/v3/a")
        for name in ("nope", "target", "_target"):
            with pytest.raises(TypeError):
                request.evolve(**{name: 1})
            with pytest.raises(TypeError):
                attrs.evolve(request, **{name: 1})

    def test_subclass_keeps_its_type(self):
        """A copy of a subclass instance is of that subclass, its own fields carried."""

        @attrs.frozen
        class Tagged(RequestOptions):
            tag: str = "none"

        tagged = Tagged(max_attempts=2, tag="t")
        copied = tagged.evolve(stream=True).with_extension(*_KEY_AND_VALUE)
        assert type(copied) is Tagged
        assert (copied.tag, copied.max_attempts, copied.stream) == ("t", 2, True)


_KEY_AND_VALUE: tuple[Any, Any] = (ExtensionKey[int]("k"), 1)


class TestNewFields:
    """A field added to a class is carried without any edit to the helper."""

    def test_a_new_field_is_carried(self):
        """Every field of a class the helper never saw is copied, and changes are checked."""

        def positive(_inst: object, _attr: object, value: int) -> None:
            if value < 0:
                raise ValueError("negative")

        @attrs.frozen
        class Value:
            a: int
            b: str = "b"
            added: int = attrs.field(default=0, validator=positive)
            derived: int = attrs.field(init=False)

            def __attrs_post_init__(self) -> None:
                object.__setattr__(self, "derived", self.a + self.added)

        value = Value(1, added=5)
        assert copy_with(value, a=2) == attrs.evolve(value, a=2) == Value(2, added=5)
        assert copy_with(value, a=2).derived == 7
        with pytest.raises(ValueError, match="negative"):
            copy_with(value, added=-1)

    def test_converter_taking_self_falls_back_to_evolve(self):
        """A converter that needs the instance is run by attrs' own __init__."""

        @attrs.frozen
        class Scaled:
            factor: int = 2
            value: int = attrs.field(
                default=1, converter=attrs.Converter(lambda v, s: v * s.factor, takes_self=True)
            )

        assert copier_for(Scaled) is attrs.evolve
        assert copy_with(Scaled(), value=3) == attrs.evolve(Scaled(), value=3)

    def test_validators_off(self):
        """With attrs validators disabled, a copy skips them, as attrs.evolve does."""
        options = RequestOptions()
        with attrs.validators.disabled():
            assert copy_with(options, max_attempts=0).max_attempts == 0
