"""``client.video_agents``: models, files, waits, argument checks and FakeHeyGen's routes."""

import base64
import json

import pytest
import urllib3

from heygen_pipeline import ConflictError, JobFailedError, NotFoundError, WaitTimeoutError
from heygen_pipeline.resources import (
    AgentFile,
    AgentMessage,
    AgentResource,
    AgentSession,
    AgentStyle,
    AgentVideo,
    VideoAgents,
    download,
)
from heygen_pipeline.testing import FakeHeyGen, Fault

PROMPT = "A short video about our spring sale"


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the fake time."""
        self.now += seconds


@pytest.fixture
def agents(heygen_client):
    """``VideoAgents`` on the test client (runs end on the 3rd poll), on a fake clock."""
    time = FakeTime()
    return VideoAgents(heygen_client, sleep=time.sleep, clock=time.clock)


class TestModels:
    """The session, message, style, resource and video models read the spec's objects."""

    def test_a_session_with_messages(self):
        """Messages are read newest first; the newest error is the failure message."""
        data = {
            "session_id": "s1",
            "status": "failed",
            "title": "Sale",
            "progress": 40,
            "created_at": 1_700_000_000,
            "messages": [
                {"role": "model", "type": "error", "content": "Out of credits"},
                {"role": "user", "type": "text", "content": PROMPT, "created_at": 1_700_000_000},
            ],
        }
        session = AgentSession.from_api(data)
        assert session.id == "s1"
        assert session.is_failed
        assert not session.needs_input
        assert session.failure_message == "Out of credits"
        assert [m.role for m in session.messages] == ["model", "user"]
        assert session.messages[0].is_error
        assert session.raw == data

    @pytest.mark.parametrize("status", ["waiting_for_input", "reviewing"])
    def test_statuses_that_wait_for_the_caller(self, status):
        """``waiting_for_input`` and ``reviewing`` need input; neither is done."""
        session = AgentSession.from_api({"session_id": "s", "status": status, "created_at": 1})
        assert session.needs_input
        assert not session.is_completed
        assert session.failure_message is None

    def test_message_resource_ids_keep_every_string(self):
        """A message's ``resource_ids`` keep their order; non-strings are skipped."""
        message = AgentMessage.from_api(
            {"role": "model", "type": "resource", "content": "x", "resource_ids": ["a", 1, "b"]}
        )
        assert message.resource_ids == ("a", "b")

    def test_style_resource_and_video(self):
        """A style, a resource and a failed video, with their spec field names."""
        style = AgentStyle.from_api(
            {"style_id": "st", "name": "Clean", "tags": ["a", ""], "aspect_ratio": "16:9"}
        )
        assert (style.id, style.tags) == ("st", ("a", ""))
        resource = AgentResource.from_api(
            {"resource_id": "r", "resource_type": "image", "metadata": None, "url": "u"}
        )
        assert (resource.id, resource.resource_type, resource.metadata) == ("r", "image", {})
        video = AgentVideo.from_api(
            {"id": "v", "status": "FAILED", "failure_code": "E1", "failure_message": "m"}
        )
        assert video.is_failed
        assert not video.is_completed
        assert (video.failure_code, video.failure_message) == ("E1", "m")


class TestFiles:
    """AgentFile: the three shapes the spec takes."""

    def test_the_three_shapes(self):
        """URL, asset id and inline base64 bytes."""
        assert AgentFile.from_url("https://x.test/a.png").to_api() == {
            "type": "url",
            "url": "https://x.test/a.png",
        }
        assert AgentFile.from_asset("as-1").to_api() == {"type": "asset_id", "asset_id": "as-1"}
        inline = AgentFile.from_bytes(b"\x00\x01", "image/png").to_api()
        assert inline == {"type": "base64", "media_type": "image/png", "data": "AAE="}
        assert base64.b64decode(inline["data"]) == b"\x00\x01"

    @pytest.mark.parametrize(
        ("build", "error", "match"),
        [
            (lambda: AgentFile.from_url(""), ValueError, "url"),
            (lambda: AgentFile.from_asset(None), TypeError, "asset_id"),
            (lambda: AgentFile.from_bytes("text", "text/plain"), TypeError, "data"),
            (lambda: AgentFile.from_bytes(b"", "image/png"), ValueError, "data"),
            (lambda: AgentFile.from_bytes(b"x", ""), ValueError, "media_type"),
        ],
    )
    def test_mistakes_name_the_argument(self, build, error, match):
        """Each mistake is refused with the argument's name."""
        with pytest.raises(error, match=match):
            build()


