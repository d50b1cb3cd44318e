"""cli/web_workers.py's decisions: when several workers can serve, and what happens to one
that stops (the workers themselves: tests/web/test_web_workers.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.web_workers import Worker, look_after, workers_problem


def test_several_workers_need_postgresql_and_say_so() -> None:
    said = workers_problem(2, database=None, signs_in=False)
    assert said and "PostgreSQL" in said and "--db" in said and "--workers 1" in said
    said = workers_problem(2, database=None, signs_in=False, named="server.workers")
    assert said and said.startswith("server.workers 2 needs")
    said = workers_problem(2, database="postgresql://db/x", signs_in=True)
    assert said and "sign in" in said
    assert workers_problem(1, database=None, signs_in=True) is None
    assert workers_problem(4, database="postgresql://db/x", signs_in=False) is None


def stopped_worker(tmp_path: Path, *, ready: bool) -> Worker:
    worker = Worker(2, tmp_path, own_port=1, ready=ready)
    worker.proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    worker.proc.wait()
    return worker


@pytest.mark.parametrize(
    ("answered", "said"),
    [
        (True, "worker 2 (pid"),  # it had served: started again
        (False, "worker 2 could not start again (3)"),  # a restart that never answered
    ],
)
def test_a_worker_that_stops(
    answered: bool, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = stopped_worker(tmp_path, ready=answered)
    started: list[Worker] = []
    look_after(worker, started.append)
    assert started == ([worker] if answered else [])
    assert worker.given_up is not answered
    assert said in capsys.readouterr().err
    if not answered:  # left stopped: looked at again, nothing more is done or said
        look_after(worker, started.append)
        assert started == [] and capsys.readouterr().err == ""
