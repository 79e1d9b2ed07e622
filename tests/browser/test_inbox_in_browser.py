"""The inbox in headless Chromium: search, open a message, switch its tabs and widths, check a fresh and a used link
(the words differ), clear after confirming; an SMS shown as one; times relative with the exact one on hover; the
hosted page telling a used link apart; and the README's EventSource snippet, run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from resetkit.runner import LiveMock
from tests.fixtures.resets import new_account, request_reset

WAIT = 20
README = Path(__file__).parents[2] / "README.md"


def wait(browser: webdriver.Chrome, condition: Any, message: str) -> Any:
    """Until `condition` holds; an element the live page replaced while it was read means "look again"."""
    return WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)


def open_inbox(browser: webdriver.Chrome, mock: LiveMock, **query: str) -> None:
    browser.get(f"{mock.url}/__admin/inbox" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""))
    wait(browser, lambda b: b.find_element(By.ID, "live").get_attribute("data-state") == "open", "never went live")


def shown(browser: webdriver.Chrome) -> list[str]:
    return [item.get_attribute("data-to") or "" for item in browser.find_elements(By.CSS_SELECTOR, "li.message")]


def open_message(browser: webdriver.Chrome, to: str) -> WebElement:
    browser.find_element(By.CSS_SELECTOR, f'li.message[data-to="{to}"] button').click()
    return wait(browser, lambda b: b.find_element(By.ID, "message"), "the message did not open")


def tab(opened: WebElement, name: str) -> None:
    opened.find_element(By.CSS_SELECTOR, f'[role=tab][data-tab="{name}"]').click()


def check_links(browser: webdriver.Chrome) -> WebElement:
    """The link check's first row once its answer arrived."""
    browser.find_element(By.ID, "check-links").click()
    return wait(
        browser,
        lambda b: next(
            (row for row in b.find_elements(By.CSS_SELECTOR, "#links tbody tr") if "asking" not in row.text), None
        ),
        "the link check never answered",
    )


def redeem(mock: LiveMock, account: dict[str, str]) -> str:
    """Use the Placewise reset link sent to `account`, as its owner would; the link."""
    message = requests.get(f"{mock.url}/__admin/outbox", params={"to": account["email"]}, timeout=10).json()
    sent = message["messages"][0]
    placewise = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()["placewise"]
    used = requests.put(
        f"{mock.url}/placewise/v3/{placewise['loyalty_club_slug']}/members/by_email/{account['email']}/reset_password",
        json={"token": sent["token"], "password": "N3w-Passw0rd!"},
        headers={"X-Client-Authorization": placewise["client_token"]},
        timeout=10,
    )
    assert used.status_code == 200, used.text
    link: str = sent["link"]
    return link


def test_search_open_tabs_link_check_and_clear(browser: webdriver.Chrome, mock: LiveMock) -> None:
    used, fresh = new_account(mock.url, "placewise"), new_account(mock.url, "placewise")
    for account in (used, fresh):
        request_reset(mock.url, "placewise", account)
    redeem(mock, used)
    open_inbox(browser, mock)
    assert set(shown(browser)) >= {used["email"], fresh["email"]}

    search = browser.find_element(By.CSS_SELECTOR, "#search input[name=query]")
    search.send_keys(f"to:{used['email']}", Keys.ENTER)
    wait(browser, lambda b: shown(b) == [used["email"]], "the search did not narrow the list")

    opened = open_message(browser, used["email"])
    assert opened.find_element(By.TAG_NAME, "h2").text == "Reset your password"
    assert opened.find_element(By.CSS_SELECTOR, "iframe.html").is_displayed()
    opened.find_element(By.CSS_SELECTOR, '.widths [data-width="mobile"]').click()
    assert opened.find_element(By.CLASS_NAME, "preview").get_attribute("data-width") == "mobile"
    tab(opened, "text")
    assert "reset-page/placewise?token=" in opened.find_element(By.CSS_SELECTOR, "pre.text").text
    tab(opened, "headers")
    headers = wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "table.headers th"), "no headers")
    assert {"Message-Id", "Delivered-To", "Date"} <= {h.text for h in headers}
    tab(opened, "source")
    source = wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "pre.source"), "no source")[0]
    assert f"Delivered-To: {used['email']}" in source.text

    row = check_links(browser)
    assert row.get_attribute("data-token") == "used"
    used_words = row.find_element(By.CLASS_NAME, "token").text
    assert "already used" in used_words and "answers 200 OK" in row.find_element(By.CLASS_NAME, "answer").text

    open_inbox(browser, mock, query=f"to:{fresh['email']}")
    open_message(browser, fresh["email"])
    row = check_links(browser)
    assert row.get_attribute("data-token") == "redeemable"
    fresh_words = row.find_element(By.CLASS_NAME, "token").text
    assert "still redeemable" in fresh_words and fresh_words != used_words

    open_inbox(browser, mock)
    browser.find_element(By.ID, "clear").click()
    dialog = browser.find_element(By.ID, "confirm-clear")
    assert dialog.get_attribute("open") is not None and "will be deleted" in dialog.text
    dialog.find_element(By.CSS_SELECTOR, 'button[value="cancel"]').click()
    assert len(shown(browser)) == 2 and len(mock.env.outbox) == 2  # nothing without confirming
    browser.find_element(By.ID, "clear").click()
    browser.find_element(By.ID, "confirm").click()
    wait(browser, lambda b: shown(b) == [], "Clear all left messages on the page")
    assert len(mock.env.outbox) == 0


