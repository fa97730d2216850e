"""Which operations of HeyGen's v3 spec have a typed method on `HeyGenClient`, as a table.

A method counts once it is tagged with ``@operation("METHOD /v3/...")``. The table is printed
by the coverage test and written into ``docs/spec.md`` between two markers;
``python -m heygen_pipeline.testing._spec_coverage --write docs/spec.md`` regenerates it
(``--check`` says whether the page is current; no option prints it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from heygen_pipeline.resources._base import Resource
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing._spec import ApiSpec, SpecOperation, load_spec

__all__ = [
    "BEGIN",
    "END",
    "ISSUE_FAMILIES",
    "Coverage",
    "compute_coverage",
    "coverage_markdown",
    "replace_table",
    "typed_methods",
]

ISSUE_FAMILIES: Final = (
    "videos",
    "avatars",
    "voices",
    "assets",
    "templates",
    "video-translations",
    "lipsyncs",
    "video-agents",
    "webhooks",
    "users",
    "ai-clipping",
    "background-removals",
    "audio",
    "brand-kits",
    "brand-glossaries",
)
"""The v3 families the client covers in full; the others are reachable via ``client.request``."""
BEGIN: Final = "<!-- spec-coverage:begin (generated: python -m heygen_pipeline.testing._spec_coverage --write docs/spec.md) -->"  # noqa: E501
END: Final = "<!-- spec-coverage:end -->"
_DEPTH: Final = 3


def _walk(obj: Any, prefix: str, depth: int) -> Iterator[tuple[str, Any]]:
    """``(dotted name, method)`` of every tagged method under a resource, sub-namespaces too."""
    for name in sorted(dir(type(obj))):
        if name.startswith("_"):
            continue
        member = getattr(type(obj), name, None)
        if isinstance(member, property):
            continue  # a property like ``client`` leads back up
        if operations_of(member):
            yield f"{prefix}.{name}", member
            continue
        value = getattr(obj, name, None)
        if depth > 0 and isinstance(value, Resource) and value is not obj:
            yield from _walk(value, f"{prefix}.{name}", depth - 1)


def typed_methods(client: Any, spec: str = "v3") -> dict[str, tuple[str, ...]]:
    """Operation key to the client methods tagged with it (``videos.create``)."""
    found: dict[str, list[str]] = {}
    for name in sorted(vars(client)):
        value = getattr(client, name)
        if not isinstance(value, Resource):
            continue
        for dotted, method in _walk(value, name, _DEPTH):
            for ref in operations_of(method):
                if ref.spec == spec:
                    found.setdefault(ref.key, []).append(dotted)
    return {key: tuple(dict.fromkeys(names)) for key, names in found.items()}


@attrs.frozen
class Coverage:
    """Typed methods per operation of one spec, and the tags that name no operation."""

    spec: ApiSpec
    typed: Mapping[str, tuple[str, ...]]

    @property
    def unknown(self) -> tuple[str, ...]:
        """Tagged keys that are not operations of the spec (typos, or a renamed path)."""
        return tuple(sorted(k for k in self.typed if self.spec.operation(k) is None))

    def families(self) -> dict[str, list[SpecOperation]]:
        """The spec's operations by family, issue families first, in spec order."""
        groups: dict[str, list[SpecOperation]] = {f: [] for f in ISSUE_FAMILIES}
        for op in self.spec.operations:
            groups.setdefault(op.family, []).append(op)
        return {f: ops for f, ops in groups.items() if ops}

    def covered(self) -> list[SpecOperation]:
        """Operations with at least one typed method."""
        return [op for op in self.spec.operations if op.key in self.typed]

    def missing(self, families: Sequence[str] = ISSUE_FAMILIES) -> list[SpecOperation]:
        """Operations of ``families`` with no typed method."""
        return [
            op for op in self.spec.operations if op.family in families and op.key not in self.typed
        ]


def compute_coverage(client: Any | None = None) -> Coverage:
    """The v3 coverage of ``client`` (a fresh offline `HeyGenClient` when None)."""
    if client is None:
        from heygen_pipeline.client import HeyGenClient  # noqa: PLC0415 - avoid an import cycle

        with HeyGenClient("coverage-only-key") as fresh:
            return Coverage(load_spec("v3"), typed_methods(fresh))
    return Coverage(load_spec("v3"), typed_methods(client))


def coverage_markdown(coverage: Coverage) -> str:
    """The coverage table as Markdown: a summary, then one table per family."""
    total, done = len(coverage.spec.operations), len(coverage.covered())
    lines = [f"**{done} of {total}** operations of the v3 spec have a typed method.", ""]
    for family, ops in coverage.families().items():
        typed = sum(op.key in coverage.typed for op in ops)
        scope = "" if family in ISSUE_FAMILIES else " (not in scope yet: use `client.request`)"
        lines += [f"#### {family}: {typed} of {len(ops)}{scope}", ""]
        lines += ["| operation | typed method |", "|---|---|"]
        for op in ops:
            methods = ", ".join(f"`client.{m}`" for m in coverage.typed.get(op.key, ()))
            lines.append(f"| `{op.key}` | {methods or 'not yet'} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def replace_table(page: str, table: str) -> str:
    """``page`` with the text between the markers replaced by ``table``."""
    head, sep, rest = page.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError("the page has no coverage markers")
    return f"{head}{BEGIN}\n\n{table}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table, or write/check it in a page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", type=Path, metavar="PAGE", help="regenerate PAGE's table")
    group.add_argument("--check", type=Path, metavar="PAGE", help="exit 1 if PAGE is stale")
    args = parser.parse_args(argv)
    table = coverage_markdown(compute_coverage())
    page_path: Path | None = args.write or args.check
    if page_path is None:
        sys.stdout.write(table)
        return 0
    page = page_path.read_text(encoding="utf-8")
    fresh = replace_table(page, table)
    if args.write:
        page_path.write_text(fresh, encoding="utf-8")
        return 0
    if fresh != page:
        sys.stderr.write(f"{page_path} is stale: run with --write {page_path}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
