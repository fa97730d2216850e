"""The vendored spec, its loader and validation, and FakeHeyGen's strict mode."""

import hashlib
import json
import re
import subprocess
import sys
import textwrap
from importlib import resources

import pytest
import urllib3
from conftest import KNOWN_SPEC_GAPS

from heygen_pipeline import BadRequestError, HeyGenClient
from heygen_pipeline.testing import (
    FakeHeyGen,
    Fault,
    SpecViolation,
    _fake_routes_avatars,
    load_spec,
)
from heygen_pipeline.testing._spec import SPEC_FILES, resolve_refs
from heygen_pipeline.testing.pytest_plugin import checked_fake

KEY = "strict-test-key"
AUTH = {"X-Api-Key": KEY, "Content-Type": "application/json"}
TRANSLATION = {"video": {"type": "url", "url": "https://x.test/v.mp4"}, "output_languages": ["es"]}


@pytest.fixture(scope="module")
def http():
    """One pool manager for the module."""
    with urllib3.PoolManager() as manager:
        yield manager


@pytest.fixture
def fake():
    """A strict fake, every operation checked (no known gaps), its replies checked."""
    with checked_fake(api_key=KEY, spec_exempt=()) as server:
        yield server
        assert server.handler_errors == []


def _post(http, fake, path, payload, headers=AUTH):
    return http.request("POST", fake.base_url + path, body=json.dumps(payload), headers=headers)


class TestVendoredFiles:
    """The documents ship in the package unchanged since they were vendored."""

    def test_files_match_the_hashes_their_readme_records(self):
        """Each file's SHA-256 is the one the spec README lists (no hand edits)."""
        folder = resources.files("heygen_pipeline.testing") / "spec"
        readme = (folder / "README.md").read_text(encoding="utf-8")
        recorded = dict(re.findall(r"\| `([\w.-]+\.json)` \| `([0-9a-f]{64})` \|", readme))
        assert set(recorded) == set(SPEC_FILES.values())
        for name, digest in recorded.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


class TestLoadSpec:
    """load_spec: the vendored documents, their operations and path matching."""

    def test_both_documents_load_once(self):
        """v3 has 85 operations, legacy 25; a second load is the same object."""
        assert len(load_spec("v3").operations) == 85
        assert len(load_spec("legacy").operations) == 25
        assert load_spec("v3") is load_spec("v3")

    def test_unknown_name_is_a_value_error(self):
        """Only 'v3' and 'legacy' exist."""
        with pytest.raises(ValueError, match="legacy"):
            load_spec("v2")  # type: ignore[arg-type]

    def test_operation_fields(self):
        """An operation has its method, template, id, family and key."""
        op = load_spec("v3").find("get", "/v3/video-translations/abc")
        assert op is not None
        assert (op.method, op.path) == ("GET", "/v3/video-translations/{video_translation_id}")
        assert op.family == "video-translations"
        assert op.key == "GET /v3/video-translations/{video_translation_id}"
        assert op.operation_id == "video_translate_get"

    def test_literal_segments_win_over_parameters(self):
        """/v3/videos/statuses is its own operation, not a video id."""
        spec = load_spec("v3")
        assert spec.find("GET", "/v3/videos/statuses").key == "GET /v3/videos/statuses"
        assert spec.find("GET", "/v3/videos/v1").key == "GET /v3/videos/{video_id}"

    def test_no_match(self):
        """An empty parameter segment, a wrong method or an unknown path match nothing."""
        spec = load_spec("v3")
        assert spec.find("GET", "/v3/videos/") is None
        assert spec.find("PUT", "/v3/videos") is None
        assert spec.find("GET", "/v3/nothing") is None

    def test_path_params_and_server(self):
        """Path values are read from the template; /v1/asset is on the upload host."""
        spec = load_spec("v3")
        op = spec.find("GET", "/v3/video-agents/s1/resources/r2")
        assert spec.path_params(op, "/v3/video-agents/s1/resources/r2") == {
            "session_id": "s1",
            "resource_id": "r2",
        }
        legacy = load_spec("legacy")
        assert legacy.server_url(legacy.find("POST", "/v1/asset")) == "https://upload.heygen.com"
        assert spec.server_url(op) == "https://api.heygen.com"

    def test_response_schema_and_examples(self):
        """A documented answer has a schema; an undocumented status has none."""
        spec = load_spec("v3")
        schema = spec.response_schema("GET", "/v3/users/me", 200)
        assert schema is not None
        assert "data" in schema["properties"]
        assert spec.response_schema("GET", "/v3/users/me", 404) is None
        assert spec.response_schema("GET", "/v3/nothing", 200) is None
        legacy = list(load_spec("legacy").examples())
        assert any(e.operation.key == "GET /v2/voices" and e.status == 200 for e in legacy)

    def test_refs_are_resolved_with_siblings_and_cycles_left(self):
        """A local $ref is inlined (siblings kept); a cycle stops at the repeated ref."""
        root = {"a": {"type": "object", "properties": {"self": {"$ref": "#/a"}}}}
        resolved = resolve_refs({"$ref": "#/a", "description": "d"}, root)
        assert resolved["description"] == "d"
        assert resolved["properties"]["self"] == {"$ref": "#/a"}


