"""docs/security.md cites a test for every claim; these tests check that the citations hold.

Every ``tests/test_x.py::TestY::test_z`` the page names must exist, and every claim (a list
item that starts with a bold phrase) must name at least one. The claims that no other test
module covers are tested here too.
"""

import copy
import hmac
import importlib
import pickle
import re
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from heygen_pipeline import HeyGenClient, Secret, default_stack
from heygen_pipeline.middleware import ApiKeyAuth
from heygen_pipeline.shared import key_id
from heygen_pipeline.testing import MockTransport, make_response
from heygen_pipeline.webhooks import sign_webhook, verify_webhook

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "security.md"
TEST_ID = re.compile(r"tests/(?P<module>test_\w+)\.py::(?P<cls>Test\w+)::(?P<func>test_\w+)")
CLAIM = re.compile(r"^\s*[-*] \*\*")
KEY = "security-claims-key-4c1e9a7b2d"


def page_text():
    """The security page."""
    return PAGE.read_text(encoding="utf-8")


def claims(text):
    """Each claim of the page: a list item opening with a bold phrase, with its continuation."""
    items, current = [], None
    for line in text.splitlines():
        if CLAIM.match(line):
            current = [line]
            items.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            current.append(line)
        else:
            current = None
    return [" ".join(part.strip() for part in item) for item in items]


def resolve(test_id):
    """The test function a page citation names, or None."""
    match = TEST_ID.fullmatch(test_id)
    if match is None:
        return None
    if str(ROOT / "tests") not in sys.path:  # pragma: no cover - pytest puts it there
        sys.path.insert(0, str(ROOT / "tests"))
    module = importlib.import_module(match["module"])
    cls = getattr(module, match["cls"], None)
    func = getattr(cls, match["func"], None) if cls is not None else None
    return func if callable(func) else None


class TestPageCitations:
    """The page names real tests, and names one for every claim."""

    def test_every_cited_test_exists(self):
        """Each tests/...::Class::test_name on the page resolves to a test function."""
        cited = sorted({m.group(0) for m in TEST_ID.finditer(page_text())})
        assert len(cited) >= 30
        assert [test_id for test_id in cited if resolve(test_id) is None] == []

    def test_every_claim_cites_a_test(self):
        """Every claim item names at least one test."""
        items = claims(page_text())
        assert len(items) >= 20
        assert [item[:80] for item in items if not TEST_ID.search(item)] == []

    def test_checker_catches_a_missing_test(self):
        """A citation of a test that does not exist is caught (the check can fail)."""
        assert resolve("tests/test_auth.py::TestAllowlist::test_no_such_test") is None
        assert resolve("tests/test_auth.py::TestNoSuchClass::test_default_hosts") is None
        assert resolve("tests/test_auth.py::TestAllowlist::test_default_hosts") is not None

    def test_checker_catches_an_unbacked_claim(self):
        """A claim item without a citation is found, continuation lines included."""
        text = (
            "- **Backed.** Proof:\n  `tests/test_auth.py::TestAllowlist::test_default_hosts`.\n"
            "- **Unbacked.** No proof.\n"
            "- plain item, not a claim\n"
        )
        items = claims(text)
        assert len(items) == 2
        assert [bool(TEST_ID.search(item)) for item in items] == [True, False]


class TestKeyHolder:
    """The key lives in a Secret that never shows or pickles itself."""

    def test_secret_never_shows_itself(self):
        """repr, str and format of a Secret say REDACTED, never the value."""
        secret = Secret(KEY)
        for text in (repr(secret), str(secret), f"{secret}", f"{[secret]}"):
            assert KEY not in text
            assert "REDACTED" in text

    def test_secret_refuses_pickling_and_copying(self):
        """Pickling (and so deep-copying) a Secret fails, naming no value."""
        with pytest.raises(TypeError) as info:
            pickle.dumps(Secret(KEY))
        assert KEY not in str(info.value)
        with pytest.raises(TypeError):
            copy.deepcopy(Secret(KEY))

    def test_client_cannot_be_pickled(self):
        """A client (which holds the key) cannot be pickled; the error shows no key."""
        with HeyGenClient(KEY, transport=MockTransport(make_response)) as client:
            with pytest.raises(TypeError) as info:
                pickle.dumps(client)
            assert KEY not in str(info.value)

    def test_no_public_object_shows_the_key(self):
        """The reprs of the client, its stack, each middleware and a built request hide the key."""
        with HeyGenClient(KEY, transport=MockTransport(make_response)) as client:
            request = client.build_request("GET", "/v3/videos", headers={"X-Api-Key": KEY})
            texts = [repr(client), repr(client.stack), repr(request), str(request.headers)]
            texts += [repr(middleware) for _, middleware in client.stack]
            texts.append(repr(ApiKeyAuth(KEY)))
        assert [text for text in texts if KEY in text] == []

    def test_shared_state_names_keys_by_a_one_way_id(self):
        """Redis key names use key_id: stable, short, and without the key in it."""
        ident = key_id(KEY)
        assert ident == key_id(Secret(KEY))
        assert KEY not in ident
        assert len(ident) == 16


