import functools
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import DuplicateNameError, Request, Stack, StackError, UnknownNameError
from heygen_pipeline.testing import MockTransport, make_response
from heygen_pipeline.testing._strategies_core import (
    StackEdit,
    middleware_names,
    stack_edit_sequences,
    stack_names,
)

POOL = ("a", "b", "c", "d", "e", "f")


class Recorder:
    """A middleware that appends its name to a shared log, then calls the next handler."""

    def __init__(self, name, log):
        """Record under ``name`` into ``log``."""
        self.name = name
        self.log = log

    def __call__(self, request, call_next):
        """Log the name and pass the request on."""
        self.log.append(self.name)
        return call_next(request)


def passthrough(request, call_next):
    """Pass the request on unchanged."""
    return call_next(request)


def other(request, call_next):
    """Pass the request on (a distinct object from passthrough)."""
    return call_next(request)


def recording_transport(log):
    """A transport that logs "transport" and answers 200."""

    def transport(request):
        log.append("transport")
        return make_response(request, 200)

    return transport


def request():
    """A plain GET request."""
    return Request("GET", "https://api.heygen.com/v1/x")


@pytest.fixture
def abc():
    """A stack named a, b, c."""
    return Stack([("a", passthrough), ("b", passthrough), ("c", passthrough)])


class TestConstruction:
    """Stack() checks its entries at once."""

    def test_empty(self):
        """An empty stack has no names and builds to the transport itself."""
        stack = Stack()
        transport = recording_transport([])
        assert stack.names == ()
        assert len(stack) == 0
        assert stack.build(transport) is transport

    def test_duplicate_names_in_constructor(self):
        """Two entries with the same name raise DuplicateNameError listing the names so far."""
        with pytest.raises(DuplicateNameError, match=r"'a'.*the stack has: a, b") as info:
            Stack([("a", passthrough), ("b", passthrough), ("a", passthrough)])
        assert info.value.names == ("a", "b")

    @pytest.mark.parametrize("entry", [("a",), ["a", passthrough], "ab", ("a", passthrough, 1)])
    def test_entries_must_be_pairs(self, entry):
        """An entry that is not a (name, middleware) tuple is a TypeError."""
        with pytest.raises(TypeError, match="pairs"):
            Stack([entry])

    @pytest.mark.parametrize("name", [1, None, b"a", ("a",)])
    def test_non_str_name(self, name):
        """A non-str name is a TypeError naming the type."""
        with pytest.raises(TypeError, match=f"must be a str, not {type(name).__name__}"):
            Stack([(name, passthrough)])

    @pytest.mark.parametrize("name", ["", " a", "a ", "\t"])
    def test_blank_or_padded_name(self, name):
        """Empty names and names with surrounding spaces are a ValueError."""
        with pytest.raises(ValueError, match="non-empty"):
            Stack([(name, passthrough)])

    @pytest.mark.parametrize("middleware", [None, 3, "mw", object()])
    def test_non_callable(self, middleware):
        """A non-callable middleware is a TypeError that shows the expected signature."""
        with pytest.raises(TypeError, match=r"'m' must be callable as \(request, call_next\)"):
            Stack([("m", middleware)])

    @pytest.mark.parametrize(
        "middleware",
        [
            lambda request: request,
            lambda _request, _call_next, _extra: None,
            lambda: None,
            lambda *, _request, _call_next: None,
        ],
    )
    def test_wrong_arity(self, middleware):
        """A callable that cannot take (request, call_next) is a TypeError showing its signature."""
        with pytest.raises(TypeError, match="two positional arguments"):
            Stack([("m", middleware)])

    @pytest.mark.parametrize(
        "middleware",
        [
            lambda *args: args,
            lambda _request, _call_next, _extra=1: None,
            functools.partial(lambda x, _request, _call_next: x, 1),
            Recorder("r", []),
        ],
    )
    def test_flexible_signatures_accepted(self, middleware):
        """Varargs, defaults, partials and callable objects are accepted."""
        assert Stack([("m", middleware)]).names == ("m",)

    def test_builtin_without_signature_trusted(self):
        """A callable whose signature cannot be read is trusted rather than rejected."""
        assert Stack([("m", max)]).names == ("m",)


class TestQueries:
    """names, stack[name], in, len, iteration, equality, repr."""

    def test_names_in_order(self, abc):
        """Names lists the middlewares outermost first."""
        assert abc.names == ("a", "b", "c")

    def test_getitem(self):
        """stack[name] returns the very middleware given."""
        stack = Stack([("a", passthrough), ("b", other)])
        assert stack["b"] is other
        assert stack["a"] is passthrough

    def test_getitem_unknown(self, abc):
        """stack[unknown] raises UnknownNameError (also a KeyError) listing the names."""
        with pytest.raises(KeyError) as info:
            abc["zz"]
        assert isinstance(info.value, UnknownNameError)
        assert str(info.value) == "no middleware named 'zz'; the stack has: a, b, c"
        assert info.value.names == ("a", "b", "c")

    def test_contains(self, abc):
        """`in` is true for present names only, and false for non-str values."""
        assert "b" in abc
        assert "B" not in abc
        assert 1 not in abc
        assert None not in abc

    def test_len_and_iteration(self, abc):
        """Len counts entries; iteration yields (name, middleware) pairs in order."""
        assert len(abc) == 3
        assert list(abc) == [("a", passthrough), ("b", passthrough), ("c", passthrough)]

    def test_equality(self, abc):
        """Stacks are equal when names and middleware objects match in order."""
        same = Stack([("a", passthrough), ("b", passthrough), ("c", passthrough)])
        assert abc == same
        assert hash(abc) == hash(same)
        assert abc != Stack([("a", passthrough), ("c", passthrough), ("b", passthrough)])
        assert abc != abc.replace("b", other)
        assert abc != abc.remove("c")
        assert abc != ["a", "b", "c"]

    def test_repr(self, abc):
        """Repr shows the names in order."""
        assert repr(abc) == "Stack(['a', 'b', 'c'])"


