"""The secret registry: flat in the number of keys, released with its holders, and complete.

Complete means: a key is found raw, percent-encoded (either hex case), form-encoded and
JSON-escaped, overlapping other keys, and a text cut anywhere keeps no piece of it.
"""

import gc
import json
import statistics
import time
from urllib.parse import quote, quote_plus

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from heygen_pipeline import HeyGenClient, Request, Stack
from heygen_pipeline._models import excerpt
from heygen_pipeline._redact import REDACTED, Secret, cut, scrub
from heygen_pipeline._secrets import GRAM, REGISTRY, SMALL, _Registry
from heygen_pipeline.errors import APIError, TooManyRedirectsError
from heygen_pipeline.middleware import EnvelopeMiddleware, LoggingMiddleware, RedirectMiddleware
from heygen_pipeline.testing import MockTransport, make_response
from heygen_pipeline.testing._strategies_secrets import (
    awkward_keys,
    encoded_forms,
    encoded_key_forms,
)

KEY = "hgk-cut-3f9a7c1e5b2d8046"


def pieces(key, text):
    """The pieces of ``key`` (8+ characters anywhere, or a 4+ character prefix at the end)."""
    found = [key[i : i + 8] for i in range(len(key) - 7) if key[i : i + 8] in text]
    body = text.removesuffix("...")
    found += [key[:k] for k in range(GRAM, len(key)) if body.endswith(key[:k])]
    return found


