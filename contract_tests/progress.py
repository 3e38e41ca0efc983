"""The run's progress while it happens: which operation, how many cases, how many failures.

On a terminal it is one line, rewritten in place (at most ten times a second) and wiped when the
run ends. Anywhere else (a CI log, a pipe) it is plain lines: one when a test of the kit ends, and
one every few seconds in between while cases are sent, never control characters.

    [conformance] ListStores (GET /v0/stores): 47 cases, 0 failures | run: 345 cases, 2 failures
"""

from __future__ import annotations

import shutil
import time
from typing import Any, TextIO

from contract_tests.report import Report

LIVE_INTERVAL = 0.1  # seconds between two rewrites of the live line
PLAIN_INTERVAL = 5.0  # seconds between two plain lines within one test


class Progress:
    """A report listener and a pytest plugin (for the name of the test in progress)."""

    def __init__(self, report: Report, stream: TextIO, *, live: bool | None = None) -> None:
        self.report = report
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self.suite = ""
        self.operation: str | None = None
        self._last = 0.0
        self._shown = False
        report.listeners.append(self.changed)

    # -- what to show ----------------------------------------------------------------------

    def line(self) -> str:
        report = self.report
        head = f"[{self.suite}] " if self.suite else ""
        if self.operation is None:
            current = "starting"
        else:
            row = report.rows.get(self.operation)
            failures = sum(row.failures.values()) if row else 0
            cases = row.cases if row else 0
            where = f" ({row.method} {row.path})" if row and row.method != "?" else ""
            current = f"{self.operation}{where}: {cases} cases, {failures} failures"
        return f"{head}{current} | run: {report.cases} cases, {report.findings} failures"

    # -- when to show it -------------------------------------------------------------------

    def changed(self, operation: str) -> None:
        self.operation = operation
        now = time.monotonic()
        if now - self._last >= (LIVE_INTERVAL if self.live else PLAIN_INTERVAL):
            self._show(now)

    def _show(self, now: float) -> None:
        self._last = now
        text = self.line()
        if self.live:
            width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
            self.stream.write("\r\x1b[K" + text[:width])
            self._shown = True
        else:
            self.stream.write(f"progress: {text}\n")
        self.stream.flush()

    def clear(self) -> None:
        """Wipe the live line (before the report is printed)."""
        if self.live and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    # -- pytest hooks ----------------------------------------------------------------------

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
        self.suite = module.removeprefix("test_").removesuffix(".py")

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        if self.operation is not None:
            self._show(time.monotonic())

    def pytest_sessionfinish(self, session: Any) -> None:
        self.clear()
