"""Shared step vocabulary for every vendor's features: accounts, the reset lifecycle, outbox, clock and responses.

How a vendor plugs in: features/<vendor>/*.feature carry the vendor's tag (@placewise, @zitadel, ...), and
tests/bdd/test_<vendor>.py calls `scenarios("<vendor>")` and defines a `driver` fixture implementing `Driver`
(how that vendor requests a reset, completes it from the delivered link and signs in). The steps below work
through the driver, so one step text means the same thing for every vendor; vendor-only steps live in the
vendor's test module and keep their values in `ctx.data`.

Scenarios are tagged with what they need beyond the vendor's API (resetkit.conform.target.CAPABILITIES): @mailbox
(reads a sent e-mail), @sms, @clock (moves time), @admin, @creates_accounts. A scenario is skipped, with the
reason, only on a target that lacks one of its capabilities; everything else runs against every target.

Every request goes through `http()`, which hands the response to the test's inspector (resetkit.conform.inspection:
the whole response against the spec, stack traces in error bodies, secrets after a completed reset) before a step
reads it. A vendor module lists its `SURFACES` (ZITADEL REST and Connect, ...); a scenario whose steps use the
surfaced calls (`SURFACED_STEPS`) runs once per surface, and its driver takes the `surface` fixture.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from parse import with_pattern
from pytest_bdd import given, parsers, then, when
from pytest_bdd.scenario import scenario_wrapper_template_registry

from resetkit.conform.accounts import CannotCreateAccounts
from resetkit.conform.inspection import Inspector, active, inspect
from resetkit.conform.plugin import skip_unless_capable
from resetkit.conform.stacktraces import find_stack_trace
from resetkit.conform.target import Target
from resetkit.settings import ALL_VENDORS

TIMEOUT = 10
NOTHING_SENT_SECONDS = 1.0  # how long a mailbox that delivers later (SMTP, IMAP) is watched for a message
VENDOR_LABELS = {"Placewise": "placewise", "ZITADEL": "zitadel", "Social ID": "socialid", "LeadSquared": "leadsquared"}
SECONDS_PER_UNIT = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}


@with_pattern("|".join(VENDOR_LABELS))
def _vendor_label(text: str) -> str:
    return VENDOR_LABELS[text]


def step_text(text: str) -> parsers.parse:
    """A `parse` step pattern that also knows `{name:Vendor}` (Placewise, ZITADEL, Social ID or LeadSquared)."""
    return parsers.parse(text, extra_types={"Vendor": _vendor_label})


# The world a scenario runs in ------------------------------------------------------------------------------
@dataclass
class Account:
    """A person the feature names by an e-mail address (`alias`); the real identifiers are unique per run."""

    alias: str
    email: str
    password: str
    phone: str
    username: str
    id: str = ""
    exists: bool = True
    # The password the feature gives it; `password` differs for an account listed in the credentials file.
    given_password: str = ""


@dataclass
class Context:
    """What one scenario has seen so far: its accounts, the last response and the messages delivered."""

    vendor: str
    new_address: Callable[[str, str], str] = lambda local, domain: f"{local}.{uuid.uuid4().hex[:12]}@{domain}"
    accounts: dict[str, Account] = field(default_factory=dict)
    response: requests.Response | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def account(self, alias: str) -> Account:
        assert alias in self.accounts, f'the scenario never introduced "{alias}" (add a Given step for it)'
        return self.accounts[alias]

    def introduce(self, alias: str, password: str, *, exists: bool) -> Account:
        local, _, domain = alias.partition("@")
        tag = uuid.uuid4().hex[:12]
        account = Account(
            alias=alias,
            email=self.new_address(local, domain or "example.com"),
            password=password,
            phone=f"+4798{secrets.randbelow(10**8):08d}",
            username=f"{local}_{tag}",
            exists=exists,
            given_password=password,
        )
        self.accounts[alias] = account
        return account

    @property
    def last_response(self) -> requests.Response:
        assert self.response is not None, "no request was made yet"
        return self.response

    def json(self) -> Any:
        response = self.last_response
        try:
            return response.json()
        except ValueError:
            pytest.fail(f"expected a JSON body, got {response.status_code} {response.text[:300]!r}")

    def real_password(self, account: Account, password: str) -> str:
        """The password to send for the one a step names: a listed account's own for the feature's initial one."""
        return account.password if password == account.given_password else password

    def substitute(self, text: str) -> str:
        """Replace each account alias in `text` by that account's real e-mail address."""
        for alias in sorted(self.accounts, key=len, reverse=True):
            text = text.replace(alias, self.accounts[alias].email)
        return text

    def message(self, which: str = "latest") -> dict[str, Any]:
        assert self.messages, "no message was delivered in this scenario"
        return self.messages[0] if which == "first" else self.messages[-1]


