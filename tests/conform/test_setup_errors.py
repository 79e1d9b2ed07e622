"""Set-up mistakes are caught before any check runs, each as exit 2 with one line that says what to change, and
a wrong target is diagnosed by a few probe calls instead of hundreds of failing checks. These are the first hour
of a new user, run as one would: `resetkit serve` in another process, `resetkit conform` from the checkout."""

from __future__ import annotations

import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.conform.conftest import ConformRun, markdown_rows, run_conform, serving

pytestmark = pytest.mark.slow
LEADSQUARED_KEYS = {"access_key": "a", "secret_key": "s", "public_auth_key": "p"}


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`resetkit serve` (every vendor, under /<vendor>) in its own process: its root URL."""
    with serving(tmp_path_factory.mktemp("serve")) as url:
        yield url


def answering(status: int, content_type: str, body: bytes) -> Iterator[str]:
    """A server that answers every request the same: what a wrong base path or a login page looks like."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def not_found_everywhere() -> Iterator[str]:
    yield from answering(404, "application/json", b'{"error": "not found"}')


@pytest.fixture(scope="module")
def login_page() -> Iterator[str]:
    yield from answering(
        200, "text/html; charset=utf-8", b"<html><head><title>Sign in - Acme SSO</title></head></html>"
    )


def credentials(tmp_path: Path, data: object) -> str:
    path = tmp_path / "creds.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def assert_one_line_set_up_error(run: ConformRun, *expected: str) -> str:
    """Exit 2, one line on stderr naming what is expected, no traceback anywhere, and the report says so."""
    assert run.code == 2, f"exit {run.code}:\n{run.tail()}"
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    assert "Traceback" not in run.stdout + run.stderr and "site-packages" not in run.stdout + run.stderr
    assert "Not run: set-up error." in run.report.read_text(encoding="utf-8")
    return lines[0]


def test_a_credentials_file_missing_a_key_names_the_key_and_what_it_is_for(mock: str, tmp_path: Path) -> None:
    part = credentials(tmp_path, {"leadsquared": {"access_key": "x"}})
    run = run_conform(mock, tmp_path, "--vendor", "leadsquared", "--credentials", part)
    assert_one_line_set_up_error(run, "leadsquared needs public_auth_key (header Authorization (raw, no Bearer)")


def test_a_mistyped_account_key_is_caught_before_the_run(mock: str, tmp_path: Path) -> None:
    mistyped = {"leadsquared": {**LEADSQUARED_KEYS, "accounts": [{"emial": "qa@example.com", "password": "x"}]}}
    run = run_conform(mock, tmp_path, "--vendor", "leadsquared", "--credentials", credentials(tmp_path, mistyped))
    assert_one_line_set_up_error(run, "leadsquared.accounts[1] has no key emial; did you mean email")


def test_a_target_that_answers_404_everywhere_is_told_in_one_line(not_found_everywhere: str, tmp_path: Path) -> None:
    keys = credentials(tmp_path, {"leadsquared": LEADSQUARED_KEYS})
    run = run_conform(not_found_everywhere, tmp_path, "--vendor", "leadsquared", "--credentials", keys)
    line = assert_one_line_set_up_error(run, "every operation answered 404", "is --target the API's base URL")
    assert "POST /api/Authentication/Signin" in line
    assert len((run.stdout + run.stderr).splitlines()) <= 40


def test_a_target_that_answers_html_is_told_in_one_line(login_page: str, tmp_path: Path) -> None:
    keys = credentials(tmp_path, {"leadsquared": LEADSQUARED_KEYS})
    run = run_conform(login_page, tmp_path, "--vendor", "leadsquared", "--credentials", keys)
    assert_one_line_set_up_error(run, "answers HTML, not its API (a page titled 'Sign in - Acme SSO')")


def test_credentials_every_call_refuses_are_told_in_one_line(mock: str, tmp_path: Path) -> None:
    wrong = credentials(tmp_path, {"leadsquared": LEADSQUARED_KEYS})
    run = run_conform(mock, tmp_path, "--vendor", "leadsquared", "--credentials", wrong)
    assert_one_line_set_up_error(run, "every call with the credentials was refused (401)", "check public_auth_key")


def test_a_tls_failure_is_told_in_one_line(mock: str, tmp_path: Path) -> None:
    run = run_conform(mock.replace("http://", "https://"), tmp_path, "--vendor", "leadsquared")
    assert_one_line_set_up_error(run, "TLS failed")


