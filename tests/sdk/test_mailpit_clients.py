"""Mailpit's own clients, unchanged, read each vendor's reset mail from the mock's Mailpit view (`/__admin/mailpit`):
npm `mailpit-api`, `cypress-mailpit` (its command module, through a stand-in for Cypress's `cy`) and PyPI
`mailpit-api-client` (its API class, its pytest fixture and its unittest helper). Each lists, searches `to:` (the PyPI
client has no search: its listing is filtered), waits for the message, reads the link from the HTML and the text,
and deletes. The npm packages come from npm (tests/npm/packages.py); without npm those tests skip with the reason."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
import unittest
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from mailpit.client.api import API
from mailpit.client.models import Messages
from mailpit.testing.pytest import mailpit_api
from mailpit.testing.unittest import EMailTestCase

from resetkit.mail import message_id
from resetkit.runner import LiveMock, free_port, start_live_mock
from resetkit.settings import Settings
from tests.fixtures.resets import VENDORS, new_account, request_reset
from tests.npm.packages import MAILPIT_PACKAGES, node_modules

NPM = Path(__file__).parents[1] / "npm"
PORT = free_port()  # known when tests are collected, for the PyPI client's pytest fixture (parametrized by URL)
MAILPIT_URL = f"http://127.0.0.1:{PORT}/__admin/mailpit"
__all__ = ["mailpit_api"]  # the PyPI client's fixture, used below


@pytest.fixture(scope="session")
def mock() -> Iterator[LiveMock]:
    """Session-wide, because the PyPI client's fixture is: it cleans up through the mock at the session's end."""
    with start_live_mock(Settings(port=PORT, strict=True, accounts=1)) as live:
        yield live
    assert not live.env.violations, "\n".join(live.env.violations)


@pytest.fixture(scope="module")
def scripts() -> Path:
    """The scripts beside the installed packages (Node resolves a script's imports from its own folder)."""
    folder = node_modules(MAILPIT_PACKAGES, peers=False).parent
    for script in ("mailpit_api_flow.mjs", "cypress_mailpit.mjs"):
        shutil.copyfile(NPM / script, folder / script)
    return folder


def run_while_waiting(command: list[str], send: Callable[[], None]) -> dict[str, Any]:
    """Run a client script; once it says it is waiting for the message, send it. What the script saw."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        assert first.strip() == "waiting", first + (process.stderr.read() if process.stderr else "")
        send()
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, out + err
    seen: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return seen


def page_state(mock: LiveMock, link: str) -> str:
    """What the hosted page says about the link's code (the link is real and still redeemable)."""
    html = requests.get(link, timeout=10).text
    found = re.search(r'id="code-status" role="status" data-state="(\w+)"', html)
    assert found is not None
    return found.group(1)


# npm mailpit-api ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("vendor", VENDORS)
def test_mailpit_api_reads_each_vendors_reset(vendor: str, mock: LiveMock, scripts: Path) -> None:
    account = new_account(mock.url, vendor)
    seen = run_while_waiting(
        ["node", str(scripts / "mailpit_api_flow.mjs"), f"{mock.url}/__admin/mailpit", account["email"]],
        lambda: request_reset(mock.url, vendor, account),
    )
    assert seen["before"] == 0 and seen["to"] == [account["email"]] and seen["read"] is True
    assert seen["listed"] is True and seen["found"] == [seen["id"]]
    assert seen["htmlLink"] == seen["textLink"] and seen["textLink"] in seen["messageText"]
    assert seen["textLink"].startswith(f"{mock.url}/__admin/reset-page/{vendor}?")
    assert page_state(mock, seen["textLink"]) == "redeemable"
    assert seen["deliveredTo"] == [account["email"]]
    assert seen["deleted"] == "ok" and seen["after"] == 0


# cypress-mailpit ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("vendor", VENDORS)
def test_cypress_mailpit_reads_each_vendors_reset(vendor: str, mock: LiveMock, scripts: Path) -> None:
    account = new_account(mock.url, vendor)
    seen = run_while_waiting(
        ["node", str(scripts / "cypress_mailpit.mjs"), f"{mock.url}/__admin/mailpit", account["email"]],
        lambda: request_reset(mock.url, vendor, account),
    )
    assert seen["listed"] is True and seen["byTo"] == [seen["id"]] and seen["bySearch"] == 1
    assert seen["recipients"] == [account["email"]] and seen["sender"].startswith("no-reply@")
    assert seen["htmlLink"] == seen["textLink"] and seen["textLink"] in seen["messageText"]  # through //view/
    assert page_state(mock, seen["textLink"]) == "redeemable"
    assert seen["unread"] == 1
    assert mock.env.outbox.find(to=account["email"]) == []


# PyPI mailpit-api-client ------------------------------------------------------------------------------------------
def wait_for(api: API, email: str, timeout: float = 10) -> Messages:
    """The PyPI client has no wait: poll its listing until a message to `email` is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = api.get_messages()
        if any(contact.address == email for m in listed.messages for contact in m.to):
            return listed
        time.sleep(0.1)
    raise AssertionError(f"no message to {email} within {timeout} s")


@pytest.mark.parametrize("vendor", VENDORS)
def test_mailpit_api_client_reads_each_vendors_reset(vendor: str, mock: LiveMock) -> None:
    api = API(f"{mock.url}/__admin/mailpit", timeout=10)
    account = new_account(mock.url, vendor)
    request_reset(mock.url, vendor, account)
    listed = wait_for(api, account["email"])
    (summary,) = [m for m in listed.messages if any(c.address == account["email"] for c in m.to)]
    assert summary.read is False and listed.total >= 1
    message = api.get_message(summary.id)
    link = re.search(r'href="([^"]+)"', message.html or "")
    text_link = re.search(r"https?://\S+", message.text or "")
    assert link is not None and text_link is not None and link.group(1).replace("&amp;", "&") == text_link.group(0)
    assert page_state(mock, text_link.group(0)) == "redeemable"
    headers = api.get_message_headers(summary.id)
    assert headers.delivered_to == [account["email"]] and headers.date[0].timestamp() <= time.time()
    api.put_messages([summary.id], "Read", False)
    assert [m.read for m in api.get_messages().messages if m.id == summary.id] == [False]
    api.delete_messages([summary.id])
    assert all(m.id != summary.id for m in api.get_messages().messages)


# An id without the port: each xdist worker has its own, and the workers must collect the same names.
@pytest.mark.parametrize("mailpit_api", [MAILPIT_URL], ids=["the mock"], indirect=True)
def test_mailpit_api_client_pytest_fixture_reads(mock: LiveMock, mailpit_api: API) -> None:
    account = new_account(mock.url, "leadsquared")
    request_reset(mock.url, "leadsquared", account)
    second = new_account(mock.url, "socialid")
    request_reset(mock.url, "socialid", second)
    listed = wait_for(mailpit_api, second["email"])
    assert {account["email"], second["email"]} <= {c.address for m in listed.messages for c in m.to}
    # At the session's end the fixture deletes what it lists (a form of several `ids`); a failure there is an error.


def test_mailpit_api_client_unittest_helper_sees_a_received_message(mock: LiveMock) -> None:
    account = new_account(mock.url, "zitadel")
    request_reset(mock.url, "zitadel", account)
    received = message_id(mock.env.outbox.find(to=account["email"])[0])

    class Received(EMailTestCase):
        api_url = f"{mock.url}/__admin/mailpit"

        def test_received(self) -> None:
            self.assertMessageReceived(received)

        def test_not_received(self) -> None:
            with self.assertRaises(self.failureException):
                self.assertMessageReceived("never-sent@example.org")

    result = unittest.TextTestRunner(stream=io.StringIO()).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Received)
    )
    assert result.wasSuccessful(), result.failures + result.errors