class Driver(Protocol):
    """What the shared steps need from a vendor; each tests/bdd/test_<vendor>.py provides one as `driver`."""

    vendor: str  # the key in ALL_VENDORS
    sign_in_refused_status: int  # the status a wrong password gets

    def request_reset(self, account: Account) -> requests.Response:
        """Ask for a reset for the account's e-mail address, the vendor's default way."""

    def request_reset_with_body(self, body: str) -> requests.Response:
        """Send `body` verbatim as the JSON body of the default reset request."""

    def complete_reset(self, link: str, password: str) -> requests.Response:
        """Set `password` with the secret(s) the delivered `link` carries, as the landing page would."""

    def sign_in(self, account: Account, password: str) -> requests.Response:
        """Sign the account in with `password`."""


def http(method: str, url: str, *, completes: Sequence[tuple[str, str]] = (), **kwargs: Any) -> requests.Response:
    """One request to the target, with a timeout; every response is inspected before a step sees it.

    The inspection (resetkit.conform.inspection) validates the whole response against the vendor's spec, looks
    for stack traces in error bodies and for retired secrets. `completes` names the (value, what) secrets a
    request completing a reset uses: once it succeeds they are retired, and no later response or message may
    carry them.
    """
    inspector = active()
    if completes and inspector is not None:
        inspector.completing()
    return inspect(requests.request(method, url, timeout=TIMEOUT, **kwargs), completes=completes)


