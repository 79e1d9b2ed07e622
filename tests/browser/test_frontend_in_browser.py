"""A frontend team's day, in headless Chromium: a page on another origin calls every vendor with fetch(), the inbox
shows the messages as they arrive, and each hosted reset link completes the reset and signs in."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from resetkit.runner import LiveMock

from .conftest import OtherOrigin

OLD, NEW = "Old-Passw0rd!", "N3w-Passw0rd!"
VENDORS = ("placewise", "zitadel", "socialid", "leadsquared")
WAIT = 30

# The page a team's app would be: plain fetch() calls to the mock, from another origin (CONFIG is filled in).
APP = (Path(__file__).parent / "other_origin.html").read_text(encoding="utf-8")


def new_accounts(mock: LiveMock) -> dict[str, dict[str, Any]]:
    accounts = {}
    for vendor in VENDORS:
        email = f"{vendor}-{uuid.uuid4().hex[:8]}@example.org"
        body = {"vendor": vendor, "email": email, "password": OLD}
        created = requests.post(f"{mock.url}/__admin/accounts", json=body, timeout=10)
        assert created.status_code == 201, created.text
        accounts[vendor] = {"email": email, "id": created.json()["id"]}
    return accounts


def wait(browser: webdriver.Chrome, condition: Any, message: str) -> Any:
    return WebDriverWait(browser, WAIT).until(condition, message)


def test_a_page_on_another_origin_resets_every_vendor_through_the_inbox(
    browser: webdriver.Chrome, mock: LiveMock, other_origin: OtherOrigin
) -> None:
    accounts = new_accounts(mock)
    credentials = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()
    config = {"mock": mock.url, "credentials": credentials, "accounts": accounts}
    other_origin.pages["/"] = APP.replace("CONFIG", json.dumps(config))

    # The inbox is open (and live) before anything is sent.
    browser.get(f"{mock.url}/__admin/inbox")
    live = browser.find_element(By.ID, "live")
    wait(browser, lambda b: live.get_attribute("data-state") == "open", "the inbox never went live")
    browser.execute_script("window.notReloaded = true;")
    inbox = browser.current_window_handle

    browser.switch_to.new_window("tab")
    browser.get(other_origin.url + "/")
    results = wait(browser, lambda b: b.execute_script("return window.results"), "the calls never finished")
    statuses = {r["name"]: (r["status"], r.get("error")) for r in results}
    assert statuses == {
        "admin": (200, None),
        "placewise": (200, None),
        "zitadel": (200, None),
        "zitadel-connect": (200, None),
        "socialid": (201, None),
        "leadsquared": (200, None),
        "prefer-429": (429, None),
    }
    assert next(r for r in results if r["name"] == "prefer-429")["retryAfter"] == "1"  # an exposed header
    browser.close()

    browser.switch_to.window(inbox)
    for vendor in VENDORS:
        selector = f'li.message[data-to="{accounts[vendor]["email"]}"]'
        wait(browser, lambda b, s=selector: b.find_elements(By.CSS_SELECTOR, s), f"{vendor}'s e-mail never appeared")
    assert browser.execute_script("return window.notReloaded") is True, "the inbox reloaded instead of going live"

    for vendor in VENDORS:
        item = browser.find_element(By.CSS_SELECTOR, f'li.message[data-to="{accounts[vendor]["email"]}"] button')
        item.click()
        opened = browser.find_element(By.ID, "message")
        frame = opened.find_element(By.CSS_SELECTOR, "iframe.html")
        assert "allow-scripts" not in (frame.get_attribute("sandbox") or "")
        link = opened.find_element(By.CSS_SELECTOR, "a.link")
        assert link.get_attribute("href").startswith(f"{mock.url}/__admin/reset-page/{vendor}?")
        opened.find_element(By.CSS_SELECTOR, '[role=tab][data-tab="text"]').click()
        assert link.get_attribute("href") in opened.find_element(By.CSS_SELECTOR, "pre.text").text
        link.click()
        wait(browser, lambda b: len(b.window_handles) == 2, f"{vendor}'s link opened no tab")
        browser.switch_to.window(next(h for h in browser.window_handles if h != inbox))
        wait(browser, lambda b: b.find_elements(By.ID, "reset"), f"{vendor}'s hosted reset page did not load")
        browser.find_element(By.NAME, "password").send_keys(NEW)
        browser.find_element(By.CSS_SELECTOR, "#reset button").click()
        wait(browser, lambda b: page_state(b) in ("done", "failed"), f"{vendor}: the page never answered")
        assert page_state(browser) == "done", f"{vendor}: {browser.find_element(By.TAG_NAME, 'main').text}"
        browser.close()
        browser.switch_to.window(inbox)

    browser.find_element(By.ID, "clear").click()
    browser.find_element(By.ID, "confirm").click()
    wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, "li.message"), "Clear all left messages on the page")
    assert requests.get(f"{mock.url}/__admin/outbox", timeout=10).json()["messages"] == []

    signed_in = requests.get(f"{mock.url}/__admin/journal", params={"limit": 1000}, timeout=10).json()["requests"]
    sign_ins = {(e["vendor"], e["operation"], e["status"]) for e in signed_in}
    for expected in [
        ("placewise", "createToken", 200),
        ("zitadel", "createSession", 201),
        ("socialid", "createOAuthToken", 200),
        ("leadsquared", "signIn", 200),
    ]:
        assert expected in sign_ins


def page_state(browser: webdriver.Chrome) -> str | None:
    """The hosted reset page's progress: idle, working, done or failed."""
    return browser.find_element(By.ID, "status").get_attribute("data-state")