class TestEdits:
    """Each edit returns a new Stack and leaves the old one unchanged."""

    def test_insert_before(self, abc):
        """insert_before puts the middleware just outside the anchor."""
        assert abc.insert_before("b", "x", other).names == ("a", "x", "b", "c")
        assert abc.insert_before("a", "x", other).names == ("x", "a", "b", "c")

    def test_insert_after(self, abc):
        """insert_after puts the middleware just inside the anchor."""
        assert abc.insert_after("b", "x", other).names == ("a", "b", "x", "c")
        assert abc.insert_after("c", "x", other).names == ("a", "b", "c", "x")

    def test_prepend_append(self, abc):
        """Prepend adds outermost, append innermost."""
        assert abc.prepend("x", other).names == ("x", "a", "b", "c")
        assert abc.append("x", other).names == ("a", "b", "c", "x")

    def test_replace(self, abc):
        """Replace swaps the middleware and keeps the name and position."""
        new = abc.replace("b", other)
        assert new.names == ("a", "b", "c")
        assert new["b"] is other

    def test_remove(self, abc):
        """Remove drops the named middleware."""
        assert abc.remove("b").names == ("a", "c")
        assert abc.remove("a").remove("b").remove("c").names == ()

    def test_old_stack_unchanged(self, abc):
        """Every edit leaves the original stack as it was."""
        abc.insert_before("a", "x", other)
        abc.insert_after("a", "y", other)
        abc.prepend("p", other)
        abc.append("q", other)
        abc.replace("a", other)
        abc.remove("c")
        assert abc.names == ("a", "b", "c")
        assert abc["a"] is passthrough

    @pytest.mark.parametrize(
        "edit",
        [
            lambda s: s.insert_before("zz", "x", other),
            lambda s: s.insert_after("zz", "x", other),
            lambda s: s.replace("zz", other),
            lambda s: s.remove("zz"),
        ],
    )
    def test_unknown_anchor(self, abc, edit):
        """An unknown anchor or target fails at once, listing the names that exist."""
        with pytest.raises(UnknownNameError, match=r"'zz'; the stack has: a, b, c"):
            edit(abc)

    @pytest.mark.parametrize(
        "edit",
        [
            lambda s: s.insert_before("a", "b", other),
            lambda s: s.insert_after("a", "c", other),
            lambda s: s.prepend("a", other),
            lambda s: s.append("c", other),
        ],
    )
    def test_duplicate_name(self, abc, edit):
        """Adding a name that exists fails at once, listing the names that exist."""
        with pytest.raises(DuplicateNameError, match=r"exists already; the stack has: a, b, c"):
            edit(abc)

    def test_errors_are_value_errors(self, abc):
        """Stack errors are StackError and ValueError, so callers can catch either."""
        with pytest.raises(StackError):
            abc.remove("zz")
        with pytest.raises(ValueError):
            abc.append("a", other)

    def test_empty_stack_message(self):
        """On an empty stack the message says there is nothing."""
        with pytest.raises(UnknownNameError, match=r"the stack has: \(nothing\)"):
            Stack().remove("a")

    @pytest.mark.parametrize(
        "edit",
        [
            lambda s: s.insert_before("a", "x", 42),
            lambda s: s.insert_after("a", "x", "nope"),
            lambda s: s.prepend("x", None),
            lambda s: s.append("x", object()),
            lambda s: s.replace("a", 1.5),
        ],
    )
    def test_non_callable_on_edit(self, abc, edit):
        """Each adding edit rejects a non-callable middleware with TypeError."""
        with pytest.raises(TypeError, match="must be callable"):
            edit(abc)

    @pytest.mark.parametrize(
        "edit",
        [
            lambda s: s.append("x", lambda request: request),
            lambda s: s.replace("a", lambda _request, _call_next, _more: None),
        ],
    )
    def test_wrong_arity_on_edit(self, abc, edit):
        """Each adding edit rejects a callable with the wrong arity."""
        with pytest.raises(TypeError, match="two positional arguments"):
            edit(abc)

    @pytest.mark.parametrize("name", [1, None, b"x"])
    def test_non_str_name_on_edit(self, abc, name):
        """Adding edits reject non-str names with TypeError."""
        with pytest.raises(TypeError, match="must be a str"):
            abc.append(name, other)
        with pytest.raises(TypeError, match="must be a str"):
            abc.insert_after("a", name, other)


