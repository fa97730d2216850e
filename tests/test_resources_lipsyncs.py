"""``client.lipsyncs``: models, waits, argument checks and FakeHeyGen's lipsync routes."""

import json
from datetime import datetime, timezone

import pytest
import urllib3

from heygen_pipeline import (
    JobFailedError,
    MalformedResponseError,
    NotFoundError,
    WaitTimeoutError,
)
from heygen_pipeline.resources import (
    Lipsync,
    LipsyncBatch,
    LipsyncRequest,
    Lipsyncs,
    download,
)
from heygen_pipeline.testing import FakeHeyGen, Fault

VIDEO = "https://example.com/source.mp4"
AUDIO = "https://example.com/dub.mp3"
ONE = LipsyncRequest(video_url=VIDEO, audio_url=AUDIO)


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
def lipsyncs(heygen_client):
    """``Lipsyncs`` on the test client (jobs finish on the 3rd poll), on a fake clock."""
    time = FakeTime()
    return Lipsyncs(heygen_client, sleep=time.sleep, clock=time.clock)


class TestModels:
    """Lipsync and LipsyncBatch read the spec's objects, tolerantly."""

    def test_a_completed_lipsync(self):
        """Every field the spec gives is read; ``raw`` keeps the object."""
        data = {
            "id": "ls-1",
            "status": "COMPLETED",
            "title": "Dub",
            "video_url": "https://cdn.test/v.mp4",
            "caption_url": "https://cdn.test/c.srt",
            "duration": 12,
            "failure_message": None,
            "callback_id": "cb",
            "created_at": 1_700_000_000,
        }
        job = Lipsync.from_api(data)
        assert job.status == "completed"
        assert job.is_completed
        assert job.is_done
        assert not job.is_failed
        assert job.duration == 12.0
        assert job.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
        assert job.raw == data

    def test_a_creation_answer_and_an_empty_object(self):
        """``{lipsync_id}`` gives the id; an empty object gives Nones, not errors."""
        assert Lipsync.from_api({"lipsync_id": "ls-2"}).id == "ls-2"
        empty = Lipsync.from_api({})
        assert empty.id is None
        assert not empty.is_done

    def test_times_at_the_end_of_year_9999(self):
        """Milliseconds in the last second of 9999 are read; past it, the time is None."""
        late = Lipsync.from_api({"created_at": 253_402_300_799_001})
        assert late.created_at is not None
        assert late.created_at.year == 9999
        assert Lipsync.from_api({"created_at": 253_402_300_800_000}).created_at is None

    def test_not_an_object_is_malformed(self):
        """A list where a lipsync belongs is MalformedResponseError."""
        with pytest.raises(MalformedResponseError):
            Lipsync.from_api(["ls-1"])  # type: ignore[arg-type]

    def test_a_batch(self):
        """A batch reads its items (the spec calls their id ``video_id``)."""
        batch = LipsyncBatch.from_api(
            {
                "batch_id": "b1",
                "status": "processing",
                "total_items": 1,
                "counts_by_status": {"queued": 1},
                "created_at": 1_700_000_000,
                "items": [{"item_index": 0, "status": "queued", "video_id": "ls-1"}],
                "has_more": False,
            }
        )
        assert batch.items[0].id == "ls-1"
        assert batch.counts_by_status == {"queued": 1}


