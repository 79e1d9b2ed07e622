"""The store fixtures (every store test runs against the in-memory store and the SQLite one) and `serve_settings`."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from resetkit import cli
from resetkit.settings import Settings
from resetkit.store.memory import InMemoryStore, StoreLimits
from resetkit.store.sqlite import SQLiteStore

StoreFactory = Callable[..., InMemoryStore]
ServeSettings = Callable[[list[str]], Settings]


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


@pytest.fixture
def serve_settings(monkeypatch: pytest.MonkeyPatch) -> ServeSettings:
    """`serve_settings(argv)`: the Settings `resetkit serve ARGV` would run with (the server itself is not started)."""

    def settings_for(argv: list[str]) -> Settings:
        seen: list[Settings] = []

        def fake_serve(args: argparse.Namespace) -> int:
            seen.append(cli.settings_from(args))
            return 0

        monkeypatch.setattr(cli, "serve", fake_serve)
        assert cli.main(["serve", *argv]) == 0
        return seen[0]

    return settings_for
