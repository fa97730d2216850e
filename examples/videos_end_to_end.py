"""A video from start to file: create, wait with progress, download.

Runs against an embedded FakeHeyGen (no key, no network), which renders a video in three
status polls and serves it from a separate CDN host:

0. ``client.avatars.list`` gives the avatar **looks** (a look's id is a video's
   ``avatar_id``; ``client.avatars.list_groups`` lists the groups that hold them);
1. ``client.videos.create`` starts a render (the client adds an ``Idempotency-Key``);
2. ``client.videos.wait`` polls with jittered backoff until it completes, printing each
   status, and would end by its deadline with ``JobFailedError`` or ``WaitTimeoutError``;
3. ``client.videos.download`` streams it to a temporary folder with a progress line: written
   to a temporary file, length checked, renamed at the end, and without the API key (the
   CDN is another host);
4. a render that fails shows HeyGen's reason on ``JobFailedError``.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import structlog

from heygen_pipeline import HeyGenClient, JobFailedError
from heygen_pipeline.resources import Video
from heygen_pipeline.testing import FakeHeyGen

MIB = 1024 * 1024


def show_status(video: Video) -> None:
    print(f"   status: {video.status}")


def show_bytes(done: int, total: int | None) -> None:
    if total and done in {0, total}:
        print(f"   {done / MIB:5.1f} of {total / MIB:.1f} MiB")


def main() -> None:
    # This script prints what it shows; silence the library's own log events.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    with (
        FakeHeyGen(video_bytes=8 * MIB) as fake,
        HeyGenClient(fake.api_key, base_url=fake.base_url) as client,
        tempfile.TemporaryDirectory() as folder,
    ):
        print("0. pick an avatar look (what a video shows) and its default voice")
        look = next(look for look in client.avatars.list() if look.name == "Daisy in Skirt")
        print(f"   look {look.id} of group {look.group_id}, voice {look.default_voice_id}")

        print("1. create")
        video = client.videos.create(
            script="Hello from heygen_pipeline!",
            avatar_id=look.id,
            voice_id=look.default_voice_id,
            title="End to end",
        )
        print(f"   video id: {video.id}")

        print("2. wait (the fake renders in three polls)")
        done = client.videos.wait(video, timeout=60, poll=0.05, on_progress=show_status)
        print(f"   {done.duration} s long, link on {done.video_url and done.video_url[:30]}...")

        print("3. download")
        result = client.videos.download(done, Path(folder), on_progress=show_bytes)
        print(f"   wrote {result.path.name}: {result.size} bytes ({result.content_type})")
        print(f"   the CDN saw the API key: {fake.cdn_saw_key}")

        print("4. a render that fails")
        fake.fail_video(code="AVATAR_BLOCKED", message="The avatar is no longer available")
        doomed = client.videos.create(script="This one will fail", avatar_id=look.id)
        try:
            client.videos.wait(doomed, timeout=60, poll=0.05)
        except JobFailedError as error:
            print(f"   JobFailedError: code={error.code}, message={error.failure_message!r}")


if __name__ == "__main__":
    main()
