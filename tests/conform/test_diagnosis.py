"""The target probe's verdict from its answers: a set-up mistake is told apart from a vendor answering as its
contract says (Social ID documents 404 for an unknown user; LeadSquared refuses a wrong sign-in with 401)."""

from __future__ import annotations

import json

import requests

from resetkit.clients import CLIENTS
from resetkit.conform.diagnosis import FATAL, FINE, LEAD, Answer, auth_headers, judge
from resetkit.conform.target import describe_error

BASE = "http://127.0.0.1:9/api"


def answer(
    status: int, body: object = None, content_type: str = "application/json", authenticated: bool = True
) -> Answer:
    response = requests.Response()
    response.status_code = status
    response.headers["Content-Type"] = content_type
    response._content = (body if isinstance(body, str) else json.dumps(body or {})).encode()
    kind = "html" if "html" in content_type else ("refused" if status in (401, 403) else "api")
    return Answer("POST /x", authenticated, response, kind=kind)


def not_found(authenticated: bool = True) -> Answer:
    found = answer(404, {"message": "Not Found"}, authenticated=authenticated)
    return Answer(found.label, authenticated, found.response, kind="not_found")


def test_404_on_every_call_is_a_wrong_base_path() -> None:
    verdict = judge("leadsquared", BASE, CLIENTS["leadsquared"], [not_found(), not_found(), not_found(False)])
    assert verdict.kind == FATAL and "every operation answered 404" in verdict.line and BASE in verdict.line


def test_html_on_every_call_names_the_page() -> None:
    page = "<html><head><title>Sign in</title></head></html>"
    answers = [answer(200, page, "text/html"), answer(200, page, "text/html"), answer(302, page, "text/html")]
    verdict = judge("zitadel", BASE, CLIENTS["zitadel"], answers)
    assert verdict.kind == FATAL and "answers HTML, not its API (a page titled 'Sign in')" in verdict.line


def test_every_call_with_the_credentials_refused_names_the_keys_to_check() -> None:
    answers = [answer(401), answer(401), answer(401, authenticated=False)]
    verdict = judge("socialid", BASE, CLIENTS["socialid"], answers)
    assert verdict.kind == FATAL and "refused (401)" in verdict.line
    assert "login_app_id" in verdict.line and "api_secret" in verdict.line


def test_a_documented_refusal_among_the_answers_is_the_vendor_speaking() -> None:
    # LeadSquared: a bogus temporary password is 400, an unknown lead's sign-in 401; the key is accepted.
    answers = [answer(400), answer(401), answer(401, authenticated=False)]
    assert judge("leadsquared", BASE, CLIENTS["leadsquared"], answers).kind == FINE


def test_one_odd_answer_among_good_ones_leads_the_report_but_does_not_stop_the_run() -> None:
    answers = [answer(400), not_found(), answer(401, authenticated=False)]
    verdict = judge("leadsquared", BASE, CLIENTS["leadsquared"], answers)
    assert verdict.kind == LEAD and "answered 404 outside the vendor's error shape" in verdict.line


def test_no_connection_at_all_is_unreachable() -> None:
    error = requests.ConnectionError(
        "Max retries exceeded (Caused by NewConnectionError('[Errno 111] Connection refused'))"
    )
    answers = [Answer("POST /x", True, error=error, kind="error")] * 3
    verdict = judge("zitadel", BASE, CLIENTS["zitadel"], answers)
    assert verdict.kind == FATAL and "unreachable (connection refused)" in verdict.line


def test_a_certificate_problem_is_a_tls_failure_with_what_to_do() -> None:
    error = requests.exceptions.SSLError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed (_ssl.c:1006)"
    )
    told = describe_error(error)
    assert told.startswith("TLS failed (certificate verify failed: self-signed)") and "REQUESTS_CA_BUNDLE" in told


def test_only_the_headers_that_carry_credentials_are_left_out_unauthenticated() -> None:
    client = CLIENTS["socialid"]
    credentials = {"login_app_id": "1", "api_secret": "s", "login_app_token": "t"}
    assert auth_headers(client, client.redeem_on(""), credentials) == ["Authorization"]
