"""pyproject's hand-kept list of packages names every package folder of mocks/, so no module is left out of the
wheel (setuptools installs only the packages it is given; a missing one fails at import, on users' machines)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_of_mocks_is_in_the_wheel() -> None:
    folders = {
        ".".join(("resetkit", *init.parent.relative_to(ROOT / "mocks").parts))
        for init in (ROOT / "mocks").rglob("__init__.py")
    }
    assert sorted(folders - set(SETUPTOOLS["packages"])) == []


def test_the_fleets_lua_script_is_package_data() -> None:
    assert "fleet/*.lua" in SETUPTOOLS["package-data"]["resetkit"]
