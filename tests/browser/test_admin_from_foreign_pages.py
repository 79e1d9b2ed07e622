"""The admin surface in headless Chromium: a page on another site can neither read `/__admin` nor change the mock
(simple, preflighted and form requests alike), nor reach it under a rebound name; a page on localhost still reads
the outbox, and the inbox, its live stream and the hosted reset flow keep working, with and without an admin token.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.by import By

from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from resetkit.vendors.leadsquared import PUBLIC_AUTH_KEY

from .conftest import FOREIGN_SITE, OtherOrigin
from .test_frontend_in_browser import NEW, OLD, page_state, wait

FOREIGN_PAGE = (Path(__file__).parent / "foreign_origin.html").read_text(encoding="utf-8")
TOKEN = "browser-admin-token"
# A page on localhost: what a team's frontend in development does with the admin API.
LOOPBACK_PAGE = """<!doctype html><meta charset="utf-8"><script>
const mock = MOCK;
(async () => {
  const outbox = await fetch(mock + "/__admin/outbox?vendor=leadsquared");
  const created = await fetch(mock + "/__admin/accounts", {method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({vendor: "placewise", email: "frontend-dev@example.org", password: "Old-Passw0rd!"})});
  window.results = {outbox: outbox.status, messages: (await outbox.json()).messages, created: created.status};
})().catch((error) => { window.results = {error: String(error)}; });
</script>"""


def admin_headers(mock: LiveMock) -> dict[str, str]:
    token = mock.env.settings.admin_token
    return {"Authorization": f"Bearer {token}"} if token else {}


def send_reset(mock: LiveMock) -> dict[str, Any]:
    """A new LeadSquared account whose reset e-mail is in the outbox; the account and that message."""
    email = f"lead-{uuid.uuid4().hex[:8]}@example.org"
    body = {"vendor": "leadsquared", "email": email, "password": OLD}
    created = requests.post(f"{mock.url}/__admin/accounts", json=body, headers=admin_headers(mock), timeout=10)
    assert created.status_code == 201, created.text
    sent = requests.post(
        f"{mock.url}/leadsquared/api/Authentication/SecureForgotPassword",
        json={"EmailAddress": email},
        headers={"Authorization": PUBLIC_AUTH_KEY},
        timeout=10,
    )
    assert sent.status_code == 200, sent.text
    message = mock.env.outbox.latest(vendor="leadsquared", to=email)
    assert message is not None
    return {"id": created.json()["id"], "email": email, "token": message.token}


@pytest.fixture
def guarded_mock() -> Iterator[LiveMock]:
    """The mock with an admin token, strict."""
    with start_live_mock(Settings(port=0, strict=True, accounts=3, admin_token=TOKEN)) as live:
        yield live
    assert not live.env.violations, "\n".join(live.env.violations)


@pytest.fixture(params=["open on loopback", "with an admin token"])
def either_mock(request: pytest.FixtureRequest) -> LiveMock:
    fixture = "mock" if request.param == "open on loopback" else "guarded_mock"
    live: LiveMock = request.getfixturevalue(fixture)
    return live


def test_a_foreign_page_can_neither_read_nor_change_the_mock(
    browser: webdriver.Chrome, either_mock: LiveMock, foreign_site: OtherOrigin
) -> None:
    mock = either_mock
    canary = send_reset(mock)
    planted = f"planted-{uuid.uuid4().hex[:8]}@example.org"
    foreign_site.pages["/"] = FOREIGN_PAGE.replace("CONFIG", json.dumps({"mock": mock.url, "planted": planted}))

    browser.get(foreign_site.url + "/")
    results = wait(browser, lambda b: b.execute_script("return window.results"), "the foreign page never finished")

    outcomes = {r["name"]: r["outcome"] for r in results}
    assert outcomes == {
        "read outbox": "blocked",
        "read credentials": "blocked",
        "read the live stream": "blocked",
        "create account (preflighted)": "blocked",
        "create account (simple)": "opaque",  # sent, unreadable, and refused (below)
        "reset (simple, no body)": "opaque",
        "reset (simple, text/plain)": "opaque",
        "reset (preflighted)": "blocked",
        "clear outbox (preflighted)": "blocked",
        "move the clock (simple)": "opaque",
        "reset (form post)": "sent",
    }
    assert canary["token"] not in json.dumps(results)
    env = mock.env
    assert env.store.get_account("leadsquared", canary["id"]) is not None, "the state was reset"
    assert env.outbox.latest(vendor="leadsquared", to=canary["email"]) is not None, "the outbox was cleared"
    assert env.store.find_account("zitadel", planted) is None, "the foreign page created an account"
    assert env.clock.offset == 0, "the foreign page moved the clock"


def test_a_rebound_name_gets_nothing_from_the_mock(browser: webdriver.Chrome, mock: LiveMock) -> None:
    """DNS rebinding: the foreign site's name now points at the mock, so its pages are same-origin with it."""
    canary = send_reset(mock)
    port = mock.url.rsplit(":", 1)[1]
    for path in ("/__admin/outbox", "/__admin/credentials"):
        browser.get(f"http://{FOREIGN_SITE}:{port}{path}")
        page = browser.find_element(By.TAG_NAME, "body").text
        assert "is not this mock's" in page and canary["token"] not in page


