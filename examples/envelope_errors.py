"""HeyGen's three envelope shapes, unwrapped into data or into one typed error.

Runs against an embedded FakeHeyGen (no key, no network), whose routes answer in the shape the
real endpoints use. It shows:

1. success in each shape: v1 ``{"code": 100, "data": ...}``, v2 ``{"error": null, "data": ...}``
   and v3 ``{"data": ...}``, with the v3 paging cursor (``has_more``, ``next_token``) walked
   to the end of a list;
2. errors in each shape, each raised as the class its HTTP status names, with the code, the
   message and the request id HeyGen sent (a 401 in every shape; a legacy numeric code; a v2
   ``invalid_parameter``; a v3 ``insufficient_credit``);
3. an error envelope on HTTP 200 (classified by its code), a gateway's HTML page and a body
   that is not JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import structlog

from heygen_pipeline import APIError, HeyGenClient, Stack, default_stack
from heygen_pipeline.middleware import BackoffMiddleware
from heygen_pipeline.testing import FakeHeyGen, Fault

PAGE_LIMIT = 100
"""Stop paging after this many pages, whatever the server says (every loop is bounded)."""


def error_of(call: Callable[[], object]) -> APIError:
    """Run ``call`` and return the ``APIError`` it raised."""
    try:
        call()
    except APIError as exc:
        return exc
    msg = "the call succeeded; an APIError was expected"
    raise RuntimeError(msg)


def describe(exc: APIError) -> str:
    return f"{type(exc).__name__}: status={exc.status} code={exc.code!r} message={exc.message!r}"


def show_success(client: HeyGenClient, fake: FakeHeyGen) -> None:
    print("1. success in each shape")
    shapes: list[tuple[str, dict[str, str | int]]] = [
        ("/v1/video_status.get", {"video_id": fake.video_ids[0]}),
        ("/v2/user/remaining_quota", {}),
        ("/v3/users/me", {}),
    ]
    for path, query in shapes:
        response = client.request("GET", path, params=query)
        print(f"   {response.envelope} {path:<26} data keys: {sorted(response.data)}")

    ids: list[str] = []
    params: dict[str, str | int] = {"limit": 2}
    for page in range(1, PAGE_LIMIT + 1):
        response = client.request("GET", "/v3/videos", params=params)
        ids += [video["id"] for video in response.data]
        print(f"   v3 page {page}: {len(response.data)} videos, has_more={response.has_more}")
        if not response.has_more or response.next_token is None:
            break
        params = {"limit": 2, "token": response.next_token}
    print(f"   {len(ids)} videos in all")


def show_errors(client: HeyGenClient, fake: FakeHeyGen, stack: Stack) -> None:
    print("2. errors in each shape")
    with HeyGenClient("wrong-key", base_url=fake.base_url, stack=stack) as stranger:
        for path in ("/v1/video.list", "/v2/avatars", "/v3/users/me"):
            print(f"   wrong key on {path:<15} {describe(error_of(partial(stranger.get, path)))}")
    calls: list[tuple[str, str, object]] = [
        ("GET", "/v1/video_status.get?video_id=nope", None),
        ("POST", "/v2/video/generate", {"video_inputs": []}),
        ("GET", "/v3/videos/nope", None),
    ]
    for method, path, body in calls:
        exc = error_of(partial(client.request, method, path, json=body))
        print(f"   {method} {path}: {describe(exc)} request_id={exc.request_id}")
    credit = {
        "error": {
            "code": "insufficient_credit",
            "message": "Not enough credits to render this video",
            "doc_url": "https://developers.heygen.com/reference/errors",
        }
    }
    fake.inject("GET", "/v3/users/me", Fault.status(402, credit))
    exc = error_of(partial(client.get, "/v3/users/me"))
    print(f"   {describe(exc)} doc_url={exc.doc_url}")


def show_odd_bodies(client: HeyGenClient, fake: FakeHeyGen) -> None:
    print("3. odd bodies")
    legacy = {"code": 40104, "message": "Video not found"}
    fake.inject("GET", "/v3/users/me", Fault.status(200, legacy))
    print(f"   error envelope on 200: {describe(error_of(partial(client.get, '/v3/users/me')))}")
    fake.inject("GET", "/v3/users/me", *[Fault.html(502)] * 3)  # 502 is retried: three of them
    exc = error_of(partial(client.get, "/v3/users/me"))
    print(f"   gateway page: {type(exc).__name__} {exc.status}, excerpt {exc.body_excerpt!r}")
    fake.inject("GET", "/v3/users/me", Fault.not_json(200))
    exc = error_of(partial(client.get, "/v3/users/me"))
    print(f"   not JSON: {type(exc).__name__}, excerpt {exc.body_excerpt!r}")


def main() -> None:
    # This script prints what it shows; silence the library's own log events (structlog's
    # default configuration prints them all; see logging_redaction.py for logging).
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    stack = default_stack().replace("backoff", BackoffMiddleware(sleep=lambda _seconds: None))
    with (
        FakeHeyGen() as fake,
        HeyGenClient(fake.api_key, base_url=fake.base_url, stack=stack) as client,
    ):
        show_success(client, fake)
        show_errors(client, fake, stack)
        show_odd_bodies(client, fake)


if __name__ == "__main__":
    main()
