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


def test_the_banner_says_how_to_check_the_mock_as_the_readme_does() -> None:
    settings = Settings(port=9000)
    text = cli.banner(settings, {name: {} for name in settings.vendors})
    assert "resetkit conform --target http://127.0.0.1:9000 --vendor leadsquared" in text


def test_the_banner_of_a_one_vendor_mock_checks_that_vendor() -> None:
    text = cli.banner(Settings(vendors=("zitadel",), port=9000), {"zitadel": {}})
    assert "resetkit conform --target http://127.0.0.1:9000 --vendor zitadel" in text


def test_the_banner_of_a_mock_with_a_token_says_conform_needs_it() -> None:
    settings = Settings(port=9000, admin_token="s3cret")
    text = cli.banner(settings, {name: {} for name in settings.vendors})
    assert "resetkit conform --target http://127.0.0.1:9000 --vendor leadsquared" in text
    assert "the admin token in $RESETKIT_ADMIN_TOKEN" in text


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


# Who may reach the mock: --allowed-host and the admin token -----------------------------------------------------
@pytest.fixture
def no_token_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli.ADMIN_TOKEN_VARIABLE, raising=False)


def test_allowed_hosts_repeat_and_star_is_kept(serve_settings: ServeSettings) -> None:
    settings = serve_settings(["--allowed-host", "devbox.lan", "--allowed-host", ".tunnel.example"])
    assert settings.allowed_hosts == ("devbox.lan", ".tunnel.example")
    assert serve_settings(["--allowed-host", "*"]).allowed_hosts == ("*",)


@pytest.mark.parametrize("value", ["http://devbox.lan", "a b", ""])
def test_an_allowed_host_that_is_no_host_name_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--allowed-host", value])
    assert exit_.value.code == 2 and "is not a host name" in capsys.readouterr().err


@pytest.mark.usefixtures("no_token_in_environment")
def test_on_loopback_there_is_no_admin_token_by_default(serve_settings: ServeSettings) -> None:
    assert serve_settings([]).admin_token is None


@pytest.mark.usefixtures("no_token_in_environment")
def test_off_loopback_serve_makes_a_token(serve_settings: ServeSettings) -> None:
    first, second = serve_settings(["--host", "0.0.0.0"]), serve_settings(["--host", "0.0.0.0"])
    assert first.admin_token and second.admin_token and first.admin_token != second.admin_token
    assert len(first.admin_token) >= 32


@pytest.mark.usefixtures("no_token_in_environment")
def test_no_admin_auth_makes_none(serve_settings: ServeSettings) -> None:
    assert serve_settings(["--host", "0.0.0.0", "--no-admin-auth"]).admin_token is None


def test_the_token_comes_from_the_option_the_environment_or_the_config(
    tmp_path: Path, serve_settings: ServeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cli.ADMIN_TOKEN_VARIABLE, "from-the-environment")
    assert serve_settings(["--host", "0.0.0.0"]).admin_token == "from-the-environment"
    assert serve_settings([]).admin_token == "from-the-environment"  # on loopback too, when one is given
    assert serve_settings(["--admin-token", "from-the-option"]).admin_token == "from-the-option"
    config = tmp_path / "resetkit.toml"
    config.write_text('admin-token = "from-the-config"\nallowed-host = ["devbox.lan"]\n', encoding="utf-8")
    settings = serve_settings(["--config", str(config)])
    assert settings.admin_token == "from-the-config" and settings.allowed_hosts == ("devbox.lan",)


def test_a_token_and_no_admin_auth_contradict(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--admin-token", "x", "--no-admin-auth"])
    assert exit_.value.code == 2 and "contradict" in capsys.readouterr().err


def test_the_banner_shows_a_made_token_and_its_inbox_link() -> None:
    settings = Settings(host="0.0.0.0", admin_token="made-here")
    text = cli.banner(settings, {name: {} for name in settings.vendors}, made_token=True)
    assert "Authorization: Bearer made-here" in text
    assert "http://127.0.0.1:8080/__admin/inbox?token=made-here" in text


def test_the_banner_never_prints_a_token_the_user_chose() -> None:
    settings = Settings(admin_token="chosen-secret")
    text = cli.banner(settings, {name: {} for name in settings.vendors})
    assert "chosen-secret" not in text and "/__admin/inbox?token=<your admin token>" in text
