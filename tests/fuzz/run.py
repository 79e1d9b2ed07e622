"""The fuzz gate's schemathesis part (`make fuzz`): every vendor's spec, positive and negative data, all four
phases (examples, coverage, fuzzing, stateful) of the schemathesis CLI, then hostile bodies and hostile header
values, against the mock in strict mode; then held and trickled connections against `resetkit serve` at a lowered
descriptor limit, and a mock whose SMTP relay fails in every way.

It fails on any 5xx the mock sends, any strict-mode violation, any error the server logs, and any hang (a request
that takes longer than the request timeout, or a vendor's run that outlives its budget). The mock itself is the
5xx oracle: every response it sends is tallied, so a 5xx counts even where no schemathesis check looks.
`python -m tests.fuzz.run --budget 45` gives each vendor 45 s (CI); without it each phase runs to its end.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import tomli_w

from resetkit.clients import CLIENTS
from resetkit.clients.base import fill, placeholders
from resetkit.conform.profiles import config_dict, spec_path
from resetkit.journal import Journal, JournalEntry
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import ALL_VENDORS, Settings

from .hostile import ClassRun, failing_relay, held_connections, send_hostile_headers

# A 5xx a vendor answers on purpose, as the real service does, documented in its spec: (vendor, error id).
DELIBERATE_SERVER_ERRORS = {
    # go-webauthn's answer to a WebAuthN challenge for a user without passkeys (specs/zitadel.yaml,
    # RequestChallenges); the mock has no passkeys.
    ("zitadel", "WEBAU-4G8sw"),
}
# Bodies no generator sends but a hostile or buggy client does, each replayed on one request per operation that
# the mock accepted (so that auth and parameters are right and only the body is hostile): valid JSON syntax, all.
HOSTILE_BODIES: dict[str, bytes] = {
    "nested 1,000 deep": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "array nested 5,000 deep": b"[" * 5000 + b"]" * 5000,
    "a 5,000-digit integer": b'{"a": ' + b"9" * 5000 + b"}",
    "a number beyond float": b'{"a": 1e999, "b": -1e999}',
    "a lone surrogate": b'{"a": "\\ud800", "\\udfff": "b"}',
    "a NUL character": b'{"a": "x\\u0000y"}',
    "50,000 keys": b"{" + b",".join(b'"k%d": %d' % (i, i) for i in range(50_000)) + b"}",
    "a 900 KiB string": b'{"a": "' + b"x" * (900 * 1024) + b'"}',
}
# What the gate asks schemathesis to check; 5xx, strict mode and hangs are judged on the server side (above).
# Positive/negative acceptance and auth checks are conformance, which the property suites (conform/suites/contract) run.
CHECKS = "status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"
PHASES = "examples,coverage,fuzzing,stateful"
REQUEST_TIMEOUT = 5.0  # seconds; the mock answers in milliseconds, so anything near this is a hang


class Tally(Journal):
    """The mock's journal, also counting every response per vendor and keeping each unexpected 5xx and each hang."""

    def __init__(self, maxlen: int) -> None:
        super().__init__(maxlen)
        self.requests: Counter[str] = Counter()
        self.deliberate: Counter[str] = Counter()  # DELIBERATE_SERVER_ERRORS answered, per vendor
        self.server_errors: list[JournalEntry] = []
        self.hangs: list[JournalEntry] = []
        # One accepted (2xx) request with a JSON body per operation, for the hostile bodies.
        self.accepted: dict[tuple[str, str], JournalEntry] = {}

    def append(self, entry: JournalEntry) -> None:
        super().append(entry)
        vendor = entry.path.split("/", 2)[1]
        self.requests[vendor] += 1
        if entry.status >= 500:
            if _deliberate(vendor, entry.response_body or b""):
                self.deliberate[vendor] += 1
            else:
                self.server_errors.append(entry)
        if entry.duration_ms >= REQUEST_TIMEOUT * 1000:
            self.hangs.append(entry)
        if 200 <= entry.status < 300 and entry.operation and (vendor, entry.operation) not in self.accepted:
            content_type = (entry.request_headers or {}).get("Content-Type", "")
            if content_type.startswith("application/json") and entry.request_body:
                self.accepted[(vendor, entry.operation)] = entry


