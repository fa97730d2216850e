import base64
import hashlib
import json
import subprocess
import sys
import textwrap
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest

from heygen_pipeline import (
    BadRequestError,
    HeyGenClient,
    MalformedResponseError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
)
from heygen_pipeline.resources import (
    MAX_ASSET_BYTES,
    FileBody,
    UploadFile,
    download,
    multipart_body,
)
from heygen_pipeline.resources._assets import choose_route
from heygen_pipeline.testing import FakeHeyGen, Fault
from heygen_pipeline.testing._fake_multipart import MultipartParser

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


@pytest.fixture
def png(tmp_path):
    """A small PNG-looking file."""
    path = tmp_path / "logo.png"
    path.write_bytes(PNG)
    return path


class TestUploadV3:
    """``assets.upload``: multipart ``POST /v3/assets``, streamed with its length."""

    def test_upload_sends_one_file_part_with_a_length(self, heygen_client, fake_heygen, png):
        """The part is ``file`` with name and type; the request has a Content-Length."""
        progress: list[tuple[int, int]] = []
        asset = heygen_client.assets.upload(png, on_progress=lambda *a: progress.append(a))
        [sent] = fake_heygen.requests_for("POST", "/v3/assets")
        assert sent.header("Content-Length") == str(sent.body_size)
        assert sent.header("Transfer-Encoding") is None
        assert sent.header("Content-Type").startswith("multipart/form-data; boundary=")
        assert sent.header("Idempotency-Key")
        [part] = sent.form
        assert (part.name, part.filename, part.content_type) == ("file", "logo.png", "image/png")
        assert part.body == PNG
        assert (asset.mime_type, asset.size) == ("image/png", len(PNG))
        assert asset.url.startswith(fake_heygen.cdn_url)
        assert progress[0] == (0, len(PNG))
        assert progress[-1] == (len(PNG), len(PNG))

    def test_uploaded_asset_is_listed(self, heygen_client, png):
        """The v3 asset list shows it with its file name."""
        asset = heygen_client.assets.upload(png, filename="brand.png")
        [listed] = heygen_client.assets.list("fake-user")
        assert (listed.id, listed.name, listed.file_type, listed.owner) == (
            asset.id,
            "brand.png",
            "image",
            "fake-user",
        )

    def test_over_the_limit_fails_before_sending(self, heygen_client, fake_heygen, png):
        """A file over ``max_size`` raises PayloadTooLargeError and sends nothing."""
        with pytest.raises(PayloadTooLargeError, match="nothing was sent"):
            heygen_client.assets.upload(png, max_size=100)
        assert fake_heygen.requests == []

    def test_server_413_is_typed(self, tmp_path):
        """With the local check off, the server's 413 comes back as PayloadTooLargeError."""
        path = tmp_path / "big.mp4"
        path.write_bytes(b"\0" * 5000)
        with (
            FakeHeyGen(asset_max_bytes=4096) as fake,
            HeyGenClient(fake.api_key, base_url=fake.base_url) as client,
        ):
            with pytest.raises(PayloadTooLargeError) as info:
                client.assets.upload(path, max_size=None)
            assert info.value.code == "payload_too_large"
            assert fake.assets == []

    def test_a_sent_body_is_not_replayed_after_a_429(self, heygen_client, fake_heygen, png):
        """Once the file went out, a 429 comes back to the caller instead of a resend."""
        fake_heygen.inject("POST", "/v3/assets", Fault.rate_limited("1"))
        with pytest.raises(RateLimitError):
            heygen_client.assets.upload(png)
        assert len(fake_heygen.requests_for("POST", "/v3/assets")) == 1

    def test_missing_file(self, heygen_client, tmp_path):
        """A path that is not a file is FileNotFoundError."""
        with pytest.raises(FileNotFoundError):
            heygen_client.assets.upload(tmp_path / "nope.png")
        with pytest.raises(FileNotFoundError, match="is not a file"):
            heygen_client.assets.upload(tmp_path)


