"""What the suites test: the mock (with its admin API) or another deployment, and how to reach each vendor."""

from __future__ import annotations

import difflib
import json
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import yaml

from ..clients import CLIENTS, VENDORS
from ..clients.base import ACCOUNT_FIELDS
from .accounts import Accounts, AdminAccounts, ApiAccounts, ListedAccounts, NoAccounts, VendorAccounts
from .mailbox import (
    DEFAULT_TIMEOUT,
    Mailbox,
    MailboxError,
    OutboxMailbox,
    base_address,
    check_mailbox_url,
    check_smtp_port,
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
    leads: list[str] = field(default_factory=list)  # what a report must say first about this target

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


@dataclass(frozen=True)
class CredentialsFile:
    """A credentials file, checked: the credentials per vendor and the test accounts it lists."""

    path: str
    credentials: dict[str, dict[str, str]]
    accounts: dict[str, list[dict[str, str]]]


def read_credentials_file(path: str | Path) -> CredentialsFile:
    """A YAML or JSON file keyed by vendor, each entry checked against the vendor's client record: the keys it
    declares (those of `GET /__admin/credentials`, optional ones such as `base_url`) and `accounts:`, a list of
    test accounts. Any mistake is a TargetError with one line naming the vendor, the key and what it is for."""
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
        raise TargetError(f"{path}: unknown vendor {', '.join(unknown)}{_did_you_mean(unknown[0], VENDORS)}")
    credentials: dict[str, dict[str, str]] = {}
    accounts: dict[str, list[dict[str, str]]] = {}
    for vendor, entry in data.items():
        given = {str(key): value for key, value in entry.items() if key != "accounts"}
        credentials[str(vendor)] = _checked_credentials(path, str(vendor), given)
        listed = _checked_accounts(path, str(vendor), entry.get("accounts", []))
        if listed:
            accounts[str(vendor)] = listed
    return CredentialsFile(str(path), credentials, accounts)


def load_credentials(path: str | Path) -> dict[str, dict[str, str]]:
    """The credentials per vendor of a checked credentials file (`read_credentials_file`)."""
    return read_credentials_file(path).credentials


def load_listed_accounts(path: str | Path) -> dict[str, list[dict[str, str]]]:
    """The test accounts a checked credentials file lists per vendor (`accounts: [{email, password, id, ...}]`)."""
    return read_credentials_file(path).accounts


def _checked_credentials(path: str | Path, vendor: str, given: dict[str, Any]) -> dict[str, str]:
    """Every key the vendor's client record requires is there with a value, and every key is one it knows."""
    known = CLIENTS[vendor].credential_keys()
    for key in given:
        if key not in known:
            raise TargetError(
                f"{path}: {vendor} has no key {key}{_did_you_mean(key, known, known)}"
                f" (it knows {', '.join(known)}, accounts)"
            )
    missing = [f"{key} ({known[key].purpose})" for key in known if known[key].required and key not in given]
    if missing:
        raise TargetError(f"{path}: {vendor} needs {'; '.join(missing)}")
    return {key: _text(path, f"{vendor}.{key}", value, known[key].purpose) for key, value in given.items()}


def _checked_accounts(path: str | Path, vendor: str, accounts: Any) -> list[dict[str, str]]:
    """Each listed account has only the declared fields (ACCOUNT_FIELDS), a password, and what the vendor's
    reset names an account by."""
    fields = {field.key: field for field in ACCOUNT_FIELDS}
    if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
        raise TargetError(f"{path}: {vendor}.accounts must be a list of {{email, password, ...}} mappings")
    client = CLIENTS[vendor]
    checked = []
    for number, account in enumerate(accounts, 1):
        where = f"{vendor}.accounts[{number}]"
        for key in account:
            if str(key) not in fields:
                raise TargetError(
                    f"{path}: {where} has no key {key}{_did_you_mean(str(key), fields, fields)}"
                    f" (an account has {', '.join(fields)})"
                )
        needed = ["password", client.identifier]
        for key in needed:
            if account.get(key) in (None, ""):
                why = fields[key].purpose if key == "password" else f"{client.label} names the account by its {key}"
                raise TargetError(f"{path}: {where} needs {key} ({why})")
        checked.append({str(k): _text(path, f"{where}.{k}", v, fields[str(k)].purpose) for k, v in account.items()})
    return checked


def _text(path: str | Path, where: str, value: Any, purpose: str) -> str:
    """A credential's value as text: a string or a number, never empty, a list or a mapping."""
    if value is None or value == "":
        raise TargetError(f"{path}: {where} is empty ({purpose})")
    if isinstance(value, dict | list):
        raise TargetError(f"{path}: {where} must be text, not a {'mapping' if isinstance(value, dict) else 'list'}")
    return str(value)


def _did_you_mean(given: str, known: Iterable[str], purposes: Mapping[str, Any] | None = None) -> str:
    close = difflib.get_close_matches(given, list(known), n=1, cutoff=0.6)
    if not close:
        return ""
    purpose = getattr((purposes or {}).get(close[0]), "purpose", "")
    return f"; did you mean {close[0]}{f' ({purpose})' if purpose else ''}?"


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

    Everything that can be checked without a request is checked first (the URL, the mailbox URL, the credentials
    file). Nothing is opened or changed yet (see `prepared`)."""
    options = options or RunOptions()
    url = check_target_url(url)
    if options.mailbox:
        try:
            check_mailbox_url(options.mailbox)
            check_smtp_port(options.mailbox)
        except MailboxError as exc:
            raise TargetError(str(exc)) from None
    given = read_credentials_file(credentials_file) if credentials_file else None
    session = requests.Session()  # the admin API's only (so the token never goes to a vendor route)
    if options.admin_token:
        session.headers["Authorization"] = f"Bearer {options.admin_token}"
    try:
        probe = session.get(f"{url}/__admin/credentials", timeout=5)
    except requests.RequestException as exc:
        raise TargetError(f"target {url}: {describe_error(exc)}") from None
    if probe.status_code == 401 and ADMIN_REALM in probe.headers.get("WWW-Authenticate", ""):
        wrong = "does not take the admin token given" if options.admin_token else "wants its admin token"
        raise TargetError(f"the mock at {url} {wrong}: pass --admin-token TOKEN or set {ADMIN_TOKEN_VARIABLE}")
    served = _served_by_a_mock(probe)
    admin = Admin(f"{url}/__admin", session) if served is not None else None
    served = served or ()
    wanted = vendors or (served or VENDORS)
    leads = []
    if admin is not None:
        missing = [v for v in wanted if v not in served]
        if missing:
            raise TargetError(f"the mock at {url} does not serve {', '.join(missing)} (it serves {', '.join(served)})")
    elif (mount := mock_mount(url, session)) is not None:
        root, vendor = mount
        if given is None:
            raise TargetError(
                f"{url} is the {vendor} mount of a resetkit mock; check the mock at its root, where conform finds "
                f"every vendor and needs no credentials: --target {root} --vendor {vendor}"
            )
        leads.append(
            f"{url} is the {vendor} mount of a resetkit mock, checked as a deployment: the checks that need the "
            f"mock's clock, outbox or accounts are skipped (--target {root} checks them all)"
        )
    credentials = given.credentials if given is not None else {}
    if admin is None and len(wanted) != 1 and not all("base_url" in credentials.get(v, {}) for v in wanted):
        raise TargetError(
            f"{url} is not a resetkit mock, so it serves one vendor: pass exactly one --vendor, or give each "
            "vendor's base_url in the credentials file"
        )
    if admin is not None and given is None:
        credentials = admin.credentials()
    for vendor in wanted:
        if vendor not in credentials:
            raise TargetError(_no_credentials(url, vendor, given))
    target = Target(url, tuple(wanted), credentials, admin, include_inferred, wait_expiry=options.wait_expiry)
    target.leads = leads
    target.run_id = options.run_id
    target.mail_address = base_address(options.mailbox)
    # A mock started with --vendor serves that vendor at its root.
    target._single_root = admin is not None and len(served) == 1
    if admin is not None:
        target.mailbox = OutboxMailbox(admin)
        admin_accounts = AdminAccounts(admin)
        target.accounts = VendorAccounts({vendor: _mock_accounts(target, vendor, admin_accounts) for vendor in wanted})
    else:
        listed = given.accounts if given is not None else {}
        target.accounts = VendorAccounts({vendor: _deployment_accounts(target, vendor, listed) for vendor in wanted})
    return target


def _served_by_a_mock(probe: requests.Response) -> tuple[str, ...] | None:
    """The vendors a resetkit mock's `/__admin/credentials` lists; None for anything else (a login page answers
    200 to every path too)."""
    if probe.status_code != 200:
        return None
    try:
        listed = probe.json()
    except ValueError:
        return None
    return tuple(listed) if isinstance(listed, dict) and all(isinstance(v, dict) for v in listed.values()) else None


def check_target_url(url: str) -> str:
    """`url` without its trailing slash, if it is an http(s) URL with a host; a TargetError saying how it is not."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        if "://" not in url:
            raise TargetError(f"--target {url} has no scheme: did you mean http://{url} (or https://{url})?")
        raise TargetError(f"--target {url} is not an http:// or https:// URL")
    return url.strip().rstrip("/")


