"""Contract tests of ``client.avatars`` against HeyGen's v3 spec.

Each typed method runs against a FakeHeyGen with default arguments and with every option;
every request sent and every answer given is checked with openapi-core.
"""

import pytest
from _spec_check import (
    assert_contract,
    checked_client,
    operations_called,
    request_problems,
    spec,
)

from heygen_pipeline import BadRequestError
from heygen_pipeline.resources import AvatarLooks, Avatars, _avatars, _voices
from heygen_pipeline.resources._operation import operations_of
from heygen_pipeline.testing import FakeHeyGen, Fault


@pytest.fixture
def env():
    """A fake and a checked client on it; the contract is checked at the end."""
    fake = FakeHeyGen()
    client, replies = checked_client(fake)
    yield fake, client
    try:
        assert_contract(fake, replies)
        assert fake.handler_errors == []
        assert fake.reply_violations() == []
    finally:
        client.close()
        fake.close()


def called(fake):
    """The set of spec operations reached."""
    return set(operations_called(fake))


def _trained(client, fake):
    """A private photo avatar, trained (so private groups and looks are served too)."""
    created = client.avatars.create_photo("Mine", image_url="https://example.com/me.jpg")
    for _ in range(3):
        client.avatars.get_group(created.avatar_group.id)
    return created


class TestLooks:
    """List, get, update and delete looks."""

    def test_list_defaults_and_every_option(self, env):
        """``list`` (and ``looks.list``) with defaults and with every filter and the max page."""
        fake, client = env
        _trained(client, fake)
        assert list(client.avatars.list())
        list(client.avatars.looks.list())
        list(
            client.avatars.list(
                group_id="grp-daisy",
                avatar_type="studio_avatar",
                ownership="public",
                page_size=50,
                max_pages=1,
            )
        )
        list(client.avatars.list(avatar_type="photo_avatar", ownership="private", page_size=1))
        list(client.avatars.looks.list(avatar_type="digital_twin", page_size=2, max_pages=2))
        assert "GET /v3/avatars/looks" in called(fake)

    def test_get_update_delete(self, env):
        """``get`` of a stock and a private look; ``update`` and ``delete`` of a private one."""
        fake, client = env
        created = _trained(client, fake)
        client.avatars.get("Daisy-inskirt-20220818")
        client.avatars.looks.get(created.look.id)
        client.avatars.looks.update(created.look.id, name="Renamed")
        client.avatars.looks.delete(created.look.id)
        assert called(fake) >= {
            "GET /v3/avatars/looks/{look_id}",
            "PATCH /v3/avatars/looks/{look_id}",
            "DELETE /v3/avatars/looks/{look_id}",
        }


class TestGroups:
    """List, get and delete groups."""

    def test_list_groups(self, env):
        """``list_groups`` with defaults and with ownership and the largest page."""
        fake, client = env
        _trained(client, fake)
        assert list(client.avatars.list_groups())
        list(client.avatars.list_groups(ownership="private", page_size=50, max_pages=1))
        list(client.avatars.list_groups(ownership="public", page_size=2))
        assert called(fake) >= {"GET /v3/avatars"}

    def test_get_and_delete_group(self, env):
        """``get_group`` of a stock and a private group at each status; ``delete_group``."""
        fake, client = env
        client.avatars.get_group("grp-daisy")
        twin = client.avatars.create_digital_twin("Twin", video_url="https://example.com/f.mp4")
        client.avatars.get_group(twin.avatar_group.id)  # pending_consent
        fake.fail_avatar()
        failed = client.avatars.create_photo("Bad", image_url="https://example.com/b.jpg")
        for _ in range(3):
            client.avatars.get_group(failed.avatar_group.id)  # processing, then failed
        client.avatars.get(failed.look.id)
        client.avatars.delete_group(twin.avatar_group.id)
        assert called(fake) >= {"GET /v3/avatars/{group_id}", "DELETE /v3/avatars/{group_id}"}


class TestWait:
    """``wait`` polls GET /v3/avatars/{group_id} in the spec's shape."""

    def test_wait(self, env):
        """A created avatar waited for until trained."""
        _, client = env
        created = client.avatars.create_photo("Me", image_url="https://example.com/me.jpg")
        assert client.avatars.wait(created, timeout=30, poll=0.01, max_poll=0.01).is_ready


