"""Accounts and shared state on a deployment: listed accounts, ZITADEL users created with AddHumanUser, and a
shared mock left as conform found it (its clock, other people's accounts, its state)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from resetkit.conform.accounts import ApiAccounts, CannotCreateAccounts, ListedAccounts
from resetkit.conform.target import RunOptions, TargetError, connect, prepared
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from tests.conform.conftest import run_conform
from tests.conform.proxy import hiding_admin


@pytest.fixture(scope="module")
def mock() -> Iterator[LiveMock]:
    with start_live_mock(Settings(port=0, strict=True, accounts=2, grpc_port=None)) as live:
        yield live


@pytest.fixture(scope="module")
def deployment(mock: LiveMock) -> Iterator[str]:
    """The mock behind a proxy that hides /__admin: `<url>/<vendor>` is that vendor's deployment."""
    with hiding_admin(mock.url) as url:
        yield url


def credentials_file(tmp_path: Path, mock: LiveMock, vendor: str, **extra: object) -> str:
    creds = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()[vendor]
    path = tmp_path / "creds.yaml"
    path.write_text(yaml.safe_dump({vendor: {**creds, **extra}}), encoding="utf-8")
    return str(path)


def test_the_proxied_mock_is_a_deployment(deployment: str, mock: LiveMock, tmp_path: Path) -> None:
    target = connect(f"{deployment}/leadsquared", ("leadsquared",), credentials_file(tmp_path, mock, "leadsquared"))
    assert not target.is_mock and target.mailbox is None
    assert target.lacks("creates_accounts") is not None and "leadsquared.accounts" in str(
        target.lacks("creates_accounts")
    )


def test_listed_accounts_are_each_handed_to_one_check(deployment: str, mock: LiveMock, tmp_path: Path) -> None:
    listed = [
        {"email": "one@example.com", "password": "Pw-One-1!", "id": "lead-1"},
        {"email": "two@example.com", "password": "Pw-Two-2!", "id": "lead-2", "phone": "+4791234567"},
    ]
    path = credentials_file(tmp_path, mock, "leadsquared", accounts=listed)
    target = connect(f"{deployment}/leadsquared", ("leadsquared",), path)
    assert isinstance(target.accounts.sources["leadsquared"], ListedAccounts)  # type: ignore[attr-defined]
    assert target.lacks("creates_accounts", "leadsquared") is None
    first = target.accounts.create("leadsquared", email="ignored@example.com", password="x")
    second = target.accounts.create("leadsquared", email="ignored@example.com", password="x")
    assert (first.email, first.password, first.id) == ("one@example.com", "Pw-One-1!", "lead-1")
    assert (second.email, second.phone) == ("two@example.com", "+4791234567")
    with pytest.raises(CannotCreateAccounts, match="all 2 accounts listed"):
        target.accounts.create("leadsquared", email="x@example.com", password="x")
    assert target.lacks("creates_accounts") is not None
    assert "accounts" not in target.credentials["leadsquared"]  # the list is not a credential


def test_a_listed_account_without_a_password_is_a_usage_error(deployment: str, mock: LiveMock, tmp_path: Path) -> None:
    path = credentials_file(tmp_path, mock, "placewise", accounts=[{"email": "a@example.com"}])
    with pytest.raises(TargetError, match=r"placewise.accounts\[1\] needs password"):
        connect(f"{deployment}/placewise", ("placewise",), path)


def test_zitadel_users_are_created_with_add_human_user(deployment: str, mock: LiveMock, tmp_path: Path) -> None:
    target = connect(f"{deployment}/zitadel", ("zitadel",), credentials_file(tmp_path, mock, "zitadel"))
    assert isinstance(target.accounts.sources["zitadel"], ApiAccounts)  # type: ignore[attr-defined]
    assert "AddHumanUser" in target.accounts.description
    created = target.accounts.create("zitadel", email=target.new_address("ana"), password="Old-Passw0rd!")
    user = mock.env.store.get_account("zitadel", created.id)
    assert user is not None and user.email == created.email


def test_zitadel_users_a_run_created_are_removed_with_delete_user(
    deployment: str, mock: LiveMock, tmp_path: Path
) -> None:
    target = connect(f"{deployment}/zitadel", ("zitadel",), credentials_file(tmp_path, mock, "zitadel"))
    created = target.accounts.create("zitadel", email=target.new_address("bo"), password="Old-Passw0rd!")
    assert target.accounts.cleanup() == []
    assert mock.env.store.get_account("zitadel", created.id) is None


