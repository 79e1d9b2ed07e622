"""How every suite drives a vendor's API: the requests of its client record (resetkit.clients), filled in, paced
within the spec's rate limits and inspected (inspection.py) before a check reads the answer.

A `Driver` is a client of one vendor on one surface (ZITADEL's REST or Connect, ...). The BDD steps and the security
checks use it alike; a vendor-only step sends its own `Request` through `Driver.send`.
"""

from __future__ import annotations

import json as json_lib
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ..clients import Client, Request, pick
from ..clients.base import prepare
from ..flows.ratelimit import RateLimit
from .accounts import CannotCreateAccounts, TestAccount
from .inspection import active, inspect
from .mailbox import Mailbox, Message
from .target import Target

TIMEOUT = 10
INITIAL_PASSWORD = "Old-Passw0rd!"  # an account's password until a check changes it; passes every vendor's policy
PACING_MARGIN_SECONDS = 0.25  # a call is counted when it is sent; the server counts it a little later
_KEEP: Any = object()


@dataclass(frozen=True)
class Surface:
    """One way a vendor serves a step (`name`; "" for its only way), as checks are parametrized with it."""

    vendor: str
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.vendor}-{self.name}" if self.name else self.vendor


@dataclass(frozen=True)
class Secret:
    """A reset secret as the user holds it: its value, the message it came in (if any), how long it lives."""

    value: str
    message: Message | None = None
    lifetime: float | None = None


