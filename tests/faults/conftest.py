"""Fixtures of the fault suite: the fork server, the long scripted run and its reference."""

from __future__ import annotations

import fcntl
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import zygote_broker
from tests.fakes.llm_server import ScriptedLLMServer
from tests.faults.forkserver import Child, ForkServer
from tests.faults.long_run import PROMPT, LongRun, make_case, runs

CHILD_ENV = {"OPENAI_API_KEY": "sk-test-not-a-real-key"}


@pytest.fixture(scope="session")
def forkserver() -> Iterator[ForkServer]:
    found = zygote_broker.ask("fork")  # under xdist, the controller's, shared by the workers
    if found is not None:
        yield ForkServer.attached(found["path"])
        return
    with ForkServer() as server:
        server.wait_ready()
        yield server


@pytest.fixture
def long_llm() -> Iterator[tuple[ScriptedLLMServer, LongRun]]:
    script = LongRun()
    with ScriptedLLMServer(responder=script) as server:
        yield server, script


def run_spec(
    case: Path, api_base: str, *, thread: str, home: Path | None = None, **extra: Any
) -> dict[str, Any]:
    """A session_child spec for the long run in `case` (see tests/faults/session_child.py)."""
    return {
        "home": str(home or case / "home"),
        "workspace": str(case / "ws"),
        "thread": thread,
        "api_base": api_base,
        "env": CHILD_ENV,
        "log": str(case / f"child-{thread}.log"),
        **extra,
    }


def transcript_of(child: Child) -> dict[str, Any]:
    found = [e for e in child.events if e["type"] == "transcript"]
    assert found, f"{child.label} wrote no transcript; {child.tail()}"
    return found[-1]


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@dataclass(frozen=True)
class Reference:
    messages: list[dict[str, Any]]
    iterations: int
    runs: dict[str, int]


@pytest.fixture(scope="session")
def reference(
    forkserver: ForkServer, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Reference:
    """The long run, uninterrupted: what every interrupted run must end up as. Run once a
    session: under xdist the first worker to ask runs it and keeps it in the session's own
    folder (the workers' basetemps' parent), where the others read it."""
    if worker_id == "master":
        return _reference_run(forkserver, tmp_path_factory)
    kept = tmp_path_factory.getbasetemp().parent / "faults-reference.json"
    with open(f"{kept}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not kept.exists():
            kept.write_text(json.dumps(asdict(_reference_run(forkserver, tmp_path_factory))))
        return Reference(**json.loads(kept.read_text()))


def _reference_run(forkserver: ForkServer, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    case, _ = make_case(tmp_path_factory.mktemp("reference"))
    with ScriptedLLMServer(responder=LongRun()) as llm:
        spec = run_spec(case, llm.url, thread="reference", prompt=PROMPT, dump=True)
        child = forkserver.spawn(spec, label="reference run")
        child.finish(timeout=120)
    assert child.exit_code() == 0, child.tail()
    found = transcript_of(child)
    return Reference(found["messages"], found["iterations"], dict(runs(case)))
