"""The fuzz gate fails when it should: a planted 5xx and a planted hang are findings (a gate that cannot fail
proves nothing). Each runs schemathesis briefly against one Social ID operation of a strict mock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .run import FuzzedMock, Limits, fuzzed_mock, run_hostile_headers, run_vendor, send_hostile_bodies

BRIEF = Limits(budget=5, max_examples=5, seed=1, hostile=False)
OPERATION = "sendResetPasswordEmail"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[FuzzedMock]:
    with fuzzed_mock() as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_faults(fuzzed: FuzzedMock) -> Iterator[None]:
    yield
    fuzzed.mock.env.faults.clear()


def test_a_clean_run_has_no_findings(fuzzed: FuzzedMock, tmp_path: Path) -> None:
    run = run_vendor(fuzzed, "socialid", tmp_path, BRIEF)
    assert run.findings == []
    assert run.test_cases > 0 and run.requests > 0


def test_a_5xx_is_a_finding(fuzzed: FuzzedMock, tmp_path: Path) -> None:
    fuzzed.mock.env.faults.add("socialid", OPERATION, status=503, times=1)
    run = run_vendor(fuzzed, "socialid", tmp_path, BRIEF)
    assert any(finding.startswith("5xx: ") and "-> 503" in finding for finding in run.findings), run.findings


def test_a_hang_is_a_finding(fuzzed: FuzzedMock, tmp_path: Path) -> None:
    fuzzed.mock.env.faults.add("socialid", OPERATION, delay_ms=8000, times=1)
    run = run_vendor(fuzzed, "socialid", tmp_path, BRIEF)
    assert any(finding.startswith("hang: ") for finding in run.findings), run.findings


def test_hostile_bodies_get_answers_below_500(fuzzed: FuzzedMock, tmp_path: Path) -> None:
    run_vendor(fuzzed, "socialid", tmp_path, BRIEF)  # the accepted requests the hostile bodies replay
    errors_before = len(fuzzed.tally.server_errors)
    assert send_hostile_bodies(fuzzed, "socialid") == []
    assert fuzzed.tally.server_errors[errors_before:] == []


def test_hostile_header_values_get_answers_below_500(fuzzed: FuzzedMock, tmp_path: Path) -> None:
    run_vendor(fuzzed, "socialid", tmp_path, BRIEF)  # the accepted requests the hostile values replay on
    ran = run_hostile_headers(fuzzed)
    assert ran.cases > 0 and ran.findings == []


def test_a_5xx_to_a_hostile_header_value_is_a_finding(fuzzed: FuzzedMock, tmp_path: Path) -> None:
    run_vendor(fuzzed, "socialid", tmp_path, BRIEF)
    fuzzed.mock.env.faults.add("socialid", OPERATION, status=500, times=1)
    assert any(" 500 " in finding for finding in run_hostile_headers(fuzzed).findings)
