"""The suite's time per test file (setup, call and teardown summed), for the terminal summary.

`--durations` names the slowest tests; a file of many quick tests, or one whose module
fixture starts servers, only shows up here. Under xdist the totals are worker time: they
add up to about the wall times the number of workers.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

SHOWN = 25


def file_totals(reports: list[pytest.TestReport]) -> dict[str, float]:
    """Seconds per test file, from the run's test reports (every phase counted once)."""
    totals: dict[str, float] = defaultdict(float)
    for report in reports:
        totals[report.nodeid.split("::", 1)[0]] += report.duration
    return dict(totals)


def summarize(terminalreporter: pytest.TerminalReporter) -> None:
    """Writes the `SHOWN` costliest files and the total, when the run ran more than one file."""
    reports = [
        report
        for kind in ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "")
        for report in terminalreporter.stats.get(kind, [])
        if isinstance(report, pytest.TestReport)
    ]
    totals = file_totals(reports)
    if len(totals) < 2:
        return
    terminalreporter.write_sep("=", f"slowest {min(SHOWN, len(totals))} files (summed durations)")
    for path, seconds in sorted(totals.items(), key=lambda item: -item[1])[:SHOWN]:
        terminalreporter.write_line(f"{seconds:8.2f}s {path}")
    terminalreporter.write_line(f"{sum(totals.values()):8.2f}s in all, {len(totals)} files")