class TestRequest:
    """LipsyncRequest: the spec's fields, checked when built."""

    def test_every_field_goes_where_the_spec_puts_it(self):
        """Sources become ``{type, ...}`` objects, the rest keep their names, None is left out."""
        request = LipsyncRequest(
            video_asset_id="a-v",
            audio_url=AUDIO,
            title="T",
            mode="speed",
            fps_mode="passthrough",
            start_time=0,
            end_time=5.5,
            enable_caption=False,
            extra={"future_field": 1},
        )
        assert request.to_api() == {
            "video": {"type": "asset_id", "asset_id": "a-v"},
            "audio": {"type": "url", "url": AUDIO},
            "title": "T",
            "mode": "speed",
            "fps_mode": "passthrough",
            "start_time": 0,
            "end_time": 5.5,
            "enable_caption": False,
            "future_field": 1,
        }

    @pytest.mark.parametrize(
        ("fields", "error", "match"),
        [
            ({"audio_url": AUDIO}, TypeError, "video_url"),
            ({"video_url": VIDEO}, TypeError, "audio_url"),
            (
                {"video_url": VIDEO, "video_asset_id": "a", "audio_url": AUDIO},
                TypeError,
                "not both",
            ),
            ({"video_url": " ", "audio_url": AUDIO}, ValueError, "video_url"),
            ({"video_url": VIDEO, "audio_url": AUDIO, "mode": "fast"}, ValueError, "mode"),
            ({"video_url": VIDEO, "audio_url": AUDIO, "fps_mode": 24}, ValueError, "fps_mode"),
            ({"video_url": VIDEO, "audio_url": AUDIO, "start_time": -1}, ValueError, "start_time"),
            (
                {"video_url": VIDEO, "audio_url": AUDIO, "start_time": 5, "end_time": 5},
                ValueError,
                "end_time",
            ),
            ({"video_url": VIDEO, "audio_url": AUDIO, "enable_caption": 1}, TypeError, "caption"),
            ({"video_url": VIDEO, "audio_url": AUDIO, "title": ""}, ValueError, "title"),
            ({"video_url": VIDEO, "audio_url": AUDIO, "extra": []}, TypeError, "extra"),
        ],
    )
    def test_mistakes_name_the_field(self, fields, error, match):
        """Each mistake is refused with the field's name."""
        with pytest.raises(error, match=match):
            LipsyncRequest(**fields)


class TestCreateAndGet:
    """create, get, list, update, delete on the default fake."""

    def test_create_sends_the_body_and_a_key(self, lipsyncs, fake_heygen):
        """The body is the request's; the client adds an Idempotency-Key."""
        job = lipsyncs.create(video_url=VIDEO, audio_asset_id="a-1", title="Dub")
        assert job.id
        assert job.title == "Dub"
        [sent] = fake_heygen.requests_for("POST", "/v3/lipsyncs")
        assert json.loads(sent.body) == {
            "video": {"type": "url", "url": VIDEO},
            "audio": {"type": "asset_id", "asset_id": "a-1"},
            "title": "Dub",
        }
        assert sent.header("Idempotency-Key")

    def test_a_repeated_key_replays_the_job(self, lipsyncs):
        """The same Idempotency-Key gives the same job, not a second one."""
        first = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO, idempotency_key="ls-key")
        again = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO, idempotency_key="ls-key")
        assert first.id == again.id
        assert len(list(lipsyncs.list())) == 1

    def test_get_moves_through_states(self, lipsyncs):
        """pending, running, completed, with the video link once done."""
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        states = [lipsyncs.get(job.id) for _ in range(3)]
        assert [s.status for s in states] == ["pending", "running", "completed"]
        assert states[-1].video_url
        assert states[-1].caption_url is None

    def test_unknown_and_deleted(self, lipsyncs):
        """An unknown or deleted lipsync is NotFoundError."""
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        lipsyncs.delete(job.id)
        with pytest.raises(NotFoundError):
            lipsyncs.get(job.id)
        with pytest.raises(NotFoundError):
            lipsyncs.update("f" * 32, title="x")

    def test_an_answer_without_an_id_is_malformed(self, lipsyncs, fake_heygen):
        """A creation answering no ``lipsync_id`` is MalformedResponseError with the request id."""
        fake_heygen.inject("POST", "/v3/lipsyncs", Fault.status(200, {"data": {}}))
        with pytest.raises(MalformedResponseError, match="lipsync_id") as info:
            lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        assert info.value.request_id == fake_heygen.requests[-1].request_id


