r"""Where the command line writes: results to ``out``, errors and progress to ``err``.

Human output is plain text: no colours, no escape sequences, and control characters that
came from the API are shown escaped. A progress line is redrawn in place (``\r``) only when
its stream is a terminal; piped, it prints each new state once as a line, or nothing.
Everything a `Console` writes is scrubbed of the secrets it was told to hide (the key).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TextIO

from heygen_pipeline._redact import MIN_SECRET_LEN, REDACTED

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0/C1 controls, line separators and bidi overrides: never written raw into a terminal."""
_MIN_REDRAW: Final = 0.1
"""Seconds between redraws of a live line, so a fast download does not flood the terminal."""


def is_tty(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal (False for pipes, files and buffers)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


def plain(value: object) -> str:
    """``value`` as safe text for a terminal: control characters escaped."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def one_line(text: str) -> str:
    """``text`` on a single line (newlines and runs of spaces folded), made `plain`."""
    return plain(" ".join(text.split()))


class Console:
    """The two output streams of one command run."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        """Write results to ``out`` and diagnostics to ``err``."""
        self.out = out
        self.err = err
        self._secrets: tuple[str, ...] = ()
        self.progress: Progress | None = None
        """The live status line on ``err`` (a wait, a download), while one is shown."""

    def hide(self, secret: str) -> None:
        """Never write ``secret``: it shows as ``REDACTED`` in anything written from now on.

        The library already keeps its key out of messages and logs; this is the last guard,
        at the very edge of the program.
        """
        if len(secret) >= MIN_SECRET_LEN and secret not in self._secrets:
            self._secrets = tuple(sorted((*self._secrets, secret), key=len, reverse=True))

    def scrub(self, text: str) -> str:
        """``text`` with every hidden secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def line(self, text: str = "") -> None:
        """One line of human output (the caller makes API values `plain`)."""
        self.out.write(self.scrub(text) + "\n")
        self.out.flush()

    def error(self, text: str) -> None:
        """One line on ``err``: ``error: ...``."""
        self.err.write(f"error: {self.scrub(one_line(text))}\n")
        self.err.flush()

    def note(self, text: str) -> None:
        """One line of progress on ``err`` (a retry), above the live status line if any."""
        line = self.scrub(plain(text))
        if self.progress is not None:
            self.progress.write_line(line)
        else:
            self.err.write(line + "\n")
            self.err.flush()

    def json(self, value: Any) -> None:
        """One JSON document on ``out`` (what ``--json`` prints)."""
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
        self.out.write(self.scrub(text) + "\n")
        self.out.flush()

    def table(self, columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows as aligned columns; ``columns`` are (heading, key) pairs."""
        cells = [[plain(_cell(row.get(key))) for _, key in columns] for row in rows]
        headings = [heading for heading, _ in columns]
        widths = [max(len(c) for c in column) for column in zip(headings, *cells, strict=True)]
        for values in (headings, *cells):
            self.line("  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip())

    def fields(self, pairs: Sequence[tuple[str, Any]]) -> None:
        """``name  value`` lines, aligned; None values are left out."""
        shown = [(name, plain(_cell(value))) for name, value in pairs if value is not None]
        width = max((len(name) for name, _ in shown), default=0)
        for name, value in shown:
            self.line(f"{name.ljust(width)}  {value}")


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


class Progress:
    r"""A status line that changes over time (a wait, a download).

    On a terminal (``live``) it is redrawn in place with ``\r``; lines written through
    `write_line` appear above it without garbling it. Off a terminal it prints each new text
    once as its own line when ``lines`` is set, and nothing otherwise.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        lines: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Draw on ``stream``; ``live`` for a terminal, ``lines`` to log changes when piped."""
        self._stream = stream
        self._live = live
        self._lines = lines
        self._clock = clock
        self._shown = ""
        self._last = ""
        self._drawn_at = float("-inf")

    def show(self, text: str, *, detail: str = "", force: bool = False) -> None:
        """Make ``text`` the current status; ``detail`` (a timer, say) is shown only live.

        Live redraws are at most ten a second unless ``force``; piped, a line is printed
        only when ``text`` changes.
        """
        text = plain(text)
        if self._live:
            line = f"{text} {plain(detail)}" if detail else text
            now = self._clock()
            if force or (line != self._shown and now - self._drawn_at >= _MIN_REDRAW):
                self._draw(line)
                self._drawn_at = now
            self._last = line
            return
        if self._lines and text != self._last:
            self._stream.write(text + "\n")
            self._stream.flush()
        self._last = text

    def _draw(self, text: str) -> None:
        pad = max(len(self._shown) - len(text), 0)
        self._stream.write("\r" + text + " " * pad)
        self._stream.flush()
        self._shown = text

    def write_line(self, text: str) -> None:
        """Write a whole line above the status line (which is then redrawn)."""
        if self._live and self._shown:
            current = self._shown
            self._stream.write("\r" + " " * len(current) + "\r" + text + "\n")
            self._shown = ""
            self._draw(current)
        else:
            self._stream.write(text + "\n")
            self._stream.flush()

    def close(self, final: str | None = None) -> None:
        """End the status line, leaving ``final`` (or the last status) on screen."""
        if final is not None:
            self.show(final, force=True)
        if self._live and self._shown:
            if self._last != self._shown:
                self._draw(self._last)
            self._stream.write("\n")
            self._stream.flush()
            self._shown = ""
