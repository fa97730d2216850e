"""The import rule of docs/architecture.md: no room of the package reaches up.

Every module of ``heygen_pipeline`` is parsed with `ast` (nothing is imported), its imports of
``heygen_pipeline...`` are resolved (relative ones too, run-time and ``TYPE_CHECKING`` alike,
at module level or inside a function), and each must land in a room its own room may import.
A second rule keeps a subpackage's private modules its own: from outside ``middleware/``,
``resources/`` or ``shared/``, import what the subpackage's ``__init__`` exports.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "heygen_pipeline"


class Room(NamedTuple):
    """One layer: its number (lowest first), the modules in it, the rooms it may import."""

    number: int
    name: str
    modules: tuple[str, ...]  # fnmatch globs over dotted module names
    may_import: frozenset[str]  # room names; a room may always import itself


def _room(number: int, name: str, modules: tuple[str, ...], *below: str) -> Room:
    return Room(number, name, modules, frozenset({name, *below}))


# The table of docs/architecture.md. A module must match exactly one room.
ROOMS: tuple[Room, ...] = (
    _room(
        1,
        "core",
        (
            "heygen_pipeline._version",
            "heygen_pipeline._secrets",
            "heygen_pipeline._redact",
            "heygen_pipeline._http",
            "heygen_pipeline._checks",
            "heygen_pipeline._headers",
            "heygen_pipeline._urls",
            "heygen_pipeline._models",
            "heygen_pipeline._webhook_events",
            "heygen_pipeline._pybreaker",  # the one adapter of pybreaker's API and internals
            "heygen_pipeline._heygen",
            "heygen_pipeline._hosts",
            "heygen_pipeline._copying",
            "heygen_pipeline._library_logging",
            "heygen_pipeline.errors",
            "heygen_pipeline.typing",
        ),
    ),
    _room(2, "transport", ("heygen_pipeline._transport*",), "core"),
    _room(3, "middleware", ("heygen_pipeline.middleware", "heygen_pipeline.middleware.*"), "core"),
    _room(
        4, "assembly", ("heygen_pipeline._stack", "heygen_pipeline._defaults"), "core", "middleware"
    ),
    _room(
        5,
        "shared",
        ("heygen_pipeline.shared", "heygen_pipeline.shared.*"),
        "core",
        "middleware",
        "assembly",
    ),
    _room(6, "resources", ("heygen_pipeline.resources", "heygen_pipeline.resources.*"), "core"),
    _room(6, "webhooks", ("heygen_pipeline.webhooks",), "core"),
    _room(
        7,
        "client",
        ("heygen_pipeline.client", "heygen_pipeline._client_*", "heygen_pipeline._async_*"),
        "core",
        "transport",
        "middleware",
        "assembly",
        "resources",
    ),
    _room(
        8,
        "top",
        (
            "heygen_pipeline",
            "heygen_pipeline.__main__",
            "heygen_pipeline.cli",
            "heygen_pipeline._cli",
            "heygen_pipeline._cli.*",
            "heygen_pipeline.testing",
            "heygen_pipeline.testing.*",
        ),
        "core",
        "transport",
        "middleware",
        "assembly",
        "shared",
        "resources",
        "webhooks",
        "client",
    ),
)
ROOM_BY_NAME = {room.name: room for room in ROOMS}

# Subpackages whose ``_private`` modules only their own modules import, and the rooms exempt
# from that (the test kit builds internal values; the CLI is an application of the package).
SEALED = ("heygen_pipeline.middleware", "heygen_pipeline.resources", "heygen_pipeline.shared")
SEALED_OPEN_TO = frozenset({"top"})

# Inside middleware/: each middleware's modules may import their own and the shared helpers,
# never another middleware's (no layer runs another layer's policy). The face re-exports all.
MIDDLEWARE_FACE = "heygen_pipeline.middleware"
MIDDLEWARE_HELPERS = "helpers"
MIDDLEWARE_PARTS: tuple[tuple[str, str], ...] = (
    ("heygen_pipeline.middleware._auth", "auth"),
    ("heygen_pipeline.middleware._backoff*", "backoff"),
    ("heygen_pipeline.middleware._breaker*", "breaker"),
    ("heygen_pipeline.middleware._envelope", "envelope"),
    ("heygen_pipeline.middleware._logging", "logging"),
    ("heygen_pipeline.middleware._redirects", "redirects"),
    ("heygen_pipeline.middleware._context", MIDDLEWARE_HELPERS),
    ("heygen_pipeline.middleware._events", MIDDLEWARE_HELPERS),
    ("heygen_pipeline.middleware._retry_after", MIDDLEWARE_HELPERS),
)

# What the tree does today against the rules: (importer, imported). Remove an entry when the
# import goes; test_every_known_violation_still_occurs fails on entries that went stale.
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()
"""What the tree does against the rules: (importer, imported). Empty since the redesign; an
entry added here must say why, and goes stale (and fails) once the import is gone."""


class Import(NamedTuple):
    """One import of a package module: what it names, where, and whether only for type checkers."""

    target: str
    line: int
    type_checking: bool


class Violation(NamedTuple):
    """An import the rules refuse, with the sentence that says why."""

    importer: str
    target: str
    message: str

    @property
    def pair(self) -> tuple[str, str]:
        """The (importer, imported) pair `KNOWN_VIOLATIONS` lists."""
        return (self.importer, self.target)


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted name of a module file (a package's ``__init__.py`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(path, root): path for path in sorted((root / PACKAGE).rglob("*.py"))}


def room_of(module: str) -> Room | None:
    """The one room whose globs match ``module``; None when none does."""
    rooms = [room for room in ROOMS if any(fnmatch.fnmatchcase(module, g) for g in room.modules)]
    if len(rooms) > 1:
        names = ", ".join(room.name for room in rooms)
        raise AssertionError(f"{module} matches several rooms: {names}")
    return rooms[0] if rooms else None


def middleware_part(module: str) -> str | None:
    """Which middleware (or the helpers) a module of ``middleware/`` belongs to."""
    for pattern, part in MIDDLEWARE_PARTS:
        if fnmatch.fnmatchcase(module, pattern):
            return part
    return None


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


class _Collector(ast.NodeVisitor):
    """Collects the package imports of one module, resolving relative ones."""

    def __init__(self, module: str, is_package: bool, modules: frozenset[str]) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.modules = modules
        self.imports: list[Import] = []
        self.type_checking = False

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        outer, self.type_checking = self.type_checking, True
        for child in node.body:
            self.visit(child)
        self.type_checking = outer
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, base] if base else parts)
        for alias in node.names:
            # ``from pkg import name`` names the submodule pkg.name when there is one.
            sub = f"{base}.{alias.name}"
            self._add(sub if sub in self.modules else base, node.lineno)

    def _add(self, target: str, line: int) -> None:
        found = Import(target, line, self.type_checking)
        if (target == PACKAGE or target.startswith(PACKAGE + ".")) and found not in self.imports:
            self.imports.append(found)


def imports_of(
    module: str, source: str, modules: frozenset[str], *, is_package: bool = False
) -> list[Import]:
    """The ``heygen_pipeline`` imports of one module's source, anywhere in it."""
    collector = _Collector(module, is_package, modules)
    collector.visit(ast.parse(source))
    return collector.imports