class TestCreation:
    """POST /v3/avatars in its three forms, and consent."""

    def test_prompt_defaults_and_every_option(self, env):
        """``create_from_prompt`` bare, and with reference images, avatar id and group id."""
        fake, client = env
        first = client.avatars.create_from_prompt("Ava", "a friendly presenter")
        client.avatars.create_from_prompt(
            "Ava 2",
            "the same, smiling",
            reference_image_urls=["https://example.com/a.png"],
            reference_image_asset_ids=["asset-1", "asset-2"],
            avatar_id=first.look.id,
            avatar_group_id=first.avatar_group.id,
            idempotency_key="avatar-prompt-1",
        )
        assert called(fake) == {"POST /v3/avatars"}

    def test_digital_twin_and_photo_every_source(self, env, tmp_path):
        """Twin and photo by URL, by asset id and inline from a file; with a group id."""
        fake, client = env
        footage = tmp_path / "f.mp4"
        footage.write_bytes(b"\x00\x00\x00\x18ftypmp42")
        photo = tmp_path / "p.jpg"
        photo.write_bytes(b"\xff\xd8\xff fake jpeg")
        twin = client.avatars.create_digital_twin("T", video_url="https://example.com/f.mp4")
        client.avatars.create_digital_twin(
            "T2",
            video_asset_id="asset-1",
            avatar_group_id=twin.avatar_group.id,
            idempotency_key="twin-1",
        )
        client.avatars.create_digital_twin("T3", video_path=footage, video_media_type="video/mp4")
        client.avatars.create_photo("P", image_url="https://example.com/p.jpg")
        client.avatars.create_photo("P2", image_asset_id="asset-2", idempotency_key="photo-1")
        client.avatars.create_photo("P3", image_path=photo, avatar_group_id=twin.avatar_group.id)
        assert len(fake.requests_for("POST", "/v3/avatars")) == 6

    def test_consent_defaults_and_every_option(self, env):
        """``consent`` bare, with reroute URL and text, and with a video by URL or asset id."""
        fake, client = env
        group_id = client.avatars.create_digital_twin(
            "T", video_url="https://example.com/f.mp4"
        ).avatar_group.id
        client.avatars.consent(group_id)
        client.avatars.consent(
            group_id, reroute_url="https://example.com/done", consent_text="I, Ann, agree."
        )
        client.avatars.consent(group_id, video_url="https://example.com/consent.mp4")
        client.avatars.consent(group_id, video_asset_id="asset-9")
        assert called(fake) >= {"POST /v3/avatars/{group_id}/consent"}


class TestCoverage:
    """Every avatar operation of the spec has a tagged method exercised above."""

    def test_every_operation_is_tagged(self):
        """The tags on ``Avatars`` and ``AvatarLooks`` name all 9 avatar operations."""
        tagged = {
            ref.key
            for cls in (Avatars, AvatarLooks)
            for name in dir(cls)
            for ref in operations_of(getattr(cls, name))
            if ref.spec == "v3"
        }
        wanted = {op.key for op in spec().operations if op.path.startswith("/v3/avatars")}
        assert len(wanted) == 9
        assert tagged == wanted


def _spec_maximum(path):
    """The ``limit`` maximum the spec gives ``GET path``."""
    operation = spec().document["paths"][path]["get"]
    (limit,) = [p for p in operation["parameters"] if p["name"] == "limit"]
    return limit["schema"]["maximum"]


class TestPageSizes:
    """Page sizes are each endpoint's own maximum in the spec."""

    def test_limits_are_the_spec_maxima(self):
        """Groups and looks take at most 50, voices 100: the spec's maxima."""
        assert _avatars.GROUPS_LIMIT == _spec_maximum("/v3/avatars") == 50
        assert _avatars.LOOKS_LIMIT == _spec_maximum("/v3/avatars/looks") == 50
        assert _voices.LIST_LIMIT == _spec_maximum("/v3/voices") == 100


class TestTheCheckItself:
    """The contract check fails on what breaks the spec (it is not a check that cannot fail)."""

    def test_a_request_that_breaks_the_spec_is_found(self):
        """A look list over the 50 maximum, and a twin without its file, are reported."""
        with FakeHeyGen() as fake:
            client, _ = checked_client(fake)
            with pytest.raises(BadRequestError) as over:
                client.request("GET", "/v3/avatars/looks", params={"limit": 51})
            with pytest.raises(BadRequestError) as no_file:
                client.request("POST", "/v3/avatars", json={"type": "digital_twin", "name": "T"})
            problems = request_problems(fake)
            client.close()
        assert over.value.param == "limit"
        assert no_file.value.param is not None
        assert len(problems) == 2

    def test_a_reply_that_breaks_the_spec_is_found(self):
        """A group answered without its required fields is reported."""
        with FakeHeyGen() as fake:
            client, replies = checked_client(fake)
            fake.inject("GET", "/v3/avatars/g1", Fault.status(200, {"data": {"id": "g1"}}))
            client.avatars.get_group("g1")
            client.close()
        [problem] = replies.problems()
        assert "GET /v3/avatars/g1" in problem