class TestValidateRequest:
    """ApiSpec.validate_request names the offending parameter."""

    def test_limit_over_the_endpoint_maximum(self):
        """50 is the maximum on looks: 100 is refused, 20 accepted."""
        spec = load_spec("v3")
        with pytest.raises(SpecViolation) as caught:
            spec.validate_request(
                "GET", "/v3/avatars/looks?limit=100", headers={}, body=b"", content_type=None
            )
        assert (caught.value.param, caught.value.location) == ("limit", "query")
        assert "maximum of 50" in caught.value.message
        spec.validate_request(
            "GET", "/v3/avatars/looks?limit=20", headers={}, body=b"", content_type=None
        )

    @pytest.mark.parametrize(
        ("body", "param"),
        [
            ({"type": "avatar", "script": "hi"}, "avatar_id"),
            ({}, "type"),
            ({"type": "avatar", "avatar_id": 7, "script": "hi"}, "avatar_id"),
        ],
        ids=["missing-avatar-id", "missing-type", "wrong-type"],
    )
    def test_body_fields(self, body, param):
        """A missing required field or a wrong type names the field."""
        with pytest.raises(SpecViolation) as caught:
            load_spec("v3").validate_request(
                "POST",
                "https://api.heygen.com/v3/videos",
                headers={},
                body=json.dumps(body).encode(),
                content_type="application/json",
            )
        assert (caught.value.param, caught.value.location) == (param, "body")

    def test_missing_query_parameter_type_and_content_type(self):
        """A missing required query parameter, a non-integer and a wrong Content-Type."""
        spec = load_spec("v3")
        cases = [
            ("GET", "/v3/assets", b"", None, ("username", "query")),
            ("GET", "/v3/videos?limit=ten", b"", None, ("limit", "query")),
            ("POST", "/v3/videos", b"{}", "text/plain", ("Content-Type", "header")),
            ("POST", "/v3/videos", b"{nope", "application/json", (None, "body")),
            ("POST", "/v3/videos", b"", None, (None, "body")),
            ("GET", "/v3/nothing", b"", None, (None, "path")),
        ]
        for method, url, body, content_type, expected in cases:
            with pytest.raises(SpecViolation) as caught:
                spec.validate_request(method, url, headers={}, body=body, content_type=content_type)
            assert (caught.value.param, caught.value.location) == expected, url
            assert caught.value.message in repr(caught.value)

    def test_a_body_not_kept_is_not_checked(self):
        """None stands for a body too big to keep: its parameters are still checked."""
        spec = load_spec("v3")
        spec.validate_request("POST", "/v3/videos", headers={}, body=None, content_type=None)


