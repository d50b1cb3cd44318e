"""Crashes: SIGKILL a 30-iteration headless run at 20 points, resume in a new process, finish.

Four chains of five kills, one per kind of kill point: inside the model call, inside a tool,
between nodes, during a checkpoint write. In a chain the run is killed, resumed in a new
process (`continue_pending`), killed again at the next point, and so on; the last process
finishes. Every kill is placed by an event, never by time: the scripted model holding step i
(`LongRun.hold_model_at`), a bash call printing its line while a hold file keeps it running,
or the child's checkpointer hooks stopping dead at the n-th checkpoint operation of the
process (tests/faults/session_child.py).

After each kill the database passes `PRAGMA integrity_check`; at the end the transcript
equals the uninterrupted run's (only a call that was running at a kill may differ, because
it ran again), no tool call is left without a result, and only calls in flight at a kill ran
twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.llm_server import ScriptedLLMServer
from tests.fakes.transcript_checks import assert_valid_tool_pairing
from tests.faults.conftest import Reference, integrity, run_spec, transcript_of
from tests.faults.forkserver import Child, ForkServer
from tests.faults.long_run import FINAL, PROMPT, LongRun, call_id, make_case, runs

# What a checkpoint or a task's writes says about the node that produced it.
NODE_OF: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
    ("input", lambda e: e.get("source") == "input"),
    ("execute_tools", lambda e: bool(e.get("tool_call_ids"))),
    ("call_model", lambda e: "turn" in (e.get("updated") or e.get("channels") or [])),
    ("approval_interrupt", lambda e: "approved_calls" in (e.get("updated") or e.get("channels"))),
    # The loop guard (after a step of several calls, or a repeat) that found nothing to say.
    ("doom_check", lambda e: (e.get("updated") or e.get("channels")) == ["branch:to:call_model"]),
    # The tools' step goes on to the model (or to the loop guard when the tail repeats).
    (
        "execute_tools",
        lambda e: {"branch:to:call_model", "branch:to:doom_check"} & set(e.get("updated") or []),
    ),
]


def node_of(event: dict[str, Any]) -> str:
    return next((name for name, test in NODE_OF if test(event)), "?")


@dataclass(frozen=True)
class Kill:
    """One kill point. `where`: model | tool | after_put | after_writes | in_put | in_writes.

    model: `at` is the iteration whose model call hangs; tool: `at` is (iteration, call)
    held inside bash, after the results of `saved` calls of the same step are committed;
    checkpoint points: `at` is n, counted in the process being killed, and `node` is the
    node whose checkpoint (or task writes) it must be.
    """

    where: str
    at: Any
    node: str = ""
    saved: tuple[str, ...] = ()
    sql: str | None = None

    def __str__(self) -> str:
        return f"{self.where}@{self.at}{f' ({self.node})' if self.node else ''}"


CHAINS: dict[str, list[Kill]] = {
    "inside the model call": [
        Kill("model", 0),  # the very first call
        Kill("model", 8),
        Kill("model", 14),  # the step before three calls at once
        Kill("model", 22),
        Kill("model", 29),  # the final answer
    ],
    "inside a tool": [
        Kill("tool", (0, 0)),
        Kill("tool", (4, 1), saved=(call_id(4, 0), call_id(4, 2))),  # two of three calls done
        Kill("tool", (10, 0)),
        Kill("tool", (19, 2), saved=(call_id(19, 0), call_id(19, 1))),
        Kill("tool", (25, 0)),
    ],
    "between nodes": [
        Kill("after_put", 3, node="call_model"),
        Kill("after_put", 22, node="call_model"),  # its calls' tasks pending, none started
        Kill("after_writes", 24, node="execute_tools"),  # one of three results committed
        Kill("after_put", 6, node="execute_tools"),
        Kill("after_put", 7, node="doom_check"),  # after three calls at once: the guard looks
    ],
    "during a checkpoint write": [
        Kill("in_put", 3, node="call_model"),  # the second step's model reply
        Kill("in_writes", 5, node="execute_tools", sql="INTO writes"),  # a `write` result
        Kill("in_put", 22, node="call_model"),  # its writes are committed: no second call
        Kill("in_writes", 23, node="execute_tools"),  # a bash result, at COMMIT
        Kill("in_put", 13, node="call_model"),  # a reply with calls: their tasks not yet saved
    ],
}


def kill_at(
    point: Kill, spec: dict[str, Any], case: Path, script: LongRun, fs: ForkServer
) -> set[str]:
    """Start a process, wait for `point`, SIGKILL it. Returns the calls it left running."""
    label = f"process killed at {point}"
    if point.where == "model":
        reached = script.hold_model_at(point.at)
        child = fs.spawn(spec, label=label)
        while not reached.wait(0.02):
            assert child.drain(), f"{label}: the process ended first; {child.tail()}"
        child.kill()
        return set()
    if point.where == "tool":
        i, j = point.at
        hold = case / "holds" / f"{i}-{j}"
        hold.touch()
        child = fs.spawn(spec, label=label)
        waits = [lambda e: e["type"] == "tool_log" and e["data"].get("line") == f"step-{i}-{j}"]
        waits += [_saved(c) for c in point.saved]
        for wait in waits:
            child.wait_for(wait)
        child.kill()
        hold.unlink()  # the orphaned bash loop ends
        return {f"{i}-{j}"}
    child = fs.spawn(
        {**spec, "pause": {"at": point.where, "n": point.at, "sql": point.sql}}, label=label
    )
    paused = child.wait_for(lambda e: e["type"] == "paused")
    assert node_of(paused) == point.node, f"{point}: paused in {node_of(paused)}: {paused}"
    child.kill()
    return unsaved_calls(child, paused)


def unsaved_calls(child: Child, paused: dict[str, Any]) -> set[str]:
    """The calls of the paused step whose results this process had not committed."""
    ids = paused.get("tool_call_ids") or []
    if not ids:
        return set()
    i = int(ids[0].removeprefix("c").split("_")[0])
    saved = {c for e in child.events if e.get("at") == "after_writes" for c in e["tool_call_ids"]}
    return {f"{i}-{j}" for j in range(3) if call_id(i, j) not in saved}


def _saved(tool_call_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e["type"] == "hook" and tool_call_id in e.get("tool_call_ids", [])


def assert_same_transcript(
    got: list[dict[str, Any]], want: list[dict[str, Any]], in_flight: set[str]
) -> None:
    """Equal message by message; a call in flight at a kill ran again and may say otherwise."""
    assert len(got) == len(want), [m["type"] for m in got]
    for n, (mine, theirs) in enumerate(zip(got, want, strict=True)):
        if mine.get("tool_call_id", "").removeprefix("c").replace("_", "-") in in_flight:
            mine = {k: v for k, v in mine.items() if k not in ("content", "status")}
            theirs = {k: v for k, v in theirs.items() if k not in ("content", "status")}
        assert mine == theirs, f"message {n} differs: {got[n]}"


def assert_no_orphans(messages: list[dict[str, Any]]) -> None:
    calls = [c["id"] for m in messages for c in m.get("tool_calls", [])]
    answered = [m["tool_call_id"] for m in messages if m["type"] == "tool"]
    assert sorted(calls) == sorted(answered)


@pytest.mark.parametrize("chain", list(CHAINS))
def test_killed_at_five_points_and_resumed_each_time_the_run_ends_as_if_never_killed(
    chain: str,
    forkserver: ForkServer,
    long_llm: tuple[ScriptedLLMServer, LongRun],
    reference: Reference,
    tmp_path: Path,
) -> None:
    llm, script = long_llm
    case, _ = make_case(tmp_path / "case")
    db = case / "home" / "threads.sqlite"
    in_flight: set[str] = set()
    for k, point in enumerate(CHAINS[chain]):
        spec = run_spec(case, llm.url, thread="crash", prompt=PROMPT if k == 0 else None)
        in_flight |= kill_at(point, spec, case, script, forkserver)
        assert integrity(db) == "ok", f"after the kill at {point}"

    last = forkserver.spawn(
        run_spec(case, llm.url, thread="crash", dump=True), label="final resume"
    )
    events = last.finish()
    assert last.exit_code() == 0, last.tail()
    assert not [e for e in events if e["type"] == "error"], last.tail()
    done = next(e for e in reversed(events) if e["type"] == "turn_complete")
    assert done["type"] == "turn_complete" and done["data"]["stop_reason"] == "done", last.tail()
    assert done["data"]["final_text"] == FINAL

    final = transcript_of(last)
    rerun = {call for call, count in runs(case).items() if count > 1}
    assert rerun <= in_flight, f"ran twice without being in flight at a kill: {rerun - in_flight}"
    assert_same_transcript(final["messages"], reference.messages, in_flight)
    assert final["iterations"] == reference.iterations == 30
    assert not final["unfinished"]
    assert_no_orphans(final["messages"])
    assert set(runs(case)) == set(reference.runs)  # every bash call ran, none was skipped
    for request in llm.requests:
        assert_valid_tool_pairing(request["messages"])
    assert integrity(db) == "ok"