def link_params(link: str) -> dict[str, str]:
    """The query parameters of a delivered link, one value each."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(link).query).items()}


def describe(response: requests.Response) -> str:
    return f"{response.request.method} {response.url} -> {response.status_code} {response.text[:500]}"


# The error shape each vendor documents (contracts.md section 0) ---------------------------------------------
def _placewise_error(status: int, body: Any) -> list[str]:
    problems = [] if isinstance(body, dict) and isinstance(body.get("error"), str) else ['no "error" string']
    if status == 422 and not (isinstance(body, dict) and isinstance(body.get("details"), dict)):
        problems.append('a 422 needs the "details" object of doc-341637')
    return problems


# Rails' status symbols (Rack::Utils::SYMBOL_TO_STATUS_CODE), as the Social ID login-user calls name their errors.
RAILS_STATUS_SYMBOLS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}
RAILS_STATUS_SYMBOLS |= {405: "method_not_allowed", 415: "unsupported_media_type", 422: "unprocessable_entity"}
OAUTH_ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type"}


def _socialid_error(status: int, body: Any) -> list[str]:
    # Login-user calls: {"error": <status symbol>, "error_description"}, plus "errors" [{attribute, message, code}]
    # on a 422 (fidelity.md). The token endpoint: RFC 6749's {"error": <OAuth code>, "error_description"}.
    if not isinstance(body, dict):
        return ["not a JSON object"]
    problems = [f'no "{key}" string' for key in ("error", "error_description") if not isinstance(body.get(key), str)]
    error = body.get("error")
    expected = RAILS_STATUS_SYMBOLS.get(status)
    if isinstance(error, str) and error not in OAUTH_ERRORS and expected and error != expected:
        problems.append(f'"error" is {error!r}, not the status symbol {expected!r}')
    if status == 422 and error not in OAUTH_ERRORS:
        errors = body.get("errors")
        keys = ("attribute", "message", "code")
        listed = isinstance(errors, list) and bool(errors)
        if not listed or not all(isinstance(e, dict) and all(k in e for k in keys) for e in errors):
            problems.append('a 422 needs "errors": [{attribute, message, code}]')
    return problems


def _leadsquared_error(status: int, body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["not a JSON object"]
    problems = [] if body.get("Status") == "Error" else ['"Status" is not "Error"']
    problems += [
        f'no "{key}" string' for key in ("ExceptionType", "ExceptionMessage") if not isinstance(body.get(key), str)
    ]
    return problems


def _zitadel_error(status: int, body: Any) -> list[str]:
    # REST (grpc-gateway) answers {code: int, message, details: [...]}; Connect answers {code: "not_found", message}.
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return ['no "message" string']
    code = body.get("code")
    if isinstance(code, bool) or not isinstance(code, int | str):
        return ['"code" is neither a gRPC code number nor a Connect code name']
    if isinstance(code, int) and not isinstance(body.get("details", []), list):
        return ['"details" is not a list']
    return []


ERROR_SHAPES: dict[str, Callable[[int, Any], list[str]]] = {
    "placewise": _placewise_error,
    "socialid": _socialid_error,
    "leadsquared": _leadsquared_error,
    "zitadel": _zitadel_error,
}


# Fixtures ----------------------------------------------------------------------------------------------------
@pytest.fixture
def vendor(request: pytest.FixtureRequest) -> str:
    """The vendor a scenario is about: its feature's vendor tag."""
    tagged = {m.name for m in request.node.iter_markers() if m.name in ALL_VENDORS}
    assert len(tagged) == 1, f"tag the feature with exactly one vendor ({', '.join(ALL_VENDORS)}); found {tagged}"
    return tagged.pop()


@pytest.fixture
def ctx(vendor: str, target: Target) -> Context:
    return Context(vendor, new_address=target.new_address)


@pytest.fixture
def driver() -> Driver:
    pytest.fail("tests/bdd/test_<vendor>.py must define a `driver` fixture (see Driver in tests/bdd/conftest.py)")


@pytest.fixture(autouse=True)
def _scenario_fits_target(request: pytest.FixtureRequest, target: Target, vendor: str) -> None:
    """Skip what the target cannot answer: a vendor it does not serve, or a capability it lacks."""
    if vendor not in target.vendors:
        pytest.skip(f"the target does not serve {vendor}")
    skip_unless_capable(request.node, target)


