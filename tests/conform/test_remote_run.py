"""`resetkit conform` against a separately started `resetkit serve`: what a user runs against a deployment."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from resetkit.conform.cli import SUITES
from resetkit.runner import free_port
from resetkit.settings import ALL_VENDORS
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
    assert "<h1>Conformance report</h1><p class='target'>http://127.0.0.1:" in report
    assert "id='summary'><strong>http://127.0.0.1:" in report, "the verdict does not open the report"


def test_the_console_of_a_conforming_run_is_for_people(remote_run: ConformRun) -> None:
    said = remote_run.stdout + remote_run.stderr
    python_warning = re.search(r"[A-Za-z]+Warning\b", said)  # PytestAssertRewriteWarning, DeprecationWarning...
    assert python_warning is None and "site-packages" not in said and "Traceback" not in said, said
    assert max(len(line) for line in said.splitlines()) <= 100
    lines = said.splitlines()
    progress = [line.split()[:2] for line in lines if line.startswith("  ") and line.rstrip().endswith(" s")]
    assert progress == [[suite, vendor] for suite in SUITES for vendor in ALL_VENDORS], progress
    total = " ".join(said.rstrip().split("\n\n")[-1].split())
    first = remote_run.report.read_text(encoding="utf-8").split("<strong>", 1)[1].split("</strong>", 1)[0]
    assert html.unescape(first).endswith(total), (first, total)
    assert sum(1 for line in lines if "checks)" in line) == 1, "one total, not pytest's beside ours"


def test_the_junit_file_counts_what_the_report_counts(remote_run: ConformRun) -> None:
    root = ET.parse(remote_run.junit).getroot()
    results = [
        {p.get("name"): p.get("value") for p in case.iter("property")}["result"] for case in root.iter("testcase")
    ]
    statuses = [row[0] for row in remote_run.table().values()]
    assert sorted(results) == sorted(s for s in statuses if s != "n/a")
    assert int(root.get("skipped", -1)) == statuses.count("skip")
    assert int(root.get("failures", -1)) == statuses.count("fail")


def test_an_unreachable_target_is_a_usage_error(tmp_path: Path) -> None:
    run = run_conform(f"http://127.0.0.1:{free_port()}", tmp_path)
    assert run.code == 2, run.tail()
    assert "unreachable" in run.stderr  # usage errors go to stderr (conform/cli.py)
