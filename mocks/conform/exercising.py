"""The one executor of the coverage model (resetkit.clients.coverage): a valid request per derived item, its effect
observed as the vendor's client record says, a documented status provoked, a lifetime checked at its edge.

An `Exerciser` is one check's client: a fresh account (when a request names one), the values its requests need
(the credentials, the account, and values the record says where to take from: an earlier answer or a delivered
message) and the vendor's `Driver`, which paces, sends and inspects every request (the spec oracle, stack traces).
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import requests

from ..clients import COVERAGE, Client, Request
from ..clients.base import fill, placeholders, prepare
from ..clients.coverage import (
    PROVOCATIONS,
    Answer,
    Coverage,
    Delivered,
    Effect,
    Exercise,
    FromAnswer,
    FromMessage,
    Item,
    LifetimeUse,
    NothingDelivered,
    Patch,
    Path,
    Provocation,
    ReadBack,
    Source,
    Then,
    is_read,
    matching,
    raw_operation,
    request_body_schema,
    resolver,
    sample,
)
from ..openapi.spec import Operation, VendorSpec
from .accounts import TestAccount
from .driving import INITIAL_PASSWORD, PACER, Driver, empty_rate_windows, fresh_messages, link_params, pacing_key
from .mailbox import Message
from .outcomes import not_applicable

ACCOUNT_VALUES = ("email", "id", "phone", "username", "identifier", "password")
# Moves whose status comes before the vendor looks anything up: their request may carry stand-in values.
BEFORE_ANY_LOOKUP = frozenset(
    {
        "no_credentials",
        "wrong_credentials",
        "malformed_body",
        "wrong_media_type",
        "invalid_value",
        "missing_header",
        "unknown_path",
        "unknown_account",
    }
)
# Values nobody used before, one per check: a new password, and a new account's identity where a request creates one.
NEW_VALUES: dict[str, Callable[[Driver], str]] = {
    "new_password": lambda driver: f"Nw-{secrets.token_hex(5)}-Pa1!",
    "new_email": lambda driver: driver.target.new_address("cov", "example.org"),
    "new_username": lambda driver: f"cov-{driver.target.run_id}-{secrets.token_hex(4)}",
    "new_phone": lambda driver: f"+4798{secrets.randbelow(10**6):06d}",
}
EDGE_MARGIN_SECONDS = 5.0  # how long before its documented end a thing is used and must still work
LONGEST_REAL_WAIT = 600.0  # on a deployment (--wait-expiry), longer lifetimes are not waited for
NOTHING_SENT_SECONDS = 1.0  # how long a mailbox that delivers later (SMTP, IMAP) is watched for a message
BASIC = "basic_"  # `{basic_<scheme>}`: HTTP Basic's credential, from the record's schemathesis auth pair
NOT_A_NAME = re.compile(r"\W")
MAX_DEPTH = 6  # values taken from answers that need values taken from answers...


class RecordGap(Exception):
    """The client record does not say how to do something this check needs (reported as not covered)."""


# What a check needs beyond the vendor's API, known before it runs ------------------------------------------------
def capabilities(item: Item, coverage: Coverage, client: Client) -> set[str]:
    """The capabilities (target.CAPABILITIES) the item's check needs, as far as the record tells before it runs."""
    found: set[str] = set()
    if coverage.why_not_applicable(item) is not None or (item.kind == "lifetime" and item.lifetime is None):
        return found  # not applicable anywhere: no capability would change that
    exercise = coverage.exercises.get(item.operation)
    request = exercise.request if exercise is not None else None
    effects: tuple[Effect, ...] = ()
    if exercise is not None and (item.kind == "alternative" or (item.kind == "flag" and not item.member)):
        effects = (matching(exercise.alternative_effects, item.key) if item.kind == "alternative" else None) or (
            exercise.effects
        )
    requests_used = [e.request for e in effects if isinstance(e, Then | ReadBack)]
    found |= {_channel_capability(e.channel) for e in effects if isinstance(e, Delivered | NothingDelivered)}
    if item.kind == "lifetime":
        found |= {"clock", "creates_accounts"}
        use = lifetime_use(coverage, item)
        if use is not None:
            requests_used.append(use.use)
            if use.thing == "message":
                found.add(_delivery_channel(exercise))
    if item.kind == "flag":
        found.add("creates_accounts")
    names: set[str] = set()
    if item.kind == "status" and item.status is not None and item.status // 100 != 2:
        provocation = coverage.provocation(item.operation, item.status)
        if provocation is None:
            return found
        if provocation.how == "expired":
            found.add("clock")
        request = provocation.send or request
        stand_ins = provocation.stand_ins if provocation.stand_ins is not None else provocation.how in BEFORE_ANY_LOOKUP
        if stand_ins and request is not None:  # only the credentials are real
            names |= placeholders(credential_templates(client, request, client.spec.operations[item.operation]))
            request = None
        requests_used += [r for r in (provocation.before,) if r is not None]
    if request is not None:
        requests_used.append(request)
    for used in requests_used:
        names |= request_names(used, client.operation(used))
    closure = _closure(names, coverage, client)
    found |= {_channel_capability(s.channel) for n in closure if isinstance(s := coverage.values.get(n), FromMessage)}
    if closure & set(ACCOUNT_VALUES):
        found.add("creates_accounts")
    return found


