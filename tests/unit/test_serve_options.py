"""`resetkit serve` options for frontend development, on the command line and in a `--config` TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from resetkit import cli
from resetkit.settings import Settings
from tests.unit.conftest import ServeSettings


def test_defaults_answer_cors_for_any_origin_and_link_to_the_hosted_pages(serve_settings: ServeSettings) -> None:
    settings = serve_settings([])
    assert settings.cors and settings.cors_origins == ()
    assert settings.link_base("placewise") == "http://127.0.0.1:8080/__admin/reset-page/placewise"
    assert not settings.log_requests and not settings.journal_secrets


def test_flags_set_cors_links_log_and_journal(serve_settings: ServeSettings) -> None:
    settings = serve_settings(
        [
            "--cors-origin", "http://localhost:3000",
            "--cors-origin", "http://localhost:5173",
            "--public-url", "https://mock.example",
            "--link-base", "placewise=http://localhost:3000/reset",
            "--link-base", "placewise=http://localhost:3000/v2/reset",
            "--log-requests",
            "--journal-secrets",
        ]
    )  # fmt: skip
    assert settings.cors_origins == ("http://localhost:3000", "http://localhost:5173")
    assert settings.link_base("placewise") == "http://localhost:3000/v2/reset"  # the later one wins
    assert settings.link_base("zitadel") == "https://mock.example/__admin/reset-page/zitadel"
    assert settings.log_requests and settings.journal_secrets


def test_no_cors_turns_cors_off(serve_settings: ServeSettings) -> None:
    assert not serve_settings(["--no-cors"]).cors


@pytest.mark.parametrize(
    "argv",
    [["--link-base", "acme=http://x.example"], ["--link-base", "placewise"], ["--link-base", "placewise=/reset"],
     ["--public-url", "mock.example"]],
)  # fmt: skip
def test_bad_link_options_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", *argv])
    assert exit_.value.code == 2 and argv[0] in capsys.readouterr().err


def test_a_config_file_sets_serve_options(tmp_path: Path, serve_settings: ServeSettings) -> None:
    config = tmp_path / "resetkit.toml"
    config.write_text(
        'port = 9001\nstrict = true\nlog-requests = true\ncors_origin = ["http://localhost:3000"]\n'
        '[link-base]\nleadsquared = "http://localhost:3000/portal/reset"\n',
        encoding="utf-8",
    )
    settings = serve_settings(["--config", str(config)])
    assert settings.port == 9001 and settings.strict and settings.log_requests
    assert settings.cors_origins == ("http://localhost:3000",)
    assert settings.link_base("leadsquared") == "http://localhost:3000/portal/reset"


def test_the_command_line_wins_over_the_config_file(tmp_path: Path, serve_settings: ServeSettings) -> None:
    config = tmp_path / "resetkit.toml"
    config.write_text('port = 9001\n[link-base]\nsocialid = "http://a.example/r"\n', encoding="utf-8")
    settings = serve_settings(["--port", "9002", "--config", str(config), "--link-base", "socialid=http://b.example/r"])
    assert settings.port == 9002 and settings.link_base("socialid") == "http://b.example/r"


@pytest.mark.parametrize(
    ("content", "complaint"),
    [("colour = 'red'\n", "unknown option 'colour'"), ("port = \n", "--config"), ("port = 'x'\n", "--port")],
)
def test_a_bad_config_file_is_a_usage_error(
    tmp_path: Path, content: str, complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "resetkit.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--config", str(config)])
    assert exit_.value.code == 2 and complaint in capsys.readouterr().err


def test_the_banner_names_the_inbox_and_where_links_point() -> None:
    settings = Settings(link_bases=(("zitadel", "http://localhost:3000/z"),))
    text = cli.banner(settings, {name: {} for name in settings.vendors})
    assert "http://127.0.0.1:8080/__admin/inbox" in text and "zitadel -> http://localhost:3000/z" in text


def test_smtp_names_where_every_email_is_also_delivered(serve_settings: ServeSettings) -> None:
    assert serve_settings(["--smtp", "127.0.0.1:1025"]).smtp == "127.0.0.1:1025"
    assert serve_settings([]).smtp is None


@pytest.mark.parametrize("address", ["127.0.0.1", "mail:smtp", ":25", "host:70000"])
def test_smtp_needs_host_and_port(address: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--smtp", address])
    assert "is not HOST:PORT" in capsys.readouterr().err


def test_connection_settings_default_to_the_readme_values(serve_settings: ServeSettings) -> None:
    settings = serve_settings([])
    assert (settings.read_timeout, settings.idle_timeout, settings.max_connections) == (10.0, 75.0, None)


def test_connection_flags_set_timeouts_and_the_cap(serve_settings: ServeSettings) -> None:
    settings = serve_settings(["--read-timeout", "2.5", "--idle-timeout", "30", "--max-connections", "100"])
    assert (settings.read_timeout, settings.idle_timeout, settings.max_connections) == (2.5, 30.0, 100)


@pytest.mark.parametrize(
    "argv", [["--read-timeout", "0"], ["--idle-timeout", "-1"], ["--max-connections", "0"], ["--read-timeout", "x"]]
)
def test_bad_connection_settings_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", *argv])
    assert exit_.value.code == 2 and argv[0] in capsys.readouterr().err


# What a team shapes of a vendor (--customize, [customize.VENDOR]) ------------------------------------------------
def test_customize_flags_reach_the_settings(serve_settings: ServeSettings) -> None:
    settings = serve_settings(["--customize", "zitadel.org_name=Acme", "--customize", "zitadel.primary_color=#fff"])
    assert settings.customizations == (("zitadel", "org_name", "Acme"), ("zitadel", "primary_color", "#fff"))


def test_a_config_files_customize_tables_are_customize_flags(tmp_path: Path, serve_settings: ServeSettings) -> None:
    config = tmp_path / "resetkit.toml"
    config.write_text(
        '[customize.zitadel]\norg_name = "Acme Travel"\npassword_min_length = 12\npassword_requires_symbol = false\n',
        encoding="utf-8",
    )
    settings = serve_settings(["--config", str(config)])
    assert settings.customizations == (
        ("zitadel", "org_name", "Acme Travel"),
        ("zitadel", "password_min_length", "12"),
        ("zitadel", "password_requires_symbol", "false"),
    )


@pytest.mark.parametrize("value", ["org_name=Acme", "acme.org_name=Acme", "zitadel.org_name"])
def test_a_customize_flag_that_names_no_vendor_setting_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--customize", value])
    assert exit_.value.code == 2 and "VENDOR.NAME=VALUE" in capsys.readouterr().err


def test_a_setting_the_vendor_refuses_stops_the_start(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["serve", "--port", "0", "--vendor", "zitadel", "--customize", "zitadel.warn_color=red"])
    assert code == 2 and "cannot start: --customize zitadel: warn_color is a colour" in capsys.readouterr().err
