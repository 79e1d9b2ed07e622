"""`resetkit conform` against a separately started `resetkit serve`: what a user runs against a deployment."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from resetkit.runner import free_port
from tests.conform.conftest import ConformRun, run_conform

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def remote_run(mock_run: ConformRun) -> ConformRun:
    """One all-vendor conformance run against the served mock, with an HTML report and JUnit XML (conftest.py)."""
    return mock_run


def test_the_served_mock_conforms(remote_run: ConformRun) -> None:
    assert remote_run.code == 0, f"exit {remote_run.code}; failing: {remote_run.failing()}\n{remote_run.tail()}"


def test_the_junit_file_records_no_failures(remote_run: ConformRun) -> None:
    root = ET.parse(remote_run.junit).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert sum(int(s.get("tests", 0)) for s in suites) > 0, "the JUnit file records no tests"
    assert sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites) == 0


def test_the_html_report_is_written(remote_run: ConformRun) -> None:
    report = remote_run.report.read_text(encoding="utf-8")
    assert report.startswith("<!doctype html>")
    assert "Conformance report for http://127.0.0.1:" in report


def test_an_unreachable_target_is_a_usage_error(tmp_path: Path) -> None:
    run = run_conform(f"http://127.0.0.1:{free_port()}", tmp_path)
    assert run.code == 2, run.tail()
    assert "unreachable" in run.stderr  # usage errors go to stderr (conform/cli.py)