class TestScrub:
    """scrub finds every registered secret, in every form, overlaps included."""

    @given(key=awkward_keys(), data=st.data())
    def test_every_encoded_form(self, key, data):
        """Raw, percent (both hex cases), form and JSON-escaped forms are all redacted."""
        held = Secret(key)
        form = data.draw(encoded_key_forms(key), label="form")
        shown = scrub(f"before {form} after")
        assert shown == f"before {REDACTED} after"
        assert held.reveal() == key

    def test_overlapping_secrets_removed_whole(self):
        """Two keys that overlap in a text are both removed, no tail of either left."""
        first, second = Secret("hgk-abcd-1234"), Secret("1234-wxyz-hgk")
        assert scrub("x hgk-abcd-1234-wxyz-hgk y") == f"x {REDACTED} y"
        assert {first.reveal(), second.reveal()} == {"hgk-abcd-1234", "1234-wxyz-hgk"}

    def test_index_and_expression_agree(self):
        """Past SMALL secrets the index scan takes over, with the same results."""
        registry = _Registry()
        keys = [f"hgk-{i:04d}-{'x' * (i % 7)}" for i in range(SMALL * 3)]
        text = " ".join(f"[{k}]" for k in keys[::5])
        results = []
        for count in (SMALL // 2, SMALL * 3):
            for k in keys[:count]:
                registry.add(k, held=False)
            spans = registry.spans(text)
            results.append([text[s:e] for s, e in spans])
        assert results[0] == keys[: SMALL // 2 : 5]
        assert results[1] == keys[::5]

    def test_registry_edges(self):
        """Short values are ignored; a value registered for good outlives its holders."""
        registry = _Registry()
        registry.add("abc", held=False)
        registry.add("hgk-for-good-1", held=True)
        registry.add("hgk-for-good-1", held=False)
        registry.release("hgk-for-good-1")
        registry.release("hgk-never-registered")
        assert len(registry) == 1
        assert "abc" not in registry
        assert "hgk-for-good-1" in registry

    def test_percent_bytes_that_are_not_utf8(self):
        """Percent-encoded bytes that are not UTF-8 stand for themselves; the key is still found."""
        held = Secret("hgk-bytes-key-9")
        assert scrub("%ff%fe hgk%2Dbytes%2dkey%2D9 %C3%A9") == f"%ff%fe {REDACTED} %C3%A9"
        assert held.reveal().startswith("hgk")


class TestCut:
    """Scrubbed whole, then cut: a key placed across any cut leaves no piece of it."""

    @given(
        offset=st.integers(min_value=-30, max_value=30),
        space=st.sampled_from([" ", "\n", "\t\t", " \r\n  "]),
    )
    def test_cut_leaves_no_piece(self, offset, space):
        """`cut` at 500 with the key at every offset around it, after whitespace of any kind."""
        held = Secret(KEY)
        text = "m" * (500 + offset - len(space)) + space + KEY + space + "tail"
        shown = cut(text, 500, ellipsis="...")
        assert pieces(held.reveal(), shown) == []
        assert len(shown) <= 503

    @given(offset=st.integers(min_value=-30, max_value=30))
    def test_envelope_message_cut(self, offset):
        """An error message HeyGen sent, cut at 500, holds no piece of an echoed key."""
        held = Secret(KEY)
        message = "m" * (500 + offset) + KEY + " more"
        body = json.dumps({"error": {"code": "bad", "message": message}}).encode()
        handler = Stack([("envelope", EnvelopeMiddleware())]).build(
            MockTransport(lambda r: make_response(r, 400, content=body))
        )
        with pytest.raises(APIError) as info:
            handler(Request("GET", "https://api.heygen.com/v3/videos"))
        assert pieces(held.reveal(), info.value.message) == []
        assert pieces(KEY, str(info.value)) == []

    @given(
        shift=st.integers(min_value=0, max_value=len(KEY)),
        space=st.sampled_from([b" ", b"\n", b"\t", b"\r\n"]),
    )
    def test_excerpt_of_a_body_cut_inside_the_key(self, shift, space):
        """A body whose whitespace collapses leaves no prefix of a key its head cut through."""
        held = Secret(KEY)
        head = 4 * 200 + 4096  # what `excerpt` decodes at most
        run = space * ((head - len(KEY) + shift) // len(space))
        body = run + KEY.encode() + b" the rest"
        shown = excerpt(body)
        assert pieces(held.reveal(), shown) == []


class TestEncodedInRedirects:
    """A key echoed encoded in redirect Locations reaches neither the error nor the logs."""

    @settings(max_examples=60, deadline=None)
    @given(key=awkward_keys())
    def test_too_many_redirects_and_logs(self, key):
        """TooManyRedirectsError and every log event hold no form of the key."""
        held = Secret(key)
        hops = iter(range(100))

        def answer(request):
            n = next(hops)
            location = f"/r/{quote(key, safe='')}/{n}?q={quote_plus(key)}&p={quote(key).lower()}"
            return make_response(request, 302, headers={"Location": location})

        stack = Stack(
            [
                ("redirects", RedirectMiddleware(max_redirects=3)),
                ("logging", LoggingMiddleware(logger=structlog.get_logger("t"))),
            ]
        )
        handler = stack.build(MockTransport(answer))
        with capture_logs() as events, pytest.raises(TooManyRedirectsError) as info:
            handler(Request("GET", "https://api.heygen.com/v2/videos"))
        texts = [str(info.value), repr(info.value), repr(vars(info.value)), repr(events)]
        for form in encoded_forms(held.reveal()):
            assert [t for t in texts if form in t] == [], form


def _median_build(clients, keys):
    """The median time of building one client (and rendering one scrubbed error) per key."""
    times = []
    for key in keys:
        started = time.perf_counter()
        clients.append(HeyGenClient(api_key=key))
        str(APIError(f"echo {key}"))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class TestRegistryScale:
    """Registration and scrubbing cost the same with 1000 keys as with 50; keys are released."""

    def test_building_clients_stays_flat(self):
        """The last 50 of 1000 clients build within 3x the time of the first 50."""
        clients = []
        keys = [f"hgk-tenant-{i:05d}-5c1d9e" for i in range(1000)]
        first = _median_build(clients, keys[:50])
        _median_build(clients, keys[50:950])
        last = _median_build(clients, keys[950:])
        assert last < 3 * first, (first, last)
        assert all(key in REGISTRY for key in keys)
        assert scrub(f"[{keys[0]}] [{keys[-1]}]") == f"[{REDACTED}] [{REDACTED}]"

    def test_scrubbing_stays_flat(self):
        """Scrubbing a text with 1000 secrets registered costs what it costs with 50."""
        text = "GET https://api.heygen.com/v2/videos status=200 request_id=abc " * 8
        registry = _Registry()

        def median_scrub():
            times = []
            for _ in range(200):
                started = time.perf_counter()
                registry.spans(text)
                times.append(time.perf_counter() - started)
            return statistics.median(times)

        for i in range(SMALL + 18):
            registry.add(f"hgk-flat-{i:05d}-a1b2", held=False)
        few = median_scrub()
        for i in range(SMALL + 18, 1000):
            registry.add(f"hgk-flat-{i:05d}-a1b2", held=False)
        many = median_scrub()
        assert many < 3 * few, (few, many)

    def test_keys_of_collected_clients_are_released(self):
        """After the clients are gone and collected, their keys are no longer registered."""
        gc.collect()
        before = len(REGISTRY)
        keys = [f"hgk-released-{i:04d}-77aa" for i in range(100)]
        clients = [HeyGenClient(api_key=key) for key in keys]
        assert len(REGISTRY) >= before + 100
        assert all(key in REGISTRY for key in keys)
        del clients
        gc.collect()
        assert len(REGISTRY) <= before
        assert not any(key in REGISTRY for key in keys)

    def test_a_key_stays_while_any_holder_lives(self):
        """Two holders of one key: releasing one keeps it registered until the other goes."""
        first, second = Secret("hgk-two-holders-0c3e"), Secret("hgk-two-holders-0c3e")
        del first
        gc.collect()
        assert "hgk-two-holders-0c3e" in REGISTRY
        assert scrub("hgk-two-holders-0c3e") == REDACTED
        del second
        gc.collect()
        assert "hgk-two-holders-0c3e" not in REGISTRY