def link_params(link: str) -> dict[str, str]:
    """The query parameters of a delivered link, one value each."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(link).query).items()}


# Rate limits --------------------------------------------------------------------------------------------------------
class Pacer:
    """Our own calls per rate-limited credential for the whole run, counted as the server counts them
    (`x-rate-limit`), so that a check meets a limit only when it means to."""

    def __init__(self) -> None:
        self.calls: dict[str, deque[float]] = {}
        self.settled: set[str] = set()
        self._lock = threading.Lock()

    def _window(self, key: str, limit: RateLimit, now: float) -> deque[float]:
        window = self.calls.setdefault(key, deque())
        while window and window[0] <= now - limit.window_seconds - PACING_MARGIN_SECONDS:
            window.popleft()
        return window

    def wait(self, key: str, limit: RateLimit, count: int = 1, *, book: bool = True) -> None:
        """Sleep until `count` more calls fit in the window, then book them (`book=False`: only make room)."""
        while True:
            with self._lock:
                now = time.monotonic()
                window = self._window(key, limit, now)
                if len(window) + count <= limit.limit:
                    if book:
                        window.extend([now] * count)
                    return
                oldest_in_the_way = window[len(window) + count - limit.limit - 1]
                pause = oldest_in_the_way + limit.window_seconds + PACING_MARGIN_SECONDS - now
            time.sleep(max(pause, 0.01))

    def book(self, key: str) -> None:
        """A call sent without waiting (a burst meant to meet the limit) still counts."""
        with self._lock:
            self.calls.setdefault(key, deque()).append(time.monotonic())

    def empty_window(self, key: str, limit: RateLimit) -> None:
        """Wait until none of our calls is in the window any more."""
        self.wait(key, limit, limit.limit, book=False)
        self.clear(key)

    def clear(self, key: str) -> None:
        """The server's window is empty (the mock's clock moved past it)."""
        with self._lock:
            self.calls.pop(key, None)

    def settle(self, key: str, limit: RateLimit) -> None:
        """Once per run, let a whole window pass: calls made before ours (the contract suite's) are not counted."""
        if key not in self.settled:
            self.settled.add(key)
            time.sleep(limit.window_seconds)


PACER = Pacer()  # one budget per credential for the whole run, like the server's


def pacing_key(vendor: str, limit: RateLimit) -> str:
    return f"{vendor}:{limit.scheme}"


# Messages -----------------------------------------------------------------------------------------------------------
def messages_to(mailbox: Mailbox, vendor: str, address: str | None, channel: str | None = None) -> list[Message]:
    """Everything delivered to `address` (e-mail or phone), newest first."""
    return list(mailbox.messages(vendor, address, channel)) if address else []


def fresh_messages(
    mailbox: Mailbox, vendor: str, address: str | None, seen: set[str], channel: str | None = None, *, wait: bool = True
) -> list[Message]:
    """Messages to `address` not in `seen`, waiting for the first as long as the mailbox needs when `wait` (SMTP
    and IMAP deliver after the API call has answered; the mock's outbox before)."""
    deadline = time.monotonic() + (mailbox.timeout if wait else 0.0)
    while True:
        fresh = [m for m in messages_to(mailbox, vendor, address, channel) if m["id"] not in seen]
        if fresh or time.monotonic() >= deadline:
            return fresh
        time.sleep(0.1)


# The driver ---------------------------------------------------------------------------------------------------------
@dataclass
class Driver:
    """A client of one vendor on one surface, against the target, as the vendor's client record describes it."""

    target: Target
    client: Client
    surface: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def vendor(self) -> str:
        return self.client.name

    @property
    def credentials(self) -> dict[str, str]:
        return self.target.credentials[self.vendor]

    def values(self, **more: Any) -> dict[str, Any]:
        """The target's credentials for the vendor, `more`, and what the record derives from them."""
        return self.client.values(self.credentials, **more)

    def on_surface(self, requests_by_surface: Mapping[str, Request]) -> Request:
        return pick(requests_by_surface, self.surface)

    @property
    def initiate_request(self) -> Request:
        return self.on_surface(self.client.initiate)

    @property
    def redeem_request(self) -> Request:
        return self.on_surface(self.client.redeem)

    @property
    def sign_in_request(self) -> Request:
        return self.on_surface(self.client.sign_in)

    def fork(self) -> Driver:
        """The same client on its own connection, for another thread."""
        return Driver(self.target, self.client, self.surface)

    # One request ----------------------------------------------------------------------------------------------------
    def send(
        self,
        request: Request,
        values: Mapping[str, Any],
        *,
        json: Any = _KEEP,
        form: Mapping[str, str] | None = None,
        raw: str | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str | None] | None = None,
        paced: bool = True,
        completes: Sequence[tuple[str, str]] = (),
        inspected: bool = True,
    ) -> requests.Response:
        """`request` filled in with `values`, to the target; the answer is inspected before it is returned (unless
        `inspected=False`: an answer the spec cannot know, such as a front refusing a forged Host).

        The body may be replaced: `json`, `form`, or `raw` text sent as JSON (a JSON object keeps the request's
        addressing members); `extra` adds JSON members. `headers` are set over the template's (None removes one).
        `paced=False` sends at once, for a burst meant to meet a rate limit. `completes` names the (value, what)
        secrets a request completing a reset uses: once it succeeds no later answer or message may carry them.
        """
        operation = self.client.operation(request)
        if json is not _KEEP or form is not None or raw is not None:  # the template's body is not sent
            request = replace(request, json=None, form=None, optional_json={})
        call = prepare(request, operation, values)
        sent_headers = dict(call.headers)
        for name, value in (headers or {}).items():
            if value is None:
                sent_headers.pop(name, None)
            else:
                sent_headers[name] = value
        body, data = call.json, call.form
        if json is not _KEEP:
            body, data = json, None
        if form is not None:
            body, data = None, dict(form)
        if extra:
            body = {**(body or {}), **extra}
        payload: bytes | None = None
        if raw is not None:
            body, data = None, None
            parsed = _json_or_none(raw)
            if call.addressing and isinstance(parsed, dict):
                body = {**call.addressing, **parsed}
            else:
                payload = raw.encode()
                sent_headers["Content-Type"] = "application/json"
        limit = operation.rate_limit if operation is not None else None
        if limit is not None:
            key = pacing_key(self.vendor, limit)
            PACER.wait(key, limit) if paced else PACER.book(key)
        inspector = active()
        if completes and inspector is not None:
            inspector.completing()
        url = f"{self.target.base_url(self.vendor)}{call.path}"
        arguments: dict[str, Any] = {"params": call.query or None, "headers": sent_headers, "timeout": TIMEOUT}
        arguments |= {"json": body} if payload is None and data is None else {"data": payload or data}
        response = self.session.request(call.method, url, **arguments)
        if paced and response.status_code == 429:  # someone else's calls filled the window: wait as told, once
            time.sleep(min(float(response.headers.get("Retry-After", "1") or 1), 10.0))
            response = self.session.request(call.method, url, **arguments)
        return inspect(response, self.vendor, completes) if inspected else response

    def make_room(self, request: Request, count: int) -> None:
        """Wait until a burst of `count` calls (concurrent redemptions) fits in the rate limit."""
        limit = self.client.rate_limit(request)
        if limit is not None:
            PACER.wait(pacing_key(self.vendor, limit), limit, count, book=False)

    # The reset flow -------------------------------------------------------------------------------------------------
    def identifier_of(self, account: TestAccount) -> str:
        """What the vendor's initiation names the account by (its e-mail address, ZITADEL's user id)."""
        return str(account.values[self.client.identifier])

    def initiate(
        self,
        identifier: Any,
        /,
        *,
        headers: Mapping[str, str | None] | None = None,
        json: Any = _KEEP,
        raw: str | None = None,
        extra: Mapping[str, Any] | None = None,
        paced: bool = True,
        inspected: bool = True,
        **values: Any,
    ) -> requests.Response:
        """Ask for a reset for `identifier` (any value: a check may send a list where an address belongs)."""
        filled = self.values(**{**values, "identifier": identifier})
        return self.send(
            self.initiate_request,
            filled,
            headers=headers,
            json=json,
            raw=raw,
            extra=extra,
            paced=paced,
            inspected=inspected,
        )

    def hand_out(self, identifier: str, /, **values: Any) -> requests.Response:
        """Ask the API for a reset secret for the caller itself (ZITADEL's returnCode, Social ID's token call)."""
        assert self.client.handout is not None, f"{self.vendor} hands out no reset secret"
        request = self.on_surface(self.client.handout.requests)
        return self.send(request, self.values(**{**values, "identifier": identifier}))

    def issue(self, account: TestAccount) -> Secret:
        """A reset secret for `account` as the user would hold it: handed out by the API where the vendor does that
        (no mailbox needed), else taken from the message the initiation sends."""
        handout = self.client.handout
        if handout is not None:
            request = self.on_surface(handout.requests)
            response = self.hand_out(self.identifier_of(account))
            assert response.ok, f"{request.operation} failed: {response.status_code} {response.text[:300]}"
            return Secret(str(response.json()[handout.field]), lifetime=self.client.lifetime(request))
        seen = {m["id"] for m in self.messages(account.email)}
        response = self.initiate(self.identifier_of(account))
        assert response.ok, f"initiating a reset failed: {response.status_code} {response.text[:300]}"
        fresh = self.new_messages(account.email, seen)
        assert fresh, f"{self.vendor} sent no reset message to {account.email}"
        return Secret(self.secret_in(fresh[0]), fresh[0], self.client.lifetime(self.initiate_request))

    def secret_in(self, message: Message) -> str:
        """The reset secret a message carries: its link's parameter, else the one the mailbox found in its text."""
        return link_params(message.get("link") or "").get(self.client.secret.link) or str(message.get("token") or "")

    def redeem(
        self, secret: str | Secret, password: str, account: TestAccount | None = None, /, **values: Any
    ) -> requests.Response:
        """Complete a reset with `secret`; `account` is the one the request names (where the vendor names one)."""
        value = secret.value if isinstance(secret, Secret) else secret
        named = account.values if account is not None else {}
        filled = self.values(**{**named, **values, "secret": value, "password": password})
        completes = [(password, "the new password"), (value, self.client.secret.name)]
        return self.send(self.redeem_request, filled, completes=completes)

    def complete(self, link: str, password: str, /, **values: Any) -> requests.Response:
        """Complete a reset with what a delivered `link` carries, as the landing page would."""
        found = self.client.link_values(link_params(link))
        secret = found.pop("secret")
        return self.redeem(secret, password, **{**found, **values})

    def sign_in(self, account: TestAccount, password: str, /, **values: Any) -> requests.Response:
        return self.send(self.sign_in_request, self.values(**{**account.values, **values, "password": password}))

    def signs_in(self, account: TestAccount, password: str) -> bool:
        """Whether `password` (INITIAL_PASSWORD: the account's initial one) signs the account in."""
        return self.sign_in(account, account.password_for(password)).ok

    def session_works(self, session: str) -> bool:
        """Whether a signed-in session is still accepted (Placewise's Show Token Info: 200, else 460)."""
        assert self.client.session is not None, f"{self.vendor} has no operation that accepts a session"
        return self.send(self.client.session.request, self.values(session=session)).ok

    # Accounts and messages ------------------------------------------------------------------------------------------
    def new_account(self, email: str | None = None, password: str = INITIAL_PASSWORD) -> TestAccount:
        """A fresh account from the target's account source; the check is skipped where there is none."""
        email = email or self.target.new_address("sec", "example.org")
        username = f"{email.split('@')[0]}-{secrets.token_hex(3)}"
        phone = f"+4798{secrets.randbelow(10**6):06d}"
        try:
            return self.target.accounts.create(
                self.vendor, email=email, password=password, phone=phone, username=username
            )
        except CannotCreateAccounts as exc:
            pytest.skip(f"@creates_accounts: {exc}")

    def mailbox(self) -> Mailbox:
        """The target's mailbox; where there is none, the check that reads messages is skipped."""
        if (reason := self.target.lacks("mailbox")) is not None:
            pytest.skip(f"@mailbox: {reason}")
        assert self.target.mailbox is not None
        return self.target.mailbox

    def messages(self, address: str | None) -> list[Message]:
        """Everything the vendor delivered to `address`, newest first."""
        return messages_to(self.mailbox(), self.vendor, address) if address else []

    def new_messages(self, address: str | None, seen: set[str], *, wait: bool = True) -> list[Message]:
        if not address:
            return []
        return fresh_messages(self.mailbox(), self.vendor, address, seen, wait=wait)


def _json_or_none(text: str) -> Any:
    try:
        return json_lib.loads(text)
    except ValueError:
        return None
