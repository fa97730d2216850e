import ast
import html
import os
import re
import sys
import textwrap
import threading
import types
from pathlib import Path
from typing import NamedTuple

import pytest
import structlog

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("**/*.md")])
SKIP = re.compile(r"# not run: (?P<reason>\S.*)")
_OPEN = re.compile(r"(?P<indent>[ \t]*)```python[ \t]*")
_FAKE_THREAD = "fake-heygen-"


class Block(NamedTuple):
    """One ```python block: where it starts (1-based line of its first code line) and its code."""

    line: int
    source: str

    @property
    def skip_reason(self) -> str | None:
        """The reason of a first line that reads exactly ``# not run: <reason>``, else None."""
        first = self.source.split("\n", 1)[0]
        match = SKIP.fullmatch(first.rstrip())
        return match["reason"] if match else None


def extract_blocks(text: str) -> list[Block]:
    """Every ```python block of a Markdown text, dedented, in order."""
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opened = _OPEN.fullmatch(lines[index])
        index += 1
        if opened is None:
            continue
        start, indent, body = index, opened["indent"], []
        while index < len(lines) and lines[index].strip() != "```":
            body.append(lines[index])
            index += 1
        if index == len(lines):
            raise ValueError(f"the ```python block at line {start} is never closed")
        if indent and not lines[index].startswith(indent):
            raise ValueError(f"the ```python block at line {start} closes at another indent")
        index += 1
        blocks.append(Block(start + 1, textwrap.dedent("\n".join(body)) + "\n"))
    return blocks


def run_blocks(blocks: list[Block], filename: str, module_name: str) -> int:
    """Run the blocks in order in one module namespace; return how many ran.

    Each block is compiled with its page as the file name and its own line numbers, so a
    failure's traceback points at the line of the page that failed.
    """
    module = types.ModuleType(module_name)
    module.__file__ = filename
    sys.modules[module_name] = module  # attrs, dataclasses and pickle look classes up here
    ran = 0
    try:
        for block in blocks:
            if block.skip_reason is not None:
                continue
            padded = "\n" * (block.line - 1) + block.source
            code = compile(padded, filename, "exec")
            exec(code, module.__dict__)  # noqa: S102 - running the docs' own examples is the test
            ran += 1
    finally:
        del sys.modules[module_name]
    return ran


def _page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


PAGES_WITH_CODE = [page for page in PAGES if extract_blocks(page.read_text(encoding="utf-8"))]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Run a page in an empty folder, without a real key, restoring env and structlog after."""
    monkeypatch.chdir(tmp_path)
    saved_env = dict(os.environ)
    os.environ.pop("HEYGEN_API_KEY", None)
    saved_structlog = structlog.get_config()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        structlog.reset_defaults()
        structlog.configure(**saved_structlog)


class TestExtraction:
    """The extractor finds exactly the python blocks, with their lines and skip markers."""

    PAGE = textwrap.dedent(
        """\
        # Title

        ```python
        x = 1
        ```

        ```bash
        echo not python
        ```

        - a list item:

            ```python
            y = x + 1
            ```

        ```python
        # not run: needs a real HeyGen API key
        raise SystemExit
        ```
        """
    )

    def test_finds_python_blocks_only(self):
        """Bash blocks are ignored; python blocks come in page order with their code."""
        blocks = extract_blocks(self.PAGE)
        assert [b.source for b in blocks] == [
            "x = 1\n",
            "y = x + 1\n",
            "# not run: needs a real HeyGen API key\nraise SystemExit\n",
        ]

    def test_line_numbers_point_at_the_first_code_line(self):
        """Each block's line is the page line of its first line of code."""
        blocks = extract_blocks(self.PAGE)
        lines = self.PAGE.splitlines()
        for block in blocks:
            first = block.source.split("\n", 1)[0]
            assert lines[block.line - 1].strip() == first

    def test_skip_marker_needs_exact_form_and_reason(self):
        """Only a first line reading exactly '# not run: <reason>' skips a block."""
        assert Block(1, "# not run: needs a key\nx\n").skip_reason == "needs a key"
        assert Block(1, "# not run:\nx\n").skip_reason is None
        assert Block(1, "x = 1  # not run: no\n").skip_reason is None
        assert Block(1, "x = 1\n# not run: too late\n").skip_reason is None

    def test_unclosed_block_is_an_error(self):
        """A block that never closes fails loudly instead of swallowing the page."""
        with pytest.raises(ValueError, match="never closed"):
            extract_blocks("```python\nx = 1\n")


class TestRunner:
    """Blocks share one namespace per page, skip markers are honoured, failures surface."""

    def test_later_blocks_see_earlier_names(self):
        """A name defined in one block is usable in the next; the skipped block never runs."""
        blocks = extract_blocks(TestExtraction.PAGE)
        assert run_blocks(blocks, "page.md", "docs_runner_test") == 2

    def test_failure_points_at_the_page_line(self):
        """An exception's traceback names the page and the line of the block that raised."""
        page = "Intro\n\n```python\nok = True\nassert not ok, 'boom'\n```\n"
        with pytest.raises(AssertionError, match="boom") as info:
            run_blocks(extract_blocks(page), "broken.md", "docs_runner_fail")
        frame = info.traceback[-1]
        assert (str(frame.path), frame.lineno + 1) == ("broken.md", 5)

    def test_pages_are_found(self):
        """Discovery sees the README and the docs pages (a wrong path would test nothing)."""
        found = {_page_id(p) for p in PAGES_WITH_CODE}
        assert {"README.md", "docs/index.md", "docs/pipeline.md"} <= found


