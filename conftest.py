"""Target selection for every suite: the in-process mock by default, or `--target URL` for any deployment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from mocks.conform.target import Target, TargetError, connect
from mocks.runner import LiveMock, start_live_mock
from mocks.settings import ALL_VENDORS, Settings

pytest_plugins = ["tests.fixtures.app"]

# `ci` keeps `make test` within minutes on 2 cores; `deep` is for a night run (`--hypothesis-profile=deep`).
settings.register_profile(
    "ci", max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, print_blob=True
)
settings.register_profile("deep", max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("RESETKIT_HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("resetkit", "resetkit conformance target")
    group.addoption("--target", default=None, help="URL of the implementation under test (default: the mock)")
    group.addoption(
        "--vendor", action="append", default=[], choices=ALL_VENDORS, help="vendor to test (repeatable; default all)"
    )
    group.addoption("--credentials", default=None, help="YAML or JSON credentials per vendor (default: the mock's)")
    group.addoption("--include-inferred", action="store_true", help="also test operations whose x-source is inferred")


@pytest.fixture(scope="session")
def live_mock(request: pytest.FixtureRequest) -> Iterator[LiveMock]:
    """The mock on a free port in a thread, strict: a response that breaks its spec is a 500 and fails the test."""
    vendors = tuple(request.config.getoption("--vendor")) or ALL_VENDORS
    # One vendor is served at the root, as `resetkit serve --vendor X` does; several under /<vendor>.
    settings = Settings(port=0, strict=True, accounts=20, vendors=vendors, mount_at_root=len(vendors) == 1)
    with start_live_mock(settings) as mock:
        yield mock
    assert not mock.env.violations, "the mock broke its own spec:\n" + "\n".join(mock.env.violations)


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    """The selected implementation, with its credentials and (for the mock) the admin API."""
    config = request.config
    url = config.getoption("--target")
    include_inferred = bool(config.getoption("--include-inferred"))
    if url is None:
        url = request.getfixturevalue("live_mock").url
        include_inferred = True  # the mock implements every operation, inferred ones included
    try:
        return connect(url, tuple(config.getoption("--vendor")), config.getoption("--credentials"), include_inferred)
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture
def clean_mock(target: Target) -> Target:
    """The target with the mock's state reset (accounts as seeded, empty outbox); a no-op on other targets."""
    if target.admin is not None:
        target.admin.reset()
    return target
