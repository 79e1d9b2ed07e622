"""Shared step vocabulary for every vendor's features: accounts, the reset lifecycle, outbox, clock and responses.

How a vendor plugs in: features/<vendor>/*.feature carry the vendor's tag (@placewise, @zitadel, ...), and
test_<vendor>.py here calls `scenarios("<vendor>")`. The steps below drive the vendor through its client record
(resetkit.clients) with one `Driver` (resetkit.conform.driving): one step text means the same for every vendor.
Vendor-only steps live in the vendor's test module, send through the same driver and keep their values in
`ctx.data`.

Scenarios are tagged with what they need beyond the vendor's API (resetkit.conform.target.CAPABILITIES): @mailbox
(reads a sent e-mail), @sms, @clock (moves time), @admin, @creates_accounts. A scenario is skipped, with the
reason, only on a target that lacks one of its capabilities; everything else runs against every target.

Every request goes through the driver, which hands the answer to the test's inspector (resetkit.conform.inspection:
the whole response against the spec, stack traces in error bodies, secrets after a completed reset) before a step
reads it. A scenario whose steps use a step the vendor serves in several ways (its record's surfaces: ZITADEL's
REST and Connect, ...) runs once per surface; a vendor module narrows which scenarios with `SURFACED_STEPS`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from parse import with_pattern
from pytest_bdd import given, parsers, then, when
from pytest_bdd.scenario import scenario_wrapper_template_registry

from ....clients import CLIENTS, LABELS
from ...accounts import CannotCreateAccounts, TestAccount
from ...driving import PACER, Driver, fresh_messages, pacing_key
from ...inspection import Inspector
from ...mailbox import Message
from ...plugin import skip_unless_capable
from ...stacktraces import find_stack_trace
from ...target import Target

NOTHING_SENT_SECONDS = 1.0  # how long a mailbox that delivers later (SMTP, IMAP) is watched for a message
SECONDS_PER_UNIT = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}


@with_pattern("|".join(map(re.escape, LABELS)))  # type: ignore[untyped-decorator]
def _vendor_label(text: str) -> str:
    return LABELS[text]


def step_text(text: str) -> Any:
    """A `parse` step pattern that also knows `{name:Vendor}` (a vendor's label: Placewise, Social ID, ...)."""
    return parsers.parse(text, extra_types={"Vendor": _vendor_label})


# The world a scenario runs in ------------------------------------------------------------------------------
@dataclass
class Context:
    """What one scenario has seen so far: its accounts (by the e-mail address the feature names them by; the real
    identifiers are unique per run), the last response and the messages delivered."""

    vendor: str
    new_address: Callable[[str, str], str] = lambda local, domain: f"{local}.{uuid.uuid4().hex[:12]}@{domain}"
    accounts: dict[str, TestAccount] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # aliases introduced as accounts nobody registered
    response: requests.Response | None = None
    messages: list[Message] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def account(self, alias: str) -> TestAccount:
        assert alias in self.accounts, f'the scenario never introduced "{alias}" (add a Given step for it)'
        return self.accounts[alias]

    def introduce(self, alias: str, password: str, *, exists: bool) -> TestAccount:
        local, _, domain = alias.partition("@")
        account = TestAccount(
            vendor=self.vendor,
            id="" if exists else CLIENTS[self.vendor].unknown_id(),
            email=self.new_address(local, domain or "example.com"),
            password=password,
            phone=f"+4798{secrets.randbelow(10**8):08d}",
            username=f"{local}_{uuid.uuid4().hex[:12]}",
        )
        self.accounts[alias] = account
        if not exists:
            self.absent.add(alias)
        return account

    def existing(self) -> Iterator[TestAccount]:
        return (account for alias, account in self.accounts.items() if alias not in self.absent)

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

    def substitute(self, text: str) -> str:
        """Replace each account alias in `text` by that account's real e-mail address."""
        for alias in sorted(self.accounts, key=len, reverse=True):
            text = text.replace(alias, self.accounts[alias].email)
        return text

    def message(self, which: str = "latest") -> Message:
        assert self.messages, "no message was delivered in this scenario"
        return self.messages[0] if which == "first" else self.messages[-1]


def describe(response: requests.Response) -> str:
    return f"{response.request.method} {response.url} -> {response.status_code} {response.text[:500]}"


# Fixtures ----------------------------------------------------------------------------------------------------
def vendor_tagged(markers: Iterator[pytest.Mark]) -> str:
    tagged = {m.name for m in markers if m.name in CLIENTS}
    assert len(tagged) == 1, f"tag the feature with exactly one vendor ({', '.join(CLIENTS)}); found {tagged}"
    return tagged.pop()


@pytest.fixture
def vendor(request: pytest.FixtureRequest) -> str:
    """The vendor a scenario is about: its feature's vendor tag."""
    return vendor_tagged(request.node.iter_markers())


@pytest.fixture
def ctx(vendor: str, target: Target) -> Context:
    return Context(vendor, new_address=target.new_address)


@pytest.fixture
def driver(vendor: str, target: Target, surface: str) -> Iterator[Driver]:
    """The vendor's client on the scenario's surface."""
    with requests.Session() as session:
        yield Driver(target, CLIENTS[vendor], surface, session)


@pytest.fixture(autouse=True)
def _scenario_fits_target(request: pytest.FixtureRequest, target: Target, vendor: str) -> None:
    """Skip what the target cannot answer: a vendor it does not serve, or a capability it lacks."""
    if vendor not in target.vendors:
        pytest.skip(f"the target does not serve {vendor}")
    skip_unless_capable(request.node, target)


# Surfaces: one scenario, every way the vendor serves its flow ---------------------------------------------------
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a scenario once per surface of its vendor's client record when one of its steps uses a surfaced step
    (the vendor module's `SURFACED_STEPS` pattern; None: every scenario), so the test id names the surface."""
    if "surface" not in metafunc.fixturenames:
        return
    markers = [m for m in metafunc.definition.iter_markers() if m.name in CLIENTS]
    if len(markers) != 1:
        return
    surfaces = CLIENTS[markers[0].name].surfaces
    if len(surfaces) < 2:
        return
    pattern: re.Pattern[str] | None = getattr(metafunc.module, "SURFACED_STEPS", None)
    template = scenario_wrapper_template_registry.get(metafunc.function)
    steps = [step.name for step in template.steps] if template else []
    if pattern is None or any(pattern.search(step) for step in steps):
        metafunc.parametrize("surface", surfaces, ids=list(surfaces))


@pytest.fixture
def surface(vendor: str) -> str:
    """The surface a scenario runs on: the vendor's first one unless the scenario is parametrized over them."""
    surfaces = CLIENTS[vendor].surfaces
    return surfaces[0] if surfaces else ""


@pytest.fixture(autouse=True)
def _on_surface(surface: str) -> str:
    """Puts `surface` in every scenario's fixture closure (steps are looked up only as they run)."""
    return surface


# Rate limits: our own calls stay inside the vendor's documented budget --------------------------------------------
def empty_rate_windows(target: Target, vendor: str) -> None:
    """Let the vendor's rate windows (`x-rate-limit`) empty: move the mock's clock past them, or elsewhere wait out
    our own last calls."""
    limits = CLIENTS[vendor].rate_limits().values()
    if target.admin is not None and limits:
        target.admin.advance_clock(max(limit.window_seconds for limit in limits))
        for limit in limits:
            PACER.clear(pacing_key(vendor, limit))
        return
    for limit in limits:
        PACER.empty_window(pacing_key(vendor, limit), limit)


@pytest.fixture(autouse=True)
def _own_rate_budget(request: pytest.FixtureRequest, target: Target, vendor: str) -> None:
    """Where a vendor documents rate limits, every scenario starts with a full budget on the mock (its clock moves);
    elsewhere the driver paces its calls, after one whole window at the start of the run (the calls other suites
    made just before are not ours to count). @rate_limit scenarios empty the window themselves."""
    limits = CLIENTS[vendor].rate_limits().values()
    if not limits or vendor not in target.vendors:
        return
    if not target.is_mock:
        PACER.settle(vendor, max(limits, key=lambda limit: limit.window_seconds))
    elif request.node.get_closest_marker("rate_limit") is None:
        empty_rate_windows(target, vendor)


# Every response inspected; no secret after a reset ----------------------------------------------------------------
@pytest.fixture(autouse=True)
def _inspected(inspector: Inspector, ctx: Context, target: Target) -> Inspector:
    """Activates the response inspection for the scenario, and lets it see which messages there were just before
    a reset was completed, so that every message after it can be searched for the retired secrets."""
    if target.mailbox is not None:
        inspector.message_ids = lambda: {m["id"] for m in _messages_to_accounts(ctx, target)}
    ctx.data["inspector"] = inspector
    return inspector


def _messages_to_accounts(ctx: Context, target: Target) -> list[Message]:
    if target.mailbox is None:
        return []
    found: list[Message] = []
    for account in ctx.existing():
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


def _mailbox_for(target: Target, channel: str) -> Any:
    tag = "@sms" if channel == "sms" else "@mailbox"
    assert target.lacks(tag[1:]) is None, f"this step reads delivered messages: tag the scenario {tag}"
    assert target.mailbox is not None
    return target.mailbox


def _address(account: TestAccount, channel: str) -> str | None:
    return account.email if channel == "email" else account.phone


def _deliveries(target: Target, vendor: str, account: TestAccount, channel: str) -> list[Message]:
    found: list[Message] = _mailbox_for(target, channel).messages(vendor, _address(account, channel), channel)
    return found


def fresh_deliveries(target: Target, vendor: str, account: TestAccount, channel: str, seen: set[str]) -> list[Message]:
    """Messages to the account on `channel` not in `seen`, waiting for the first as long as the mailbox needs."""
    return fresh_messages(_mailbox_for(target, channel), vendor, _address(account, channel), seen, channel)


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
    response = driver.initiate(driver.identifier_of(account))
    assert response.ok, describe(response)
    received(ctx, target, email, "email")


@given(step_text('the reset was completed with the link from the e-mail and the new password "{password}"'))
def reset_was_completed(password: str, ctx: Context, driver: Driver) -> None:
    response = driver.complete(link_of(ctx.message()), password)
    assert response.ok, describe(response)


# When ----------------------------------------------------------------------------------------------------------
@when(step_text('a password reset is requested for "{email}"'))
def request_reset(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(driver.identifier_of(ctx.account(email)))


@when("a password reset is requested with the JSON body:")
def request_reset_with_body(docstring: str, ctx: Context, driver: Driver) -> None:
    ctx.response = request_reset_with_raw_body(ctx, driver, ctx.substitute(docstring))


@when("a password reset is requested with a body that is not valid JSON")
def request_reset_with_broken_json(ctx: Context, driver: Driver) -> None:
    ctx.response = request_reset_with_raw_body(ctx, driver, '{"identifier": "alice@example.com", ')


def request_reset_with_raw_body(ctx: Context, driver: Driver, body: str) -> requests.Response:
    """`body` verbatim as the body of the default reset request; where the request names the account outside its
    body (ZITADEL's user in the path or, over Connect, beside the body) it is the account introduced last."""
    last = list(ctx.accounts.values())[-1:]
    return driver.initiate(driver.identifier_of(last[0]) if last else "", raw=body)


@when(
    parsers.re(
        r"the reset is completed with the link from the (?P<which>first |)(?:e-mail|text message)"
        r' and the new password "(?P<password>[^"]*)"'
    )
)
def complete_reset(which: str, password: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.complete(link_of(ctx.message(which.strip() or "latest")), password)


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
    ctx.response = driver.sign_in(account, account.password_for(password))


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
    problems = CLIENTS[named_vendor].error_shape(response.status_code, ctx.json())
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
def received(ctx: Context, target: Target, alias: str, channel: str) -> Message:
    """The newest message to the account on `channel` not seen before in this scenario."""
    seen = {m["id"] for m in ctx.messages}
    fresh = fresh_deliveries(target, ctx.vendor, ctx.account(alias), channel, seen)
    assert fresh, f"no new {channel} from {ctx.vendor} to {alias}"
    ctx.messages.append(fresh[0])
    return fresh[0]


def link_of(message: Message) -> str:
    assert message.get("link"), f"the message carries no link: {message.get('text')!r}"
    return str(message["link"])


@then(step_text('"{email}" receives an e-mail with a reset link'))
def receives_email(email: str, ctx: Context, target: Target) -> None:
    link_of(received(ctx, target, email, "email"))


@then(step_text('"{email}" receives a text message with a reset link'))
def receives_text(email: str, ctx: Context, target: Target) -> None:
    link_of(received(ctx, target, email, "sms"))


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
    response = driver.sign_in(account, account.password_for(password))
    assert response.ok, describe(response)


@then(parsers.re(r'"(?P<email>[^"]+)" can(?:not| no longer) sign in with password "(?P<password>[^"]*)"'))
def cannot_sign_in(email: str, password: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    response = driver.sign_in(account, account.password_for(password))
    assert response.status_code == driver.client.refusals.wrong_password, describe(response)
