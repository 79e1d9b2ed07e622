"""Every documented request alternative, status, lifetime and flag of every operation, exercised against the target
with a valid request and its effect observed (the items: resetkit.clients.coverage; how: resetkit.conform.exercising).
"""

from __future__ import annotations

from ....clients.coverage import Item
from ...exercising import Exerciser
from .conftest import covered


def test_alternative(item: Item, exerciser: Exerciser) -> None:
    covered(exerciser.check_alternative, item)


def test_status(item: Item, exerciser: Exerciser) -> None:
    covered(exerciser.check_status, item)


def test_lifetime(item: Item, exerciser: Exerciser) -> None:
    covered(exerciser.check_lifetime, item)


def test_flag(item: Item, exerciser: Exerciser) -> None:
    covered(exerciser.check_flag, item)