def _deliberate(vendor: str, body: bytes) -> bool:
    return any(name == vendor and code.encode() in body for name, code in DELIBERATE_SERVER_ERRORS)


class ErrorLog(logging.Handler):
    """Every ERROR the server logs during the run (an unhandled exception is logged with its traceback)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@dataclass
class VendorRun:
    vendor: str
    seconds: float
    test_cases: int = 0
    requests: int = 0
    deliberate: int = 0  # documented vendor 5xx (DELIBERATE_SERVER_ERRORS), not findings
    findings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """How much schemathesis does per vendor: `budget` seconds (0: every phase to its end), test cases per phase."""

    budget: int = 0
    max_examples: int = 400
    workers: int = 1  # more threads trip CPython 3.11's `ast` recursion check inside hypothesis ("Runtime Error")
    seed: int | None = None
    hostile: bool = True  # then replay accepted requests with HOSTILE_BODIES


@dataclass
class FuzzedMock:
    """The mock in strict mode with what the gate watches: every response (`tally`) and the server's log."""

    mock: LiveMock
    tally: Tally
    log: ErrorLog


@contextmanager
def fuzzed_mock(settings: Settings | None = None) -> Iterator[FuzzedMock]:
    # Rate limits off, so that the fuzzer reaches the handlers instead of 429s (the limits have their own tests).
    settings = settings or Settings(port=0, strict=True, accounts=20, rate_limits=False)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        with start_live_mock(settings) as mock:
            tally = Tally(maxlen=settings.journal_size)
            mock.env.journal = tally
            yield FuzzedMock(mock, tally, errors)
    finally:
        logging.getLogger().removeHandler(errors)


def account_addressed(mock: LiveMock, vendor: str) -> list[dict[str, Any]]:
    """Per-operation parameters naming the vendor's demo account wherever its client record addresses an account in
    a path (Placewise's one-time passwords and reset by e-mail, its MSISDN verification, ZITADEL's user id): there a
    generated address is nearly always unknown, a 404, and the fuzzer would never reach what the operation does."""
    record, server = CLIENTS[vendor], mock.env.vendors[vendor]
    demo = server.demo_account
    account = {"email": demo.email, "phone": demo.phone or "", "id": demo.id or ""}
    values = record.values(server.credentials(), **account, identifier=account[record.identifier])
    requests_ = [*record.initiate.values(), *record.redeem.values()]
    if record.one_time_passwords is not None:
        requests_ += [delivery.request for delivery in record.one_time_passwords.send.values()]
    requests_ += [r for v in record.verifications.values() for r in (v.send.request, v.confirm)]
    found: dict[str, dict[str, Any]] = {}
    for request in requests_:
        named = {
            f"path.{name}": fill(template, values)
            for name, template in request.path.items()
            if placeholders(template) <= {"email", "phone", "msisdn", "id", "identifier"}
        }
        if named and request.outside_spec is None:
            found.setdefault(request.operation, {}).update(named)
    return [{"include-operation-id": operation, "parameters": named} for operation, named in found.items()]


def schemathesis_command(vendor: str, base_url: str, config: Path, report: Path, limits: Limits) -> list[str]:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        spec_path(vendor),
        "--url",
        base_url,
        "--phases",
        PHASES,
        "--mode",
        "all",
        "--checks",
        CHECKS,
        "--request-timeout",
        str(REQUEST_TIMEOUT),
        "--max-examples",
        str(limits.max_examples),
        "--workers",
        str(limits.workers),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
        "--continue-on-failure",
        "--generation-database",
        str(report.with_name("examples")),  # failures found before are tried first on the next run
    ]
    if limits.budget:
        command += ["--max-time", str(limits.budget)]
    if limits.seed is not None:
        command += ["--seed", str(limits.seed)]
    return command


