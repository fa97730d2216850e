"""The ``heygen-pipeline`` command (also ``python -m heygen_pipeline``).

``demo`` walks through the pipeline against an embedded fake HeyGen (no key, no network);
``fake-server`` serves a FakeHeyGen until Ctrl-C; ``stack`` prints the default stack.
The other commands call HeyGen with the key in ``HEYGEN_API_KEY``: ``account``, ``quota``,
``avatars list``, ``voices list``, ``videos create/status/wait/list/delete``,
``templates list``, ``translations list``, ``webhooks list`` and ``assets upload``.
``--json`` prints one JSON document instead of a table. Every option is honoured or refused
(exit 2), never ignored; retries show as one line each on standard error.

Exit status: 0 on success; 1 for an API or transport error, a failed video or a wait that
timed out; 2 for a usage error (including a missing ``HEYGEN_API_KEY``); 130 on Ctrl-C.
Errors are one line on standard error, never a traceback, never the key.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, NoReturn, TextIO

from heygen_pipeline._cli import _commands as commands
from heygen_pipeline._cli import _v3 as v3
from heygen_pipeline._cli._commands import CommandError, Context, UsageError
from heygen_pipeline._cli._console import Console
from heygen_pipeline._cli._demo import DEMO_KEY, run_demo
from heygen_pipeline._cli._fake_server import fake_server
from heygen_pipeline._version import __version__
from heygen_pipeline.errors import ConfigurationError, HeyGenError

__all__ = ["main"]

_DEMO_KEY = DEMO_KEY  # the tests check that the demo never prints it

Command = Callable[[argparse.Namespace, Context], int]


class _ParserExit(Exception):  # noqa: N818 - not an error: argparse's request to stop
    """argparse asked to exit (after --help, --version or a usage error)."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(status)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that writes to the run's streams and returns instead of exiting."""

    def __init__(self, *args: Any, console: Console, **kwargs: Any) -> None:
        self.console = console
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            stream = self.console.out if file is sys.stdout else self.console.err
            stream.write(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self.console.err.write(message)
        raise _ParserExit(status)


_CLIENT_OPTIONS: Final = (
    ("base_url", "--base-url"),
    ("upload_url", "--upload-url"),
    ("max_attempts", "--max-attempts"),
    ("verbose", "--verbose"),
)
"""The global options that shape the client: they apply only to commands that call HeyGen."""
_GLOBAL_TITLE: Final = "global options (before or after the command's name)"
_GLOBAL_HELP: Final = "global options (--json, --base-url, ...): see `heygen-pipeline --help`"


def _common(parser: argparse.ArgumentParser, *, shown: bool) -> None:
    """Options every command takes, before or after the command's name.

    ``shown`` for the top-level parser, which documents them; a subcommand accepts them too,
    but its help leaves them out (they are documented once) and its defaults do not override
    what was given before the command's name.
    """

    def text(value: str) -> str:
        return value if shown else argparse.SUPPRESS

    default: Any = None if shown else argparse.SUPPRESS
    flag: Any = False if shown else argparse.SUPPRESS
    target: Any = parser.add_argument_group(_GLOBAL_TITLE) if shown else parser
    target.add_argument(
        "--json",
        action="store_true",
        default=flag,
        help=text("print one JSON document instead of a table"),
    )
    target.add_argument(
        "--base-url",
        default=default,
        metavar="URL",
        help=text("API base URL, http(s) (default: $HEYGEN_BASE_URL or HeyGen)"),
    )
    target.add_argument(
        "--upload-url",
        default=default,
        metavar="URL",
        help=text("upload host, http(s) (default: $HEYGEN_UPLOAD_URL or upload.heygen.com)"),
    )
    target.add_argument(
        "--max-attempts",
        type=int,
        default=default,
        metavar="N",
        help=text("attempts per request, retries included (default 3; 1 = no retries)"),
    )
    target.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=flag,
        help=text("log each HTTP attempt to standard error (key redacted)"),
    )


