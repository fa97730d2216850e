"""The commands that talk to HeyGen: ``avatars``, ``voices``, ``videos``, ``quota``; and ``stack``.

Each takes the parsed arguments and a `Context`, prints a human table or (``--json``) one JSON
document on ``out``, and returns the exit status. Errors are raised and turned into one line
on ``err`` by ``heygen_pipeline.cli.main``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import urllib.parse
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import attrs
import structlog

from heygen_pipeline._cli._console import Console, Progress, is_tty, plain
from heygen_pipeline._defaults import DEFAULT_BASE_URL, DEFAULT_UPLOAD_URL, default_stack
from heygen_pipeline._models import RequestOptions
from heygen_pipeline._redact import MIN_SECRET_LEN
from heygen_pipeline._stack import Stack
from heygen_pipeline.client import HeyGenClient
from heygen_pipeline.errors import UnsafeDestinationError
from heygen_pipeline.middleware import BackoffMiddleware, RedactSecrets, RetryReport
from heygen_pipeline.resources import Video
from heygen_pipeline.resources._download import safe_file_name

ENV_KEY: Final = "HEYGEN_API_KEY"
ENV_BASE_URL: Final = "HEYGEN_BASE_URL"
ENV_UPLOAD_URL: Final = "HEYGEN_UPLOAD_URL"
_MAX_POLL: Final = 30.0


class UsageError(Exception):
    """The command line was used wrongly (exit status 2)."""


class CommandError(Exception):
    """A command that cannot finish for a reason of its own (exit status 1)."""


@attrs.define
class Context:
    """What every command gets besides its arguments."""

    console: Console
    env: Mapping[str, str]

    def client(self, args: argparse.Namespace) -> HeyGenClient:
        """A client for the key in the environment and the URLs given (or the defaults)."""
        key = self.env.get(ENV_KEY, "").strip()
        if not key:
            msg = (
                f"{ENV_KEY} is not set: export your HeyGen API key "
                "(or try `heygen-pipeline demo`, which needs none)"
            )
            raise UsageError(msg)
        if args.max_attempts is not None and args.max_attempts < 1:
            raise UsageError("--max-attempts must be at least 1")
        level = logging.INFO if args.verbose else logging.CRITICAL
        stack = with_retry_lines(
            default_stack(logger=log_to(self.console.err, level, key)), self.console
        )
        base_url = args.base_url or check_url(ENV_BASE_URL, self.env.get(ENV_BASE_URL))
        upload_url = args.upload_url or check_url(ENV_UPLOAD_URL, self.env.get(ENV_UPLOAD_URL))
        return HeyGenClient(
            key,
            base_url=base_url or DEFAULT_BASE_URL,
            upload_url=upload_url or DEFAULT_UPLOAD_URL,
            stack=stack,
            options=RequestOptions(max_attempts=args.max_attempts),
        )


def check_url(name: str, value: str | None) -> str | None:
    """``value`` if it is an http(s) URL with a host (or empty); a usage error otherwise."""
    if not value:
        return value
    parts = urllib.parse.urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        msg = f"{name} must be an http:// or https:// URL with a host, not {value!r}"
        raise UsageError(msg)
    return value


def retry_line(report: RetryReport) -> str | None:
    """``retrying in 1.0 s (attempt 1 of 3): rate limited (HTTP 429)``; None if no retry."""
    decision = report.decision
    if not decision.retry:
        return None
    why = decision.reason.split("; ", 1)[0]
    attempt = report.attempt
    return (
        f"retrying in {decision.delay:.1f} s "
        f"(attempt {attempt.number} of {attempt.max_attempts}): {why}"
    )


def with_retry_lines(stack: Stack, console: Console) -> Stack:
    """``stack`` whose backoff prints a `retry_line` on ``console.err`` before each wait.

    The client is built on it, so it owns (and closes) its pool.
    """

    def show(report: RetryReport) -> None:
        line = retry_line(report)
        if line is not None:
            console.note(line)

    backoff = stack["backoff"]
    if not isinstance(backoff, BackoffMiddleware):  # pragma: no cover - the default stack's
        return stack
    return stack.replace("backoff", attrs.evolve(backoff, hooks=(*backoff.hooks, show)))


def log_to(stream: Any, level: int, key: str) -> Any:
    """A structlog logger of the CLI's own: key=value lines on ``stream``, ``key`` redacted."""
    return structlog.wrap_logger(
        structlog.PrintLogger(stream),
        processors=[
            RedactSecrets(*[key] if len(key) >= MIN_SECRET_LEN else []),
            structlog.processors.add_log_level,
            structlog.processors.KeyValueRenderer(
                key_order=["level", "event", "method", "url", "status", "attempt"],
                drop_missing=True,
            ),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
    )


def stack(args: argparse.Namespace, ctx: Context) -> int:
    """``stack``: the default stack, outermost first, then the transport."""
    entries = [(name, repr(middleware)) for name, middleware in default_stack()]
    entries.append(("transport", "Urllib3Transport()"))
    if args.json:
        ctx.console.json([{"name": name, "middleware": shown} for name, shown in entries])
        return 0
    for index, (name, shown) in enumerate(entries, start=1):
        ctx.console.line(f"{index}. {name:<10} {shown}")
    return 0


def avatars_list(args: argparse.Namespace, ctx: Context) -> int:
    """``avatars list``: every avatar look (``client.avatars.list()``, every page).

    A look's id is what ``videos create --avatar-id`` takes.
    """
    with ctx.client(args) as client:
        looks = [fields_of(a) for a in client.avatars.list()]
    if args.json:
        ctx.console.json(looks)
        return 0
    columns = [("LOOK ID", "id"), ("NAME", "name"), ("TYPE", "avatar_type")]
    ctx.console.table([*columns, ("GENDER", "gender")], looks)
    return 0


def voices_list(args: argparse.Namespace, ctx: Context) -> int:
    """``voices list``: every voice (``client.voices.list()``), optionally of one language."""
    with ctx.client(args) as client:
        voices = [fields_of(v) for v in client.voices.list()]
    if args.language:
        wanted = args.language.casefold()
        voices = [v for v in voices if str(v.get("language") or "").casefold() == wanted]
    if args.json:
        ctx.console.json(voices)
        return 0
    columns = [("VOICE ID", "id"), ("NAME", "name"), ("LANGUAGE", "language")]
    ctx.console.table([*columns, ("GENDER", "gender")], voices)
    return 0


def videos_create(args: argparse.Namespace, ctx: Context) -> int:
    """``videos create``: ``client.videos.create(...)`` (``POST /v3/videos``)."""
    body = create_body(args)
    video_type = str(body.pop("type", "avatar"))
    with ctx.client(args) as client:
        video = client.videos.create(
            video_type=video_type, idempotency_key=args.idempotency_key, **body
        )
    if args.json:
        ctx.console.json({"video_id": video.id})
    else:
        ctx.console.line(f"created video {video.id}")
    return 0


def create_body(args: argparse.Namespace) -> dict[str, Any]:
    """The create request: ``--json-body`` (if any), with the flags given laid over it."""
    body: dict[str, Any] = {}
    if args.json_body is not None:
        try:
            loaded = json.loads(Path(args.json_body).read_text(encoding="utf-8"))
        except OSError as exc:
            msg = f"cannot read --json-body {args.json_body}: {exc.strerror}"
            raise UsageError(msg) from exc
        except ValueError as exc:
            msg = f"--json-body {args.json_body} is not JSON: {exc}"
            raise UsageError(msg) from exc
        if not isinstance(loaded, dict):
            msg = f"--json-body {args.json_body} must hold a JSON object"
            raise UsageError(msg)
        body = loaded
    flags = {
        "avatar_id": args.avatar_id,
        "voice_id": args.voice_id,
        "script": args.script,
        "title": args.title,
    }
    body.update({k: v for k, v in flags.items() if v is not None})
    if not body.get("script") and not body.get("audio_url") and not body.get("audio_asset_id"):
        msg = "say what the avatar says: --script TEXT (or a --json-body with script/audio)"
        raise UsageError(msg)
    reserved = sorted({"video_type", "idempotency_key"} & body.keys())
    if reserved:
        msg = f"--json-body must not set {', '.join(reserved)} (use type / --idempotency-key)"
        raise UsageError(msg)
    return body


_STATUS_FIELDS: Final = (
    "id",
    "title",
    "status",
    "duration",
    "video_url",
    "thumbnail_url",
    "failure_code",
    "failure_message",
    "created_at",
)


def videos_status(args: argparse.Namespace, ctx: Context) -> int:
    """``videos status VIDEO_ID``: one status call (``client.videos.get``)."""
    with ctx.client(args) as client:
        video = fields_of(client.videos.get(args.video_id))
    if args.json:
        ctx.console.json(video)
    else:
        ctx.console.fields([(name, video.get(name)) for name in _STATUS_FIELDS])
    return 0


def videos_wait(args: argparse.Namespace, ctx: Context) -> int:
    """``videos wait VIDEO_ID``: poll to the end (bounded by ``--timeout``), maybe download."""
    if not (0 < args.timeout < float("inf")) or not (0 < args.poll < float("inf")):
        raise UsageError("--timeout and --poll must be numbers of seconds > 0")
    dest = _destination(args.download, args.video_id) if args.download else None
    with ctx.client(args) as client:
        video = _wait(client, args, ctx)
        saved = _download(client, video, dest, ctx) if dest is not None else None
    if args.json:
        ctx.console.json({"video": fields_of(video), "download": saved})
        return 0
    ctx.console.line(f"video {args.video_id} completed: {video.video_url}")
    if saved is not None:
        ctx.console.line(f"saved {saved['bytes']} bytes to {saved['path']}")
    return 0


def _wait(client: HeyGenClient, args: argparse.Namespace, ctx: Context) -> Video:
    """``client.videos.wait``: a live status line on a terminal, one line per status piped."""
    err = ctx.console.err
    progress = ctx.console.progress = Progress(err, live=is_tty(err), lines=True)
    started = time.monotonic()

    def show(video: Video) -> None:
        elapsed = time.monotonic() - started
        progress.show(f"video {args.video_id}: {video.status}", detail=f"({elapsed:.0f} s)")

    try:
        return client.videos.wait(
            args.video_id,
            timeout=args.timeout,
            poll=args.poll,
            max_poll=max(_MAX_POLL, args.poll),
            on_progress=show,
        )
    finally:
        ctx.console.progress = None
        progress.close()


def _destination(path: str, video_id: str) -> Path:
    """``--download PATH``: a file, or ``VIDEO_ID.mp4`` inside an existing directory."""
    dest = Path(path).expanduser()
    if dest.is_dir():
        try:
            dest /= safe_file_name(f"{video_id}.mp4")
        except UnsafeDestinationError as exc:
            raise UsageError(f"--download: {exc}") from None
    if not dest.parent.is_dir():
        msg = f"--download: no such directory {dest.parent}"
        raise UsageError(msg)
    return dest


def _download(client: HeyGenClient, video: Video, dest: Path, ctx: Context) -> dict[str, Any]:
    """``client.videos.download``, with a live byte count on a terminal."""
    if not video.video_url:
        msg = f"video {video.id} completed without a video_url"
        raise CommandError(msg)
    progress = ctx.console.progress = Progress(ctx.console.err, live=is_tty(ctx.console.err))
    try:
        result = client.videos.download(
            video, dest, on_progress=lambda n, t: progress.show(download_text(n, t))
        )
    finally:
        ctx.console.progress = None
        progress.close()
    return {"path": str(result.path), "bytes": result.size}


def download_text(received: int, total: int | None) -> str:
    """``downloading 1.2 of 3.4 MB (35%)``."""
    mb = 1024 * 1024
    if not total:
        return f"downloading {received / mb:.1f} MB"
    return f"downloading {received / mb:.1f} of {total / mb:.1f} MB ({100 * received // total}%)"


def account(args: argparse.Namespace, ctx: Context) -> int:
    """``account``: who the key belongs to and what it can spend (``client.user.me()``)."""
    with ctx.client(args) as client:
        me = client.user.me()
    if args.json:
        ctx.console.json(fields_of(me))
        return 0
    name = " ".join(part for part in (me.first_name, me.last_name) if part) or "-"
    ctx.console.line(f"user: {plain(me.username)} ({plain(name)})")
    ctx.console.line(f"billing: {plain(me.billing_type)}")
    for line in _billing_lines(me):
        ctx.console.line(line)
    return 0


def _billing_lines(me: Any) -> list[str]:
    """The balance or credits of whichever billing the account has."""
    lines = []
    if me.wallet is not None:
        balance = me.wallet.remaining_balance
        shown = "-" if balance is None else f"{balance:g}"
        lines.append(f"wallet balance: {shown} {plain(me.wallet.currency)}")
    pools = me.subscription.credits if me.subscription is not None else None
    if pools is not None:
        for label, pool in (
            ("premium", pools.premium_credits),
            ("add-on", pools.add_on_credits),
        ):
            if pool is not None:
                lines.append(f"{label} credits: {pool.remaining}")
    if me.usage_based is not None:
        lines.append(f"remaining credits: {me.usage_based.remaining_credits}")
    return lines


def quota(args: argparse.Namespace, ctx: Context) -> int:
    """``quota``: the remaining quota (``client.user.remaining_quota()``), also in credits."""
    with ctx.client(args) as client:
        remaining = client.user.remaining_quota()
    seconds, in_credits = remaining.remaining_seconds, remaining.credits
    if args.json:
        ctx.console.json({"remaining_seconds": seconds, "credits": in_credits})
    elif seconds is None or in_credits is None:
        ctx.console.line("remaining quota: not given")
    else:
        ctx.console.line(f"remaining quota: {seconds:g} seconds ({in_credits:g} credits)")
    return 0


def fields_of(model: Any) -> dict[str, Any]:
    """A result model as JSON-ready fields (``raw`` left out; times in ISO 8601)."""
    fields: dict[str, Any] = attrs.asdict(
        model,
        filter=lambda attribute, _value: attribute.name != "raw",
        value_serializer=_json_value,
    )
    return fields


def _json_value(_instance: Any, _attribute: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    return value
