"""The pytest plugin behind every suite: target selection (the mock by default, or `--target URL` for any
deployment), the Hypothesis profiles and the markers. `resetkit conform` loads it explicitly (`-p`); the
checkout's root conftest.py loads it for `pytest` runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from ..runner import LiveMock, start_live_mock
from ..settings import ALL_VENDORS, Settings
from .target import Target, TargetError, connect

# `ci` keeps `make test` within minutes on 2 cores; `deep` is for a night run (`--hypothesis-profile=deep`).
settings.register_profile(
    "ci", max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, print_blob=True
)
settings.register_profile("deep", max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("RESETKIT_HYPOTHESIS_PROFILE", "ci"))

# Gherkin tags become markers; registered here so that `--strict-markers` holds wherever the suites run.
MARKERS = {
    "mock_only": "needs the mock's outbox, clock or admin API",
    "placewise": "Placewise scenarios",
    "zitadel": "ZITADEL scenarios",
    "socialid": "Social ID scenarios",
    "leadsquared": "LeadSquared scenarios",
    "rate_limit": "rate limiting scenarios",
    "contract": "property-based contract tests",
    "slow": "runs a subprocess or many examples",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("resetkit", "resetkit conformance target")
    group.addoption("--target", default=None, help="URL of the implementation under test (default: the mock)")
    group.addoption(
        "--vendor", action="append", default=[], choices=ALL_VENDORS, help="vendor to test (repeatable; default all)"
    )
    group.addoption("--credentials", default=None, help="YAML or JSON credentials per vendor (default: the mock's)")
    group.addoption("--include-inferred", action="store_true", help="also test operations whose x-source is inferred")


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")


@pytest.fixture(scope="session")
def live_mock(request: pytest.FixtureRequest) -> Iterator[LiveMock]:
    """The mock on a free port in a thread, strict: a response that breaks its spec is a 500 and fails the test."""
    vendors = tuple(request.config.getoption("--vendor")) or ALL_VENDORS
    # One vendor is served at the root, as `resetkit serve --vendor X` does; several under /<vendor>.
    mock_settings = Settings(port=0, strict=True, accounts=20, vendors=vendors, mount_at_root=len(vendors) == 1)
    with start_live_mock(mock_settings) as mock:
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
