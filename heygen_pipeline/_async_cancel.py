"""Cancellation of a sync call from asyncio: a flag the pipeline checks before each attempt.

A worker thread cannot be interrupted, so cancelling the awaiting task sets a
`threading.Event`; two small middlewares carry it to every attempt: `CancelTag` (outermost)
puts the flag of the running call on the request as the `CANCEL` extension, and
`CancelCheck` (inside backoff, so it runs per attempt and per redirect hop) raises
`CallCancelledError` once it is set. The attempt in flight ends by its own timeout.
"""

from __future__ import annotations

import contextvars
import threading
from typing import TYPE_CHECKING, Final

from heygen_pipeline._models import ExtensionKey
from heygen_pipeline.errors import HeyGenError

if TYPE_CHECKING:
    from heygen_pipeline._models import Request, Response
    from heygen_pipeline._stack import Stack
    from heygen_pipeline.typing import Handler

__all__ = ["CANCEL", "CallCancelledError", "CancelCheck", "CancelTag", "cancellable", "current"]

CANCEL: Final = ExtensionKey[threading.Event]("heygen_pipeline.cancel")
"""The cancellation flag of the async call a request belongs to."""
TAG_NAME: Final = "async_cancel_tag"
CHECK_NAME: Final = "async_cancel_check"

_CURRENT: Final = contextvars.ContextVar[threading.Event | None](
    "heygen_async_cancel", default=None
)


class CallCancelledError(HeyGenError):
    """The asyncio task awaiting this call was cancelled: no further attempt is made."""


def current() -> contextvars.ContextVar[threading.Event | None]:
    """The context variable holding the flag of the call running in this worker."""
    return _CURRENT


class CancelTag:
    """Outermost: attach the running call's flag to the request (as the `CANCEL` extension)."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Tag ``request`` with the flag of the call it belongs to, if any."""
        flag = _CURRENT.get()
        if flag is not None and request.options.extension(CANCEL) is None:
            request = request.evolve(options=request.options.with_extension(CANCEL, flag))
        return call_next(request)


class CancelCheck:
    """Per attempt: refuse to start one once the call's flag is set."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Raise `CallCancelledError` if the awaiting task was cancelled, else go on."""
        flag = request.options.extension(CANCEL)
        if flag is not None and flag.is_set():
            msg = f"{request.method} {request.path}: the awaiting task was cancelled"
            raise CallCancelledError(msg, request=request)
        return call_next(request)


def cancellable(stack: Stack) -> Stack:
    """``stack`` with the tag outermost and the check inside backoff (once; idempotent)."""
    if TAG_NAME in stack.names:
        return stack
    stack = stack.prepend(TAG_NAME, CancelTag())
    anchor = "backoff" if "backoff" in stack.names else TAG_NAME
    return stack.insert_after(anchor, CHECK_NAME, CancelCheck())
