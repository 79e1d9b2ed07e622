"""What the mock remembers: accounts, pending resets and access tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Account:
    """A user as one vendor knows them. `id` is the vendor's own id format (int string, GUID, ...)."""

    vendor: str
    id: str
    email: str
    password_hash: str
    phone: str | None = None
    username: str | None = None
    given_name: str = ""
    family_name: str = ""
    created_at: float = 0.0
    password_changed_at: float = 0.0
    # Vendor-specific facts that do not deserve a column (ZITADEL org id, Social ID numeric id...).
    extra: dict[str, Any] = field(default_factory=dict)

    def identifiers(self) -> list[str]:
        """Every value a vendor may look this account up by, normalised."""
        values = [self.id, self.email.casefold()]
        if self.phone:
            values.append(self.phone)
        if self.username:
            values.append(self.username.casefold())
        return values


@dataclass(slots=True)
class PendingReset:
    """A reset token or code that was issued and may be redeemed once before `expires_at`."""

    vendor: str
    account_id: str
    secret: str
    purpose: str
    created_at: float
    expires_at: float
    used_at: float | None = None

    def is_expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass(slots=True)
class AccessToken:
    """A bearer token the mock issued (member token, login app token, session token, private key)."""

    vendor: str
    value: str
    kind: str
    account_id: str | None
    created_at: float
    expires_at: float | None = None
    refresh_token: str | None = None
    # Vendor-specific facts about what the token stands for (a ZITADEL session's factors and metadata).
    extra: dict[str, Any] = field(default_factory=dict)

    def is_expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at