def mock_mount(url: str, session: requests.Session) -> tuple[str, str] | None:
    """(the mock's root, the vendor) when `url` is one vendor's mount of a resetkit mock (`.../leadsquared`):
    the mock's admin API answers one level up."""
    root, _, last = url.rpartition("/")
    if last not in VENDORS or "://" not in root or root.endswith(":/"):
        return None
    try:
        health = session.get(f"{root}/__admin/health", timeout=5)
        return (root, last) if health.status_code == 200 and health.json().get("status") == "ok" else None
    except (requests.RequestException, ValueError, AttributeError):
        return None


def _no_credentials(url: str, vendor: str, given: CredentialsFile | None) -> str:
    keys = ", ".join(f"{c.key}: ..." for c in CLIENTS[vendor].credentials if c.required)
    if given is None:
        return (
            f"{url} is not a resetkit mock, so conform needs {vendor}'s credentials: pass --credentials FILE "
            f"holding `{vendor}: {{{keys}}}`"
        )
    has = ", ".join(given.credentials) or "no vendor"
    return f"{given.path} has no entry for {vendor} (it has {has}): add `{vendor}: {{{keys}}}`"


def describe_error(error: BaseException | None) -> str:
    """A failed connection in words: unreachable (and why), a TLS failure, or no answer in time."""
    reason = _reason(error)
    if isinstance(error, requests.exceptions.SSLError):
        hint = "; for a certificate of your own CA, set REQUESTS_CA_BUNDLE to its file"
        return f"TLS failed ({reason}){hint}" if reason else f"TLS failed{hint}"
    if isinstance(error, requests.exceptions.Timeout):
        return "no answer in time (something is listening but does not answer: a firewall, a wrong port?)"
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"unreachable ({reason or 'connection failed'}): is it running, and are the host and port right?"
    return f"the request failed: {type(error).__name__}"


def _reason(error: BaseException | None) -> str:
    """The cause inside requests' wrapped message: `connection refused`, `certificate verify failed: ...`."""
    text = str(error or "")
    found = re.search(r"\[SSL: [A-Z_]+\] ([^(\]'\"]+?)\s*(?:\(_ssl|'|\"|$)", text)
    if found:
        return found.group(1).strip()
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if found:
        return found.group(1).strip().rstrip(".").lower()
    names = r"(Name or service not known|nodename nor servname provided|Temporary failure in name resolution)"
    found = re.search(names, text)
    return found.group(1).lower() if found else ""


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
