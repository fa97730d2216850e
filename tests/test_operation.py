"""The operation decorator: tags, the model registry, and the coverage walk over resources."""

import pytest

from heygen_pipeline.resources import Resource, Voice, _operation
from heygen_pipeline.resources._operation import (
    OperationRef,
    operation,
    operations_of,
    registered_models,
)
from heygen_pipeline.testing._spec import load_spec
from heygen_pipeline.testing._spec_coverage import Coverage, typed_methods


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test, so its tags do not reach the contract tests."""
    monkeypatch.setattr(_operation, "_registry", {})


class TestOperation:
    """@operation tags a function and registers its model, at no cost per call."""

    def test_tag_and_unchanged_function(self, registry):
        """The same function comes back, carrying the reference."""

        def get(voice_id: str) -> str:
            return voice_id

        tagged = operation("GET /v3/voices/{voice_id}", model=Voice)(get)
        assert tagged is get
        assert get("v1") == "v1"
        ref = get.__heygen_operation__
        assert ref == OperationRef("v3", "GET", "/v3/voices/{voice_id}")
        assert ref.key == "GET /v3/voices/{voice_id}"
        assert ref.model is Voice
        assert registered_models("v3") == {"GET /v3/voices/{voice_id}": (Voice,)}
        assert registered_models("legacy") == {}

    def test_stacked_tags_are_all_kept(self, registry):
        """A method calling two operations is tagged twice; both are listed in order."""

        @operation("GET /v2/voices", spec="legacy")
        @operation("GET /v3/voices")
        def both() -> None: ...

        keys = [(r.spec, r.key) for r in operations_of(both)]
        assert keys == [("v3", "GET /v3/voices"), ("legacy", "GET /v2/voices")]
        assert both.__heygen_operation__.spec == "legacy"
        assert registered_models("v3") == {}  # no model given: nothing to read answers with

    def test_bound_methods_and_untagged(self, registry):
        """operations_of reads through bound methods; an untagged function has none."""

        class Thing:
            @operation("GET /v3/users/me")
            def me(self) -> None: ...

        assert operations_of(Thing().me)[0].key == "GET /v3/users/me"
        assert operations_of(len) == ()

    @pytest.mark.parametrize(
        ("key", "spec", "error"),
        [
            ("GET/v3/videos", "v3", ValueError),
            ("FETCH /v3/videos", "v3", ValueError),
            ("GET v3/videos", "v3", ValueError),
            ("GET /v3/videos x", "v3", ValueError),
            ("GET /v3/videos", "v2", ValueError),
            (42, "v3", TypeError),
        ],
    )
    def test_bad_keys_are_refused(self, registry, key, spec, error):
        """A key not shaped 'METHOD /template', or an unknown spec, is a clear error."""
        with pytest.raises(error):
            operation(key, spec=spec)

    def test_model_needs_from_api(self, registry):
        """A model without from_api is a TypeError."""
        with pytest.raises(TypeError, match="from_api"):
            operation("GET /v3/voices", model=dict)


class _Legacy(Resource):
    __slots__ = ()

    @operation("GET /v2/voices", spec="legacy")
    def voices(self) -> None: ...


class _Voices(Resource):
    __slots__ = ("legacy",)

    def __init__(self, client):
        super().__init__(client)
        self.legacy = _Legacy(client)

    @operation("GET /v3/voices")
    def list(self) -> None: ...

    @operation("GET /v3/voices/{voice_id}")
    @operation("DELETE /v3/voices/{voice_id}")
    def get_or_delete(self) -> None: ...

    @operation("GET /v3/not-an-operation")
    def wrong(self) -> None: ...

    def untagged(self) -> None: ...


class _Client:
    def __init__(self):
        self.voices = _Voices(self)
        self.name = "not a resource"


class TestCoverageWalk:
    """typed_methods finds tags on resources and their sub-namespaces."""

    def test_walks_resources_and_sub_namespaces(self, registry):
        """v3 tags of the resource; legacy ones under its sub-namespace; nothing else."""
        client = _Client()
        assert typed_methods(client) == {
            "GET /v3/voices": ("voices.list",),
            "GET /v3/voices/{voice_id}": ("voices.get_or_delete",),
            "DELETE /v3/voices/{voice_id}": ("voices.get_or_delete",),
            "GET /v3/not-an-operation": ("voices.wrong",),
        }
        assert typed_methods(client, "legacy") == {"GET /v2/voices": ("voices.legacy.voices",)}

    def test_unknown_tags_and_missing(self, registry):
        """A tag naming no operation is reported; the rest count as covered."""
        coverage = Coverage(load_spec("v3"), typed_methods(_Client()))
        assert coverage.unknown == ("GET /v3/not-an-operation",)
        covered = {op.key for op in coverage.covered()}
        assert covered == {
            "GET /v3/voices",
            "GET /v3/voices/{voice_id}",
            "DELETE /v3/voices/{voice_id}",
        }
        assert "GET /v3/voices" not in {op.key for op in coverage.missing()}
        assert "POST /v3/voices" in {op.key for op in coverage.missing(("voices",))}