def test_a_target_without_a_scheme_is_asked_about(mock: str, tmp_path: Path) -> None:
    bare = mock.removeprefix("http://")
    run = run_conform(bare, tmp_path, "--vendor", "leadsquared")
    assert_one_line_set_up_error(run, f"--target {bare} has no scheme: did you mean http://{bare}")


def test_a_credentials_file_without_the_vendor_says_so(mock: str, tmp_path: Path) -> None:
    other = credentials(tmp_path, {"zitadel": {"access_token": "t"}})
    run = run_conform(mock, tmp_path, "--vendor", "leadsquared", "--credentials", other)
    assert_one_line_set_up_error(run, "creds.yaml has no entry for leadsquared (it has zitadel): add `leadsquared:")


def test_a_mock_vendor_mount_is_recognised_and_the_root_named(mock: str, tmp_path: Path) -> None:
    run = run_conform(f"{mock}/leadsquared", tmp_path, "--vendor", "leadsquared")
    assert_one_line_set_up_error(
        run, f"{mock}/leadsquared is the leadsquared mount of a resetkit mock", f"--target {mock} --vendor leadsquared"
    )


def test_a_mock_vendor_mount_with_credentials_runs_as_a_deployment_and_says_so_first(mock: str, tmp_path: Path) -> None:
    import requests

    keys = credentials(
        tmp_path, {"leadsquared": requests.get(f"{mock}/__admin/credentials", timeout=5).json()["leadsquared"]}
    )
    run = run_conform(
        f"{mock}/leadsquared", tmp_path, "--vendor", "leadsquared", "--credentials", keys, "--suite", "contract"
    )
    assert run.code == 0, run.tail()
    lead = f"{mock}/leadsquared is the leadsquared mount of a resetkit mock, checked as a deployment"
    assert lead in " ".join(run.stdout.split())
    assert run.report.read_text(encoding="utf-8").splitlines()[2].startswith(f"> {lead}")


def test_select_matching_nothing_names_what_can_be_selected(mock: str, tmp_path: Path) -> None:
    run = run_conform(mock, tmp_path, "--vendor", "leadsquared", "--select", "no_such_check")
    line = assert_one_line_set_up_error(run, "--select 'no_such_check' matches none of the", "check names such as")
    assert "see the output above" not in line


def test_a_select_expression_pytest_cannot_read_is_told_in_one_line(mock: str, tmp_path: Path) -> None:
    run = run_conform(mock, tmp_path, "--vendor", "leadsquared", "--select", "sr13 and")
    assert_one_line_set_up_error(run, "--select 'sr13 and' is not an expression pytest -k reads")


def test_a_set_up_error_writes_a_junit_file_with_one_errored_case(mock: str, tmp_path: Path) -> None:
    run = run_conform(mock.removeprefix("http://"), tmp_path, "--vendor", "leadsquared")
    assert run.code == 2
    root = ET.parse(run.junit).getroot()
    assert (root.get("tests"), root.get("errors"), root.get("failures"), root.get("skipped")) == ("1", "1", "0", "0")
    [error] = root.iter("error")
    assert error.get("message") == run.stderr.strip().removeprefix("resetkit conform: ")


def test_junit_counts_a_warning_as_a_passed_case_with_its_finding(mock: str, tmp_path: Path) -> None:
    run = run_conform(mock, tmp_path, "--vendor", "leadsquared", "--suite", "security", "--select", "sr18")
    assert run.code == 0, run.tail()
    rows = markdown_rows(run.report.read_text(encoding="utf-8"))
    warned = {check for check, row in rows.items() if row["result"] == "warn"}
    assert warned, rows
    root = ET.parse(run.junit).getroot()
    assert root.get("skipped") == "0" and root.get("failures") == "0"
    assert int(root.get("tests", 0)) == len(rows)
    for case in root.iter("testcase"):
        if case.get("name") in warned:
            properties = {p.get("name"): p.get("value") for p in case.iter("property")}
            assert properties["result"] == "warn" and properties["requirement"] == "SR-18"
            assert properties["finding"].startswith("FINDING SR-18")
            assert case.find("skipped") is None and case.find("failure") is None
            assert (case.findtext("system-out") or "").startswith("warning: FINDING SR-18")


def test_a_mailbox_port_conform_cannot_listen_on_is_told_before_the_run(mock: str, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        url = f"smtp://127.0.0.1:{taken.getsockname()[1]}"
        run = run_conform(mock, tmp_path, "--vendor", "leadsquared", "--mailbox", url)
    assert_one_line_set_up_error(run, f"--mailbox {url}: conform cannot listen there (address already in use)")
