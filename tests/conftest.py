"""Shared test settings: a hypothesis profile that suits sockets and CI machines, and our plugin."""

from hypothesis import settings

# Loaded here rather than through its entry point (disabled in pyproject's addopts) so that
# coverage measurement starts before the package is first imported.
pytest_plugins = ["heygen_pipeline.testing.pytest_plugin"]

settings.register_profile("ci", deadline=None, max_examples=50)
settings.load_profile("ci")
