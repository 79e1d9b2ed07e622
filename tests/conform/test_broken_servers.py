"""`resetkit conform` fails a server with one planted defect, and its table and report name the defect.

Each broken server (tests/conform/broken.py) is the real mock of one vendor with strict mode off, so the only
thing that can catch the defect is the conformance run itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conform.broken import (
    CRASH_ON_MALFORMED_JSON,
    HOST_HEADER_LINK,
    MISSING_AUTH_CHECK,
    REUSABLE_RESET_LINK,
    SECRET_IN_RESPONSE,
    UNDOCUMENTED_STATUS,
    USER_ENUMERATION,
    WRONG_FIELD_TYPE,
    BrokenServer,
    serve,
)
from tests.conform.conftest import ConformRun, run_conform

pytestmark = pytest.mark.slow


def conform_against(broken: BrokenServer, tmp_path: Path) -> ConformRun:
    with serve(broken) as server:
        return run_conform(server.url, tmp_path, "--vendor", broken.vendor)


def assert_caught(run: ConformRun, item: str, check: str | None = None) -> None:
    """Exit 1; the table has `item` failing (with `check` among its details); the report says so too."""
    failing = run.failing()
    assert run.code == 1, f"exit {run.code}, expected 1 (violations found):\n{run.tail()}"
    assert item in failing, f"{item} is not failing; the failing rows are {sorted(failing)}:\n{run.tail()}"
    if check is not None:
        assert check in failing[item], f"{item} failed with {failing[item]!r}, not {check!r}"
    report = run.report.read_text(encoding="utf-8")
    assert f"| `{item}` | fail |" in report, f"the report does not list {item} as failing:\n{report}"
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
    assert_caught(run, "leadsquared::test_the_link_works_only_once")


def test_planted_user_enumeration_is_caught(tmp_path: Path) -> None:
    run = conform_against(USER_ENUMERATION, tmp_path)
    assert_caught(run, "leadsquared::test_an_unknown_email_address_gets_the_same_answer_as_a_known_one")


def test_planted_secret_in_response_is_caught(tmp_path: Path) -> None:
    run = conform_against(SECRET_IN_RESPONSE, tmp_path)
    assert_caught(run, "security_profile::test_sr11_the_initiation_response_carries_no_secret[leadsquared]")


def test_planted_host_header_link_is_caught(tmp_path: Path) -> None:
    run = conform_against(HOST_HEADER_LINK, tmp_path)
    assert_caught(run, "security_profile::test_sr13_forged_host_headers_do_not_change_the_link[socialid-Host]")
