"""``client.avatars`` against FakeHeyGen: looks (what videos show), groups, creation, consent."""

import base64
import json

import pytest

from heygen_pipeline import JobFailedError, NotFoundError, PermissionDeniedError, WaitTimeoutError
from heygen_pipeline.resources import (
    Avatar,
    AvatarConsent,
    AvatarCreation,
    AvatarGroup,
    AvatarLook,
    Avatars,
    TalkingPhoto,
)

LOOK_IDS = [
    "Abigail_expressive_2024112501",
    "Daisy-inskirt-20220818",
    "Daisy-inshirt-20220818",
    "Tyler-incasualsuit-20220721",
    "Brandon_Office_Front_public",
    "Annie_expressive_public",
]


class TestLooks:
    """``avatars.list``/``get`` and ``avatars.looks``: the ids a v3 video takes."""

    def test_list_is_lazy_and_complete(self, heygen_client, fake_heygen):
        """The looks list pages through every look, and fetches nothing until iterated."""
        listing = heygen_client.avatars.list(page_size=2)
        assert fake_heygen.requests_for("GET", "/v3/avatars/looks") == []
        looks = list(listing)
        assert all(isinstance(look, AvatarLook) for look in looks)
        assert [look.id for look in looks] == LOOK_IDS
        assert len(fake_heygen.requests_for("GET", "/v3/avatars/looks")) == 3

    def test_looks_list_is_the_same(self, heygen_client):
        """``avatars.looks.list()`` lists what ``avatars.list()`` lists."""
        assert list(heygen_client.avatars.looks.list()) == list(heygen_client.avatars.list())

    def test_filters(self, heygen_client, fake_heygen):
        """group_id, avatar_type and ownership go out as the spec's query parameters."""
        daisy = list(heygen_client.avatars.list(group_id="grp-daisy"))
        assert [look.name for look in daisy] == ["Daisy in Skirt", "Daisy in Shirt"]
        assert list(heygen_client.avatars.list(avatar_type="digital_twin")) == []
        assert list(heygen_client.avatars.list(ownership="private")) == []
        (*_, last) = fake_heygen.requests_for("GET", "/v3/avatars/looks")
        assert last.query == {"ownership": "private"}

    def test_get_one(self, heygen_client):
        """``get`` returns the look with the spec's fields read."""
        look = heygen_client.avatars.get("Brandon_Office_Front_public")
        assert (look.name, look.gender, look.avatar_type) == (
            "Brandon Office",
            "male",
            "studio_avatar",
        )
        assert look.tags == ("PREMIUM",)
        assert look.supported_api_engines == ("avatar_iv", "avatar_iii")
        assert look.default_voice_id == "v-m-en-2"
        assert (look.group_id, look.image_width, look.image_height) == ("grp-brandon", 1920, 1080)
        assert look.is_ready
        assert heygen_client.avatars.looks.get(look.id) == look

    def test_get_unknown(self, heygen_client):
        """An unknown look is NotFoundError (HeyGen's ``avatar_not_found``)."""
        with pytest.raises(NotFoundError) as info:
            heygen_client.avatars.get("nobody")
        assert info.value.code == "avatar_not_found"

    def test_stock_looks_cannot_be_changed(self, heygen_client):
        """Renaming or deleting one of HeyGen's looks is refused (403)."""
        with pytest.raises(PermissionDeniedError):
            heygen_client.avatars.looks.update("Daisy-inskirt-20220818", name="Mine")
        with pytest.raises(PermissionDeniedError):
            heygen_client.avatars.looks.delete("Daisy-inskirt-20220818")


class TestGroups:
    """Groups: identities holding looks, not something a video shows."""

    def test_list_groups(self, heygen_client, fake_heygen):
        """Every group, with its look count; 50 is the largest page."""
        groups = list(heygen_client.avatars.list_groups(page_size=50))
        assert all(isinstance(g, AvatarGroup) for g in groups)
        assert [(g.id, g.looks_count) for g in groups][:2] == [("grp-abigail", 1), ("grp-daisy", 2)]
        assert groups[0].created_at is not None
        (sent,) = fake_heygen.requests_for("GET", "/v3/avatars")
        assert sent.query == {"limit": "50"}

    def test_group_to_looks(self, heygen_client):
        """A group's looks are ``avatars.list(group_id=...)``, as many as ``looks_count``."""
        group = heygen_client.avatars.get_group("grp-daisy")
        looks = list(heygen_client.avatars.list(group_id=group.id))
        assert len(looks) == group.looks_count == 2
        assert {look.group_id for look in looks} == {group.id}

    def test_unknown_group(self, heygen_client):
        """An unknown group is NotFoundError; a stock one cannot be deleted."""
        with pytest.raises(NotFoundError):
            heygen_client.avatars.get_group("nope")
        with pytest.raises(PermissionDeniedError):
            heygen_client.avatars.delete_group("grp-daisy")


