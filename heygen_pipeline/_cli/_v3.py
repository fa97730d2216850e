"""The v3 listing and housekeeping commands: videos, templates, assets, translations, webhooks.

Each is one resource call (every page, or the first ``--limit`` items), printed as a table or,
with ``--json``, one JSON document: a list of the models' fields for a listing, the model's
fields for a single result.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from heygen_pipeline._cli._commands import Context, UsageError, fields_of
from heygen_pipeline._cli._console import Progress, is_tty

_VIDEO_COLUMNS: Final = (("VIDEO ID", "id"), ("STATUS", "status"), ("TITLE", "title"))
_TEMPLATE_COLUMNS: Final = (("TEMPLATE ID", "id"), ("NAME", "name"), ("ASPECT", "aspect_ratio"))
_TRANSLATION_COLUMNS: Final = (
    ("TRANSLATION ID", "id"),
    ("STATUS", "status"),
    ("LANGUAGE", "output_language"),
    ("TITLE", "title"),
)
_WEBHOOK_COLUMNS: Final = (
    ("ENDPOINT ID", "id"),
    ("STATUS", "status"),
    ("URL", "url"),
    ("EVENTS", "events"),
)


def add_limit(parser: argparse.ArgumentParser) -> None:
    """``--limit N``: stop after N items (default: every page)."""
    parser.add_argument("--limit", type=int, metavar="N", help="at most N items (default: all)")


def _first(args: argparse.Namespace, items: Iterator[Any]) -> list[dict[str, Any]]:
    """The items (up to ``--limit``) as JSON-ready fields; pages past the limit are not fetched."""
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    return [fields_of(item) for item in itertools.islice(items, args.limit)]


def _show(
    args: argparse.Namespace,
    ctx: Context,
    rows: list[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
) -> int:
    if args.json:
        ctx.console.json(rows)
    else:
        ctx.console.table(columns, rows)
    return 0


def videos_list(args: argparse.Namespace, ctx: Context) -> int:
    """``videos list``: ``client.videos.list()`` (``GET /v3/videos``), newest first."""
    with ctx.client(args) as client:
        rows = _first(args, client.videos.list(folder_id=args.folder_id, title=args.title))
    return _show(args, ctx, rows, _VIDEO_COLUMNS)


def videos_delete(args: argparse.Namespace, ctx: Context) -> int:
    """``videos delete VIDEO_ID``: ``client.videos.delete`` (``DELETE /v3/videos/{id}``)."""
    with ctx.client(args) as client:
        gone = client.videos.delete(args.video_id)
    deleted = gone.id or args.video_id
    if args.json:
        ctx.console.json({"deleted": deleted})
    else:
        ctx.console.line(f"deleted video {deleted}")
    return 0


def templates_list(args: argparse.Namespace, ctx: Context) -> int:
    """``templates list``: ``client.templates.list()`` (``GET /v3/templates``)."""
    with ctx.client(args) as client:
        rows = _first(args, client.templates.list())
    return _show(args, ctx, rows, _TEMPLATE_COLUMNS)


def translations_list(args: argparse.Namespace, ctx: Context) -> int:
    """``translations list``: ``client.translations.list()`` (``GET /v3/video-translations``)."""
    with ctx.client(args) as client:
        rows = _first(args, client.translations.list())
    return _show(args, ctx, rows, _TRANSLATION_COLUMNS)


def webhooks_list(args: argparse.Namespace, ctx: Context) -> int:
    """``webhooks list``: ``client.webhook_endpoints.list()`` (secrets are never listed)."""
    with ctx.client(args) as client:
        rows = _first(args, client.webhook_endpoints.list())
    for row in rows:
        row.pop("secret", None)
    return _show(args, ctx, rows, _WEBHOOK_COLUMNS)


def assets_upload(args: argparse.Namespace, ctx: Context) -> int:
    """``assets upload PATH``: ``client.assets.upload`` (streamed; progress on a terminal)."""
    path = Path(args.path).expanduser()
    if not path.is_file():
        msg = f"assets upload: no such file {args.path}"
        raise UsageError(msg)
    progress = ctx.console.progress = Progress(ctx.console.err, live=is_tty(ctx.console.err))
    with ctx.client(args) as client:
        try:
            asset = client.assets.upload(
                path,
                content_type=args.content_type,
                on_progress=lambda sent, total: progress.show(_upload_text(sent, total)),
            )
        finally:
            ctx.console.progress = None
            progress.close()
    fields = fields_of(asset)
    if args.json:
        ctx.console.json(fields)
    else:
        ctx.console.fields([(name, fields.get(name)) for name in _ASSET_FIELDS])
    return 0


_ASSET_FIELDS: Final = ("id", "name", "file_type", "mime_type", "size", "url", "status")


def _upload_text(sent: int, total: int | None) -> str:
    """``uploading 1.2 of 3.4 MB (35%)``."""
    mb = 1024 * 1024
    if not total:
        return f"uploading {sent / mb:.1f} MB"
    return f"uploading {sent / mb:.1f} of {total / mb:.1f} MB ({100 * sent // total}%)"


def add_commands(branch: Any, leaf: Any, videos: Any) -> None:
    """Add the v3 commands: ``videos list/delete`` to ``videos``, the others as branches."""
    listing = leaf(videos, "list", videos_list, "list the videos, newest first (GET /v3/videos)")
    listing.add_argument("--folder-id", help="only this folder's videos")
    listing.add_argument("--title", help="only videos whose title matches")
    add_limit(listing)
    delete = leaf(videos, "delete", videos_delete, "delete a video (DELETE /v3/videos/{id})")
    delete.add_argument("video_id", metavar="VIDEO_ID")
    for name, command, text in _LISTINGS:
        add_limit(leaf(branch(name, f"{name} (list)"), "list", command, text))
    upload = leaf(
        branch("assets", "assets (upload)"),
        "upload",
        assets_upload,
        "upload a file as an asset (POST /v3/assets; streamed)",
    )
    upload.add_argument("path", metavar="PATH")
    upload.add_argument("--content-type", help="the file's type (default: from its extension)")


_LISTINGS: Final[Iterable[tuple[str, Any, str]]] = (
    ("templates", templates_list, "list the templates (GET /v3/templates)"),
    ("translations", translations_list, "list the video translations"),
    ("webhooks", webhooks_list, "list the webhook endpoints (secrets never shown)"),
)
