"""Per-call options and raw responses for every resource method, through wrapping requesters.

A resource sends every call through its `Requester`, so options and response capture need
no change to the methods themselves: ``with_options`` binds a copy of the resource to a
requester that merges `CallOptions` into each request, and ``with_raw_response`` binds one,
per call, to a requester that records the responses the call received.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

import attrs

from heygen_pipeline._headers import to_headers
from heygen_pipeline.resources._requester import DataVerbs

if TYPE_CHECKING:
    from heygen_pipeline._models import Response, Timeout
    from heygen_pipeline.resources._requester import Requester
    from heygen_pipeline.typing import JobSlotProvider

__all__ = ["CallOptions", "RawResult"]

T = TypeVar("T")


def _frozen_map(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        msg = f"expected a mapping or None, not {type(value).__name__}"
        raise TypeError(msg)
    return dict(value)


@attrs.frozen
class CallOptions:
    """What ``resource.with_options(...)`` applies to each request of a call.

    Scalars the method itself passes (a ``wait``'s per-poll bound, ``download(timeout=)``,
    ``create(idempotency_key=)``) win over these, except ``total_timeout``, where the
    earlier end wins; ``extra_headers`` and ``extra_query`` are set over the method's own.
    The extras and the key go only to HeyGen (a path, or the upload host), never to a signed
    storage or CDN URL, whose signature they could break; the key only on a ``POST``.
    """

    timeout: Timeout | float | None = None
    """Per-attempt timeouts (seconds, or a `Timeout`)."""
    total_timeout: float | None = None
    """A bound on each request, retries and backoff included, in seconds."""
    idempotency_key: str | None = None
    """The ``Idempotency-Key`` of the request (a create)."""
    max_attempts: int | None = None
    """How many attempts the backoff may make."""
    extra_headers: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)
    """Headers set on each request (replacing the method's, in any case)."""
    extra_query: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_map)
    """Query parameters added to each request."""

    def then(self, later: CallOptions) -> CallOptions:
        """These options with ``later``'s set over them (``with_options`` chained)."""
        return CallOptions(
            timeout=later.timeout if later.timeout is not None else self.timeout,
            total_timeout=_first(later.total_timeout, self.total_timeout),
            idempotency_key=_first(later.idempotency_key, self.idempotency_key),
            max_attempts=_first(later.max_attempts, self.max_attempts),
            extra_headers={**self.extra_headers, **later.extra_headers},
            extra_query={**self.extra_query, **later.extra_query},
        )

    def merged(
        self, kwargs: Mapping[str, Any], *, to_heygen: bool = True, post: bool = True
    ) -> dict[str, Any]:
        """The keyword arguments of ``Requester.request`` with these options merged in.

        ``to_heygen``: the request goes to HeyGen (else no extras and no key); ``post``: it
        is a ``POST`` (else no key).
        """
        out = dict(kwargs)
        for name in ("timeout", "max_attempts"):
            if out.get(name) is None and getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.total_timeout is not None and "deadline" not in out:
            given = out.get("total_timeout")
            out["total_timeout"] = (
                self.total_timeout if given is None else min(given, self.total_timeout)
            )
        if not to_heygen:
            return out
        if post and out.get("idempotency_key") is None and self.idempotency_key is not None:
            out["idempotency_key"] = self.idempotency_key
        if self.extra_headers:
            out["headers"] = to_headers(out.get("headers")).with_headers(self.extra_headers)
        if self.extra_query:
            out["params"] = {**(out.get("params") or {}), **self.extra_query}
        return out


def _first(value: T | None, fallback: T | None) -> T | None:
    return value if value is not None else fallback


class _Wrapper(DataVerbs):
    """A requester over another: the verbs go through ``request``; the rest is the inner's."""

    __slots__ = ("inner",)

    def __init__(self, inner: Requester) -> None:
        self.inner = inner

    @property
    def upload_url(self) -> str:
        """The inner requester's legacy upload host."""
        return self.inner.upload_url

    @property
    def job_slots(self) -> JobSlotProvider | None:
        """The inner requester's job slots."""
        return self.inner.job_slots

    @property
    def slot_timeout(self) -> float:
        """The inner requester's slot timeout."""
        return self.inner.slot_timeout

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send through the inner requester."""
        return self.inner.request(method, url, **kwargs)

    def __repr__(self) -> str:
        """The inner requester's repr (never a key)."""
        return repr(self.inner)


