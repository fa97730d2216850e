"""Automation for heygen_pipeline: `nox -l` lists the sessions, `nox -s NAME` runs one.

Every session runs with the Python interpreter that runs nox itself (3.11 on the project
machines; any 3.10+ works) in a virtual environment made with the standard `venv` module.
Arguments after `--` go to the tool a session runs, e.g. `nox -s tests -- -k backoff -x`.
"""

from __future__ import annotations

import json

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
        "--cov-fail-under=95",
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


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark against raw urllib3, requests and httpx; rewrite docs/performance.md.

    Uses nginx when it is installed (`apt-get install -y nginx`), else a Python server.
    `nox -s bench -- --quick` is a smoke run of a few seconds that writes nothing.
    """
    session.install("-e", ".[test]", "requests", "httpx", "orjson")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """Soak under injected faults (5 minutes, 8 threads) and print a summary table.

    `nox -s soak -- --duration 60` runs a shorter one; `-- --write-docs` puts the table in
    docs/reliability.md. Exits non-zero if a call was lost, a POST applied twice, the key
    leaked or memory, threads or descriptors grew (tests/test_soak.py runs a 20 s one).
    """
    session.install("-e", ".[test]")
    session.run("python", "tests/soak/run_soak.py", *session.posargs)


@nox.session
def security(session: nox.Session) -> None:
    """Static security checks (bandit) and a dependency audit (pip-audit); both must be clean.

    Every finding that stays is explained in docs/security.md and excluded precisely, with a
    comment, where it is (a `# nosec` on the line, or an `--ignore-vuln` below).
    """
    session.install("-e", ".[redis]", "bandit>=1.7.9", "pip-audit>=2.7")
    report = session.run(
        "bandit", "--recursive", "--quiet", "--format", "json", PACKAGE,
        silent=True, success_codes=[0, 1],
    )  # fmt: skip
    findings = json.loads(str(report))["results"]
    for f in findings:
        session.log(f"bandit {f['test_id']} {f['filename']}:{f['line_number']} {f['issue_text']}")
    unexplained = [f for f in findings if (f["filename"], f["test_id"]) not in BANDIT_EXPLAINED]
    if unexplained:
        session.error(f"{len(unexplained)} bandit findings not explained in docs/security.md")
    # The environment audited is this session's: the package, its dependencies (redis extra
    # included) and the two tools. Editable installs (this package) are not on PyPI: skipped.
    # --strict: a dependency that could not be looked up fails the audit instead of passing.
    session.run("pip-audit", "--local", "--skip-editable", "--strict", "--progress-spinner=off")


BANDIT_EXPLAINED = {
    # The test kit starts a local redis-server for the tests: a fixed program and arguments
    # built by the kit itself, never a shell, never caller input (docs/security.md).
    ("heygen_pipeline/testing/_redis_server.py", "B404"),
    ("heygen_pipeline/testing/_redis_server.py", "B603"),
    # A type-narrowing assert in a hypothesis strategy of the test kit; never in a request path.
    ("heygen_pipeline/testing/_strategies_logging.py", "B101"),
}
"""Bandit findings accepted, by (file, test): each is explained in docs/security.md."""


PYBREAKER_RANGE = ("1.4.0", "1.4.1")
"""The lowest and highest pybreaker releases the `pybreaker>=1.4,<1.5` range admits today."""


@nox.session
@nox.parametrize("version", PYBREAKER_RANGE)
def pybreaker(session: nox.Session, version: str) -> None:
    """The breaker and shared-state tests on each end of the supported pybreaker range."""
    session.install("-e", ".[test]", f"pybreaker=={version}")
    session.run(
        "python", "-m", "pytest", "-p", "no:cacheprovider",
        "tests/test_breaker.py", "tests/test_shared_breaker.py", "tests/test_shared_cooldown.py",
        *session.posargs,
    )  # fmt: skip


# Later sessions go below, in the same shape (install what it needs, run its tool, pass posargs).