class TestBuild:
    """build() folds the stack around a transport into one handler."""

    def test_order_outermost_first(self):
        """Middlewares run in the listed order, then the transport."""
        log = []
        stack = Stack([(n, Recorder(n, log)) for n in ("x", "y", "z")])
        response = stack.build(recording_transport(log))(request())
        assert response.status == 200
        assert log == ["x", "y", "z", "transport"]

    def test_middleware_sees_changed_request(self):
        """A request changed by an outer middleware reaches the transport."""

        def tag(request, call_next):
            return call_next(request.with_headers({"X-Tag": "1"}))

        transport = MockTransport(lambda r: make_response(r, 204))
        Stack([("tag", tag)]).build(transport)(request())
        assert transport.requests[0].headers["x-tag"] == "1"

    def test_short_circuit(self):
        """A middleware that does not call call_next keeps the transport from running."""
        transport = MockTransport(lambda r: make_response(r, 200))

        def cache(request, call_next):
            return make_response(request, 203)

        assert Stack([("cache", cache)]).build(transport)(request()).status == 203
        assert transport.requests == []

    @pytest.mark.parametrize("transport", [None, 3, "transport"])
    def test_non_callable_transport(self, abc, transport):
        """build() with a non-callable transport is a TypeError."""
        with pytest.raises(TypeError, match="transport must be callable"):
            abc.build(transport)

    def test_later_edits_do_not_change_built_pipeline(self):
        """A built pipeline keeps the stack it was built from."""
        log = []
        stack = Stack([("x", Recorder("x", log))])
        handler = stack.build(recording_transport(log))
        stack.append("y", Recorder("y", log))
        handler(request())
        assert log == ["x", "transport"]

    def test_thread_safe(self):
        """8 threads x 50 calls through one pipeline each get their own response."""

        def stamp(request, call_next):
            response = call_next(request.with_headers({"X-Seen": "yes"}))
            assert response.request.headers["X-Call"] == request.headers["X-Call"]
            return response

        def answer(req):
            return make_response(
                req, 200, json={"call": req.headers["X-Call"], "seen": req.headers["X-Seen"]}
            )

        pipeline = Stack([("stamp", stamp)]).build(MockTransport(answer))
        barrier = threading.Barrier(8)
        failures = []
        counts = []

        def worker(thread_no):
            barrier.wait(timeout=10)
            done = 0
            for i in range(50):
                call = f"{thread_no}-{i}"
                response = pipeline(request().with_headers({"X-Call": call}))
                if response.json() != {"call": call, "seen": "yes"}:
                    failures.append((call, response.json()))
                done += 1
            counts.append(done)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert failures == []
        assert counts == [50] * 8


class TestProperties:
    """Invariants over random edit sequences (checked against a reference model)."""

    @given(
        start=stack_names(POOL),
        edits=stack_edit_sequences(POOL),
    )
    def test_edit_sequences_match_model(self, start, edits):
        """Edits yield the model's names (always unique), fail when the model says, never mutate."""
        log = []
        stack = Stack([(n, Recorder(n, log)) for n in start])
        for edit in edits:
            before = stack.names
            expected = edit.expected(before)
            if isinstance(expected, type):
                with pytest.raises(expected) as info:
                    edit.apply(stack, Recorder(edit.name, log))
                assert info.value.names == before
                assert stack.names == before
                continue
            new = edit.apply(stack, Recorder(edit.name, log))
            assert stack.names == before  # the old stack is unchanged
            assert new.names == expected
            assert len(set(new.names)) == len(new.names)
            stack = new
        handler = stack.build(recording_transport(log))
        handler(request())
        assert log == [*stack.names, "transport"]

    @given(names=st.lists(middleware_names(), unique=True, max_size=8))
    def test_any_valid_names_build_in_order(self, names):
        """For any unique valid names, the pipeline calls them in the listed order."""
        log = []
        stack = Stack([(n, Recorder(n, log)) for n in names])
        stack.build(recording_transport(log))(request())
        assert log == [*names, "transport"]

    @given(names=st.lists(middleware_names(), unique=True, min_size=1, max_size=6), data=st.data())
    def test_remove_then_insert_restores(self, names, data):
        """Removing a name and re-inserting it before its old successor restores the stack."""
        stack = Stack([(n, passthrough) for n in names])
        index = data.draw(st.integers(0, len(names) - 1))
        name = names[index]
        removed = stack.remove(name)
        if index + 1 < len(names):
            restored = removed.insert_before(names[index + 1], name, passthrough)
        else:
            restored = removed.append(name, passthrough)
        assert restored == stack

    def test_model_reports_unknown_before_duplicate(self):
        """The model and the Stack agree that an unknown anchor wins over a duplicate name."""
        edit = StackEdit("insert_after", name="a", anchor="zz")
        assert edit.expected(("a",)) is UnknownNameError
        with pytest.raises(UnknownNameError):
            edit.apply(Stack([("a", passthrough)]), other)