def test_a_page_on_localhost_still_reads_the_outbox_and_creates_accounts(
    browser: webdriver.Chrome, mock: LiveMock, other_origin: OtherOrigin
) -> None:
    canary = send_reset(mock)
    other_origin.pages["/"] = LOOPBACK_PAGE.replace("MOCK", json.dumps(mock.url))
    browser.get(other_origin.url + "/")
    results = wait(browser, lambda b: b.execute_script("return window.results"), "the localhost page never finished")
    assert results.get("error") is None, results
    assert results["outbox"] == 200 and results["created"] == 201
    assert canary["token"] in {m["token"] for m in results["messages"]}


def open_inbox(browser: webdriver.Chrome, mock: LiveMock) -> None:
    """The inbox as its user opens it: through the link serve prints (with the token, when there is one)."""
    token = mock.env.settings.admin_token
    browser.get(f"{mock.url}/__admin/inbox" + (f"?token={token}" if token else ""))
    wait(browser, lambda b: b.find_elements(By.ID, "live"), "the inbox page did not load")
    assert "token=" not in browser.current_url
    live = browser.find_element(By.ID, "live")
    wait(browser, lambda b: live.get_attribute("data-state") == "open", "the inbox never went live")


def test_the_inbox_its_live_stream_and_the_hosted_reset_keep_working(
    browser: webdriver.Chrome, either_mock: LiveMock
) -> None:
    mock = either_mock
    open_inbox(browser, mock)
    assert browser.execute_script("return document.cookie") == ""  # the admin cookie is HttpOnly
    browser.execute_script("window.notReloaded = true;")
    inbox = browser.current_window_handle

    account = send_reset(mock)
    selector = f'li.message[data-to="{account["email"]}"] button'
    item = wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, selector), "the e-mail never appeared live")[0]
    assert browser.execute_script("return window.notReloaded") is True

    item.click()  # the page's own calls: the message, marking it read
    opened = wait(browser, lambda b: b.find_element(By.ID, "message"), "the message did not open")
    browser.find_element(By.ID, "check-links").click()  # and its link check, streamed
    wait(
        browser,
        lambda b: any("asking" not in row.text for row in b.find_elements(By.CSS_SELECTOR, "#links tbody tr")),
        "the link check never answered",
    )
    opened.find_element(By.CSS_SELECTOR, "a.link").click()
    wait(browser, lambda b: len(b.window_handles) == 2, "the link opened no tab")
    browser.switch_to.window(next(h for h in browser.window_handles if h != inbox))
    wait(browser, lambda b: b.find_elements(By.ID, "reset"), "the hosted reset page did not load")
    browser.find_element(By.NAME, "password").send_keys(NEW)
    browser.find_element(By.CSS_SELECTOR, "#reset button").click()
    wait(browser, lambda b: page_state(b) in ("done", "failed"), "the reset page never answered")
    assert page_state(browser) == "done", browser.find_element(By.TAG_NAME, "main").text
    browser.close()

    browser.switch_to.window(inbox)
    browser.find_element(By.ID, "clear").click()
    browser.find_element(By.ID, "confirm").click()
    wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, "li.message"), "Clear all left messages")
    assert len(mock.env.outbox) == 0


def test_the_inbox_link_works_when_clicked_on_another_page(
    browser: webdriver.Chrome, guarded_mock: LiveMock, other_origin: OtherOrigin
) -> None:
    """Where a developer finds the link: a chat or a wiki page on another site, not only the terminal."""
    link = f"{guarded_mock.url}/__admin/inbox?token={TOKEN}"
    other_origin.pages["/"] = f'<!doctype html><a id="inbox" href="{link}">the inbox</a>'
    browser.get(other_origin.url + "/")
    browser.find_element(By.ID, "inbox").click()
    live = wait(browser, lambda b: b.find_elements(By.ID, "live"), "the inbox did not open from the link")[0]
    wait(browser, lambda b: live.get_attribute("data-state") == "open", "the inbox never went live")
    assert "token=" not in browser.current_url
