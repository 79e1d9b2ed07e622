"""Placewise's other links in headless Chromium: a one-time password's login link signs the member in on the hosted
page, and a texted verification link confirms the member's mobile number."""

from __future__ import annotations

import uuid

import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from resetkit.runner import LiveMock

WAIT = 30
PHONE = "+4791234500"


def placewise(mock: LiveMock) -> tuple[str, dict[str, str]]:
    """The members URL of the mock's loyalty club, and the client token header."""
    credentials = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()["placewise"]
    members = f"{mock.url}/placewise/v3/{credentials['loyalty_club_slug']}/members"
    return members, {"X-Client-Authorization": credentials["client_token"]}


def new_member(mock: LiveMock, phone: str | None = None) -> str:
    email = f"links-{uuid.uuid4().hex[:8]}@example.org"
    body = {"vendor": "placewise", "email": email, "password": "Old-Passw0rd!", **({"phone": phone} if phone else {})}
    created = requests.post(f"{mock.url}/__admin/accounts", json=body, timeout=10)
    assert created.status_code == 201, created.text
    return email


def latest_link(mock: LiveMock, to: str) -> str:
    messages = requests.get(f"{mock.url}/__admin/outbox", params={"to": to}, timeout=10).json()["messages"]
    link: str = messages[0]["link"]
    return link


def submit_and_wait(browser: webdriver.Chrome) -> str:
    browser.find_element(By.CSS_SELECTOR, "#reset button").click()
    WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.ID, "status").get_attribute("data-state") in ("done", "failed"),
        "the page never answered",
    )
    return str(browser.find_element(By.ID, "status").get_attribute("data-state"))


def test_a_one_time_password_link_signs_the_member_in(browser: webdriver.Chrome, mock: LiveMock) -> None:
    members, client_token = placewise(mock)
    email = new_member(mock)
    sent = requests.post(
        f"{members}/by_email/{email}/send_one_time_password_via_email", headers=client_token, timeout=10
    )
    assert sent.status_code == 200, sent.text
    browser.get(latest_link(mock, email))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sign in with your one-time password"
    assert not browser.find_element(By.NAME, "password").is_displayed()
    browser.find_element(By.NAME, "identifier").send_keys(email)
    assert submit_and_wait(browser) == "done", browser.find_element(By.TAG_NAME, "main").text
    assert "Signed in with the one-time password." in browser.find_element(By.ID, "status").text


def test_a_verification_link_confirms_the_mobile_number(browser: webdriver.Chrome, mock: LiveMock) -> None:
    members, client_token = placewise(mock)
    email = new_member(mock, PHONE)
    msisdn = PHONE.removeprefix("+")
    sent = requests.put(f"{members}/channels/msisdn/{msisdn}/send_verification", headers=client_token, timeout=10)
    assert sent.status_code == 204, sent.text
    browser.get(latest_link(mock, PHONE))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Confirm your mobile number"
    assert submit_and_wait(browser) == "done", browser.find_element(By.TAG_NAME, "main").text
    sign_in = {"grant_type": "password", "identifier_type": "email", "identifier": email, "password": "Old-Passw0rd!"}
    token = requests.post(f"{members}/oauth/token", json=sign_in, headers=client_token, timeout=10).json()
    shown = requests.get(
        f"{members}/me", headers={**client_token, "Authorization": f"Bearer {token['access_token']}"}, timeout=10
    )
    assert shown.json()["sms_status"] == "verified"
