"""``client.user``: the account behind the key, and its remaining quota."""

from __future__ import annotations

from heygen_pipeline.resources._base import Resource
from heygen_pipeline.resources._checks import parsed
from heygen_pipeline.resources._operation import operation
from heygen_pipeline.resources._results import Quota
from heygen_pipeline.resources._results_user import User

__all__ = ["UserResource"]


class UserResource(Resource):
    """The account: who it is, how it pays and what it has left, and the legacy quota."""

    __slots__ = ()

    @operation("GET /v3/users/me", model=User)
    def me(self) -> User:
        """The account (``GET /v3/users/me``): names, billing type and balance.

        ``billing_type`` says which of ``wallet``, ``subscription`` (credit pools) and
        ``usage_based`` is filled.
        """
        return parsed(User.from_api, self._client.request("GET", "/v3/users/me"))

    @operation("GET /v2/user/remaining_quota", spec="legacy", model=Quota)
    def remaining_quota(self) -> Quota:
        """The legacy remaining quota (``GET /v2/user/remaining_quota``), seconds and credits."""
        return parsed(Quota.from_api, self._client.request("GET", "/v2/user/remaining_quota"))
