"""The run as JUnit XML, written from the same outcomes as the report, so that CI counts what the report counts.

One `<testsuite>` per suite and vendor (`contract: zitadel`), one `<testcase>` per check:

- `fail`: a `<failure>` whose message is the broken rule and whose text is the failure as the report tells it
  (rule, what was sent as curl, what came back);
- `warn`: a passed test case carrying its finding as the `finding` property and in `<system-out>` (a warning
  is not a failure, and not a skip either);
- `skip`: `<skipped>` with the reason, and nothing else is skipped;
- `n/a`: no test case (the check cannot apply to the vendor); each suite lists them in its `not_applicable`
  property and its `<system-out>`, so `tests` is the number of applicable checks.

A run that could not start writes one errored test case that says why.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from ..resources import version
from .report import Report, failure_text
from .results import SUITE_ORDER, Outcome

ERROR_TYPE = "SetupError"
# Characters XML 1.0 cannot carry at all (a check may send a NUL or an escape sequence); shown as \\xNN instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="resetkit conform")
    about = {"target": report.target, "verdict": report.line, "resetkit": version()}
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in report.outcomes:
        groups.setdefault((outcome.suite or "other", outcome.vendor or "any"), []).append(outcome)
    ordered = sorted(groups, key=lambda key: (SUITE_ORDER.index(key[0]) if key[0] in SUITE_ORDER else 9, key[1]))
    for suite, vendor in ordered:
        root.append(_testsuite(suite, vendor, groups[(suite, vendor)], report.leads, about))
    _total(root)
    return _xml(root)


def _testsuite(
    suite: str, vendor: str, outcomes: Sequence[Outcome], leads: Sequence[str], about: dict[str, str]
) -> ET.Element:
    element = ET.Element("testsuite", name=f"{suite}: {vendor}")
    not_applicable = [o for o in outcomes if o.status == "n/a"]
    element.append(_properties({**about, "not_applicable": str(len(not_applicable))}))
    for outcome in outcomes:
        if outcome.status != "n/a":
            element.append(_testcase(suite, vendor, outcome))
    out = [*leads, *(f"not applicable: {o.item}: {o.reason}" for o in not_applicable)]
    if out:
        ET.SubElement(element, "system-out").text = "\n".join(out)
    cases = element.findall("testcase")
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", "0")
    element.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    element.set("time", f"{sum(float(c.get('time', 0)) for c in cases):.3f}")
    return element


def _testcase(suite: str, vendor: str, outcome: Outcome) -> ET.Element:
    case = ET.Element("testcase", classname=f"{suite}.{vendor}", name=outcome.item, time=f"{outcome.seconds:.3f}")
    properties = {"vendor": outcome.vendor, "suite": outcome.suite, "result": outcome.status}
    if outcome.security_id:
        properties["requirement"] = outcome.security_id
    if outcome.status == "warn":
        properties["finding"] = outcome.reason
    case.append(_properties(properties))
    if outcome.status == "fail":
        failure = ET.SubElement(case, "failure", message=outcome.details or "failed", type="ConformanceFailure")
        failure.text = failure_text(outcome)
    elif outcome.status == "skip":
        ET.SubElement(case, "skipped", message=outcome.reason)
    elif outcome.status == "warn":
        ET.SubElement(case, "system-out").text = f"warning: {outcome.reason}"
    return case


def render_setup_error_junit(target: str, message: str) -> str:
    """One errored test case that says why the run did not start."""
    root = ET.Element("testsuites", name="resetkit conform")
    suite = ET.SubElement(root, "testsuite", name="resetkit conform: set-up")
    suite.append(_properties({"target": target, "resetkit": version()}))
    case = ET.SubElement(suite, "testcase", classname="resetkit.conform", name="set-up", time="0")
    ET.SubElement(case, "error", message=message, type=ERROR_TYPE).text = message
    suite.set("tests", "1")
    suite.set("failures", "0")
    suite.set("errors", "1")
    suite.set("skipped", "0")
    suite.set("time", "0")
    _total(root)
    return _xml(root)


def write_junit(path: str | Path, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _total(root: ET.Element) -> None:
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, 0)) for suite in root.findall("testsuite"))))
    root.set("time", f"{sum(float(suite.get('time', 0)) for suite in root.findall('testsuite')):.3f}")


def _properties(values: dict[str, str]) -> ET.Element:
    element = ET.Element("properties")
    for name, value in values.items():
        ET.SubElement(element, "property", name=name, value=value)
    return element


def _xml(root: ET.Element) -> str:
    for element in root.iter():
        element.text = _clean(element.text)
        for name, value in element.attrib.items():
            element.set(name, _clean(value) or "")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean(text: str | None) -> str | None:
    return None if text is None else _NOT_XML.sub(lambda found: f"\\x{ord(found.group()):02x}", text)
