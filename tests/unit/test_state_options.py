"""`resetkit serve` options for bounded state (issue 12): the caps reach the store, the outbox and the journal."""

from __future__ import annotations

import pytest

from resetkit import cli
from resetkit.env import create_env
from resetkit.settings import Settings
from tests.unit.conftest import ServeSettings


def test_the_caps_default_to_the_settings_defaults(serve_settings: ServeSettings) -> None:
    settings = serve_settings([])
    defaults = Settings()
    assert (settings.max_resets, settings.max_tokens, settings.max_rate_windows, settings.outbox_size) == (
        defaults.max_resets,
        defaults.max_tokens,
        defaults.max_rate_windows,
        defaults.outbox_size,
    )


def test_each_cap_has_its_option(serve_settings: ServeSettings) -> None:
    settings = serve_settings(
        ["--max-resets", "5", "--max-tokens", "6", "--max-rate-windows", "7", "--outbox-size", "8",
         "--journal-size", "9", "--reset-grace", "60"]
    )  # fmt: skip
    assert (settings.max_resets, settings.max_tokens, settings.max_rate_windows) == (5, 6, 7)
    assert (settings.outbox_size, settings.journal_size, settings.reset_grace_seconds) == (8, 9, 60.0)


@pytest.mark.parametrize("value", ["0", "-1", "ten"])
def test_a_cap_below_one_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["serve", "--max-tokens", value])
    assert stopped.value.code == 2 and "--max-tokens" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "inf", "nan", "soon"])
def test_a_grace_that_is_not_zero_or_more_seconds_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["serve", "--reset-grace", value])
    assert stopped.value.code == 2 and "--reset-grace" in capsys.readouterr().err


def test_the_env_applies_the_caps() -> None:
    env = create_env(Settings(accounts=0, max_tokens=3, outbox_size=4, journal_size=5, reset_grace_seconds=9))
    limits = env.store.limits
    assert (limits.max_tokens, limits.reset_grace_seconds) == (3, 9)
    assert (env.outbox.capacity, env.journal.maxlen) == (4, 5)
