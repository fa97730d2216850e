"""Result models against HeyGen's spec: its examples, and any answer its schemas allow.

The models come from the ``operation(..., model=...)`` registry (resource methods tagged with
the operation they call and the model reading its answer), plus `BASELINE`: the models
today's methods return for operations not yet tagged with ``model=``.
"""

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Final

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from heygen_pipeline import HeyGenError
from heygen_pipeline.resources import (
    Asset,
    Template,
    Translation,
    Voice,
    WebhookEndpoint,
)
from heygen_pipeline.resources._operation import registered_models
from heygen_pipeline.testing import load_spec
from heygen_pipeline.testing._spec_contract import lost_fields, model_inputs
from heygen_pipeline.testing._strategies_spec import shaped, values_of

# Operations whose methods are not yet tagged with model=, and the model their answer is read
# with today. A method tagged with model= takes over its operation (remove its line here).
BASELINE: Final[dict[tuple[str, str], tuple[type[Any], ...]]] = {
    ("legacy", "GET /v2/templates"): (Template,),
    ("legacy", "GET /v1/webhook/endpoint.list"): (WebhookEndpoint,),
    ("legacy", "POST /v1/webhook/endpoint.add"): (WebhookEndpoint,),
    ("legacy", "POST /v1/asset"): (Asset,),
    ("v3", "GET /v3/video-translations/{video_translation_id}"): (Translation,),
}


def _models() -> dict[tuple[str, str], tuple[type[Any], ...]]:
    found = dict(BASELINE)
    for spec in ("v3", "legacy"):
        for key, models in registered_models(spec).items():
            found[(spec, key)] = models
    return found


MODELS = _models()
EXAMPLES = [
    pytest.param(spec, example, model, id=f"{spec}:{example.operation.key}:{model.__name__}")
    for spec in ("v3", "legacy")
    for example in load_spec(spec).examples()
    if example.status < 300
    for model in MODELS.get((spec, example.operation.key), ())
]
SCHEMAS = [
    pytest.param(spec, key, model, id=f"{spec}:{key}:{model.__name__}")
    for (spec, key), models in MODELS.items()
    for model in models
    if load_spec(spec).operation(key) is not None
    and load_spec(spec).response_schema(*key.split(" ", 1), 200) is not None
]


def _parse(model, item):
    """``model.from_api(item)``, or None when the library refused it with a typed error."""
    try:
        return model.from_api(item)
    except HeyGenError as error:
        refusal = error
    assert str(refusal).strip(), "a refusal says why"
    return None


class TestRegistry:
    """The models under test name real operations and really read answers."""

    def test_every_model_names_an_operation(self):
        """Each (spec, key) of the registry and the baseline is an operation of that spec."""
        for spec, key in MODELS:
            assert load_spec(spec).operation(key) is not None, (spec, key)

    def test_examples_and_schemas_are_many(self):
        """The two checks below run on many examples and schemas, not a handful."""
        assert len(EXAMPLES) >= 10
        assert len(SCHEMAS) >= 5


class TestExamples:
    """Every example answer in both specs, parsed by its operation's models."""

    @pytest.mark.parametrize(("spec", "example", "model"), EXAMPLES)
    def test_example_parses_without_loss(self, spec, example, model):
        """Each object of the example builds the model, which keeps every field it names."""
        items = model_inputs(example.body)
        assert items, example.body
        for item in items:
            built = model.from_api(item)
            assert lost_fields(built, item) == [], item