class TestSessions:
    """create, get, send, stop, resources and videos on the default fake."""

    def test_create_sends_the_body(self, agents, fake_heygen):
        """Only what was given is sent; no Idempotency-Key (the spec takes none here)."""
        session = agents.create(PROMPT, mode="generate", orientation="landscape")
        assert session.status == "thinking"
        assert session.created_at is not None
        [sent] = fake_heygen.requests_for("POST", "/v3/video-agents")
        assert json.loads(sent.body) == {
            "prompt": PROMPT,
            "mode": "generate",
            "orientation": "landscape",
        }

    def test_get_moves_through_states(self, agents):
        """thinking, generating, completed; the video id appears while generating."""
        session = agents.create(PROMPT)
        states = [agents.get(session.id) for _ in range(3)]
        assert [s.status for s in states] == ["thinking", "generating", "completed"]
        assert states[1].video_id == states[2].video_id is not None
        assert [s.progress for s in states] == [33, 66, 100]

    def test_send_while_working_is_a_conflict(self, agents):
        """A message while the agent works is refused (409); after it ends it is taken."""
        session = agents.create(PROMPT, mode="chat")
        with pytest.raises(ConflictError):
            agents.send(session.id, "Hurry")
        agents.wait(session.id)
        assert agents.send(session.id, "Calm, please").run_id

    def test_unknown_session_and_resource(self, agents):
        """Unknown sessions and resources are NotFoundError."""
        session = agents.create(PROMPT)
        with pytest.raises(NotFoundError):
            agents.get("f" * 32)
        with pytest.raises(NotFoundError):
            agents.resource(session.id, "nope")
        with pytest.raises(NotFoundError):
            agents.videos("f" * 32)

    def test_the_video_downloads(self, agents, heygen_client, fake_heygen, tmp_path):
        """A session's finished video is on the fake's CDN, whole."""
        session = agents.create(PROMPT)
        agents.wait(session.id)
        [video] = agents.videos(session.id)
        download(heygen_client, video.video_url, tmp_path / "agent.mp4")
        assert (tmp_path / "agent.mp4").read_bytes() == fake_heygen.video_payload()

    def test_stop_a_finished_session_changes_nothing(self, agents):
        """Stopping a completed session leaves it completed."""
        session = agents.create(PROMPT)
        agents.wait(session.id)
        agents.stop(session.id)
        assert agents.get(session.id).is_completed


