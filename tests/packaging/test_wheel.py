"""The built wheel, installed non-editable in a fresh venv, works from any directory: serve, conform, errors."""

from __future__ import annotations

import json
import subprocess
import tarfile
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import requests

from .conftest import ROOT, Built, Served, env_with, serve, single_line, stop

pytestmark = pytest.mark.slow
CONFORM_TIMEOUT = 900
SPECS = {"placewise", "zitadel", "socialid", "leadsquared", "admin"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Someone else's project: it has its own `mocks` package, the name our source folder has."""
    folder = tmp_path / "their-project"
    (folder / "mocks").mkdir(parents=True)
    (folder / "mocks" / "__init__.py").write_text('OWNER = "their project"\n', encoding="utf-8")
    return folder


def run(bin_dir: Path, *args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env_with(bin_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_wheel_carries_the_specs_the_features_and_the_suites(built: Built) -> None:
    names = set(zipfile.ZipFile(built.wheel).namelist())
    assert {f"resetkit/specs/{name}.yaml" for name in SPECS} <= names
    assert any(n.startswith("resetkit/features/zitadel/") and n.endswith(".feature") for n in names)
    for suite in ("contract", "bdd", "security"):
        assert any(n.startswith(f"resetkit/conform/suites/{suite}/test_") for n in names), suite
        assert f"resetkit/conform/suites/{suite}/conftest.py" in names, suite
    assert {"resetkit/conform/conform.ini", "resetkit/conform/plugin.py", "resetkit/conform/driving.py"} <= names
    assert {f"resetkit/clients/{name}.py" for name in ("__init__", "base", *SPECS - {"admin"})} <= names
    assert "resetkit/py.typed" in names
    # The project's own tests stay out: the wheel holds the package as the source tree holds it, nothing else.
    assert not any(n.startswith(("mocks/", "tests/", "resetkit/suites/")) for n in names)


def test_the_sdist_carries_what_the_wheel_is_built_from(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "mocks/app.py", "specs/zitadel.yaml", "mocks/conform/suites/bdd/conftest.py"} <= names
    assert any(n.startswith("features/leadsquared/") for n in names)


def test_their_mocks_package_and_resetkit_do_not_shadow_each_other(installed: Path, project: Path) -> None:
    done = run(installed, "python", "-c", "import mocks, resetkit.app; print(mocks.OWNER)", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "their project"


def test_the_installed_command_tells_its_version(installed: Path, project: Path) -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    done = run(installed, "resetkit", "--version", cwd=project)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"resetkit {declared}\n", "")


def test_the_installed_serve_answers_from_their_project(installed: Path, project: Path) -> None:
    served = serve([str(installed / "resetkit"), "serve"], project, project.parent / "serve.log")
    try:
        assert requests.get(f"{served.url}/__admin/health", timeout=5).json()["status"] == "ok"
        assert requests.get(f"{served.url}/__admin/credentials", timeout=5).json()["zitadel"]["access_token"]
    finally:
        stop(served)


def test_the_installed_conform_checks_a_mock_with_files_kept_elsewhere(
    installed: Path, project: Path, served_mock: Served, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    credentials = requests.get(f"{served_mock.url}/__admin/credentials", timeout=5).json()
    (elsewhere / "creds.json").write_text(json.dumps(credentials), encoding="utf-8")
    done = run(
        installed,
        *("resetkit", "conform", "--target", served_mock.url, "--vendor", "zitadel", "--vendor", "leadsquared"),
        *("--credentials", str(elsewhere / "creds.json"), "--junit", "out/j.xml", "--report", "out/r.md"),
        cwd=project,
        timeout=CONFORM_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    junit = ET.parse(project / "out" / "j.xml").getroot()
    suites = [junit] if junit.tag == "testsuite" else junit.findall("testsuite")
    assert sum(int(s.get("tests", 0)) for s in suites) > 0
    assert sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites) == 0
    assert (project / "out" / "r.md").read_text(encoding="utf-8").startswith("# Conformance report")


def test_missing_credentials_are_a_one_line_usage_error(installed: Path, project: Path, served_mock: Served) -> None:
    done = run(
        installed,
        *("resetkit", "conform", "--target", served_mock.url, "--vendor", "zitadel"),
        *("--credentials", "/missing.yaml", "--report", "out/r.md"),
        cwd=project,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert single_line(done.stderr) and "/missing.yaml" in done.stderr, done.stderr
    assert "set-up error" in (project / "out" / "r.md").read_text(encoding="utf-8")


def test_conform_without_its_engines_says_what_to_install(installed: Path, project: Path) -> None:
    # As if only `pip install resetkit` had run: the conform extra's packages cannot be imported.
    script = (
        "import sys\n"
        "for name in ('pytest', 'schemathesis', 'pytest_bdd'): sys.modules[name] = None\n"
        "from resetkit.cli import main\n"
        "sys.exit(main(['conform', '--target', 'http://127.0.0.1:9']))\n"
    )
    done = run(installed, "python", "-c", script, cwd=project)
    assert done.returncode == 2
    assert single_line(done.stderr) and "resetkit[conform]" in done.stderr, done.stderr
