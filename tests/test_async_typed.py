"""The typed async API: generated from the sync resources, and in step with them."""

import inspect
import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

from heygen_pipeline import AsyncHeyGenClient, HeyGenClient, _async_gen
from heygen_pipeline._async_resources import AsyncRawResponses, AsyncResource, wrap

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "heygen_pipeline"
EXTRA_WAIT = ("sleep", "random")
"""The keyword arguments every async ``wait*`` adds: the loop's sleep and the jitter."""


def _async_class(name: str) -> type[AsyncResource]:
    for module in _async_gen.MODULES:
        found = getattr(
            __import__(f"heygen_pipeline.{module}", fromlist=["_"]), f"Async{name}", None
        )
        if found is not None:
            return found
    raise LookupError(name)


def _shape(signature: inspect.Signature) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


class TestGeneratedModules:
    """The committed _async_api_* modules are what the generator writes from today's sync code."""

    def test_regenerating_changes_nothing(self):
        """A sync change without `python -m heygen_pipeline._async_gen` fails here."""
        texts = _async_gen.generate()
        assert set(texts) == set(_async_gen.MODULES)
        for module, text in texts.items():
            committed = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
            assert committed == text, (
                f"{module}.py is stale: run python -m heygen_pipeline._async_gen"
            )

    def test_every_resource_class_is_mirrored(self):
        """Each resource of the client (and sub-resource) has a generated async class."""
        mirrored = {name for names in _async_gen.MODULES.values() for name in names}
        assert set(_async_gen.resource_types()) == mirrored
        assert "AvatarLooks" in mirrored


class TestSignatures:
    """Every public sync method has an async twin taking the same parameters."""

    @pytest.mark.parametrize("name", sorted(_async_gen.resource_types()))
    def test_same_parameters(self, name):
        """Names, kinds and defaults match; a job helper's wait* adds sleep= and random=."""
        sync = _async_gen.resource_types()[name]
        view = _async_class(name)
        methods = _async_gen.public_methods(sync)
        assert methods
        for method in methods:
            expected = _shape(inspect.signature(getattr(sync, method)))
            got = _shape(inspect.signature(getattr(view, method)))
            if method.startswith("wait") and [n for n, *_ in got[-2:]] == list(EXTRA_WAIT):
                got = got[:-2]
            assert got == expected, f"{name}.{method}"

    def test_coroutines_and_async_iterators(self):
        """A plain method is a coroutine function; a paged list is not (it gives an iterator)."""
        view = _async_class("Videos")
        assert inspect.iscoroutinefunction(view.get)
        assert inspect.iscoroutinefunction(view.wait)
        assert not inspect.iscoroutinefunction(view.list)
        assert inspect.signature(view.list).return_annotation == "AsyncIterator[Video]"


class TestClientConstructor:
    """AsyncHeyGenClient takes HeyGenClient's parameters, plus max_workers, with no Any."""

    def test_same_parameters_as_the_sync_client(self):
        """A new HeyGenClient knob not added to the async client fails here."""
        sync = inspect.signature(HeyGenClient.__init__).parameters
        mine = dict(inspect.signature(AsyncHeyGenClient.__init__).parameters)
        assert mine.pop("max_workers").kind is inspect.Parameter.KEYWORD_ONLY
        assert [(p.name, p.kind, p.default, p.annotation) for p in mine.values()] == [
            (p.name, p.kind, p.default, p.annotation) for p in sync.values()
        ]

    def test_every_resource_is_declared_with_its_async_type(self):
        """Each resource annotation of HeyGenClient has an Async<Class> twin on the async client."""
        sync = inspect.get_annotations(HeyGenClient)
        mine = inspect.get_annotations(AsyncHeyGenClient)
        resources = {n: t for n, t in sync.items() if t in _async_gen.resource_types()}
        assert len(resources) == 15
        assert {n: mine[n] for n in resources} == {n: f"Async{t}" for n, t in resources.items()}
        assert not hasattr(AsyncHeyGenClient, "__getattr__")

    def test_unknown_helpers_get_the_dynamic_view(self):
        """`wrap` gives the registered class, and the dynamic one for a raw-response view."""
        with HeyGenClient("wrap-test-key") as client:
            assert type(wrap(client.avatars.looks, None)).__name__ == "AsyncAvatarLooks"
            raw = wrap(client.videos.with_raw_response, None)
        assert isinstance(raw, AsyncRawResponses)


class TestMypyRejectsMistakes:
    """mypy --strict sees the async API's types: a wrong call is an error, a right one is not."""

    def _check(self, tmp_path, body: str) -> tuple[str, int]:
        code = "from heygen_pipeline import AsyncHeyGenClient\n\n\n" + textwrap.dedent(body)
        path = tmp_path / "snippet.py"
        path.write_text(code, encoding="utf-8")
        out, err, status = mypy_api.run(
            ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(path)]
        )
        return out + err, status

    def test_wrong_types_fail(self, tmp_path):
        """An int video id, a str page size, a misspelt keyword and a missing await fail."""
        out, status = self._check(
            tmp_path,
            """
            async def use(client: AsyncHeyGenClient) -> None:
                await client.videos.get(12)
                client.avatars.list(page_size="50")
                await client.voices.get("v", colour="red")
                title: str = client.videos.get("v").title
                await AsyncHeyGenClient(max_workers="8").aclose()
            """,
        )
        assert status == 1
        assert out.count("error:") == 5, out
        assert 'Argument 1 to "get" of "AsyncVideos" has incompatible type "int"' in out

    def test_right_types_pass(self, tmp_path):
        """The same calls, typed right, pass: the check above fails for its mistakes only."""
        out, status = self._check(
            tmp_path,
            """
            async def use(client: AsyncHeyGenClient) -> None:
                title: str | None = (await client.videos.get("v")).title
                async for look in client.avatars.list(page_size=50):
                    name: str | None = look.name
                await client.voices.get("v")
                await AsyncHeyGenClient(max_workers=8).aclose()
            """,
        )
        assert status == 0, out
