import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heygen_pipeline import HeyGenClient, RateLimitError, default_stack
from heygen_pipeline.testing import FakeHeyGen, Fault
from heygen_pipeline.testing.pytest_plugin import fake_client

pytest_plugins = ["pytester"]

PLUGIN = "heygen_pipeline.testing.pytest_plugin"
QUOTA = "/v2/user/remaining_quota"

USER_TESTS = f"""
from heygen_pipeline import HeyGenClient
from heygen_pipeline.testing import FakeHeyGen, Fault

seen = []


def test_fake_is_running(fake_heygen):
    assert isinstance(fake_heygen, FakeHeyGen)
    assert not fake_heygen.closed
    seen.append(fake_heygen)


def test_fake_was_closed_afterwards():
    assert len(seen) == 1
    assert seen[0].closed


def test_client_talks_to_the_fake(heygen_client, fake_heygen):
    assert isinstance(heygen_client, HeyGenClient)
    fake_heygen.inject("GET", "{QUOTA}", Fault.rate_limited("5"))
    assert heygen_client.get("{QUOTA}")["remaining_quota"] == 3600
    assert len(fake_heygen.requests_for("GET", "{QUOTA}")) == 2


def test_logs_are_captured(heygen_client, captured_logs):
    heygen_client.get("/v2/avatars")
    assert [e["event"] for e in captured_logs] == ["http_request"]
"""

GIVEN_TESTS = """
from hypothesis import given, settings, strategies as st


@settings(max_examples=3, deadline=None)
@given(st.integers(0, 2))
def test_with_the_factory(fake_client_factory, retries):
    with fake_client_factory() as (fake, client):
        assert client.get("/v2/avatars")["avatars"]


@settings(max_examples=3, deadline=None)
@given(st.integers(0, 2))
def test_with_the_function_scoped_fixture(fake_heygen, retries):
    pass
"""


class TestFakeHeygen:
    """The ``fake_heygen`` fixture."""

    def test_is_a_running_fake(self, fake_heygen):
        """It is an open FakeHeyGen that answers on its base URL."""
        assert isinstance(fake_heygen, FakeHeyGen)
        assert not fake_heygen.closed
        assert fake_heygen.base_url.startswith("http://127.0.0.1:")
        with HeyGenClient(
            fake_heygen.api_key, base_url=fake_heygen.base_url, stack=default_stack()
        ) as client:
            assert client.get(QUOTA)["remaining_quota"] == 3600

    def test_is_fresh_per_test(self, fake_heygen):
        """Each test gets its own fake: nothing recorded yet."""
        assert fake_heygen.requests == []
        assert fake_heygen.connections_opened == 0


class TestHeygenClient:
    """The ``heygen_client`` fixture."""

    def test_talks_to_the_fake_with_its_key(self, heygen_client, fake_heygen):
        """The client's base URL is the fake's, and its requests carry the fake's key."""
        assert heygen_client.base_url == fake_heygen.base_url
        assert heygen_client.get("/v2/avatars")["avatars"]
        assert fake_heygen.requests[-1].header("X-Api-Key") == fake_heygen.api_key

    def test_has_the_default_stack(self, heygen_client):
        """The stack is the default one, in order."""
        assert heygen_client.stack.names == default_stack().names

    def test_backoff_does_not_sleep(self, heygen_client, fake_heygen):
        """A 429 asking for 5 s is retried at once: the fixture's backoff never sleeps."""
        fake_heygen.inject("GET", QUOTA, Fault.rate_limited("5"), Fault.rate_limited("5"))
        started = time.monotonic()
        assert heygen_client.get(QUOTA)["remaining_quota"] == 3600
        assert time.monotonic() - started < 1.0
        assert len(fake_heygen.requests_for("GET", QUOTA)) == 3

    def test_over_cap_retry_after_still_raises(self, heygen_client, fake_heygen):
        """The policy is the default one: a Retry-After past its cap raises at once."""
        fake_heygen.inject("GET", QUOTA, Fault.rate_limited("3600"))
        with pytest.raises(RateLimitError) as info:
            heygen_client.get(QUOTA)
        assert info.value.retry_after == 3600.0


