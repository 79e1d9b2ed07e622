"""`resetkit conform` against a mock that runs with an admin token: it takes the token (`--admin-token` or
`$RESETKIT_ADMIN_TOKEN`) and reads the outbox and creates accounts with it; without it, one line and exit 2."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from resetkit.conform.target import ADMIN_TOKEN_VARIABLE
from tests.conform.conftest import run_conform, serving

pytestmark = pytest.mark.slow
TOKEN = "conform-admin-token"
# One scenario that creates an account and reads the reset e-mail from the outbox: both need the admin API.
THROUGH_THE_ADMIN_API = ("--vendor", "leadsquared", "--suite", "bdd", "--select", "portal_user_resets_the_password")


@pytest.fixture(scope="module")
def guarded_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("guarded"), "--admin-token", TOKEN, "--no-grpc") as url:
        yield url


@pytest.fixture
def no_token_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ADMIN_TOKEN_VARIABLE, raising=False)


@pytest.mark.usefixtures("no_token_in_environment")
def test_without_the_token_conform_says_so_in_one_line(guarded_mock: str, tmp_path: Path) -> None:
    run = run_conform(guarded_mock, tmp_path, *THROUGH_THE_ADMIN_API)
    assert run.code == 2, run.tail()
    assert run.stderr.count("\n") == 1
    assert "wants its admin token: pass --admin-token TOKEN or set RESETKIT_ADMIN_TOKEN" in run.stderr


@pytest.mark.usefixtures("no_token_in_environment")
def test_a_wrong_token_is_named_as_wrong(guarded_mock: str, tmp_path: Path) -> None:
    run = run_conform(guarded_mock, tmp_path, "--admin-token", "guess", *THROUGH_THE_ADMIN_API)
    assert run.code == 2 and "does not take the admin token given" in run.stderr, run.tail()


@pytest.mark.usefixtures("no_token_in_environment")
def test_with_admin_token_conform_runs_through_the_admin_api(guarded_mock: str, tmp_path: Path) -> None:
    run = run_conform(guarded_mock, tmp_path, "--admin-token", TOKEN, *THROUGH_THE_ADMIN_API)
    assert run.code == 0, run.tail()
    results = [result for result, _details in run.table().values()]
    assert results and set(results) == {"pass"}, run.tail()
    assert TOKEN not in run.report.read_text(encoding="utf-8") + run.junit.read_text(encoding="utf-8")


def test_the_token_may_come_from_the_environment(
    guarded_mock: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADMIN_TOKEN_VARIABLE, TOKEN)
    assert os.environ[ADMIN_TOKEN_VARIABLE] == TOKEN  # the subprocess inherits it
    run = run_conform(guarded_mock, tmp_path, *THROUGH_THE_ADMIN_API)
    assert run.code == 0 and "pass" in {result for result, _details in run.table().values()}, run.tail()
