import pytest

from heygen_pipeline import NotFoundError
from heygen_pipeline.resources import Avatar, TalkingPhoto


class TestAvatars:
    """``client.avatars`` against the fake, over real sockets."""

    def test_v3_list_is_lazy_and_complete(self, heygen_client, fake_heygen):
        """The v3 list pages through every avatar, and fetches nothing until iterated."""
        listing = heygen_client.avatars.list(page_size=2)
        assert fake_heygen.requests_for("GET", "/v3/avatars") == []
        avatars = list(listing)
        assert all(isinstance(a, Avatar) for a in avatars)
        assert [a.id for a in avatars][:2] == [
            "Abigail_expressive_2024112501",
            "Daisy-inskirt-20220818",
        ]
        assert len(fake_heygen.requests_for("GET", "/v3/avatars")) == 3

    def test_get_one(self, heygen_client):
        """``get`` returns the avatar with its fields read."""
        avatar = heygen_client.avatars.get("Brandon_Office_Front_public")
        assert (avatar.name, avatar.gender, avatar.premium) == ("Brandon Office", "male", True)
        assert avatar.tags == ("PREMIUM",)
        assert avatar.default_voice_id == "v-m-en-2"

    def test_get_unknown(self, heygen_client):
        """An unknown avatar is NotFoundError (HeyGen's ``avatar_not_found``)."""
        with pytest.raises(NotFoundError) as info:
            heygen_client.avatars.get("nobody")
        assert info.value.code == "avatar_not_found"

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