class TestWebhooks:
    """Webhook signatures are compared in constant time."""

    def test_signature_compared_in_constant_time(self, monkeypatch):
        """verify_webhook compares through hmac.compare_digest, for good and bad signatures."""
        calls = []
        real = hmac.compare_digest

        def spy(a, b):
            calls.append((type(a), type(b)))
            return real(a, b)

        monkeypatch.setattr("heygen_pipeline.webhooks.hmac.compare_digest", spy)
        body, secret = b'{"event_type": "avatar_video.success"}', "whsec_claims_test_secret"
        assert verify_webhook(body, sign_webhook(body, secret), secret) is True
        assert verify_webhook(body, "0" * 64, secret) is False
        assert len(calls) == 2


class TestDependencyHygiene:
    """Few runtime dependencies, each bounded; the security session checks what it claims."""

    def test_runtime_dependencies_are_few_and_bounded(self):
        """Four runtime dependencies, each with a lower bound; urllib3 below its next major."""
        tomllib = pytest.importorskip("tomllib")
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        dependencies = project["project"]["dependencies"]
        names = sorted(re.split(r"[<>=!~ \[]", d, maxsplit=1)[0] for d in dependencies)
        assert names == ["attrs", "pybreaker", "structlog", "urllib3"]
        assert all(">=" in d for d in dependencies)
        assert any(d.startswith("urllib3") and "<3" in d for d in dependencies)

    def test_pybreaker_range_is_bounded_and_tested_at_both_ends(self):
        """The pybreaker pin stops below its next minor; nox tests both ends of the range."""
        tomllib = pytest.importorskip("tomllib")
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        (entry,) = [d for d in project["project"]["dependencies"] if d.startswith("pybreaker")]
        allowed = SpecifierSet(entry.removeprefix("pybreaker"))
        noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
        ends = re.search(r'PYBREAKER_RANGE = \("([\d.]+)", "([\d.]+)"\)', noxfile)
        assert ends is not None
        assert all(end in allowed for end in ends.groups())
        assert "1.3.0" not in allowed  # no success_threshold: the breaker fails on it
        assert "1.5.0" not in allowed
        assert version("pybreaker") in allowed

    def test_every_accepted_bandit_finding_is_explained(self):
        """Each (file, test) the security session accepts is named on the page, and no more."""
        noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
        block = noxfile.partition("BANDIT_EXPLAINED = {")[2].partition("}")[0]
        accepted = re.findall(r'\("(?P<file>[\w/.]+)", "(?P<test>B\d+)"\)', block)
        assert accepted
        text = page_text()
        for filename, test in accepted:
            assert f"`{filename}`" in text
            assert test in text

    def test_security_session_runs_both_tools_strictly(self):
        """The security session runs bandit on the package and pip-audit with --strict."""
        noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
        session = noxfile.partition("def security(")[2].partition("\n\n\n")[0]
        assert '"bandit"' in session
        assert '"pip-audit"' in session
        assert '"--strict"' in session


class TestStackOrder:
    """Where the auth middleware sits in the default stack."""

    def test_auth_is_innermost(self):
        """The auth middleware is innermost: every retry and redirect hop meets its host check."""
        names = default_stack().names
        assert names[-1] == "auth"
        assert names.index("redirects") < names.index("auth")
        assert names.index("backoff") < names.index("auth")
