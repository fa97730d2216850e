"""One paging iterator for HeyGen's lists: v3 ``next_token``/``has_more`` and v1 ``data.token``.

The envelope middleware puts the cursor on the response (``Response.next_token`` and
``Response.has_more``) whichever shape the list came in, so paging needs no per-version code:
ask for a page, yield its items, and ask again with ``token=<next_token>`` until there is none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from heygen_pipeline.errors import MalformedResponseError
from heygen_pipeline.resources._fields import items

if TYPE_CHECKING:
    from heygen_pipeline.client import HeyGenClient

__all__ = ["MAX_PAGE_SIZE", "paginate"]

MAX_PAGE_SIZE: Final = 100
"""The largest ``limit`` HeyGen's lists accept."""

Params = Mapping[str, "str | int | float | bool | None"]


def check_page_size(page_size: int | None) -> None:
    """Fail at once, before any request, on a page size HeyGen would refuse."""
    if page_size is None:
        return
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        msg = f"page_size must be an int or None, not {type(page_size).__name__}"
        raise TypeError(msg)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        msg = f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}"
        raise ValueError(msg)


def paginate(
    client: HeyGenClient,
    path: str,
    *,
    params: Params | None = None,
    page_size: int | None = None,
    items_key: str | None = None,
    max_pages: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of a paged list, fetched a page at a time as the iterator advances.

    Nothing is requested until the first item is asked for; stop iterating (or use
    ``itertools.islice``) and no further page is fetched. Each page is a normal call through
    the client's stack (backoff, breaker, logging and all).

    Args:
        client: the client whose stack sends the requests.
        path: the list endpoint, such as ``/v3/videos`` or ``/v1/video.list``.
        params: extra query parameters (``None`` values are left out).
        page_size: ``limit`` per page, 1-100 (default: HeyGen's).
        items_key: where the items are inside ``data`` (``"videos"`` for ``/v1/video.list``);
            ``None`` when ``data`` is the list itself (v3).
        max_pages: stop after this many pages (default: until the last page).

    Yields:
        Each item, as the dict HeyGen sent (items that are not objects are skipped).

    Raises:
        MalformedResponseError: a page is not a list, or the server hands out a token it
            already gave (which would loop for ever).
    """
    check_page_size(page_size)
    if max_pages is not None and (isinstance(max_pages, bool) or max_pages < 1):
        msg = f"max_pages must be an int >= 1 or None, not {max_pages!r}"
        raise ValueError(msg)
    return _pages(
        client,
        path,
        params=dict(params or {}),
        page_size=page_size,
        items_key=items_key,
        max_pages=max_pages,
    )


def _pages(
    client: HeyGenClient,
    path: str,
    *,
    params: dict[str, Any],
    page_size: int | None,
    items_key: str | None,
    max_pages: int | None,
) -> Iterator[dict[str, Any]]:
    token: str | None = None
    seen: set[str] = set()
    pages = 0
    while max_pages is None or pages < max_pages:  # ends on the last page or a repeated token
        query = {**params, "limit": page_size, "token": token}
        response = client.request(
            "GET", path, params={k: v for k, v in query.items() if v is not None}
        )
        pages += 1
        yield from items(response.data, items_key, f"a page of {path}")
        token = response.next_token
        if token is None or response.has_more is False:
            return
        if token in seen:
            msg = f"{path} sent the same paging token twice; stopping rather than looping"
            raise MalformedResponseError(
                msg, status=response.status, request_id=response.request_id
            )
        seen.add(token)
