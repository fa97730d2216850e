"""What every resource helper shares: the client it calls through, and id handling."""

from __future__ import annotations

import random as _random
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

from heygen_pipeline.typing import Clock, Random, Sleep

if TYPE_CHECKING:
    from heygen_pipeline.resources._requester import Requester


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


def drop_none(**fields: object) -> dict[str, object]:
    """The fields that were given (``None`` means: leave it to HeyGen's default)."""
    return {name: value for name, value in fields.items() if value is not None}
