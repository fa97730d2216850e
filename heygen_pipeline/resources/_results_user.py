"""Result models of ``client.user.me()``: the account and its balance, as the spec defines them.

``GET /v3/users/me`` says how the account pays in ``billing_type`` and fills exactly one of
three objects: ``wallet`` (a prepaid balance in USD, or credits for Enterprise),
``subscription`` (a plan with pools of credits: premium and add-on, each with what remains
and when it resets) or ``usage_based`` (metered, with included and remaining credits and an
optional spending cap). Each is its own model here; the two not in use are ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from heygen_pipeline.resources import _fields as f

__all__ = [
    "AutoReload",
    "CreditPool",
    "SubscriptionBilling",
    "SubscriptionCredits",
    "UsageBasedBilling",
    "User",
    "Wallet",
]


@attrs.frozen(kw_only=True)
class AutoReload:
    """A wallet's automatic top-up: whether it is on, how much, below which balance."""

    enabled: bool | None = None
    amount_usd: float | None = None
    threshold_usd: float | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AutoReload:
        """Read ``wallet.auto_reload``."""
        raw = f.obj(data, "a wallet's auto reload")
        return cls(
            enabled=f.flag(raw, "enabled"),
            amount_usd=f.number(raw, "amount_usd"),
            threshold_usd=f.number(raw, "threshold_usd"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class Wallet:
    """A prepaid balance: ``remaining_balance`` in ``currency`` (``usd`` or ``credits``)."""

    currency: str | None = None
    remaining_balance: float | None = None
    auto_reload: AutoReload | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Wallet:
        """Read ``wallet``."""
        raw = f.obj(data, "a wallet")
        reload = f.nested(raw, "auto_reload")
        return cls(
            currency=f.text(raw, "currency"),
            remaining_balance=f.number(raw, "remaining_balance"),
            auto_reload=None if reload is None else AutoReload.from_api(reload),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class CreditPool:
    """One pool of subscription credits: what remains, and when it resets."""

    remaining: int | None = None
    resets_at: datetime | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CreditPool:
        """Read one credit pool (``premium_credits`` or ``add_on_credits``)."""
        raw = f.obj(data, "a credit pool")
        return cls(
            remaining=f.integer(raw, "remaining"), resets_at=f.when(raw, "resets_at"), raw=raw
        )


@attrs.frozen(kw_only=True)
class SubscriptionCredits:
    """A subscription's credit pools (either may be absent)."""

    premium_credits: CreditPool | None = None
    add_on_credits: CreditPool | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SubscriptionCredits:
        """Read ``subscription.credits``."""
        raw = f.obj(data, "a subscription's credits")
        premium, add_on = f.nested(raw, "premium_credits"), f.nested(raw, "add_on_credits")
        return cls(
            premium_credits=None if premium is None else CreditPool.from_api(premium),
            add_on_credits=None if add_on is None else CreditPool.from_api(add_on),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class SubscriptionBilling:
    """A subscription: its ``plan`` (``free``, ``pro``, ``enterprise``...) and credit pools."""

    plan: str | None = None
    credits: SubscriptionCredits | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SubscriptionBilling:
        """Read ``subscription``."""
        raw = f.obj(data, "a subscription")
        pools = f.nested(raw, "credits")
        return cls(
            plan=f.text(raw, "plan"),
            credits=None if pools is None else SubscriptionCredits.from_api(pools),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class UsageBasedBilling:
    """Metered billing: included and remaining credits, and the spending cap (USD)."""

    included_credits: float | None = None
    remaining_credits: float | None = None
    spending_cap_usd: float | None = None
    spending_current_usd: float | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> UsageBasedBilling:
        """Read ``usage_based``."""
        raw = f.obj(data, "usage-based billing")
        return cls(
            included_credits=f.number(raw, "included_credits"),
            remaining_credits=f.number(raw, "remaining_credits"),
            spending_cap_usd=f.number(raw, "spending_cap_usd"),
            spending_current_usd=f.number(raw, "spending_current_usd"),
            raw=raw,
        )


@attrs.frozen(kw_only=True)
class User:
    """The account behind the key (``GET /v3/users/me``).

    ``billing_type`` (``wallet``, ``subscription`` or ``usage_based``) says which of
    ``wallet``, ``subscription`` and ``usage_based`` HeyGen filled; the others are ``None``.
    ``currency`` and ``remaining_balance`` are the wallet's, for short.
    """

    username: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    billing_type: str | None = None
    wallet: Wallet | None = None
    subscription: SubscriptionBilling | None = None
    usage_based: UsageBasedBilling | None = None
    raw: Mapping[str, Any] = f.raw_field()
    """The object HeyGen sent."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> User:
        """Read the v3 user object."""
        raw = f.obj(data, "the user")
        wallet = f.nested(raw, "wallet")
        plan = f.nested(raw, "subscription")
        usage = f.nested(raw, "usage_based")
        return cls(
            username=f.text(raw, "username"),
            email=f.text(raw, "email"),
            first_name=f.text(raw, "first_name"),
            last_name=f.text(raw, "last_name"),
            billing_type=f.text(raw, "billing_type"),
            wallet=None if wallet is None else Wallet.from_api(wallet),
            subscription=None if plan is None else SubscriptionBilling.from_api(plan),
            usage_based=None if usage is None else UsageBasedBilling.from_api(usage),
            raw=raw,
        )

    @property
    def currency(self) -> str | None:
        """The wallet's currency (``usd``, or ``credits`` on Enterprise), if it has a wallet."""
        return None if self.wallet is None else self.wallet.currency

    @property
    def remaining_balance(self) -> float | None:
        """The wallet's balance, if the account has a wallet."""
        return None if self.wallet is None else self.wallet.remaining_balance
