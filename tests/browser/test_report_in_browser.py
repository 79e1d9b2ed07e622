"""The HTML conformance report reads in a browser (Debian's chromium, conftest.py): at 1280 px nothing scrolls
sideways, not the page and not a table, however long the check names, reasons and bodies; the verdict is on top;
each failure shows the rule it breaks, what was sent and what came back."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from resetkit.conform.report import Outcome, Report, render_html

WIDTH = 1280
LONG_NAME = "stateless::test_placewise_conforms[PUT /v3/{loyalty_club_slug}/members/by_email/{email}/reset_password]"


def demanding_report() -> Report:
    """A report with what stretches a page: long unbroken names, long reasons, a long curl and a long body."""
    body = '{"error": "' + "x" * 1500 + '"}'
    curl = "curl -X PUT 'http://127.0.0.1:8080/v3/infinity-mall/members/by_email/" + "a" * 300 + "@example.com' \\\n"
    curl += "  -H 'X-Client-Authorization: …oken' \\\n  -d '" + '{"token": "' + "t" * 400 + '"}' + "'"
    outcomes = [
        Outcome(LONG_NAME, "fail", ["Response violates schema"], vendor="placewise", suite="contract",
                rule="- ST108 Response violates schema\n\n    " + "y" * 300, sent=curl,
                received=f"422 Unprocessable\n\n{body}"),
        Outcome("leadsquared::test_the_lead_is_found_how[older-by its Phone field, to be sent to its Phone field-a"
                "_text_message-text_message]", "fail", ["Then the response status is 200"], vendor="leadsquared",
                suite="bdd", rule="Then the response status is 200\n" + "z " * 200, sent="curl -X POST http://h/x",
                received="500 Internal Server Error\n\n{}"),
        Outcome("security_profile::test_sr18_the_user_is_told_the_password_changed[leadsquared-v2]", "warn",
                reason="FINDING SR-18 (severity S, a warning): no message told the user " + "w " * 80,
                vendor="leadsquared", suite="security"),
        Outcome("passwords::test_sr14_x[zitadel-connect]", "n/a", reason="N/A for zitadel: " + "v" * 200,
                vendor="zitadel", suite="security"),
    ]  # fmt: skip
    outcomes += [
        Outcome(f"zitadel::test_scenario_number_{n}_with_a_long_name_that_goes_on[rest]", "pass", vendor="zitadel",
                suite="bdd")
        for n in range(40)
    ]  # fmt: skip
    return Report("http://127.0.0.1:8080", outcomes, ["resetkit 0.1.0, profile ci", "run 1a2b3c4d; mail: outbox"])


@pytest.fixture
def opened(browser: webdriver.Chrome, tmp_path: Path) -> webdriver.Chrome:
    page = tmp_path / "report.html"
    page.write_text(render_html(demanding_report()), encoding="utf-8")
    browser.set_window_size(WIDTH, 900)
    browser.get(page.as_uri())
    return browser


def test_nothing_scrolls_sideways_at_1280_px(opened: webdriver.Chrome, tmp_path: Path) -> None:
    page_width, view_width = opened.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    opened.save_screenshot(str(tmp_path / "report-1280.png"))  # kept with the test's files, to look at
    assert page_width <= view_width, f"the page is {page_width} px wide in a {view_width} px window"
    scrolling = opened.execute_script(
        "return [...document.querySelectorAll('.scroll, pre')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName)"
    )
    assert scrolling == [], f"these scroll sideways: {scrolling}"


def test_the_verdict_is_the_first_thing_on_the_page(opened: webdriver.Chrome) -> None:
    verdict = opened.find_element(By.ID, "summary")
    assert verdict.is_displayed() and verdict.location["y"] < 200, verdict.location
    assert verdict.text.startswith("http://127.0.0.1:8080: NOT CONFORMANT; 40 passed, 2 failed, 1 warnings")
    counts = opened.find_element(By.ID, "counts")
    assert counts.location["y"] < 900, "the summary table is not in the first screen"


def test_a_failure_reads_as_rule_sent_and_received(opened: webdriver.Chrome) -> None:
    failure = opened.find_elements(By.CSS_SELECTOR, "article.failure")[0]
    assert [dt.text for dt in failure.find_elements(By.TAG_NAME, "dt")] == ["Rule", "Sent", "Received"]
    sent = failure.find_element(By.CSS_SELECTOR, "pre.sent")
    assert sent.text.startswith("curl -X PUT 'http://127.0.0.1:8080/v3/infinity-mall/members/by_email/")
    assert failure.find_element(By.CSS_SELECTOR, "pre.received").text.startswith("422 Unprocessable")
