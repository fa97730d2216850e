import json

import pytest

from heygen_pipeline import BadRequestError, NotFoundError


class TestTemplates:
    """``client.templates`` against the fake, over real sockets."""

    def test_list(self, heygen_client):
        """Every template, with name, thumbnail and aspect ratio; no variables in the list."""
        templates = heygen_client.templates.list()
        assert [t.id for t in templates] == [
            "tpl_welcome_0001",
            "tpl_product_0002",
            "tpl_training_0003",
        ]
        assert templates[1].aspect_ratio == "9:16"
        assert all(t.variables == {} for t in templates)

    def test_get_has_variables(self, heygen_client):
        """``get`` returns the template's variables."""
        template = heygen_client.templates.get("tpl_welcome_0001")
        assert set(template.variables) == {"first_name", "company"}
        assert template.variables["first_name"]["type"] == "text"

    def test_get_unknown(self, heygen_client):
        """An unknown template is NotFoundError."""
        with pytest.raises(NotFoundError):
            heygen_client.templates.get("tpl_missing")

    def test_generate_creates_a_video(self, heygen_client, fake_heygen):
        """``generate`` posts the variables and options and returns the new video."""
        template = heygen_client.templates.get("tpl_welcome_0001")
        first_name = {**template.variables["first_name"], "properties": {"content": "Ada"}}
        video = heygen_client.templates.generate(
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
            heygen_client.templates.generate("tpl_training_0003", variables={"x": {}})

    def test_variables_must_be_a_mapping(self, heygen_client, fake_heygen):
        """A list for ``variables`` is refused before sending."""
        with pytest.raises(TypeError):
            heygen_client.templates.generate("tpl_training_0003", variables=[])  # type: ignore[arg-type]
        assert fake_heygen.requests == []
