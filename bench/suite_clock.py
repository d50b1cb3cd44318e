"""A pytest plugin for bench/suite_profile.py: one JSON line per test to `$SUITE_CLOCK_FILE`.

Each line: the xdist worker (`main` without xdist), the node id, the test's start and end
(`time.time()`, every phase), the worker's CPU over it (`time.process_time()`, all its threads)
and the CPU of the worker's children reaped meanwhile (`RUSAGE_CHILDREN`). Loaded with
`-p bench.suite_clock`; xdist passes it on to its workers. Without the variable it writes nothing.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Generator

import pytest

FILE_ENV = "SUITE_CLOCK_FILE"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None]:
    path = os.environ.get(FILE_ENV)
    start, cpu, children = time.time(), time.process_time(), _children_cpu()
    yield
    if not path:
        return
    line = {
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        "id": item.nodeid,
        "start": start,
        "end": time.time(),
        "cpu": time.process_time() - cpu,
        "children_cpu": _children_cpu() - children,
    }
    with open(path, "a", encoding="utf-8") as out:  # one short write per line: no interleaving
        out.write(json.dumps(line) + "\n")
