"""pytest fixtures for code that uses heygen_pipeline: the pytest plugin.

Its name, as entry point and as module, is ``heygen_pipeline.testing.pytest_plugin``.

- ``fake_heygen``: a running [FakeHeyGen][heygen_pipeline.testing.FakeHeyGen], strict (requests
  that break HeyGen's spec are refused as HeyGen refuses them), closed afterwards; a reply of
  the fake that breaks the spec fails the test at teardown.
- ``heygen_client``: a [HeyGenClient][heygen_pipeline.HeyGenClient] wired to ``fake_heygen``
  with the default stack, whose backoff never sleeps for real.
- ``captured_logs``: the structlog events the library emitted during the test.
- ``fake_client_factory`` (session-scoped, so usable in hypothesis ``@given`` tests): the
  ``fake_client`` context manager, a fresh fake and client per example.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import AbstractContextManager
from typing import Any

import pytest
import structlog

from heygen_pipeline._defaults import default_stack
from heygen_pipeline.client import HeyGenClient
from heygen_pipeline.testing._fake import FakeHeyGen


@contextlib.contextmanager
def checked_fake(**options: Any) -> Iterator[FakeHeyGen]:
    """A FakeHeyGen checking its own replies; fails the test if one broke the spec.

    ``options`` are FakeHeyGen's (``check_replies`` is always on).
    """
    with FakeHeyGen(**{**options, "check_replies": True}) as fake:
        yield fake
        violations = fake.reply_violations()
    if violations:
        lines = "\n".join(f"  {v}" for v in violations)
        pytest.fail(f"FakeHeyGen gave replies that break HeyGen's spec:\n{lines}", pytrace=False)


@contextlib.contextmanager
def _never_sleeping_client(fake: FakeHeyGen) -> Iterator[HeyGenClient]:
    from heygen_pipeline.middleware import BackoffMiddleware  # noqa: PLC0415 - keep import light

    stack = default_stack().replace("backoff", BackoffMiddleware(sleep=lambda _seconds: None))
    with HeyGenClient(
        fake.api_key, base_url=fake.base_url, upload_url=fake.upload_url, stack=stack
    ) as client:
        yield client


@contextlib.contextmanager
def fake_client(**options: Any) -> Iterator[tuple[FakeHeyGen, HeyGenClient]]:
    """A fresh checked FakeHeyGen and a client of it whose backoff never sleeps, both closed after.

    The fixtures' pair for places fixtures cannot go: the body of a hypothesis ``@given`` test
    (which refuses function-scoped fixtures), each example getting its own server. ``options``
    are FakeHeyGen's.
    """
    with checked_fake(**options) as fake, _never_sleeping_client(fake) as client:
        yield fake, client


FakeClientFactory = Callable[..., AbstractContextManager[tuple[FakeHeyGen, HeyGenClient]]]


@pytest.fixture
def fake_heygen() -> Iterator[FakeHeyGen]:
    """A strict FakeHeyGen on 127.0.0.1 (OS-assigned ports), its replies checked, then closed."""
    with checked_fake() as fake:
        yield fake


@pytest.fixture
def heygen_client(fake_heygen: FakeHeyGen) -> Iterator[HeyGenClient]:
    """A client of ``fake_heygen`` with the default stack; backoff waits are not slept."""
    with _never_sleeping_client(fake_heygen) as client:
        yield client


@pytest.fixture(scope="session")
def fake_client_factory() -> FakeClientFactory:
    """``fake_client``, session-scoped: hypothesis accepts it in ``@given`` tests."""
    return fake_client


@pytest.fixture
def captured_logs() -> Iterator[list[MutableMapping[str, Any]]]:
    """Every structlog event emitted during the test, as dicts (structlog's capture_logs)."""
    with structlog.testing.capture_logs() as logs:
        yield logs
