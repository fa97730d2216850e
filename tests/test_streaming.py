import json
import subprocess
import sys
import textwrap

import pytest

from heygen_pipeline import HeyGenClient, NotFoundError, ProtocolError, default_stack
from heygen_pipeline.resources import download
from heygen_pipeline.testing import BytesStream, Fault, MockTransport, make_response

MIB = 1024 * 1024
BIG = 200 * MIB
FLAT = 64 * MIB
"""Peak memory may grow by less than this while 200 MB go through."""


def cdn_path(video_id: str) -> str:
    """Where the fake's CDN serves a video."""
    return f"/videos/{video_id}.mp4"


def leftovers(folder) -> list[str]:
    """The names in ``folder``: what a download left behind."""
    return sorted(p.name for p in folder.iterdir())


class Boom(Exception):
    """Raised by a progress callback."""


class TestKeyNeverReachesTheCdn:
    """Downloads go through the stack, and the stack gives the key to API hosts only."""

    def test_cdn_requests_carry_no_key(self, heygen_client, fake_heygen, tmp_path):
        """The status call carries the key; the CDN download carries none."""
        video_id = fake_heygen.video_ids[0]
        heygen_client.videos.download(video_id, tmp_path)
        api = fake_heygen.requests_for("GET", f"/v3/videos/{video_id}")
        [cdn] = fake_heygen.requests_for("GET", cdn_path(video_id), host="cdn")
        assert api[0].header("X-Api-Key") == fake_heygen.api_key
        assert cdn.header("X-Api-Key") is None
        assert cdn.header("Authorization") is None
        assert fake_heygen.cdn_saw_key is False

    def test_redirect_from_the_api_to_the_cdn_drops_the_key(
        self, heygen_client, fake_heygen, tmp_path
    ):
        """An API URL that redirects to the CDN is followed without the key."""
        video_id = fake_heygen.video_ids[0]
        api_url = f"{fake_heygen.base_url}/v3/videos/{video_id}"
        fake_heygen.inject(
            "GET", f"/v3/videos/{video_id}", Fault.redirect_to_cdn(cdn_path(video_id))
        )
        result = heygen_client.videos.download(api_url, tmp_path / "v.mp4")
        assert result.size == len(fake_heygen.video_payload())
        hops = fake_heygen.requests
        assert [(r.host, bool(r.header("X-Api-Key"))) for r in hops] == [
            ("api", True),
            ("cdn", False),
        ]
        assert fake_heygen.cdn_saw_key is False


