"""What a resource helper needs from the object it calls through: `Requester`.

The helpers send every call through it, so auth, backoff, the breaker, logging and envelope
unwrapping apply as to any other request. They need only these few members, so they depend on
this protocol rather than on the whole client: `HeyGenClient` is one ``Requester``; a wrapper
that adds tracing or tenancy to ``request`` is another.
"""

from __future__ import annotations

from typing import Any, Protocol

from heygen_pipeline._models import Response
from heygen_pipeline.typing import JobSlotProvider

__all__ = ["DataVerbs", "Requester"]


class Requester(Protocol):
    """Sends requests through a stack; what ``client.videos`` and the others call.

    ``request`` answers the `Response`; ``get``, ``post``, ``patch`` and ``delete`` answer
    its unwrapped ``data``. Keyword arguments are those of ``HeyGenClient.request``.
    """

    @property
    def upload_url(self) -> str:
        """The legacy upload host (``POST /v1/asset`` goes there)."""
        ...

    @property
    def job_slots(self) -> JobSlotProvider | None:
        """What limits concurrent video jobs on the key, or ``None`` for no limit."""
        ...

    @property
    def slot_timeout(self) -> float:
        """How long creating a video waits for a free job slot, in seconds."""
        ...

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send one request through the stack and answer its response."""
        ...

    def get(self, url: str, **kwargs: Any) -> Any:
        """``GET`` ``url``; the unwrapped data."""
        ...

    def post(self, url: str, **kwargs: Any) -> Any:
        """``POST`` to ``url``; the unwrapped data."""
        ...

    def patch(self, url: str, **kwargs: Any) -> Any:
        """``PATCH`` ``url``; the unwrapped data."""
        ...

    def delete(self, url: str, **kwargs: Any) -> Any:
        """``DELETE`` ``url``; the unwrapped data."""
        ...


class DataVerbs:
    """``get``/``post``/``put``/``patch``/``delete`` on top of a ``request`` method.

    Each sends through ``self.request`` and answers the response's unwrapped ``data``: the one
    definition `HeyGenClient` and the resources' wrapping requesters share.
    """

    __slots__ = ()

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send one request; the class that mixes this in provides it."""
        raise NotImplementedError

    def get(self, url: str, **kwargs: Any) -> Any:
        """GET and return the unwrapped ``data``."""
        return self.request("GET", url, **kwargs).data

    def post(self, url: str, **kwargs: Any) -> Any:
        """POST and return the unwrapped ``data``."""
        return self.request("POST", url, **kwargs).data

    def put(self, url: str, **kwargs: Any) -> Any:
        """PUT and return the unwrapped ``data``."""
        return self.request("PUT", url, **kwargs).data

    def patch(self, url: str, **kwargs: Any) -> Any:
        """PATCH and return the unwrapped ``data``."""
        return self.request("PATCH", url, **kwargs).data

    def delete(self, url: str, **kwargs: Any) -> Any:
        """DELETE and return the unwrapped ``data``."""
        return self.request("DELETE", url, **kwargs).data
