"""The ci/ templates work as written: each one's shell steps run in order, in a fresh folder and venv, with the
built wheel as the package to install, against a served mock that wants its admin token (which the templates pass
from a secret); the report and JUnit files they publish appear."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from .conftest import ADMIN_TOKEN, ROOT, Built, Served, env_with, fresh_venv

pytestmark = pytest.mark.slow
STEP_TIMEOUT = 900
VENDOR = "leadsquared"


@dataclass
class Job:
    """A template's job as this machine runs it: shell steps, their environment, what ran and what was skipped."""

    folder: Path
    env: dict[str, str]
    ran: list[str] = field(default_factory=list)
    provided_by_the_runner: list[str] = field(default_factory=list)

    def sh(self, script: str, shell: list[str], extra_env: dict[str, str] | None = None) -> None:
        done = subprocess.run(
            [*shell, script],
            cwd=self.folder,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        self.ran.append(script)
        assert done.returncode == 0, f"step failed ({done.returncode}): {script}\n{done.stdout[-3000:]}{done.stderr}"


def credentials_of(mock: Served) -> dict[str, Any]:
    answer = requests.get(
        f"{mock.url}/__admin/credentials", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=5
    )
    return {VENDOR: answer.json()[VENDOR]}


@pytest.fixture
def job(tmp_path: Path, built: Built) -> Job:
    """An empty job folder and a fresh venv first on PATH: what setup-python or the python image gives a job."""
    bin_dir = fresh_venv(tmp_path / "python")
    folder = tmp_path / "job"
    folder.mkdir()
    env = env_with(bin_dir, RESETKIT_PACKAGE=f"{built.wheel}[conform]")
    env.pop("RESETKIT_ADMIN_TOKEN", None)  # only what the template passes
    return Job(folder, env)


# GitHub Actions ---------------------------------------------------------------------------------------------------
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def github_expression(expression: str, contexts: dict[str, dict[str, str]]) -> str:
    """The `a || 'b'` subset of GitHub's expression language over `secrets`, `vars` and `github` contexts."""
    for operand in (part.strip() for part in expression.split("||")):
        if operand.startswith("'") and operand.endswith("'"):
            value = operand[1:-1]
        else:
            context, _, name = operand.partition(".")
            value = contexts[context].get(name, "")
        if value:
            return value
    return ""


def test_the_github_actions_template_publishes_a_report_and_junit(job: Job, served_guarded_mock: Served) -> None:
    workflow = yaml.safe_load((ROOT / "ci" / "github-actions.yml").read_text(encoding="utf-8"))
    secrets = {"RESETKIT_CREDENTIALS": yaml.safe_dump(credentials_of(served_guarded_mock))}
    contexts = {
        "secrets": {**secrets, "RESETKIT_ADMIN_TOKEN": ADMIN_TOKEN},
        "vars": {"RESETKIT_TARGET": served_guarded_mock.url, "RESETKIT_VENDOR": VENDOR, "RESETKIT_PACKAGE": ""},
        "github": {"ref": "refs/heads/main"},
    }
    (runner_temp := job.folder.parent / "runner-temp").mkdir()
    summary = job.folder.parent / "step-summary.md"
    job.env.update(RUNNER_TEMP=str(runner_temp), GITHUB_STEP_SUMMARY=str(summary), GITHUB_WORKSPACE=str(job.folder))
    # The install step reads vars.RESETKIT_PACKAGE; here that is the wheel under test.
    contexts["vars"]["RESETKIT_PACKAGE"] = job.env["RESETKIT_PACKAGE"]

    def evaluate(text: str) -> str:
        return _EXPRESSION.sub(lambda m: github_expression(m.group(1), contexts), text)

    for step in workflow["jobs"]["conform"]["steps"]:
        if "uses" in step:
            job.provided_by_the_runner.append(step["uses"])
            continue
        env = {name: evaluate(str(value)) for name, value in step.get("env", {}).items()}
        job.sh(evaluate(step["run"]), ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"], env)

    assert [uses.split("@")[0] for uses in job.provided_by_the_runner] == [
        "actions/setup-python",
        "actions/upload-artifact",
    ]
    assert_published(job.folder / "reports" / "conformance.xml", job.folder / "reports" / "conformance.md")
    assert summary.read_text(encoding="utf-8").startswith("# Conformance report")


# GitLab CI ----------------------------------------------------------------------------------------------------------
def test_the_gitlab_template_publishes_a_report_and_junit(job: Job, served_guarded_mock: Served) -> None:
    template = yaml.safe_load((ROOT / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))
    definition = template["resetkit-conformance"]
    secret_file = job.folder.parent / "RESETKIT_CREDENTIALS"  # a "File" variable: GitLab passes its path
    secret_file.write_text(yaml.safe_dump(credentials_of(served_guarded_mock)), encoding="utf-8")
    job.env.update(
        RESETKIT_TARGET=served_guarded_mock.url, RESETKIT_VENDOR=VENDOR, RESETKIT_CREDENTIALS=str(secret_file)
    )
    job.env["RESETKIT_ADMIN_TOKEN"] = ADMIN_TOKEN  # a masked CI/CD variable: GitLab puts it in the job's environment

    for command in [*definition["before_script"], *definition["script"]]:
        job.sh(command, ["sh", "-c"])

    assert definition["artifacts"]["when"] == "always"
    junit = job.folder / definition["artifacts"]["reports"]["junit"]
    assert_published(junit, job.folder / "reports" / "conformance.md")
    assert all((job.folder / path).exists() for path in definition["artifacts"]["paths"])


def assert_published(junit: Path, report: Path) -> None:
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert sum(int(s.get("tests", 0)) for s in suites) > 0, "the JUnit file records no tests"
    assert sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites) == 0
    assert report.read_text(encoding="utf-8").startswith("# Conformance report")
