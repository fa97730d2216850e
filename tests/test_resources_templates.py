import json

import pytest

from heygen_pipeline import BadRequestError, HeyGenError, NotFoundError
from heygen_pipeline.resources import Template, TemplateScene, TemplateVariable


class TestTemplates:
    """The v3 ``client.templates`` against the fake, over real sockets."""

    def test_list(self, heygen_client):
        """Every template, lazily, with the spec's summary fields; no variables in the list."""
        templates = list(heygen_client.templates.list(page_size=2))
        assert [t.id for t in templates] == [
            "tpl_welcome_0001",
            "tpl_product_0002",
            "tpl_training_0003",
        ]
        assert templates[1].aspect_ratio == "9:16"
        assert templates[0].created_at is not None
        assert all(t.variables == {} and t.scenes == () for t in templates)

    def test_get_has_variables_and_scenes(self, heygen_client):
        """``get`` gives the variables (keyed by name), the scenes and their ids."""
        template = heygen_client.templates.get("tpl_welcome_0001")
        assert set(template.variables) == {"first_name", "company"}
        assert template.scene_ids == ("scn_intro", "scn_outro")
        assert template.scenes[0].variables == (
            TemplateVariable(
                name="first_name", variable_type="text", raw=template.scenes[0].variables[0].raw
            ),
        )
        assert template.scenes[0].script == "Hello {{first_name}}!"

    def test_get_unknown(self, heygen_client):
        """An unknown template is NotFoundError."""
        with pytest.raises(NotFoundError):
            heygen_client.templates.get("tpl_missing")

    def test_generate_creates_a_pending_video(self, heygen_client, fake_heygen):
        """``generate`` posts the variables and options; the video moves on like any other."""
        video = heygen_client.templates.generate(
            "tpl_welcome_0001",
            variables={"company": {"name": "company", "type": "text"}},
            title="For Ada",
            dimension=(1280, 720),
            fps=60,
            scene_ids=["scn_intro"],
            include_gif=False,
        )
        assert (video.status, video.title) == ("pending", "For Ada")
        [sent] = fake_heygen.requests_for("POST", "/v3/templates/tpl_welcome_0001")
        assert json.loads(sent.body) == {
            "variables": {"company": {"name": "company", "type": "text"}},
            "title": "For Ada",
            "dimension": {"width": 1280, "height": 720},
            "fps": 60,
            "scene_ids": ["scn_intro"],
            "include_gif": False,
        }
        assert heygen_client.videos.get(video).title == "For Ada"

    def test_generated_video_can_fail(self, heygen_client, fake_heygen):
        """A render from a template is a job like any other: scripted to fail, it fails."""
        fake_heygen.fail_video(code="RENDER_FAILED", message="Template asset missing")
        video = heygen_client.templates.generate("tpl_training_0003", variables={})
        with pytest.raises(HeyGenError, match="Template asset missing"):
            heygen_client.videos.wait(video, timeout=60, poll=0.01)

    def test_generate_refused_by_the_fake(self, heygen_client):
        """An unknown variable or scene comes back as a typed 400 naming the field."""
        with pytest.raises(BadRequestError, match="not in the template") as info:
            heygen_client.templates.generate("tpl_training_0003", variables={"x": {}})
        assert info.value.param == "variables"
        with pytest.raises(BadRequestError) as info:
            heygen_client.templates.generate(
                "tpl_training_0003", variables={}, scene_ids=["scn_nope"]
            )
        assert info.value.param == "scene_ids"

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"variables": []}, TypeError),
            ({"variables": {}, "fps": 24}, ValueError),
            ({"variables": {}, "fps": True}, ValueError),
            ({"variables": {}, "dimension": (1279, 720)}, ValueError),
            ({"variables": {}, "dimension": (64, 64)}, ValueError),
            ({"variables": {}, "dimension": (8192, 720)}, ValueError),
            ({"variables": {}, "dimension": ("1280", 720)}, TypeError),
            ({"variables": {}, "dimension": [1280, 720]}, TypeError),
            ({"variables": {}, "scene_ids": "scn_intro"}, TypeError),
            ({"variables": {}, "scene_ids": []}, ValueError),
            ({"variables": {}, "scene_ids": [""]}, ValueError),
            ({"variables": {}, "subtitles": {"font_size": 3}}, TypeError),
            ({"variables": {}, "subtitles": "classic"}, TypeError),
            ({"variables": {}, "caption": "yes"}, TypeError),
            ({"variables": {}, "title": ""}, ValueError),
            ({"variables": {}, "callback_url": 7}, TypeError),
        ],
    )
    def test_generate_argument_checks(self, heygen_client, fake_heygen, kwargs, error):
        """A value the spec refuses raises before anything is sent."""
        with pytest.raises(error):
            heygen_client.templates.generate("tpl_training_0003", **kwargs)
        assert fake_heygen.requests == []

    @pytest.mark.parametrize("template_id", ["", " ", ".", "..", 7])
    def test_bad_ids(self, heygen_client, fake_heygen, template_id):
        """An empty, dot or non-str id is refused before sending, for get and generate."""
        with pytest.raises((ValueError, TypeError)):
            heygen_client.templates.get(template_id)
        with pytest.raises((ValueError, TypeError)):
            heygen_client.templates.generate(template_id, variables={})
        assert fake_heygen.requests == []

    @pytest.mark.parametrize("page_size", [0, 101, True, "10"])
    def test_page_size_checked(self, heygen_client, fake_heygen, page_size):
        """``page_size`` outside 1-100 (the endpoint's maximum) is refused before sending."""
        with pytest.raises((ValueError, TypeError)):
            heygen_client.templates.list(page_size=page_size)
        assert fake_heygen.requests == []


