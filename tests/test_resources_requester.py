"""Resources depend on the `Requester` protocol only: never on the client module."""

import ast
from pathlib import Path
from typing import Any

from heygen_pipeline import HeyGenClient, Response
from heygen_pipeline.resources import Requester, Videos, Voices

RESOURCES = Path(__file__).resolve().parent.parent / "heygen_pipeline" / "resources"


def _imported_modules(path: Path) -> set[str]:
    """Every module a source file imports (also under ``TYPE_CHECKING``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


class Tracing:
    """A Requester that is not a client: it records each call, then delegates."""

    def __init__(self, client: HeyGenClient) -> None:
        """Wrap ``client``."""
        self._client = client
        self.calls: list[tuple[str, str]] = []
        self.upload_url = client.upload_url
        self.job_slots = None
        self.slot_timeout = 1.0

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Record, then send through the client."""
        self.calls.append((method, url))
        return self._client.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        """``GET`` via `request`."""
        return self.request("GET", url, **kwargs).data

    def post(self, url: str, **kwargs: Any) -> Any:
        """``POST`` via `request`."""
        return self.request("POST", url, **kwargs).data

    def patch(self, url: str, **kwargs: Any) -> Any:
        """``PATCH`` via `request`."""
        return self.request("PATCH", url, **kwargs).data

    def delete(self, url: str, **kwargs: Any) -> Any:
        """``DELETE`` via `request`."""
        return self.request("DELETE", url, **kwargs).data


class TestRequester:
    """What a resource helper calls is a small protocol, which the client satisfies."""

    def test_no_resource_module_imports_the_client(self):
        """No module under resources/ imports heygen_pipeline.client (not even for typing)."""
        offenders = {
            path.name: sorted(m for m in _imported_modules(path) if "client" in m.split("."))
            for path in sorted(RESOURCES.glob("*.py"))
        }
        assert {name: found for name, found in offenders.items() if found} == {}

    def test_the_client_has_every_member_of_the_protocol(self, heygen_client):
        """Each member Requester declares exists on a HeyGenClient."""
        members = {name for name in vars(Requester) if not name.startswith("_")}
        assert members == {
            "upload_url",
            "job_slots",
            "slot_timeout",
            "request",
            "get",
            "post",
            "patch",
            "delete",
        }
        assert all(hasattr(heygen_client, name) for name in members)

    def test_a_helper_runs_over_a_requester_that_is_not_a_client(self, heygen_client):
        """Voices built over a wrapping Requester sends its calls through that wrapper."""
        tracing = Tracing(heygen_client)
        voices = Voices(tracing)
        voice = next(voices.list(engine="starfish", language="English"))
        assert voice.id == "v-f-en-1"
        assert tracing.calls == [("GET", "/v3/voices")]
        assert voices.client is tracing

    def test_a_job_wait_runs_over_a_requester(self, heygen_client, fake_heygen):
        """Videos.wait over a wrapping Requester polls through it until the render completes."""
        tracing = Tracing(heygen_client)
        videos = Videos(tracing, sleep=lambda _s: None)
        created = heygen_client.post(
            "/v3/videos", json={"type": "avatar", "avatar_id": "Daisy", "script": "Hi"}
        )
        video = videos.wait(created["video_id"], timeout=60.0, poll=0.01, max_poll=0.01)
        assert video.is_completed
        assert set(tracing.calls) == {("GET", f"/v3/videos/{video.id}")}
