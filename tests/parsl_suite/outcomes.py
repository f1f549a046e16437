"""pytest plugin: one JSON line per test outcome, so the suite runner can report per test file.

Loaded with ``-p outcomes``; writes to the file named by ``PARSL_SUITE_OUTCOMES``. A test's
outcome is ``failed`` if its call failed, ``error`` if its setup or teardown did, else ``skipped``
or ``passed``; a file that fails to collect is recorded as an ``error`` under the file's own id.
The ``start`` line written before each test tells which test a crashed or hung run was in.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

_RANK = {"passed": 0, "skipped": 1, "error": 2, "failed": 3}


class _Recorder:
    def __init__(self, path: str) -> None:
        self._file = open(path, "a", buffering=1)  # open for the whole run
        self._outcomes: dict[str, dict[str, Any]] = {}

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record) + "\n")

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.write({"event": "start", "nodeid": nodeid})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.passed and report.when != "call":
            outcome = None
        elif report.skipped:
            outcome = "skipped"
        elif report.failed:
            outcome = "failed" if report.when == "call" else "error"
        else:
            outcome = "passed"
        current = self._outcomes.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
        if outcome is not None and _RANK[outcome] >= _RANK[current["outcome"]]:
            current["outcome"] = outcome
            if outcome in ("failed", "error", "skipped"):
                current["message"] = _last_lines(report.longreprtext)
        if report.when == "teardown":
            self.write({"event": "outcome", "nodeid": report.nodeid, **self._outcomes.pop(report.nodeid)})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.write({"event": "outcome", "nodeid": report.nodeid, "outcome": "error",
                        "message": _last_lines(report.longreprtext)})


def _last_lines(text: str, n: int = 12) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get("PARSL_SUITE_OUTCOMES")
    if path:
        config.pluginmanager.register(_Recorder(path), "parsl-suite-outcomes")
