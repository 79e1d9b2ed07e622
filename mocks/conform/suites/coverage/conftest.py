"""The coverage suite: one check per item a vendor's contract documents (resetkit.clients.coverage), generated from
the spec and observed through the vendor's client record, so a new operation or enum value needs no new test code.

Each check is parametrized with its item (`[placewise-createToken-body:grant_type=refresh_token]`) and tagged with
the capabilities it needs (@clock for a lifetime, @mailbox, @sms, @creates_accounts), so it runs, or is skipped
with the reason, on any target. What the record marks as unobservable is "not applicable" with its reason; what the
record does not say how to do is skipped, so the coverage table lists it as not covered, with why.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from ....clients import CLIENTS, COVERAGE, VENDORS, coverage_items
from ....clients.coverage import Item, check_id
from ...driving import Driver, empty_rate_windows
from ...exercising import Exerciser, RecordGap, capabilities
from ...inspection import Inspector
from ...outcomes import not_applicable
from ...plugin import selected_vendors, skip_unless_capable
from ...target import Target


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`item` is every item of its kind (the test's name: test_alternative, test_status, ...) of the selected
    vendors, marked with the capabilities its check needs."""
    if "item" not in metafunc.fixturenames:
        return
    kind = metafunc.function.__name__.removeprefix("test_")
    wanted = [v for v in VENDORS if v in selected_vendors(metafunc.config)]
    params = [
        pytest.param(item, id=check_id(item), marks=[getattr(pytest.mark, c) for c in sorted(_needs(item))])
        for vendor in wanted
        for item in coverage_items(vendor)
        if item.kind == kind
    ]
    metafunc.parametrize("item", params)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A kind no selected vendor documents (no lifetimes, say) leaves no check behind, not an empty skipped one."""
    empty = [i for i in items if _is_empty_kind(i)]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [i for i in items if not _is_empty_kind(i)]


def _is_empty_kind(test: pytest.Item) -> bool:
    callspec = getattr(test, "callspec", None)
    return "item" in getattr(test, "fixturenames", ()) and not isinstance(
        callspec.params.get("item") if callspec is not None else None, Item
    )


def _needs(item: Item) -> set[str]:
    return capabilities(item, COVERAGE[item.vendor], CLIENTS[item.vendor])


@pytest.fixture(autouse=True)
def _fits_target(request: pytest.FixtureRequest, target: Target) -> None:
    skip_unless_capable(request.node, target)


@pytest.fixture
def exerciser(item: Item, target: Target, inspector: Inspector) -> Iterator[Exerciser]:
    """A client of the item's vendor with a fresh set of values; its own rate budget on the mock."""
    if item.vendor not in target.vendors:
        pytest.skip(f"the target does not serve {item.vendor}")
    operation = CLIENTS[item.vendor].spec.operations[item.operation]
    if operation.source == "inferred" and not target.include_inferred:
        not_applicable(
            item.vendor,
            "an inferred operation (x-source: inferred), documented by no vendor page; "
            "pass --include-inferred to check it",
        )
    reason = COVERAGE[item.vendor].why_not_applicable(item)
    if reason is not None:
        not_applicable(item.vendor, reason)
    if target.is_mock:
        empty_rate_windows(target, item.vendor)
    with requests.Session() as session:
        yield Exerciser.of(Driver(target, CLIENTS[item.vendor], "", session))


def covered(check: object, item: Item) -> None:
    """Run a check; a gap in the client record is a skip with its reason (the table lists it as not covered)."""
    try:
        check(item)  # type: ignore[operator]
    except RecordGap as gap:
        pytest.skip(f"not covered: {gap}")
    except AssertionError as failure:  # the item first, so the table's line says what was checked
        raise AssertionError(f"{_name(item)}: {failure}") from None


def _name(item: Item) -> str:
    return f"{item.operation} status {item.label}" if item.kind == "status" else f"{item.operation} {item.label}"
