"""Job waits for asyncio: each poll in the worker pool, each pause on the event loop.

The sync ``wait`` of every job resource ends in ``JobResource._wait_job`` with all it needs
(path, reader, finished and failure tests, poll settings). `captured` runs that ``wait`` on a
copy whose ``_wait_job`` only records those arguments, so the async loop reuses each
resource's own decisions; `wait_job` is `wait_for` with an awaited fetch and sleep.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from heygen_pipeline._models import MAX_SECONDS
from heygen_pipeline.errors import (
    CircuitOpenError,
    HeyGenError,
    RateLimitError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)
from heygen_pipeline.resources import JobResource, poll_delay

__all__ = ["Captured", "captured", "wait_job"]

_TRANSIENT: Final = (TransportError, ServerError, RateLimitError, CircuitOpenError)
_JITTER: Final = 0.25
Runner = Callable[..., Awaitable[Any]]
_SUBCLASSES: dict[type[JobResource], type[JobResource]] = {}


class Captured(BaseException):
    """What a sync ``wait`` passed to ``_wait_job`` (raised instead of polling)."""

    def __init__(self, path: str, read: Callable[[Any], Any], settings: Mapping[str, Any]) -> None:
        """Keep the arguments."""
        super().__init__(path)
        self.path = path
        self.read = read
        self.settings = dict(settings)


def _capture(_self: JobResource, path: str, read: Callable[[Any], Any], **settings: Any) -> Any:
    raise Captured(path, read, settings)


def captured(sync: JobResource, wait: str, *args: Any, **kwargs: Any) -> Captured:
    """The `Captured` arguments of ``sync.<wait>(*args, **kwargs)`` (no request is sent)."""
    cls = type(sync)
    sub = _SUBCLASSES.get(cls)
    if sub is None:
        sub = type(f"_Capturing{cls.__name__}", (cls,), {"__slots__": (), "_wait_job": _capture})
        _SUBCLASSES[cls] = sub
    probe = copy.copy(sync)
    probe.__class__ = sub
    try:
        getattr(probe, wait)(*args, **kwargs)
    except Captured as found:
        return found
    msg = f"{cls.__name__}.{wait} did not poll through _wait_job"
    raise TypeError(msg)


async def wait_job(
    run: Runner,
    sync: JobResource,
    found: Captured,
    *,
    sleep: Callable[[float], Awaitable[None]],
    random: Callable[[], float],
) -> Any:
    """Poll as the sync wait would, each poll in the pool, sleeping on the loop between."""
    s = found.settings
    timeout, poll, max_poll = s["timeout"], s["poll"], s["max_poll"]
    wait_for_check(timeout, poll, max_poll)
    query = {} if s.get("params") is None else {"params": s["params"]}
    request_id: list[str | None] = [None]

    def fetch(left: float) -> Any:
        before = s.get("before_poll")
        if before is not None:
            before()
        response = sync.client.request("GET", found.path, total_timeout=left, **query)
        request_id[0] = response.request_id
        return found.read(response.data)

    deadline = time.monotonic() + timeout
    last: Any = None
    last_error: HeyGenError | None = None
    for number in range(1, int(timeout / (poll * (1 - _JITTER))) + 3):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        server_wait = 0.0
        try:
            current = await run(fetch, left)
        except _TRANSIENT as exc:
            last_error, server_wait = exc, getattr(exc, "retry_after", None) or 0.0
        else:
            last, last_error = current, None
            if _ended(current, s, request_id[0]):
                return current
        delay = poll_delay(number, poll=poll, max_poll=max_poll, jitter=random())
        left = deadline - time.monotonic()
        if left <= 0:
            break
        await sleep(min(max(server_wait, delay), left))
    status = getattr(last, "status", None)
    seen = f"last status: {status}" if status else "no successful poll"
    message = f"the {s['what']} {s['job_id']} did not finish within {timeout:g} s ({seen})"
    raise WaitTimeoutError(
        message, job_id=s["job_id"], last_status=status, timeout=timeout
    ) from last_error


def wait_for_check(timeout: float, poll: float, max_poll: float) -> None:
    """Refuse settings that cannot bound the wait (as the sync wait does)."""
    numbers = all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in (timeout, poll, max_poll)
    )
    if not numbers or not (0 <= timeout <= MAX_SECONDS and 0 < poll <= max_poll <= MAX_SECONDS):
        msg = f"need 0 <= timeout and 0 < poll <= max_poll, not {timeout!r}, {poll!r}, {max_poll!r}"
        raise ValueError(msg)


def _ended(current: Any, s: Mapping[str, Any], request_id: str | None) -> bool:
    """Report progress; raise the job's failure; whether it finished."""
    if s.get("on_progress") is not None:
        s["on_progress"](current)
    error = s["failure"](current, s["job_id"], request_id)
    if error is not None:
        raise error
    return bool(s["finished"](current))