class TestUploadV1:
    """``assets.upload_v1``: raw bytes to the upload host, typed by extension."""

    @pytest.mark.parametrize(
        "case",
        [
            ("a.png", "image/png", "image"),
            ("a.JPG", "image/jpeg", "image"),
            ("a.jpeg", "image/jpeg", "image"),
            ("a.mp4", "video/mp4", "video"),
            ("a.webm", "video/webm", "video"),
            ("a.mp3", "audio/mpeg", "audio"),
        ],
    )
    def test_content_type_from_extension(self, heygen_client, fake_heygen, tmp_path, case):
        """Each allowed extension is sent with its Content-Type and a Content-Length."""
        name, content_type, file_type = case
        path = tmp_path / name
        path.write_bytes(PNG)
        asset = heygen_client.assets.upload_v1(path)
        [sent] = fake_heygen.requests_for("POST", "/v1/asset", host="upload")
        assert sent.header("Content-Type") == content_type
        assert sent.header("Content-Length") == str(len(PNG))
        assert sent.header("X-Api-Key") == fake_heygen.api_key
        assert sent.body == PNG
        assert asset.file_type == file_type
        assert fake_heygen.assets[0].sha256 == hashlib.sha256(PNG).hexdigest()

    def test_unknown_extension_is_refused(self, heygen_client, fake_heygen, tmp_path):
        """An extension the legacy host does not take fails clearly, before sending."""
        path = tmp_path / "notes.txt"
        path.write_text("hi")
        with pytest.raises(ValueError, match=r"\.png, \.jpg"):
            heygen_client.assets.upload_v1(path)
        with pytest.raises(ValueError, match="accepts only"):
            heygen_client.assets.upload_v1(path, content_type="text/plain")
        assert fake_heygen.requests == []

    def test_content_type_override(self, heygen_client, fake_heygen, tmp_path):
        """``content_type`` wins over a misleading name."""
        path = tmp_path / "clip.bin"
        path.write_bytes(PNG)
        heygen_client.assets.upload_v1(path, content_type="video/mp4")
        assert fake_heygen.requests[-1].header("Content-Type") == "video/mp4"


class TestBodies:
    """The streamed bodies themselves."""

    def test_multipart_framing_is_exact(self, png):
        """The declared length is what is yielded, and it parses back to the file."""
        content_type, body = multipart_body(png, len(PNG), chunk_size=1000)
        chunks = list(body)
        assert sum(map(len, chunks)) == body.length
        assert all(len(chunk) <= 1000 for chunk in chunks)
        parser = MultipartParser.for_content_type(content_type)
        for chunk in chunks:
            parser.feed(chunk)
        [part] = parser.close()
        assert part.body == PNG

    def test_quotes_in_file_names_are_escaped(self, png):
        """A quote or line break in the name cannot break the part's headers."""
        content_type, body = multipart_body(png, len(PNG), filename='a"b\r\nX: y.png')
        parser = MultipartParser.for_content_type(content_type)
        for chunk in body:
            parser.feed(chunk)
        [part] = parser.close()
        assert part.filename == 'a"b\r\nX: y.png'
        assert part.body == PNG

    def test_body_can_be_read_again(self, png):
        """Each iteration opens the file anew."""
        body = FileBody(png, len(PNG))
        assert b"".join(body) == b"".join(body) == PNG

    def test_a_file_that_changed_size_fails(self, tmp_path):
        """Fewer or more bytes than promised raise instead of sending a wrong length."""
        path = tmp_path / "f.mp4"
        path.write_bytes(b"12345")
        with pytest.raises(OSError, match="shrank"):
            list(FileBody(path, 10))
        with pytest.raises(OSError, match="grew"):
            list(FileBody(path, 3))


def sparse(path, size):
    """A file of ``size`` zero bytes that takes no disk space (quick to make)."""
    with path.open("wb") as out:
        out.truncate(size)
    return path


