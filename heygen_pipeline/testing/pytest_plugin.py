"""pytest fixtures for code that uses heygen_pipeline (the ``heygen_pipeline`` pytest plugin).

- ``fake_heygen``: a running [FakeHeyGen][heygen_pipeline.testing.FakeHeyGen], strict (requests
  that break HeyGen's spec are refused as HeyGen refuses them), closed afterwards; a reply of
  the fake that breaks the spec fails the test at teardown.
- ``heygen_client``: a [HeyGenClient][heygen_pipeline.HeyGenClient] wired to ``fake_heygen``
  with the default stack, whose backoff never sleeps for real.
- ``captured_logs``: the structlog events the library emitted during the test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, MutableMapping
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


@pytest.fixture
def fake_heygen() -> Iterator[FakeHeyGen]:
    """A strict FakeHeyGen on 127.0.0.1 (OS-assigned ports), its replies checked, then closed."""
    with checked_fake() as fake:
        yield fake


@pytest.fixture
def heygen_client(fake_heygen: FakeHeyGen) -> Iterator[HeyGenClient]:
    """A client of ``fake_heygen`` with the default stack; backoff waits are not slept."""
    from heygen_pipeline.middleware import BackoffMiddleware  # noqa: PLC0415 - keep import light

    stack = default_stack().replace("backoff", BackoffMiddleware(sleep=lambda _seconds: None))
    with HeyGenClient(
        fake_heygen.api_key,
        base_url=fake_heygen.base_url,
        upload_url=fake_heygen.upload_url,
        stack=stack,
    ) as client:
        yield client


@pytest.fixture
def captured_logs() -> Iterator[list[MutableMapping[str, Any]]]:
    """Every structlog event emitted during the test, as dicts (structlog's capture_logs)."""
    with structlog.testing.capture_logs() as logs:
        yield logs