class TestValidateResponse:
    """ApiSpec.validate_response names the field an answer breaks."""

    def test_missing_required_field(self):
        """A user without username is refused at data.username."""
        with pytest.raises(SpecViolation) as caught:
            load_spec("v3").validate_response(
                "GET",
                "/v3/users/me",
                status=200,
                content_type="application/json",
                body=b'{"data": {}}',
            )
        assert (caught.value.param, caught.value.location) == ("data.username", "body")

    def test_undocumented_status_and_unknown_path(self):
        """A status the operation does not document, or no operation, is a violation."""
        spec = load_spec("v3")
        with pytest.raises(SpecViolation) as caught:
            spec.validate_response(
                "GET", "/v3/users/me", status=418, content_type="application/json", body=b"{}"
            )
        assert caught.value.location == "status"
        with pytest.raises(SpecViolation):
            spec.validate_response(
                "GET", "/v3/nothing", status=200, content_type="application/json", body=b"{}"
            )

    def test_wrong_content_type(self):
        """An HTML answer where JSON is documented names Content-Type."""
        with pytest.raises(SpecViolation) as caught:
            load_spec("v3").validate_response(
                "GET", "/v3/users/me", status=200, content_type="text/html", body=b"<html>"
            )
        assert caught.value.param == "Content-Type"


class TestStrictFake:
    """FakeHeyGen refuses what HeyGen refuses, in the route's own envelope."""

    def test_wrong_type_gets_a_v3_error_naming_it(self, http, fake):
        """enable_caption must be a boolean: 400 invalid_parameter, param, request id."""
        response = _post(http, fake, "/v3/video-translations", {**TRANSLATION, "enable_caption": 1})
        assert response.status == 400
        error = response.json()["error"]
        assert (error["code"], error["param"]) == ("invalid_parameter", "enable_caption")
        assert "enable_caption" in error["message"]
        assert response.headers["X-Request-Id"]

    def test_missing_required_field_and_limit_over_the_maximum(self, http, fake):
        """A body without output_languages, a limit of 101: each named."""
        bad_body = _post(http, fake, "/v3/video-translations", {"video": TRANSLATION["video"]})
        assert bad_body.json()["error"]["param"] == "output_languages"
        url = fake.base_url + "/v3/videos?limit=101"
        bad_limit = http.request("GET", url, headers=AUTH)
        assert (bad_limit.status, bad_limit.json()["error"]["param"]) == (400, "limit")
        assert "maximum of 100" in bad_limit.json()["error"]["message"]

    def test_not_strict_lets_it_through(self, http):
        """strict=False routes the same request, which the route then accepts."""
        with FakeHeyGen(api_key=KEY, strict=False) as lax:
            assert not lax.strict
            response = _post(http, lax, "/v3/video-translations", {**TRANSLATION, "mode": 5})
            assert response.status == 200
            assert lax.reply_violations() == []

    def test_client_gets_bad_request_error_naming_the_parameter(self, fake):
        """Through the client: a BadRequestError whose param names the offending field."""
        with (
            HeyGenClient(KEY, base_url=fake.base_url) as client,
            pytest.raises(BadRequestError) as caught,
        ):
            client.post("/v3/video-translations", json={**TRANSLATION, "title": 5})
        assert caught.value.param == "title"
        assert fake.requests_for("POST", "/v3/video-translations")

    def test_legacy_refusals_keep_their_envelope(self, http, fake):
        """v1 answers {code: 400175, message}; the upload host too; v2 its error object."""
        v1 = http.request("GET", fake.base_url + "/v1/video.list?limit=x", headers=AUTH)
        assert v1.status == 400
        assert v1.json()["code"] == 400175
        assert "limit" in v1.json()["message"]
        headers = {"X-Api-Key": KEY, "Content-Type": "text/plain"}
        upload = http.request("POST", fake.upload_url + "/v1/asset", body=b"x", headers=headers)
        assert (upload.status, upload.json()["code"]) == (400, 400175)
        v2 = _post(http, fake, "/v2/video_translate", {"video_url": 5, "output_language": "es"})
        assert v2.status == 400
        assert v2.json()["data"] is None
        assert v2.json()["error"]["code"] == "invalid_parameter"
        assert "video_url" in v2.json()["error"]["message"]

    def test_auth_comes_first_and_faults_are_not_checked(self, http, fake):
        """No key: 401 even for a bad request; a scripted fault answers as scripted."""
        bad = {"Content-Type": "application/json"}
        assert _post(http, fake, "/v3/video-translations", {}, headers=bad).status == 401
        fake.inject("GET", "/v3/videos", Fault.status(409))
        url = fake.base_url + "/v3/videos?limit=1000"
        assert http.request("GET", url, headers=AUTH).status == 409

    def test_exempt_operations_are_not_checked(self, http):
        """spec_exempt leaves an operation unchecked; it must be a collection, not a str."""
        with FakeHeyGen(api_key=KEY, spec_exempt={"POST /v3/video-translations"}) as lax:
            response = _post(http, lax, "/v3/video-translations", {**TRANSLATION, "mode": 5})
            assert response.status == 200
        with pytest.raises(TypeError, match="collection"):
            FakeHeyGen(spec_exempt="POST /v3/videos")


