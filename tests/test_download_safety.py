"""Downloads write only where the caller said, and only over regular files.

A hostile server (a raw socket on 127.0.0.1) plays both HeyGen and the CDN: it names the video
(the id becomes the file name when ``dest`` is a folder) and serves its bytes. Whatever name it
picks, no file, temporary or final, lands outside the folder the caller gave; and no FIFO,
device or link to one is ever replaced by a regular file.
"""

import json
import os
import stat
from pathlib import Path

import pytest
from _hostile_server import Answer, HostileServer, http_answer

from heygen_pipeline import HeyGenClient, UnsafeDestinationError
from heygen_pipeline.resources import download
from heygen_pipeline.resources._download import safe_file_name

KEY = "download-safety-key-7d2b4e9a"
BODY = b"\x00\x00\x00\x18ftypmp42" + b"v" * 4000


def tree(root):
    """Every path under ``root`` (relative, sorted), links included and not followed."""
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*"))


class Api:
    """A hostile HeyGen: ``GET /v3/videos/{id}`` names the video ``name``; the CDN serves it."""

    def __init__(self, server, name, *, truncated=False):
        """Serve on ``server``; ``truncated`` cuts the CDN's body short."""
        self.server = server
        self.name = name
        self.truncated = truncated

    def __call__(self, request):
        """Answer one request."""
        if request.target.startswith("/v3/videos/"):
            video = {
                "id": self.name,
                "status": "completed",
                "video_url": f"{self.server.url}/cdn/clip.mp4?sig=abc",
            }
            body = json.dumps({"data": video}).encode()
            return http_answer(200, body, [("Content-Type", "application/json")])
        if self.truncated:  # a guard: even a library that forgot a check must not rename
            head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY)
            return Answer(head + BODY[:100], close=True)
        return http_answer(200, BODY, [("Content-Type", "video/mp4")])

    def cdn_requests(self):
        """The requests that reached the CDN path."""
        return [r for r in self.server.recorded() if r.target.startswith("/cdn/")]


@pytest.fixture
def hostile():
    """A hostile server and a client of it (no retries of a refused download needed)."""
    with HostileServer() as server, HeyGenClient(KEY, base_url=server.url, timeout=5.0) as client:
        yield server, client


def serve(server, name, **options):
    """Answer as a HeyGen that names its video ``name``."""
    api = Api(server, name, **options)
    server.reset(api)
    return api


HOSTILE_NAMES = [
    "../x",
    "../../escape",
    "a/../../x",
    "sub/x",
    "..",
    ".",
    "..\\..\\x",
    "C:\\Windows\\x",
    "C:x",
    "x\x00y",
    "x\ny",
    "\x7f",
    "x" * 300,
    "é" * 150,
    "CON",
    "nul",
    "lpt1",
    ".hidden",
    "a|b",
    "a*b",
    "a?b",
    'a"b',
    "a<b>",
    "\u202ex",
    "\udcff",
]


class TestServerChosenNames:
    """A file named after server data stays in the caller's folder, or is refused."""

    @pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
    def test_no_file_lands_outside_the_folder(self, hostile, tmp_path, name):
        """Whatever id the server gives, nothing appears outside ``dest``, nor in it half done."""
        server, client = hostile
        dest = tmp_path / "dest"
        dest.mkdir()
        (tmp_path / "outside").mkdir()
        before = tree(tmp_path)
        api = serve(server, name)
        with pytest.raises(UnsafeDestinationError, match="not a safe file name"):
            client.videos.download("v1", dest)
        assert tree(tmp_path) == before
        assert api.cdn_requests() == []  # refused before a byte was fetched

    def test_an_absolute_path_is_refused(self, hostile, tmp_path):
        """An id that is an absolute path (here one the test can see) writes nowhere."""
        server, client = hostile
        dest = tmp_path / "dest"
        dest.mkdir()
        target = tmp_path / "outside" / "owned"
        target.parent.mkdir()
        serve(server, str(target))
        with pytest.raises(UnsafeDestinationError):
            client.videos.download("v1", dest)
        assert tree(tmp_path) == ["dest", "outside"]

    def test_a_plain_id_names_the_file(self, hostile, tmp_path):
        """An ordinary id still names ``<id>.mp4`` inside the folder."""
        server, client = hostile
        serve(server, "4f0c2a9e1b7d")
        result = client.videos.download("v1", tmp_path)
        assert result.path == tmp_path / "4f0c2a9e1b7d.mp4"
        assert result.path.read_bytes() == BODY
        assert tree(tmp_path) == ["4f0c2a9e1b7d.mp4"]

    @pytest.mark.parametrize(
        "path",
        [
            "/cdn/..%2F..%2Fx",
            "/cdn/%2E%2E",
            "/cdn/a%00b.mp4",
            "/cdn/a%5C..%5Cb.mp4",
            "/cdn/" + "y" * 300,
        ],
    )
    def test_names_from_the_url_are_checked_too(self, hostile, tmp_path, path):
        """A URL's last segment (percent-decoded) names nothing unsafe either."""
        server, client = hostile
        api = serve(server, "unused")
        dest = tmp_path / "dest"
        dest.mkdir()
        with pytest.raises(UnsafeDestinationError):
            download(client, server.url + path, dest)
        assert tree(tmp_path) == ["dest"]
        assert api.cdn_requests() == []

    def test_a_link_in_the_folder_is_not_followed(self, hostile, tmp_path):
        """``<id>.mp4`` that is a link out of the folder: refused, its target untouched."""
        server, client = hostile
        dest = tmp_path / "dest"
        dest.mkdir()
        outside = tmp_path / "outside.mp4"
        outside.write_bytes(b"keep me")
        (dest / "abc.mp4").symlink_to(outside)
        serve(server, "abc")
        with pytest.raises(UnsafeDestinationError, match="link"):
            client.videos.download("v1", dest)
        assert outside.read_bytes() == b"keep me"
        assert (dest / "abc.mp4").is_symlink()

    def test_a_dangling_link_in_the_folder_is_not_followed(self, hostile, tmp_path):
        """A link to nowhere does not make the download create its target outside the folder."""
        server, client = hostile
        dest = tmp_path / "dest"
        dest.mkdir()
        (dest / "abc.mp4").symlink_to(tmp_path / "created-outside")
        serve(server, "abc")
        with pytest.raises(UnsafeDestinationError):
            client.videos.download("v1", dest)
        assert not (tmp_path / "created-outside").exists()

    def test_a_long_file_name_the_caller_gives_works(self, hostile, tmp_path):
        """A 250-byte name is legal: the temporary file's name does not outgrow the limit."""
        server, client = hostile
        serve(server, "abc")
        dest = tmp_path / ("n" * 246 + ".mp4")
        result = client.videos.download("v1", dest)
        assert result.path == dest
        assert tree(tmp_path) == [dest.name]


