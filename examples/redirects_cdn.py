"""Following redirects: every hop through the inner stack, the key only where it belongs.

Runs against an embedded FakeHeyGen (no key, no network) with its API, upload and CDN hosts.
It prints each hop the fake received, with the method and whether it carried the key:

1. a video status call that the API answers with a 302 to the CDN: followed; the CDN hop gets
   no key (another origin: the auth allowlist says no, and the redirect drops credentials);
2. a POST answered 303: the next hop is a GET without the body;
3. a POST answered 307 on the same host: method, body and key are kept;
4. what is refused: a loop, a chain longer than ``max_redirects``, a ``Location`` that is not
   http(s);
5. ``max_redirects=0``: the 3xx comes back as is.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import structlog

from heygen_pipeline import (
    HeyGenClient,
    RedirectError,
    TooManyRedirectsError,
    default_stack,
)
from heygen_pipeline.middleware import RedirectMiddleware
from heygen_pipeline.testing import FakeHeyGen, Fault

VIDEO = {"type": "avatar", "avatar_id": "a-1", "voice_id": "v-1", "script": "Hello!"}


def show_hops(fake: FakeHeyGen) -> None:
    for seen in fake.requests:
        key = "key" if seen.header("X-Api-Key") else "no key"
        body = f"{seen.body_size} bytes" if seen.body_size else "no body"
        query = f"?{urlencode(seen.query)}" if seen.query else ""
        print(f"   {seen.host:<4} {seen.method:<5} {seen.path + query:<48} {key:<7} {body}")
    fake.clear_requests()


def main() -> None:
    # This script prints what it shows; silence the library's own log events (structlog's
    # default configuration prints them all; see logging_redaction.py for logging).
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    with FakeHeyGen() as fake, HeyGenClient(fake.api_key, base_url=fake.base_url) as client:
        video_id = fake.video_ids[0]
        status_path = f"/v3/videos/{video_id}"

        print("1. a 302 from the API to the CDN")
        fake.inject("GET", status_path, Fault.redirect_to_cdn(f"/videos/{video_id}.mp4"))
        with client.request("GET", status_path, stream=True) as response:
            size = len(response.read())
        print(f"   ended at {response.request.url} with {size} bytes")
        show_hops(fake)

        print("2. a POST answered 303 See Other")
        fake.inject("POST", "/v3/videos", Fault.redirect(status_path, 303))
        print("   status:", client.post("/v3/videos", json=VIDEO)["status"])
        show_hops(fake)

        print("3. a POST answered 307 Temporary Redirect, same host")
        fake.inject("POST", "/v3/videos", Fault.redirect("/v3/videos?region=eu", 307))
        print("   created:", client.post("/v3/videos", json=VIDEO)["video_id"])
        show_hops(fake)

        print("4. what is refused")
        fake.inject_always("GET", "/v3/users/me", Fault.redirect("/v3/users/me?again=1"))
        try:
            client.get("/v3/users/me")
        except TooManyRedirectsError as exc:
            print("   TooManyRedirectsError:", exc)
        fake.clear_faults()
        fake.inject(
            "GET", "/v3/users/me", *[Fault.redirect(f"/v3/users/me?hop={n}") for n in range(6)]
        )
        try:
            client.get("/v3/users/me")
        except TooManyRedirectsError as exc:
            print("   TooManyRedirectsError:", str(exc)[:60], "...")
        fake.clear_faults()
        fake.inject("GET", "/v3/users/me", Fault.redirect("file:///etc/passwd"))
        try:
            client.get("/v3/users/me")
        except RedirectError as exc:
            print("   RedirectError:", exc)
        fake.clear_requests()

        print("5. max_redirects=0: the 3xx as is")
        no_follow = client.with_stack(
            default_stack().replace("redirects", RedirectMiddleware(max_redirects=0))
        )
        fake.inject("GET", status_path, Fault.redirect_to_cdn(f"/videos/{video_id}.mp4"))
        response = no_follow.request("GET", status_path)
        print(f"   {response.status}, Location: {response.headers['Location']}")


if __name__ == "__main__":
    main()