class TestChooseRoute:
    """The pure rule for how ``upload`` sends a file."""

    @pytest.mark.parametrize(
        ("size", "via", "route"),
        [
            (0, "auto", "multipart"),
            (MAX_ASSET_BYTES, "auto", "multipart"),
            (MAX_ASSET_BYTES + 1, "auto", "direct"),
            (10, "direct", "direct"),
            (MAX_ASSET_BYTES + 1, "multipart", "multipart"),
        ],
    )
    def test_route(self, size, via, route):
        """Up to 32 MB multipart, above it direct, unless the caller says which."""
        assert choose_route(size, via) == route


class TestDirectUpload:
    """Announce, stream the file to the presigned URL (no key there), complete."""

    def test_the_storage_host_gets_no_key(self, heygen_client, fake_heygen, png):
        """API calls carry the key; the PUT to the presigned URL carries none, with its length."""
        asset = heygen_client.assets.upload(png, via="direct")
        [create] = fake_heygen.requests_for("POST", "/v3/assets/direct-uploads")
        [put] = [r for r in fake_heygen.requests if r.method == "PUT"]
        [done] = fake_heygen.requests_for("POST", f"/v3/assets/{asset.id}/complete")
        assert create.header("X-Api-Key") == done.header("X-Api-Key") == fake_heygen.api_key
        assert put.host == "cdn"
        assert put.header("X-Api-Key") is None
        assert put.header("Authorization") is None
        assert fake_heygen.cdn_saw_key is False
        assert put.header("Content-Length") == str(len(PNG))
        assert put.header("Content-Type") == "image/png"
        assert put.body_sha256 == hashlib.sha256(PNG).hexdigest()
        assert (asset.status, asset.size, asset.mime_type) == ("processing", len(PNG), "image/png")

    def test_the_stored_file_is_what_was_sent(self, heygen_client, fake_heygen, png, tmp_path):
        """The completed asset's URL serves back the exact bytes (spooled to disk by the fake)."""
        asset = heygen_client.assets.upload_direct(png, filename="brand.png")
        result = download(heygen_client, asset.url, tmp_path / "back.png")
        assert result.path.read_bytes() == PNG
        assert heygen_client.assets.get(asset.id).name == "brand.png"

    def test_over_32_mb_goes_direct(self, heygen_client, fake_heygen, tmp_path):
        """A file one byte over 32 MB takes the direct route, streamed whole."""
        big = sparse(tmp_path / "big.mp4", MAX_ASSET_BYTES + 1)
        seen: list[int] = []
        asset = heygen_client.assets.upload(big, on_progress=lambda sent, _: seen.append(sent))
        assert fake_heygen.requests_for("POST", "/v3/assets") == []
        [put] = [r for r in fake_heygen.requests if r.method == "PUT"]
        assert put.body_size == MAX_ASSET_BYTES + 1
        assert seen[-1] == MAX_ASSET_BYTES + 1
        assert fake_heygen.assets[-1].sha256 == put.body_sha256
        assert asset.size == MAX_ASSET_BYTES + 1

    def test_checksum_is_announced_sent_and_checked(self, heygen_client, fake_heygen, png):
        """``checksum=True``: the SHA-256 goes to create and complete, S3's header on the PUT."""
        heygen_client.assets.upload(png, via="direct", checksum=True)
        digest = hashlib.sha256(PNG).hexdigest()
        [create] = fake_heygen.requests_for("POST", "/v3/assets/direct-uploads")
        [put] = [r for r in fake_heygen.requests if r.method == "PUT"]
        assert json.loads(create.body)["checksum_sha256"] == digest
        assert (
            put.header("x-amz-checksum-sha256") == base64.b64encode(bytes.fromhex(digest)).decode()
        )

    def test_a_refused_put_is_typed_and_not_completed(self, heygen_client, fake_heygen, png):
        """A tampered signature answers 403 (S3's XML) as PermissionDeniedError; no completion."""
        slot = heygen_client.assets.create_direct_upload(
            filename="a.png", content_type="image/png", size_bytes=len(PNG)
        )
        bad = attrs.evolve(slot, upload_url=slot.upload_url.replace("Signature=", "Signature=0"))
        with pytest.raises(PermissionDeniedError) as info:
            heygen_client.assets.send_direct_upload(bad, png)
        assert info.value.status == 403
        assert "SignatureDoesNotMatch" in info.value.body_excerpt
        with pytest.raises(BadRequestError, match="not been uploaded"):
            heygen_client.assets.complete_upload(slot.asset_id)

    def test_a_size_mismatch_is_refused(self, heygen_client, fake_heygen, png, tmp_path):
        """A bigger file than the slot takes fails locally; a smaller one is refused by S3."""
        slot = heygen_client.assets.create_direct_upload(
            filename="a.png", content_type="image/png", size_bytes=100
        )
        with pytest.raises(PayloadTooLargeError, match="nothing was sent"):
            heygen_client.assets.send_direct_upload(slot, png)
        assert [r for r in fake_heygen.requests if r.method == "PUT"] == []
        small = tmp_path / "small.png"
        small.write_bytes(PNG[:50])
        with pytest.raises(PermissionDeniedError):
            heygen_client.assets.send_direct_upload(slot, small)

    def test_a_slot_without_its_url_is_malformed(self, heygen_client, fake_heygen, png):
        """An answer without ``upload_url`` is MalformedResponseError with the request id."""
        answer = {"data": {"asset_id": "a1", "status": "pending_upload"}}
        fake_heygen.inject("POST", "/v3/assets/direct-uploads", Fault.status(200, answer))
        with pytest.raises(MalformedResponseError, match="upload_url") as info:
            heygen_client.assets.upload_direct(png)
        assert info.value.request_id == fake_heygen.requests[-1].request_id
        assert [r.method for r in fake_heygen.requests] == ["POST"]

    def test_the_signature_never_shows(self, heygen_client, fake_heygen, png, captured_logs):
        """The slot's repr and the PUT's log line hide the URL's signature."""
        slot = heygen_client.assets.create_direct_upload(
            filename="a.png", content_type="image/png", size_bytes=len(PNG)
        )
        signature = parse_qs(urlsplit(slot.upload_url).query)["X-Amz-Signature"][0]
        heygen_client.assets.send_direct_upload(slot, png)
        assert signature not in repr(slot)
        assert signature not in json.dumps(captured_logs, default=str)