def credential_templates(client: Client, request: Request, operation: Operation) -> list[str]:
    """The templates of the request's headers and query parameters that carry its credentials."""
    header_names, query_names = scheme_places(client, operation)
    found = [v for k, v in request.headers.items() if k.lower() in header_names]
    return found + [v for k, v in request.query.items() if k in query_names]


def scheme_places(client: Client, operation: Operation) -> tuple[set[str], set[str]]:
    """(headers, query parameters) the operation's credentials travel in."""
    header_names, query_names = set(), set()
    for names in operation.security:
        for name in names:
            scheme = client.spec.security_schemes[name]
            if scheme.type == "http":
                header_names.add("authorization")
            elif scheme.location == "query" and scheme.key_name:
                query_names.add(scheme.key_name)
            elif scheme.key_name:
                header_names.add(scheme.key_name.lower())
    return header_names, query_names


def _channel_capability(channel: str) -> str:
    return "sms" if channel == "sms" else "mailbox"


def request_names(request: Request, operation: Operation | None) -> set[str]:
    """The values a request names: its templates', and each path parameter it leaves to the value of its name."""
    names = request.placeholders()
    for parameter in operation.parameters if operation is not None else ():
        if parameter.location == "path" and parameter.name not in request.path:
            names.add(parameter.name)
    return names


def _closure(names: set[str], coverage: Coverage, client: Client) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = coverage.values.get(name)
        if source is not None:
            todo += request_names(source.request, client.operation(source.request))
    return seen


def _delivery_channel(exercise: Exercise | None) -> str:
    for effect in exercise.effects if exercise else ():
        if isinstance(effect, Delivered):
            return _channel_capability(effect.channel)
    return "mailbox"


def lifetime_use(coverage: Coverage, item: Item) -> LifetimeUse | None:
    what = item.key.removeprefix("lifetime:")
    return coverage.lifetimes.get(f"{item.operation}/{what}") or coverage.lifetimes.get(what)


# Reading answers ---------------------------------------------------------------------------------------------
def dig(document: Any, dotted: str) -> Any:
    """The value at a dotted path (`user.human.email.isVerified`, `loginNames.1`); KeyError when it is not there."""
    node = document
    for part in dotted.split(".") if dotted else ():
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(dotted)
    return node


def find_suffix(document: Any, suffix: Path) -> tuple[bool, Any]:
    """(found, value) of the first member whose path ends with `suffix` (a flag read back where the read keeps it)."""
    for path, value in _members(document, ()):
        if path[-len(suffix) :] == tuple(str(part) for part in suffix):
            return True, value
    return False, None


def _members(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, str(key)), value
            yield from _members(value, (*path, str(key)))


def _flatten(document: Any, prefix: str = "answer") -> dict[str, Any]:
    """Every member of an answer as a template value: `answer_access_token`, `answer_challenges_otpEmail`."""
    found: dict[str, Any] = {}
    if isinstance(document, dict):
        for key, value in document.items():
            name = prefix + "_" + NOT_A_NAME.sub("_", str(key))
            found[name] = value
            found |= _flatten(value, name)
    return found


def _json(response: requests.Response) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def describe(response: requests.Response) -> str:
    return f"{response.request.method} {response.url} -> {response.status_code} {response.text[:300]}"


# Changing a body ------------------------------------------------------------------------------------------------
def _parts(path: Path | str) -> list[str | int]:
    if isinstance(path, str):
        return [int(p) if p.isdigit() else p for p in path.split(".")]
    return list(path)