class TestCreation:
    """Creating avatars: prompt, photo and digital twin, then consent and training."""

    def test_prompt_avatar_trains(self, heygen_client, fake_heygen):
        """A prompt avatar is processing, then completed after status calls; its look is usable."""
        created = heygen_client.avatars.create_from_prompt(
            "Ava", "a friendly presenter", reference_image_urls=["https://example.com/a.png"]
        )
        assert isinstance(created, AvatarCreation)
        assert created.avatar_group.status == created.look.status == "processing"
        assert created.look.group_id == created.avatar_group.id
        group_id = created.avatar_group.id
        for _ in range(3):
            group = heygen_client.avatars.get_group(group_id)
        assert group.status == "completed"
        assert group.is_ready
        look = heygen_client.avatars.get(created.look.id)
        assert look.status == "completed"
        assert look.supported_api_engines
        assert [g.id for g in heygen_client.avatars.list_groups(ownership="private")] == [group_id]

    def test_photo_avatar_inline(self, heygen_client, fake_heygen, tmp_path):
        """A photo given by path goes inline as base64 with its media type."""
        photo = tmp_path / "me.png"
        photo.write_bytes(b"\x89PNG fake")
        created = heygen_client.avatars.create_photo("Me", image_path=photo)
        assert created.look.avatar_type == "photo_avatar"
        (sent,) = fake_heygen.requests_for("POST", "/v3/avatars")
        body = json.loads(sent.body)
        assert body["file"] == {
            "type": "base64",
            "media_type": "image/png",
            "data": base64.b64encode(b"\x89PNG fake").decode(),
        }

    def test_digital_twin_waits_for_consent(self, heygen_client):
        """A twin is pending_consent until consent; then it trains."""
        created = heygen_client.avatars.create_digital_twin(
            "Twin", video_url="https://example.com/footage.mp4"
        )
        group_id = created.avatar_group.id
        assert heygen_client.avatars.get_group(group_id).status == "pending_consent"
        consent = heygen_client.avatars.consent(group_id, reroute_url="https://example.com/done")
        assert isinstance(consent, AvatarConsent)
        assert consent.url is not None
        assert consent.avatar_group.consent_status == "completed"
        for _ in range(3):
            group = heygen_client.avatars.get_group(group_id)
        assert group.status == "completed"

    def test_consent_video_gives_no_url(self, heygen_client):
        """A consent video submitted directly: no consent page URL."""
        created = heygen_client.avatars.create_digital_twin("Twin", video_asset_id="asset-1")
        consent = heygen_client.avatars.consent(
            created.avatar_group.id, video_url="https://example.com/consent.mp4"
        )
        assert consent.url is None

    def test_scripted_failure(self, heygen_client, fake_heygen):
        """fail_avatar: the next avatar's training fails with the spec's error object."""
        fake_heygen.fail_avatar(code="BAD_FOOTAGE", message="The face is not visible")
        created = heygen_client.avatars.create_photo("Me", image_url="https://example.com/a.jpg")
        for _ in range(3):
            group = heygen_client.avatars.get_group(created.avatar_group.id)
        assert group.is_failed
        assert (group.failure_code, group.failure_message) == (
            "BAD_FOOTAGE",
            "The face is not visible",
        )
        look = heygen_client.avatars.get(created.look.id)
        assert look.is_failed
        assert look.failure_message == "The face is not visible"

    def test_rename_and_delete(self, heygen_client):
        """A look of yours can be renamed and deleted; deleting its group removes the rest."""
        first = heygen_client.avatars.create_photo("One", image_url="https://example.com/1.jpg")
        group_id = first.avatar_group.id
        second = heygen_client.avatars.create_photo(
            "Two", image_url="https://example.com/2.jpg", avatar_group_id=group_id
        )
        assert second.avatar_group.id == group_id
        assert second.avatar_group.looks_count == 2
        renamed = heygen_client.avatars.looks.update(first.look.id, name="Renamed")
        assert renamed.name == "Renamed"
        assert heygen_client.avatars.looks.delete(first.look.id).id == first.look.id
        assert heygen_client.avatars.delete_group(group_id).id == group_id
        with pytest.raises(NotFoundError):
            heygen_client.avatars.get(second.look.id)


