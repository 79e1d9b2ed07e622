"""`resetkit conform` against a separately started `resetkit serve`: what a user runs against a deployment."""

from __future__ import annotations

import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from resetkit.runner import free_port
from tests.conform.conftest import ROOT, ConformRun, run_conform

pytestmark = pytest.mark.slow
STARTUP_SECONDS = 30


@pytest.fixture(scope="module")
def served_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`resetkit serve --port <free>` (every vendor, strict off) in its own process; its root URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "resetkit", "serve", "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, f"resetkit serve exited with {server.returncode}; see {log.name}"
            try:
                if requests.get(f"{url}/__admin/credentials", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"resetkit serve did not answer within {STARTUP_SECONDS} s"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def remote_run(served_mock: str, tmp_path_factory: pytest.TempPathFactory) -> ConformRun:
    """One all-vendor conformance run against the served mock, with an HTML report and JUnit XML."""
    return run_conform(served_mock, tmp_path_factory.mktemp("conform"), report_name="report.html")


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
