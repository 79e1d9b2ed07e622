"""Every scenario is tagged with what its steps need beyond the vendor's API (resetkit.conform.target.CAPABILITIES),
so that a deployment skips exactly what it cannot run, and runs everything else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytest_bdd.parser import FeatureParser, ScenarioTemplate

from resetkit.conform.target import CAPABILITIES

FEATURES = Path(__file__).resolve().parents[2] / "features"
# What a step's text shows it needs (the shared steps in mocks/conform/suites/bdd/conftest.py and each vendor's module).
NEEDS = {
    "mailbox": re.compile(
        r"receives (an e-mail|the (registration|one-time) password by e-mail)|received the e-mail"
        r"|from the (first )?e-mail|outbox holds no message|^the message |^the link carries"
    ),
    "sms": re.compile(r"text message"),
    "clock": re.compile(r"^the clock moves forward"),
    "creates_accounts": re.compile(r"^an? \w[\w ]* account with e-mail"),
}


def rendered_scenarios() -> list[tuple[str, set[str], list[str]]]:
    """(name, tags, step texts) of every scenario, an outline once per Examples row with that block's tags."""
    found = []
    for path in sorted(FEATURES.glob("*/*.feature")):
        feature = FeatureParser(str(FEATURES), str(path.relative_to(FEATURES))).parse()
        for template in feature.scenarios.values():
            tags = feature.tags | template.tags
            for examples, context in _contexts(template):
                steps = [step.name for step in template.render(context).steps]
                found.append((f"{path.stem}: {template.name} {context or ''}", tags | examples, steps))
    return found


def _contexts(template: ScenarioTemplate) -> list[tuple[set[str], dict[str, str]]]:
    if not template.examples:
        return [(set(), {})]
    return [(set(block.tags), context) for block in template.examples for context in block.as_contexts()]


SCENARIOS = rendered_scenarios()


@pytest.mark.parametrize(("name", "tags", "steps"), SCENARIOS, ids=[name for name, _, _ in SCENARIOS])
def test_a_scenario_is_tagged_with_what_its_steps_need(name: str, tags: set[str], steps: list[str]) -> None:
    needed = {capability for capability, pattern in NEEDS.items() for step in steps if pattern.search(step)}
    assert needed <= tags, f"tag it {' '.join(f'@{c}' for c in sorted(needed - tags))}"


def test_no_scenario_is_tagged_mock_only_any_more() -> None:
    assert all("mock_only" not in tags for _, tags, _ in SCENARIOS)
    assert set(NEEDS) <= set(CAPABILITIES)
