"""The whole deployment path: `resetkit serve --smtp` behind a proxy that hides `/__admin`, checked by one
`resetkit conform` run as a deployment (each vendor at its own base_url, mail read with `--mailbox smtp://`,
accounts listed in the credentials or, for ZITADEL, created with AddHumanUser). Per vendor, at least 80 % of the
checks that run against the mock itself (the shared `mock_run`) must run here too, and everything must pass.

The IMAP lane does the same for one vendor and suite with the mail going through a real IMAP server (dovecot,
installed by the set-up; skipped, saying why, only where it cannot be)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest
import requests
import yaml

from resetkit.runner import free_port
from resetkit.settings import ALL_VENDORS
from tests.conform.conftest import ConformRun, run_conform, serving
from tests.conform.dovecot import delivering_to, install_dovecot, running_dovecot
from tests.conform.proxy import hiding_admin

pytestmark = pytest.mark.slow
LISTED_ACCOUNTS = 150  # per vendor without an API to create users: more than one run's checks use
RAN_AT_LEAST = 0.8


def ran_checks(junit: Path, suite: str | None = None) -> dict[str, set[str]]:
    """Per vendor, the checks (of `suite`) that ran: passed, failed, or a severity-S finding; from a JUnit file."""
    ran: dict[str, set[str]] = defaultdict(set)
    for case in ET.parse(junit).getroot().iter("testcase"):
        properties = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
        skipped = case.find("skipped")
        if suite is not None and properties.get("suite") != suite:
            continue
        if skipped is None or "FINDING" in (skipped.get("message") or ""):
            ran[properties.get("vendor", "")].add(f"{case.get('classname')}::{case.get('name')}")
    return ran


def share_that_ran(vendor: str, mock: set[str], deployment: ConformRun) -> tuple[float, dict[str, str]]:
    """How many of the checks that ran on the mock ran on the deployment, and why the others were skipped."""
    assert mock, f"no {vendor} check ran against the mock"
    missing = mock - ran_checks(deployment.junit)[vendor]
    return 1 - len(missing) / len(mock), skip_reasons(deployment.junit, missing)


def skip_reasons(junit: Path, names: set[str]) -> dict[str, str]:
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if name in names and (skipped := case.find("skipped")) is not None:
            found[name] = (skipped.get("message") or "")[:160]
    return found


def deployment_credentials(mock: str, proxy: str, folder: Path) -> Path:
    """What the owner of a deployment writes: each vendor's base_url behind the proxy, its keys, and test accounts
    for the vendors without a user API (created here through the mock's admin API, as an owner would in theirs)."""
    served = requests.get(f"{mock}/__admin/credentials", timeout=10).json()
    credentials = {}
    for vendor in ALL_VENDORS:
        entry = {**served[vendor], "base_url": f"{proxy}/{vendor}"}
        if vendor != "zitadel":  # ZITADEL: conform creates its own users with AddHumanUser
            entry["accounts"] = [_owner_account(mock, vendor, number) for number in range(LISTED_ACCOUNTS)]
        credentials[vendor] = entry
    path = folder / "credentials.yaml"
    path.write_text(yaml.safe_dump(credentials), encoding="utf-8")
    return path


def _owner_account(mock: str, vendor: str, number: int) -> dict[str, str]:
    fields = {
        "email": f"owner-{number}@{vendor}.deploy.example",
        "password": f"Owner-Passw0rd-{number}!",
        "phone": f"+4797{number:06d}",
        "username": f"owner_{number}",
    }
    created = requests.post(f"{mock}/__admin/accounts", json={"vendor": vendor, **fields}, timeout=10)
    assert created.status_code == 201, created.text
    return {**fields, "id": str(created.json()["id"])}


@pytest.fixture(scope="module")
def deployment_run(tmp_path_factory: pytest.TempPathFactory) -> ConformRun:
    folder = tmp_path_factory.mktemp("deployment")
    smtp = f"127.0.0.1:{free_port()}"
    with serving(folder, "--smtp", smtp) as mock, hiding_admin(mock) as proxy:
        credentials = deployment_credentials(mock, proxy, folder)
        vendors = [f"--vendor={vendor}" for vendor in ALL_VENDORS]
        return run_conform(
            proxy, folder, "--credentials", str(credentials), "--mailbox", f"smtp://{smtp}", "--run-id", "e2e", *vendors
        )


def test_the_deployment_conforms(deployment_run: ConformRun) -> None:
    assert deployment_run.code == 0, (
        f"exit {deployment_run.code}; failing: {deployment_run.failing()}\n{deployment_run.tail()}"
    )


def test_the_run_says_where_its_accounts_and_mail_come_from(deployment_run: ConformRun) -> None:
    said = " ".join(deployment_run.stdout.split())  # the console folds long lines at 100 columns
    assert "zitadel: created by conform with ZITADEL's AddHumanUser" in said
    assert "accounts listed in the credentials file" in said
    assert "mail: smtp" in said


@pytest.mark.parametrize("vendor", ALL_VENDORS)
def test_most_checks_that_run_on_the_mock_run_on_the_deployment(
    vendor: str, deployment_run: ConformRun, mock_run: ConformRun
) -> None:
    """This lane's mailbox reads e-mail only, so the checks that need a text message are out of its count."""
    on_mock = ran_checks(mock_run.junit)[vendor]
    needs_sms = {name for name, why in skip_reasons(deployment_run.junit, on_mock).items() if why.startswith("@sms:")}
    share, reasons = share_that_ran(vendor, on_mock - needs_sms, deployment_run)
    assert share >= RAN_AT_LEAST, f"{vendor}: {share:.0%} ran; skipped there: {sorted(reasons.items())[:20]}"


# The IMAP lane: the mock's mail delivered into a dovecot maildir, read by conform over IMAP ---------------------------
IMAP_VENDOR, IMAP_SUITE = "zitadel", "bdd"  # ZITADEL: conform creates its users, plus-addressed to the test mailbox
MAILED_SCENARIOS = (  # scenarios that read the e-mail ZITADEL sent
    "test_a_request_without_options_emails_zitadels_default_reset_link[",
    "test_sendlink_renders_the_url_template_into_the_emailed_link[",
    "test_after_the_reset_the_new_password_signs_in_and_the_old_one_does_not[",
)


@pytest.fixture(scope="module")
def imap_run(tmp_path_factory: pytest.TempPathFactory) -> ConformRun:
    problem = install_dovecot()
    if problem:
        pytest.skip(problem)
    folder = tmp_path_factory.mktemp("imap")
    with running_dovecot() as imap, delivering_to(imap) as smtp, serving(folder, "--smtp", smtp) as mock:
        with hiding_admin(mock) as proxy:
            served = requests.get(f"{mock}/__admin/credentials", timeout=10).json()
            credentials = folder / "credentials.yaml"
            credentials.write_text(yaml.safe_dump({IMAP_VENDOR: served[IMAP_VENDOR]}), encoding="utf-8")
            return run_conform(
                f"{proxy}/{IMAP_VENDOR}", folder, "--vendor", IMAP_VENDOR, "--suite", IMAP_SUITE,
                "--credentials", str(credentials), "--mailbox", imap.url, "--run-id", "imap",
            )  # fmt: skip


def test_the_deployment_conforms_through_imap(imap_run: ConformRun) -> None:
    assert imap_run.code == 0, f"exit {imap_run.code}; failing: {imap_run.failing()}\n{imap_run.tail()}"
    assert "mail: imap" in " ".join(imap_run.stdout.split())


def test_most_checks_that_run_on_the_mock_run_through_imap(imap_run: ConformRun, mock_run: ConformRun) -> None:
    on_mock = ran_checks(mock_run.junit, IMAP_SUITE)[IMAP_VENDOR]
    share, reasons = share_that_ran(IMAP_VENDOR, on_mock, imap_run)
    assert share >= RAN_AT_LEAST, f"{share:.0%} ran; skipped there: {sorted(reasons.items())[:20]}"
    mailed = {name for name in on_mock if any(scenario in name for scenario in MAILED_SCENARIOS)}
    assert len(mailed) == 2 * len(MAILED_SCENARIOS), sorted(mailed)  # REST and Connect
    assert not mailed & set(reasons), (
        f"scenarios that read mail were skipped over IMAP: {sorted(mailed & set(reasons))}"
    )