class OptionsRequester(_Wrapper):
    """A requester that merges `CallOptions` into every request it sends."""

    __slots__ = ("options",)

    def __init__(self, inner: Requester, options: CallOptions) -> None:
        """Wrap ``inner``; an `OptionsRequester` is flattened so later options win."""
        if isinstance(inner, OptionsRequester):
            earlier: CallOptions = inner.options
            options = earlier.then(options)
            inner = inner.inner
        super().__init__(inner)
        self.options: CallOptions = options

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send through the inner requester with the options merged in."""
        to_heygen = url.startswith("/") or _same_origin(url, self.inner.upload_url)
        merged = self.options.merged(kwargs, to_heygen=to_heygen, post=method.upper() == "POST")
        return self.inner.request(method, url, **merged)


def _same_origin(url: str, base: str) -> bool:
    """Whether ``url`` is on ``base``'s scheme, host and port."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


class RecordingRequester(_Wrapper):
    """A requester that keeps every response it received, in order (one per call)."""

    __slots__ = ("responses",)

    def __init__(self, inner: Requester) -> None:
        """Wrap ``inner`` with an empty record."""
        super().__init__(inner)
        self.responses: list[Response] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send through the inner requester and record the response."""
        response = self.inner.request(method, url, **kwargs)
        self.responses.append(response)
        return response


@attrs.frozen
class RawResult(Generic[T]):
    """A resource call's typed result with the HTTP responses behind it.

    ``response`` is the last one (for a ``wait``, the final poll; for a lazy list, the
    last page fetched so far: iterate ``data`` first).
    """

    data: T
    """The typed result, as the method without ``with_raw_response`` answers it."""
    responses: list[Response] = attrs.field(eq=False, repr=False)
    """Every response the call received so far, in order (a lazy list adds as it runs)."""

    @property
    def response(self) -> Response:
        """The last response received (headers, status, ``request_id``)."""
        if not self.responses:
            msg = "the call has sent no request yet (a lazy list sends when iterated)"
            raise LookupError(msg)
        return self.responses[-1]

    @property
    def request_id(self) -> str | None:
        """HeyGen's request id of the last response."""
        return self.response.request_id

    def parse(self) -> T:
        """The typed result (as in the Stainless SDKs' ``with_raw_response``)."""
        return self.data


class RawResponses(Generic[T]):
    """``resource.with_raw_response``: the resource's methods, answering `RawResult`.

    A sub-resource (``avatars.with_raw_response.looks``) answers its own raw view.
    """

    __slots__ = ("_rebind", "_resource")

    def __init__(self, resource: T, rebind: Callable[[Requester], T]) -> None:
        """The raw view of ``resource``; ``rebind`` binds a copy of it to another requester."""
        self._resource = resource
        self._rebind = rebind

    def __getattr__(self, name: str) -> Any:
        """The method ``name``, answering a `RawResult`; or a sub-resource's raw view."""
        if name.startswith("_"):
            raise AttributeError(name)
        attr = getattr(self._resource, name)
        view = getattr(attr, "with_raw_response", None)
        if isinstance(view, RawResponses):
            return view
        if not callable(attr):
            msg = f"{type(self._resource).__name__}.{name} is not a method"
            raise AttributeError(msg)  # noqa: TRY004 - what getattr and hasattr expect
        return self._caller(name)

    def _caller(self, name: str) -> Callable[..., RawResult[Any]]:
        resource: Any = self._resource

        def call(*args: Any, **kwargs: Any) -> RawResult[Any]:
            recorder = RecordingRequester(resource.client)
            data = getattr(self._rebind(recorder), name)(*args, **kwargs)
            return RawResult(data, recorder.responses)

        call.__name__ = name
        call.__doc__ = getattr(getattr(resource, name), "__doc__", None)
        return call

    def __repr__(self) -> str:
        """Which resource this is the raw view of."""
        return f"{type(self).__name__}({self._resource!r})"