def _nearest_module(target: str, modules: frozenset[str]) -> str:
    """``target``, or the longest package module it lies in (an import of a name in it)."""
    while target not in modules and "." in target:
        target = target.rpartition(".")[0]
    return target


def _sealed_by(module: str) -> str | None:
    """The sealed subpackage whose private module ``module`` is, if it is one."""
    for package in SEALED:
        rest = module.removeprefix(package + ".")
        if rest != module and any(part.startswith("_") for part in rest.split(".")):
            return package
    return None


def check_source(
    module: str, source: str, modules: frozenset[str], *, is_package: bool = False
) -> list[Violation]:
    """What the rules refuse in one module's source (``modules``: every module name known)."""
    room = room_of(module)
    if room is None:
        return [Violation(module, module, f"module {module} is in no room: add it to ROOMS")]
    found = []
    for imported in imports_of(module, source, modules, is_package=is_package):
        target = _nearest_module(imported.target, modules)
        where = f"line {imported.line}" + (
            ", under TYPE_CHECKING" if imported.type_checking else ""
        )
        message = _refusal(module, room, target)
        if message is not None:
            found.append(Violation(module, target, f"{message} ({where})"))
    return found


def _refusal(module: str, room: Room, target: str) -> str | None:
    """Why ``module`` (in ``room``) may not import ``target``; None when it may."""
    other = room_of(target)
    head = f"module {module} (room {room.number} {room.name}) imports {target}"
    if other is None:
        return f"{head}, which is in no room"
    if other.name not in room.may_import:
        side = "above it" if other.number > room.number else "not a room it may import"
        return f"{head} (room {other.number} {other.name}, {side})"
    if room.name == "middleware" and module != MIDDLEWARE_FACE:
        return _middleware_refusal(module, target, head)
    sealed = _sealed_by(target)
    if sealed is None or room.name in SEALED_OPEN_TO:
        return None
    if not module.startswith(sealed + ".") and module != sealed:
        return f"{head}, a private module of {sealed}: import what {sealed} exports"
    return None