class TestWait:
    """wait: the shared helper, ending on completion, input, failure or the deadline."""

    def test_wait_completes(self, agents):
        """A generate session is waited on until completed, each state reported."""
        session = agents.create(PROMPT)
        seen = []
        done = agents.wait(session.id, on_progress=lambda s: seen.append(s.status))
        assert done.is_completed
        assert seen == ["thinking", "generating", "completed"]

    def test_wait_ends_when_the_agent_asks(self, agents):
        """A chat session's question ends the wait; ``until_input=False`` waits past it."""
        session = agents.create(PROMPT, mode="chat")
        asking = agents.wait(session.id)
        assert asking.status == "waiting_for_input"
        assert "tone" in (asking.messages[0].content or "")
        with pytest.raises(WaitTimeoutError) as info:
            agents.wait(session.id, until_input=False, timeout=30, poll=10)
        assert info.value.last_status == "waiting_for_input"

    def test_wait_on_a_failure_with_a_message(self, agents, fake_heygen):
        """The session's error message is on the error."""
        fake_heygen.fail_video_agent(message="Prompt refused")
        session = agents.create(PROMPT)
        with pytest.raises(JobFailedError, match="Prompt refused") as info:
            agents.wait(session.id)
        assert info.value.job_id == session.id
        assert info.value.job_status == "failed"

    def test_wait_on_a_failure_without_reason(self, agents, fake_heygen):
        """A failure with no error message says none was given."""
        session = agents.create(PROMPT)
        fake_heygen.fail_video_agent(session.id, message=None)
        with pytest.raises(JobFailedError, match="gave no reason"):
            agents.wait(session.id)

    def test_a_scripted_failure_of_the_next_run(self, agents, fake_heygen):
        """Scripting a session whose run ended fails its next run, after a message."""
        session = agents.create(PROMPT, mode="chat")
        agents.wait(session.id)
        fake_heygen.fail_video_agent(session.id, message="Revision failed")
        agents.send(session.id, "Upbeat")
        with pytest.raises(JobFailedError, match="Revision failed"):
            agents.wait(session.id)

    def test_wait_survives_a_passing_error(self, agents, fake_heygen):
        """A 502 on a poll does not end the wait."""
        session = agents.create(PROMPT)
        fake_heygen.inject("GET", f"/v3/video-agents/{session.id}", *[Fault.status(502)] * 4)
        assert agents.wait(session.id).is_completed

    def test_wait_times_out(self, agents):
        """A deadline shorter than the run ends with WaitTimeoutError."""
        session = agents.create(PROMPT)
        with pytest.raises(WaitTimeoutError) as info:
            agents.wait(session.id, timeout=15, poll=10)
        assert info.value.last_status == "generating"


class TestArgumentChecks:
    """Mistakes raise naming the argument, and nothing is sent."""

    @pytest.mark.parametrize(
        ("call", "error", "match"),
        [
            (lambda a: a.create(""), ValueError, "prompt"),
            (lambda a: a.create("x" * 10_001), ValueError, "10000"),
            (lambda a: a.create(None), TypeError, "prompt"),
            (lambda a: a.create(PROMPT, mode="auto"), ValueError, "mode"),
            (lambda a: a.create(PROMPT, orientation="square"), ValueError, "orientation"),
            (lambda a: a.create(PROMPT, avatar_id=""), ValueError, "avatar_id"),
            (lambda a: a.create(PROMPT, incognito_mode="yes"), TypeError, "incognito_mode"),
            (lambda a: a.create(PROMPT, files="a.png"), TypeError, "files"),
            (lambda a: a.create(PROMPT, files=[{"type": "url"}]), TypeError, r"files\[0\]"),
            (
                lambda a: a.create(PROMPT, files=[AgentFile.from_asset("a")] * 21),
                ValueError,
                "20",
            ),
            (lambda a: a.get(".."), ValueError, "session_id"),
            (lambda a: a.get(3), TypeError, "session_id"),
            (lambda a: a.send("s", ""), ValueError, "message"),
            (lambda a: a.send("", "hi"), ValueError, "session_id"),
            (lambda a: a.stop("."), ValueError, "session_id"),
            (lambda a: a.resource("s", ".."), ValueError, "resource_id"),
            (lambda a: a.videos(""), ValueError, "session_id"),
            (lambda a: list(a.list(page_size=101)), ValueError, "page_size"),
            (lambda a: list(a.styles(page_size=0)), ValueError, "page_size"),
            (lambda a: list(a.styles(tag="")), ValueError, "tag"),
            (lambda a: a.wait("s", until_input="no"), TypeError, "until_input"),
            (lambda a: a.wait("s", poll=-1), ValueError, "poll"),
        ],
    )
    def test_refused_locally(self, agents, fake_heygen, call, error, match):
        """The mistake is named; the fake saw no request."""
        with pytest.raises(error, match=match):
            call(agents)
        assert fake_heygen.requests == []