class _Clock:
    """A fake monotonic clock that sleeping moves on."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def avatars(heygen_client):
    """An avatars helper whose waits use a fake clock (never waiting for real)."""
    clock = _Clock()
    return Avatars(heygen_client, sleep=clock.sleep, clock=clock, random=lambda: 0.5)


class TestWait:
    """``wait``: training polled with the shared wait helper, always within its deadline."""

    def test_waits_until_trained(self, avatars):
        """A creation's group is polled until completed; progress sees each status."""
        created = avatars.create_from_prompt("Ava", "a presenter")
        seen = []
        group = avatars.wait(created, timeout=60, on_progress=lambda g: seen.append(g.status))
        assert group.status == "completed"
        assert seen == ["processing", "processing", "completed"]
        assert avatars.wait(group.id, timeout=60).is_ready  # by id, already done
        assert avatars.wait(avatars.get_group("grp-daisy"), timeout=60).status is None

    def test_failure_carries_the_reason(self, avatars, fake_heygen):
        """A failed training ends the wait with JobFailedError, HeyGen's code and message."""
        fake_heygen.fail_avatar(code="BAD_PHOTO", message="No face found")
        created = avatars.create_photo("Me", image_url="https://example.com/me.jpg")
        with pytest.raises(JobFailedError) as info:
            avatars.wait(created.avatar_group, timeout=60)
        assert (info.value.code, info.value.failure_message) == ("BAD_PHOTO", "No face found")
        assert info.value.job_id == created.avatar_group.id
        assert info.value.job_status == "failed"

    def test_a_twin_without_consent_times_out(self, avatars):
        """pending_consent is not an end: without consent the wait ends by its deadline."""
        created = avatars.create_digital_twin("Twin", video_url="https://example.com/f.mp4")
        with pytest.raises(WaitTimeoutError) as info:
            avatars.wait(created, timeout=30, poll=10, max_poll=10)
        assert info.value.last_status == "pending_consent"


class TestArguments:
    """Caller mistakes fail before anything is sent, naming the argument."""

    @pytest.mark.parametrize(
        ("call", "error", "match"),
        [
            (lambda a: a.list(page_size=51), ValueError, "between 1 and 50"),
            (lambda a: a.list(page_size=0), ValueError, "page_size"),
            (lambda a: a.list(page_size="5"), TypeError, "page_size"),
            (lambda a: a.list(avatar_type="cartoon"), ValueError, "avatar_type"),
            (lambda a: a.list(ownership="mine"), ValueError, "ownership"),
            (lambda a: a.list(group_id=""), ValueError, "group_id"),
            (lambda a: a.list_groups(page_size=100), ValueError, "between 1 and 50"),
            (lambda a: a.get(""), ValueError, "look_id"),
            (lambda a: a.get(".."), ValueError, "look_id"),
            (lambda a: a.get(3), TypeError, "look_id"),
            (lambda a: a.looks.update("x", name=" "), ValueError, "name"),
            (lambda a: a.looks.delete("."), ValueError, "look_id"),
            (lambda a: a.get_group(""), ValueError, "group_id"),
            (lambda a: a.delete_group(".."), ValueError, "group_id"),
            (lambda a: a.create_from_prompt("", "p"), ValueError, "name"),
            (lambda a: a.create_from_prompt("n", None), TypeError, "prompt"),
            (
                lambda a: a.create_from_prompt("n", "p", reference_image_urls=["u"] * 4),
                ValueError,
                "at most 3",
            ),
            (
                lambda a: a.create_from_prompt("n", "p", reference_image_urls="https://x"),
                TypeError,
                "reference_image_urls",
            ),
            (lambda a: a.create_digital_twin("n"), TypeError, "video_url="),
            (
                lambda a: a.create_digital_twin("n", video_url="u", video_asset_id="a"),
                TypeError,
                "not video_url= and video_asset_id=",
            ),
            (
                lambda a: a.create_photo("n", image_url="u", image_media_type="image/png"),
                TypeError,
                "image_media_type",
            ),
            (lambda a: a.create_photo("n", image_path="/no/such/file"), FileNotFoundError, "file"),
            (lambda a: a.consent("g", consent_text="<b>"), ValueError, "consent_text"),
            (
                lambda a: a.consent("g", reroute_url="https://x", video_url="https://v"),
                TypeError,
                "cannot be combined",
            ),
            (lambda a: a.consent(""), ValueError, "group_id"),
            (lambda a: a.wait(""), ValueError, "group_id"),
            (lambda a: a.wait("g", timeout=-1), ValueError, "timeout"),
        ],
    )
    def test_refused_before_sending(self, heygen_client, fake_heygen, call, error, match):
        """Each mistake raises its error naming the field, and no request goes out."""
        with pytest.raises(error, match=match):
            call(heygen_client.avatars)  # lists check their arguments when called, too
        assert fake_heygen.requests == []

    def test_unknown_media_type(self, heygen_client, tmp_path):
        """A file whose type the extension does not tell needs its media type given."""
        odd = tmp_path / "footage.unknownext"
        odd.write_bytes(b"x")
        with pytest.raises(ValueError, match="video_media_type"):
            heygen_client.avatars.create_digital_twin("n", video_path=odd)


