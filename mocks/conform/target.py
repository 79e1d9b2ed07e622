"""What the suites test: the mock (with its admin API) or another deployment, and how to reach each vendor."""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
import yaml

from ..clients import CLIENTS, VENDORS
from .accounts import Accounts, AdminAccounts, ApiAccounts, ListedAccounts, NoAccounts, VendorAccounts
from .mailbox import (
    DEFAULT_TIMEOUT,
    Mailbox,
    MailboxError,
    OutboxMailbox,
    base_address,
    check_mailbox_url,
    open_mailbox,
)

# What a check may need beyond the vendor's API; a check tagged with one is skipped, with the reason, where the
# target lacks it (`Target.lacks`). Gherkin tags and pytest markers use these names.
CAPABILITIES = {
    "mailbox": "reads a message the target sent by e-mail (the mock's outbox, --mailbox smtp:// or imap://)",
    "sms": "reads a text message the target sent (the mock's outbox only)",
    "clock": "moves time (the mock's clock, or --wait-expiry)",
    "admin": "needs the mock's admin API for anything else",
    "creates_accounts": "creates accounts (the mock's admin API, the vendor's API, or the credentials' accounts)",
}


class TargetError(RuntimeError):
    """The target cannot be used: unreachable, or missing what the run needs (a usage or setup error)."""


ADMIN_TOKEN_VARIABLE = "RESETKIT_ADMIN_TOKEN"  # the mock's admin token, when it was started with one
ADMIN_REALM = 'realm="resetkit admin"'  # in the WWW-Authenticate of a mock that wants its admin token


@dataclass
class Admin:
    """A sync client for the mock's /__admin API: outbox, accounts, clock, reset."""

    url: str
    session: requests.Session = field(default_factory=requests.Session)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.url}{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def credentials(self) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = self._call("GET", "/credentials")
        return result

    def messages(self, vendor: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"vendor": vendor, "to": to}.items() if v}
        result: list[dict[str, Any]] = self._call("GET", "/outbox", params=params)["messages"]
        return result

    def latest_message(self, vendor: str, to: str) -> dict[str, Any] | None:
        found = self.messages(vendor, to)
        return found[0] if found else None

    def create_account(self, vendor: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/accounts", json={"vendor": vendor, **fields})
        return result

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "/clock", json={"advance_seconds": seconds})

    def clock_offset(self) -> float:
        return float(self._call("GET", "/clock")["offset_seconds"])

    def set_clock_offset(self, seconds: float) -> None:
        """Put the clock back where it was (a shared mock is left as conform found it)."""
        self._call("PUT", "/clock", json={"offset_seconds": seconds})

    def reset(self) -> None:
        self._call("POST", "/reset")

    def delete_account(self, vendor: str, account_id: str) -> None:
        self._call("DELETE", f"/accounts/{vendor}/{quote(account_id, safe='')}")


@dataclass
class Target:
    """The implementation under test. For the mock, vendors live under /<vendor>; elsewhere at the root URL."""

    url: str
    vendors: tuple[str, ...]
    credentials: dict[str, dict[str, str]]
    admin: Admin | None
    include_inferred: bool = False
    # What delivered messages are read from (None: nothing can be read, so checks that need a message skip).
    mailbox: Mailbox | None = None
    # Where checks get fresh accounts (the mock's admin API, or whatever the deployment offers).
    accounts: Accounts = field(default_factory=lambda: NoAccounts("this target offers no way to create accounts"))
    # `--wait-expiry`: on a target whose clock cannot be moved, "the clock moves forward" waits in real time.
    wait_expiry: bool = False
    run_id: str = "run"  # names what this run creates (`--run-id`)
    mail_address: str | None = None  # the test mailbox's address, for plus-addressing

    @property
    def is_mock(self) -> bool:
        return self.admin is not None

    def lacks(self, capability: str, vendor: str | None = None) -> str | None:
        """Why this target cannot give a check (about `vendor`) `capability` (see CAPABILITIES), or None."""
        if capability == "mailbox" and self.mailbox is None:
            return "no mailbox to read what the target sends (pass --mailbox smtp://HOST:PORT or imap://...)"
        if capability == "sms" and (self.mailbox is None or "sms" not in self.mailbox.channels):
            return "no way to read the text messages the target sends (only the mock's outbox shows SMS)"
        if capability == "clock" and self.admin is None and not self.wait_expiry:
            return "moves the clock, which only the mock's admin API can do (pass --wait-expiry to wait in real time)"
        if capability == "admin" and self.admin is None:
            return "needs the mock's /__admin API, which this target does not serve"
        if capability == "creates_accounts":
            source = self.accounts
            if isinstance(source, VendorAccounts):
                return source.unavailable_for(vendor)
            return source.unavailable
        return None

    def new_address(self, local: str, domain: str = "example.com") -> str:
        """A fresh e-mail address named for this run: plus-addressed to the test mailbox when it has an address
        (`qa+<run-id>-alice-1a2b3c@example.com`), else `alice.<run-id>-1a2b3c@<domain>`."""
        tag = secrets.token_hex(3)
        if self.mail_address:
            user, _, mail_domain = self.mail_address.partition("@")
            return f"{user}+{self.run_id}-{local}-{tag}@{mail_domain}"
        return f"{local}.{self.run_id}-{tag}@{domain}"

    def let_time_pass(self, vendor: str, seconds: float) -> None:
        """Age everything time-limited by `seconds`: move the mock's clock, or (--wait-expiry) wait for real.

        A deployment whose reset lifetime is configured short names it (`reset_ttl_seconds` in the vendor's
        credentials): a wait of a minute or more is then scaled from the documented lifetime (the spec's
        `x-lifetimes`) to that one.
        """
        if self.admin is not None:
            self.admin.advance_clock(seconds)
            return
        assert self.wait_expiry, "moving the clock needs the mock's admin API or --wait-expiry"
        configured = self.credentials.get(vendor, {}).get("reset_ttl_seconds")
        documented = CLIENTS[vendor].reset_lifetime()
        if configured and documented and seconds >= 60:
            seconds = seconds * float(configured) / documented
        time.sleep(seconds)

    def base_url(self, vendor: str) -> str:
        """Where `vendor` answers: under /<vendor> on the mock, else the credentials' `base_url` or the target."""
        if self.is_mock:
            return self.url if self._single_root else f"{self.url}/{vendor}"
        return self.credentials.get(vendor, {}).get("base_url", self.url).rstrip("/")

    _single_root: bool = False


