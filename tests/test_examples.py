import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TIMEOUT = 30.0


def _name(path: Path) -> str:
    return path.name


def _run(script: Path) -> subprocess.CompletedProcess[str]:
    """Run one example as a user would, with warnings as errors and no HeyGen key around."""
    env = {k: v for k, v in os.environ.items() if k != "HEYGEN_API_KEY"}
    return subprocess.run(  # noqa: S603 - runs this repository's own example scripts
        [sys.executable, "-X", "dev", "-W", "error", str(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


class TestDiscovery:
    """The examples folder is found, so a wrong path cannot make every test vanish."""

    def test_examples_exist(self):
        """The glob finds the scripts, one per middleware and the custom stack among them."""
        names = {path.name for path in EXAMPLES}
        assert {"custom_stack.py", "auth_allowlist.py", "envelope_errors.py"} <= names


class TestShape:
    """Every example is a standalone script: docstring, main() -> None and a __main__ guard."""

    @pytest.mark.parametrize("script", EXAMPLES, ids=_name)
    def test_is_a_standalone_script(self, script):
        """It says what it shows, defines main() -> None and calls it only when run."""
        tree = ast.parse(script.read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree)
        assert docstring, f"{script.name} has no module docstring"
        mains = [
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == "main" and not node.args.args
        ]
        assert mains, f"{script.name} defines no main()"
        returns = mains[0].returns
        assert isinstance(returns, ast.Constant), f"{script.name}: main() is not -> None"
        assert returns.value is None
        guards = [
            ast.unparse(node)
            for node in tree.body
            if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test)
        ]
        assert guards == ["if __name__ == '__main__':\n    main()"]


class TestRuns:
    """Every example runs on its own against its embedded fake server, fast and cleanly."""

    @pytest.mark.parametrize("script", EXAMPLES, ids=_name)
    def test_runs_and_prints(self, script):
        """It exits 0 within the timeout, prints what it shows, and raises no warning."""
        result = _run(script)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip(), f"{script.name} printed nothing"
        assert "Warning" not in result.stderr, result.stderr