def _middleware_refusal(module: str, target: str, head: str) -> str | None:
    """Why one module of ``middleware/`` may not import ``target``; None when it may."""
    own = middleware_part(module)
    if target == MIDDLEWARE_FACE:
        return f"{head}, the face of middleware/: import the module that defines the name"
    other = middleware_part(target)
    if own is None or other is None or other in {own, MIDDLEWARE_HELPERS}:
        return None  # core, the own middleware or a helper; unplaced modules fail in TestRooms
    if own == MIDDLEWARE_HELPERS:
        return f"{head}: a shared helper of middleware/ may not depend on the {other} middleware"
    return f"{head}: the {own} middleware may not use the {other} middleware's modules"


def check_tree(root: Path = ROOT) -> list[Violation]:
    """What the rules refuse across the whole package."""
    paths = package_modules(root)
    modules = frozenset(paths)
    found = []
    for module, path in paths.items():
        source = path.read_text(encoding="utf-8")
        found += check_source(module, source, modules, is_package=path.name == "__init__.py")
    return found


MODULES = frozenset(package_modules())


@functools.cache
def tree_violations() -> tuple[Violation, ...]:
    """`check_tree` of this checkout, read once per test run."""
    return tuple(check_tree())


def _listing(violations: list[Violation]) -> str:
    return "\n".join(sorted(v.message for v in violations))


class TestRooms:
    """The room table covers the package: every module in one room, every room in use."""

    def test_every_module_is_in_exactly_one_room(self):
        """A new module fails here until it is placed in a room (room_of raises on two)."""
        homeless = sorted(module for module in MODULES if room_of(module) is None)
        assert homeless == [], f"modules in no room (add them to ROOMS): {homeless}"

    def test_every_room_holds_a_module(self):
        """No room of the table is empty (a renamed folder would leave its rules unused)."""
        used = {room.name for module in MODULES if (room := room_of(module)) is not None}
        assert used == set(ROOM_BY_NAME)

    def test_every_middleware_module_has_a_part(self):
        """A new module of middleware/ fails here until MIDDLEWARE_PARTS says whose it is."""
        inside = [m for m in MODULES if m.startswith(MIDDLEWARE_FACE + ".")]
        unplaced = sorted(m for m in inside if middleware_part(m) is None)
        assert unplaced == [], f"add to MIDDLEWARE_PARTS: {unplaced}"

    def test_rooms_import_only_rooms_at_or_below_them(self):
        """The table itself never lets a room import a room with a higher number."""
        for room in ROOMS:
            above = [
                ROOM_BY_NAME[n] for n in room.may_import if ROOM_BY_NAME[n].number > room.number
            ]
            assert above == [], f"room {room.name} may import rooms above it: {above}"


