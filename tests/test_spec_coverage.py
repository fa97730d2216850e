"""The v3 operations with a typed method, against the families the client must cover."""

from pathlib import Path
from typing import Final

import pytest

from heygen_pipeline import HeyGenClient
from heygen_pipeline.testing._spec import load_spec
from heygen_pipeline.testing._spec_coverage import (
    BEGIN,
    END,
    ISSUE_FAMILIES,
    compute_coverage,
    coverage_markdown,
    main,
    replace_table,
)

# Operations of the families the client covers in full that have no typed method yet. The
# change that types one removes its line here (a listed operation that is typed fails the
# test), then regenerates docs/spec.md:
#   python -m heygen_pipeline.testing._spec_coverage --write docs/spec.md
PAGE: Final = Path(__file__).resolve().parent.parent / "docs" / "spec.md"
EXPECTED_MISSING: Final = frozenset({})


@pytest.fixture(scope="module")
def coverage():
    """The coverage of a fresh offline client."""
    with HeyGenClient("coverage-test-key") as client:
        return compute_coverage(client)


class TestCoverage:
    """Typed methods per v3 operation: printed, and held to the expected-missing list."""

    def test_prints_the_table(self, coverage, capsys):
        """The table shows every v3 operation once (``pytest -s`` prints it)."""
        table = coverage_markdown(coverage)
        with capsys.disabled():
            print("\n" + table)  # noqa: T201 - the point of the test is to show it
        rows = [line for line in table.splitlines() if line.startswith("| `")]
        assert len(rows) == len(load_spec("v3").operations) == 85

    def test_issue_families_are_covered_or_expected_missing(self, coverage):
        """Every operation of the covered families is typed or listed as expected-missing."""
        missing = {op.key for op in coverage.missing()}
        assert missing == EXPECTED_MISSING, (
            f"typed but still listed: {sorted(EXPECTED_MISSING - missing)}; "
            f"missing and not listed: {sorted(missing - EXPECTED_MISSING)}"
        )

    def test_expected_missing_names_operations_of_the_families(self):
        """Each listed key is a v3 operation of one of the covered families."""
        spec = load_spec("v3")
        for key in EXPECTED_MISSING:
            op = spec.operation(key)
            assert op is not None, key
            assert op.family in ISSUE_FAMILIES, key

    def test_tags_name_real_operations(self, coverage):
        """No method is tagged with a key the v3 spec does not have."""
        assert coverage.unknown == ()


class TestPage:
    """docs/spec.md carries the current table."""

    def test_docs_table_is_current(self):
        """The page's table is what the coverage gives now (regenerate it if this fails)."""
        assert main(["--check", str(PAGE)]) == 0

    def test_write_regenerates_a_stale_page(self, tmp_path, capsys):
        """--check says a stale page is stale; --write makes it current; no option prints."""
        page = tmp_path / "spec.md"
        page.write_text(f"# Title\n\n{BEGIN}\nold table\n{END}\n\nafter\n", encoding="utf-8")
        assert main(["--check", str(page)]) == 1
        assert "stale" in capsys.readouterr().err
        assert main(["--write", str(page)]) == 0
        assert main(["--check", str(page)]) == 0
        text = page.read_text(encoding="utf-8")
        assert text.startswith("# Title")
        assert text.endswith("after\n")
        assert "old table" not in text
        assert main([]) == 0
        assert "operations of the v3 spec" in capsys.readouterr().out

    def test_replace_table_needs_markers(self):
        """A page without the markers is refused, not silently left alone."""
        with pytest.raises(ValueError, match="markers"):
            replace_table("no markers here", "| x |")
