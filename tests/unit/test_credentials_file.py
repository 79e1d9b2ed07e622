"""A credentials file is checked against each vendor's client record before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from resetkit.conform.target import TargetError, load_credentials, read_credentials_file

LEADSQUARED = {"access_key": "a", "secret_key": "s", "public_auth_key": "p"}


def written(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "creds.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_keys_a_record_knows_are_accepted_optional_ones_included(tmp_path: Path) -> None:
    entry = {**LEADSQUARED, "base_url": "https://x.example", "reset_ttl_seconds": 60, "known_identifier": "a@x"}
    placewise = {"loyalty_club_slug": "c", "client_token": "t", "member_identifier": "m@x", "member_password": "p"}
    path = written(tmp_path, {"leadsquared": entry, "placewise": placewise, "zitadel": {"access_token": "t"}})
    assert load_credentials(path)["leadsquared"]["reset_ttl_seconds"] == "60"


def test_a_missing_key_is_named_with_what_it_is_for(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsquared": {"access_key": "a", "secret_key": "s"}})
    with pytest.raises(TargetError, match=r"leadsquared needs public_auth_key \(header Authorization"):
        load_credentials(path)


def test_a_key_the_record_does_not_know_is_refused(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsquared": {**LEADSQUARED, "public_auth_kye": "p"}})
    with pytest.raises(TargetError, match="leadsquared has no key public_auth_kye"):
        load_credentials(path)


def test_listed_accounts_are_not_credentials(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsquared": {**LEADSQUARED, "accounts": [{"email": "a@x", "password": "p"}]}})
    assert "accounts" not in load_credentials(path)["leadsquared"]


def test_a_mistyped_key_is_named_with_the_key_it_probably_meant(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsquared": {**LEADSQUARED, "public_auth_kye": "p"}})
    with pytest.raises(TargetError, match=r"did you mean public_auth_key \(header Authorization"):
        load_credentials(path)


def test_an_empty_value_is_named_with_what_the_key_is_for(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsquared": {**LEADSQUARED, "public_auth_key": None}})
    with pytest.raises(TargetError, match=r"leadsquared\.public_auth_key is empty \(header Authorization"):
        load_credentials(path)


def test_a_value_must_be_text_not_a_mapping(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsquared": {**LEADSQUARED, "access_key": {"value": "a"}}})
    with pytest.raises(TargetError, match=r"leadsquared\.access_key must be text, not a mapping"):
        load_credentials(path)


def test_an_unknown_vendor_is_named_with_the_one_it_probably_meant(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsqared": LEADSQUARED})
    with pytest.raises(TargetError, match="unknown vendor leadsqared; did you mean leadsquared"):
        load_credentials(path)


def test_accounts_are_checked_even_when_the_target_will_be_the_mock(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsquared": {**LEADSQUARED, "accounts": [{"emial": "a@x", "password": "p"}]}})
    with pytest.raises(TargetError, match=r"leadsquared\.accounts\[1\] has no key emial; did you mean email"):
        load_credentials(path)


def test_a_listed_account_needs_a_password(tmp_path: Path) -> None:
    path = written(tmp_path, {"leadsquared": {**LEADSQUARED, "accounts": [{"email": "a@x"}]}})
    with pytest.raises(TargetError, match=r"leadsquared\.accounts\[1\] needs password \(its current password"):
        load_credentials(path)


def test_a_listed_account_needs_what_the_vendor_names_accounts_by(tmp_path: Path) -> None:
    path = written(tmp_path, {"zitadel": {"access_token": "t", "accounts": [{"email": "a@x", "password": "p"}]}})
    with pytest.raises(TargetError, match=r"zitadel\.accounts\[1\] needs id \(ZITADEL names the account by its id\)"):
        load_credentials(path)


def test_every_mistake_is_one_line(tmp_path: Path) -> None:
    mistakes = [
        {"leadsquared": {"access_key": "a"}},
        {"leadsquared": {**LEADSQUARED, "accounts": [{"email": "a@x", "password": "p", "pin": "1"}]}},
        {"leadsquared": {**LEADSQUARED, "accounts": "a@x"}},
        ["leadsquared"],
    ]
    for number, data in enumerate(mistakes):
        folder = tmp_path / str(number)
        folder.mkdir()
        with pytest.raises(TargetError) as raised:
            load_credentials(written(folder, data))
        assert "\n" not in str(raised.value), str(raised.value)


def test_listed_accounts_are_read_with_the_credentials(tmp_path: Path) -> None:
    account = {"email": "a@x", "password": "p", "id": 7}
    path = written(tmp_path, {"leadsquared": {**LEADSQUARED, "accounts": [account]}})
    assert read_credentials_file(path).accounts == {"leadsquared": [{"email": "a@x", "password": "p", "id": "7"}]}
