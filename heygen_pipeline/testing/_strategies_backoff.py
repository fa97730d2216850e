"""Hypothesis strategies for retry and backoff: Retry-After values, policies, histories, outcomes.

Re-exported by ``heygen_pipeline.testing.strategies``; they need ``hypothesis`` installed.
"""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import strategies as st

from heygen_pipeline._models import Request, RequestOptions, Response
from heygen_pipeline.errors import (
    CircuitOpenError,
    ConnectError,
    ConnectTimeoutError,
    HeyGenError,
    ProtocolError,
    ReadTimeoutError,
    TLSError,
    TransportError,
)
from heygen_pipeline.middleware._backoff_policy import AttemptRecord, BackoffPolicy
from heygen_pipeline.middleware._retry_after import format_http_date

__all__ = [
    "REFERENCE_EPOCH",
    "attempt_histories",
    "attempt_outcomes",
    "backoff_policies",
    "backoff_requests",
    "jitter_samples",
    "retry_after_headers",
    "retry_after_values",
]

REFERENCE_EPOCH = 1_700_000_000.0
"""The wall-clock instant HTTP-date values are generated around (2023-11-14)."""

_METHODS = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "POST", "PATCH")
_RETRYABLE = (409, 429, 500, 502, 503, 504)
_STATUSES = (200, 201, 204, 400, 401, 404, 409, 413, 429, 500, 502, 503, 504, 599)
_ERRORS: tuple[type[HeyGenError], ...] = (
    ConnectError,
    TLSError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ProtocolError,
    TransportError,
    CircuitOpenError,
)


def retry_after_values(*, around: float = REFERENCE_EPOCH) -> st.SearchStrategy[str]:
    """``Retry-After`` values as servers send them: valid forms, odd ones and garbage.

    Valid: delta-seconds, float seconds, HTTP-dates within a day of ``around`` (past and
    future). Odd: negatives, ``NaN``, ``inf``, exponents, huge numbers, padding, empty text,
    and any text a header may carry (latin-1 without CR, LF or NUL).
    """
    small = st.integers(min_value=0, max_value=60).map(str)  # what servers usually send
    seconds = st.integers(min_value=0, max_value=10**6).map(str)
    floats = st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda f: f"{f:.3f}")
    dates = st.floats(min_value=around - 86400, max_value=around + 86400).map(format_http_date)
    odd = st.sampled_from(
        [
            "-1",
            "-0.5",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "1e3",
            "1_000",
            "",
            " ",
            "0x10",
            "soon",
            "9" * 40,
            "1.5.2",
            "Sun, 99 Foo 2024 99:99:99 GMT",
            "Sun, 06 Nov 99999 08:49:37 GMT",
            "12, 12",
        ]
    )
    padded = seconds.map(lambda s: f"  {s}\t")
    return st.one_of(small, seconds, floats, dates, odd, padded, _header_text(40))


def retry_after_headers(*, around: float = REFERENCE_EPOCH) -> st.SearchStrategy[dict[str, str]]:
    """Response headers with or without ``Retry-After`` and ``retry-after-ms``, in any case."""
    names = st.sampled_from(["Retry-After", "retry-after", "RETRY-AFTER"])
    ms_names = st.sampled_from(["retry-after-ms", "Retry-After-Ms"])
    ms_values = st.one_of(
        st.integers(min_value=0, max_value=60_000).map(str),
        st.integers(min_value=0, max_value=10**7).map(str),
        _header_text(12),
    )
    return st.builds(
        _merge,
        st.one_of(st.none(), st.tuples(names, retry_after_values(around=around))),
        st.one_of(st.none(), st.tuples(ms_names, ms_values)),
    )


def _header_text(max_size: int) -> st.SearchStrategy[str]:
    """Any text a header value can hold (latin-1, no CR, LF or NUL)."""
    alphabet = st.characters(min_codepoint=1, max_codepoint=255, exclude_characters="\r\n")
    return st.text(alphabet, max_size=max_size)


def _merge(*pairs: tuple[str, str] | None) -> dict[str, str]:
    return dict(pair for pair in pairs if pair is not None)


def jitter_samples() -> st.SearchStrategy[float]:
    """Samples as ``random.random()`` gives them (``[0, 1)``, with both ends for good measure)."""
    return st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def backoff_policies() -> st.SearchStrategy[BackoffPolicy]:
    """Valid policies over small ranges (caps up to 60 s, up to 6 attempts)."""
    return st.builds(
        _policy,
        max_attempts=st.integers(min_value=1, max_value=6),
        base=st.floats(min_value=0, max_value=5),
        multiplier=st.floats(min_value=1, max_value=4),
        max_delay=st.floats(min_value=0, max_value=60),
        jitter=st.tuples(st.floats(0, 1.5), st.floats(0, 1.5)).map(sorted),
        respect_retry_after=st.booleans(),
    )


def _policy(
    *,
    max_attempts: int,
    base: float,
    multiplier: float,
    max_delay: float,
    jitter: list[float],
    respect_retry_after: bool,
) -> BackoffPolicy:
    return BackoffPolicy(
        max_attempts=max_attempts,
        base=base,
        multiplier=multiplier,
        max_delay=max_delay,
        jitter_min=jitter[0],
        jitter_max=jitter[1],
        respect_retry_after=respect_retry_after,
    )


def attempt_histories(*, max_size: int = 5) -> st.SearchStrategy[list[AttemptRecord]]:
    """Records of earlier attempts (labels, whether each was sent, the wait after it)."""
    record = st.builds(
        AttemptRecord,
        outcome=st.sampled_from(["HTTP 429", "HTTP 503", "ConnectError", "ReadTimeoutError"]),
        sent=st.booleans(),
        delay=st.floats(min_value=0, max_value=60),
    )
    return st.lists(record, max_size=max_size)


def _one_shot() -> Iterator[bytes]:
    yield b"chunk"


def backoff_requests() -> st.SearchStrategy[Request]:
    """Requests that differ in what makes a retry safe: method, key, override, body, limit."""
    body = st.sampled_from(["none", "bytes", "iterator"]).map(
        lambda kind: {"none": None, "bytes": b"{}", "iterator": _one_shot()}[kind]
    )
    options = st.builds(
        RequestOptions,
        max_attempts=st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
        idempotent=st.one_of(st.none(), st.booleans()),
        idempotency_key=st.one_of(
            st.none(), st.from_regex(r"[A-Za-z0-9_:.\-]{1,16}", fullmatch=True)
        ),
    )
    return st.builds(
        lambda method, content, opts: Request.build(
            method, "https://api.heygen.com/v3/videos", content=content, options=opts
        ),
        st.sampled_from(_METHODS),
        body,
        options,
    )


def attempt_outcomes(
    request: Request, *, around: float = REFERENCE_EPOCH
) -> st.SearchStrategy[Response | HeyGenError]:
    """What one attempt of ``request`` may end with: a response or a raised library error.

    Statuses worth a retry (409, 429, 5xx) are drawn about half the time.
    """
    in_progress = b'{"error": {"code": "request_in_progress", "message": "still running"}}'
    responses = st.builds(
        lambda status, headers, body: Response(
            status=status, headers=headers, request=request, content=body
        ),
        st.one_of(st.sampled_from(_RETRYABLE), st.sampled_from(_STATUSES)),
        retry_after_headers(around=around),
        st.sampled_from([b"", in_progress, b"<html>bad gateway</html>", b'{"data": {}}']),
    )
    errors = st.sampled_from(_ERRORS).map(lambda cls: cls("boom", request=request))
    return st.one_of(responses, errors)
