"""The pytest plugin behind every suite: target selection (the mock by default, or `--target URL` for any
deployment), the Hypothesis profiles and the markers. `resetkit conform` loads it explicitly (`-p`); the
checkout's root conftest.py loads it for `pytest` runs.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ..runner import LiveMock, start_live_mock
from ..settings import ALL_VENDORS, Settings
from .inspection import Inspector, activated, last_exchange
from .target import Target, TargetError, connect

# `ci` keeps `make test` within minutes on 2 cores; `deep` is for a night run (`--hypothesis-profile=deep`).
settings.register_profile(
    "ci", max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, print_blob=True
)
settings.register_profile("deep", max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
# The fuzz gate's bounded run in CI (`make fuzz FUZZ_PROFILE=fuzz-ci`): four times `ci`, as reproducible.
settings.register_profile(
    "fuzz-ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    print_blob=True,
)
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
    mock_settings = Settings(
        port=0, strict=True, accounts=20, vendors=vendors, mount_at_root=len(vendors) == 1, grpc_port=0
    )
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


# Response inspection and what a report shows of a test (issue 10, "check harder" and "a report") ---------------
@pytest.fixture
def inspector(target: Target) -> Iterator[Inspector]:
    """The test's response inspector (spec oracle, stack traces, retired secrets), active while the test runs."""
    with activated(Inspector(target)) as active_inspector:
        yield active_inspector


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Every report names its vendor and suite; a failing one carries the last request and response it saw."""
    report = yield
    properties = [("vendor", vendor_of(item) or ""), ("suite", suite_of(item))]
    used = getattr(item, "funcargs", {}).get("inspector")
    if report.failed and isinstance(used, Inspector) and (exchange := last_exchange(used.exchanges)):
        properties += [("request", exchange[0]), ("response", exchange[1])]
    report.user_properties = [*report.user_properties, *properties]
    return report


def vendor_of(item: pytest.Item) -> str | None:
    """The vendor a test is about: its vendor marker, else a vendor named by its parameters or its name."""
    for marker in item.iter_markers():
        if marker.name in ALL_VENDORS:
            return marker.name
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec is not None else ():
        named = getattr(value, "vendor", value)
        if isinstance(named, str) and named in ALL_VENDORS:
            return named
    name = getattr(item, "originalname", item.name)
    return next((v for v in ALL_VENDORS if f"_{v}_" in f"_{name}_"), None)


def suite_of(item: pytest.Item) -> str:
    """The suite folder a test lives in (contract, bdd, security), else its module's name."""
    parts = item.nodeid.split("::")[0].split("/")
    return parts[-2] if len(parts) > 1 else parts[0].removesuffix(".py")


def selected_vendors(config: pytest.Config) -> tuple[str, ...]:
    """The vendors `--vendor` asks for; all of them when it is not given."""
    return tuple(config.getoption("--vendor")) or ALL_VENDORS


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A suite module of one unselected vendor (`test_<vendor>.py`) is not even imported."""
    stem = collection_path.stem
    unselected = set(ALL_VENDORS) - set(selected_vendors(config))
    return True if collection_path.suffix == ".py" and stem.removeprefix("test_") in unselected else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests about an unselected vendor are deselected, so reports list only what was asked for."""
    wanted = set(selected_vendors(config))
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        vendor = vendor_of(item)
        (drop if vendor is not None and vendor not in wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
