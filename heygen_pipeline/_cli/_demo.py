"""``heygen-pipeline demo``: the whole story against an embedded FakeHeyGen, no key, no network.

The walk: the stack by name; avatars and voices; a video created, waited for (a live
progress line on a terminal) and downloaded from the CDN host; a 429 whose Retry-After is
honoured; an outage that opens the breaker, which then fails fast, and recovery; a bad request
as a typed error; and the key redacted in the structured log lines, shown on a line that
would otherwise carry it. Two real waits of about a second each (Retry-After: 1 and the
breaker's reset) keep the run to a few seconds.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any, Final, TextIO

import structlog

from heygen_pipeline._cli._commands import download_text
from heygen_pipeline._cli._console import Progress, is_tty, plain
from heygen_pipeline._defaults import default_stack
from heygen_pipeline.client import HeyGenClient
from heygen_pipeline.errors import CircuitOpenError, HeyGenError
from heygen_pipeline.middleware import LoggingMiddleware, RedactSecrets
from heygen_pipeline.testing import FakeHeyGen, Fault

DEMO_KEY: Final = "demo-key-6f1c0a9e2b7d4c35"
_SHOWN_KEYS: Final = (
    "level",
    "event",
    "method",
    "url",
    "status",
    "attempt",
    "retry_in",
    "error",
    "old_state",
    "new_state",
    "note",
)
"""What a demo log line shows: enough to follow the story, without the header dicts."""
_ACCOUNT: Final = "/v3/users/me"


class _Sink:
    """The end of the demo's structlog chain: each rendered line goes to the demo's writer."""

    def __init__(self, demo: Demo) -> None:
        self._demo = demo

    def msg(self, line: str) -> None:
        self._demo.say(f"   log: {line}")

    debug = info = warning = error = critical = msg


def _keep(*keys: str) -> structlog.typing.Processor:
    """A processor that keeps only ``keys`` of an event (in the renderer's order)."""

    def keep(_logger: Any, _name: str, event: structlog.typing.EventDict) -> Any:
        return {k: event[k] for k in keys if k in event}

    return keep


class Demo:
    """The walk, one step a method. Every line goes through `say`, which keeps a copy."""

    def __init__(self, fake: FakeHeyGen, out: TextIO, workdir: Path) -> None:
        """Talk to ``fake``; write to ``out``; download into ``workdir``."""
        self.fake = fake
        self.out = out
        self.workdir = workdir
        self.progress = Progress(out, live=is_tty(out), lines=True)
        self.written: list[str] = []
        self.logger = self.make_logger(*_SHOWN_KEYS)

    def make_logger(self, *keys: str, level: int = logging.INFO) -> Any:
        """A logger of the demo's own (the library never configures structlog globally)."""
        return structlog.wrap_logger(
            _Sink(self),
            processors=[
                RedactSecrets(),
                structlog.processors.add_log_level,
                _keep(*keys),
                structlog.processors.KeyValueRenderer(key_order=list(keys), drop_missing=True),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(level),
        )

    def say(self, text: str = "") -> None:
        """Write one line (above the progress line, if one is live)."""
        self.written.append(text)
        self.progress.write_line(text)

    def client(self) -> HeyGenClient:
        """The default stack with the demo's logger, a breaker that opens after 3 failures."""
        stack = default_stack(logger=self.logger, fail_max=3, reset_timeout=1.0)
        return HeyGenClient(
            self.fake.api_key,
            base_url=self.fake.base_url,
            upload_url=self.fake.upload_url,
            stack=stack,
        )

    def run(self) -> bool:
        """Walk through every step; True when the key showed up nowhere in the output."""
        with self.client() as client:
            self.say("== The stack, outermost first")
            self.say("   " + " -> ".join((*client.stack.names, "urllib3")))
            look, voice_id = self.catalogue(client)
            self.video(client, look, voice_id)
            self.rate_limit(client)
            self.outage(client)
            self.bad_request(client)
            self.redaction(client)
        return self.summary()

    def catalogue(self, client: HeyGenClient) -> tuple[str, str]:
        """Avatar looks and voices, every page, as typed models; the look and voice to use."""
        self.say("\n== Avatars and voices (client.avatars.list(), client.voices.list())")
        avatars = list(client.avatars.list())
        voices = list(client.voices.list())
        self.say(
            f"   {len(avatars)} avatar looks (a look's id is a video's avatar_id), "
            f"first: {plain(avatars[0].name)}"
        )
        for avatar in avatars[:3]:
            self.say(f"     {plain(avatar.id):<32} {plain(avatar.name)}")
        self.say(f"   {len(voices)} voices, first: {plain(voices[0].name)}")
        for voice in voices[:3]:
            self.say(f"     {plain(voice.id):<32} {plain(voice.name)} ({plain(voice.language)})")
        look = avatars[0]
        voice_id = look.default_voice_id or voices[0].id
        return str(look.id), str(voice_id)

    def video(self, client: HeyGenClient, look_id: str, voice_id: str) -> None:
        """Create (the first look, its voice), wait (live on a terminal), download from the CDN."""
        self.say("\n== A video job: create (with an Idempotency-Key), wait, download")
        self.say(f"   client.videos.create(avatar_id={plain(look_id)!r}, voice_id=..., script=...)")
        video = client.videos.create(avatar_id=look_id, voice_id=voice_id, script="Hello, pipeline")
        (sent,) = self.fake.requests_for("POST", "/v3/videos")
        key = sent.headers.get("idempotency-key", "")
        self.say(f"   created {video.id} (the POST carried Idempotency-Key: {key})")
        started = time.monotonic()
        video = client.videos.wait(
            video,
            timeout=30,
            poll=0.1,
            on_progress=lambda v: self.progress.show(
                f"   status: {v.status}", detail=f"({time.monotonic() - started:.1f} s)"
            ),
        )
        self.progress.close(f"   status: {video.status}")
        self.progress = Progress(self.out, live=is_tty(self.out))  # piped: no byte counts
        result = client.videos.download(
            video,
            self.workdir,
            on_progress=lambda n, t: self.progress.show(f"   {download_text(n, t)}"),
        )
        self.progress.close()
        self.say(
            f"   downloaded {result.size} bytes from the CDN host to {result.path.name} "
            "(in a temporary folder)"
        )
        self.say(f"   the CDN host saw the key: {self.fake.cdn_saw_key}")

    def rate_limit(self, client: HeyGenClient) -> None:
        """A 429 with Retry-After: 1, honoured by the backoff."""
        self.say("\n== 429 with Retry-After: 1 (the backoff waits as asked, then succeeds)")
        self.fake.inject("GET", "/v3/voices", Fault.rate_limited("1"))
        started = time.monotonic()
        list(client.voices.list())
        self.say(f"   succeeded after {time.monotonic() - started:.1f} s")

    def outage(self, client: HeyGenClient) -> None:
        """503s open the breaker; it fails fast; after its reset time, a trial call closes it."""
        self.say("\n== An outage: 503s open the breaker, which then fails fast")
        self.fake.inject_always("GET", _ACCOUNT, Fault.server_error(503))
        no_retries = client.with_options(max_attempts=1)  # same stack, same breaker
        for _ in range(3):
            self.failing_call(no_retries)
        started = time.monotonic()
        try:
            no_retries.user.me()
        except CircuitOpenError as exc:
            elapsed = (time.monotonic() - started) * 1000
            self.say(f"   CircuitOpenError after {elapsed:.1f} ms: {exc}")
        self.fake.clear_faults()
        time.sleep(1.05)  # the breaker's reset_timeout, in real time, so the reader sees recovery
        me = client.user.me()
        balance = me.remaining_balance
        shown = f"{balance:g} {me.currency or ''}".rstrip() if balance is not None else "-"
        self.say(f"   recovered: {plain(me.username)}, {me.billing_type} balance {shown}")

    def failing_call(self, client: HeyGenClient) -> None:
        """One call during the outage, and the error it met."""
        try:
            client.user.me()
        except HeyGenError as exc:
            self.say(f"   {type(exc).__name__}: {exc}")

    def bad_request(self, client: HeyGenClient) -> None:
        """A mistake caught before sending, and HeyGen's own refusal, both typed."""
        self.say("\n== Bad requests: refused before sending, or by HeyGen in its own words")
        try:
            client.videos.create(script="Hello")  # an avatar video needs a look id
        except ValueError as exc:
            self.say(f"   before sending: {type(exc).__name__}: {exc}")
        try:
            client.post("/v3/videos", json={"type": "avatar", "script": "Hello"})
        except HeyGenError as exc:
            self.say(f"   from the server: {type(exc).__name__}: {exc}")

    def redaction(self, client: HeyGenClient) -> None:
        """Log lines that would carry the key, with the key redacted."""
        self.say("\n== The key in log lines: REDACTED")
        self.say("   a DEBUG logger placed inside auth sees the X-Api-Key header on the request:")
        keys = ("level", "event", "url", "request_headers")
        peek = LoggingMiddleware(self.make_logger(*keys, level=logging.DEBUG))
        inside = client.with_stack(client.stack.append("inside_auth", peek))
        inside.user.me()
        self.say("   an application event that carries the key itself:")
        self.logger.info("app_event", note=f"calling HeyGen with key {self.fake.api_key}")

    def summary(self) -> bool:
        """Say whether the key stayed out of everything written."""
        leaked = any(self.fake.api_key in line for line in self.written)
        self.say()
        self.say(f"The key appears in none of the {len(self.written)} lines above: {not leaked}")
        self.say(
            "The fake server never saw the key anywhere but its API host: "
            f"CDN saw key = {self.fake.cdn_saw_key}"
        )
        return not leaked and not self.fake.cdn_saw_key


def run_demo(out: TextIO) -> int:
    """Run the demo against a fresh FakeHeyGen; 0 when every check held."""
    with (
        FakeHeyGen(api_key=DEMO_KEY, render_polls=3, video_bytes=1024 * 1024) as fake,
        tempfile.TemporaryDirectory(prefix="heygen-demo-") as workdir,
    ):
        ok = Demo(fake, out, Path(workdir)).run()
    return 0 if ok else 1
