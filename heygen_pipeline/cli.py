"""The ``heygen-pipeline`` command: ``demo`` (no key, no network) and ``stack``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from typing import TextIO

import structlog

from heygen_pipeline._defaults import default_stack
from heygen_pipeline._version import __version__
from heygen_pipeline.client import HeyGenClient
from heygen_pipeline.errors import CircuitOpenError, HeyGenError
from heygen_pipeline.middleware import RedactSecrets
from heygen_pipeline.testing import FakeHeyGen, Fault

_DEMO_KEY = "demo-key-6f1c0a9e2b7d4c35"


def _demo_logger(out: TextIO, secret: str) -> structlog.typing.FilteringBoundLogger:
    """A logger of the CLI's own (the library never configures structlog globally)."""
    return structlog.wrap_logger(  # type: ignore[no-any-return]
        structlog.PrintLogger(out),
        processors=[
            RedactSecrets(secret),
            structlog.processors.add_log_level,
            structlog.processors.KeyValueRenderer(
                key_order=["level", "event", "method", "url", "status", "attempt"],
                drop_missing=True,
            ),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )


class _Demo:
    """The walk through the pipeline, one step a method, against an embedded FakeHeyGen."""

    def __init__(self, fake: FakeHeyGen, out: TextIO) -> None:
        self.fake = fake
        self.out = out
        self.logger = _demo_logger(out, fake.api_key)

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def client(self, **stack_options: float) -> HeyGenClient:
        stack = default_stack(logger=self.logger, **stack_options)  # type: ignore[arg-type]
        return HeyGenClient(
            self.fake.api_key,
            base_url=self.fake.base_url,
            upload_url=self.fake.upload_url,
            stack=stack,
        )

    def run(self) -> None:
        with self.client(fail_max=3, reset_timeout=1.0) as client:
            self.say("== The stack, outermost first")
            self.say("   " + " -> ".join((*client.stack.names, "urllib3")))
            self.catalogue(client)
            self.video(client)
            self.rate_limit(client)
            self.outage(client)
            self.bad_request(client)
        self.say()
        self.say(
            "The fake server never saw the key anywhere but its API host: "
            f"CDN saw key = {self.fake.cdn_saw_key}"
        )

    def catalogue(self, client: HeyGenClient) -> None:
        self.say("\n== Avatars and voices (v2 envelopes, unwrapped)")
        avatars = client.get("/v2/avatars")["avatars"]
        voices = client.get("/v2/voices")["voices"]
        self.say(f"   {len(avatars)} avatars, first: {avatars[0]['avatar_name']}")
        self.say(f"   {len(voices)} voices, first: {voices[0]['name']} ({voices[0]['language']})")

    def video(self, client: HeyGenClient) -> None:
        self.say("\n== A video job (v3 create with an Idempotency-Key, v1 status polling)")
        created = client.post(
            "/v3/videos",
            json={"avatar_id": "Daisy-inskirt-20220818", "script": "Hello from the pipeline"},
        )
        video_id = created["video_id"]
        self.say(f"   created {video_id}")
        for _ in range(20):
            status = client.get("/v1/video_status.get", params={"video_id": video_id})
            self.say(f"   status: {status['status']}")
            if status["status"] in {"completed", "failed"}:
                break
        self.say(f"   video at {status.get('video_url', '')[:60]}...")

    def rate_limit(self, client: HeyGenClient) -> None:
        self.say("\n== 429 with Retry-After: 1 (the backoff waits as asked, then succeeds)")
        self.fake.inject("GET", "/v2/voices", Fault.rate_limited("1"))
        started = time.monotonic()
        client.get("/v2/voices")
        self.say(f"   succeeded after {time.monotonic() - started:.1f} s")

    def outage(self, client: HeyGenClient) -> None:
        self.say("\n== An outage: 503s open the breaker, which then fails fast")
        self.fake.inject_always("GET", "/v2/user/remaining_quota", Fault.server_error(503))
        for _ in range(3):
            self.failing_call(client)
        try:
            started = time.monotonic()
            client.get("/v2/user/remaining_quota", max_attempts=1)
        except CircuitOpenError as exc:
            self.say(
                f"   CircuitOpenError after {(time.monotonic() - started) * 1000:.1f} ms: {exc}"
            )
        self.fake.clear_faults()
        time.sleep(1.05)  # the demo's reset_timeout: real time, so the reader sees recovery
        quota = client.get("/v2/user/remaining_quota")
        self.say(f"   recovered: remaining quota {quota['remaining_quota']} seconds")

    def failing_call(self, client: HeyGenClient) -> None:
        """One call during the outage, and the error it met."""
        try:
            client.get("/v2/user/remaining_quota", max_attempts=1)
        except CircuitOpenError as exc:
            self.say(f"   fast failure: {exc}")
        except HeyGenError as exc:
            self.say(f"   {type(exc).__name__}: {exc}")

    def bad_request(self, client: HeyGenClient) -> None:
        self.say("\n== A bad request becomes a typed error with HeyGen's own words")
        try:
            client.post("/v2/video/generate", json={"video_inputs": []})
        except HeyGenError as exc:
            self.say(f"   {type(exc).__name__}: {exc}")


def _cmd_demo(_args: argparse.Namespace, out: TextIO) -> int:
    with FakeHeyGen(api_key=_DEMO_KEY, render_polls=3) as fake:
        _Demo(fake, out).run()
    return 0


def _cmd_stack(_args: argparse.Namespace, out: TextIO) -> int:
    stack = default_stack()
    for index, (name, middleware) in enumerate(stack, start=1):
        print(f"{index}. {name:<10} {middleware!r}", file=out)
    print(f"{len(stack) + 1}. transport  Urllib3Transport()", file=out)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heygen-pipeline", description="HeyGen API client built as a middleware pipeline."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="walk through the pipeline against an embedded fake HeyGen")
    commands.add_parser("stack", help="print the default stack, outermost first")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    stream = out if out is not None else sys.stdout
    commands = {"demo": _cmd_demo, "stack": _cmd_stack}
    try:
        return commands[args.command](args, stream)
    except HeyGenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