def run_vendor(fuzzed: FuzzedMock, vendor: str, folder: Path, limits: Limits) -> VendorRun:
    """One vendor's schemathesis run; its findings are what the report, the mock and the server log show."""
    mock, tally = fuzzed.mock, fuzzed.tally
    base_url = f"{mock.url}/{vendor}"
    credentials = mock.env.vendors[vendor].credentials()
    config_file = folder / f"{vendor}.toml"
    config = config_dict(vendor, credentials, base_url, max_examples=limits.max_examples, every_phase=True)
    config["operations"] += account_addressed(mock, vendor)
    config_file.write_text(tomli_w.dumps(config), encoding="utf-8")
    report, output = folder / f"{vendor}.json", folder / f"{vendor}.out"
    report.unlink(missing_ok=True)
    before = (len(tally.server_errors), len(mock.env.violations), len(fuzzed.log.records), len(tally.hangs))
    requests_before, deliberate_before = tally.requests[vendor], tally.deliberate[vendor]
    # A run that outlives its budget by this much is a hang too (the CLI itself, or the mock stopped answering).
    limit = (limits.budget or 1800) + 300
    started = time.monotonic()
    with output.open("w", encoding="utf-8") as out:
        try:
            completed = subprocess.run(
                schemathesis_command(vendor, base_url, config_file, report, limits),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=limit,
                check=False,
            )
            exit_code: int | None = completed.returncode
        except subprocess.TimeoutExpired:
            exit_code = None
    hostile = send_hostile_bodies(fuzzed, vendor) if limits.hostile else []
    run = VendorRun(
        vendor,
        time.monotonic() - started,
        requests=tally.requests[vendor] - requests_before,
        deliberate=tally.deliberate[vendor] - deliberate_before,
    )
    run.findings += hostile
    if exit_code is None:
        run.findings.append(f"hang: the run did not end within {limit} s (output: {output})")
    summary: dict[str, Any] = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    run.test_cases = int(summary.get("test_cases", {}).get("generated", 0))
    for failure in summary.get("failures", []):
        run.findings.append(f"{failure['code']} {failure['title']} x{failure['count']}: {failure['operations']}")
    for error in summary.get("errors", []):
        run.findings.append(f"error: {json.dumps(error)[:300]}")
    timeouts = output.read_text(encoding="utf-8", errors="replace").count("Read timed out")
    if timeouts:  # the mock journals such a request only once it answers, which may be after the run
        run.findings.append(f"hang: {timeouts} request(s) got no answer within {REQUEST_TIMEOUT:.0f} s")
    if exit_code not in (0, None) and not run.findings:
        run.findings.append(f"schemathesis exited {exit_code}")
    run.findings += server_error_findings(tally.server_errors[before[0] :])
    for entry in tally.hangs[before[3] :]:
        run.findings.append(f"hang: {entry.method} {entry.path} ({entry.operation}) took {entry.duration_ms:.0f} ms")
    run.findings += [f"strict mode: {v}" for v in mock.env.violations[before[1] :]]
    run.findings += [f"server log: {_first_and_last_line(record)}" for record in fuzzed.log.records[before[2] :]]
    if run.findings:
        run.findings.append(f"(schemathesis output: {output})")
    return run


def _first_and_last_line(record: str) -> str:
    lines = record.strip().splitlines() or [""]
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"


def server_error_findings(entries: list[JournalEntry]) -> list[str]:
    """The 5xx answers, one line per operation, status and cause (the hostile body, else the answer)."""
    grouped: dict[tuple[str, int, str], list[JournalEntry]] = {}
    for entry in entries:
        cause = _hostile_label(entry.request_body) or (entry.response_body or b"")[:160].decode("utf-8", "replace")
        grouped.setdefault((str(entry.operation), entry.status, cause), []).append(entry)
    return [
        f"5xx: {operation} -> {status} x{len(same)}: {cause} (e.g. {same[0].method} {same[0].path[:120]})"
        for (operation, status, cause), same in grouped.items()
    ]