class TestSafeFileName:
    """The rule a server-given name must pass."""

    @pytest.mark.parametrize(
        "name", [*HOSTILE_NAMES, "trailing.", "trailing ", "nul.mp4"], ids=repr
    )
    def test_hostile_names_are_refused(self, name):
        """Separators, dot names, control characters, device names and long names fail."""
        with pytest.raises(UnsafeDestinationError):
            safe_file_name(name)

    @pytest.mark.parametrize(
        "name", ["4f0c2a9e1b7d.mp4", "clip-1_final (2).mp4", "vidéo.mp4", "a.b.c", "x" * 200]
    )
    def test_plain_names_pass(self, name):
        """Ordinary names, accents included, pass unchanged."""
        assert safe_file_name(name) == name


class TestSpecialFiles:
    """A destination that is not a regular file is refused, never replaced."""

    def test_a_fifo_is_refused_before_the_request(self, hostile, tmp_path):
        """A FIFO as ``dest``: UnsafeDestinationError, nothing fetched, the FIFO still there."""
        server, client = hostile
        api = serve(server, "abc")
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        with pytest.raises(UnsafeDestinationError, match="not a regular file"):
            client.videos.download("v1", fifo)
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
        assert api.cdn_requests() == []
        assert tree(tmp_path) == ["pipe"]

    def test_a_link_to_dev_null_is_refused_before_the_request(self, hostile, tmp_path):
        """A link to ``/dev/null``: refused before anything is fetched or renamed."""
        server, client = hostile
        # The CDN cuts its body short: were the check missing, the download would still fail
        # before its rename, so this test can never replace /dev/null, even as root.
        api = serve(server, "abc", truncated=True)
        link = tmp_path / "null.mp4"
        link.symlink_to(os.devnull)
        with pytest.raises(UnsafeDestinationError, match="not a regular file"):
            client.videos.download("v1", link)
        assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)
        assert link.is_symlink()
        assert api.cdn_requests() == []

    def test_a_fifo_that_appears_during_the_download_is_not_replaced(self, hostile, tmp_path):
        """``dest`` turned into a FIFO mid-download: checked again, refused before the rename."""
        server, client = hostile
        serve(server, "abc")
        dest = tmp_path / "v.mp4"

        def swap(done, _total):
            if done == 0:
                os.mkfifo(dest)

        with pytest.raises(UnsafeDestinationError, match="not a regular file"):
            client.videos.download("v1", dest, on_progress=swap)
        assert stat.S_ISFIFO(os.lstat(dest).st_mode)
        assert tree(tmp_path) == ["v.mp4"]  # the temporary file is gone too

    def test_a_folder_in_a_folder_destination_is_refused(self, hostile, tmp_path):
        """``<id>.mp4`` that is a folder inside ``dest``: refused, not replaced."""
        server, client = hostile
        serve(server, "abc")
        (tmp_path / "abc.mp4").mkdir()
        with pytest.raises(UnsafeDestinationError, match="not a regular file"):
            client.videos.download("v1", tmp_path)
        assert (tmp_path / "abc.mp4").is_dir()

    def test_a_link_to_a_regular_file_writes_its_target(self, hostile, tmp_path):
        """A link the caller names: its target file is replaced, the link kept (documented)."""
        server, client = hostile
        serve(server, "abc")
        target = tmp_path / "real.mp4"
        target.write_bytes(b"old")
        link = tmp_path / "latest.mp4"
        link.symlink_to(target)
        result = client.videos.download("v1", link)
        assert result.path == target
        assert target.read_bytes() == BODY
        assert link.is_symlink()
        assert link.readlink() == target
        assert tree(tmp_path) == ["latest.mp4", "real.mp4"]

    def test_a_regular_file_is_replaced(self, hostile, tmp_path):
        """An existing regular file is replaced in one step, as before."""
        server, client = hostile
        serve(server, "abc")
        dest = tmp_path / "v.mp4"
        dest.write_bytes(b"old")
        assert client.videos.download("v1", dest).size == len(BODY)
        assert dest.read_bytes() == BODY