class TestModels:
    """The avatar models read the spec's shapes and tolerate what HeyGen leaves out."""

    def test_group_reads_every_field(self):
        """Every field of a spec group, ``raw`` whole; statuses lower-cased."""
        item = {
            "id": "g1",
            "name": "Ann",
            "created_at": 1_700_000_000,
            "looks_count": 3,
            "gender": "female",
            "preview_image_url": "https://p/i.webp",
            "preview_video_url": "https://p/v.mp4",
            "default_voice_id": "v1",
            "status": "FAILED",
            "consent_status": "pending",
            "error": {"code": "E", "message": "why"},
        }
        group = AvatarGroup.from_api(item)
        assert (group.id, group.looks_count, group.status) == ("g1", 3, "failed")
        assert group.created_at.timestamp() == 1_700_000_000
        assert (group.failure_code, group.failure_message) == ("E", "why")
        assert group.is_failed
        assert not group.is_ready
        assert group.raw == item

    def test_sparse_objects(self):
        """Missing or null fields become None or empty; stock ones (no status) are ready."""
        look = AvatarLook.from_api({"id": "l1", "name": "L", "avatar_type": "studio_avatar"})
        assert look.tags == look.supported_api_engines == ()
        assert look.error is None
        assert look.failure_message is None
        assert look.is_ready
        assert AvatarCreation.from_api({}).look is None
        assert AvatarConsent.from_api({"avatar_group": None, "url": None}).avatar_group is None

    def test_legacy_avatar_stays(self):
        """The v2 Avatar model still reads legacy list entries."""
        avatar = Avatar.from_api({"avatar_id": "a", "avatar_name": "A", "premium": True})
        assert (avatar.id, avatar.name, avatar.premium) == ("a", "A", True)


class TestLegacy:
    """The legacy v2 list, kept as legacy."""

    def test_v2_groups(self, heygen_client):
        """The legacy group list reads into AvatarGroup; a group's avatars into Avatar."""
        assert heygen_client.avatars.list_groups_v2() == []
        groups = heygen_client.avatars.list_groups_v2(include_public=True)
        daisy = next(g for g in groups if g.id == "grp-daisy")
        assert (daisy.looks_count, daisy.group_type, daisy.status) == (2, "PUBLIC", None)
        assert daisy.preview_image_url is not None
        avatars = heygen_client.avatars.group_avatars_v2("grp-daisy")
        assert [a.id for a in avatars] == ["Daisy-inskirt-20220818", "Daisy-inshirt-20220818"]
        with pytest.raises(TypeError, match="include_public"):
            heygen_client.avatars.list_groups_v2(include_public="yes")
        with pytest.raises(ValueError, match="group_id"):
            heygen_client.avatars.group_avatars_v2("..")

    def test_v2_group_of_yours(self, heygen_client):
        """A group you created is in the legacy list with its train_status."""
        created = heygen_client.avatars.create_photo("P", image_url="https://example.com/p.jpg")
        (mine,) = heygen_client.avatars.list_groups_v2()
        assert (mine.id, mine.status, mine.group_type) == (
            created.avatar_group.id,
            "processing",
            "PHOTO",
        )

    def test_v2_list_and_talking_photos(self, heygen_client, fake_heygen):
        """The legacy list gives avatars and, separately, talking photos."""
        avatars = heygen_client.avatars.list_v2()
        photos = heygen_client.avatars.talking_photos()
        assert len(avatars) == 5
        assert avatars[0].preview_image_url.startswith(fake_heygen.cdn_url)
        assert photos == [
            TalkingPhoto(
                id="tp-1",
                name="Photo One",
                preview_image_url=f"{fake_heygen.cdn_url}/previews/tp-1.jpg",
                raw=photos[0].raw,
            )
        ]