class TestDownload:
    """Streamed to a temporary file, length checked, renamed at the end."""

    def test_progress_and_exact_bytes(self, heygen_client, fake_heygen, tmp_path):
        """Progress starts at 0, never goes back and ends at the total; the bytes match."""
        url = heygen_client.videos.get(fake_heygen.video_ids[0]).video_url
        seen: list[tuple[int, int | None]] = []
        result = download(
            heygen_client,
            url,
            tmp_path / "out.mp4",
            chunk_size=4096,
            on_progress=lambda done, total: seen.append((done, total)),
        )
        total = len(fake_heygen.video_payload())
        assert seen[0] == (0, total)
        assert seen[-1] == (total, total)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        assert len(seen) == total // 4096 + 1
        assert result.path.read_bytes() == fake_heygen.video_payload()
        assert leftovers(tmp_path) == ["out.mp4"]

    def test_folder_destination_uses_the_url_name(self, heygen_client, fake_heygen, tmp_path):
        """A folder as ``dest`` gets a file named after the URL's path (query ignored)."""
        url = heygen_client.videos.get(fake_heygen.video_ids[0]).video_url
        result = download(heygen_client, url, tmp_path)
        assert result.path == tmp_path / f"{fake_heygen.video_ids[0]}.mp4"

    def test_truncated_body_leaves_nothing_under_the_final_name(
        self, heygen_client, fake_heygen, tmp_path
    ):
        """A body cut short by the server raises, and no file (not even a temp) remains."""
        video_id = fake_heygen.video_ids[0]
        fake_heygen.inject("GET", cdn_path(video_id), Fault.truncated(200), host="cdn")
        with pytest.raises(ProtocolError):
            heygen_client.videos.download(video_id, tmp_path / "v.mp4")
        assert leftovers(tmp_path) == []

    def test_interrupted_download_keeps_the_old_file(self, heygen_client, fake_heygen, tmp_path):
        """A failed download never replaces an existing file with a half one."""
        video_id = fake_heygen.video_ids[0]
        dest = tmp_path / "v.mp4"
        dest.write_bytes(b"previous version")
        fake_heygen.inject("GET", cdn_path(video_id), Fault.truncated(200), host="cdn")
        with pytest.raises(ProtocolError):
            heygen_client.videos.download(video_id, dest)
        assert dest.read_bytes() == b"previous version"
        assert leftovers(tmp_path) == ["v.mp4"]

    def test_callback_exception_cleans_up(self, heygen_client, fake_heygen, tmp_path):
        """An exception from the progress callback stops the download and removes the part."""
        calls = []

        def stop_after_a_few(done: int, total: int | None) -> None:
            calls.append(done)
            if len(calls) == 3:
                raise Boom

        with pytest.raises(Boom):
            heygen_client.videos.download(
                fake_heygen.video_ids[0],
                tmp_path / "v.mp4",
                chunk_size=1024,
                on_progress=stop_after_a_few,
            )
        assert leftovers(tmp_path) == []

    def test_reset_before_the_body_is_retried(self, heygen_client, fake_heygen, tmp_path):
        """A connection reset before any byte is an idempotent GET's retry; the file arrives."""
        video_id = fake_heygen.video_ids[0]
        fake_heygen.inject("GET", cdn_path(video_id), Fault.reset(), host="cdn")
        result = heygen_client.videos.download(video_id, tmp_path / "v.mp4")
        assert result.size == len(fake_heygen.video_payload())
        assert len(fake_heygen.requests_for("GET", cdn_path(video_id), host="cdn")) == 2

    def test_missing_object_is_not_found(self, heygen_client, fake_heygen, tmp_path):
        """A CDN 404 is NotFoundError and writes nothing."""
        with pytest.raises(NotFoundError):
            download(heygen_client, f"{fake_heygen.cdn_url}/videos/nope.mp4", tmp_path)
        assert leftovers(tmp_path) == []

    @pytest.mark.parametrize(
        ("body", "length", "match"),
        [(b"12345", "10", "ended after 5 of 10 bytes"), (b"1234567890AB", "10", "more than")],
    )
    def test_length_is_verified(self, tmp_path, body, length, match):
        """A body shorter or longer than its Content-Length is a ProtocolError."""

        def handler(request):
            response = make_response(request, content=body, headers={"Content-Length": length})
            assert isinstance(response.stream, BytesStream)
            return response

        with (
            HeyGenClient("sk-streaming-test", transport=MockTransport(handler)) as client,
            pytest.raises(ProtocolError, match=match),
        ):
            download(client, "https://cdn.example.test/v.mp4", tmp_path / "v.mp4")
        assert leftovers(tmp_path) == []

    @pytest.mark.parametrize(
        ("url", "error"),
        [
            ("ftp://cdn.example.test/v.mp4", ValueError),
            ("https://user:pw@cdn.example.test/v.mp4", ValueError),
            ("/v.mp4", ValueError),
            (b"https://cdn.example.test/v.mp4", TypeError),
        ],
    )
    def test_bad_urls_are_refused_before_sending(self, tmp_path, url, error):
        """Only absolute http(s) URLs without credentials are downloaded."""
        transport = MockTransport(lambda r: make_response(r, content=b"x"))
        with (
            HeyGenClient("sk-streaming-test", transport=transport) as client,
            pytest.raises(error),
        ):
            download(client, url, tmp_path / "v.mp4")
        assert transport.requests == []

    def test_error_status_is_never_saved_even_without_the_envelope(self, fake_heygen, tmp_path):
        """With ``envelope`` removed from the stack, a 404 page is still not written."""
        stack = default_stack().remove("envelope")
        with (
            HeyGenClient(fake_heygen.api_key, base_url=fake_heygen.base_url, stack=stack) as c,
            pytest.raises(NotFoundError) as info,
        ):
            download(c, f"{fake_heygen.cdn_url}/videos/nope.mp4", tmp_path / "v.mp4")
        assert info.value.status == 404
        assert leftovers(tmp_path) == []

    def test_missing_folder(self, heygen_client, tmp_path):
        """A destination in a folder that does not exist fails before sending."""
        with pytest.raises(FileNotFoundError):
            download(heygen_client, "https://cdn.example.test/v.mp4", tmp_path / "no" / "v.mp4")