class TestWait:
    """wait: the shared helper, with HeyGen's failure reason."""

    def test_wait_completes(self, lipsyncs):
        """``wait`` polls until the job is done, reporting each state."""
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        seen = []
        done = lipsyncs.wait(job.id, on_progress=lambda j: seen.append(j.status))
        assert done.is_completed
        assert seen == ["pending", "running", "completed"]

    def test_the_video_downloads(self, lipsyncs, heygen_client, fake_heygen, tmp_path):
        """A completed lipsync's ``video_url`` is on the fake's CDN, whole."""
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        done = lipsyncs.wait(job.id)
        result = download(heygen_client, done.video_url, tmp_path / "out.mp4")
        assert (tmp_path / "out.mp4").read_bytes() == fake_heygen.video_payload()
        assert result.size == len(fake_heygen.video_payload())

    def test_wait_on_a_failure_with_a_message(self, lipsyncs, fake_heygen):
        """HeyGen's ``failure_message`` is on the error."""
        fake_heygen.fail_lipsync(message="No face found")
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        with pytest.raises(JobFailedError, match="No face found") as info:
            lipsyncs.wait(job.id)
        assert info.value.job_id == job.id
        assert info.value.failure_message == "No face found"
        assert info.value.request_id

    def test_wait_on_a_failure_without_reason(self, lipsyncs, fake_heygen):
        """A failure with no message says none was given; a named job can be scripted."""
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        fake_heygen.fail_lipsync(job.id, message=None)
        with pytest.raises(JobFailedError, match="gave no reason"):
            lipsyncs.wait(job.id)

    def test_wait_survives_a_passing_error(self, lipsyncs, fake_heygen):
        """A 503 on one poll does not end the wait."""
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        path = f"/v3/lipsyncs/{job.id}"
        fake_heygen.inject("GET", path, *[Fault.status(503)] * 4)
        assert lipsyncs.wait(job.id).is_completed

    def test_wait_times_out(self, lipsyncs):
        """A deadline shorter than the job ends with WaitTimeoutError."""
        job = lipsyncs.create(video_url=VIDEO, audio_url=AUDIO)
        with pytest.raises(WaitTimeoutError) as info:
            lipsyncs.wait(job.id, timeout=15, poll=10)
        assert info.value.last_status == "running"

    def test_bad_wait_arguments(self, lipsyncs, fake_heygen):
        """A bad timeout or id is refused before any poll."""
        with pytest.raises(ValueError, match="timeout"):
            lipsyncs.wait("ls-1", timeout=0)
        with pytest.raises(ValueError, match="lipsync_id"):
            lipsyncs.wait("..")
        assert fake_heygen.requests == []


class TestArgumentChecks:
    """Mistakes raise naming the argument, and nothing is sent."""

    @pytest.mark.parametrize(
        ("call", "error", "match"),
        [
            (lambda ls: ls.create(video_url=VIDEO), TypeError, "audio"),
            (lambda ls: ls.get(""), ValueError, "lipsync_id"),
            (lambda ls: ls.get("."), ValueError, "lipsync_id"),
            (lambda ls: ls.get(7), TypeError, "lipsync_id"),
            (lambda ls: ls.delete(".."), ValueError, "lipsync_id"),
            (lambda ls: ls.update("ls-1", title=""), ValueError, "title"),
            (lambda ls: list(ls.list(page_size=101)), ValueError, "page_size"),
            (lambda ls: list(ls.list(page_size=True)), TypeError, "page_size"),
            (lambda ls: ls.get_batch("b", page_size=0), ValueError, "page_size"),
            (lambda ls: ls.get_batch("b", token=""), ValueError, "token"),
            (lambda ls: ls.get_batch(".."), ValueError, "batch_id"),
            (lambda ls: ls.statuses(), TypeError, "lipsync_ids"),
            (lambda ls: ls.statuses("ls-1"), TypeError, "lipsync_ids"),
            (lambda ls: ls.statuses([]), ValueError, "lipsync_ids"),
            (lambda ls: ls.statuses(batch_ids=["a,b"]), ValueError, "batch_ids"),
            (lambda ls: ls.create_batch([]), ValueError, "1 to 100"),
            (lambda ls: ls.create_batch({"video_url": VIDEO}), TypeError, "requests"),
            (lambda ls: ls.create_batch([{"video_url": VIDEO}]), TypeError, r"requests\[0\]"),
            (
                lambda ls: ls.create_batch(
                    [LipsyncRequest(video_url=VIDEO, audio_url=AUDIO)] * 101
                ),
                ValueError,
                "101",
            ),
            (
                lambda ls: ls.create_batch(
                    [LipsyncRequest(video_url=VIDEO, audio_url=AUDIO)], title=""
                ),
                ValueError,
                "title",
            ),
        ],
    )
    def test_refused_locally(self, lipsyncs, fake_heygen, call, error, match):
        """The mistake is named; the fake saw no request."""
        with pytest.raises(error, match=match):
            call(lipsyncs)
        assert fake_heygen.requests == []


