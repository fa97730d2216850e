"""Contract tests of ``client.video_agents`` against HeyGen's v3 spec.

Each typed method runs against a FakeHeyGen with default arguments and with every option;
every request sent and every answer given is checked with openapi-core.
"""

import pytest
from _spec_check import assert_contract, checked_client, operations_called, spec

from heygen_pipeline.resources import AgentFile, VideoAgents
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen

PROMPT = "A 30-second product teaser for our new espresso machine"
FILES = [
    AgentFile.from_url("https://example.com/logo.png"),
    AgentFile.from_asset("asset-1"),
    AgentFile.from_bytes(b"\x89PNG fake", "image/png"),
]


@pytest.fixture
def env():
    """A fake (runs end on the 2nd poll) and a checked client; contract checked at the end."""
    fake = FakeHeyGen(render_polls=2)
    client, replies = checked_client(fake)
    yield fake, VideoAgents(client, sleep=lambda _: None)
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


class TestSessions:
    """Create, list, get, wait, videos and resources."""

    def test_create_defaults_and_every_option(self, env):
        """``create`` with the prompt only, then with every field of the spec."""
        fake, agents = env
        plain = agents.create(PROMPT)
        full = agents.create(
            PROMPT,
            mode="chat",
            avatar_id="look-1",
            voice_id="voice-1",
            style_id="style-clean-01",
            brand_kit_id="kit-1",
            orientation="portrait",
            files=FILES,
            incognito_mode=True,
            callback_url="https://example.com/hook",
            callback_id="cb-1",
        )
        assert plain.status == "thinking"
        assert full.id != plain.id
        assert called(fake) == {"POST /v3/video-agents"}

    def test_generate_session_to_its_video(self, env):
        """A generate session completes; its video and resource answer in the spec's shape."""
        fake, agents = env
        session = agents.create(PROMPT)
        done = agents.wait(session.id, timeout=60, poll=1)
        assert done.is_completed
        assert done.video_id
        assert done.progress == 100
        [newest, *_] = done.messages
        assert newest.type == "resource"
        resource = agents.resource(session.id, newest.resource_ids[0])
        assert resource.resource_type == "video"
        assert resource.url
        [video] = agents.videos(session.id)
        assert video.id == done.video_id
        assert video.is_completed
        assert video.video_url
        assert called(fake) == {
            "POST /v3/video-agents",
            "GET /v3/video-agents/{session_id}",
            "GET /v3/video-agents/{session_id}/resources/{resource_id}",
            "GET /v3/video-agents/{session_id}/videos",
        }

    def test_list_defaults_and_every_option(self, env):
        """The session list, with defaults and with a page size and page count."""
        fake, agents = env
        first = agents.create(PROMPT)
        second = agents.create("Another video")
        assert [s.id for s in agents.list()] == [first.id, second.id]
        assert [s.id for s in agents.list(page_size=1, max_pages=1)] == [first.id]
        assert all(s.title for s in agents.list(page_size=100))
        assert called(fake) == {"POST /v3/video-agents", "GET /v3/video-agents"}

    def test_styles_defaults_and_every_option(self, env):
        """The styles, all of them and by tag, paged."""
        fake, agents = env
        every = list(agents.styles())
        assert len(every) == 4
        assert all(s.id and s.name for s in every)
        tagged = list(agents.styles(tag="business", page_size=1, max_pages=5))
        assert [s.id for s in tagged] == ["style-clean-01", "style-news-01"]
        assert all("business" in s.tags for s in tagged)
        assert called(fake) == {"GET /v3/video-agents/styles"}


class TestChat:
    """Send, stop, and a failed run."""

    def test_chat_question_answer_and_revision(self, env):
        """A chat session asks, a message (default and every option) starts the next run."""
        fake, agents = env
        session = agents.create(PROMPT, mode="chat")
        asking = agents.wait(session.id, timeout=60, poll=1)
        assert asking.needs_input
        assert asking.messages[0].role == "model"
        run = agents.send(session.id, "Upbeat, please")
        assert run.session_id == session.id
        assert run.run_id
        assert agents.wait(session.id, timeout=60, poll=1).is_completed
        again = agents.send(
            session.id,
            "Make the logo bigger",
            avatar_id="look-2",
            voice_id="voice-2",
            brand_kit_id="kit-2",
            files=FILES[:1],
        )
        assert again.run_id != run.run_id
        agents.wait(session.id, timeout=60, poll=1)
        assert len(agents.videos(session.id)) == 2
        assert "POST /v3/video-agents/{session_id}" in called(fake)

    def test_stop_ends_the_run(self, env):
        """Stopping a working session leaves it waiting for input; its video failed."""
        fake, agents = env
        session = agents.create(PROMPT)
        stopped = agents.stop(session.id)
        assert stopped.id == session.id
        after = agents.get(session.id)
        assert after.status == "waiting_for_input"
        assert "POST /v3/video-agents/{session_id}/stop" in called(fake)

    def test_a_failed_run_answers_its_reason(self, env):
        """A scripted failure: the session ``failed`` with an error message, the video too."""
        fake, agents = env
        fake.fail_video_agent(code="SCRIPT_TOO_LONG", message="The script is too long")
        session = agents.create(PROMPT)
        agents.get(session.id)
        failed = agents.get(session.id)
        assert failed.is_failed
        assert failed.failure_message == "The script is too long"
        [video] = agents.videos(session.id)
        assert video.is_failed
        assert video.failure_code == "SCRIPT_TOO_LONG"
        assert video.failure_message == "The script is too long"


class TestCoverage:
    """Every video agent operation of the spec has a tagged method exercised above."""

    def test_every_operation_is_tagged(self):
        """The tags on ``VideoAgents`` name all 8 video agent operations of the v3 spec."""
        tagged = {
            ref.key
            for name in dir(VideoAgents)
            for ref in operations_of(getattr(VideoAgents, name))
            if ref.spec == "v3"
        }
        wanted = {op.key for op in spec().operations if op.family == "video-agents"}
        assert len(wanted) == 8
        assert tagged == wanted
