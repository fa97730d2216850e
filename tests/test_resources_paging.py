import itertools
import json

import pytest
from _hostile_server import HostileServer, http_answer

from heygen_pipeline import HeyGenClient, MalformedResponseError, default_stack
from heygen_pipeline.resources import paginate
from heygen_pipeline.resources._paging import (
    DEFAULT_MAX_EMPTY_PAGES,
    DEFAULT_MAX_PAGES,
    MAX_TOKEN_LENGTH,
)
from heygen_pipeline.testing import MockTransport, make_response

KEY = "paging-test-key-3c9e1a"


def paged(pages, *, shape="v3"):
    """A MockTransport serving ``pages`` (lists of items) in order, by token."""

    def handler(request):
        query = dict(
            part.split("=", 1) for part in request.url.partition("?")[2].split("&") if part
        )
        index = int(query.get("token", "0"))
        items = pages[index]
        token = str(index + 1) if index + 1 < len(pages) else None
        if shape == "v1":
            body = {"code": 100, "data": {"videos": items, "token": token}, "message": None}
        else:
            body = {"data": items, "has_more": token is not None, "next_token": token}
        return make_response(request, json=body)

    return MockTransport(handler)


def client(transport):
    """A client over ``transport``."""
    return HeyGenClient(KEY, transport=transport)


class TestPaginate:
    """One iterator pages through v3 and v1 lists alike, lazily and boundedly."""

    def test_v3_pages_in_order(self):
        """Every item of every page, in order, one request per page."""
        transport = paged([[{"n": 1}, {"n": 2}], [{"n": 3}], [{"n": 4}]])
        items = list(paginate(client(transport), "/v3/videos", page_size=2))
        assert [i["n"] for i in items] == [1, 2, 3, 4]
        assert len(transport.requests) == 3
        assert "limit=2" in transport.requests[0].url
        assert "token" not in transport.requests[0].url
        assert "token=1" in transport.requests[1].url

    def test_v1_token_pages(self):
        """The v1 ``data.token`` cursor pages the same way."""
        transport = paged([[{"n": 1}], [{"n": 2}]], shape="v1")
        items = list(paginate(client(transport), "/v1/video.list", items_key="videos"))
        assert [i["n"] for i in items] == [1, 2]

    def test_lazy(self):
        """Nothing is fetched before iterating, and only the pages consumed."""
        transport = paged([[{"n": 1}, {"n": 2}], [{"n": 3}]])
        iterator = paginate(client(transport), "/v3/videos")
        assert transport.requests == []
        assert [i["n"] for i in itertools.islice(iterator, 2)] == [1, 2]
        assert len(transport.requests) == 1

    def test_max_pages(self):
        """``max_pages`` stops early."""
        transport = paged([[{"n": 1}], [{"n": 2}], [{"n": 3}]])
        assert len(list(paginate(client(transport), "/v3/x", max_pages=2))) == 2
        assert len(transport.requests) == 2

    def test_repeated_token_is_an_error_not_a_loop(self):
        """A server handing out the same token again raises instead of looping for ever."""

        def handler(request):
            return make_response(
                request, json={"data": [{"n": 1}], "has_more": True, "next_token": "same"}
            )

        with pytest.raises(MalformedResponseError, match="same paging token"):
            list(paginate(client(MockTransport(handler)), "/v3/videos"))

    def test_has_more_false_wins_over_a_token(self):
        """``has_more: false`` ends the list even if a token is present."""

        def handler(request):
            return make_response(
                request, json={"data": [{"n": 1}], "has_more": False, "next_token": "t"}
            )

        transport = MockTransport(handler)
        assert len(list(paginate(client(transport), "/v3/videos"))) == 1
        assert len(transport.requests) == 1

    def test_extra_params_are_sent(self):
        """Extra query parameters go on every page; None ones are left out."""
        transport = paged([[{"n": 1}]])
        list(paginate(client(transport), "/v3/x", params={"kind": "a", "none": None}))
        assert "kind=a" in transport.requests[0].url
        assert "none" not in transport.requests[0].url

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"page_size": 0}, ValueError),
            ({"page_size": 101}, ValueError),
            ({"page_size": "10"}, TypeError),
            ({"page_size": True}, TypeError),
            ({"max_pages": 0}, ValueError),
            ({"max_pages": True}, ValueError),
            ({"max_empty_pages": 0}, ValueError),
            ({"max_empty_pages": None}, ValueError),
        ],
    )
    def test_bad_arguments_fail_before_any_request(self, kwargs, error):
        """Out-of-range sizes fail at the call, not at the first page."""
        transport = paged([[{"n": 1}]])
        with pytest.raises(error):
            paginate(client(transport), "/v3/x", **kwargs)
        assert transport.requests == []

    def test_page_that_is_not_a_list(self):
        """A page whose data is not a list is a MalformedResponseError."""

        def handler(request):
            return make_response(request, json={"data": {"oops": 1}})

        with pytest.raises(MalformedResponseError, match="expected a JSON list"):
            list(paginate(client(MockTransport(handler)), "/v3/videos"))


