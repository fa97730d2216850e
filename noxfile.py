"""Automation for heygen_pipeline: `nox -l` lists the sessions, `nox -s NAME` runs one.

Every session runs with the Python interpreter that runs nox itself (3.11 on the project
machines; any 3.10+ works) in a virtual environment made with the standard `venv` module.
Arguments after `--` go to the tool a session runs, e.g. `nox -s tests -- -k backoff -x`.
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2024.4"
nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.error_on_external_run = True
nox.options.sessions = ["lint", "typecheck", "tests", "docs", "examples"]

PACKAGE = "heygen_pipeline"

# Kept in line with the `dev` extra in pyproject.toml.
RUFF = "ruff>=0.8"
MYPY = "mypy>=1.13"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite with branch coverage."""
    session.install("-e", ".[test]")
    session.run(
        "python",
        "-m",
        "pytest",
        f"--cov={PACKAGE}",
        "--cov-branch",
        "--cov-report=term-missing",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff (configured in pyproject.toml)."""
    session.install(RUFF)
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package, tests/typed_usage.py and examples/ with mypy --strict."""
    # The files to check and the strict settings live in [tool.mypy] in pyproject.toml.
    # The test extra is installed so that imports of pytest and hypothesis are typed too.
    session.install("-e", ".[test]", MYPY)
    session.run("mypy", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation with mkdocs in strict mode (warnings are errors)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session
def examples(session: nox.Session) -> None:
    """Run every example against the embedded fake HeyGen server."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "tests/test_examples.py", *session.posargs)


# Later sessions go below, in the same shape (install what it needs, run its tool, pass posargs):
#   bench     micro-benchmarks of stack assembly and per-call overhead
#   soak      long-running concurrency run against FakeHeyGen
#   security  dependency audit and static security checks