def _has(body: Any, path: Path | str) -> bool:
    node = body
    for part in _parts(path):
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def put(body: Any, path: Path | str, value: Any) -> None:
    """Set a member, creating the objects (and lists) on the way; a value of None removes it."""
    parts = _parts(path)
    node = body
    for at, part in enumerate(parts[:-1]):
        following: Any = [] if isinstance(parts[at + 1], int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append(copy.deepcopy(following))
            node = node[part]
        else:
            if not isinstance(node.get(part), dict | list):
                if value is None:
                    return
                node[part] = following
            node = node[part]
    last = parts[-1]
    if value is None:
        if isinstance(node, dict):
            node.pop(last, None)
        return
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def apply_patch(body: Any, patch: Patch) -> Any:
    """The body with an alternative's members dropped, required and set."""
    body = copy.deepcopy(body if body is not None else {})
    for path in patch.drop:
        put(body, path, None)
    for path, value in patch.require:
        if not _has(body, path):
            put(body, path, copy.deepcopy(value))
    for path, value in patch.set:
        put(body, path, copy.deepcopy(value))
    return body


# The executor -----------------------------------------------------------------------------------------------------
@dataclass
class Exerciser:
    """One check's client of one vendor: its account, its values, and the vendor's driver."""

    driver: Driver
    coverage: Coverage = field(default_factory=Coverage)
    values: dict[str, Any] = field(default_factory=dict)
    account: TestAccount | None = None
    # Whether the values a request names may be stand-ins (an unknown account's, placeholders for what answers and
    # messages would give): for a status that comes before any lookup, no account is used up and nothing is sent.
    stand_ins: bool = False
    _nobody: dict[str, Any] = field(default_factory=dict, init=False, repr=False)  # the unknown account stand-ins name

    @classmethod
    def of(cls, driver: Driver) -> Exerciser:
        """The exerciser of the driver's vendor, observing as its client record's `COVERAGE` says."""
        return cls(driver, COVERAGE[driver.vendor])

    @property
    def client(self) -> Client:
        return self.driver.client

    @property
    def vendor(self) -> str:
        return self.driver.vendor

    def operation(self, name: str) -> Operation:
        return self.client.spec.operations[name]

    # Values -------------------------------------------------------------------------------------------------------
    def value(self, name: str, depth: int = 0) -> Any:
        """The value a template names: given, the account's, the credentials', or taken where the record says."""
        if name in self.values:
            return self.values[name]
        found: Any
        if self.stand_ins and name in ACCOUNT_VALUES:
            self._nobody = self._nobody or self.unknown_account()
            found = self._nobody[name]
        elif self.stand_ins and name in self.coverage.values:
            found = f"stand-in-{name}-{secrets.token_hex(4)}"
        elif name in ACCOUNT_VALUES:
            account = self.ensure_account()
            found = {
                **account.values,
                "identifier": self.driver.identifier_of(account),
                "password": account.password_for(INITIAL_PASSWORD),
            }[name]
        elif name.startswith(BASIC):
            entry = self.client.schemathesis.auth[name.removeprefix(BASIC)]
            values = self.filled(entry["username"], entry["password"], depth=depth)
            pair = f"{fill(entry['username'], values)}:{fill(entry['password'], values)}"
            found = base64.b64encode(pair.encode()).decode()
        elif name in NEW_VALUES:
            found = NEW_VALUES[name](self.driver)
        elif name in self.coverage.values:
            if depth > MAX_DEPTH:
                raise RecordGap(f"the values the client record takes from answers go round in a circle at {name}")
            found = self.source(self.coverage.values[name], depth + 1)
        elif name in self.client.credential_keys():
            found = self.client.credential(self.driver.credentials, name)
            if found is None:
                purpose = self.client.credential_keys()[name].purpose
                pytest.skip(f"the credentials give no {name} ({purpose})")
        else:
            derived = self.client.derive(self.driver.values())
            if name not in derived:
                raise RecordGap(f"the client record gives no value for {{{name}}}")
            found = derived[name]
        self.values[name] = found
        return found

    def names_in(self, request: Request) -> set[str]:
        """The values a request names: its templates', and each path parameter it leaves to the value of its name."""
        return request_names(request, self.client.operation(request))

    def ensure_account(self) -> TestAccount:
        if self.account is None:
            self.account = self.driver.new_account()
        return self.account

    def filled(self, *templates: Any, depth: int = 0) -> dict[str, Any]:
        """Every value the templates name, resolved, plus whatever is known already."""
        names: set[str] = set()
        for template in templates:
            names |= self.names_in(template) if isinstance(template, Request) else placeholders(template)
        for name in sorted(names):
            self.value(name, depth)
        return {**self.driver.values(), **self.values}

    def source(self, source: Source, depth: int) -> Any:
        if isinstance(source, FromAnswer):
            response = self.send(source.request, depth=depth)
            assert response.ok, f"{source.request.operation}, for a value a check needs, failed: {describe(response)}"
            found = dig(_json(response), source.member)
            if source.pattern is not None:
                match = re.search(source.pattern, str(found))
                assert match, f"{source.member} = {found!r} does not match {source.pattern}"
                found = match.group(1)
            return found
        message = self.delivery(source.request, source.channel, depth=depth)
        return self.secret_of(message, source.link_parameter)

    def secret_of(self, message: Message, parameter: str | None = None) -> str:
        """A message's secret: the link's parameter the record names, else the one the mailbox found."""
        if parameter is not None:
            found = link_params(message.get("link") or "").get(parameter)
            if found:
                return found
        return str(message.get("token") or self.driver.secret_in(message))

    # Sending -------------------------------------------------------------------------------------------------------
    def address(self, channel: str, to: str | None = None) -> str:
        """The account's address on `channel`, or the one the template `to` names."""
        if to is not None:
            return str(fill(to, self.filled(to)))
        account = self.ensure_account()
        address = account.phone if channel == "sms" else account.email
        assert address, f"the account has no {'phone' if channel == 'sms' else 'e-mail address'}"
        return address

    def seen(self, channel: str, to: str | None = None) -> set[str]:
        if channel == "sms" and (reason := self.driver.target.lacks("sms")) is not None:
            pytest.skip(f"@sms: {reason}")
        address = self.address(channel, to)
        return {
            m["id"] for m in fresh_messages(self.driver.mailbox(), self.vendor, address, set(), channel, wait=False)
        }

    def delivery(self, request: Request, channel: str, depth: int = 0) -> Message:
        """Send `request` and return the message it delivers to the account on `channel`."""
        seen = self.seen(channel)
        response = self.send(request, depth=depth)
        assert response.ok, f"{request.operation}, for a message a check needs, failed: {describe(response)}"
        fresh = fresh_messages(self.driver.mailbox(), self.vendor, self.address(channel), seen, channel)
        assert fresh, f"{request.operation} delivered no {channel} message to the account"
        return fresh[0]

    def send(
        self,
        request: Request,
        *,
        patch: Patch | None = None,
        members: Mapping[str, Any] | None = None,
        headers: Mapping[str, str | None] | None = None,
        depth: int = 0,
        media_type: str | None = None,
        paced: bool = True,
    ) -> requests.Response:
        """`request` with its values, an alternative's patch and the record's members applied, through the driver."""
        operation = self.client.operation(request)
        values = self.filled(request, members or {}, depth=depth)
        headers = dict(headers or {})
        if patch is not None and patch.where in ("query", "header", "path"):
            (where, literal), *_ = patch.set
            name = str(where[0])
            if patch.where == "header":
                headers[name] = str(literal)
            elif patch.where == "query":
                request = replace(request, query={**request.query, name: str(literal)})
            else:
                request = replace(request, path={**request.path, name: str(literal)})
        prepared = prepare(request, operation, values)
        form = request.form is not None
        body: Any = prepared.form if form else prepared.json
        changes = patch is not None and patch.where in ("body", "form")
        if changes or members:
            if body is None:
                body = {}
            if patch is not None and changes:
                body = apply_patch(body, patch)
            for member, template in (members or {}).items():
                put(body, member, fill(template, values))
        if form:
            response = self.driver.send(
                request, values, form={k: str(v) for k, v in (body or {}).items()}, headers=headers, paced=paced
            )
        elif body is None and prepared.json is None:
            response = self.driver.send(request, values, headers=headers, paced=paced, media_type=media_type)
        else:
            response = self.driver.send(request, values, json=body, headers=headers, paced=paced, media_type=media_type)
        self.adopt_created(request, response)
        return response

    def adopt_created(self, request: Request, response: requests.Response) -> None:
        """An account the request created is removed after the run with the ones the checks asked for."""
        exercise = self.coverage.exercises.get(request.operation)
        if exercise is None or exercise.creates is None or not response.ok:
            return
        try:
            created = dig(_json(response), exercise.creates)
        except KeyError:
            return
        self.driver.target.accounts.adopt(self.vendor, str(created))

    # The exercise of an operation -----------------------------------------------------------------------------------
    def exercise(self, name: str) -> Exercise:
        """The record's exercise of the operation, else one built from the spec (its example, the record's
        parameters and credentials), whose effect is its answer alone."""
        found = self.coverage.exercises.get(name)
        return found if found is not None else Exercise(request_from_spec(self.client, self.coverage, name))

    # Checks ---------------------------------------------------------------------------------------------------------
    def check_alternative(self, item: Item) -> None:
        """The alternative, on an otherwise valid request, is accepted and has its effect."""
        exercise = self.exercise(item.operation)
        members = matching(exercise.variants, item.key) or {}
        effects = matching(exercise.alternative_effects, item.key) or exercise.effects
        patch = item.patch
        if patch is not None and patch.where == "security":
            exercise = replace(exercise, request=self.security_alternative(exercise.request, item))
            patch = None
        self.accepted_with_effects(item, exercise, effects, patch=patch, members=members)

    def security_alternative(self, request: Request, item: Item) -> Request:
        """The request signed with the item's security requirement only (where the operation documents several)."""
        operation = self.operation(item.operation)
        if len(operation.security) < 2 or item.patch is None:
            return request
        header_names, query_names = self.scheme_places(operation)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in header_names}
        query = {k: v for k, v in request.query.items() if k not in query_names}
        for scheme in item.patch.schemes:
            scheme_headers, scheme_query = credentials_for(self.client, scheme)
            headers |= scheme_headers
            query |= scheme_query
        return replace(request, headers=headers, query=query)

    def accepted_with_effects(
        self,
        item: Item,
        exercise: Exercise,
        effects: tuple[Effect, ...],
        *,
        patch: Patch | None = None,
        members: Mapping[str, Any] | None = None,
        sent: Any = None,
        shown_later: bool = False,
    ) -> requests.Response:
        """Send the exercise's request (with the alternative's patch and members): it must be accepted, and each
        effect observed; with none named, only a read is covered by its answer (`shown_later`: a read follows)."""
        places = {(e.channel, e.to) for e in effects if isinstance(e, Delivered | NothingDelivered)}
        seen = {place: self.seen(*place) for place in sorted(places, key=str)}
        response = self.send(exercise.request, patch=patch, members=members)
        assert response.status_code // 100 == 2, f"{item.label} was not accepted: {describe(response)}"
        if not effects and not shown_later and not is_read(self.operation(item.operation)):
            pytest.skip(f"accepted ({response.status_code}); the client record names nothing that shows its effect")
        self.values |= _flatten(_json(response))
        for effect in effects:
            self.observe(effect, response, seen, sent)
        return response

    def observe(
        self, effect: Effect, response: requests.Response, seen: Mapping[tuple[str, str | None], set[str]], sent: Any
    ) -> None:
        if isinstance(effect, Answer):
            try:
                found = dig(_json(response), effect.member)
            except KeyError:
                raise AssertionError(f"the answer carries no {effect.member}: {describe(response)}") from None
            assert found not in (None, "", [], {}), f"the answer's {effect.member} is empty: {describe(response)}"
            if effect.equals is not None:
                expected = fill(effect.equals, self.filled(effect.equals))
                assert found == expected, f"the answer's {effect.member} is {found!r}, not {expected!r}"
        elif isinstance(effect, Delivered):
            fresh = fresh_messages(
                self.driver.mailbox(),
                self.vendor,
                self.address(effect.channel, effect.to),
                seen[(effect.channel, effect.to)],
                effect.channel,
            )
            assert fresh, f"no {effect.channel} message reached {self.address(effect.channel, effect.to)}"
            link = fresh[0].get("link") or ""
            if effect.link is not None:
                assert re.search(effect.link, link), f"the message's link {link!r} does not match {effect.link}"
            self.values["message_secret"] = self.secret_of(fresh[0], effect.link_parameter)
            self.values["message_link"] = fresh[0].get("link") or ""
        elif isinstance(effect, NothingDelivered):
            if self.driver.target.mailbox is not None and self.driver.target.mailbox.timeout:
                time.sleep(NOTHING_SENT_SECONDS)
            fresh = fresh_messages(
                self.driver.mailbox(),
                self.vendor,
                self.address(effect.channel, effect.to),
                seen[(effect.channel, effect.to)],
                effect.channel,
                wait=False,
            )
            assert not fresh, f"a {effect.channel} message was sent: {[m.get('subject') for m in fresh]}"
        elif isinstance(effect, Then):
            later = self.send(effect.request)
            if effect.refused:
                assert later.status_code in effect.refused, (
                    f"afterwards {effect.request.operation} was not refused with {sorted(effect.refused)}: "
                    f"{describe(later)}"
                )
            else:
                assert later.ok, f"afterwards {effect.request.operation} failed: {describe(later)}"
                if effect.carries is not None:
                    self.observe(Answer(effect.carries), later, seen, sent)
        else:
            expected = effect.expected if effect.expected is not None else sent
            self.read_back(effect.request, effect.member.split("."), expected, exact_path=True)

    def read_back(
        self, request: Request, member: list[str], expected: Any, *, exact_path: bool = False, zero: Any = False
    ) -> None:
        """`request`'s answer shows `expected` at `member` (or, without `exact_path`, at a path ending so); a read
        that leaves the member out shows `zero` (protobuf JSON leaves zero values out: false, an enum's first)."""
        response = self.send(request)
        assert response.ok, f"reading back with {request.operation} failed: {describe(response)}"
        answer = _json(response)
        if exact_path:
            try:
                found, value = True, dig(answer, ".".join(member))
            except KeyError:
                found, value = False, None
        else:
            found, value = find_suffix(answer, tuple(member))
        if not found and expected in (False, zero):
            return
        assert found, f"{request.operation} shows no {'.'.join(member)}: {describe(response)}"
        assert value == expected, f"{request.operation} shows {'.'.join(member)} = {value!r}, not {expected!r}"

    # Flags ------------------------------------------------------------------------------------------------------
    def check_flag(self, item: Item) -> None:
        """Each value of the member, set on a valid request, is what the named read shows afterwards."""
        exercise = self.exercise(item.operation)
        if not item.member:  # declared by the record: the exercise's ReadBack effects
            self.accepted_with_effects(item, exercise, exercise.effects)
            return
        read = exercise.read
        if read is None:
            raise RecordGap(f"the client record names no read that shows what {item.operation} set")
        for value in item.values:
            fresh = Exerciser(self.driver.fork(), self.coverage)
            patch = Patch("body", set=((item.member, value),))
            members = matching(exercise.variants, f"body:{'.'.join(map(str, item.member))}={_text(value)}") or {}
            fresh.accepted_with_effects(item, exercise, (), patch=patch, members=members, shown_later=True)
            fresh.read_back(read, [str(p) for p in item.member[-2:]], value, zero=item.values[0])

    # Statuses -----------------------------------------------------------------------------------------------------
    def check_status(self, item: Item) -> None:
        assert item.status is not None
        operation = self.operation(item.operation)
        exercise = self.exercise(item.operation)
        if item.status // 100 == 2:
            response = self.send(exercise.request)
            if response.status_code != item.status and str(response.status_code) in operation.responses:
                not_applicable(
                    self.vendor,
                    f"the same request answered {response.status_code}, the other "
                    f"success status the contract documents beside {item.status}",
                )
            assert response.status_code == item.status, f"expected {item.status}: {describe(response)}"
            return
        provocation = self.coverage.provocation(item.operation, item.status)
        if provocation is None:
            raise RecordGap(f"the client record names no way to provoke {item.status}")
        if provocation.needs_extension and provocation.needs_extension not in operation.extensions:
            not_applicable(self.vendor, provocation.otherwise)
        response = self.provoke(item, exercise, provocation)
        assert response.status_code == item.status, (
            f"the documented {item.status} did not come for {explain(provocation)}: {describe(response)}"
        )
        documented = operation.response_for(item.status)
        has_body = documented is not None and bool(documented.media)
        problems = self.client.error_shape(item.status, _json(response)) if item.status >= 400 and has_body else []
        assert not problems, f"the {item.status} body is not in the vendor's error shape: {'; '.join(problems)}"

    def provoke(self, item: Item, exercise: Exercise, provocation: Provocation) -> requests.Response:
        operation = self.operation(item.operation)
        request = provocation.send or exercise.request
        self.values |= dict(provocation.values)
        headers: dict[str, str | None] = {
            name: None if value is None else str(fill(value, self.filled(value)))
            for name, value in provocation.headers.items()
        }
        if provocation.before is not None:
            first = self.send(provocation.before)
            assert first.ok, (
                f"{provocation.before.operation}, before provoking {item.status}, failed: {describe(first)}"
            )
        how = provocation.how
        if how == "malformed_body" and operation.body is None:
            how = "invalid_value"  # nothing to garble: a parameter that breaks its schema instead
        if provocation.stand_ins if provocation.stand_ins is not None else how in BEFORE_ANY_LOOKUP:
            self.filled(*self.credential_templates(request, operation))  # credentials are checked first: real ones
            self.stand_ins = True
        if how == "no_credentials":
            request, headers = self.without_credentials(request, operation, headers)
        elif how == "wrong_credentials":
            request, headers = self.wrong_credentials(request, operation, headers)
        elif how == "unknown_path":
            request = self.unknown_path(request, operation)
        elif how == "unknown_account":
            self.values |= self.unknown_account()  # also where a check's values would otherwise be real
        elif how == "missing_header":
            required = [p.name for p in operation.parameters if p.location == "header" and p.required]
            if not required:
                not_applicable(self.vendor, "the operation requires no header in the contract")
            headers |= dict.fromkeys(required, None)
            request = replace(request, headers={k: v for k, v in request.headers.items() if k.lower() not in required})
        elif how == "expired":
            self.filled(request, provocation.members)
            seconds = self.longest_lifetime(provocation.after)
            self.age(seconds + 1)
        elif how == "rate_limit":
            return self.exceed_rate_limit(item, request, provocation)
        elif how == "invalid_value":
            request, members = self.violating(request, operation)
            return self.send(request, members={**members, **provocation.members}, headers=headers)
        if how == "malformed_body":
            values = self.filled(request)
            return self.driver.send(request, values, raw='{"unterminated": ', headers=headers)
        if how == "wrong_media_type":
            return self.send(request, members=provocation.members, headers=headers, media_type="text/plain")
        if how == "twice":
            first = self.send(request, members=provocation.members, headers=headers)
            assert first.ok, f"the first of two identical requests failed: {describe(first)}"
        return self.send(request, members=provocation.members, headers=headers)

    def credential_templates(self, request: Request, operation: Operation) -> list[str]:
        return credential_templates(self.client, request, operation)

    def scheme_places(self, operation: Operation) -> tuple[set[str], set[str]]:
        return scheme_places(self.client, operation)

    def without_credentials(
        self, request: Request, operation: Operation, headers: dict[str, str | None]
    ) -> tuple[Request, dict[str, str | None]]:
        header_names, query_names = self.scheme_places(operation)
        request = replace(
            request,
            headers={k: v for k, v in request.headers.items() if k.lower() not in header_names},
            query={k: v for k, v in request.query.items() if k not in query_names},
        )
        return request, headers | dict.fromkeys(header_names, None)

    def wrong_credentials(
        self, request: Request, operation: Operation, headers: dict[str, str | None]
    ) -> tuple[Request, dict[str, str | None]]:
        wrong = f"wrong-{secrets.token_hex(8)}"
        request, found = self.without_credentials(request, operation, headers)
        query = dict(request.query)
        for names in operation.security[:1]:
            for name in names:
                scheme = self.client.spec.security_schemes[name]
                if scheme.type == "http" and scheme.scheme == "basic":
                    found["Authorization"] = "Basic " + base64.b64encode(f"nobody:{wrong}".encode()).decode()
                elif scheme.type == "http":
                    found["Authorization"] = f"Bearer {wrong}"
                elif scheme.location == "query" and scheme.key_name:
                    query[scheme.key_name] = wrong
                elif scheme.key_name:
                    found[scheme.key_name] = wrong
        return replace(request, query=query), found

    def unknown(self, parameter: str, request: Request) -> str:
        """A value nobody has for a path parameter, in the form of the value it stands for."""
        template = request.path.get(parameter, f"{{{parameter}}}")
        names = placeholders(template)
        if names & {"id"}:
            return self.client.unknown_id() or f"unknown-{secrets.token_hex(6)}"
        if names & {"email"} or (names & {"identifier"} and self.client.identifier == "email"):
            return f"nobody-{secrets.token_hex(5)}@example.org"
        if names & {"phone"}:
            return f"+4799{secrets.randbelow(10**7):07d}"
        return f"unknown-{secrets.token_hex(6)}"

    def unknown_account(self) -> dict[str, Any]:
        """The account values of an account nobody has."""
        email = f"nobody-{secrets.token_hex(5)}@example.org"
        unknown_id = self.client.unknown_id() or f"unknown-{secrets.token_hex(6)}"
        values = {
            "email": email,
            "id": unknown_id,
            "phone": f"+4799{secrets.randbelow(10**7):07d}",
            "username": f"nobody-{secrets.token_hex(5)}",
            "password": INITIAL_PASSWORD,
        }
        values["identifier"] = values.get(self.client.identifier, email)
        return values

    def unknown_path(self, request: Request, operation: Operation) -> Request:
        """Every path parameter filled from a value (not a fixed one) replaced by a value nobody has."""
        path = dict(request.path)
        for parameter in (p for p in operation.parameters if p.location == "path"):
            template = request.path.get(parameter.name, f"{{{parameter.name}}}")
            if placeholders(template):
                path[parameter.name] = self.unknown(parameter.name, request)
        return replace(request, path=path)

    def violating(self, request: Request, operation: Operation) -> tuple[Request, dict[str, Any]]:
        """The request with one value the schema forbids: a body member of the wrong type, else a path parameter
        that breaks its format, pattern, enum or length."""
        resolve = resolver(self.client.spec.document)
        _, schema = request_body_schema(self.client.spec, operation)
        node, _ = resolve(schema)
        merged: dict[str, Any] = dict(node) if isinstance(node, dict) else {}
        parts = [*merged.get("allOf", ()), *merged.get("oneOf", ())[:1], *merged.get("anyOf", ())[:1]]
        for part in parts:  # the members a composed body has (its first branch's, where it has branches)
            resolved, _ = resolve(part)
            merged = {
                **merged,
                "properties": {**resolved.get("properties", {}), **merged.get("properties", {})},
                "required": [*merged.get("required", ()), *resolved.get("required", ())],
            }
        properties = merged.get("properties") or {}
        for name in dict.fromkeys([*merged.get("required", ()), *properties]):
            prop, _ = resolve(properties.get(name, {}))
            kind = prop.get("type") if isinstance(prop, dict) else None
            if kind == "string" or (isinstance(kind, list) and "string" in kind):
                return request, {name: 12345}
            if kind in ("object", "array", "boolean", "integer", "number"):
                return request, {name: f"not-a-{kind}"}
        spec_path = raw_parameters(self.client.spec, operation, "path")
        for name, parameter_schema in spec_path.items():
            bad = breaking(resolve(parameter_schema)[0])
            if bad is not None:
                return replace(request, path={**request.path, name: bad}), {}
        for name, parameter_schema in raw_parameters(self.client.spec, operation, "query").items():
            bad = breaking(resolve(parameter_schema)[0])
            if bad is not None:
                return replace(request, query={**request.query, name: bad}), {}
        raise RecordGap("no body member, path or query parameter whose schema a value can break")

    # Time -----------------------------------------------------------------------------------------------------------
    def age(self, seconds: float) -> None:
        """Let `seconds` pass: the mock's clock moves; a deployment (--wait-expiry) is waited for in real time."""
        target = self.driver.target
        if target.admin is not None:
            target.admin.advance_clock(seconds)
            for limit in self.client.rate_limits().values():
                if limit.window_seconds <= seconds:  # the server's window emptied as its clock moved
                    PACER.clear(pacing_key(self.vendor, limit))
            return
        if seconds > LONGEST_REAL_WAIT:
            pytest.skip(f"@clock: waiting {seconds:g} s in real time is not practical (the mock's clock moves)")
        time.sleep(seconds)

    def longest_lifetime(self, what: str | None) -> float:
        found = [s for op in self.client.spec for name, s in op.lifetimes.items() if name == what and s is not None]
        if not found:
            raise RecordGap(f"the spec gives no lifetime named {what}")
        return max(found)

    def exceed_rate_limit(self, item: Item, request: Request, provocation: Provocation) -> requests.Response:
        operation = self.operation(item.operation)
        limit = operation.rate_limit
        if limit is None:
            not_applicable(self.vendor, "the contract gives no rate limit to reach (no x-rate-limit)")
        self.filled(request, provocation.members)  # what the burst needs is fetched before the window starts
        if self.driver.target.admin is not None:
            empty_rate_windows(self.driver.target, self.vendor)
        else:
            PACER.empty_window(pacing_key(self.vendor, limit), limit)
        answers = [self.send(request, members=provocation.members, paced=False) for _ in range(limit.limit + 1)]
        assert all(a.status_code != 429 for a in answers[:-1]), "refused within the documented limit"
        return answers[-1]

    # Lifetimes ---------------------------------------------------------------------------------------------------
    def check_lifetime(self, item: Item) -> None:
        """Issued, the thing works just before its documented end; issued again, it is refused just after it."""
        if item.lifetime is None:
            not_applicable(self.vendor, "no fixed end (x-lifetimes: null)")
        use = lifetime_use(self.coverage, item)
        if use is None:
            raise RecordGap(f"the client record names no way to use {item.label}")
        if self.driver.target.admin is None and item.lifetime > LONGEST_REAL_WAIT:
            pytest.skip(f"@clock: waiting {item.lifetime:g} s in real time is not practical (the mock's clock moves)")
        exercise = self.exercise(item.operation)
        for when, seconds in (("before", item.lifetime - EDGE_MARGIN_SECONDS), ("after", item.lifetime + 1)):
            thing = self.issue(item, exercise, use)
            self.age(seconds)
            response = self.use(use, thing)
            if when == "before":
                assert response.ok, (
                    f"{item.label}: {seconds:g} s after it was issued (before its end) {use.use.operation} failed: "
                    f"{describe(response)}"
                )
            else:
                assert response.status_code in use.refused, (
                    f"{item.label}: {seconds:g} s after it was issued (past its end) {use.use.operation} was not "
                    f"refused with {sorted(use.refused)}: {describe(response)}"
                )

    def issue(self, item: Item, exercise: Exercise, use: LifetimeUse) -> Any:
        members = dict(use.members)
        if use.thing == "message":
            channel = next((e.channel for e in exercise.effects if isinstance(e, Delivered)), "email")
            seen = self.seen(channel)
            response = self.send(exercise.request, members=members)
            assert response.ok, f"issuing {item.label} failed: {describe(response)}"
            fresh = fresh_messages(self.driver.mailbox(), self.vendor, self.address(channel), seen, channel)
            assert fresh, f"issuing {item.label} delivered no {channel} message"
            link_parameter = next((e.link_parameter for e in exercise.effects if isinstance(e, Delivered)), None)
            return self.secret_of(fresh[0], link_parameter)
        response = self.send(exercise.request, members=members)
        assert response.ok, f"issuing {item.label} failed: {describe(response)}"
        return dig(_json(response), use.thing.removeprefix("answer."))

    def use(self, use: LifetimeUse, thing: Any) -> requests.Response:
        self.values["thing"] = thing
        return self.send(use.use)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def raw_parameters(spec: Any, operation: Operation, where: str) -> dict[str, Any]:
    """The schema of each parameter of the operation `where` (path, query) says."""
    resolve = resolver(spec.document)
    path_item = spec.document["paths"][operation.path]
    found: dict[str, Any] = {}
    for raw in (*path_item.get("parameters", ()), *raw_operation(spec, operation).get("parameters", ())):
        parameter, _ = resolve(raw)
        if parameter.get("in") == where:
            found[parameter["name"]] = parameter.get("schema", {})
    return found


