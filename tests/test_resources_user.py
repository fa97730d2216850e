import pytest

from heygen_pipeline import NotFoundError
from heygen_pipeline.resources import (
    CreditPool,
    Quota,
    SubscriptionBilling,
    UsageBasedBilling,
    User,
    Wallet,
)
from heygen_pipeline.testing import Fault

SUBSCRIBED = {
    "username": "sub-user",
    "email": "s@example.com",
    "first_name": "Sub",
    "last_name": None,
    "billing_type": "subscription",
    "wallet": None,
    "subscription": {
        "plan": "pro",
        "credits": {
            "premium_credits": {"remaining": 40, "resets_at": "2026-01-01T00:00:00Z"},
            "add_on_credits": None,
        },
    },
    "usage_based": None,
}
METERED = {
    "username": "meter-user",
    "email": None,
    "first_name": None,
    "last_name": None,
    "billing_type": "usage_based",
    "usage_based": {
        "included_credits": 100,
        "remaining_credits": 12.5,
        "spending_cap_usd": 50,
        "spending_current_usd": 7.25,
    },
}


class TestUser:
    """``client.user`` against the fake, over real sockets."""

    def test_me(self, heygen_client, fake_heygen):
        """``me`` reads the account, its names and its wallet, from /v3/users/me only."""
        user = heygen_client.user.me()
        assert isinstance(user, User)
        assert (user.username, user.email, user.first_name, user.last_name) == (
            "fake-user",
            "fake@example.com",
            "Fake",
            "User",
        )
        assert user.billing_type == "wallet"
        assert isinstance(user.wallet, Wallet)
        assert (user.currency, user.remaining_balance) == ("usd", 120.0)
        assert user.wallet.auto_reload is not None
        assert user.wallet.auto_reload.enabled is False
        assert (user.subscription, user.usage_based) == (None, None)
        assert [r.path for r in fake_heygen.requests] == ["/v3/users/me"]

    def test_subscription_credits_are_pools(self, heygen_client, fake_heygen):
        """A subscription's credits are pools with what remains and when they reset."""
        fake_heygen.inject("GET", "/v3/users/me", Fault.status(200, {"data": SUBSCRIBED}))
        user = heygen_client.user.me()
        assert isinstance(user.subscription, SubscriptionBilling)
        assert user.subscription.plan == "pro"
        assert user.subscription.credits is not None
        premium = user.subscription.credits.premium_credits
        assert isinstance(premium, CreditPool)
        assert premium.remaining == 40
        assert premium.resets_at is not None
        assert premium.resets_at.year == 2026
        assert user.subscription.credits.add_on_credits is None
        assert (user.wallet, user.currency, user.remaining_balance) == (None, None, None)

    def test_usage_based_accounts_are_read(self, heygen_client, fake_heygen):
        """A metered account's included and remaining credits and its cap are read."""
        fake_heygen.inject("GET", "/v3/users/me", Fault.status(200, {"data": METERED}))
        user = heygen_client.user.me()
        assert isinstance(user.usage_based, UsageBasedBilling)
        assert (
            user.usage_based.included_credits,
            user.usage_based.remaining_credits,
            user.usage_based.spending_cap_usd,
            user.usage_based.spending_current_usd,
        ) == (100.0, 12.5, 50.0, 7.25)

    def test_a_404_is_not_retried_on_another_path(self, heygen_client, fake_heygen):
        """HeyGen has no ``/v3/user/me``: a 404 is the caller's NotFoundError, nothing more."""
        fake_heygen.inject("GET", "/v3/users/me", Fault.status(404, {"error": {"code": "x"}}))
        with pytest.raises(NotFoundError):
            heygen_client.user.me()
        assert [r.path for r in fake_heygen.requests] == ["/v3/users/me"]

    def test_remaining_quota_in_credits(self, heygen_client):
        """The legacy quota is in seconds; ``credits`` divides by 60; empty details are fine."""
        quota = heygen_client.user.remaining_quota()
        assert isinstance(quota, Quota)
        assert (quota.remaining_seconds, quota.credits, quota.details) == (3600.0, 60.0, {})
