"""The store fixtures: every store test runs against the in-memory store and the SQLite one (saved state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from resetkit.store.memory import InMemoryStore, StoreLimits
from resetkit.store.sqlite import SQLiteStore

StoreFactory = Callable[..., InMemoryStore]


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """`make_store(**limits)`: a new empty store of the kind under test (SQLite: a new file in tmp_path)."""
    opened: list[SQLiteStore] = []

    def make(**limits: float) -> InMemoryStore:
        chosen = StoreLimits(**limits)  # type: ignore[arg-type]
        if request.param == "memory":
            return InMemoryStore(chosen)
        store = SQLiteStore(str(tmp_path / f"state{len(opened)}.db"), chosen)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
