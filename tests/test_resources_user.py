from heygen_pipeline.resources import Quota, User
from heygen_pipeline.testing import Fault


class TestUser:
    """``client.user`` against the fake, over real sockets."""

    def test_me(self, heygen_client):
        """``me`` reads the account and its wallet."""
        user = heygen_client.user.me()
        assert isinstance(user, User)
        assert (user.username, user.email, user.billing_type) == (
            "fake-user",
            "fake@example.com",
            "wallet",
        )
        assert (user.currency, user.remaining_balance, user.subscription_credits) == (
            "USD",
            120.0,
            60.0,
        )

    def test_me_falls_back_to_the_cli_spelling(self, heygen_client, fake_heygen):
        """A 404 on ``/v3/users/me`` is retried once as ``/v3/user/me``."""
        missing = Fault.status(404, {"error": {"code": "not_found"}})
        fake_heygen.inject("GET", "/v3/users/me", missing)
        assert heygen_client.user.me().username == "fake-user"
        assert [r.path for r in fake_heygen.requests] == ["/v3/users/me", "/v3/user/me"]

    def test_remaining_quota_in_credits(self, heygen_client):
        """The legacy quota is in seconds; ``credits`` divides by 60; empty details are fine."""
        quota = heygen_client.user.remaining_quota()
        assert isinstance(quota, Quota)
        assert (quota.remaining_seconds, quota.credits, quota.details) == (3600.0, 60.0, {})
