"""The pytest plugin behind every suite: target selection (the mock by default, or `--target URL` for any
deployment), the Hypothesis profiles and the markers. `resetkit conform` loads it explicitly (`-p`); the
checkout's root conftest.py loads it for `pytest` runs.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import os
import secrets
import sys
from collections.abc import Generator, Iterator, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

from ..clients import CLIENTS, VENDORS
from ..resources import PACKAGE
from ..runner import LiveMock, start_live_mock
from ..settings import Settings
from .driving import PACER
from .failures import account_of
from .inspection import Inspector, Violation, activated
from .mailbox import DEFAULT_TIMEOUT, MailboxError
from .results import SUITE_ORDER, note_in_reports
from .target import ADMIN_TOKEN_VARIABLE, CAPABILITIES, RunOptions, Target, TargetError, connect, prepared

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
    **CAPABILITIES,
    **{name: f"{client.label} scenarios" for name, client in CLIENTS.items()},
    "rate_limit": "rate limiting scenarios",
    "contract": "property-based contract tests",
    "slow": "runs a subprocess or many examples",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("resetkit", "resetkit conformance target")
    group.addoption("--target", default=None, help="URL of the implementation under test (default: the mock)")
    group.addoption(
        "--vendor", action="append", default=[], choices=VENDORS, help="vendor to test (repeatable; default all)"
    )
    group.addoption("--credentials", default=None, help="YAML or JSON credentials per vendor (default: the mock's)")
    group.addoption("--include-inferred", action="store_true", help="also test operations whose x-source is inferred")
    # Deployments (issue 10): where the sent mail is read, how the run names its accounts, time and shared mocks.
    group.addoption("--mailbox", default=None, help="smtp://HOST:PORT (listen) or imap[s]://USER:PASS@HOST/FOLDER")
    group.addoption("--mailbox-timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds a message may take")
    group.addoption("--run-id", default=None, help="names this run's accounts (qa+<run-id>-...); default random")
    group.addoption("--wait-expiry", action="store_true", help="on a deployment, wait in real time for expiries")
    group.addoption("--reset-mock", action="store_true", help="reset the mock's state first (default: leave it)")


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")


@pytest.fixture(scope="session")
def live_mock(request: pytest.FixtureRequest) -> Iterator[LiveMock]:
    """The mock on a free port in a thread, strict: a response that breaks its spec is a 500 and fails the test."""
    vendors = tuple(request.config.getoption("--vendor")) or VENDORS
    # One vendor is served at the root, as `resetkit serve --vendor X` does; several under /<vendor>.
    mock_settings = Settings(
        port=0, strict=True, accounts=20, vendors=vendors, mount_at_root=len(vendors) == 1, grpc_port=0
    )
    with start_live_mock(mock_settings) as mock:
        yield mock
    assert not mock.env.violations, "the mock broke its own spec:\n" + "\n".join(mock.env.violations)


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The selected implementation, with its credentials, its mailbox and accounts, and (for the mock) the admin
    API. Afterwards a shared mock is left as found: its clock where it was, this run's accounts removed."""
    config = request.config
    url = config.getoption("--target")
    include_inferred = bool(config.getoption("--include-inferred"))
    if url is None:
        url = request.getfixturevalue("live_mock").url
        include_inferred = True  # the mock implements every operation, inferred ones included
    options = RunOptions(
        mailbox=config.getoption("--mailbox"),
        mailbox_timeout=float(config.getoption("--mailbox-timeout")),
        run_id=config.getoption("--run-id") or secrets.token_hex(4),
        wait_expiry=bool(config.getoption("--wait-expiry")),
        reset_mock=bool(config.getoption("--reset-mock")),
        admin_token=os.environ.get(ADMIN_TOKEN_VARIABLE) or None,
    )
    try:
        target = connect(
            url, tuple(config.getoption("--vendor")), config.getoption("--credentials"), include_inferred, options
        )
        with prepared(target, options, lambda line: _say(config, line)) as ready:
            _say(config, f"run {ready.run_id}; accounts: {ready.accounts.description}; mail: {_mail_source(ready)}")
            if ready.admin is not None:  # the pacing moves the mock's clock instead of waiting (driving.Pacer)
                PACER.fast_forward = ready.admin.advance_clock
            try:
                yield ready
            finally:
                PACER.fast_forward = None
    except (TargetError, MailboxError) as exc:
        raise pytest.UsageError(str(exc)) from None


def _say(config: pytest.Config, line: str) -> None:
    """One line on the terminal, outside pytest's output capture (what the run uses, for the person running it),
    and in the report. `resetkit conform` says it through its console; plain pytest through its reporter."""
    note_in_reports(config, line)
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        console = next((p for p in config.pluginmanager.get_plugins() if hasattr(p, "say")), None)
        if console is not None:
            console.say(line)
            return
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        if reporter._tw.width_of_current_line:  # after a row of progress dots
            reporter.write("\n")
        reporter.write_line(f"resetkit conform: {line}")


def _mail_source(target: Target) -> str:
    if target.mailbox is None:
        return "none (checks that read messages are skipped)"
    return type(target.mailbox).__name__.removesuffix("Mailbox").lower() or "mailbox"