_MEASURE = textwrap.dedent(
    """
    import hashlib, json, logging, os, sys, time
    from pathlib import Path

    import structlog

    from heygen_pipeline import HeyGenClient
    from heygen_pipeline.testing import FakeHeyGen

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    mode, folder, size = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])

    def status(field):
        with open("/proc/self/status") as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise SystemExit(f"no {field}")

    source = folder / "source.mp4"
    digest = hashlib.sha256()
    if mode != "download":
        block = os.urandom(1 << 20)
        with open(source, "wb") as out:
            for _ in range(size >> 20):
                out.write(block)
                digest.update(block)
    with FakeHeyGen(video_bytes=size, asset_max_bytes=2 * size) as fake, HeyGenClient(
        fake.api_key, base_url=fake.base_url, upload_url=fake.upload_url
    ) as client:
        warm = folder / "warm.mp4"
        warm.write_bytes(b"warm-up")
        client.assets.upload(warm)
        client.assets.upload_v1(warm)
        client.videos.get(fake.video_ids[0])
        before = status("VmRSS")
        with open("/proc/self/clear_refs", "w") as reset:  # the peak (VmHWM) starts again
            reset.write("5")
        started = time.perf_counter()
        if mode == "download":
            result = client.videos.download(fake.video_ids[0], folder / "video.mp4")
            ok = result.size == size and (folder / "video.mp4").stat().st_size == size
        else:
            upload = client.assets.upload_v1 if mode == "upload_v1" else client.assets.upload
            kwargs = {} if mode == "upload_v1" else {"max_size": None}
            upload(source, **kwargs)
            ok = fake.assets[-1].sha256 == digest.hexdigest() and fake.assets[-1].size == size
        seconds = time.perf_counter() - started
        peak = status("VmHWM")
        ok = ok and not fake.handler_errors
    print(json.dumps({"ok": ok, "before": before, "peak": peak, "seconds": seconds}))
    """
)


@pytest.mark.slow
class TestFlatMemory:
    """200 MB through the client and the fake keep the process's peak memory flat.

    Each run is a fresh interpreter: the fake and the client in one process, its peak RSS
    (``VmHWM``, reset just before the transfer) compared with its RSS just before.
    """

    @pytest.mark.parametrize("mode", ["download", "upload_v1", "upload_v3"])
    def test_peak_memory_stays_flat(self, mode, tmp_path, record_property, capsys):
        """Peak RSS grows by far less than the 200 MB moved (limit: 64 MiB)."""
        result = subprocess.run(  # noqa: S603 - runs this test's own script
            [sys.executable, "-W", "error", "-c", _MEASURE, mode, str(tmp_path), str(BIG)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        measured = json.loads(result.stdout.strip().splitlines()[-1])
        growth = measured["peak"] - measured["before"]
        figure = (
            f"{mode}: 200 MB in {measured['seconds']:.2f} s, peak RSS grew by "
            f"{growth / MIB:.1f} MiB (from {measured['before'] / MIB:.1f} MiB)"
        )
        record_property(f"{mode}_peak_rss_growth_mib", round(growth / MIB, 1))
        with capsys.disabled():
            sys.stdout.write(f"\n[memory] {figure}\n")
        assert measured["ok"], figure
        assert growth < FLAT, figure