class TestCapturedLogs:
    """The ``captured_logs`` fixture."""

    def test_catches_the_logging_middlewares_events(self, heygen_client, captured_logs):
        """One event per attempt, with the method, URL, status and level."""
        heygen_client.get(QUOTA)
        (event,) = captured_logs
        assert event["event"] == "http_request"
        assert event["log_level"] == "info"
        assert (event["method"], event["status"], event["attempt"]) == ("GET", 200, 1)
        assert event["url"].endswith(QUOTA)

    def test_catches_retries_as_warnings(self, heygen_client, fake_heygen, captured_logs):
        """A retried attempt is a warning event (and the backoff's), the final success info."""
        fake_heygen.inject("GET", QUOTA, Fault.server_error(503))
        heygen_client.get(QUOTA)
        assert [(e["event"], e["log_level"], e["status"]) for e in captured_logs] == [
            ("http_request", "warning", 503),
            ("http_retry", "warning", 503),
            ("http_request", "info", 200),
        ]

    def test_events_never_hold_the_key(self, heygen_client, fake_heygen, captured_logs):
        """The captured events never contain the key."""
        heygen_client.get(QUOTA)
        assert captured_logs
        assert fake_heygen.api_key not in repr(captured_logs)

    def test_starts_empty(self, captured_logs):
        """Nothing is captured before the test emits anything."""
        assert captured_logs == []


class TestFakeClient:
    """``fake_client`` and its session-scoped fixture ``fake_client_factory``."""

    def test_gives_a_fresh_fake_and_its_client_closed_after(self):
        """Each use starts its own fake, with a client of it; both are closed on exit."""
        with fake_client() as (fake, client), fake_client() as (other, _):
            assert fake is not other
            assert client.base_url == fake.base_url
            assert client.get(QUOTA)["remaining_quota"] == 3600
        assert fake.closed
        assert other.closed

    def test_backoff_does_not_sleep(self):
        """A 429 asking for 5 s is retried at once, as with ``heygen_client``."""
        with fake_client() as (fake, client):
            fake.inject("GET", QUOTA, Fault.rate_limited("5"))
            started = time.monotonic()
            assert client.get(QUOTA)["remaining_quota"] == 3600
            assert time.monotonic() - started < 2.0
            assert len(fake.requests_for("GET", QUOTA)) == 2

    def test_fixture_is_the_factory(self, fake_client_factory):
        """The fixture hands out ``fake_client`` itself."""
        assert fake_client_factory is fake_client

    @settings(max_examples=5, deadline=None)
    @given(retries=st.integers(min_value=0, max_value=2))
    def test_usable_inside_given(self, fake_client_factory, retries):
        """A @given test takes the session-scoped fixture without tripping a health check."""
        with fake_client_factory() as (fake, client):
            faults = [Fault.rate_limited("5")] * retries
            if faults:
                fake.inject("GET", QUOTA, *faults)
            assert client.get(QUOTA)["remaining_quota"] == 3600
            assert len(fake.requests) == retries + 1


class TestAsAUsersPlugin:
    """A user's test file using the fixtures, run by pytest with the plugin loaded."""

    def test_loaded_from_the_entry_point(self, pytester):
        """Installed, the plugin loads by itself: no option needed."""
        pytester.makepyfile(test_user=USER_TESTS)
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(passed=4)

    def test_loaded_with_dash_p_when_autoload_is_off(self, pytester, monkeypatch):
        """With plugin autoloading off, ``-p`` with the module's name loads it."""
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        pytester.makepyfile(test_user=USER_TESTS)
        result = pytester.runpytest("-p", PLUGIN, "-p", "no:cacheprovider")
        result.assert_outcomes(passed=4)

    def test_fixtures_missing_without_the_plugin(self, pytester):
        """With the plugin disabled the fixtures do not exist (so the tests above prove it)."""
        pytester.makepyfile(test_user=USER_TESTS)
        result = pytester.runpytest("-p", f"no:{PLUGIN}", "-p", "no:cacheprovider")
        result.assert_outcomes(failed=1, errors=3)
        result.stdout.fnmatch_lines(["*fixture 'fake_heygen' not found*"])

    @pytest.mark.parametrize("how", ["dash-p", "conftest"])
    def test_named_by_module_while_the_entry_point_is_active(self, pytester, how):
        """Naming the module (-p or pytest_plugins) while it is also autoloaded is harmless.

        The entry point is named after the module, so pytest sees one plugin, not two.
        """
        pytester.makepyfile(test_user=USER_TESTS)
        args = ["-p", "no:cacheprovider"]
        if how == "dash-p":
            args += ["-p", PLUGIN]
        else:
            pytester.makeconftest(f"pytest_plugins = [{PLUGIN!r}]")
        result = pytester.runpytest(*args)
        result.assert_outcomes(passed=4)

    def test_given_takes_the_factory_and_refuses_function_fixtures(self, pytester):
        """In a user's @given test the factory passes; ``fake_heygen`` trips the health check."""
        pytester.makepyfile(test_given=GIVEN_TESTS)
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["*function_scoped_fixture*"])
