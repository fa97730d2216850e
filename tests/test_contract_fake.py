"""Spec-generated requests against a running FakeHeyGen: no reply breaks HeyGen's spec.

schemathesis generates requests from each operation the fake serves (path and query
parameters, JSON bodies), sends them to a strict FakeHeyGen, and checks every reply twice:
with schemathesis' own response checks and with the fake's reply checks (openapi-core).
"""

import json
import re
import time

import pytest
import schemathesis
import urllib3
from conftest import KNOWN_SPEC_GAPS
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from heygen_pipeline.testing import FakeHeyGen, load_spec
from heygen_pipeline.testing._fake_server import ROUTES

KEY = "contract-fake-key"
EXAMPLES_PER_OPERATION = 8
BUDGET_SECONDS = 60.0
_PARAM = re.compile(r"\{[^{}/]+\}")


def _served(spec_name):
    """The operations of a spec the fake has a route for (method and path), minus known gaps."""
    spec = load_spec(spec_name)
    served = []
    for op in spec.operations:
        sample = _PARAM.sub("x1", op.path)
        host = "upload" if spec.server_url(op).startswith("https://upload.") else "api"
        routed = any(
            r.host == host and r.method == op.method and r.pattern.fullmatch(sample) for r in ROUTES
        )
        if routed and op.key not in KNOWN_SPEC_GAPS:
            served.append(op)
    return served


def _json_or_no_body(spec_name, op):
    """Whether schemathesis can build the body as JSON (or there is none)."""
    body = load_spec(spec_name).document["paths"][op.path][op.method.lower()].get("requestBody")
    return body is None or "application/json" in body.get("content", {})


SERVED = [
    pytest.param(name, op, id=f"{name}:{op.key}")
    for name in ("v3", "legacy")
    for op in _served(name)
    if _json_or_no_body(name, op)
]


@pytest.fixture(scope="module")
def fake():
    """One strict fake for the module, its replies checked: seeded videos, one endpoint."""
    with FakeHeyGen(api_key=KEY, check_replies=True) as server, urllib3.PoolManager() as http:
        body = json.dumps({"url": "https://hooks.test/heygen"})
        headers = {"X-Api-Key": KEY, "Content-Type": "application/json"}
        url = server.base_url + "/v1/webhook/endpoint.add"
        assert http.request("POST", url, body=body, headers=headers).status == 200
        yield server


@pytest.fixture(scope="module")
def budget():
    """The module's time budget: the generated run stays well under a minute."""
    return time.monotonic() + BUDGET_SECONDS


@pytest.fixture(scope="module")
def schemas():
    """Both documents, as schemathesis reads them."""
    return {
        name: schemathesis.openapi.from_dict(json.loads(json.dumps(load_spec(name).document)))
        for name in ("v3", "legacy")
    }


def _known_ids(fake):
    """Ids the fake knows, so generated paths reach existing objects as well as missing ones."""
    endpoints = [e["endpoint_id"] for e in fake.webhook_endpoints]
    stock = ["grp-daisy", "Daisy-inskirt-20220818", "v-f-en-1"]  # avatar group, look, voice
    return [*fake.video_ids, "tpl_welcome_0001", *endpoints, *stock]


class TestGeneratedRequests:
    """Every served operation, fed generated requests: no 5xx and no reply off the spec."""

    def test_served_operations_are_many(self):
        """The run covers the fake's routes on both specs, not a handful."""
        keys = {op.key for _, op in (p.values for p in SERVED)}
        assert "GET /v3/videos" in keys
        assert "GET /v2/voices" in keys
        assert "GET /v1/video_status.get" in keys
        assert len(keys) >= 15

    @pytest.mark.parametrize(("spec_name", "op"), SERVED)
    def test_replies_keep_to_the_spec(self, fake, schemas, budget, spec_name, op):
        """Generated requests get answers that break neither check, and the fake never fails."""
        operation = schemas[spec_name][op.path][op.method]
        base = fake.upload_url if op.path == "/v1/asset" else fake.base_url
        known = _known_ids(fake)
        seen = len(fake.reply_violations())

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), data=st.data())
        def run(case, data):
            if time.monotonic() > budget:
                return  # the whole module's budget is spent: stop generating
            for name in list(case.path_parameters or {}):
                if data.draw(st.booleans(), label=f"known {name}"):
                    case.path_parameters[name] = data.draw(st.sampled_from(known))
            response = case.call(base_url=base, headers={"X-Api-Key": KEY}, timeout=10)
            checks = [not_a_server_error, response_schema_conformance]
            case.validate_response(response, checks=checks)

        run()
        assert fake.handler_errors == []
        assert fake.reply_violations()[seen:] == []
