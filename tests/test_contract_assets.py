"""Contract tests of ``client.assets`` against HeyGen's v3 spec.

Each typed method runs against a FakeHeyGen with default arguments and with every option;
every request sent and every answer given is checked with openapi-core.
"""

import hashlib

import pytest
from _spec_check import (
    assert_contract,
    checked_client,
    operations_called,
    request_problems,
    spec,
)

from heygen_pipeline import BadRequestError
from heygen_pipeline.resources import Assets, UploadFile
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen, Fault

DATA = bytes(range(256)) * 64


@pytest.fixture
def env(tmp_path):
    """A fake, a checked client on it and a small file; contract checked at the end."""
    fake = FakeHeyGen()
    client, replies = checked_client(fake)
    path = tmp_path / "clip.mp4"
    path.write_bytes(DATA)
    yield fake, client, path
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


class TestUploads:
    """Multipart, direct and batch uploads."""

    def test_multipart_defaults(self, env):
        """``upload`` with defaults: POST /v3/assets in the spec's shape."""
        fake, client, path = env
        client.assets.upload(path)
        assert called(fake) == {"POST /v3/assets"}

    def test_multipart_every_option(self, env):
        """Every option of ``upload`` on the multipart route."""
        fake, client, path = env
        client.assets.upload(
            path,
            content_type="video/mp4",
            filename="named.mp4",
            on_progress=lambda *_: None,
            via="multipart",
            max_size=len(DATA),
            chunk_size=1000,
            timeout=30,
            idempotency_key="upload-key-1",
        )
        assert called(fake) == {"POST /v3/assets"}

    def test_direct_defaults(self, env):
        """``upload_direct``: create, PUT (not an API call) and complete."""
        fake, client, path = env
        client.assets.upload_direct(path)
        assert called(fake) == {
            "POST /v3/assets/direct-uploads",
            "POST /v3/assets/{asset_id}/complete",
        }

    def test_direct_every_option(self, env):
        """``upload(via="direct")`` with a checksum, name, type and progress."""
        fake, client, path = env
        asset = client.assets.upload(
            path,
            via="direct",
            checksum=True,
            content_type="video/mp4",
            filename="named.mp4",
            on_progress=lambda *_: None,
            chunk_size=4096,
        )
        [create] = fake.requests_for("POST", "/v3/assets/direct-uploads")
        assert b'"checksum_sha256"' in create.body
        assert asset.status == "processing"

    def test_direct_steps_by_hand(self, env):
        """``create_direct_upload`` with every field, then ``complete_upload`` with a checksum."""
        _, client, path = env
        digest = hashlib.sha256(DATA).hexdigest()
        slot = client.assets.create_direct_upload(
            filename="c.mp4", content_type="video/mp4", size_bytes=len(DATA), checksum_sha256=digest
        )
        client.assets.send_direct_upload(slot, path)
        client.assets.complete_upload(slot.asset_id, checksum_sha256=digest)
        client.assets.complete_upload(slot.asset_id)

    def test_batches(self, env, tmp_path):
        """Batch create (every option), complete and get (default and every option)."""
        fake, client, path = env
        other = tmp_path / "b.png"
        other.write_bytes(b"\x89PNG" + DATA)
        batch = client.assets.upload_batch(
            [path, other], title="Two", callback_url="https://example.com/hook", checksum=True
        )
        client.assets.get_batch(batch.batch_id)
        client.assets.get_batch(batch.batch_id, page_size=1, token=None)
        first = client.assets.get_batch(batch.batch_id, page_size=1)
        client.assets.get_batch(batch.batch_id, page_size=1, token=first.next_token)
        plain = client.assets.create_direct_upload_batch([UploadFile.from_path(path)])
        client.assets.complete_batch(plain.batch_id)
        assert called(fake) >= {
            "POST /v3/assets/direct-uploads/batches",
            "POST /v3/assets/complete/batches",
            "GET /v3/assets/batches/{batch_id}",
        }


class TestLookups:
    """List, get, delete, search and statuses."""

    def test_list_get_delete(self, env):
        """Each with defaults and every option."""
        fake, client, path = env
        asset = client.assets.upload(path)
        assert [a.id for a in client.assets.list("fake-user")] == [asset.id]
        list(client.assets.list("fake-user", folder_id="f-1", page_size=100, max_pages=1))
        client.assets.get(asset.id)
        client.assets.delete(asset.id)
        assert called(fake) >= {
            "GET /v3/assets",
            "GET /v3/assets/{asset_id}",
            "DELETE /v3/assets/{asset_id}",
        }

    def test_search(self, env):
        """``search`` with defaults and with scope and the largest page size."""
        fake, client, _ = env
        assert list(client.assets.search("office", kind="image"))
        list(client.assets.search("office", kind="icon", scope="public", page_size=50, max_pages=2))
        list(client.assets.search("office", kind="image", scope="personal", page_size=1))
        assert called(fake) == {"GET /v3/assets/search"}

    def test_statuses(self, env):
        """``statuses`` by asset ids, by batch ids, and both."""
        fake, client, path = env
        asset = client.assets.upload_direct(path)
        batch = client.assets.upload_batch([path])
        client.assets.statuses([asset.id])
        client.assets.statuses(batch_ids=[batch.batch_id])
        client.assets.statuses([asset.id, "unknown"], batch_ids=[batch.batch_id, "nope"])
        assert "GET /v3/assets/statuses" in called(fake)


class TestCoverage:
    """Every asset operation of the spec has a tagged method exercised above."""

    def test_every_operation_is_tagged(self):
        """The tags on ``Assets`` name all 11 asset operations of the v3 spec."""
        tagged = {
            ref.key
            for name in dir(Assets)
            for ref in operations_of(getattr(Assets, name))
            if ref.spec == "v3"
        }
        wanted = {op.key for op in spec().operations if op.path.startswith("/v3/assets")}
        assert len(wanted) == 11
        assert tagged == wanted


class TestTheCheckItself:
    """The contract check fails on what breaks the spec (it is not a check that cannot fail)."""

    def test_a_request_that_breaks_the_spec_is_found(self):
        """A search with a limit over 50, and a list without username, are reported."""
        with FakeHeyGen() as fake:
            client, _ = checked_client(fake)
            params = {"query": "office", "type": "image", "limit": 51}
            for path, query in (("/v3/assets/search", params), ("/v3/assets", {})):
                with pytest.raises(BadRequestError):
                    client.request("GET", path, params=query)
            problems = request_problems(fake)
            client.close()
        assert len(problems) == 2
        assert "limit" in problems[0]
        assert "username" in problems[1]

    def test_a_reply_that_breaks_the_spec_is_found(self):
        """An asset answered without its required fields is reported."""
        with FakeHeyGen() as fake:
            client, replies = checked_client(fake)
            fake.inject("GET", "/v3/assets/a1", Fault.status(200, {"data": {"id": 5}}))
            client.assets.get("a1")
            client.close()
        [problem] = replies.problems()
        assert "GET /v3/assets/a1" in problem
