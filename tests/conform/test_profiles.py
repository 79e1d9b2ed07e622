"""schemathesis' credentials come from the client records: a session the spec's auth needs is signed in for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from resetkit.conform.profiles import auth_schemes
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings


@pytest.fixture(scope="module")
def mock() -> Iterator[LiveMock]:
    with start_live_mock(Settings(port=0, strict=True, accounts=2, vendors=("placewise",), grpc_port=None)) as live:
        yield live


def token_info(mock: LiveMock, club: str, token: str) -> int:
    url = f"{mock.url}/placewise/v3/{club}/members/oauth/token/info"
    return requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


def test_a_member_is_signed_in_for_the_member_token(mock: LiveMock) -> None:
    """Without `member_token`, the credentials' member (default: the mock's demo member) signs in for one."""
    credentials = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()["placewise"]
    auth = auth_schemes("placewise", credentials, f"{mock.url}/placewise")
    assert auth["clientToken"] == {"api_key": credentials["client_token"]}
    assert token_info(mock, credentials["loyalty_club_slug"], auth["memberToken"]["bearer"]) == 200


def test_a_given_member_token_is_used_as_it_is(mock: LiveMock) -> None:
    credentials = {"loyalty_club_slug": "c", "client_token": "t", "member_token": "mine"}
    assert auth_schemes("placewise", credentials, f"{mock.url}/placewise")["memberToken"] == {"bearer": "mine"}