def _hostile_label(request_body: bytes) -> str | None:
    """Which hostile body a journaled request carried (the journal keeps a prefix of it)."""
    if not request_body:
        return None
    labels = (f"hostile body ({label})" for label, body in HOSTILE_BODIES.items() if body.startswith(request_body))
    return next(labels, None)


def send_hostile_bodies(fuzzed: FuzzedMock, vendor: str) -> list[str]:
    """Replay each accepted request of `vendor` with every hostile body; what fails to answer is a finding (a 5xx
    is the tally's)."""
    findings = []
    skip = {"content-length", "host", "content-type", "transfer-encoding", "connection"}
    with requests.Session() as session:
        for (name, operation), entry in sorted(fuzzed.tally.accepted.items()):
            if name != vendor:
                continue
            headers = {k: v for k, v in (entry.request_headers or {}).items() if k.lower() not in skip}
            headers["Content-Type"] = "application/json"
            for label, body in HOSTILE_BODIES.items():
                try:
                    session.request(
                        entry.method, fuzzed.mock.url + entry.path, data=body, headers=headers, timeout=REQUEST_TIMEOUT
                    )
                except requests.RequestException as exc:
                    findings.append(f"hostile body ({label}) to {operation}: no answer: {type(exc).__name__}")
    return findings


def run_hostile_headers(fuzzed: FuzzedMock) -> ClassRun:
    """Hostile header values on every accepted request; the tally's 5xx and the server log count too."""
    tally, mock = fuzzed.tally, fuzzed.mock
    before = (len(tally.server_errors), len(mock.env.violations), len(fuzzed.log.records), len(tally.hangs))
    run = send_hostile_headers(mock.url, tally.accepted)
    run.findings += server_error_findings(tally.server_errors[before[0] :])
    run.findings += [f"strict mode: {v}" for v in mock.env.violations[before[1] :]]
    run.findings += [f"server log: {_first_and_last_line(record)}" for record in fuzzed.log.records[before[2] :]]
    run.findings += [f"hang: {e.method} {e.path} took {e.duration_ms:.0f} ms" for e in tally.hangs[before[3] :]]
    return run


def print_class(ran: ClassRun) -> None:
    detail = f" ({ran.detail})" if ran.detail else ""
    print(f"{ran.name:<34} {ran.seconds:6.0f} s {ran.cases:7} cases {len(ran.findings):3} findings{detail}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendor", action="append", choices=ALL_VENDORS, help="repeatable; default every vendor")
    parser.add_argument("--budget", type=int, default=0, help="seconds per vendor (0: each phase runs to its end)")
    parser.add_argument("--max-examples", type=int, default=400, help="test cases per operation and phase")
    parser.add_argument("--workers", type=int, default=1, help="schemathesis workers per vendor")
    parser.add_argument("--seed", type=int, default=None, help="reproduce a run (its seed is in the report)")
    parser.add_argument("--reports", default="reports/fuzz", help="folder for configs, outputs and JSON reports")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limits = Limits(args.budget, args.max_examples, args.workers, args.seed)
    folder = Path(args.reports)
    folder.mkdir(parents=True, exist_ok=True)
    runs: list[VendorRun] = []
    classes: list[ClassRun] = []
    with fuzzed_mock() as fuzzed:
        for vendor in args.vendor or ALL_VENDORS:
            run = run_vendor(fuzzed, vendor, folder, limits)
            runs.append(run)
            print(
                f"{vendor:<12} {run.seconds:6.0f} s {run.test_cases:7} test cases {run.requests:7} requests "
                f"{run.deliberate:4} documented 5xx {len(run.findings):3} findings",
                flush=True,
            )
        classes.append(run_hostile_headers(fuzzed))
        print_class(classes[-1])
    for hostile_class in (held_connections, failing_relay):
        classes.append(hostile_class())
        print_class(classes[-1])
    print(f"\nreports in {folder}")
    for run in runs:
        for finding in run.findings:
            print(f"  {run.vendor}: {finding}")
    for ran in classes:
        for finding in ran.findings:
            print(f"  {ran.name}: {finding}")
    failed = any(run.findings for run in runs) or any(ran.findings for ran in classes)
    print("fuzz gate: " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
