"""One paging iterator for HeyGen's lists: v3 ``next_token``/``has_more`` and v1 ``data.token``.

The envelope middleware puts the cursor on the response (``Response.next_token`` and
``Response.has_more``) whichever shape the list came in, so paging needs no per-version code:
ask for a page, yield its items, and ask again with ``token=<next_token>`` until there is none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from heygen_pipeline.errors import MalformedResponseError
from heygen_pipeline.resources._checks import check_count, check_limit
from heygen_pipeline.resources._fields import items

if TYPE_CHECKING:
    from heygen_pipeline.resources._requester import Requester

__all__ = [
    "DEFAULT_MAX_EMPTY_PAGES",
    "DEFAULT_MAX_PAGES",
    "MAX_PAGE_SIZE",
    "MAX_TOKEN_LENGTH",
    "paginate",
]

MAX_PAGE_SIZE: Final = 100
"""The largest ``limit`` HeyGen's lists accept."""
DEFAULT_MAX_PAGES: Final = 10_000
"""Pages read when the caller sets no ``max_pages``: a million items at 100 a page."""
DEFAULT_MAX_EMPTY_PAGES: Final = 20
"""Pages in a row with no item but a next token before a list is judged broken."""
MAX_TOKEN_LENGTH: Final = 8192
"""The longest paging token sent back (each one goes into the next request's URL)."""

Params = Mapping[str, "str | int | float | bool | None"]


def check_page_size(page_size: int | None) -> None:
    """Fail at once, before any request, on a page size HeyGen would refuse."""
    check_limit(page_size, MAX_PAGE_SIZE, where="")


def paginate(
    client: Requester,
    path: str,
    *,
    params: Params | None = None,
    page_size: int | None = None,
    items_key: str | None = None,
    max_pages: int | None = None,
    max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES,
) -> Iterator[dict[str, Any]]:
    """Every item of a paged list, fetched a page at a time as the iterator advances.

    Nothing is requested until the first item is asked for; stop iterating (or use
    ``itertools.islice``) and no further page is fetched. Each page is a normal call through
    the client's stack (backoff, breaker, logging and all).

    The server drives the loop, so it is bounded whatever the server says: a token it gave
    before, a token over `MAX_TOKEN_LENGTH` characters, ``max_empty_pages`` pages in a row
    with no item but a next token, or more than `DEFAULT_MAX_PAGES` pages when the caller
    set no ``max_pages``, end it with a `MalformedResponseError` (after the items already
    yielded), never with thousands of requests for one ``next()``.

    Args:
        client: the client whose stack sends the requests.
        path: the list endpoint, such as ``/v3/videos`` or ``/v1/video.list``.
        params: extra query parameters (``None`` values are left out).
        page_size: ``limit`` per page, 1-100 (default: HeyGen's).
        items_key: where the items are inside ``data`` (``"videos"`` for ``/v1/video.list``);
            ``None`` when ``data`` is the list itself (v3).
        max_pages: stop, cleanly, after this many pages. Default: until the last page, but
            at most `DEFAULT_MAX_PAGES` (more is a `MalformedResponseError`).
        max_empty_pages: how many pages in a row may come with no item but a next token.

    Yields:
        Each item, as the dict HeyGen sent (items that are not objects are skipped).

    Raises:
        MalformedResponseError: a page is not a list, or the server keeps the list going
            with a repeated or oversized token, empty pages, or too many pages.
    """
    check_page_size(page_size)
    if max_pages is not None:
        check_count(max_pages, "max_pages", qualifier=" or None")
    check_count(max_empty_pages, "max_empty_pages")
    return _pages(
        client,
        path,
        params=dict(params or {}),
        page_size=page_size,
        items_key=items_key,
        max_pages=max_pages,
        max_empty_pages=max_empty_pages,
    )


def _pages(
    client: Requester,
    path: str,
    *,
    params: dict[str, Any],
    page_size: int | None,
    items_key: str | None,
    max_pages: int | None,
    max_empty_pages: int,
) -> Iterator[dict[str, Any]]:
    token: str | None = None
    seen: set[bytes] = set()  # digests: bounded memory whatever the tokens' size
    limit = DEFAULT_MAX_PAGES if max_pages is None else max_pages
    pages = empty = 0
    while True:  # bounded: at most `limit` pages, and each turn is one of them
        query = {**params, "limit": page_size, "token": token}
        response = client.request(
            "GET", path, params={k: v for k, v in query.items() if v is not None}
        )
        pages += 1
        found = items(response.data, items_key, f"a page of {path}")
        yield from found
        token = response.next_token
        if token is None or response.has_more is False:
            return
        empty = 0 if found else empty + 1
        problem = _endless(token, seen, empty, max_empty_pages)
        if problem is None and pages >= limit:
            if max_pages is not None:
                return  # the caller's own bound: a clean end
            problem = (
                f"still had more after {limit} pages (pass max_pages to read a longer list, "
                "or fewer pages)"
            )
        if problem is not None:
            msg = f"{path} {problem}; stopping rather than looping"
            raise MalformedResponseError(
                msg, status=response.status, request_id=response.request_id
            )


def _endless(token: str, seen: set[bytes], empty: int, max_empty: int) -> str | None:
    """Why the list the server keeps going looks endless (None while it does not)."""
    if len(token) > MAX_TOKEN_LENGTH:
        return f"sent a paging token of {len(token)} characters (over {MAX_TOKEN_LENGTH})"
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
    if digest in seen:
        return "sent the same paging token twice"
    seen.add(digest)
    if empty >= max_empty:
        return f"sent {empty} pages in a row with no item but a next token"
    return None
