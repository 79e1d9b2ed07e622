"""The client records (resetkit.clients): each request names a real operation, every template value is one a
client has, and what a record says agrees with its spec and with the mock it is a client of."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pytest

from resetkit.clients import CLIENTS, VENDORS, Client, Request
from resetkit.clients.base import ACCOUNT_NAMES, prepare, route
from resetkit.settings import ALL_VENDORS

ACCOUNT_VALUES = {"email", "id", "phone", "username", "given_name", "family_name"}
FLOW_VALUES = {"identifier", "secret", "password", "session"}


def requests_of(client: Client) -> Iterator[tuple[str, Request]]:
    for step in ("initiate", "redeem", "sign_in"):
        for surface, request in getattr(client, step).items():
            yield f"{step}[{surface}]", request
    if client.handout is not None:
        yield from ((f"handout[{surface}]", r) for surface, r in client.handout.requests.items())
    if client.accounts is not None:
        yield "accounts.create", client.accounts.create
        yield "accounts.remove", client.accounts.remove
    if client.session is not None:
        yield "session", client.session.request
    if client.one_time_passwords is not None:
        yield from ((f"one_time_passwords[{name}]", d.request) for name, d in client.one_time_passwords.send.items())
    for name, verification in client.verifications.items():
        yield f"verifications[{name}].send", verification.send.request
        yield f"verifications[{name}].confirm", verification.confirm


REQUESTS = [(client, name, request) for client in CLIENTS.values() for name, request in requests_of(client)]
IDS = [f"{client.name}-{name}" for client, name, _ in REQUESTS]


def test_every_vendor_the_server_serves_has_a_client_record() -> None:
    assert tuple(CLIENTS) == VENDORS == ALL_VENDORS


@pytest.mark.parametrize(("client", "name", "request_"), REQUESTS, ids=IDS)
def test_every_request_names_an_operation_of_its_spec(client: Client, name: str, request_: Request) -> None:
    if request_.outside_spec is None:
        assert request_.operation in client.spec.operations, f"{client.name}.{name}: no operation {request_.operation}"
    else:
        assert request_.operation not in client.spec.operations, "an operation the spec has takes its path from it"


@pytest.mark.parametrize(("client", "name", "request_"), REQUESTS, ids=IDS)
def test_every_template_value_is_one_a_client_has(client: Client, name: str, request_: Request) -> None:
    credentials = dict.fromkeys(client.credential_keys(), "x")
    known = set(credentials) | set(client.derive(credentials)) | ACCOUNT_VALUES | FLOW_VALUES
    method, path = route(request_, client.operation(request_))
    used = request_.placeholders() | set(re.findall(r"\{(\w+)\}", path))
    assert used <= known, f"{client.name}.{name} uses {sorted(used - known)}"


@pytest.mark.parametrize("client", CLIENTS.values(), ids=VENDORS)
def test_a_record_says_why_exactly_when_the_redeeming_request_names_no_account(client: Client) -> None:
    assert client.names_account == (client.unnamed_account == "")
    named = {bool(ACCOUNT_NAMES & request.placeholders()) for request in client.redeem.values()}
    assert named == {client.names_account}


@pytest.mark.parametrize("client", CLIENTS.values(), ids=VENDORS)
def test_the_spec_says_how_long_every_secret_a_client_is_given_lives(client: Client) -> None:
    issuing = [*client.initiate.values(), *(client.handout.requests.values() if client.handout else ())]
    assert all(client.lifetime(request) for request in issuing), client.secret.lifetime


@pytest.mark.parametrize("client", CLIENTS.values(), ids=VENDORS)
def test_the_mocks_credentials_are_the_keys_the_record_knows(client: Client) -> None:
    served = importlib.import_module(f"resetkit.vendors.{client.name}").VENDOR.credentials()
    required = {key for key, credential in client.credential_keys().items() if credential.required}
    assert required <= set(served) <= set(client.credential_keys())


def test_a_label_names_one_vendor() -> None:
    assert len({client.label for client in CLIENTS.values()}) == len(CLIENTS)


# Filling in a template -----------------------------------------------------------------------------------------------
def test_a_value_that_is_the_whole_template_keeps_its_type() -> None:
    placewise = CLIENTS["placewise"]
    request = placewise.initiate["v1"]
    values = placewise.values({"loyalty_club_slug": "club", "client_token": "t"}, identifier=["a@x.example", "b@y"])
    assert prepare(request, placewise.operation(request), values).json == {"identifier": ["a@x.example", "b@y"]}


def test_path_parameters_are_encoded_but_addresses_read_as_written() -> None:
    request = Request("sendRegistrationPasswordSms", path={"msisdn": "{phone}"})
    placewise = CLIENTS["placewise"]
    prepared = prepare(request, placewise.operation(request), {"loyalty_club_slug": "a b/c", "phone": "+4791000001"})
    assert prepared.path == "/v3/a%20b%2Fc/members/by_msisdn/+4791000001/send_registration_password"


def test_connect_names_the_user_first_in_the_body() -> None:
    zitadel = CLIENTS["zitadel"]
    request = zitadel.handout.requests["connect"] if zitadel.handout else zitadel.initiate["connect"]
    prepared = prepare(request, zitadel.operation(request), {"identifier": "42", "access_token": "t"})
    assert list(prepared.json) == ["userId", "returnCode"] and prepared.addressing == {"userId": "42"}
    assert prepared.headers["Connect-Protocol-Version"] == "1"


@pytest.mark.parametrize(("phone", "sent"), [("", False), ("+4791000001", True)], ids=["without", "with"])
def test_an_optional_member_is_sent_only_with_its_value(phone: str, sent: bool) -> None:
    zitadel = CLIENTS["zitadel"]
    assert zitadel.accounts is not None
    create = zitadel.accounts.create
    values = dict.fromkeys(ACCOUNT_VALUES, "v") | {"phone": phone, "password": "p", "access_token": "t"}
    assert ("phone" in prepare(create, zitadel.operation(create), values).json) is sent


def test_a_call_outside_the_spec_keeps_its_own_method_and_path() -> None:
    zitadel = CLIENTS["zitadel"]
    assert zitadel.accounts is not None
    prepared = prepare(zitadel.accounts.remove, None, {"id": "7", "access_token": "t"})
    assert (prepared.method, prepared.path) == ("DELETE", "/v2/users/7")


def test_a_link_gives_the_secret_and_the_account_it_names() -> None:
    params = {"userID": "42", "code": "ABC123", "orgID": "1"}
    assert CLIENTS["zitadel"].link_values(params) == {**params, "secret": "ABC123", "id": "42"}
    assert CLIENTS["placewise"].link_values({"token": "t", "email": "a@x.example"}) == {
        "token": "t",
        "email": "a@x.example",
        "secret": "t",
    }


def test_an_msisdn_in_a_placewise_path_is_digits_as_documented() -> None:
    placewise = CLIENTS["placewise"]
    assert placewise.one_time_passwords is not None
    request = placewise.one_time_passwords.send["sms"].request
    values = placewise.values({"loyalty_club_slug": "club", "client_token": "t"}, phone="+4791000001")
    assert prepare(request, placewise.operation(request), values).path == (
        "/v3/club/members/by_msisdn/4791000001/send_one_time_password_via_sms"
    )


@pytest.mark.parametrize("client", CLIENTS.values(), ids=VENDORS)
def test_the_spec_says_how_long_every_code_a_client_is_sent_lives(client: Client) -> None:
    codes = client.one_time_passwords
    deliveries = [(d.request, codes.secret) for d in codes.send.values()] if codes else []
    deliveries += [(v.send.request, v.secret) for v in client.verifications.values()]
    assert all(client.lifetime(request, secret) for request, secret in deliveries)


def test_derived_values_follow_the_values_they_come_from() -> None:
    socialid = CLIENTS["socialid"]
    right = socialid.values({"login_app_id": "138", "api_secret": "s"})["login_app_basic"]
    wrong = socialid.values({"login_app_id": "138", "api_secret": "s"}, api_secret="wrong")["login_app_basic"]
    assert right == "MTM4OnM=" and wrong != right


def test_the_suites_see_one_resetkit_in_a_checkout() -> None:
    """Loading the suites' plugin makes the source folder's name mean the installed package (no second copy)."""
    importlib.import_module("resetkit.conform.plugin")
    assert importlib.import_module("mocks.conform.driving") is importlib.import_module("resetkit.conform.driving")