class TestIdempotentReplay:
    """A multipart upload repeated with its Idempotency-Key stores nothing new."""

    def test_same_key_same_asset(self, heygen_client, fake_heygen, png):
        """The second upload replays the first answer (same id), and one asset is kept."""
        first = heygen_client.assets.upload(png, idempotency_key="logo-upload-1")
        again = heygen_client.assets.upload(png, idempotency_key="logo-upload-1")
        assert again.id == first.id
        assert len(fake_heygen.assets) == 1
        replayed = fake_heygen.requests_for("POST", "/v3/assets")
        assert [r.header("Idempotency-Key") for r in replayed] == ["logo-upload-1"] * 2


class TestBatches:
    """Direct-upload batches: slots, one PUT each, completion, the batch's state."""

    def test_upload_batch(self, heygen_client, fake_heygen, png, tmp_path):
        """Two files: two PUTs with no key, then one completion; items end completed."""
        other = tmp_path / "b.mp4"
        other.write_bytes(b"video" * 100)
        seen: list[tuple[int, int, int]] = []
        batch = heygen_client.assets.upload_batch(
            [png, other], title="Two", on_progress=lambda *a: seen.append(a)
        )
        puts = [r for r in fake_heygen.requests if r.method == "PUT"]
        assert [p.body_size for p in puts] == [len(PNG), 500]
        assert all(p.header("X-Api-Key") is None for p in puts)
        assert (seen[-1][0], seen[-1][1]) == (1, 500)
        assert (batch.title, batch.total_items) == ("Two", 2)
        later = heygen_client.assets.get_batch(batch.batch_id)
        assert [i.status for i in later.items] == ["completed", "completed"]
        assert later.status == "completed"
        assert {i.id for i in later.items} == {a.id for a in fake_heygen.assets}

    def test_a_file_never_sent_fails_its_item(self, heygen_client, png):
        """Completing a batch whose slot got no file fails that item, with its error."""
        slots = heygen_client.assets.create_direct_upload_batch(
            [UploadFile.from_path(png), UploadFile.from_path(png)]
        )
        heygen_client.assets.send_direct_upload(slots.items[0], png)
        batch = heygen_client.assets.complete_batch(slots.batch_id)
        assert [i.status for i in batch.items] == ["processing", "failed"]
        assert batch.items[1].error["code"] == "upload_missing"
        page = heygen_client.assets.get_batch(slots.batch_id, page_size=1)
        assert (len(page.items), page.has_more) == (1, True)

    def test_statuses(self, heygen_client, png):
        """By asset and by batch; an unknown id is ``not_found``."""
        asset = heygen_client.assets.upload_direct(png)
        batch = heygen_client.assets.upload_batch([png])
        by_id = heygen_client.assets.statuses([asset.id, "f" * 32])
        assert [(s.id, s.status) for s in by_id] == [
            (asset.id, "processing"),
            ("f" * 32, "not_found"),
        ]
        [entry] = heygen_client.assets.statuses(batch_ids=[batch.batch_id])
        assert (entry.batch_id, entry.item_index) == (batch.batch_id, 0)