class TestFakeRoutes:
    """FakeHeyGen's own checks (spec gate off), through raw HTTP."""

    @pytest.fixture
    def fake(self):
        """A fake without the spec gate; no handler errors."""
        with FakeHeyGen("k", render_polls=2, strict=False) as server:
            yield server
            assert server.handler_errors == []

    def call(self, fake, method, path, body=None):
        """The answer's status and JSON."""
        with urllib3.PoolManager(retries=False) as http:
            response = http.request(
                method,
                fake.base_url + path,
                body=None if body is None else json.dumps(body).encode(),
                headers={"X-Api-Key": "k", "Content-Type": "application/json"},
            )
        return response.status, json.loads(response.data)

    @pytest.mark.parametrize(
        ("body", "param"),
        [
            ({}, "prompt"),
            ({"prompt": " "}, "prompt"),
            ({"prompt": "x" * 10_001}, "prompt"),
            ({"prompt": "p", "mode": "auto"}, "mode"),
            ({"prompt": "p", "orientation": "square"}, "orientation"),
            ({"prompt": "p", "files": [{"type": "url"}]}, "files"),
            ({"prompt": "p", "files": [{"type": "base64", "data": "AA=="}]}, "files"),
            ({"prompt": "p", "files": [{"type": "asset_id", "asset_id": "a"}] * 21}, "files"),
        ],
    )
    def test_create_refusals_name_the_parameter(self, fake, body, param):
        """A session without a usable prompt, mode, orientation or files is a 400 naming it."""
        status, answer = self.call(fake, "POST", "/v3/video-agents", body)
        assert status == 400
        assert answer["error"]["param"] == param

    def test_send_refusals_and_unknown_sessions(self, fake):
        """A message without text is a 400; unknown sessions are 404s on every route."""
        _, created = self.call(fake, "POST", "/v3/video-agents", {"prompt": "p"})
        session = created["data"]["session_id"]
        status, answer = self.call(fake, "POST", f"/v3/video-agents/{session}", {"message": ""})
        assert (status, answer["error"]["param"]) == (400, "message")
        for method, path, body in (
            ("GET", "/v3/video-agents/nope", None),
            ("POST", "/v3/video-agents/nope", {"message": "hi"}),
            ("POST", "/v3/video-agents/nope/stop", {}),
            ("GET", "/v3/video-agents/nope/videos", None),
            ("GET", "/v3/video-agents/nope/resources/r1", None),
        ):
            assert self.call(fake, method, path, body)[0] == 404, path

    def test_stopped_run_video_failed(self):
        """A run stopped while generating leaves its video ``failed`` with ``STOPPED``."""
        with FakeHeyGen("k", render_polls=3, strict=False) as fake:
            self.stop_while_generating(fake)
            assert fake.handler_errors == []

    def stop_while_generating(self, fake):
        """Create, poll into ``generating``, stop: the run's video failed."""
        _, created = self.call(fake, "POST", "/v3/video-agents", {"prompt": "p"})
        session = created["data"]["session_id"]
        self.call(fake, "GET", f"/v3/video-agents/{session}")
        _, generating = self.call(fake, "GET", f"/v3/video-agents/{session}")
        assert generating["data"]["status"] == "generating"
        self.call(fake, "POST", f"/v3/video-agents/{session}/stop", {})
        _, videos = self.call(fake, "GET", f"/v3/video-agents/{session}/videos")
        [video] = videos["data"]
        assert (video["status"], video["failure_code"]) == ("failed", "STOPPED")

    def test_scripting_an_unknown_session_is_a_key_error(self, fake):
        """``fail_video_agent`` with an id the fake never made raises at once."""
        with pytest.raises(KeyError, match="nope"):
            fake.fail_video_agent("nope")
