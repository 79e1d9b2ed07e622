"""Where the suites get the accounts a check needs: created through the mock's admin API, or (on a deployment)
listed in the credentials file or created through the vendor's own API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class CannotCreateAccounts(Exception):
    """This target offers no way to create an account; the check that needs one is skipped with this reason."""


@dataclass
class TestAccount:
    """An account a check may use: its id (the vendor's own format) and how it signs in."""

    __test__ = False  # not a pytest test class

    vendor: str
    id: str
    email: str
    password: str
    phone: str | None = None
    username: str | None = None


class Accounts(Protocol):
    unavailable: str | None  # why no account can be created here, or None when one can

    def create(
        self,
        vendor: str,
        *,
        email: str,
        password: str,
        phone: str | None = None,
        username: str | None = None,
        given_name: str = "",
        family_name: str = "",
    ) -> TestAccount:
        """A new account; raises CannotCreateAccounts where the target cannot make one."""
        ...


class AdminAccounts:
    """Accounts created through the mock's `POST /__admin/accounts`."""

    unavailable: str | None = None

    def __init__(self, admin: Any) -> None:
        self.admin = admin

    def create(
        self,
        vendor: str,
        *,
        email: str,
        password: str,
        phone: str | None = None,
        username: str | None = None,
        given_name: str = "",
        family_name: str = "",
    ) -> TestAccount:
        fields = {"phone": phone, "username": username, "given_name": given_name, "family_name": family_name}
        created = self.admin.create_account(
            vendor, email=email, password=password, **{k: v for k, v in fields.items() if v}
        )
        return TestAccount(vendor, str(created["id"]), email, password, phone, username)


class NoAccounts:
    """A deployment without any way to create accounts."""

    def __init__(self, reason: str) -> None:
        self.unavailable: str | None = reason

    def create(self, vendor: str, **fields: Any) -> TestAccount:
        raise CannotCreateAccounts(self.unavailable)
