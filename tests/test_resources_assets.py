import hashlib

import pytest

from heygen_pipeline import HeyGenClient, PayloadTooLargeError, RateLimitError
from heygen_pipeline.resources import FileBody, multipart_body
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
