"""`resetkit conform`'s terminal: its own lines about the run, progress per suite and vendor, then the summary
(report.render_console). pytest's own terminal output is off unless `--verbose` asks for it.

The checks run suite by suite and, within a suite, vendor by vendor (plugin.py orders them), so each group ends
with one line that counts it as the report will. On a terminal a status line names the check that is running.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import time
from collections import Counter
from typing import Any, TextIO

import pytest

from .report import CONSOLE_WIDTH
from .results import LABELS, STATUSES, SUITE_ORDER, Collector, check_name

Group = tuple[str, str]  # (suite, vendor)


class Console:
    """A pytest plugin (and conform's `say`): what the person running conform sees."""

    def __init__(self, collector: Collector, stream: TextIO | None = None, *, progress: bool = True) -> None:
        self.collector = collector
        self.stream = stream or sys.stdout
        self.progress = progress
        self.live = progress and self.stream.isatty()
        self.width = min(shutil.get_terminal_size((CONSOLE_WIDTH, 24)).columns, CONSOLE_WIDTH)
        self.groups: dict[str, Group] = {}  # check name -> its group
        self.deselected: list[tuple[str, str | None]] = []  # (check, its vendor) left out by vendor or --select
        self.current: Group | None = None
        self.started = 0.0
        self.done = 0
        self._status_shown = False
        self._reporter: Any = None  # pytest's terminal reporter, while pytest runs with its own output on

    # conform's own lines ---------------------------------------------------------------------------------------
    def say(self, line: str) -> None:
        """A line about the run (what it uses, what it could not clean up), outside the progress; with pytest's own
        output on, on a line of its own there."""
        reporter = self._reporter
        if not self.progress and reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(f"resetkit conform: {line}")
            return
        self._clear_status()
        self._write(f"  {line}")

    def _write(self, line: str) -> None:
        lines = [line] if len(line) <= self.width else textwrap.wrap(line, self.width, subsequent_indent="    ")
        self.stream.write("".join(f"{part}\n" for part in lines))
        self.stream.flush()

    # pytest's hooks ----------------------------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)  # after pytest's terminal plugin has made its reporter
    def pytest_configure(self, config: pytest.Config) -> None:
        """Unless pytest's own output was asked for, its terminal reporter writes nowhere. It stays registered: other
        plugins (assertion rewriting among them) ask it for the terminal's settings."""
        if not self.progress:
            self._reporter = config.pluginmanager.get_plugin("terminalreporter")
            return
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            config.pluginmanager.unregister(reporter)
            self._silenced = open(os.devnull, "w", encoding="utf-8")  # closed at unconfigure
            config.pluginmanager.register(pytest.TerminalReporter(config, self._silenced), "terminalreporter")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._reporter = None
        silenced = getattr(self, "_silenced", None)
        if silenced is not None:
            silenced.close()

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        from .plugin import vendor_of

        self.deselected += [(check_name(item.nodeid), vendor_of(item)) for item in items]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from .plugin import suite_of, vendor_of  # here, as the plugin is imported once pytest has started

        for item in session.items:
            group = (suite_of(item), vendor_of(item) or "")
            self.groups[check_name(item.nodeid)] = group
        if self.progress and session.items:
            suites = sorted({suite for suite, _ in self.groups.values()}, key=_suite_order)
            vendors = list(dict.fromkeys(vendor for _, vendor in self.groups.values() if vendor))
            self.say(f"running the {_and(suites)} suite{'s' if len(suites) > 1 else ''} for {_and(vendors)}")

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        group = self.groups.get(check_name(nodeid))
        if group != self.current:
            self._end_group()
            self.current, self.started = group, time.monotonic()
        self.done += 1
        self._status(check_name(nodeid))

    def pytest_sessionfinish(self, session: Any) -> None:
        self._end_group()

    # Progress ------------------------------------------------------------------------------------------------------
    def _end_group(self) -> None:
        if self.current is None or not self.progress:
            self.current = None
            return
        suite, vendor = self.current
        counts = Counter(o.status for o in self.collector.outcomes.values() if (o.suite, o.vendor) == self.current)
        told = ", ".join(f"{counts[s]} {'FAILED' if s == 'fail' else LABELS[s]}" for s in STATUSES if counts[s])
        seconds = f"{time.monotonic() - self.started:5.1f} s"
        line = f"  {suite:<9} {vendor or '(all)':<12} {told}"
        self._clear_status()
        self._write(f"{line:<{self.width - len(seconds) - 1}} {seconds}")
        self.current = None

    def _status(self, name: str) -> None:
        if not self.live or self.current is None:
            return
        suite, vendor = self.current
        text = f"  {suite:<9} {vendor or '(all)':<12} [{self.done}/{len(self.groups)}] {name}"
        self.stream.write("\r\x1b[K" + text[: self.width - 1])
        self.stream.flush()
        self._status_shown = True

    def _clear_status(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False


def _suite_order(suite: str) -> int:
    return SUITE_ORDER.index(suite) if suite in SUITE_ORDER else len(SUITE_ORDER)


def _and(words: list[str]) -> str:
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)