class TestPages:
    """Every python block of README.md and docs/**/*.md runs, in page order, with no key."""

    @pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=_page_id)
    def test_page_blocks_run(self, page, isolated):
        """The page's blocks run in one namespace against the fake server, leaving no server up."""
        blocks = extract_blocks(page.read_text(encoding="utf-8"))
        name = "docs_" + re.sub(r"\W", "_", _page_id(page))
        run_blocks(blocks, _page_id(page), name)
        alive = [t.name for t in threading.enumerate() if t.name.startswith(_FAKE_THREAD)]
        assert not alive, f"{_page_id(page)} left a FakeHeyGen running: {alive}"


_REMOTE_ASSET = re.compile(
    r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?P<url>(?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)


def remote_assets(html: str) -> list[str]:
    """The URLs of every script or stylesheet a page loads from another host."""
    return [match["url"] for match in _REMOTE_ASSET.finditer(html)]


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """The site as ``mkdocs build --strict`` makes it, in a temporary folder (about 10 s)."""
    pytest.importorskip("mkdocs")
    import subprocess  # noqa: PLC0415 - only this fixture runs a build

    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr[-4000:]
    return site


class TestSite:
    """The built site works offline and documents one module per reference page."""

    def test_finder_sees_remote_scripts_and_styles(self):
        """The scan catches the forms a CDN include takes, and leaves local ones alone."""
        html = (
            '<script src="https://cdn.example/x.js"></script>'
            "<link rel=stylesheet href=//cdn.example/y.css>"
            '<script src="js/local.js"></script><a href="https://example.com">a link</a>'
        )
        assert remote_assets(html) == ["https://cdn.example/x.js", "//cdn.example/y.css"]

    def test_no_page_loads_a_script_or_stylesheet_from_the_network(self, built_site):
        """Every script and stylesheet is served by the site itself: it works offline."""
        pages = sorted(built_site.glob("**/*.html"))
        assert len(pages) > 20
        remote = {
            page.relative_to(built_site).as_posix(): found
            for page in pages
            if (found := remote_assets(page.read_text(encoding="utf-8")))
        }
        assert remote == {}

    def test_code_is_highlighted_at_build_time(self, built_site):
        """Code blocks carry Pygments' classes, styled by a local stylesheet."""
        html = (built_site / "testing" / "index.html").read_text(encoding="utf-8")
        assert '<div class="highlight">' in html
        assert '<span class="kn">' in html
        assert 'href="../css/pygments.css"' in html
        assert 'href="../css/extra.css"' in html

    def test_each_public_module_has_its_reference_page(self, built_site):
        """One page per public module, each holding that module's anchor."""
        modules = ["heygen_pipeline", "typing", "errors", "middleware", "resources", "shared"]
        modules += ["webhooks", "testing", "strategies"]
        for name in modules:
            html = (built_site / "reference" / name / "index.html").read_text(encoding="utf-8")
            dotted = "heygen_pipeline" if name == "heygen_pipeline" else f"heygen_pipeline.{name}"
            dotted = dotted.replace(".strategies", ".testing.strategies")
            assert f'id="{dotted}"' in html, name

    def test_constructor_parameters_are_shown(self, built_site):
        """The client's reference shows the parameters of its constructor."""
        page = built_site / "reference" / "heygen_pipeline" / "index.html"
        html = page.read_text(encoding="utf-8")
        for parameter in ("write_timeout", "job_slots", "slot_timeout"):
            assert parameter in html, parameter

    def test_attrs_constructors_are_shown(self, built_site):
        """An attrs class's generated __init__ is rendered as its signature (docs/ext)."""
        page = built_site / "reference" / "middleware" / "index.html"
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        for parameter in ("sleep: Sleep = time.sleep", "body_limit: int = 1000", "fail_max:"):
            assert parameter in html.unescape(text), parameter


CONTINUES = "# continues the block above"
STANDALONE_PAGES = ["docs/testing.md", "docs/guides/logging.md", "docs/guides/from-requests.md"]


def standalone_snippets(blocks: list[Block]) -> list[list[Block]]:
    """The blocks grouped as a reader pastes them: each with the blocks it says it continues."""
    groups: list[list[Block]] = []
    for block in blocks:
        if block.source.startswith(CONTINUES) and groups:
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


class TestStandalone:
    """Pages whose examples promise to run pasted alone: each runs in a fresh namespace."""

    def test_groups_follow_the_continuation_marker(self):
        """A block marked as continuing joins the one before; the others stand alone."""
        blocks = [Block(1, "a\n"), Block(5, f"{CONTINUES}\nb\n"), Block(9, "c\n")]
        assert standalone_snippets(blocks) == [blocks[:2], blocks[2:]]

    @pytest.mark.parametrize("page", STANDALONE_PAGES)
    def test_each_example_runs_alone(self, page, isolated):
        """Every example (with the blocks it continues) runs in a namespace of its own."""
        blocks = extract_blocks((ROOT / page).read_text(encoding="utf-8"))
        stem = re.sub(r"\W", "_", page)
        for number, group in enumerate(standalone_snippets(blocks)):
            name = f"docs_alone_{stem}_{number}"
            run_blocks(group, page, name)


_LITERAL_BLOCK = re.compile(r"::[ \t]*$", re.MULTILINE)
# Literal blocks in docstrings this branch may not edit (others change those files); each is
# listed until converted, so the list only shrinks. Entries: "<file>:<qualified name>".
LITERAL_BLOCKS_TO_CONVERT = {
    "heygen_pipeline/_models.py:ExtensionKey",
    "heygen_pipeline/middleware/_logging.py:RedactSecrets",
    "heygen_pipeline/middleware/_logging.py:RedactSecrets.logging_filter",
    "heygen_pipeline/shared/_cooldown.py:SharedCooldown",
}


def literal_block_docstrings(source: str) -> list[str]:
    """The qualified names of the module, classes and functions whose docstring has ``::``."""
    found = []
    pending: list[tuple[str, ast.AST]] = [("", ast.parse(source))]
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    while pending:
        prefix, node = pending.pop()
        if isinstance(node, documented):
            docstring = ast.get_docstring(node, clean=False)
            if docstring is not None and _LITERAL_BLOCK.search(docstring):
                found.append(prefix or "<module>")
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, documented) and not isinstance(child, ast.Module):
                name = f"{prefix}.{child.name}" if prefix else child.name
            pending.append((name, child))
    return sorted(found)