class TestAgainstTheFake:
    """Over real sockets, every resource list sees every item exactly once."""

    @pytest.mark.parametrize(
        ("resource", "path", "expected"),
        [
            ("avatars", "/v3/avatars/looks", 6),  # avatars.list() lists the looks
            ("voices", "/v3/voices", 6),
            ("videos", "/v3/videos", 3),
        ],
    )
    def test_lists_page_through_everything(
        self, heygen_client, fake_heygen, resource, path, expected
    ):
        """Small pages still yield every item once."""
        items = list(getattr(heygen_client, resource).list(page_size=2))
        assert len(items) == expected
        assert len({i.id for i in items}) == expected
        pages = [r for r in fake_heygen.requests if r.path == path and r.method == "GET"]
        assert len(pages) == (expected + 1) // 2


class EndlessList:
    """A hostile list: every page has a fresh token (``items_every`` pages carry an item)."""

    def __init__(self, *, items_every=0, token=None):
        """``items_every=0``: never an item; ``token(n)`` picks page n's next token."""
        self.items_every = items_every
        self.token = token or (lambda n: f"t{n}")
        self.pages = 0

    def __call__(self, _request):
        """Answer the next page."""
        self.pages += 1
        has_item = self.items_every and self.pages % self.items_every == 0
        body = {
            "data": [{"n": self.pages}] if has_item else [],
            "has_more": True,
            "next_token": self.token(self.pages),
        }
        return http_answer(200, json.dumps(body).encode(), [("Content-Type", "application/json")])


@pytest.fixture
def endless():
    """A factory: a client of a hostile server answering with ``EndlessList(**options)``."""
    opened = []

    def make(**options):
        script = EndlessList(**options)
        server = HostileServer(script)
        stack = default_stack().remove("logging")  # ten thousand pages are not worth logging
        client = HeyGenClient(KEY, base_url=server.url, timeout=5.0, stack=stack)
        opened.append((server, client))
        return script, client

    yield make
    for server, client in opened:
        client.close()
        server.close()


class TestEndlessLists:
    """Over real sockets, a server that never ends its list cannot make paging loop."""

    def test_empty_pages_with_fresh_tokens_end_with_an_error(self, endless):
        """No item, a new token every page: MalformedResponseError after the default 20 pages."""
        script, client = endless()
        with pytest.raises(MalformedResponseError, match="pages in a row with no item"):
            next(paginate(client, "/v3/videos"))
        assert script.pages == DEFAULT_MAX_EMPTY_PAGES

    def test_the_caller_sets_the_empty_page_bound(self, endless):
        """``max_empty_pages=3``: three requests, then the error."""
        script, client = endless()
        with pytest.raises(MalformedResponseError):
            list(paginate(client, "/v3/videos", max_empty_pages=3))
        assert script.pages == 3

    def test_items_between_empty_pages_keep_the_list_going(self, endless):
        """Sparse pages (one in five has an item) are a list, up to the caller's max_pages."""
        script, client = endless(items_every=5)
        items = list(paginate(client, "/v3/videos", max_pages=60))
        assert [i["n"] for i in items] == list(range(5, 61, 5))
        assert script.pages == 60

    def test_a_token_seen_before_ends_with_an_error(self, endless):
        """Tokens a, b, a: the cycle is found on the third page."""
        script, client = endless(items_every=1, token=lambda n: "ab"[(n - 1) % 2])
        with pytest.raises(MalformedResponseError, match="same paging token twice"):
            list(paginate(client, "/v3/videos"))
        assert script.pages == 3

    def test_an_oversized_token_is_not_sent_back(self, endless):
        """A token over MAX_TOKEN_LENGTH characters ends the list after its page."""
        script, client = endless(items_every=1, token=lambda _n: "x" * (MAX_TOKEN_LENGTH + 1))
        with pytest.raises(MalformedResponseError, match="paging token of"):
            list(paginate(client, "/v3/videos"))
        assert script.pages == 1

    def test_the_callers_max_pages_ends_cleanly(self, endless):
        """``videos.list(max_pages=5)`` over an endless list: five pages, no error."""
        script, client = endless(items_every=1)
        assert len(list(client.videos.list(max_pages=5))) == 5
        assert script.pages == 5

    def test_without_max_pages_the_default_bound_holds(self):
        """Items on every page, fresh tokens for ever: an error after DEFAULT_MAX_PAGES pages.

        In process (ten thousand pages over a socket take too long for the suite); the
        pages are the same answers `EndlessList` sends.
        """
        script = EndlessList(items_every=1)

        def handler(request):
            return make_response(request, content=script(request).data.partition(b"\r\n\r\n")[2])

        stack = default_stack().remove("logging")
        with HeyGenClient(KEY, transport=MockTransport(handler), stack=stack) as c:
            pages = paginate(c, "/v3/videos")
            with pytest.raises(MalformedResponseError, match=f"after {DEFAULT_MAX_PAGES} pages"):
                for _ in pages:
                    pass
        assert script.pages == DEFAULT_MAX_PAGES
