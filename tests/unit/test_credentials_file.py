"""A credentials file is checked against each vendor's client record before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from resetkit.conform.target import TargetError, load_credentials

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
