import pytest
from hypothesis import given
from hypothesis import strategies as st

from heygen_pipeline import Headers
from heygen_pipeline._headers import to_headers
from heygen_pipeline.testing._strategies_core import (
    header_names,
    header_sets,
    header_values,
    headers,
    secret_keys,
)


def swapcase_keys(pairs):
    """The pairs as a dict whose names have their case swapped."""
    return {name.swapcase(): value for name, value in pairs}


class TestLookup:
    """Lookups ignore case; iteration keeps the given case."""

    def test_case_insensitive(self):
        """[] , get and `in` find a header in any case."""
        h = Headers({"Content-Type": "application/json"})
        assert h["content-type"] == "application/json"
        assert h["CONTENT-TYPE"] == "application/json"
        assert h.get("cOnTeNt-TyPe") == "application/json"
        assert "content-TYPE" in h
        assert h.get("missing") is None
        assert h.get("missing", "d") == "d"

    def test_missing_raises_key_error(self):
        """A missing name raises KeyError."""
        with pytest.raises(KeyError):
            Headers()["X-Nope"]

    def test_contains_non_str(self):
        """`in` with a non-str is simply False."""
        assert 1 not in Headers({"1": "x"})
        assert None not in Headers()

    def test_given_case_kept(self):
        """Iteration, keys and raw() use the case the name was given in."""
        h = Headers([("X-Request-Id", "1"), ("etag", "2")])
        assert list(h) == ["X-Request-Id", "etag"]
        assert h.raw() == {"X-Request-Id": "1", "etag": "2"}
        assert dict(h.items()) == {"X-Request-Id": "1", "etag": "2"}

    def test_later_case_wins(self):
        """The same name twice in different case keeps one entry with the last name and value."""
        h = Headers([("x-a", "1"), ("X-A", "2")])
        assert len(h) == 1
        assert h.raw() == {"X-A": "2"}

    def test_raw_is_a_copy(self):
        """Changing the dict from raw() does not change the headers."""
        h = Headers({"A": "1"})
        raw = h.raw()
        raw["B"] = "2"
        assert "B" not in h

    def test_from_headers_and_to_headers(self):
        """Headers(Headers) and to_headers(Headers) reuse the value; None makes empty headers."""
        h = Headers({"A": "1"})
        assert Headers(h) == h
        assert to_headers(h) is h
        assert to_headers(None) == Headers()
        assert len(Headers(None)) == 0


class TestImmutability:
    """Headers cannot be changed; with_* and without return new objects."""

    def test_no_item_assignment(self):
        """Item assignment and deletion are TypeErrors."""
        h = Headers({"A": "1"})
        with pytest.raises(TypeError):
            h["A"] = "2"  # type: ignore[index]
        with pytest.raises(TypeError):
            del h["A"]  # type: ignore[attr-defined]
        with pytest.raises(AttributeError):
            h.other = 1  # type: ignore[attr-defined]

    def test_with_header(self):
        """with_header returns a copy with the value replaced in any case; the old is unchanged."""
        h = Headers({"Accept": "a"})
        new = h.with_header("ACCEPT", "b")
        assert new["accept"] == "b"
        assert new.raw() == {"ACCEPT": "b"}
        assert h.raw() == {"Accept": "a"}

    def test_with_headers(self):
        """with_headers sets many at once; empty input returns the same object."""
        h = Headers({"A": "1"})
        new = h.with_headers({"a": "2", "B": "3"})
        assert new == {"A": "2", "B": "3"}
        assert h == {"A": "1"}
        assert h.with_headers({}) is h
        assert h.with_headers([("C", "4")])["c"] == "4"

    def test_without(self):
        """Without drops names in any case; absent names leave the same object."""
        h = Headers({"A": "1", "B": "2"})
        assert h.without("a") == {"B": "2"}
        assert h.without("a", "B") == {}
        assert h.without("zz") is h
        assert h == {"A": "1", "B": "2"}


