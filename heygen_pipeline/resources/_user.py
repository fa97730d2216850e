"""``client.user``: the account behind the key, and its remaining quota."""

from __future__ import annotations

from heygen_pipeline.errors import NotFoundError
from heygen_pipeline.resources._base import Resource
from heygen_pipeline.resources._models import Quota, User

__all__ = ["UserResource"]


class UserResource(Resource):
    """The account: who it is, its balance, and the legacy quota."""

    __slots__ = ()

    def me(self) -> User:
        """The account (``GET /v3/users/me``).

        HeyGen's own CLI calls the same endpoint ``/v3/user/me``: if ``users/me`` answers 404,
        that spelling is tried once.
        """
        try:
            return User.from_api(self._client.get("/v3/users/me"))
        except NotFoundError:
            return User.from_api(self._client.get("/v3/user/me"))

    def remaining_quota(self) -> Quota:
        """The legacy remaining quota (``GET /v2/user/remaining_quota``), seconds and credits."""
        return Quota.from_api(self._client.get("/v2/user/remaining_quota"))
