"""In a checkout, pytest imports the shipped suites as `mocks.conform.suites...`; conform's import finder makes that
name the installed `resetkit` module itself, which keeps its own spec, so its files can still be read."""

from __future__ import annotations

import importlib
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest

import resetkit.conform.plugin  # noqa: F401  (installs the alias)
from resetkit.resources import package_dir


@pytest.fixture
def through_the_alias() -> ModuleType:
    if Path(resetkit.conform.plugin.__file__).resolve().parents[1].name != "mocks":
        pytest.skip("an installed wheel has no mocks/ folder to alias")
    return importlib.import_module("mocks.conform.suites")


def test_the_alias_is_the_installed_module(through_the_alias: ModuleType) -> None:
    assert through_the_alias is importlib.import_module("resetkit.conform.suites")


def test_the_module_keeps_its_own_spec_and_its_files(through_the_alias: ModuleType) -> None:
    assert through_the_alias.__spec__ is not None and through_the_alias.__spec__.name == "resetkit.conform.suites"
    assert isinstance(files("resetkit.conform.suites"), Path)
    assert (package_dir("conform.suites") / "security").is_dir()
