"""`resetkit conform` fails a server with one planted defect, and its table and report name the defect.

Each broken server (tests/conform/broken.py) is the real mock of one vendor with strict mode off, so the only
thing that can catch the defect is the conformance run itself. Each run is narrowed (`--vendor`, `--suite`,
`--select`) to the checks that should catch its defect, to keep these runs short.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from tests.conform.broken import (
    CONNECT_ONLY_REUSABLE_CODE,
    CRASH_ON_MALFORMED_JSON,
    CROSS_ACCOUNT_CODE,
    HOST_HEADER_LINK,
    MISSING_AUTH_CHECK,
    PASSWORD_CHANGED_ON_REQUEST,
    REUSABLE_ONE_TIME_PASSWORD,
    REUSABLE_RESET_LINK,
    SECRET_AFTER_RESET,
    SECRET_IN_RESPONSE,
    STACK_TRACE_IN_ERROR,
    TIMING_LEAK,
    TRUNCATED_PASSWORDS,
    UNDOCUMENTED_STATUS,
    UNREAD_FIELD_WRONG_TYPE,
    USER_ENUMERATION,
    WRONG_FIELD_TYPE,
    BrokenServer,
    serve,
)
from tests.conform.conftest import ConformRun, markdown_rows, run_conform

pytestmark = pytest.mark.slow


def conform_against(broken: BrokenServer, tmp_path: Path, report_name: str = "report.md") -> ConformRun:
    with serve(broken) as server:
        return run_conform(
            server.url, tmp_path, "--vendor", broken.vendor, *broken.conform_options, report_name=report_name
        )


def assert_caught(run: ConformRun, item: str, check: str | None = None) -> None:
    """Exit 1; the table has `item` failing (with `check` among its details); the report says so too."""
    failing = run.failing()
    assert run.code == 1, f"exit {run.code}, expected 1 (violations found):\n{run.tail()}"
    assert item in failing, f"{item} is not failing; the failing rows are {sorted(failing)}:\n{run.tail()}"
    if check is not None:
        assert check in failing[item], f"{item} failed with {failing[item]!r}, not {check!r}"
    report = run.report.read_text(encoding="utf-8")
    if run.report.suffix == ".md":
        rows = markdown_rows(report)
        assert rows.get(item, {}).get("result") == "fail", f"the report does not list {item} as failing:\n{report}"
        assert (
            report.startswith("# Conformance report: http://127.0.0.1:") and "NOT CONFORMANT" in report.splitlines()[0]
        )
    assert run.junit.is_file(), "no JUnit file was written"


def test_planted_wrong_field_type_is_caught(tmp_path: Path) -> None:
    run = conform_against(WRONG_FIELD_TYPE, tmp_path)
    assert_caught(
        run,
        "stateless::test_leadsquared_conforms[POST /api/Authentication/SecureForgotPassword]",
        "Response violates schema",
    )


def test_planted_undocumented_status_is_caught(tmp_path: Path) -> None:
    run = conform_against(UNDOCUMENTED_STATUS, tmp_path)
    assert_caught(
        run, "stateless::test_placewise_conforms[POST /v1/auth/reset_password/send]", "Undocumented status code"
    )


def test_planted_missing_auth_check_is_caught(tmp_path: Path) -> None:
    run = conform_against(MISSING_AUTH_CHECK, tmp_path)
    assert_caught(
        run,
        "stateless::test_socialid_conforms[POST /v2/marketing/login/users/reset_password/email]",
        "API accepts invalid authentication",
    )


def test_planted_crash_on_malformed_json_is_caught(tmp_path: Path) -> None:
    run = conform_against(CRASH_ON_MALFORMED_JSON, tmp_path)
    assert_caught(run, "placewise::test_a_body_that_is_not_json_is_refused_in_the_placewise_error_shape")


def test_planted_reusable_reset_link_is_caught(tmp_path: Path) -> None:
    run = conform_against(REUSABLE_RESET_LINK, tmp_path)
    assert_caught(run, "leadsquared::test_the_link_works_only_once[older]")
    assert_caught(run, "leadsquared::test_the_link_works_only_once[v2]")


def test_planted_user_enumeration_is_caught(tmp_path: Path) -> None:
    run = conform_against(USER_ENUMERATION, tmp_path)
    assert_caught(run, "leadsquared::test_an_unknown_email_address_gets_the_same_answer_as_a_known_one")


def test_planted_secret_in_response_is_caught(tmp_path: Path) -> None:
    run = conform_against(SECRET_IN_RESPONSE, tmp_path)
    assert_caught(run, "security_profile::test_sr11_the_initiation_response_carries_no_secret[leadsquared]")


def test_planted_host_header_link_is_caught(tmp_path: Path) -> None:
    run = conform_against(HOST_HEADER_LINK, tmp_path)
    assert_caught(run, "security_profile::test_sr13_forged_host_headers_do_not_change_the_link[socialid-current-Host]")
    # The defect is planted in the current path's handler only; the deprecated alias builds its link right.
    assert (
        run.table()["security_profile::test_sr13_forged_host_headers_do_not_change_the_link[socialid-deprecated-Host]"][
            0
        ]
        == "pass"
    )


# Issue 10: the classes "check harder" added ----------------------------------------------------------------------
def test_planted_wrong_type_in_a_field_no_step_reads_is_caught(tmp_path: Path) -> None:
    run = conform_against(UNREAD_FIELD_WRONG_TYPE, tmp_path)
    assert_caught(
        run,
        "placewise::test_a_member_resets_the_password_with_the_link_from_the_email[v3]",
        "createToken (POST /v3/{loyalty_club_slug}/members/oauth/token) answered 200, which breaks the spec: "
        "body $.created_at:",
    )


def test_planted_secret_after_the_reset_is_caught(tmp_path: Path) -> None:
    run = conform_against(SECRET_AFTER_RESET, tmp_path)
    assert_caught(
        run,
        "placewise::test_a_member_resets_the_password_with_the_link_from_the_email[v3]",
        "the email 'Password changed' to",
    )
    assert (
        "sent after the reset carries the new password"
        in run.failing()["placewise::test_a_member_resets_the_password_with_the_link_from_the_email[v3]"]
    )


def test_planted_cross_account_code_is_caught_on_both_surfaces(tmp_path: Path) -> None:
    run = conform_against(CROSS_ACCOUNT_CODE, tmp_path, report_name="report.html")
    for surface in ("rest", "connect"):
        assert_caught(run, f"zitadel::test_one_users_code_cannot_set_another_users_password[{surface}]", "-> 200")
    report = run.report.read_text(encoding="utf-8")
    assert report.index("id='summary'") < report.index("id='failures'") < report.index("id='checks'")
    failure = report[report.index("<code>zitadel::test_one_users_code_cannot_set_another_users_password[rest]") :]
    assert "<pre class='request'>POST http://127.0.0.1:" in failure
    assert "<pre class='response'>200 OK" in failure
    assert html.escape("-> 200") in failure[: failure.index("<pre class='request'>")]


def test_planted_defect_on_one_surface_is_caught_on_that_surface_only(tmp_path: Path) -> None:
    run = conform_against(CONNECT_ONLY_REUSABLE_CODE, tmp_path)
    assert_caught(run, "zitadel::test_the_code_works_only_once[connect]")
    assert run.table()["zitadel::test_the_code_works_only_once[rest]"][0] == "pass"


def test_planted_stack_trace_in_an_error_body_is_caught(tmp_path: Path) -> None:
    run = conform_against(STACK_TRACE_IN_ERROR, tmp_path)
    assert_caught(
        run, "placewise::test_a_body_that_is_not_json_is_refused_in_the_placewise_error_shape", "a Ruby stack trace"
    )


def test_planted_timing_leak_is_caught(tmp_path: Path) -> None:
    run = conform_against(TIMING_LEAK, tmp_path)
    assert_caught(
        run,
        "enumeration_timing::test_sr02_known_and_unknown_accounts_take_the_same_time[placewise-v1]",
        "the answer's timing tells accounts apart: known accounts answer",
    )


def test_planted_password_change_on_request_is_caught(tmp_path: Path) -> None:
    run = conform_against(PASSWORD_CHANGED_ON_REQUEST, tmp_path)
    assert_caught(
        run,
        "passwords::test_sr17_asking_for_a_reset_changes_nothing_yet[placewise-v1]",
        "the old password stopped working before the reset",
    )


def test_planted_password_truncation_is_caught(tmp_path: Path) -> None:
    run = conform_against(TRUNCATED_PASSWORDS, tmp_path)
    assert_caught(
        run,
        "passwords::test_sr14_a_long_password_is_accepted_and_kept_whole[socialid]",
        "the password is truncated before it is checked",
    )


def test_planted_reusable_one_time_password_is_caught_on_every_way_to_ask(tmp_path: Path) -> None:
    run = conform_against(REUSABLE_ONE_TIME_PASSWORD, tmp_path)
    for way in ("email", "sms", "email-by-msisdn", "sms-deprecated"):
        assert_caught(
            run,
            f"one_time_passwords::test_sr05_a_code_signs_in_only_once[placewise-{way}]",
            "a second sign-in with one code was not refused",
        )
