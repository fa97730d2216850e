"""heygen_pipeline.typing: types only, importing no implementation at run time."""

from __future__ import annotations

import ast
import inspect
from typing import get_args

from heygen_pipeline import Response
from heygen_pipeline import typing as hp_typing

_VALUES = "heygen_pipeline._models"
"""The one package module typing.py may import at run time: the values its aliases name."""


def _runtime_imports(tree: ast.Module) -> set[str]:
    """Modules imported at the top level, outside ``if TYPE_CHECKING:`` blocks."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


class TestTypesOnly:
    """The module holds types and imports only the value types they name."""

    def test_imports_no_implementation(self):
        """At run time typing.py imports the standard library and _models only."""
        tree = ast.parse(inspect.getsource(hp_typing))
        ours = {m for m in _runtime_imports(tree) if m.startswith("heygen_pipeline")}
        assert ours <= {_VALUES}

    def test_defines_no_functions(self):
        """Nothing but aliases and protocols: no function or class with behaviour."""
        tree = ast.parse(inspect.getsource(hp_typing))
        assert not [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(b) for b in node.bases}
                assert bases <= {"Protocol"}, node.name

    def test_outcome(self):
        """Outcome is a response or an exception."""
        assert set(get_args(hp_typing.Outcome)) == {Response, BaseException}