class TestDocstringMarkup:
    """Docstrings use Markdown code fences: a reST ``Example::`` block renders as plain text."""

    def test_finder_sees_literal_blocks_at_every_level(self):
        """A ``::`` ending a docstring line is found in modules, classes and methods alike."""
        source = textwrap.dedent(
            '''\
            """Module. Example::"""
            class A:
                """Fine: ``a::b`` in the middle of a line."""
                def f(self):
                    """Run it::

                        f()
                    """
            async def g():
                """Example:
                    ```python
                    await g()
                    ```
                """
            '''
        )
        assert literal_block_docstrings(source) == ["<module>", "A.f"]

    def test_no_docstring_uses_a_literal_block(self):
        """Every docstring of the package shows code in fences, except those listed to convert."""
        found = {
            f"{path.relative_to(ROOT).as_posix()}:{name}"
            for path in sorted((ROOT / "heygen_pipeline").glob("**/*.py"))
            for name in literal_block_docstrings(path.read_text(encoding="utf-8"))
        }
        assert found == LITERAL_BLOCKS_TO_CONVERT


class TestResourcesReferencePages:
    """The resources reference is split per area, each public name on exactly one page."""

    PAGES = ROOT / "docs" / "reference" / "resources"

    def _documented(self) -> list[str]:
        names = []
        for page in sorted(self.PAGES.glob("*.md")):
            text = page.read_text(encoding="utf-8")
            block = r"^::: heygen_pipeline\.resources\.(\w+)$"
            names += re.findall(block, text, flags=re.MULTILINE)
        return names

    def test_every_public_name_on_exactly_one_page(self):
        """The pages' ``:::`` blocks name each of ``resources.__all__`` once, and nothing else."""
        from heygen_pipeline import resources  # noqa: PLC0415 - only here

        names = self._documented()
        twice = sorted({name for name in names if names.count(name) > 1})
        assert twice == []
        assert sorted(names) == sorted(resources.__all__)

    def test_every_page_is_in_the_nav(self):
        """mkdocs.yml lists each area page (strict builds warn, this names the page)."""
        nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
        for page in self.PAGES.glob("*.md"):
            assert f"reference/resources/{page.name}" in nav, page.name

    def test_built_pages_stay_small(self, built_site):
        """No area page grows back into the single 600 KB page it replaced."""
        built = sorted((built_site / "reference" / "resources").glob("*/index.html"))
        assert len(built) == len(list(self.PAGES.glob("*.md")))
        for page in built:
            assert page.stat().st_size < 250_000, page


class TestAttrsDefaults:
    """An attrs constructor's long default reads as its constant's name, never as ``...``."""

    def test_no_default_is_elided(self, built_site):
        """No parameter of any reference page shows ``= ...``; named constants show instead."""
        pages = sorted((built_site / "reference").rglob("index.html"))
        elided = []
        for page in pages:
            text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
            elided += [f"{page.parent.name}: {line.strip()}" for line in text.splitlines()
                       if re.search(r"\w: .+ = \.\.\.,?$", line)]  # fmt: skip
        assert elided == []
        middleware = built_site / "reference" / "middleware" / "index.html"
        text = re.sub(r"<[^>]+>", "", middleware.read_text(encoding="utf-8"))
        assert "idempotent_methods: Iterable[str] = DEFAULT_IDEMPOTENT_METHODS" in text