def load_credentials(path: str | Path) -> dict[str, dict[str, str]]:
    """A YAML or JSON file keyed by vendor, with the keys each vendor's client record names (those of
    `GET /__admin/credentials`, and optional ones such as `base_url`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TargetError(f"cannot read the credentials file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TargetError(f"the credentials file {path} is not UTF-8 text") from None
    try:
        data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        number = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        line = f" (line {number})" if number else ""
        raise TargetError(f"the credentials file {path} is not valid {_format_of(path)}{line}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        first = next(iter(CLIENTS.values()))
        example = f"{first.name}: {{{first.credentials[0].key}: ...}}"
        raise TargetError(f"{path}: expected a mapping of vendor to credentials, e.g. `{example}`")
    unknown = sorted(str(k) for k in data if k not in VENDORS)
    if unknown:
        raise TargetError(f"{path}: unknown vendor {', '.join(unknown)} (expected {', '.join(VENDORS)})")
    for vendor, entry in data.items():
        _check_credential_keys(path, vendor, {str(key) for key in entry if key != "accounts"})
    return {str(k): {str(kk): str(vv) for kk, vv in v.items() if kk != "accounts"} for k, v in data.items()}


def _check_credential_keys(path: str | Path, vendor: str, given: set[str]) -> None:
    """Every key the vendor's client record requires is there, and every key is one it knows."""
    known = CLIENTS[vendor].credential_keys()
    missing = [f"{key} ({known[key].purpose})" for key in known if known[key].required and key not in given]
    if missing:
        raise TargetError(f"{path}: {vendor} needs {'; '.join(missing)}")
    unknown = sorted(given - set(known))
    if unknown:
        raise TargetError(f"{path}: {vendor} has no key {', '.join(unknown)} (it knows {', '.join(known)}, accounts)")


ACCOUNT_FIELDS = ("email", "phone", "username", "id", "password")


def load_listed_accounts(path: str | Path) -> dict[str, list[dict[str, str]]]:
    """The test accounts the credentials file lists per vendor (`accounts: [{email, password, id, ...}]`)."""
    load_credentials(path)  # the same checks and messages
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    listed: dict[str, list[dict[str, str]]] = {}
    for vendor, entry in data.items():
        accounts = entry.get("accounts", [])
        if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
            raise TargetError(f"{path}: {vendor}.accounts must be a list of {{email, password, ...}} mappings")
        for number, account in enumerate(accounts, 1):
            unknown = sorted(str(k) for k in account if k not in ACCOUNT_FIELDS)
            if unknown or "password" not in account or not ({"email", "id", "username", "phone"} & set(account)):
                raise TargetError(
                    f"{path}: {vendor}.accounts[{number}] needs a password and an email, phone, username or id"
                    + (f" (unknown {', '.join(unknown)})" if unknown else "")
                )
        if accounts:
            listed[str(vendor)] = [{str(k): str(v) for k, v in a.items()} for a in accounts]
    return listed


@dataclass(frozen=True)
class RunOptions:
    """How a run reads mail, names what it creates and treats time and a shared mock (conform's options)."""

    mailbox: str | None = None
    mailbox_timeout: float = DEFAULT_TIMEOUT
    run_id: str = "run"
    wait_expiry: bool = False
    reset_mock: bool = False
    admin_token: str | None = None  # `--admin-token` / $RESETKIT_ADMIN_TOKEN: sent to the mock's /__admin only


def _format_of(path: str | Path) -> str:
    return "JSON" if str(path).endswith(".json") else "YAML"