def _parser(console: Console) -> _Parser:
    global_options = _Parser(add_help=False, console=console)
    _common(global_options, shown=True)
    parser = _Parser(
        prog="heygen-pipeline",
        description="HeyGen API client built as a middleware pipeline.",
        epilog="The key comes from HEYGEN_API_KEY. Try `heygen-pipeline demo` (no key needed).",
        parents=[global_options],
        console=console,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def leaf(
        group: Any,
        name: str,
        command: Command,
        help_text: str,
        *,
        calls_api: bool = True,
        epilog: str = _GLOBAL_HELP,
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(
            name, help=help_text, description=help_text, epilog=epilog, console=console
        )
        _common(sub, shown=False)
        sub.set_defaults(run=command, calls_api=calls_api, name=sub.prog.split(" ", 1)[1])
        return sub

    def branch(name: str, help_text: str) -> Any:
        sub = top.add_parser(name, help=help_text, description=help_text, console=console)
        return sub.add_subparsers(dest="action", required=True, metavar="ACTION")

    demo = "walk through the pipeline against an embedded fake HeyGen"
    alone = "The demo takes no global option: it runs against its own fake, for people to read."
    leaf(top, "demo", _demo, demo, calls_api=False, epilog=alone)
    leaf(top, "stack", commands.stack, "print the default stack, outermost first", calls_api=False)
    serve = leaf(
        top,
        "fake-server",
        fake_server,
        "serve a FakeHeyGen on 127.0.0.1 until Ctrl-C; print its URLs and key",
        calls_api=False,
    )
    serve.add_argument("--host", default="127.0.0.1", help="loopback only (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=0, help="the API host's port (default 0: any free port)"
    )
    leaf(top, "account", commands.account, "show the account and its balance (GET /v3/users/me)")
    leaf(top, "quota", commands.quota, "legacy: the remaining v2 quota (and credits)")
    leaf(
        branch("avatars", "avatar looks (list)"),
        "list",
        commands.avatars_list,
        "list the avatar looks",
    )
    voices = leaf(
        branch("voices", "voices (list)"), "list", commands.voices_list, "list the voices"
    )
    voices.add_argument("--language", help="only voices of this language (e.g. English)")
    videos = branch("videos", "video jobs (create, status, wait, list, delete)")
    _video_commands(videos, leaf)
    v3.add_commands(branch, leaf, videos)
    return parser


def _video_commands(videos: Any, leaf: Callable[..., argparse.ArgumentParser]) -> None:
    create = leaf(videos, "create", commands.videos_create, "create a video (POST /v3/videos)")
    create.add_argument("--avatar-id", help="the avatar look to use (a look id)")
    create.add_argument("--voice-id", help="the voice to use")
    create.add_argument("--script", help="what the avatar says")
    create.add_argument("--title", help="the video's title")
    create.add_argument("--json-body", metavar="FILE", help="a JSON file with the request body")
    create.add_argument("--idempotency-key", metavar="KEY", help="reuse to retry safely")
    status = leaf(videos, "status", commands.videos_status, "show a video's status")
    status.add_argument("video_id", metavar="VIDEO_ID")
    wait = leaf(videos, "wait", commands.videos_wait, "wait until a video is done")
    wait.add_argument("video_id", metavar="VIDEO_ID")
    wait.add_argument("--timeout", type=float, default=1800.0, help="seconds (default 1800)")
    wait.add_argument("--poll", type=float, default=10.0, help="seconds between polls")
    wait.add_argument("--download", metavar="PATH", help="save the video here (file or dir)")


def _check_options(args: argparse.Namespace) -> None:
    """Refuse what a command would otherwise ignore, and URLs that are not http(s)."""
    for dest, flag in _CLIENT_OPTIONS[:2]:
        value = getattr(args, dest)
        if value is not None:
            commands.check_url(flag, value)
    if args.calls_api:
        return
    given = [flag for dest, flag in _CLIENT_OPTIONS if getattr(args, dest) not in (None, False)]
    if not given:
        return
    listed = ", ".join(given) + (" does" if len(given) == 1 else " do")
    if args.name == "demo":
        msg = f"the demo always runs against its own embedded fake HeyGen: {listed} not apply"
    else:
        msg = f"`{args.name}` calls no API: {listed} not apply"
    raise UsageError(msg)


def _demo(args: argparse.Namespace, ctx: Context) -> int:
    if args.json:
        raise UsageError("the demo is a walk-through for people: it has no --json output")
    return run_demo(ctx.console.out)


def _describe(exc: BaseException) -> str:
    """One line for the user: the error's class and message (status, code, request id)."""
    if isinstance(exc, HeyGenError):
        return f"{type(exc).__name__}: {exc}"
    return str(exc)


def _discard_stdout(console: Console) -> None:
    """Point standard output at the null device, so the exit's final flush cannot fail too."""
    if console.out is sys.stdout:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())


def disable_core_dumps() -> bool:
    """Forbid core dumps of this process (they would hold the key); False where unsupported."""
    try:
        import resource  # noqa: PLC0415 - Unix only
    except ImportError:  # pragma: no cover - Windows
        return False
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):  # pragma: no cover - a hard limit we may not lower
        return False
    return True


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run the command line; returns the exit status (0, 1 error, 2 usage, 130 Ctrl-C).

    ``out``/``err`` default to standard output and error, ``env`` to ``os.environ``.
    Core dumps are disabled first: the process holds the key in memory.
    """
    disable_core_dumps()
    console = Console(
        out if out is not None else sys.stdout, err if err is not None else sys.stderr
    )
    ctx = Context(console, env if env is not None else os.environ)
    console.hide(ctx.env.get(commands.ENV_KEY, "").strip())
    try:
        args = _parser(console).parse_args(argv)
        _check_options(args)
        run: Command = args.run
        return run(args, ctx)
    except _ParserExit as stop:
        return stop.status
    except KeyboardInterrupt:
        console.error("interrupted")
        return 130
    except (UsageError, ConfigurationError) as exc:
        console.error(_describe(exc))
        return 2
    except (HeyGenError, CommandError) as exc:
        console.error(_describe(exc))
        return 1
    except ValueError as exc:  # an argument the library refused (an empty video id, say)
        console.error(str(exc))
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, like any filter
        _discard_stdout(console)
        return 1
    except OSError as exc:  # writing a download, mostly
        console.error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        return 1