class TestFakeRoutes:
    """FakeHeyGen's own checks (spec gate off), through raw HTTP."""

    @pytest.fixture
    def fake(self):
        """A fake without the spec gate; no handler errors."""
        with FakeHeyGen("k", render_polls=2, strict=False) as server:
            yield server
            assert server.handler_errors == []

    def call(self, fake, method, path, body=None, headers=None):
        """The answer's status and JSON."""
        with urllib3.PoolManager(retries=False) as http:
            response = http.request(
                method,
                fake.base_url + path,
                body=None if body is None else json.dumps(body).encode(),
                headers={"X-Api-Key": "k", "Content-Type": "application/json", **(headers or {})},
            )
        return response.status, json.loads(response.data)

    @pytest.mark.parametrize(
        ("body", "param"),
        [
            ({"audio": {"type": "url", "url": AUDIO}}, "video"),
            ({"video": {"type": "url", "url": VIDEO}}, "audio"),
            ({"video": {"type": "url"}, "audio": {"type": "url", "url": AUDIO}}, "video"),
            (
                {
                    "video": {"type": "url", "url": VIDEO},
                    "audio": {"type": "url", "url": AUDIO},
                    "start_time": 4,
                    "end_time": 2,
                },
                "end_time",
            ),
        ],
    )
    def test_create_refusals_name_the_parameter(self, fake, body, param):
        """A lipsync without its sources, or with times backwards, is a 400 naming it."""
        status, answer = self.call(fake, "POST", "/v3/lipsyncs", body)
        assert status == 400
        assert answer["error"]["param"] == param

    def test_batch_refusals(self, fake):
        """An empty, oversized or malformed batch is a 400 naming ``lipsyncs``."""
        good = {"video": {"type": "url", "url": VIDEO}, "audio": {"type": "url", "url": AUDIO}}
        for entries in ([], [good] * 101, ["x"], [{"video": good["video"]}]):
            status, answer = self.call(fake, "POST", "/v3/lipsyncs/batches", {"lipsyncs": entries})
            assert status == 400
            assert answer["error"]["param"] in {"lipsyncs", "audio"}

    def test_a_bad_idempotency_key_and_unknown_ids(self, fake):
        """A key with spaces is a 400; unknown jobs and batches are 404s."""
        good = {"video": {"type": "url", "url": VIDEO}, "audio": {"type": "url", "url": AUDIO}}
        status, answer = self.call(fake, "POST", "/v3/lipsyncs", good, {"Idempotency-Key": "a b"})
        assert (status, answer["error"]["param"]) == (400, "Idempotency-Key")
        assert self.call(fake, "GET", "/v3/lipsyncs/nope")[0] == 404
        assert self.call(fake, "DELETE", "/v3/lipsyncs/nope")[0] == 404
        assert self.call(fake, "GET", "/v3/lipsyncs/batches/nope")[0] == 404
        assert self.call(fake, "PATCH", "/v3/lipsyncs/nope", {})[0] == 400

    def test_a_failed_batch_item_carries_the_reason(self, fake):
        """A scripted failure shows in the batch item's error and the statuses' error."""
        good = {"video": {"type": "url", "url": VIDEO}, "audio": {"type": "url", "url": AUDIO}}
        fake.fail_lipsync(message="Bad audio")
        _, created = self.call(fake, "POST", "/v3/lipsyncs/batches", {"lipsyncs": [good]})
        batch_id = created["data"]["batch_id"]
        self.call(fake, "GET", f"/v3/lipsyncs/batches/{batch_id}")
        _, done = self.call(fake, "GET", f"/v3/lipsyncs/batches/{batch_id}")
        [item] = done["data"]["items"]
        assert done["data"]["status"] == "failed"
        assert item["error"] == {"code": "lipsync_failed", "message": "Bad audio"}
        _, statuses = self.call(fake, "GET", f"/v3/lipsyncs/statuses?batch_ids={batch_id}")
        assert statuses["data"][0]["error"]["message"] == "Bad audio"

    def test_scripting_an_unknown_job_is_a_key_error(self, fake):
        """``fail_lipsync`` with an id the fake never made raises at once."""
        with pytest.raises(KeyError, match="nope"):
            fake.fail_lipsync("nope")