class TestImportRule:
    """The package keeps the rule, apart from the violations still listed as known."""

    def test_no_room_reaches_up(self):
        """Every import the rules refuse is a known violation (the list only shrinks)."""
        new = [v for v in tree_violations() if v.pair not in KNOWN_VIOLATIONS]
        assert new == [], "imports the architecture refuses:\n" + _listing(new)

    def test_the_tree_walk_finds_a_bad_file(self, tmp_path):
        """`check_tree` reads every file of a package tree, ``__init__`` relative imports too."""
        package = tmp_path / PACKAGE
        (package / "middleware").mkdir(parents=True)
        (package / "__init__.py").write_text("from .client import HeyGenClient\n")
        (package / "client.py").write_text("from .middleware import ApiKeyAuth\n")
        (package / "middleware" / "__init__.py").write_text("from ._bad import ApiKeyAuth\n")
        (package / "middleware" / "_bad.py").write_text("from .. import client\n")
        found = [v.pair for v in check_tree(tmp_path)]
        assert found == [("heygen_pipeline.middleware._bad", "heygen_pipeline.client")]

    def test_every_known_violation_still_occurs(self):
        """A known violation that no longer occurs is removed from KNOWN_VIOLATIONS."""
        stale = KNOWN_VIOLATIONS - {v.pair for v in tree_violations()}
        assert stale == set(), f"no longer violated, remove from KNOWN_VIOLATIONS: {sorted(stale)}"


