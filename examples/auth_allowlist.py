"""The API key goes only to allowlisted hosts: the API, the upload host, never a CDN.

Runs against an embedded FakeHeyGen (three hosts on 127.0.0.1: API, upload and CDN), so it needs
no key and no network. It makes four calls and then prints, from the fake's own records, which
host received the key:

1. a call to the API host (allowlisted: gets the key);
2. an asset upload to the upload host (allowlisted: gets the key);
3. a call that the API redirects to the CDN (the hop to the CDN gets no key);
4. a direct CDN download with an ``X-Api-Key`` set by hand (stripped before it leaves).

It ends by showing that ``ApiKeyAuth`` refuses to send a key over plain ``http://`` to a host
that is not loopback, and that its repr never shows the key.
"""

from __future__ import annotations

import logging

import structlog

from heygen_pipeline import HeyGenClient, InsecureTransportError
from heygen_pipeline.middleware import ApiKeyAuth
from heygen_pipeline.testing import FakeHeyGen, Fault


def main() -> None:
    # This script prints what it shows; silence the library's own log events (structlog's
    # default configuration prints them all; see logging_redaction.py for logging).
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    with (
        FakeHeyGen() as fake,
        HeyGenClient(fake.api_key, base_url=fake.base_url, upload_url=fake.upload_url) as client,
    ):
        print("auth middleware in use:", client.stack["auth"])

        me = client.get("/v3/users/me")
        print("1. API host answered for user", me["username"])

        asset = client.post(
            fake.upload_url + "/v1/asset",
            content=b"\x89PNG\r\n\x1a\n fake image bytes",
            headers={"Content-Type": "image/png"},
        )
        print("2. upload host stored asset", asset["id"])

        video_id = fake.video_ids[0]
        fake.inject(
            "GET", f"/v3/videos/{video_id}", Fault.redirect_to_cdn(f"/videos/{video_id}.mp4")
        )
        with client.request("GET", f"/v3/videos/{video_id}", stream=True) as response:
            size = len(response.read())
        print(f"3. redirected to the CDN and downloaded {size} bytes")

        cdn_url = f"{fake.cdn_url}/videos/{video_id}.mp4"
        with client.request(
            "GET", cdn_url, headers={"X-Api-Key": fake.api_key}, stream=True
        ) as response:
            response.read()
        print("4. downloaded from the CDN directly, with a key set by hand")

        print()
        print(f"{'host':<7} {'method':<6} {'path':<45} key sent?")
        for seen in fake.requests:
            sent = seen.header("X-Api-Key") is not None
            print(f"{seen.host:<7} {seen.method:<6} {seen.path:<45} {'yes' if sent else 'no'}")
        print("the CDN ever saw a key:", fake.cdn_saw_key)

    try:
        ApiKeyAuth("sk-example-key", base_url="http://api.example.com")
    except InsecureTransportError as exc:
        print()
        print("plain http to a remote host is refused:", exc)
    print("repr never shows the key:", repr(ApiKeyAuth("sk-example-key")))


if __name__ == "__main__":
    main()