class TestLookups:
    """get, delete, list (by owner) and search."""

    def test_get_delete(self, heygen_client, png):
        """A deleted asset is gone from get and list."""
        asset = heygen_client.assets.upload(png)
        fetched = heygen_client.assets.get(asset.id)
        assert (fetched.owner, fetched.file_type, fetched.space_id) == (
            "fake-user",
            "image",
            "space-fake-0001",
        )
        assert heygen_client.assets.delete(asset.id).id == asset.id
        with pytest.raises(NotFoundError):
            heygen_client.assets.get(asset.id)
        assert list(heygen_client.assets.list("fake-user")) == []

    def test_list_is_per_user_and_paged(self, heygen_client, fake_heygen, png):
        """Another user's list is empty; pages follow the token."""
        ids = [heygen_client.assets.upload(png).id for _ in range(3)]
        assert list(heygen_client.assets.list("someone-else")) == []
        assert [a.id for a in heygen_client.assets.list("fake-user", page_size=2)] == ids
        [first, second] = fake_heygen.requests_for("GET", "/v3/assets")[-2:]
        assert first.query == {"username": "fake-user", "limit": "2"}
        assert second.query["token"]

    def test_search(self, heygen_client):
        """Images and icons come back typed."""
        [icon, *_] = heygen_client.assets.search("office", kind="icon")
        assert (icon.type, icon.is_transparent, icon.width) == ("icon", True, 512)
        images = list(heygen_client.assets.search("office", kind="image", page_size=1))
        assert {i.orientation for i in images} == {"landscape", "portrait"}