# Surfaces: one scenario, every way the vendor serves its flow ---------------------------------------------------
@dataclass(frozen=True)
class Surface:
    """One way a vendor serves a flow (ZITADEL's REST gateway or Connect, Social ID's deprecated alias, ...)."""

    vendor: str
    name: str

    def __str__(self) -> str:
        return self.name


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a scenario once per surface of the vendor module's `SURFACES` when one of its steps uses the surfaced
    flow (the module's `SURFACED_STEPS` pattern; None: every scenario), so the test id names the surface."""
    surfaces: Sequence[Surface] = getattr(metafunc.module, "SURFACES", ())
    if len(surfaces) < 2:
        return
    pattern: re.Pattern[str] | None = getattr(metafunc.module, "SURFACED_STEPS", None)
    template = scenario_wrapper_template_registry.get(metafunc.function)
    steps = [step.name for step in template.steps] if template else []
    if pattern is None or any(pattern.search(step) for step in steps):
        metafunc.parametrize("surface", surfaces, ids=[surface.name for surface in surfaces])


@pytest.fixture
def surface(request: pytest.FixtureRequest) -> Surface:
    """The surface a scenario runs on: the vendor's first one unless the scenario is parametrized over them."""
    surfaces: Sequence[Surface] = getattr(request.module, "SURFACES", ())
    assert surfaces, "tests/bdd/test_<vendor>.py must list its SURFACES"
    return surfaces[0]


@pytest.fixture(autouse=True)
def _on_surface(surface: Surface) -> Surface:
    """Puts `surface` in every scenario's fixture closure (steps and drivers are looked up only as they run)."""
    return surface


# Every response inspected; no secret after a reset ----------------------------------------------------------------
@pytest.fixture(autouse=True)
def _inspected(inspector: Inspector, ctx: Context, target: Target) -> Inspector:
    """Activates the response inspection for the scenario, and lets it see which messages there were just before
    a reset was completed, so that every message after it can be searched for the retired secrets."""
    if target.mailbox is not None:
        inspector.message_ids = lambda: {m["id"] for m in _messages_to_accounts(ctx, target)}
    ctx.data["inspector"] = inspector
    return inspector


def _messages_to_accounts(ctx: Context, target: Target) -> list[dict[str, Any]]:
    if target.mailbox is None:
        return []
    found: list[dict[str, Any]] = []
    for account in ctx.accounts.values():
        if account.exists:
            found += target.mailbox.messages(ctx.vendor, account.email, "email")
            found += target.mailbox.messages(ctx.vendor, account.phone, "sms")
    return found


def pytest_bdd_step_error(request: pytest.FixtureRequest) -> None:
    request.node.stash[_STEP_FAILED] = True


_STEP_FAILED = pytest.StashKey[bool]()


def pytest_bdd_after_scenario(request: pytest.FixtureRequest) -> None:
    """After the last step: no message sent after the reset carries its new password, code or token."""
    if request.node.stash.get(_STEP_FAILED, False) or "ctx" not in request.fixturenames:
        return
    ctx: Context = request.getfixturevalue("ctx")
    inspector: Inspector | None = ctx.data.get("inspector")
    before = inspector.messages_before_reset if inspector is not None else None
    if inspector is None or before is None:
        return
    for message in _messages_to_accounts(ctx, request.getfixturevalue("target")):
        if message["id"] not in before:
            inspector.check_message(message)


def _deliveries(target: Target, vendor: str, account: Account, channel: str) -> list[dict[str, Any]]:
    tag = "@sms" if channel == "sms" else "@mailbox"
    assert target.lacks(tag[1:]) is None, f"this step reads delivered messages: tag the scenario {tag}"
    assert target.mailbox is not None
    address = account.email if channel == "email" else account.phone
    return target.mailbox.messages(vendor, address, channel)


def fresh_deliveries(
    target: Target, vendor: str, account: Account, channel: str, seen: set[str]
) -> list[dict[str, Any]]:
    """Messages to the account on `channel` not in `seen`, waiting for the first as long as the mailbox needs
    (SMTP and IMAP deliver after the API call has answered; the mock's outbox before)."""
    deadline = time.monotonic() + (target.mailbox.timeout if target.mailbox is not None else 0.0)
    while not (fresh := [m for m in _deliveries(target, vendor, account, channel) if m["id"] not in seen]):
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    return fresh


# Given ---------------------------------------------------------------------------------------------------------
@given(step_text('a {named_vendor:Vendor} account with e-mail "{email}" and password "{password}"'))
def a_vendor_account(named_vendor: str, email: str, password: str, ctx: Context, target: Target) -> None:
    """Created through the target's account source with a unique e-mail address, phone number and username."""
    assert named_vendor == ctx.vendor, f"a {ctx.vendor} feature cannot create a {named_vendor} account"
    account = ctx.introduce(email, password, exists=True)
    try:
        created = target.accounts.create(
            ctx.vendor,
            email=account.email,
            password=password,
            phone=account.phone,
            username=account.username,
            given_name=email.partition("@")[0].capitalize(),
            family_name="Example",
        )
    except CannotCreateAccounts as exc:
        pytest.skip(f"@creates_accounts: {exc}")
    # A listed account (credentials file) brings its own identity and password; created ones keep the scenario's.
    account.id, account.email, account.password = created.id, created.email, created.password
    account.phone = created.phone or account.phone
    account.username = created.username or account.username


@given(step_text('no {named_vendor:Vendor} account exists for "{email}"'))
def no_vendor_account(named_vendor: str, email: str, ctx: Context) -> None:
    """A fresh address nobody registered, so no other scenario can have used it."""
    assert named_vendor == ctx.vendor, f"a {ctx.vendor} feature cannot talk about {named_vendor} accounts"
    ctx.introduce(email, "Never-Used-1!", exists=False)


@given(parsers.re(r'"(?P<email>[^"]+)" has requested (?:a|another) password reset and received the e-mail'))
def reset_requested_and_received(email: str, ctx: Context, driver: Driver, target: Target) -> None:
    account = ctx.account(email)
    response = driver.request_reset(account)
    assert response.ok, describe(response)
    received(ctx, target, account, "email")


@given(step_text('the reset was completed with the link from the e-mail and the new password "{password}"'))
def reset_was_completed(password: str, ctx: Context, driver: Driver) -> None:
    response = driver.complete_reset(link_of(ctx.message()), password)
    assert response.ok, describe(response)


# When ----------------------------------------------------------------------------------------------------------
@when(step_text('a password reset is requested for "{email}"'))
def request_reset(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.request_reset(ctx.account(email))


@when("a password reset is requested with the JSON body:")
def request_reset_with_body(docstring: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.request_reset_with_body(ctx.substitute(docstring))


@when("a password reset is requested with a body that is not valid JSON")
def request_reset_with_broken_json(ctx: Context, driver: Driver) -> None:
    ctx.response = driver.request_reset_with_body('{"identifier": "alice@example.com", ')


@when(
    parsers.re(
        r"the reset is completed with the link from the (?P<which>first |)(?:e-mail|text message)"
        r' and the new password "(?P<password>[^"]*)"'
    )
)
def complete_reset(which: str, password: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.complete_reset(link_of(ctx.message(which.strip() or "latest")), password)


@given(parsers.re(r"the clock moves forward (?P<amount>\d+) (?P<unit>seconds?|minutes?|hours?)"))
@when(parsers.re(r"the clock moves forward (?P<amount>\d+) (?P<unit>seconds?|minutes?|hours?)"))
def clock_moves_forward(amount: str, unit: str, ctx: Context, target: Target) -> None:
    """Moves the mock's clock (POST /__admin/clock), or with --wait-expiry waits in real time; everything
    time-limited ages by this much."""
    assert target.lacks("clock") is None, "this step moves the clock: tag the scenario @clock"
    target.let_time_pass(ctx.vendor, int(amount) * SECONDS_PER_UNIT[unit])


@when(step_text('"{email}" signs in with password "{password}"'))
def signs_in(email: str, password: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    ctx.response = driver.sign_in(account, ctx.real_password(account, password))


# Then: responses -----------------------------------------------------------------------------------------------
@then(step_text("the response status is {status:d}"))
def response_status(status: int, ctx: Context) -> None:
    assert ctx.last_response.status_code == status, describe(ctx.last_response)


@then(step_text("the response is in the {named_vendor:Vendor} error shape"))
def error_shape(named_vendor: str, ctx: Context) -> None:
    """The vendor's documented error body: JSON, never a stack trace, with the fields the vendor promises."""
    response = ctx.last_response
    assert 400 <= response.status_code < 500, describe(response)
    assert response.headers.get("Content-Type", "").startswith("application/json"), describe(response)
    trace = find_stack_trace(response.text)
    assert trace is None, f"the error body carries {trace}: {describe(response)}"
    problems = ERROR_SHAPES[named_vendor](response.status_code, ctx.json())
    assert not problems, f"not the {named_vendor} error shape ({'; '.join(problems)}): {describe(response)}"


@then("the response body is empty")
def body_is_empty(ctx: Context) -> None:
    assert ctx.last_response.content == b"", describe(ctx.last_response)


@then("the response body is:")
def body_is(docstring: str, ctx: Context) -> None:
    assert ctx.json() == json.loads(ctx.substitute(docstring)), describe(ctx.last_response)


@then(step_text('the response field "{path}" is {literal}'))
def field_is(path: str, literal: str, ctx: Context) -> None:
    """`path` is dotted (details.password.0.error); `literal` is JSON ("too_short", 8, true)."""
    assert field_at(ctx.json(), path) == json.loads(literal), describe(ctx.last_response)


@then(step_text('the response header "{name}" is a whole number from {low:d} to {high:d}'))
def header_in_range(name: str, low: int, high: int, ctx: Context) -> None:
    value = ctx.last_response.headers.get(name, "")
    assert value.isdigit() and low <= int(value) <= high, f"{name}: {value!r}; {describe(ctx.last_response)}"


def field_at(body: Any, path: str) -> Any:
    node = body
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            pytest.fail(f"the response has no field {path!r}: {json.dumps(body)[:500]}")
    return node


# Then: the outbox ----------------------------------------------------------------------------------------------
def received(ctx: Context, target: Target, account: Account, channel: str) -> dict[str, Any]:
    """The newest message to the account on `channel` not seen before in this scenario; it must carry a link."""
    seen = {m["id"] for m in ctx.messages}
    fresh = fresh_deliveries(target, ctx.vendor, account, channel, seen)
    assert fresh, f"no new {channel} from {ctx.vendor} to {account.alias}"
    ctx.messages.append(fresh[0])
    return fresh[0]


def link_of(message: dict[str, Any]) -> str:
    assert message.get("link"), f"the message carries no link: {message.get('text')!r}"
    return str(message["link"])


@then(step_text('"{email}" receives an e-mail with a reset link'))
def receives_email(email: str, ctx: Context, target: Target) -> None:
    link_of(received(ctx, target, ctx.account(email), "email"))


@then(step_text('"{email}" receives a text message with a reset link'))
def receives_text(email: str, ctx: Context, target: Target) -> None:
    link_of(received(ctx, target, ctx.account(email), "sms"))


@then(step_text('the outbox holds no message for "{email}"'))
def no_message(email: str, ctx: Context, target: Target) -> None:
    account = ctx.account(email)
    # Text messages are looked at where the mailbox can read them (the mock's outbox); e-mail always.
    channels = ["email", "sms"] if target.lacks("sms") is None else ["email"]
    if target.mailbox is not None and target.mailbox.timeout:
        time.sleep(min(NOTHING_SENT_SECONDS, target.mailbox.timeout))  # what is on its way has time to arrive
    sent = [m for channel in channels for m in _deliveries(target, ctx.vendor, account, channel)]
    assert not sent, f"{ctx.vendor} sent {len(sent)} message(s) to {email}: {[m['subject'] for m in sent]}"


@then(step_text('the message subject is "{subject}"'))
def message_subject(subject: str, ctx: Context) -> None:
    assert ctx.message()["subject"] == subject, ctx.message()


@then(step_text('the message is sent from "{sender}"'))
def message_sender(sender: str, ctx: Context) -> None:
    assert ctx.message()["from"] == sender, ctx.message()


@then(step_text('the message text contains "{text}"'))
def message_text(text: str, ctx: Context) -> None:
    assert text in ctx.message()["text"], ctx.message()["text"]


@then(step_text('the message link starts with "{prefix}"'))
def message_link_prefix(prefix: str, ctx: Context) -> None:
    assert link_of(ctx.message()).startswith(prefix), ctx.message()["link"]


# Then: signing in ----------------------------------------------------------------------------------------------
@then(parsers.re(r'"(?P<email>[^"]+)" can (?:still )?sign in with password "(?P<password>[^"]*)"'))
def can_sign_in(email: str, password: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    response = driver.sign_in(account, ctx.real_password(account, password))
    assert response.ok, describe(response)


@then(parsers.re(r'"(?P<email>[^"]+)" can(?:not| no longer) sign in with password "(?P<password>[^"]*)"'))
def cannot_sign_in(email: str, password: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    response = driver.sign_in(account, ctx.real_password(account, password))
    assert response.status_code == driver.sign_in_refused_status, describe(response)
