"""Shared test settings: a hypothesis profile that suits sockets and CI machines, and our plugin."""

from hypothesis import settings

# The plugin's fixtures, imported here rather than through its entry point (blocked in
# pyproject's addopts) so that coverage measurement starts before the package is imported.
from heygen_pipeline.testing.pytest_plugin import captured_logs, fake_heygen, heygen_client

__all__ = ["captured_logs", "fake_heygen", "heygen_client"]

settings.register_profile("ci", deadline=None, max_examples=50)
settings.load_profile("ci")