class TestEquality:
    """Equality ignores name case; hashes agree with equality."""

    def test_equal_to_headers_and_dicts(self):
        """Headers equal Headers and dicts with the same names in any case."""
        h = Headers({"Content-Type": "x", "Accept": "y"})
        assert h == Headers({"content-type": "x", "ACCEPT": "y"})
        assert h == {"CONTENT-TYPE": "x", "accept": "y"}
        assert h != {"Content-Type": "x"}
        assert h != {"Content-Type": "X", "Accept": "y"}  # values are case-sensitive

    def test_not_equal_to_other_types(self):
        """Headers are not equal to lists or to mappings that are not valid headers."""
        h = Headers({"A": "1"})
        assert h != [("A", "1")]
        assert h != {"A": 1}
        assert h != {"bad name": "1"}

    def test_hash(self):
        """Equal headers hash alike and can be dict keys."""
        a = Headers({"A": "1", "b": "2"})
        b = Headers({"B": "2", "a": "1"})
        assert hash(a) == hash(b)
        assert {a: "x"}[b] == "x"


class TestValidation:
    """Names and values are checked once, with clear errors."""

    @pytest.mark.parametrize(("name", "value"), [(1, "x"), (b"A", "x"), ("A", 1), ("A", b"x")])
    def test_non_str(self, name, value):
        """Non-str names or values are TypeErrors."""
        with pytest.raises(TypeError, match="must be str"):
            Headers({name: value})
        with pytest.raises(TypeError, match="must be str"):
            Headers().with_header(name, value)

    def test_non_str_value_message(self):
        """The message for a non-str value names the header and suggests converting it."""
        with pytest.raises(TypeError, match=r"'Retry-After'.*not int.*str\(n\)"):
            Headers({"Retry-After": 5})

    @pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\r\nX-Evil: 1", "a\x00b"])
    def test_injection(self, value):
        """CR, LF and NUL in values are ValueErrors (header injection)."""
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            Headers({"X-A": value})
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            Headers().with_header("X-A", value)

    @pytest.mark.parametrize("name", ["", "X A", "X:A", "X\nA", "Ä", "a(b)", "x/y"])
    def test_invalid_names(self, name):
        """Names that are not RFC 9110 tokens are ValueErrors."""
        with pytest.raises(ValueError, match="invalid header name"):
            Headers({name: "x"})

    @pytest.mark.parametrize("value", ["€", "日本", "\u2028"])
    def test_non_latin1(self, value):
        """Values that HTTP/1.1 cannot encode (not latin-1) are ValueErrors."""
        with pytest.raises(ValueError, match="latin-1"):
            Headers({"X-A": value})

    def test_latin1_accepted(self):
        """Latin-1 values such as é are accepted."""
        assert Headers({"X-A": "café"})["x-a"] == "café"

    @pytest.mark.parametrize("bad", ["A: 1", b"A: 1", 5])
    def test_bad_container(self, bad):
        """A str, bytes or number instead of a mapping or pairs is a TypeError."""
        with pytest.raises(TypeError):
            Headers(bad)


class TestRepr:
    """repr hides sensitive values."""

    @pytest.mark.parametrize("name", ["X-Api-Key", "x-api-key", "Authorization", "Cookie"])
    def test_sensitive_redacted(self, name):
        """Sensitive header values show as REDACTED; the name is shown."""
        text = repr(Headers({name: "hunter2-secret-value", "Accept": "json"}))
        assert "hunter2-secret-value" not in text
        assert "REDACTED" in text
        assert name in text
        assert "'Accept': 'json'" in text

    @given(key=secret_keys())
    def test_any_key_redacted(self, key):
        """Whatever the key, repr of headers carrying it never shows it.

        The rendering must not depend on the key at all: a key that happens to be a piece of
        a header name (or of ``REDACTED``) shows exactly as often as in headers without it.
        """

        def sensitive(value):
            return Headers(
                {"X-Api-Key": value, "Authorization": f"Bearer {value}", "Cookie": f"s={value}"}
            )

        h = sensitive(key)
        without = repr(sensitive("-"))
        assert repr(h) == without
        assert str(h) == without
        assert repr(h).count(key) == without.count(key)

    @pytest.mark.parametrize("key", ["Authorization", "X-Api-Key", "REDACTED", "Api-Key"])
    def test_key_that_is_a_piece_of_a_name(self, key):
        """Keys the strategy can draw that are pieces of the rendering itself still never show."""
        h = Headers({"X-Api-Key": key, "Authorization": f"Bearer {key}", "Cookie": f"s={key}"})
        assert repr(h) == repr(Headers({"X-Api-Key": "-", "Authorization": "-", "Cookie": "-"}))


