"""Screenshots of the inbox for the README: `make screenshots` (not part of `make test`).

Starts the mock, requests a reset from every vendor (two of them also by SMS), redeems one link so the link check
has a used one to show, then photographs the inbox in Debian's headless chromium: the list with a message open
and its link check, at desktop and phone widths, light and dark. Writes docs/img/inbox-*.png.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.fixtures, run from the checkout

from resetkit.runner import start_live_mock  # noqa: E402
from resetkit.settings import Settings  # noqa: E402
from tests.fixtures.resets import VENDORS, new_account, request_reset  # noqa: E402

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SIZES = {"desktop": (1440, 900), "mobile": (390, 844)}
PUBLIC_URL = "http://localhost:8080"  # what the links show; the mock still listens on a free port


def browser(width: int, height: int, dark: bool) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--window-size={width},{height}"):
        options.add_argument(flag)
    if width < 600:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1}}
        )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    scheme = "dark" if dark else "light"
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )
    return driver


def seed(mock: str) -> str:
    """Resets from every vendor over the last 40 minutes (the mock's clock is moved back, then forward again);
    returns the id of the message to show open: its Placewise link already used (a newer reset would replace it)."""
    accounts = {
        vendor: new_account(
            mock, vendor, phone="+4791234567" if vendor == "zitadel" else None, email=f"ana.{vendor}@example.org"
        )
        for vendor in VENDORS
    }
    clock = f"{mock}/__admin/clock"
    requests.put(clock, json={"offset_seconds": -40 * 60}, timeout=10)
    for vendor, sms in [*((vendor, False) for vendor in VENDORS), ("zitadel", True)]:
        request_reset(mock, vendor, accounts[vendor], sms=sms)
        requests.post(clock, json={"advance_seconds": 7 * 60}, timeout=10)
    requests.put(clock, json={"offset_seconds": 0}, timeout=10)
    request_reset(mock, "placewise", new_account(mock, "placewise", email="bo.placewise@example.org"))  # fresh
    used = requests.get(f"{mock}/__admin/outbox", params={"to": accounts["placewise"]["email"]}, timeout=10).json()
    message = used["messages"][0]
    placewise = requests.get(f"{mock}/__admin/credentials", timeout=10).json()["placewise"]
    redeemed = requests.put(
        f"{mock}/placewise/v3/{placewise['loyalty_club_slug']}/members/by_email/{message['to']}/reset_password",
        json={"token": message["token"], "password": "N3w-Passw0rd!"},
        headers={"X-Client-Authorization": placewise["client_token"]},
        timeout=10,
    )
    assert redeemed.status_code == 200, redeemed.text
    return str(message["id"])


def shoot(url: str, out: Path, name: str, width: int, height: int, dark: bool, opened: str) -> None:
    driver = browser(width, height, dark)
    try:
        driver.get(f"{url}/__admin/inbox")
        wait = WebDriverWait(driver, 20)
        wait.until(lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "open")
        driver.save_screenshot(str(out / f"inbox-list-{name}.png"))
        driver.find_element(By.CSS_SELECTOR, f'li.message[data-id="{opened}"] button').click()
        driver.find_element(By.ID, "check-links").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#links .answer .state.good"))
        if width < 600:  # a phone shows the link check, under the message's facts
            driver.execute_script("document.getElementById('actions').scrollIntoView({block: 'start'})")
        time.sleep(0.3)
        driver.save_screenshot(str(out / f"inbox-message-{name}.png"))
    finally:
        driver.quit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with start_live_mock(Settings(port=0, accounts=2, public_url=PUBLIC_URL)) as mock:
        opened = seed(mock.url)
        for size, (width, height) in SIZES.items():
            for dark in (False, True):
                name = f"{size}-{'dark' if dark else 'light'}"
                shoot(mock.url, args.out, name, width, height, dark, opened)
                print(f"{args.out}/inbox-*-{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
