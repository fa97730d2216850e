"""pybreaker is reached through one adapter module only, and its internals only there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import heygen_pipeline
from heygen_pipeline import _pybreaker as pb

PACKAGE = Path(heygen_pipeline.__file__).parent
ADAPTER = Path(pb.__file__)
# pybreaker's private names the adapter reads; no other module may.
PRIVATE = {"_state_storage", "_create_new_state", "_throw_new_error_on_trip", "_inc_counter"}


def sources() -> list[Path]:
    """Every module of the package but the adapter."""
    return sorted(p for p in PACKAGE.rglob("*.py") if p != ADAPTER)


def imports_pybreaker(tree: ast.AST) -> bool:
    """Whether the module imports pybreaker, or anything in it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "pybreaker" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pybreaker":
            return True
    return False


class TestOneAdapter:
    """Only heygen_pipeline/_pybreaker.py imports pybreaker or reads its internals."""

    def test_the_scan_sees_the_package(self):
        """The scan covers the breaker modules and finds the adapter's own import."""
        names = {p.name for p in sources()}
        assert {"_breaker.py", "_breaker_engine.py", "_breaker_storage.py"} <= names
        assert imports_pybreaker(ast.parse(ADAPTER.read_text(encoding="utf-8")))

    @pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
    def test_no_other_module_imports_pybreaker(self, path):
        """A module other than the adapter that imports pybreaker fails here."""
        assert not imports_pybreaker(ast.parse(path.read_text(encoding="utf-8")))

    @pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
    def test_no_other_module_reads_pybreaker_internals(self, path):
        """The private attributes of pybreaker are read in the adapter only."""
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} & PRIVATE
        assert found == set()


class TestAdapter:
    """The adapter's helpers do what pybreaker's own methods would, minus the notification."""

    def test_options_round_trip(self):
        """BreakerOptions.of(options.build()) gives the options back."""
        options = pb.BreakerOptions(
            fail_max=3,
            reset_timeout=7.5,
            success_threshold=2,
            name="x",
            exclude=(ValueError,),
            listeners=(pb.CircuitBreakerListener(),),
            throw_new_error_on_trip=False,
        )
        assert pb.BreakerOptions.of(options.build()) == options

    def test_recache_changes_the_cached_state_without_resetting_counters(self):
        """The cached state follows the name given; the failure count stays as it was."""
        breaker = pb.BreakerOptions(fail_max=5, reset_timeout=1).build()
        pb.storage(breaker).increment_counter()
        old = pb.cached_state(breaker)
        with pb.lock(breaker):
            change = pb.recache(breaker, pb.HALF_OPEN)
        assert change == (old, pb.cached_state(breaker))
        assert pb.cached_state(breaker).name == pb.HALF_OPEN
        assert breaker.fail_counter == 1
        assert pb.recache(breaker, pb.HALF_OPEN) is None

    def test_memory_storage_is_recognised(self):
        """The in-memory storage of pybreaker is seen as such; a subclass is not."""

        class Sub(pb.CircuitMemoryStorage):
            pass

        assert pb.is_memory_storage(pb.CircuitMemoryStorage(pb.CLOSED))
        assert not pb.is_memory_storage(Sub(pb.CLOSED))