def skip_unless_capable(item: pytest.Item, target: Target) -> None:
    """Skip a check tagged with a capability (@mailbox, @sms, @clock, @admin, @creates_accounts) the target lacks,
    naming the tag and the reason."""
    for name in CAPABILITIES:
        if item.get_closest_marker(name) is not None and (reason := target.lacks(name, vendor_of(item))):
            pytest.skip(f"@{name}: {reason}")


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
    """Every report names its vendor and suite; a failing one says which rule it breaks, what was sent (as curl)
    and what came back (failures.py)."""
    report = yield
    properties: list[tuple[str, str]] = [("vendor", vendor_of(item) or ""), ("suite", suite_of(item))]
    if report.failed and call.excinfo is not None:
        used = getattr(item, "funcargs", {}).get("inspector")
        exchanges = used.exchanges if isinstance(used, Inspector) else []
        account = account_of(call.excinfo.value, exchanges[-1] if exchanges else None)
        rule, step = account.rule, dict(item.user_properties).get("step")
        if step and isinstance(call.excinfo.value, Violation):  # the spec is the rule; the step is where
            rule = f"{rule}\n(in the step: {step})"
        elif step:  # the step is the rule
            rule = f"{step}\n{rule}"
        properties += [("rule", rule), ("sent", account.sent), ("received", account.received)]
        if call.when == "setup" and isinstance(call.excinfo.value, pytest.UsageError):  # the target fixture's
            properties.append(("setup_error", str(call.excinfo.value)))
    report.user_properties = [*report.user_properties, *properties]
    return report


def vendor_of(item: pytest.Item) -> str | None:
    """The vendor a test is about: its vendor marker, else a vendor named by its parameters or its name."""
    for marker in item.iter_markers():
        if marker.name in CLIENTS:
            return marker.name
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec is not None else ():
        named = getattr(value, "vendor", value)
        if isinstance(named, str) and named in CLIENTS:
            return named
    name = getattr(item, "originalname", item.name)
    return next((v for v in VENDORS if f"_{v}_" in f"_{name}_"), None)


def suite_of(item: pytest.Item) -> str:
    """The suite folder a test lives in (contract, bdd, security), else its module's name."""
    parts = item.nodeid.split("::")[0].split("/")
    return parts[-2] if len(parts) > 1 else parts[0].removesuffix(".py")


def selected_vendors(config: pytest.Config) -> tuple[str, ...]:
    """The vendors `--vendor` asks for; all of them when it is not given."""
    return tuple(config.getoption("--vendor")) or VENDORS


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A suite module of one unselected vendor (`test_<vendor>.py`) is not even imported."""
    stem = collection_path.stem
    unselected = set(VENDORS) - set(selected_vendors(config))
    return True if collection_path.suffix == ".py" and stem.removeprefix("test_") in unselected else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests about an unselected vendor are deselected, so reports list only what was asked for; the rest run
    suite by suite and, within a suite, vendor by vendor (so progress can be told per vendor and suite)."""
    wanted = set(selected_vendors(config))
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        vendor = vendor_of(item)
        (drop if vendor is not None and vendor not in wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # Only the suites' own items move; anything else collected beside them (the project's tests) keeps its place.
    slots = [at for at, item in enumerate(keep) if suite_of(item) in SUITE_ORDER]
    for at, item in zip(slots, sorted((keep[at] for at in slots), key=_run_order), strict=True):
        keep[at] = item
    items[:] = keep


def _run_order(item: pytest.Item) -> tuple[int, int]:
    vendor = vendor_of(item)
    return SUITE_ORDER.index(suite_of(item)), VENDORS.index(vendor) if vendor in VENDORS else len(VENDORS)


# The suites in a checkout ------------------------------------------------------------------------------------------
class _FolderAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports `<folder>.x` as the already importable `<package>.x` module itself, not as a second copy."""

    def __init__(self, folder: str, package: str) -> None:
        self.folder, self.package = folder, package
        self._own_specs: dict[str, ModuleSpec | None] = {}

    def _real(self, name: str) -> str | None:
        if name == self.folder or name.startswith(f"{self.folder}."):
            return self.package + name[len(self.folder) :]
        return None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        real = self._real(fullname)
        found = importlib.util.find_spec(real) if real is not None else None
        if found is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=found.submodule_search_locations is not None)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        real = self._real(spec.name)
        assert real is not None
        module = importlib.import_module(real)
        self._own_specs[real] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The module ran when it was imported under its own name. importlib has just given it this alias's spec;
        # it gets its own back, which importlib.resources reads its files through.
        module.__spec__ = self._own_specs.pop(module.__name__, module.__spec__)


def _suites_as_one_package() -> None:
    """pytest names a test module after its folders. In a checkout the package's folder is `mocks/` (installed as
    `resetkit` by the editable install), so the suites under `mocks/conform/suites` would be imported as `mocks.*`,
    a second copy of resetkit beside the one the plugin uses. There, `mocks.*` is made to mean `resetkit.*`;
    in a wheel the folder is `resetkit/` and nothing is done."""
    folder = Path(__file__).resolve().parents[1].name
    if folder != PACKAGE and folder.isidentifier() and not any(isinstance(f, _FolderAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, _FolderAlias(folder, PACKAGE))


_suites_as_one_package()
