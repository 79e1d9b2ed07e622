"""Where the product's own files live. The specs, the Gherkin features and the conformance suites ship inside the
installed package (`resetkit.specs`, `resetkit.features`, `resetkit.conform.suites`), so a wheel and a development
checkout find them the same way: through the import system, never by a path relative to a source tree.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

# The name this package is installed under ("resetkit"); the source folder is called mocks/.
PACKAGE = __name__.rpartition(".")[0]


def version() -> str:
    """The installed distribution's version ("unknown" when run from a tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version(PACKAGE)
    except PackageNotFoundError:
        return "unknown"


class ResourcesMissing(RuntimeError):
    """The installation lacks the specs, features or suites (a broken or zipped install)."""


@functools.cache
def package_dir(name: str) -> Path:
    """The folder of the sub-package `name` (specs, features, conform.suites) on the file system."""
    try:
        found = files(f"{PACKAGE}.{name}")
    except ModuleNotFoundError:
        raise ResourcesMissing(f"{PACKAGE}.{name} is not installed; reinstall resetkit") from None
    if not isinstance(found, Path) or not found.is_dir():
        raise ResourcesMissing(f"{PACKAGE}.{name} is not a folder on disk ({found}); install resetkit unzipped")
    return found


def specs_dir() -> Path:
    return package_dir("specs")


def features_dir() -> Path:
    return package_dir("features")


def suites_dir() -> Path:
    return package_dir("conform.suites")