def test_opening_a_message_marks_it_read(browser: webdriver.Chrome, mock: LiveMock) -> None:
    account = new_account(mock.url, "socialid")
    request_reset(mock.url, "socialid", account)
    open_inbox(browser, mock)
    item = browser.find_element(By.CSS_SELECTOR, f'li.message[data-to="{account["email"]}"]')
    assert "unread" in (item.get_attribute("class") or "")
    open_message(browser, account["email"])
    wait(browser, lambda b: "unread" not in (item.get_attribute("class") or ""), "still shown unread")
    assert mock.env.outbox.find(to=account["email"])[0].read


def test_an_sms_is_shown_as_a_text_message(browser: webdriver.Chrome, mock: LiveMock) -> None:
    account = new_account(mock.url, "zitadel", phone="+4791234567")
    request_reset(mock.url, "zitadel", account, sms=True)
    open_inbox(browser, mock, query="is:sms")
    item = browser.find_element(By.CSS_SELECTOR, 'li.message[data-channel="sms"]')
    assert "SMS" in item.text
    opened = open_message(browser, "+4791234567")
    assert opened.find_element(By.TAG_NAME, "h2").text == "SMS to +4791234567"
    assert opened.find_element(By.CSS_SELECTOR, ".phone .bubble").text.startswith("Hello")
    assert not opened.find_elements(By.CSS_SELECTOR, "[role=tab]")  # no subject, no HTML, no headers


def test_times_are_relative_with_the_exact_time_on_hover(browser: webdriver.Chrome, mock: LiveMock) -> None:
    request_reset(mock.url, "leadsquared", new_account(mock.url, "leadsquared"))
    open_inbox(browser, mock)
    when = browser.find_element(By.CSS_SELECTOR, "li.message time")
    assert re.fullmatch(r"just now|\d+ seconds? ago", when.text), when.text
    iso = when.get_attribute("datetime") or ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", iso) and iso in (when.get_attribute("title") or "")


def test_the_hosted_page_says_a_used_link_is_used_and_can_show_the_form_anyway(
    browser: webdriver.Chrome, mock: LiveMock
) -> None:
    account = new_account(mock.url, "placewise")
    request_reset(mock.url, "placewise", account)
    browser.get(redeem(mock, account))
    assert browser.find_element(By.ID, "code-status").text.startswith("This link was already used")
    form = browser.find_element(By.ID, "reset")
    assert not form.is_displayed()
    browser.find_element(By.ID, "anyway").click()
    assert form.is_displayed()


def readme_snippet() -> str:
    """The EventSource snippet of the README's inbox section, exactly as printed there."""
    section = README.read_text(encoding="utf-8").split("### The inbox", 1)[1]
    found = re.search(r"```js\n(.*?new EventSource.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_the_readme_event_source_snippet_hands_a_page_only_new_links(browser: webdriver.Chrome, mock: LiveMock) -> None:
    old = new_account(mock.url, "placewise")
    request_reset(mock.url, "placewise", old)  # sent before the page listens: never handed to it
    browser.get(f"{mock.url}/__admin/health")  # any page of the mock's origin
    snippet = readme_snippet().replace("http://127.0.0.1:8080", mock.url)
    browser.execute_script(
        "window.logged = []; console.log = (value) => window.logged.push(value);"
        "window.opened = new Promise((resolve) => { const Original = EventSource;"
        " window.EventSource = function (url) { const s = new Original(url); s.addEventListener('open', resolve);"
        " return s; }; });" + snippet
    )
    browser.execute_async_script("window.opened.then(arguments[0])")
    new = new_account(mock.url, "placewise")
    request_reset(mock.url, "placewise", new)
    link = mock.env.outbox.find(to=new["email"])[0].link
    logged = wait(browser, lambda b: b.execute_script("return window.logged.length && window.logged"), "no link")
    assert logged == [link]


def test_on_a_phone_one_pane_shows_at_a_time(browser: webdriver.Chrome, mock: LiveMock) -> None:
    account = new_account(mock.url, "socialid")
    request_reset(mock.url, "socialid", account)
    browser.set_window_size(390, 844)
    open_inbox(browser, mock)
    listing = browser.find_element(By.ID, "list-pane")
    opened = open_message(browser, account["email"])
    assert opened.is_displayed() and not listing.is_displayed()
    opened.find_element(By.ID, "back").click()
    assert listing.is_displayed() and "message=" not in browser.current_url