class TestReplyChecks:
    """check_replies records replies that break the spec; the fixtures fail on them."""

    @pytest.fixture
    def v2_shaped_groups(self, monkeypatch):
        """The avatar group route serves v2-shaped avatars (as the fake once did), not groups."""
        monkeypatch.setattr(
            _fake_routes_avatars, "_public_group", lambda _c, row: {"avatar_id": row[0]}
        )

    @pytest.mark.usefixtures("v2_shaped_groups")
    def test_a_broken_reply_is_recorded(self, http):
        """v2 avatars served as v3 groups: the reply is recorded with its field."""
        with FakeHeyGen(api_key=KEY, check_replies=True, spec_exempt=()) as server:
            http.request("GET", server.base_url + "/v3/avatars", headers=AUTH)
            (violation,) = server.reply_violations()
        assert violation.operation == "GET /v3/avatars"
        assert violation.status == 200
        assert "GET /v3/avatars" in str(violation)
        assert violation.param is not None

    @pytest.mark.usefixtures("v2_shaped_groups")
    def test_checked_fake_fails_the_test_at_the_end(self, http):
        """checked_fake turns a recorded violation into a test failure listing it."""
        expected = pytest.raises(pytest.fail.Exception, match="GET /v3/avatars")
        with expected, checked_fake(api_key=KEY, spec_exempt=()) as server:
            http.request("GET", server.base_url + "/v3/avatars", headers=AUTH)

    def test_clean_replies_record_nothing(self, http, fake):
        """A translation created and polled, in the spec's shapes: nothing recorded."""
        created = _post(http, fake, "/v3/video-translations", TRANSLATION)
        assert created.status == 200
        assert fake.reply_violations() == []


class TestKnownGaps:
    """The suite's list of known gaps names real operations."""

    def test_every_gap_is_an_operation(self):
        """Each key of KNOWN_SPEC_GAPS is an operation of one of the two specs, with a reason."""
        for key, why in KNOWN_SPEC_GAPS.items():
            method, path = key.split(" ", 1)
            assert any(s.operation(key) for s in (load_spec("v3"), load_spec("legacy"))), key
            assert why.strip(), key
            assert method.isupper(), key
            assert path.startswith("/"), key


class TestWithoutOpenapiCore:
    """The kit imports without openapi-core; strict mode then says what to install."""

    def test_clear_message(self):
        """FakeHeyGen() raises ImportError naming the extra; strict=False still serves."""
        script = textwrap.dedent(
            """
            import sys
            sys.modules["openapi_core"] = None  # as if it were not installed
            from heygen_pipeline.testing import FakeHeyGen, load_spec
            assert len(load_spec("v3").operations) == 85
            with FakeHeyGen(strict=False) as fake:
                assert fake.base_url
            try:
                FakeHeyGen()
            except ImportError as exc:
                print(exc)
            """
        )
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
        )
        assert "heygen-pipeline[testing]" in done.stdout
        assert "strict=False" in done.stdout