class TestBadInput:
    """Caller mistakes raise TypeError/ValueError naming the field, and send nothing."""

    @pytest.mark.parametrize(
        "case",
        [
            (lambda a, _: a.get(""), ValueError, "asset_id"),
            (lambda a, _: a.get("."), ValueError, "asset_id"),
            (lambda a, _: a.delete(".."), ValueError, "asset_id"),
            (lambda a, _: a.get(7), TypeError, "asset_id"),
            (lambda a, _: a.list(""), ValueError, "username"),
            (lambda a, _: a.list(None), TypeError, "username"),
            (lambda a, _: a.list("u", page_size=101), ValueError, "page_size"),
            (lambda a, _: a.search("x", kind="image", page_size=51), ValueError, "page_size"),
            (lambda a, _: a.search("x", kind="video"), ValueError, "kind"),
            (lambda a, _: a.search("", kind="image"), ValueError, "query"),
            (lambda a, _: a.search("x", kind="image", scope="all"), ValueError, "scope"),
            (lambda a, _: a.statuses(), TypeError, "asset_ids"),
            (lambda a, _: a.statuses("abc"), TypeError, "asset_ids"),
            (lambda a, _: a.statuses(["a,b"]), ValueError, "comma"),
            (lambda a, _: a.statuses([]), ValueError, "asset_ids"),
            (lambda a, p: a.upload(p, chunk_size=-1), ValueError, "chunk_size"),
            (lambda a, p: a.upload_direct(p, chunk_size=0), ValueError, "chunk_size"),
            (lambda a, p: a.upload(p, via="s3"), ValueError, "via"),
            (lambda a, p: a.upload(p, max_size=-1), ValueError, "max_size"),
            (lambda a, p: a.upload(p.parent / "none.png"), FileNotFoundError, "no such file"),
            (lambda a, p: a.upload_direct(p.parent / "none.png"), FileNotFoundError, "no such"),
            (
                lambda a, _: a.create_direct_upload(
                    filename="a", content_type="image/png", size_bytes=-1
                ),
                ValueError,
                "size_bytes",
            ),
            (
                lambda a, _: a.create_direct_upload(
                    filename="", content_type="image/png", size_bytes=1
                ),
                ValueError,
                "filename",
            ),
            (
                lambda a, _: a.create_direct_upload(
                    filename="a", content_type="image/png", size_bytes=1, checksum_sha256="xyz"
                ),
                ValueError,
                "checksum_sha256",
            ),
            (lambda a, _: a.complete_upload("a1", checksum_sha256="nope"), ValueError, "sha"),
            (lambda a, _: a.create_direct_upload_batch([]), ValueError, "files"),
            (lambda a, p: a.create_direct_upload_batch([p]), TypeError, r"files\[0\]"),
            (
                lambda a, p: a.create_direct_upload_batch([UploadFile.from_path(p)] * 101),
                ValueError,
                "files",
            ),
            (lambda a, p: a.upload_batch(p), TypeError, "paths"),
            (lambda a, _: a.get_batch("b1", page_size=0), ValueError, "page_size"),
            (lambda a, _: a.get_batch("b1", token=""), ValueError, "token"),
            (lambda a, _: a.complete_batch(""), ValueError, "batch_id"),
            (lambda a, p: a.send_direct_upload("https://x", p), TypeError, "DirectUpload"),
        ],
    )
    def test_refused_before_sending(self, heygen_client, fake_heygen, png, case):
        """Each mistake is caught locally."""
        call, error, match = case
        with pytest.raises(error, match=match):
            call(heygen_client.assets, png)
        assert fake_heygen.requests == []


MIB = 1024 * 1024
DIRECT_BYTES = 200 * MIB
FLAT = 64 * MIB
"""Peak memory may grow by less than this while 200 MB go through a direct upload."""

_MEASURE = textwrap.dedent(
    """
    import hashlib, json, logging, os, sys, time
    from pathlib import Path

    import structlog

    from heygen_pipeline import HeyGenClient
    from heygen_pipeline.testing import FakeHeyGen

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    folder, size, checksum = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "checksum"

    def status(field):
        with open("/proc/self/status") as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise SystemExit(f"no {field}")

    source = folder / "source.mp4"
    digest = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(source, "wb") as out:
        for _ in range(size >> 20):
            out.write(block)
            digest.update(block)
    with FakeHeyGen() as fake, HeyGenClient(fake.api_key, base_url=fake.base_url) as client:
        warm = folder / "warm.mp4"
        warm.write_bytes(b"warm-up")
        client.assets.upload_direct(warm)
        before = status("VmRSS")
        with open("/proc/self/clear_refs", "w") as reset:  # the peak (VmHWM) starts again
            reset.write("5")
        started = time.perf_counter()
        asset = client.assets.upload(source, checksum=checksum)
        seconds = time.perf_counter() - started
        peak = status("VmHWM")
        [put] = [r for r in fake.requests if r.method == "PUT" and r.body_size == size]
        ok = (
            put.body_sha256 == digest.hexdigest()
            and fake.assets[-1].size == size
            and asset.size == size
            and not fake.requests_for("POST", "/v3/assets")
            and not fake.handler_errors
            and not fake.cdn_saw_key
        )
    print(json.dumps({"ok": ok, "before": before, "peak": peak, "seconds": seconds}))
    """
)