class TestLostFields:
    """The comparison finds what a model drops or changes."""

    def test_a_changed_or_dropped_field_is_found(self):
        """A voice whose name differs, or whose raw misses a key, is reported."""
        item = {"voice_id": "v1", "name": "Ana", "support_pause": True, "extra": 1}
        voice = Voice.from_api(item)
        assert lost_fields(voice, item) == []
        assert lost_fields(voice, {**item, "name": "Bob"}) == ["name", "raw"]
        assert lost_fields(Voice.from_api({"voice_id": "v1"}), item) == [
            "name",
            "support_pause",
            "raw",
        ]

    def test_each_kind_of_value_is_compared(self):
        """Times (ISO or epoch), numbers, lists, mappings and nested models; bools are not times."""

        @attrs.frozen(kw_only=True)
        class Inner:
            code: str | None = None

        @attrs.frozen(kw_only=True)
        class Outer:
            at: datetime | None = None
            seconds: float | None = None
            tags: tuple[str, ...] = ()
            extra: Mapping[str, Any] = attrs.field(factory=dict)
            inner: Inner | None = None

        when = datetime(2024, 7, 1, 15, 20, tzinfo=timezone.utc)
        model = Outer(at=when, seconds=3.0, tags=("a",), extra={"k": 1}, inner=Inner(code="x"))
        good = {"seconds": 3, "tags": ["a"], "extra": {"k": 1}, "inner": {"code": "x"}}
        assert lost_fields(model, {**good, "at": "2024-07-01T15:20:00Z"}) == []
        assert lost_fields(model, {**good, "at": when.timestamp()}) == []
        late = Outer(at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc))
        assert lost_fields(late, {"at": 253_402_300_799}) == []  # seconds up to year 9999
        ms = Outer(at=datetime(2248, 9, 26, 15, 10, 22, 209000, tzinfo=timezone.utc))
        assert lost_fields(ms, {"at": 8_796_093_022_209}) == []  # past it: milliseconds
        assert lost_fields(ms, {"at": 1_000_000}) == ["at"]
        assert lost_fields(Outer(), {"at": 10**22}) == []  # no date even in ms: kept in raw
        assert lost_fields(Outer(tags=("a",)), {"tags": ["a", " ", ""]}) == []  # blank items
        assert lost_fields(Outer(), {"tags": ["", "\t"]}) == []
        assert lost_fields(Outer(), {"tags": ["a"]}) == ["tags"]
        bad = {"at": True, "seconds": 4, "tags": ["b"], "extra": {}, "inner": {"code": "y"}}
        assert lost_fields(model, bad) == ["at", "seconds", "tags", "extra", "inner"]
        assert lost_fields(Outer(), {"at": "not a time"}) == []  # unreadable: kept in raw
        assert lost_fields(Outer(), {"at": "2024-07-01T15:20:00Z"}) == ["at"]

    def test_a_blank_string_read_as_absent_is_not_lost(self):
        """Whitespace-only text the model reads as None is kept in raw; a real text is not."""
        item = {"id": "t1", "status": "failed", "failure_message": "\r"}
        translation = Translation.from_api(item)
        assert translation.failure_message is None
        assert lost_fields(translation, item) == []
        assert lost_fields(translation, {**item, "failure_message": "boom"}) == [
            "failure_message",
            "raw",
        ]

    def test_model_inputs_find_the_objects(self):
        """data; each item of a data list; each item of data's lists; a bare value."""
        assert model_inputs({"data": {"id": 1}}) == [{"id": 1}]
        assert model_inputs({"data": [{"id": 1}, {"id": 2}]}) == [{"id": 1}, {"id": 2}]
        assert model_inputs({"data": {"voices": [{"id": 1}], "x": 1}}) == [{"id": 1}]
        detail = {"id": "t", "scenes": [{"scene_id": "s"}]}
        assert model_inputs({"data": detail}) == [detail]  # an object with its own id
        assert model_inputs([1]) == [1]
        assert model_inputs("text") == ["text"]


@pytest.mark.parametrize(("spec", "key", "model"), SCHEMAS)
class TestGeneratedAnswers:
    """Any answer the spec's schema allows parses, or is refused with a typed error."""

    def test_parses_or_refuses_cleanly_and_keeps_fields(self, spec, key, model):
        """Never a raw exception; a model that is built keeps every field it names."""
        method, path = key.split(" ", 1)
        schema = load_spec(spec).response_schema(method, path, 200)

        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            derandomize=True,  # the same examples on every run, whatever the seed
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(body=values_of(shaped(schema)))
        def run(body):
            for item in model_inputs(body):
                built = _parse(model, item)
                if built is not None and isinstance(item, dict):
                    assert lost_fields(built, item) == [], item

        run()
