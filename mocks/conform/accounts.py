"""Where the suites get the accounts a check needs: created through the mock's admin API, or (on a deployment)
listed in the credentials file or created through the vendor's own API (its client record's `accounts`, such as
ZITADEL's AddHumanUser).

Accounts a run creates are named for its run id (see `Target.new_address`) and removed when the run ends
(`cleanup`); listed accounts are the deployment owner's and are only used, each by one check per run.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from ..clients.base import Client, prepare

log = logging.getLogger("resetkit.conform")


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
    # The password the check asked for; `password` differs for an account listed in the credentials file.
    given_password: str = ""

    def __post_init__(self) -> None:
        self.given_password = self.given_password or self.password

    def password_for(self, password: str) -> str:
        """The password to send for the one a check names: a listed account's own for the initial one."""
        return self.password if password == self.given_password else password

    @property
    def values(self) -> dict[str, str]:
        """What request templates name an account by."""
        return {"email": self.email, "id": self.id, "phone": self.phone or "", "username": self.username or ""}


class Accounts(Protocol):
    @property
    def unavailable(self) -> str | None:
        """Why no account can be created here, or None when one can."""
        ...

    @property
    def description(self) -> str:
        """Where the accounts come from, for the run's output."""
        ...

    def cleanup(self) -> list[str]:
        """Remove the accounts this run created; the problems met (an empty list when all went)."""
        ...

    def adopt(self, vendor: str, account_id: str) -> None:
        """An account a check created through the vendor's API itself: removed with the others after the run."""
        ...

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
    """Accounts created through the mock's `POST /__admin/accounts`, removed afterwards with `DELETE`."""

    unavailable: str | None = None
    description = "created through the mock's /__admin/accounts and removed after the run"

    def __init__(self, admin: Any) -> None:
        self.admin = admin
        self.created: list[tuple[str, str]] = []

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
        self.created.append((vendor, str(created["id"])))
        return TestAccount(vendor, str(created["id"]), email, password, phone, username)

    def adopt(self, vendor: str, account_id: str) -> None:
        self.created.append((vendor, account_id))

    def cleanup(self) -> list[str]:
        problems = []
        for vendor, account_id in self.created:
            try:
                self.admin.delete_account(vendor, account_id)
            except requests.RequestException as exc:
                problems.append(f"{vendor} account {account_id}: {exc}")
        self.created.clear()
        return problems


@dataclass
class ListedAccounts:
    """The accounts the credentials file lists for a vendor: each one handed to one check per run, since a check
    may change its password; once all are used, further checks that need one are skipped."""

    vendor: str
    listed: list[dict[str, str]]
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def unavailable(self) -> str | None:
        return None if self._next < len(self.listed) else self._used_up

    @property
    def _used_up(self) -> str:
        return f"all {len(self.listed)} accounts listed for {self.vendor} in the credentials file are used by this run"

    @property
    def description(self) -> str:
        return f"{len(self.listed)} accounts listed in the credentials file, each used by one check"

    def create(self, vendor: str, **fields: Any) -> TestAccount:
        with self._lock:
            if self._next >= len(self.listed):
                raise CannotCreateAccounts(self._used_up)
            entry = self.listed[self._next]
            self._next += 1
        return TestAccount(
            vendor,
            entry.get("id", ""),
            entry.get("email", ""),
            entry.get("password", ""),
            entry.get("phone") or None,
            entry.get("username") or None,
            given_password=str(fields.get("password", "")),
        )

    def cleanup(self) -> list[str]:
        return []  # they are the deployment owner's

    def adopt(self, vendor: str, account_id: str) -> None:
        log.warning("%s account %s was created by a check and is left behind (no way to remove it)", vendor, account_id)


@dataclass
class ApiAccounts:
    """Accounts created through the vendor's own API as its client record says (ZITADEL's AddHumanUser: the PAT
    needs user.write), and removed after the run (DeleteUser)."""

    client: Client
    base_url: str
    credentials: dict[str, str]
    session: requests.Session = field(default_factory=requests.Session)
    created: list[str] = field(default_factory=list)
    unavailable: str | None = None

    @property
    def description(self) -> str:
        assert self.client.accounts is not None
        return self.client.accounts.description

    def _send(self, request: Any, **values: Any) -> requests.Response:
        call = prepare(request, self.client.operation(request), self.client.values(self.credentials, **values))
        return self.session.request(
            call.method,
            f"{self.base_url}{call.path}",
            params=call.query or None,
            headers=call.headers,
            json=call.json,
            data=call.form,
            timeout=10,
        )

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
        source = self.client.accounts
        assert source is not None
        username = username or email
        response = self._send(
            source.create,
            email=email,
            password=password,
            phone=phone or "",
            username=username,
            given_name=given_name or "Conform",
            family_name=family_name or "Check",
        )
        if not response.ok:
            name = source.create.operation
            raise CannotCreateAccounts(f"{name} answered {response.status_code}: {response.text[:200]}")
        account_id = str(response.json()[source.created_id])
        self.created.append(account_id)
        return TestAccount(vendor, account_id, email, password, phone, username)

    def adopt(self, vendor: str, account_id: str) -> None:
        self.created.append(account_id)

    def cleanup(self) -> list[str]:
        source = self.client.accounts
        assert source is not None
        problems = []
        for account_id in self.created:
            try:
                response = self._send(source.remove, id=account_id)
            except requests.RequestException as exc:
                problems.append(f"{self.client.name} account {account_id}: {exc}")
                continue
            if not response.ok and response.status_code != 404:  # 404: a check removed it already (DeleteUser)
                answer = f"{source.remove.operation} answered {response.status_code}"
                problems.append(f"{self.client.name} account {account_id}: {answer}")
        self.created.clear()
        return problems


@dataclass
class VendorAccounts:
    """A deployment's account source per vendor (several vendors when the credentials give each a base_url)."""

    sources: dict[str, Accounts]

    def unavailable_for(self, vendor: str | None) -> str | None:
        if vendor is None:
            return self.unavailable
        source = self.sources.get(vendor)
        return source.unavailable if source is not None else f"the target does not serve {vendor}"

    @property
    def unavailable(self) -> str | None:
        reasons = [source.unavailable for source in self.sources.values()]
        return None if any(reason is None for reason in reasons) else reasons[0]

    @property
    def description(self) -> str:
        if len(self.sources) == 1:
            return next(iter(self.sources.values())).description
        return "; ".join(f"{vendor}: {source.description}" for vendor, source in self.sources.items())

    def create(self, vendor: str, **fields: Any) -> TestAccount:
        source = self.sources.get(vendor)
        if source is None:
            raise CannotCreateAccounts(f"the target does not serve {vendor}")
        return source.create(vendor, **fields)

    def cleanup(self) -> list[str]:
        return [problem for source in self.sources.values() for problem in source.cleanup()]

    def adopt(self, vendor: str, account_id: str) -> None:
        source = self.sources.get(vendor)
        if source is not None:
            source.adopt(vendor, account_id)


class NoAccounts:
    """A deployment without any way to create accounts."""

    description = "none: checks that need a new account are skipped"

    def __init__(self, reason: str) -> None:
        self.unavailable: str | None = reason

    def create(self, vendor: str, **fields: Any) -> TestAccount:
        raise CannotCreateAccounts(self.unavailable)

    def cleanup(self) -> list[str]:
        return []

    def adopt(self, vendor: str, account_id: str) -> None:
        log.warning("%s account %s was created by a check and is left behind (no way to remove it)", vendor, account_id)