@pytest.mark.slow
class TestDirectUploadMemory:
    """A 200 MB direct upload (over the 32 MB multipart limit) keeps peak memory flat.

    A fresh interpreter runs the fake and the client; its peak RSS (``VmHWM``, reset just
    before the upload) is compared with its RSS just before. The fake writes the PUT's body
    to a temporary file as it arrives, so both sides stream.
    """

    @pytest.mark.parametrize("checksum", ["plain", "checksum"])
    def test_peak_memory_stays_flat(self, checksum, tmp_path, record_property, capsys):
        """Peak RSS grows by far less than the 200 MB sent (limit: 64 MiB)."""
        result = subprocess.run(  # noqa: S603 - runs this test's own script
            [
                sys.executable,
                "-W",
                "error",
                "-c",
                _MEASURE,
                str(tmp_path),
                str(DIRECT_BYTES),
                checksum,
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        measured = json.loads(result.stdout.strip().splitlines()[-1])
        growth = measured["peak"] - measured["before"]
        figure = (
            f"direct upload ({checksum}): 200 MB in {measured['seconds']:.2f} s, peak RSS grew "
            f"by {growth / MIB:.1f} MiB (from {measured['before'] / MIB:.1f} MiB)"
        )
        record_property(f"direct_{checksum}_peak_rss_growth_mib", round(growth / MIB, 1))
        with capsys.disabled():
            sys.stdout.write(f"\n[memory] {figure}\n")
        assert measured["ok"], figure
        assert growth < FLAT, figure


class TestChangesUnderway:
    """What changes between announcing a file and sending it is caught before sending."""

    def test_a_file_that_grew_after_it_was_announced(self, heygen_client, fake_heygen, png):
        """The file grows once HeyGen knows its size: ValueError, and no PUT."""

        def grow_after_announcing(request, call_next):
            response = call_next(request)
            if request.path == "/v3/assets/direct-uploads":
                with png.open("ab") as out:
                    out.write(b"more")
            return response

        client = heygen_client.with_stack(
            heygen_client.stack.insert_after("envelope", "grow", grow_after_announcing)
        )
        with pytest.raises(ValueError, match="were announced"):
            client.assets.upload_direct(png)
        assert [r for r in fake_heygen.requests if r.method == "PUT"] == []

    def test_a_batch_with_missing_slots_is_malformed(self, heygen_client, fake_heygen, png):
        """Fewer slots than files: MalformedResponseError, nothing uploaded."""
        one = {"data": {"batch_id": "b1", "items": []}}
        fake_heygen.inject("POST", "/v3/assets/direct-uploads/batches", Fault.status(200, one))
        with pytest.raises(MalformedResponseError, match="2 files came back with 0 slots"):
            heygen_client.assets.upload_batch([png, png])
        assert [r.path for r in fake_heygen.requests] == ["/v3/assets/direct-uploads/batches"]

    @pytest.mark.parametrize(
        "case",
        [
            (lambda a, _: a.create_direct_upload_batch("files"), "files"),
            (lambda a, _: a.upload(42), "path"),
            (
                lambda a, _: a.create_direct_upload(
                    filename="a", content_type="image/png", size_bytes="1"
                ),
                "size_bytes",
            ),
            (
                lambda a, _: a.create_direct_upload(filename="a", content_type=3, size_bytes=1),
                "content_type",
            ),
            (lambda a, _: a.list("u", page_size="10"), "page_size"),
        ],
    )
    def test_wrong_types(self, heygen_client, fake_heygen, png, case):
        """A value of the wrong type is a TypeError naming it; nothing is sent."""
        call, match = case
        with pytest.raises(TypeError, match=match):
            call(heygen_client.assets, png)
        assert fake_heygen.requests == []
