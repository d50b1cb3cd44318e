"""A pytest plugin for bench/suite_profile.py: one JSON line per test to `$SUITE_CLOCK_FILE`.

Each line: the xdist worker (`main` without xdist), the node id, the test's start and end
(`time.time()`, every phase), the worker's CPU over it (`time.process_time()`, all its threads),
the CPU of the worker's children reaped meanwhile (`RUSAGE_CHILDREN`) and that of the runs the
test forked from the suite's zygotes and saw end (tests/fakes/cli_zygote.py's `forked_cpu_s`,
read only when the worker has imported it). Loaded with `-p bench.suite_clock`; xdist passes it
on to its workers. Without the variable it writes nothing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Generator

import pytest

from bench.stage_clock import children_cpu_s

FILE_ENV = "SUITE_CLOCK_FILE"


def _forked_cpu() -> float:
    zygote = sys.modules.get("tests.fakes.cli_zygote")
    return zygote.forked_cpu_s() if zygote else 0.0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    path = os.environ.get(FILE_ENV)
    start, cpu, children, forked = time.time(), time.process_time(), children_cpu_s(), _forked_cpu()
    yield
    if not path:
        return
    line = {
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        "id": item.nodeid,
        "start": start,
        "end": time.time(),
        "cpu": time.process_time() - cpu,
        "children_cpu": children_cpu_s() - children,
        "forked_cpu": _forked_cpu() - forked,
    }
    with open(path, "a", encoding="utf-8") as out:  # one short write per line: no interleaving
        out.write(json.dumps(line) + "\n")