def connect(
    url: str,
    vendors: tuple[str, ...] = (),
    credentials_file: str | None = None,
    include_inferred: bool = False,
    options: RunOptions | None = None,
) -> Target:
    """Probe `url`: a resetkit mock answers /__admin/credentials; anything else is a deployment of one vendor.

    Nothing is opened or changed yet (see `prepared`)."""
    options = options or RunOptions()
    if options.mailbox:
        try:
            check_mailbox_url(options.mailbox)
        except MailboxError as exc:
            raise TargetError(str(exc)) from None
    url = url.rstrip("/")
    session = requests.Session()  # the admin API's only (so the token never goes to a vendor route)
    if options.admin_token:
        session.headers["Authorization"] = f"Bearer {options.admin_token}"
    try:
        probe = session.get(f"{url}/__admin/credentials", timeout=5)
    except requests.RequestException as exc:
        raise TargetError(f"target {url} is unreachable: {exc.__class__.__name__}") from None
    if probe.status_code == 401 and ADMIN_REALM in probe.headers.get("WWW-Authenticate", ""):
        wrong = "does not take the admin token given" if options.admin_token else "wants its admin token"
        raise TargetError(f"the mock at {url} {wrong}: pass --admin-token TOKEN or set {ADMIN_TOKEN_VARIABLE}")
    admin = Admin(f"{url}/__admin", session) if probe.status_code == 200 else None
    served = tuple(probe.json()) if admin is not None else ()
    wanted = vendors or (served or VENDORS)
    if admin is not None:
        missing = [v for v in wanted if v not in served]
        if missing:
            raise TargetError(f"the mock at {url} does not serve {', '.join(missing)}")
    credentials = load_credentials(credentials_file) if credentials_file else {}
    if admin is None and len(wanted) != 1 and not all("base_url" in credentials.get(v, {}) for v in wanted):
        raise TargetError(
            "a target that is not a resetkit mock serves one vendor: pass exactly one --vendor, or give each "
            "vendor's base_url in the credentials file"
        )
    if admin is not None and not credentials_file:
        credentials = admin.credentials()
    lacking = [v for v in wanted if v not in credentials]
    if lacking:
        raise TargetError(f"no credentials for {', '.join(lacking)}: pass --credentials FILE")
    target = Target(url, tuple(wanted), credentials, admin, include_inferred, wait_expiry=options.wait_expiry)
    target.run_id = options.run_id
    target.mail_address = base_address(options.mailbox)
    # A mock started with --vendor serves that vendor at its root.
    target._single_root = admin is not None and len(served) == 1
    if admin is not None:
        target.mailbox = OutboxMailbox(admin)
        admin_accounts = AdminAccounts(admin)
        target.accounts = VendorAccounts({vendor: _mock_accounts(target, vendor, admin_accounts) for vendor in wanted})
    else:
        listed = load_listed_accounts(credentials_file) if credentials_file else {}
        target.accounts = VendorAccounts({vendor: _deployment_accounts(target, vendor, listed) for vendor in wanted})
    return target


def _mock_accounts(target: Target, vendor: str, admin_accounts: AdminAccounts) -> Accounts:
    """The vendor's own API for accounts where its client record has one (ZITADEL's AddHumanUser and DeleteUser),
    as on a deployment; else the mock's /__admin/accounts."""
    client = CLIENTS[vendor]
    if client.accounts is not None:
        return ApiAccounts(client, target.base_url(vendor), target.credentials[vendor])
    return admin_accounts


def _deployment_accounts(target: Target, vendor: str, listed: dict[str, list[dict[str, str]]]) -> Accounts:
    """The credentials file's accounts for `vendor`, else the vendor's own API for them (ZITADEL's AddHumanUser),
    else none (with the reason)."""
    if vendor in listed:
        return ListedAccounts(vendor, listed[vendor])
    client = CLIENTS[vendor]
    if client.accounts is not None and vendor in target.credentials:
        return ApiAccounts(client, target.base_url(vendor), target.credentials[vendor])
    return NoAccounts(
        f"this deployment offers no way to create {vendor} accounts: list some under {vendor}.accounts "
        "in the credentials file"
    )


def _to_stderr(line: str) -> None:
    print(f"resetkit conform: {line}", file=sys.stderr)


@contextmanager
def prepared(target: Target, options: RunOptions, say: Callable[[str], None] = _to_stderr) -> Iterator[Target]:
    """The target ready for a run (its mailbox open, the mock reset only with --reset-mock), and afterwards left
    as found: the mock's clock put back, the accounts this run created removed, the mailbox closed."""
    vendor = target.vendors[0]
    if options.mailbox:
        target.mailbox = open_mailbox(options.mailbox, vendor, options.mailbox_timeout)
    offset = None
    try:
        if target.admin is not None:
            if options.reset_mock:
                target.admin.reset()
            offset = target.admin.clock_offset()
        yield target
    finally:
        problems = target.accounts.cleanup()
        if problems:
            say(f"could not remove {len(problems)} of the accounts this run created: {'; '.join(problems[:3])}")
        if target.admin is not None and offset is not None:
            try:
                target.admin.set_clock_offset(offset)
            except requests.RequestException as exc:
                say(f"could not put the mock's clock back: {exc}")
        if target.mailbox is not None:
            target.mailbox.close()
