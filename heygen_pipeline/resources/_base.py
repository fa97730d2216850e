"""What every resource helper shares: the client it calls through, job waits, id handling."""

from __future__ import annotations

import copy
import random as _random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import quote

from heygen_pipeline.resources._call_options import CallOptions, OptionsRequester, RawResponses
from heygen_pipeline.resources._checks import parsed
from heygen_pipeline.resources._wait import wait_for
from heygen_pipeline.typing import Clock, Random, Sleep

if TYPE_CHECKING:
    from typing_extensions import Self

    from heygen_pipeline._models import Timeout
    from heygen_pipeline.errors import JobFailedError
    from heygen_pipeline.resources._requester import Requester


class _Job(Protocol):
    """A job's status model, as every ``wait`` polls it."""

    @property
    def status(self) -> str | None:
        """HeyGen's status text (``"completed"``, ``"failed"``, ...)."""
        ...


J = TypeVar("J", bound=_Job)
T = TypeVar("T")

Failure = Callable[[J, str, "str | None"], "JobFailedError | None"]
"""``(status, job_id, request_id) -> error``: the error of a failed job, or ``None``."""


class Resource:
    """Base of the per-area helpers (``client.videos`` and the rest).

    A helper holds only its client: every call is a request through the client's stack, so
    auth, backoff, the breaker, logging and envelope unwrapping apply to it as to any other.
    """

    __slots__ = ("_client",)

    def __init__(self, client: Requester) -> None:
        """Bind the helper to ``client``."""
        self._client = client

    @property
    def client(self) -> Requester:
        """The client every call goes through."""
        return self._client

    def with_options(
        self,
        *,
        timeout: Timeout | float | None = None,
        total_timeout: float | None = None,
        idempotency_key: str | None = None,
        max_attempts: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Self:
        """This helper with `CallOptions` applied to every request its methods send.

        For example ``client.videos.with_options(timeout=5, total_timeout=30).get(video_id)``;
        chained calls merge, the later winning. Sub-helpers (``avatars.looks``) follow.
        """
        options = CallOptions(
            timeout=timeout,
            total_timeout=total_timeout,
            idempotency_key=idempotency_key,
            max_attempts=max_attempts,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return self._rebound(OptionsRequester(self._client, options))

    @property
    def with_raw_response(self) -> RawResponses[Self]:
        """This helper's methods answering a `RawResult`: the typed result and the responses.

        For example ``client.videos.with_raw_response.get(video_id).request_id``.
        """
        return RawResponses(self, self._rebound)

    def _rebound(self, client: Requester) -> Self:
        """A copy of this helper (and of its sub-helpers) sending through ``client``."""
        new = copy.copy(self)
        new._client = client
        for cls in type(self).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                value = getattr(new, slot, None)
                if isinstance(value, Resource):
                    setattr(new, slot, value._rebound(client))
        return new

    def __repr__(self) -> str:
        """The class and its client (never the key)."""
        return f"{type(self).__name__}({self._client!r})"


class JobResource(Resource):
    """A helper with a ``wait``: sleeping, the clock and the jitter source are injectable.

    ``client.videos`` and ``client.translations`` use the real ones; build your own to test
    code that waits without waiting, e.g. ``Videos(client, sleep=fake_sleep, clock=fake_clock)``.
    """

    __slots__ = ("_clock", "_random", "_sleep")

    def __init__(
        self,
        client: Requester,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        random: Random = _random.random,
    ) -> None:
        """Bind the helper to ``client``, with the given sleep, clock and random source."""
        super().__init__(client)
        for name, value in (("sleep", sleep), ("clock", clock), ("random", random)):
            if not callable(value):
                msg = f"{name} must be callable, not {type(value).__name__}"
                raise TypeError(msg)
        self._sleep = sleep
        self._clock = clock
        self._random = random

    def _wait_job(
        self,
        path: str,
        read: Callable[[Any], J],
        *,
        finished: Callable[[J], bool],
        failure: Failure[J],
        what: str,
        job_id: str,
        timeout: float,
        poll: float,
        max_poll: float,
        on_progress: Callable[[J], None] | None,
        params: Mapping[str, str] | None = None,
        before_poll: Callable[[], None] | None = None,
    ) -> J:
        """`wait_for` a job whose status is ``GET path`` (read with ``read``).

        Each poll is bounded by the time left; a failed job's error carries the request id
        of the poll that saw it fail. ``before_poll`` runs before each poll (the video job
        slot uses it to keep its lease).
        """
        request_id: list[str | None] = [None]
        query = {} if params is None else {"params": params}

        def fetch(left: float) -> J:
            if before_poll is not None:
                before_poll()
            response = self._client.request("GET", path, total_timeout=left, **query)
            request_id[0] = response.request_id
            return parsed(read, response)

        return wait_for(
            fetch,
            finished=finished,
            failure=lambda job: failure(job, job_id, request_id[0]),
            status=lambda job: job.status,
            what=what,
            job_id=job_id,
            timeout=timeout,
            poll=poll,
            max_poll=max_poll,
            on_progress=on_progress,
            sleep=self._sleep,
            clock=self._clock,
            random=self._random,
        )


def path_id(value: object, what: str) -> str:
    """An id made safe to put in a URL path (quoted, so ``../x`` cannot reach another route)."""
    if not isinstance(value, str):
        msg = f"{what} must be a str, not {type(value).__name__}"
        raise TypeError(msg)
    if not value.strip():
        msg = f"{what} must not be empty"
        raise ValueError(msg)
    if value.strip() in {".", ".."}:  # a URL path segment that means "here" or "up"
        msg = f"{what} must not be {value!r}"
        raise ValueError(msg)
    return quote(value, safe="")


def drop_none(**fields: T | None) -> dict[str, T]:
    """The fields that were given (``None`` means: leave it to HeyGen's default)."""
    return {name: value for name, value in fields.items() if value is not None}
