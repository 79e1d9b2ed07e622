"""How a check says something other than pass or fail, so that the report can count it apart.

- `not_applicable(vendor, reason)`: the check cannot apply to this vendor at all (ZITADEL is addressed by user id,
  so look-alike e-mail addresses mean nothing there). Reported as "not applicable", never as a gap in the run.
- `finding(check, message)`: a severity-S requirement of security.md is not met (SR-08, SR-15, SR-16, SR-18, ...), or
  a vendor's own contract falls short of a requirement (ZITADEL's composition rules, ASVS 6.2.5). security.md
  makes these warnings, not failures: the run still passes, and the report lists them as findings.
- anything else a check skips for (`pytest.skip("needs a mailbox ...")`) is "skipped": it could run with a
  better set-up (a mailbox, a way to create accounts, the mock's clock), and the report groups skips by reason.

All three are pytest skips with a recognisable prefix, so they read the same in pytest's own summary and JUnit.
"""

from __future__ import annotations

from typing import NoReturn

NOT_APPLICABLE = "N/A"
FINDING = "FINDING"


def not_applicable(vendor: str, reason: str) -> NoReturn:
    import pytest  # here, not at the top: the report imports this module where pytest may be missing

    pytest.skip(f"{NOT_APPLICABLE} for {vendor}: {reason}")


def finding(check: str, message: str) -> NoReturn:
    import pytest

    pytest.skip(f"{FINDING} {check} (severity S, a warning): {message}")


def classify(reason: str) -> str:
    """The report's status for a skip reason: "n/a", "warn" (a finding) or "skip"."""
    text = reason.removeprefix("Skipped: ").lstrip()
    if text.startswith(NOT_APPLICABLE):
        return "n/a"
    if text.startswith(FINDING):
        return "warn"
    return "skip"