def breaking(schema: Any) -> str | None:
    """A path segment or query value the schema forbids (None when any string would do)."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if kind in ("boolean", "integer", "number"):
        return f"not-a-{kind}"
    if schema.get("enum"):
        return "not-in-the-enum"
    if schema.get("format") == "email":
        return "not-an-address"
    if "pattern" in schema:
        return "!not-the-pattern!"
    if "maxLength" in schema:
        return "x" * (int(schema["maxLength"]) + 1)
    return None


def explain(provocation: Provocation) -> str:
    """What a provocation sends, in a few words (for a failure message)."""
    if provocation.how != "as_is":
        return PROVOCATIONS[provocation.how]
    changed = [*provocation.values, *provocation.members, *provocation.headers]
    sent = f"a {provocation.send.operation} request" if provocation.send is not None else "the valid request"
    return f"{sent} with another {', '.join(changed)}" if changed else sent


# An operation the record gives no exercise: a request built from the spec -----------------------------------------
def request_from_spec(client: Client, coverage: Coverage, name: str, spec: VendorSpec | None = None) -> Request:
    """A request of the operation from the spec alone: its first request example (else a sample of its schema),
    path parameters from the record's `parameters` (else the value of their name), required headers and query
    parameters from `parameters`, and the credentials of its first security requirement."""
    spec = spec or client.spec
    operation = spec.operations[name]
    named = {p.name: coverage.parameters[p.name] for p in operation.parameters if p.name in coverage.parameters}
    path = {p.name: named.get(p.name, f"{{{p.name}}}") for p in operation.parameters if p.location == "path"}
    query = {p.name: named[p.name] for p in operation.parameters if p.location == "query" and p.name in named}
    headers = {p.name: named[p.name] for p in operation.parameters if p.location == "header" and p.name in named}
    for scheme in operation.security[0] if operation.security else ():
        scheme_headers, scheme_query = credentials_for(client, scheme, spec)
        headers |= scheme_headers
        query |= scheme_query
    media, schema = request_body_schema(spec, operation)
    body = None
    if schema is not None:
        content = (raw_operation(spec, operation).get("requestBody") or {}).get("content", {}).get(media, {})
        examples = [resolver(spec.document)(e)[0] for e in (content.get("examples") or {}).values()]
        body = examples[0].get("value") if examples and isinstance(examples[0], dict) else None
        if body is None:
            body = sample(schema, resolver(spec.document))
    if media == "application/x-www-form-urlencoded":
        return Request(name, path=path, query=query, headers=headers, form=body or {})
    return Request(name, path=path, query=query, headers=headers, json=body)


def credentials_for(
    client: Client, scheme: str, spec: VendorSpec | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query) templates that carry a security scheme's credentials, from the record's schemathesis auth
    entry for it."""
    entry = client.schemathesis.auth.get(scheme)
    definition = (spec or client.spec).security_schemes.get(scheme)
    if entry is None or definition is None:
        raise RecordGap(f"the client record gives no credentials for {scheme}")
    if "api_key" in entry and definition.key_name:
        place = {definition.key_name: entry["api_key"]}
        return ({}, place) if definition.location == "query" else (place, {})
    if "bearer" in entry:
        return {"Authorization": f"Bearer {entry['bearer']}"}, {}
    if "username" in entry and "password" in entry:
        return {"Authorization": f"Basic {{{BASIC}{scheme}}}"}, {}
    raise RecordGap(f"the client record's credentials for {scheme} are neither a key, a bearer nor a Basic pair")