class TestTrusted:
    """_trusted builds headers from what a server sent."""

    def test_repeated_joined(self):
        """Repeated names (in any case) are joined with ', ', keeping the last name's case."""
        h = Headers._trusted([("Vary", "Accept"), ("vary", "Origin"), ("X", "1")])
        assert h["VARY"] == "Accept, Origin"
        assert h.raw() == {"vary": "Accept, Origin", "X": "1"}

    def test_no_checks(self):
        """_trusted does not validate (the server already sent these)."""
        assert Headers._trusted([("Bad Name", "v")])["bad name"] == "v"


class TestProperties:
    """Round-trip invariants."""

    @given(pairs=header_sets())
    def test_round_trip(self, pairs):
        """Headers(pairs).raw() gives back exactly the pairs, in order and case."""
        h = Headers(pairs)
        assert list(h.raw().items()) == pairs
        assert Headers(h.raw()) == h
        assert len(h) == len(pairs)

    @given(pairs=header_sets())
    def test_case_changes_do_not_matter(self, pairs):
        """Swapping the case of every name gives equal headers with an equal hash."""
        h = Headers(pairs)
        other = Headers(swapcase_keys(pairs))
        assert h == other
        assert hash(h) == hash(other)
        assert h == swapcase_keys(pairs)
        for name, value in pairs:
            assert h[name.upper()] == value
            assert h[name.lower()] == value

    @given(h=headers(), name=header_names(), value=header_values())
    def test_with_then_without(self, h, name, value):
        """with_header then without removes the name and leaves the original untouched."""
        before = h.raw()
        added = h.with_header(name, value)
        assert added[name.swapcase()] == value
        removed = added.without(name)
        assert name not in removed
        assert removed == h.without(name)
        assert h.raw() == before

    @given(h=headers(), extra=headers())
    def test_with_headers_is_merge(self, h, extra):
        """with_headers equals setting each header one by one."""
        one_by_one = h
        for name, value in extra.items():
            one_by_one = one_by_one.with_header(name, value)
        assert h.with_headers(extra) == one_by_one

    @given(name=header_names(), value=st.text(min_size=1, max_size=5))
    def test_valid_or_clear_error(self, name, value):
        """Any str value is accepted, or rejected with the ValueError that names its flaw."""
        if any(c in value for c in "\r\n\x00"):
            with pytest.raises(ValueError, match="CR, LF or NUL"):
                Headers({name: value})
        elif any(ord(c) > 255 for c in value):
            with pytest.raises(ValueError, match="latin-1"):
                Headers({name: value})
        else:
            assert Headers({name: value})[name] == value


class TestWithoutTypes:
    """Headers.without checks its arguments like every other edit."""

    def test_non_str_name(self):
        """A non-str name is a TypeError, not an AttributeError."""
        with pytest.raises(TypeError, match="header names must be str"):
            Headers({"A": "1"}).without(1)


class TestEntries:
    """Headers.entries: both spellings of every name, read-only, without a copy."""

    @given(header_sets())
    def test_lower_name_to_name_and_value(self, pairs):
        """Each lower-cased name maps to the name as given and its value, in order."""
        entries = Headers(pairs).entries()
        assert list(entries.items()) == [(name.lower(), (name, value)) for name, value in pairs]

    def test_read_only(self):
        """The view cannot be changed, and a changed copy of the headers leaves it as it was."""
        hdrs = Headers({"X-A": "1"})
        entries = hdrs.entries()
        with pytest.raises(TypeError):
            entries["x-b"] = ("X-B", "2")  # type: ignore[index]
        hdrs.with_header("X-B", "2")
        assert dict(entries) == {"x-a": ("X-A", "1")}
