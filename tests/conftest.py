"""Shared test settings: a hypothesis profile, our plugin, and the known gaps against the spec."""

from typing import Final

from hypothesis import settings

from heygen_pipeline.testing import _fake_spec

# The plugin's fixtures, imported here rather than through its entry point (blocked in
# pyproject's addopts) so that coverage measurement starts before the package is imported.
from heygen_pipeline.testing.pytest_plugin import (
    captured_logs,
    fake_client_factory,
    fake_heygen,
    heygen_client,
)

__all__ = [
    "KNOWN_SPEC_GAPS",
    "captured_logs",
    "fake_client_factory",
    "fake_heygen",
    "heygen_client",
]

settings.register_profile("ci", deadline=None, max_examples=50)
settings.load_profile("ci")

# Operations where the client's requests or FakeHeyGen's replies do not yet keep to HeyGen's
# spec: every FakeHeyGen of the suite leaves them unchecked (strict requests and reply checks).
# Each line is a known defect; the change that fixes it removes its line
# (tests/test_spec_strict.py::TestKnownGaps checks each key is an operation of the specs).
KNOWN_SPEC_GAPS: Final[dict[str, str]] = {
    # assets (v3): the spec's search results are a oneOf of two schemas that differ only in
    # a default (its discriminator was dropped), so every result matches both and no
    # non-empty answer can pass; tests/_spec_check.py checks the rest of these answers.
    "GET /v3/assets/search": "the spec's oneOf of image and icon results is ambiguous",
}
_fake_spec.DEFAULT_EXEMPT = frozenset(KNOWN_SPEC_GAPS)