class TestChecker:
    """The checker catches what it claims to, on synthetic sources."""

    def check(self, module: str, source: str, *, is_package: bool = False) -> list[str]:
        """The messages `check_source` gives for one synthetic module."""
        return [v.message for v in check_source(module, source, MODULES, is_package=is_package)]

    def test_a_middleware_importing_the_client_is_caught(self):
        """An absolute import upwards is reported with both rooms and the line."""
        found = self.check(
            "heygen_pipeline.middleware._bad", "from heygen_pipeline.client import HeyGenClient\n"
        )
        expected = (
            "module heygen_pipeline.middleware._bad (room 3 middleware) imports "
            "heygen_pipeline.client (room 7 client, above it) (line 1)"
        )
        assert found == [expected]

    def test_relative_imports_are_resolved(self):
        """``from ..client import X`` in a middleware module is the same violation."""
        found = self.check("heygen_pipeline.middleware._bad", "from ..client import HeyGenClient\n")
        assert len(found) == 1
        assert "imports heygen_pipeline.client (room 7 client, above it)" in found[0]

    def test_relative_imports_in_a_package_init_are_resolved(self):
        """In an ``__init__``, one dot is the package itself."""
        found = self.check(
            "heygen_pipeline.resources", "from ._base import Resource\n", is_package=True
        )
        assert found == []
        found = self.check("heygen_pipeline.resources", "from .. import client\n", is_package=True)
        assert len(found) == 1
        assert "imports heygen_pipeline.client" in found[0]

    def test_type_checking_imports_are_caught_and_labelled(self):
        """An import only type checkers see reaches up all the same."""
        source = (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from heygen_pipeline.client import HeyGenClient\n"
        )
        found = self.check("heygen_pipeline.resources._bad", source)
        assert len(found) == 1
        assert found[0].endswith("(line 3, under TYPE_CHECKING)")

    def test_imports_inside_functions_are_caught(self):
        """A lazy import in a function body is a dependency too."""
        source = "def f():\n    import heygen_pipeline.shared\n    return heygen_pipeline\n"
        found = self.check("heygen_pipeline._transport_bad", source)
        assert len(found) == 1
        assert "(room 5 shared, above it) (line 2)" in found[0]

    def test_a_name_from_the_root_package_is_the_top_room(self):
        """``from heygen_pipeline import X`` is the package face unless X is a module."""
        assert self.check("heygen_pipeline._models", "from heygen_pipeline import errors\n") == []
        found = self.check("heygen_pipeline._models", "from heygen_pipeline import HeyGenClient\n")
        assert len(found) == 1
        assert "imports heygen_pipeline (room 8 top, above it)" in found[0]

    def test_a_sideways_room_is_refused(self):
        """Resources may not import middleware, though its number is lower."""
        found = self.check(
            "heygen_pipeline.resources._bad", "from heygen_pipeline import middleware\n"
        )
        assert len(found) == 1
        assert "(room 3 middleware, not a room it may import)" in found[0]

    def test_a_private_module_of_another_subpackage_is_refused(self):
        """From outside middleware/, its private modules are off limits; its face is not."""
        found = self.check(
            "heygen_pipeline.client", "from heygen_pipeline.middleware._auth import X\n"
        )
        assert len(found) == 1
        assert "a private module of heygen_pipeline.middleware" in found[0]
        assert (
            self.check("heygen_pipeline.client", "from heygen_pipeline.middleware import X\n") == []
        )
        inside = "from heygen_pipeline.middleware._retry_after import parse_retry_after\n"
        assert self.check("heygen_pipeline.middleware._auth", inside) == []

    def test_the_top_room_may_use_private_modules(self):
        """The test kit and the CLI sit on top and may reach a subpackage's private modules."""
        source = "from heygen_pipeline.middleware._context import Outcome\n"
        assert self.check("heygen_pipeline.testing._strategies_x", source) == []

    def test_a_middleware_using_another_middlewares_policy_is_refused(self):
        """Logging may read the shared helpers, never backoff's policy module."""
        source = "from heygen_pipeline.middleware._backoff_policy import decide\n"
        found = self.check("heygen_pipeline.middleware._logging", source)
        assert len(found) == 1
        assert "the logging middleware may not use the backoff middleware's modules" in found[0]
        helper = "from heygen_pipeline.middleware._context import ATTEMPT\n"
        assert self.check("heygen_pipeline.middleware._logging", helper) == []
        own = "from heygen_pipeline.middleware._backoff_policy import decide\n"
        assert self.check("heygen_pipeline.middleware._backoff", own) == []

    def test_a_middleware_helper_depending_on_a_middleware_is_refused(self):
        """The shared helpers sit under every middleware, so they import none of them."""
        source = "from heygen_pipeline.middleware._breaker import X\n"
        found = self.check("heygen_pipeline.middleware._retry_after", source)
        assert len(found) == 1
        assert "a shared helper of middleware/ may not depend on the breaker middleware" in found[0]

    def test_a_middleware_importing_the_middleware_face_is_refused(self):
        """Inside middleware/, names come from their defining module, not the package face."""
        found = self.check("heygen_pipeline.middleware._auth", "from . import ApiKeyAuth\n")
        assert len(found) == 1
        assert "the face of middleware/" in found[0]

    def test_allowed_and_foreign_imports_pass(self):
        """Imports downwards, of the own room, and of other distributions are not reported."""
        source = "import attrs\nimport pybreaker\nfrom heygen_pipeline._models import Request\n"
        assert self.check("heygen_pipeline.middleware._auth", source) == []

    def test_a_module_in_no_room_is_reported(self):
        """A module the table does not place cannot slip past the rule."""
        found = self.check("heygen_pipeline.stray", "")
        assert found == ["module heygen_pipeline.stray is in no room: add it to ROOMS"]

    @pytest.mark.parametrize("room", ROOMS[:-1], ids=lambda room: room.name)
    def test_every_room_below_the_top_refuses_the_package_root(self, room):
        """Each room but the top is caught importing the package root (the top room)."""
        module = next(m for m in sorted(MODULES) if room_of(m) == room)
        found = self.check(module, "import heygen_pipeline\n")
        assert len(found) == 1
        assert "(room 8 top, above it)" in found[0]
