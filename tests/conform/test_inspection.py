"""The response inspection every suite request goes through: the openapi-core oracle, stack traces, secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from resetkit.conform.failures import account_of
from resetkit.conform.inspection import Inspector, Violation
from resetkit.conform.oracle import judge, spec_server
from resetkit.conform.target import Admin, Target

MOCK = "http://127.0.0.1:8123"
DETAILS = {"sequence": "2", "changeDate": "2025-03-05T21:29:22.155Z", "resourceOwner": "69629023906488334"}


def exchange(
    method: str, url: str, status: int, body: Any, *, sent: Any = None, content_type: str = "application/json"
) -> requests.Response:
    """A received response as `requests` builds it, without a server."""
    request = requests.Request(method, url, json=sent).prepare()
    response = requests.Response()
    response.status_code = status
    response.reason = "OK" if status < 400 else "Error"
    response.url = url
    response.request = request
    response.headers = requests.structures.CaseInsensitiveDict(
        {"Content-Type": content_type} if body is not None else {}
    )
    response._content = (json.dumps(body) if not isinstance(body, str) else body).encode() if body is not None else b""
    return response


@pytest.fixture
def mock_target() -> Target:
    """The mock with every vendor under /<vendor> (no server behind it: only URLs matter here)."""
    vendors = ("placewise", "zitadel", "socialid", "leadsquared")
    return Target(MOCK, vendors, {}, Admin(f"{MOCK}/__admin"))


def test_a_conforming_response_has_no_problems(mock_target: Target) -> None:
    response = exchange("POST", f"{MOCK}/zitadel/v2/users/1/password_reset", 200, {"details": DETAILS}, sent={})
    assert Inspector(mock_target).problems(response) == []


def test_a_number_where_the_spec_says_string_is_named_with_its_operation(mock_target: Target) -> None:
    body = {"details": {**DETAILS, "sequence": 2}, "verificationCode": "K7QZ2P"}
    response = exchange("POST", f"{MOCK}/zitadel/v2/users/1/password_reset", 200, body, sent={"returnCode": {}})
    [problem] = Inspector(mock_target).problems(response)
    assert "passwordReset (POST /v2/users/{userId}/password_reset) answered 200" in problem
    assert "body $.details.sequence: 2 is not of type 'string'" in problem


def test_the_connect_surface_is_judged_by_its_own_operation(mock_target: Target) -> None:
    url = f"{MOCK}/zitadel/zitadel.user.v2.UserService/SetPassword"
    [problem] = Inspector(mock_target).problems(exchange("POST", url, 400, {"code": 3, "message": "x"}))
    assert problem.startswith("connectSetPassword (POST /zitadel.user.v2.UserService/SetPassword) answered 400")


def test_an_undocumented_status_is_a_problem(mock_target: Target) -> None:
    url = f"{MOCK}/placewise/v1/auth/reset_password/send"
    [problem] = Inspector(mock_target).problems(exchange("POST", url, 202, {}))
    assert "the status is not documented for this operation" in problem


def test_an_undocumented_media_type_is_a_problem(mock_target: Target) -> None:
    url = f"{MOCK}/leadsquared/api/Authentication/Signin"
    [problem] = Inspector(mock_target).problems(exchange("POST", url, 200, "ok", content_type="text/plain"))
    assert "undocumented media type" in problem


def test_a_stack_trace_in_an_error_body_is_a_problem(mock_target: Target) -> None:
    body = {"error": "JSON::ParserError\n/app/app/controllers/auth_controller.rb:12:in `send_reset'"}
    url = f"{MOCK}/placewise/v1/auth/reset_password/send"
    problems = Inspector(mock_target).problems(exchange("POST", url, 400, body))
    assert any("a Ruby stack trace" in p for p in problems), problems


def test_a_target_serving_one_vendor_at_its_root_is_rebased_too() -> None:
    target = Target("https://staging.example.net/api", ("socialid",), {}, None)
    url = "https://staging.example.net/api/v2/marketing/login/users/reset_password/email"
    assert Inspector(target).problems(exchange("POST", url, 201, None, sent={"username": "a"})) == []


def test_admin_calls_are_not_judged_against_a_vendor(mock_target: Target) -> None:
    assert Inspector(mock_target).vendor_of(f"{MOCK}/__admin/outbox") is None
    assert Inspector(mock_target).vendor_of(f"{MOCK}/zitadelx/v2") is None
    assert Inspector(mock_target).vendor_of(f"{MOCK}/zitadel/v2/sessions") == "zitadel"


def test_the_oracle_uses_the_spec_server_with_its_variables_filled_in() -> None:
    assert spec_server("zitadel") == "https://zitadel.example.com"
    response = exchange("POST", "http://10.0.0.1:9000/v2/users/1/password", 200, {"details": DETAILS}, sent={})
    assert judge("zitadel", "http://10.0.0.1:9000", response)


def test_a_retired_secret_in_a_later_response_is_a_problem(mock_target: Target) -> None:
    inspector = Inspector(mock_target)
    inspector.retire(("N3w-Passw0rd!", "the new password"), ("K7QZ2P", "the reset code"))
    # In a declared field: ZITADEL's response schemas are closed, so an extra field would be a problem of its own.
    body = {"details": {**DETAILS, "resourceOwner": "your password is now N3w-Passw0rd%21 (code k7qz2p)"}}
    [problem] = inspector.problems(exchange("POST", f"{MOCK}/zitadel/v2/users/1/password", 200, body, sent={}))
    assert "carrying the new password, the reset code after the reset" in problem


def test_the_response_that_completes_a_reset_must_not_carry_its_secrets(mock_target: Target) -> None:
    inspector = Inspector(mock_target)
    body = {"details": {**DETAILS, "resourceOwner": "K7QZ2P"}}
    response = exchange("POST", f"{MOCK}/zitadel/v2/users/1/password", 200, body, sent={})
    with pytest.raises(AssertionError, match="the response that completed the reset carries the reset code"):
        inspector.check(response, completes=[("N3w-Passw0rd!", "the new password"), ("K7QZ2P", "the reset code")])
    assert inspector.retired_values == {"N3w-Passw0rd!", "K7QZ2P"}


def test_a_failed_completion_retires_nothing(mock_target: Target) -> None:
    inspector = Inspector(mock_target)
    body = {"code": 9, "message": "Code not found (COMMAND-2M9fs)", "details": []}
    inspector.check(exchange("POST", f"{MOCK}/zitadel/v2/users/1/password", 400, body), completes=[("x1", "a code")])
    assert inspector.retired == []


def test_a_message_after_the_reset_must_not_carry_the_new_password(mock_target: Target) -> None:
    inspector = Inspector(mock_target)
    inspector.retire(("N3w-Passw0rd!", "the new password"))
    message = {"channel": "email", "to": "a@example.org", "subject": "Password changed", "text": "Now: N3w-Passw0rd!"}
    with pytest.raises(AssertionError, match="sent after the reset carries the new password"):
        inspector.check_message(message)


def test_a_report_shows_the_exchange_as_curl_without_the_credentials(mock_target: Target) -> None:
    response = exchange("POST", f"{MOCK}/zitadel/v2/users/1/password", 200, {"details": DETAILS}, sent={"a": 1})
    response.request.headers["Authorization"] = "Bearer abcdefghijklmnop"
    account = account_of(AssertionError("the password did not change"), response)
    assert account.sent.startswith("curl -X POST http://127.0.0.1:8123/zitadel/v2/users/1/password \\\n")
    assert "-H 'Authorization: Bearer …mnop'" in account.sent and "abcdefgh" not in account.sent
    assert account.received.startswith("200 OK")
    assert account.rule == "the password did not change"


def test_a_spec_violation_carries_its_own_exchange(mock_target: Target) -> None:
    inspector = Inspector(mock_target)
    response = exchange("POST", f"{MOCK}/zitadel/v2/users/1/password", 200, {"details": {"sequence": 2}})
    with pytest.raises(Violation) as raised:
        inspector.check(response)
    account = account_of(raised.value)
    assert account.rule.startswith("setPassword (POST /v2/users/{userId}/password) answered 200, which breaks the spec")
    assert account.sent.startswith("curl -X POST") and account.received.startswith("200 OK")