def test_a_zitadel_user_a_check_removed_itself_is_no_problem_at_cleanup(mock: LiveMock) -> None:
    target = connect(mock.url, ("zitadel",))
    created = target.accounts.create("zitadel", email=target.new_address("di"), password="Old-Passw0rd!")
    token = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()["zitadel"]["access_token"]
    removed = requests.delete(
        f"{mock.url}/zitadel/v2/users/{created.id}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert removed.ok
    assert target.accounts.cleanup() == []


def test_on_the_mock_zitadel_users_are_made_and_removed_with_zitadels_own_api(mock: LiveMock) -> None:
    target = connect(mock.url, ("zitadel",))
    assert isinstance(target.accounts.sources["zitadel"], ApiAccounts)  # type: ignore[attr-defined]
    created = target.accounts.create("zitadel", email=target.new_address("cy"), password="Old-Passw0rd!")
    assert target.accounts.cleanup() == []
    assert mock.env.store.get_account("zitadel", created.id) is None
    assert [entry.operation for entry in mock.env.journal][-2:] == ["addHumanUser", "deleteUser"]


def test_a_run_puts_the_clock_back_and_removes_only_its_own_accounts(mock: LiveMock) -> None:
    admin = requests.Session()
    someone_elses = admin.post(
        f"{mock.url}/__admin/accounts",
        json={"vendor": "placewise", "email": "colleague@example.com", "password": "Theirs-Passw0rd!"},
        timeout=10,
    ).json()
    admin.post(f"{mock.url}/__admin/clock", json={"advance_seconds": 120}, timeout=10)
    options = RunOptions(run_id="r1")
    target = connect(mock.url, ("placewise",), options=options)
    with prepared(target, options) as ready:
        ours = ready.accounts.create("placewise", email=ready.new_address("alice"), password="Old-Passw0rd!")
        assert ".r1-" in ours.email  # named for the run
        ready.let_time_pass("placewise", 7200)
    assert admin.get(f"{mock.url}/__admin/clock", timeout=10).json()["offset_seconds"] == 120
    assert mock.env.store.get_account("placewise", ours.id) is None
    assert mock.env.store.get_account("placewise", someone_elses["id"]) is not None


@pytest.mark.parametrize("reset_mock", [False, True], ids=["left-alone", "reset-mock"])
def test_the_mock_is_reset_only_when_asked(mock: LiveMock, reset_mock: bool) -> None:
    mock.env.outbox.send(
        vendor="placewise", channel="email", to="kept@example.com", sender="s", subject="s", text="t", now=0
    )
    options = RunOptions(reset_mock=reset_mock)
    with prepared(connect(mock.url, ("placewise",), options=options), options):
        pass
    assert bool(mock.env.outbox.find(to="kept@example.com")) is not reset_mock


def test_one_run_covers_several_vendors_given_each_base_url(deployment: str, mock: LiveMock, tmp_path: Path) -> None:
    creds = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()
    path = tmp_path / "creds.yaml"
    vendors = ("zitadel", "socialid")
    path.write_text(yaml.safe_dump({v: {**creds[v], "base_url": f"{deployment}/{v}"} for v in vendors}), "utf-8")
    target = connect(deployment, vendors, str(path))
    assert [target.base_url(v) for v in vendors] == [f"{deployment}/{v}" for v in vendors]
    assert target.lacks("creates_accounts", "zitadel") is None
    assert "socialid.accounts" in str(target.lacks("creates_accounts", "socialid"))


def test_several_vendors_without_base_urls_are_a_usage_error(deployment: str, mock: LiveMock, tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="base_url"):
        connect(deployment, ("zitadel", "socialid"), credentials_file(tmp_path, mock, "zitadel"))


def test_accounts_are_plus_addressed_to_the_test_mailbox(mock: LiveMock) -> None:
    options = RunOptions(mailbox="imap://qa%40example.com:secret@mail.example.com/INBOX", run_id="r9")
    address = connect(mock.url, ("placewise",), options=options).new_address("alice")
    assert address.startswith("qa+r9-alice-") and address.endswith("@example.com")


def test_a_mailbox_url_no_adapter_takes_is_a_usage_error_before_anything_runs(tmp_path: Path) -> None:
    run = run_conform("http://127.0.0.1:9", tmp_path, "--mailbox", "pop3://mail.example.com")
    assert run.code == 2 and "the scheme must be smtp, imap or imaps" in run.stderr


def test_wait_expiry_waits_for_real_scaled_to_the_configured_lifetime(
    deployment: str, mock: LiveMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--wait-expiry`: @clock checks run by waiting; an hour of ZITADEL's documented lifetime is 60 s here."""
    options = RunOptions(wait_expiry=True)
    path = credentials_file(tmp_path, mock, "zitadel", reset_ttl_seconds=60)
    target = connect(f"{deployment}/zitadel", ("zitadel",), path, options=options)
    waits: list[float] = []
    monkeypatch.setattr("resetkit.conform.target.time.sleep", waits.append)
    assert target.lacks("clock") is None
    target.let_time_pass("zitadel", 3600 + 1)
    target.let_time_pass("zitadel", 5)  # a rate window is not a lifetime: waited as it is
    assert waits == [pytest.approx(60 * 3601 / 3600), 5]
    assert connect(f"{deployment}/zitadel", ("zitadel",), path).lacks("clock") is not None