class TestTemplateModels:
    """`Template` and its parts read v3 and v2 objects, tolerantly."""

    def test_v3_detail(self):
        """Every field of the spec's template detail."""
        template = Template.from_api(
            {
                "id": "t",
                "name": "n",
                "aspect_ratio": "16:9",
                "thumbnail_url": "https://x/t.jpg",
                "created_at": 1700000000,
                "updated_at": 1700000100,
                "variables": {"a": {"type": "text"}},
                "scene_ids": ["s1"],
                "scenes": [{"scene_id": "s1", "script": None, "variables": [{"name": "a"}]}],
            }
        )
        assert (template.id, template.name, template.thumbnail_url) == ("t", "n", "https://x/t.jpg")
        assert template.updated_at.timestamp() == 1700000100
        assert template.scenes == (
            TemplateScene(
                scene_id="s1",
                variables=(TemplateVariable(name="a", raw={"name": "a"}),),
                raw=template.scenes[0].raw,
            ),
        )

    def test_v2_entry(self):
        """The legacy shape (``template_id``, ``thumbnail_image_url``) reads too."""
        template = Template.from_api(
            {"template_id": "t", "name": "n", "thumbnail_image_url": "https://x/t.jpg"}
        )
        assert (template.id, template.thumbnail_url) == ("t", "https://x/t.jpg")

    def test_missing_and_odd_fields(self):
        """Absent or null fields are None or empty; non-object scenes are skipped."""
        template = Template.from_api({"id": "t", "scenes": [1, None], "scene_ids": None})
        assert (template.name, template.scenes, template.scene_ids) == (None, (), ())


class TestTemplatesV2:
    """The legacy v2 ``client.templates.*_v2`` calls against the fake, over real sockets."""

    def test_list(self, heygen_client):
        """Every template, with name, thumbnail and aspect ratio; no variables in the list."""
        templates = heygen_client.templates.list_v2()
        assert [t.id for t in templates] == [
            "tpl_welcome_0001",
            "tpl_product_0002",
            "tpl_training_0003",
        ]
        assert templates[1].aspect_ratio == "9:16"
        assert all(t.variables == {} for t in templates)

    def test_get_has_variables(self, heygen_client):
        """``get_v2`` returns the template's variables."""
        template = heygen_client.templates.get_v2("tpl_welcome_0001")
        assert set(template.variables) == {"first_name", "company"}
        assert template.variables["first_name"]["type"] == "text"

    def test_get_unknown(self, heygen_client):
        """An unknown template is NotFoundError."""
        with pytest.raises(NotFoundError):
            heygen_client.templates.get_v2("tpl_missing")

    def test_generate_creates_a_video(self, heygen_client, fake_heygen):
        """``generate_v2`` posts the variables and options and returns the new video."""
        template = heygen_client.templates.get_v2("tpl_welcome_0001")
        first_name = {**template.variables["first_name"], "properties": {"content": "Ada"}}
        video = heygen_client.templates.generate_v2(
            "tpl_welcome_0001",
            variables={"first_name": first_name},
            title="For Ada",
            test=True,
            dimension=(720, 1280),
        )
        assert video.id in fake_heygen.video_ids
        [sent] = fake_heygen.requests_for("POST", "/v2/template/tpl_welcome_0001/generate")
        assert json.loads(sent.body) == {
            "variables": {"first_name": first_name},
            "title": "For Ada",
            "test": True,
            "dimension": {"width": 720, "height": 1280},
        }
        assert heygen_client.videos.get(video).title == "For Ada"

    def test_generate_with_an_unknown_variable(self, heygen_client):
        """HeyGen's 400 for a variable the template lacks comes back typed."""
        with pytest.raises(BadRequestError, match="not in the template"):
            heygen_client.templates.generate_v2("tpl_training_0003", variables={"x": {}})

    def test_variables_must_be_a_mapping(self, heygen_client, fake_heygen):
        """A list for ``variables`` is refused before sending."""
        with pytest.raises(TypeError):
            heygen_client.templates.generate_v2("tpl_training_0003", variables=[])  # type: ignore[arg-type]
        assert fake_heygen.requests == []
