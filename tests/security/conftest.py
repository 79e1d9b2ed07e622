"""How the security profile talks to a target: one flow per vendor and surface, every response inspected.

A check asks for `initiating` (a flow on one of the vendor's surfaces for asking for a reset) or `redeeming` (one
of its surfaces for completing one); `pytest_generate_tests` parametrizes them with the selected vendors only,
so the ids read `[zitadel-connect]`, `[leadsquared-v2]`, `[socialid-deprecated]`, `[placewise]`.

Every request goes through `Client.call`, which hands the response to the test's inspector (the spec oracle,
stack traces, secrets retired by a completed reset) and keeps our own calls inside a vendor's documented rate
limit (`x-rate-limit`), so that only SR-03 ever meets it. Messages are read through `target.mailbox` and
accounts come from `target.accounts`: a check that needs either skips with the reason when the target has none.
"""

from __future__ import annotations

import math
import secrets
import string
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from resetkit.conform.accounts import CannotCreateAccounts, TestAccount
from resetkit.conform.inspection import Inspector, inspect
from resetkit.conform.mailbox import Message
from resetkit.conform.outcomes import not_applicable
from resetkit.conform.plugin import selected_vendors, skip_unless_capable
from resetkit.conform.target import Target
from resetkit.flows.ratelimit import RateLimit
from resetkit.openapi.spec import load_spec
from resetkit.settings import ALL_VENDORS

TIMEOUT = 10
OLD_PASSWORD = "Old-Passw0rd!"  # passes every vendor's policy

# How long a reset secret lives (contracts.md section 0, each spec's description of its reset operations).
LIFETIME_SECONDS = {"placewise": 3600, "zitadel": 3600, "socialid": 24 * 3600, "leadsquared": 24 * 3600}
# The statuses a vendor documents for a secret that is unknown, used, replaced or not this account's.
REFUSED_SECRET = {"placewise": {463}, "zitadel": {400}, "socialid": {404}, "leadsquared": {400}}
EXPIRED_SECRET = {"placewise": {463}, "zitadel": {400}, "socialid": {403}, "leadsquared": {400}}
# The shortest new password each contract accepts (None: no policy documented).
MINIMUM_LENGTH: dict[str, int | None] = {"placewise": 8, "zitadel": 8, "socialid": 6, "leadsquared": None}


def fresh_password() -> str:
    """A new password no one used before, passing every vendor's policy (upper, lower, digit, symbol, >= 8)."""
    return f"Nw-{secrets.token_hex(5)}-Pa1!"


# Surfaces -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Surface:
    """One way a vendor serves a step of the flow; "" is a vendor's only way."""

    vendor: str
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.vendor}-{self.name}" if self.name else self.vendor


INITIATION_SURFACES = {"placewise": [""], "zitadel": ["rest", "connect"], "socialid": ["current", "deprecated"]}
REDEMPTION_SURFACES = {"placewise": [""], "zitadel": ["rest", "connect"], "leadsquared": ["older", "v2"]}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`initiation`, `redemption` and `vendor` are parametrized with the selected vendors only."""
    wanted = [v for v in ALL_VENDORS if v in selected_vendors(metafunc.config)]
    for name, table in (("initiation", INITIATION_SURFACES), ("redemption", REDEMPTION_SURFACES)):
        if name in metafunc.fixturenames:
            surfaces = [Surface(v, s) for v in wanted for s in table.get(v, [""])]
            metafunc.parametrize(name, surfaces, ids=[s.id for s in surfaces])
    if "vendor" in metafunc.fixturenames:
        metafunc.parametrize("vendor", [Surface(v) for v in wanted], ids=wanted)


# Rate budgets ---------------------------------------------------------------------------------------------------
@dataclass
class Budget:
    """Our own calls per rate-limited credential, for the whole run, as the server counts them."""

    calls: dict[str, deque[float]] = field(default_factory=dict)

    def wait(self, key: str, limit: RateLimit, count: int = 1) -> None:
        """Sleep until `count` more calls fit in the window, then book them."""
        window = self.calls.setdefault(key, deque())
        while True:
            now = time.monotonic()
            while window and window[0] <= now - limit.window_seconds:
                window.popleft()
            if len(window) + count <= limit.limit:
                window.extend([now] * count)
                return
            time.sleep(window[len(window) + count - limit.limit - 1] + limit.window_seconds - now + 0.05)

    def book(self, key: str) -> None:
        """A call made without waiting (a burst that is meant to meet the limit) still counts."""
        self.calls.setdefault(key, deque()).append(time.monotonic())


BUDGET = Budget()


@cache
def rate_limit(vendor: str, operation_id: str) -> RateLimit | None:
    return load_spec(vendor).operations[operation_id].rate_limit


# Requests -------------------------------------------------------------------------------------------------------
@dataclass
class Client:
    """Requests to the target: paced within the documented limits, inspected, on one keep-alive session."""

    target: Target
    session: requests.Session = field(default_factory=requests.Session)
    inspected: bool = True

    @contextmanager
    def uninspected(self) -> Iterator[None]:
        """Answers not held to the spec: a forged Host, which a deployment's front may refuse any way it likes."""
        self.inspected = False
        try:
            yield
        finally:
            self.inspected = True

    def call(
        self,
        vendor: str,
        operation_id: str,
        method: str,
        path: str,
        *,
        paced: bool = True,
        completes: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> requests.Response:
        """One request to the vendor's `operation_id` at `path`; `paced=False` lets a burst meet the limit."""
        limit = rate_limit(vendor, operation_id)
        if limit is not None:
            BUDGET.wait(f"{vendor}:{limit.scheme}", limit) if paced else BUDGET.book(f"{vendor}:{limit.scheme}")
        url = f"{self.target.base_url(vendor)}{path}"
        response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        if paced and response.status_code == 429:  # someone else's calls filled the window: wait as told, once
            time.sleep(min(float(response.headers.get("Retry-After", "1") or 1), 10.0))
            response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        return inspect(response, vendor, completes) if self.inspected else response

    def reserve(self, vendor: str, operation_id: str, count: int) -> None:
        """Make room for a burst of `count` calls (SR-06's concurrent redemptions) inside the rate limit."""
        limit = rate_limit(vendor, operation_id)
        if limit is not None:
            BUDGET.wait(f"{vendor}:{limit.scheme}", limit, count)

    def fork(self) -> Client:
        """A client with its own connection, for another thread."""
        return Client(self.target)


# Secrets and messages -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Secret:
    """A reset secret as the user would hold it: its value, and the message or link it came in (if any)."""

    value: str
    message: Message | None = None

    @property
    def params(self) -> dict[str, str]:
        link = (self.message or {}).get("link") or ""
        return {key: values[-1] for key, values in parse_qs(urlsplit(link).query).items()}


def mailbox_or_skip(target: Target) -> Any:
    """The target's mailbox; where the vendor's flow sends its secret and there is none, the check is skipped."""
    if (reason := target.lacks("mailbox")) is not None:
        pytest.skip(f"@mailbox: {reason}")
    return target.mailbox


def messages_to(target: Target, vendor: str, address: str | None) -> list[Message]:
    """Everything delivered to `address` (e-mail or phone), newest first."""
    if not address:
        return []
    return list(mailbox_or_skip(target).messages(vendor, address))


def delivery_wait(target: Target) -> float:
    """How long a message may take to show: none for the mock's outbox (it records before it answers)."""
    return target.mailbox.timeout if target.mailbox is not None else 0.0


def new_messages(
    target: Target, vendor: str, address: str | None, seen: set[str], *, wait: bool = True
) -> list[Message]:
    """Messages to `address` not in `seen`, waiting up to `delivery_wait` for the first one when `wait`."""
    deadline = time.monotonic() + (delivery_wait(target) if wait else 0)
    while True:
        fresh = [m for m in messages_to(target, vendor, address) if m["id"] not in seen]
        if fresh or time.monotonic() >= deadline:
            return fresh
        time.sleep(0.2)


# Flows ----------------------------------------------------------------------------------------------------------
@dataclass
class Flow:
    """A vendor's reset flow on one surface, as the checks drive it. Subclasses hold the vendor's requests."""

    target: Target
    client: Client
    surface: str = ""
    vendor: str = ""
    # Whether the completing request names the account beside the secret (SR-09), and why not when it does not.
    names_account: bool = False
    names_account_reason: str = ""

    @property
    def credentials(self) -> dict[str, str]:
        return self.target.credentials[self.vendor]

    def new_account(self, email: str | None = None, password: str = OLD_PASSWORD) -> TestAccount:
        email = email or self.target.new_address("sec", "example.org")
        username = f"{email.split('@')[0]}-{secrets.token_hex(3)}"
        phone = f"+4798{secrets.randbelow(10**6):06d}"
        try:
            return self.target.accounts.create(
                self.vendor, email=email, password=password, phone=phone, username=username
            )
        except CannotCreateAccounts as exc:
            pytest.skip(f"@creates_accounts: {exc}")

    def identifier(self, account: TestAccount) -> str:
        """What the vendor's initiation names the account by."""
        return account.email

    @property
    def initiate_operation(self) -> str:
        """The operationId `initiate` calls."""
        raise NotImplementedError

    def initiate(
        self, identifier: Any, headers: dict[str, str] | None = None, *, paced: bool = True
    ) -> requests.Response:
        raise NotImplementedError

    def issue(self, account: TestAccount) -> Secret:
        """Ask for a reset and take the secret as the user would (from the message), or as the API hands it out."""
        return self.issue_by_message(account)

    def issue_by_message(self, account: TestAccount) -> Secret:
        seen = {m["id"] for m in messages_to(self.target, self.vendor, account.email)}
        response = self.initiate(self.identifier(account))
        assert response.ok, f"initiating a reset failed: {response.status_code} {response.text[:300]}"
        fresh = new_messages(self.target, self.vendor, account.email, seen)
        assert fresh, f"{self.vendor} sent no reset message to {account.email}"
        return Secret(self.secret_in(fresh[0]), fresh[0])

    def secret_in(self, message: Message) -> str:
        return str(message.get("token") or "")

    def redeem(
        self, account: TestAccount, secret: Secret, password: str, *, named: TestAccount | None = None
    ) -> requests.Response:
        """Complete the reset with `secret`; `named` is the account named beside it, where the vendor names one."""
        raise NotImplementedError

    def sign_in(self, account: TestAccount, password: str) -> requests.Response:
        raise NotImplementedError

    def signs_in(self, account: TestAccount, password: str) -> bool:
        return self.sign_in(account, self.real_password(account, password)).ok

    def real_password(self, account: TestAccount, password: str) -> str:
        """OLD_PASSWORD stands for the account's initial one, which an account listed in the credentials differs in."""
        return account.password if password == OLD_PASSWORD else password

    def completes(self, password: str, secret: Secret) -> list[tuple[str, str]]:
        return [(password, "the new password"), (secret.value, "the reset secret")]


@dataclass
class PlacewiseFlow(Flow):
    vendor: str = "placewise"
    names_account_reason: str = "resetPassword takes the token and the password only; the token names the member"

    initiate_operation: str = "sendResetPasswordMessage"

    def initiate(
        self, identifier: Any, headers: dict[str, str] | None = None, *, paced: bool = True
    ) -> requests.Response:
        sent = {"X-Loyalty-Club-Slug": self.credentials["loyalty_club_slug"], **(headers or {})}
        body = {"identifier": identifier}
        path = "/v1/auth/reset_password/send"
        return self.client.call(
            self.vendor, self.initiate_operation, "POST", path, json=body, headers=sent, paced=paced
        )

    def secret_in(self, message: Message) -> str:
        return Secret("", message).params.get("token") or str(message.get("token") or "")

    def v3(self, operation_id: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        club = self.credentials["loyalty_club_slug"]
        headers = {"X-Client-Authorization": self.credentials["client_token"], **kwargs.pop("headers", {})}
        return self.client.call(
            self.vendor, operation_id, method, f"/v3/{club}/members/{path}", headers=headers, **kwargs
        )

    def redeem(
        self, account: TestAccount, secret: Secret, password: str, *, named: TestAccount | None = None
    ) -> requests.Response:
        body = {"token": secret.value, "password": password}
        return self.v3("resetPassword", "POST", "reset_password", json=body, completes=self.completes(password, secret))

    def sign_in(self, account: TestAccount, password: str) -> requests.Response:
        body = {"grant_type": "password", "identifier_type": "email", "identifier": account.email, "password": password}
        return self.v3("createToken", "POST", "oauth/token", json=body)

    def session_is_valid(self, access_token: str) -> bool:
        """Show Token Info with a member token: 200 while it is valid, 460 once it is not."""
        headers = {"Authorization": f"Bearer {access_token}"}
        return self.v3("showTokenInfo", "GET", "oauth/token/info", headers=headers).ok


ZITADEL_CONNECT = {
    "passwordReset": "/zitadel.user.v2.UserService/PasswordReset",
    "setPassword": "/zitadel.user.v2.UserService/SetPassword",
    "createSession": "/zitadel.session.v2.SessionService/CreateSession",
}


@dataclass
class ZitadelFlow(Flow):
    vendor: str = "zitadel"
    names_account: bool = True

    def rpc(
        self, operation_id: str, rest_path: str, body: dict[str, Any], user_id: str, **kwargs: Any
    ) -> requests.Response:
        """The REST gateway (user in the path), or Connect (unary JSON, user in the body)."""
        headers = {"Authorization": f"Bearer {self.credentials['access_token']}", **kwargs.pop("headers", {})}
        if self.surface == "connect":
            connect_id = "connect" + operation_id[0].upper() + operation_id[1:]
            message = {"userId": user_id, **body} if user_id else body
            headers["Connect-Protocol-Version"] = "1"
            return self.client.call(
                self.vendor, connect_id, "POST", ZITADEL_CONNECT[operation_id], json=message, headers=headers, **kwargs
            )
        return self.client.call(self.vendor, operation_id, "POST", rest_path, json=body, headers=headers, **kwargs)

    def identifier(self, account: TestAccount) -> str:
        return account.id

    @property
    def initiate_operation(self) -> str:
        return "connectPasswordReset" if self.surface == "connect" else "passwordReset"

    def initiate(
        self, identifier: Any, headers: dict[str, str] | None = None, *, paced: bool = True
    ) -> requests.Response:
        path = f"/v2/users/{identifier}/password_reset"
        return self.rpc("passwordReset", path, {}, identifier, headers=headers or {}, paced=paced)

    def issue(self, account: TestAccount) -> Secret:
        """returnCode: ZITADEL hands the code to the caller and sends nothing, so no mailbox is needed."""
        response = self.rpc("passwordReset", f"/v2/users/{account.id}/password_reset", {"returnCode": {}}, account.id)
        assert response.ok, f"PasswordReset with returnCode failed: {response.status_code} {response.text[:300]}"
        return Secret(str(response.json()["verificationCode"]))

    def redeem(
        self, account: TestAccount, secret: Secret, password: str, *, named: TestAccount | None = None
    ) -> requests.Response:
        user_id = (named or account).id
        body = {"newPassword": {"password": password}, "verificationCode": secret.value}
        completes = self.completes(password, secret)
        return self.rpc("setPassword", f"/v2/users/{user_id}/password", body, user_id, completes=completes)

    def sign_in(self, account: TestAccount, password: str) -> requests.Response:
        body = {"checks": {"user": {"userId": account.id}, "password": {"password": password}}}
        return self.rpc("createSession", "/v2/sessions", body, "")


SOCIALID_RESET_EMAIL = {
    "current": ("sendResetPasswordEmail", "/v2/marketing/login/users/reset_password/email"),
    "deprecated": ("sendResetPasswordEmailLegacy", "/v2/marketing/login/users/reset_password_email"),
}


@dataclass
class SocialIdFlow(Flow):
    vendor: str = "socialid"
    names_account_reason: str = "resetPassword takes {user: {reset_password_token, password}}; the token names the user"

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credentials['login_app_token']}"}

    @property
    def basic(self) -> tuple[str, str]:
        return (self.credentials["login_app_id"], self.credentials["api_secret"])

    @property
    def initiate_operation(self) -> str:
        return SOCIALID_RESET_EMAIL[self.surface or "current"][0]

    def initiate(
        self, identifier: Any, headers: dict[str, str] | None = None, *, paced: bool = True
    ) -> requests.Response:
        operation_id, path = SOCIALID_RESET_EMAIL[self.surface or "current"]
        body = {"email_address": identifier}
        sent = {**self.bearer, **(headers or {})}
        return self.client.call(self.vendor, operation_id, "POST", path, json=body, headers=sent, paced=paced)

    def issue(self, account: TestAccount) -> Secret:
        """S2: the Login App asks for the token itself (to send its own e-mail), so no mailbox is needed."""
        response = self.client.call(
            self.vendor,
            "createResetPasswordToken",
            "POST",
            "/v2/marketing/login/users/reset_password/token",
            json={"email_address": account.email},
            headers=self.bearer,
        )
        assert response.ok, f"the reset token request failed: {response.status_code} {response.text[:300]}"
        return Secret(str(response.json()["reset_password_token"]))

    def redeem(
        self, account: TestAccount, secret: Secret, password: str, *, named: TestAccount | None = None
    ) -> requests.Response:
        body = {"user": {"reset_password_token": secret.value, "password": password}}
        return self.client.call(
            self.vendor,
            "resetPassword",
            "POST",
            "/v1/marketing/login/users/reset_password",
            json=body,
            auth=self.basic,
            completes=self.completes(password, secret),
        )

    def sign_in(self, account: TestAccount, password: str) -> requests.Response:
        form = {"grant_type": "password", "email_address": account.email, "password": password}
        return self.client.call(
            self.vendor, "createOAuthToken", "POST", "/v2/marketing/oauth/token", data=form, auth=self.basic
        )


LEADSQUARED_RESET = {
    "older": ("resetPassword", "/api/Authentication/ResetPassword"),
    "v2": ("resetPasswordV2", "/api/Authentication/v2/ResetPassword"),
}


@dataclass
class LeadSquaredFlow(Flow):
    vendor: str = "leadsquared"
    names_account: bool = True

    @property
    def key(self) -> dict[str, str]:
        return {"Authorization": self.credentials["public_auth_key"]}

    initiate_operation: str = "forgotPassword"

    def initiate(
        self, identifier: Any, headers: dict[str, str] | None = None, *, paced: bool = True
    ) -> requests.Response:
        body = {"EmailAddress": identifier}
        path = "/api/Authentication/SecureForgotPassword"
        sent = {**self.key, **(headers or {})}
        return self.client.call(
            self.vendor, self.initiate_operation, "POST", path, json=body, headers=sent, paced=paced
        )

    def secret_in(self, message: Message) -> str:
        return Secret("", message).params.get("TemporaryPassword", "")

    def redeem(
        self, account: TestAccount, secret: Secret, password: str, *, named: TestAccount | None = None
    ) -> requests.Response:
        operation_id, path = LEADSQUARED_RESET[self.surface or "older"]
        body = {"Password": password, "LeadId": (named or account).id, "TemporaryPassword": secret.value}
        return self.client.call(
            self.vendor,
            operation_id,
            "POST",
            path,
            json=body,
            headers=self.key,
            completes=self.completes(password, secret),
        )

    def sign_in(self, account: TestAccount, password: str) -> requests.Response:
        body = {"EmailAddress": account.email, "Password": password}
        return self.client.call(
            self.vendor, "signIn", "POST", "/api/Authentication/Signin", json=body, headers=self.key
        )


FLOWS: dict[str, Callable[..., Flow]] = {
    "placewise": PlacewiseFlow,
    "zitadel": ZitadelFlow,
    "socialid": SocialIdFlow,
    "leadsquared": LeadSquaredFlow,
}


# Fixtures -------------------------------------------------------------------------------------------------------
@pytest.fixture
def client(target: Target, inspector: Inspector) -> Iterator[Client]:
    with requests.Session() as session:
        yield Client(target, session)


def _flow(surface: Surface, target: Target, client: Client) -> Flow:
    if surface.vendor not in target.vendors:
        pytest.skip(f"the target does not serve {surface.vendor}")
    return FLOWS[surface.vendor](target, client, surface.name)


@pytest.fixture
def initiating(initiation: Surface, target: Target, client: Client) -> Flow:
    """The vendor's flow, asking for resets on one of its surfaces."""
    return _flow(initiation, target, client)


@pytest.fixture
def redeeming(redemption: Surface, target: Target, client: Client) -> Flow:
    """The vendor's flow, completing resets on one of its surfaces."""
    return _flow(redemption, target, client)


@pytest.fixture
def flow(vendor: Surface, target: Target, client: Client) -> Flow:
    """The vendor's flow on its default surfaces, for checks about the vendor rather than a surface."""
    return _flow(vendor, target, client)


@pytest.fixture(autouse=True)
def _fits_target(request: pytest.FixtureRequest, target: Target) -> None:
    """A check marked with a capability (`@pytest.mark.clock`, ...) the target lacks is skipped with the reason."""
    skip_unless_capable(request.node, target)


# The documented exceptions to "same answer for unknown users" (SR-01): both APIs answer 404 by design.
REVEALS_UNKNOWN_USERS = {"zitadel": "addressed by user id with admin auth", "socialid": "documents 404 for unknown"}


def known_identifier(flow: Flow) -> str:
    """The credentials file's `known_identifier`, else a new account's."""
    known = flow.credentials.get("known_identifier")
    return known if known is not None else flow.identifier(flow.new_account())


ALPHABETS = [
    ("0-9", set(string.digits)),
    ("hexadecimal", set(string.hexdigits.lower())),
    ("HEXADECIMAL", set(string.hexdigits.upper())),
    ("A-Z0-9", set(string.ascii_uppercase + string.digits)),
    ("a-z0-9", set(string.ascii_lowercase + string.digits)),
    ("A-Za-z0-9", set(string.ascii_letters + string.digits)),
    ("base64url", set(string.ascii_letters + string.digits + "-_")),
]


def nominal_bits(samples: list[str]) -> tuple[float, str]:
    """len * log2(alphabet) for the smallest usual alphabet the samples fit (an upper bound, security.md 6)."""
    used = set("".join(samples))
    name, alphabet = next(((n, a) for n, a in ALPHABETS if used <= a), ("bytes", set(map(chr, range(256)))))
    return min(map(len, samples)) * math.log2(len(alphabet)), name


def needs_named_account(flow: Flow) -> None:
    if not flow.names_account:
        not_applicable(flow.vendor, f"no account is named beside the secret ({flow.names_account_reason})")
