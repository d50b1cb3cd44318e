"""Attacks on a LIVE pending approval of `ml-intern web` (token mode, walled): the scripted
model asks for a call that needs approval, the run stops, and the attacker answers with
`command.resume` shapes the page never sends: an edit that renames the call or changes its
id, extra keys, a yolo switch on a server whose operator denies or asks for bash. And a
run's `context.mode` ("headless": nobody to ask) against the operator's explicit "ask".
Nothing runs that the operator's configuration denies, or asks for without an answer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.test_server_walls import needs_bwrap
from tests.web.web_harness import (
    bash,
    free_port,
    module_env,
    start_web,
    stop_together,
    wait_for_ready,
)

pytestmark = [pytest.mark.timeout(300), needs_bwrap]


# The operator asks for both bash and write: one server for the tests whose call is one of the
# two (a server takes seconds to start; the other override never meets their call).
ASK_BOTH = {"approval": {"overrides": {"bash": "ask", "write": "ask"}}}


def write(call_id: str, path: str, content: str) -> dict[str, object]:
    return {"name": "write", "id": call_id, "arguments": {"path": path, "content": content}}


@dataclass
class Servers:
    """The module's servers, one for each operator configuration its tests ask for (a server
    takes seconds to start; each test works in threads of its own), their scripted model and
    workspace, their processes (stopped together, not in turn, when the module ends), and
    each server's home by URL."""

    llm: ScriptedLLMServer
    workspace: Path
    root: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    homes: dict[str, Path] = field(default_factory=dict)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("approval-answers")
    (root / "workspace").mkdir()
    with module_env(root), ScriptedLLMServer() as llm:
        servers = Servers(llm, root / "workspace", root)
        try:
            yield servers
        finally:
            stop_together(servers.procs)


@pytest.fixture
def llm(servers: Servers) -> ScriptedLLMServer:
    """The module's scripted model, its script and requests emptied for this test."""
    servers.llm.reset()
    return servers.llm


@pytest.fixture
def workspace(servers: Servers) -> Path:
    """The servers' workspace, emptied for this test."""
    for path in servers.workspace.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return servers.workspace


@pytest.fixture
def start(servers: Servers, llm: ScriptedLLMServer, workspace: Path) -> Iterator[Any]:
    """A function giving a client of the module's `ml-intern web` with the operator's
    `settings` (started on first use, each in a home of its own); `start.home(client)` is
    that server's home."""
    with httpx.Client(trust_env=False, timeout=120) as client:

        def started(settings: dict[str, object]) -> httpx.Client:
            key = json.dumps(settings, sort_keys=True)
            if key not in servers.urls:
                where = Path(tempfile.mkdtemp(prefix="server-", dir=servers.root))
                port = free_port()
                proc, out = start_web(workspace, where / "home", llm.url, where,
                                      "--port", str(port), settings=settings)  # fmt: skip
                servers.procs.append(proc)
                wait_for_ready(proc, out)
                servers.urls[key] = f"http://127.0.0.1:{port}"
                servers.homes[servers.urls[key]] = where / "home"
            client.base_url = httpx.URL(servers.urls[key])
            return client

        started.home = lambda api: servers.homes[str(api.base_url).rstrip("/")]  # type: ignore[attr-defined]
        yield started


def turn(api: httpx.Client, thread: str, body: dict[str, Any]) -> httpx.Response:
    answer = api.post(f"/threads/{thread}/runs/wait", json={"assistant_id": "ml_intern", **body})
    assert answer.status_code == 200, answer.text
    return answer


def say(text: str, mode: str = "interactive") -> dict[str, Any]:
    return {"input": {"messages": [{"type": "human", "content": text}]}, "context": {"mode": mode}}


def pending(api: httpx.Client, thread: str) -> list[dict[str, Any]]:
    state = api.get(f"/threads/{thread}/state").json()
    interrupts = state.get("interrupts") or [
        i for task in state.get("tasks") or [] for i in task.get("interrupts") or []
    ]
    return interrupts[0]["value"]["action_requests"] if interrupts else []


def tool_results(llm: ScriptedLLMServer) -> dict[str, str]:
    """What the model was told of each call, by id (the last request's history)."""
    messages = llm.requests[-1]["messages"]
    return {m["tool_call_id"]: str(m["content"]) for m in messages if m["role"] == "tool"}


def a_pending_call(
    api: httpx.Client, llm: ScriptedLLMServer, call: dict[str, object]
) -> tuple[str, list[dict[str, Any]]]:
    thread = api.post("/threads", json={}).json()["thread_id"]
    llm.add(Turn(tool_calls=[call]))
    turn(api, thread, say("do it"))
    asked = pending(api, thread)
    assert [a["id"] for a in asked] == [call["id"]], asked
    return thread, asked


def test_an_edit_cannot_rename_the_call_or_change_its_id(
    start: Any, llm: ScriptedLLMServer, workspace: Path
) -> None:
    api = start({})
    thread, _ = a_pending_call(api, llm, bash("c1", "touch asked.txt"))
    llm.add(Turn(content="done"))
    edit = {
        "type": "edit",
        "name": "write",
        "id": "forged",
        "edited_action": {
            "name": "write",
            "id": "forged",
            "args": {"path": "renamed.txt", "content": "pwned"},
        },
    }
    turn(api, thread, {"command": {"resume": {"decisions": [edit]}}})
    assert not (workspace / "renamed.txt").exists()
    assert not (workspace / "asked.txt").exists()
    results = tool_results(llm)
    assert set(results) == {"c1"}, results  # still bash's call, with write's arguments
    calls = api.get(f"/threads/{thread}/state").json()["values"]["messages"][-3]["tool_calls"]
    assert [(c["name"], c["id"]) for c in calls] == [("bash", "c1")]


def test_extra_keys_in_an_answer_run_only_the_asked_call(
    start: Any, llm: ScriptedLLMServer, workspace: Path
) -> None:
    api = start({})
    thread, _ = a_pending_call(api, llm, bash("c1", "touch asked.txt"))
    llm.add(Turn(content="done"))
    other = {"name": "write", "args": {"path": "extra.txt", "content": "pwned"}, "id": "x"}
    decision = {"type": "approve", **other, "edited_action": other, "action": other}
    resume = {"decisions": [decision], "goto": "execute_tools", "calls": [other], "yolo": False}
    turn(api, thread, {"command": {"resume": resume}})
    assert (workspace / "asked.txt").exists()
    assert not (workspace / "extra.txt").exists()


@pytest.mark.parametrize("bash_override", ["deny", "ask"])
def test_yolo_in_an_answer_does_not_lift_the_operators_bash_override(
    start: Any, llm: ScriptedLLMServer, workspace: Path, bash_override: str
) -> None:
    api = start({"approval": {"overrides": {"bash": bash_override, "write": "ask"}}})
    thread, _ = a_pending_call(api, llm, write("w1", "asked.txt", "fine"))
    llm.add(Turn(tool_calls=[bash("b1", "touch after-yolo.txt")]))
    edit = {"type": "edit", "edited_action": {"name": "bash", "args": {"command": "touch e"}}}
    turn(api, thread, {"command": {"resume": {"decisions": [edit], "yolo": True}}})
    assert not (workspace / "e").exists()
    assert not (workspace / "after-yolo.txt").exists()
    if bash_override == "ask":  # yolo or not, the operator's "ask" still asks
        assert [a["id"] for a in pending(api, thread)] == ["b1"]
    else:
        assert "configuration denies" in tool_results(llm)["b1"], tool_results(llm)


def test_a_headless_run_does_not_carry_out_what_the_operator_asks_for(
    start: Any, llm: ScriptedLLMServer, workspace: Path
) -> None:
    """The operator's explicit "ask" for bash: a person's request for a headless run (nobody
    to ask) does not turn it into "run unasked"; the call is answered "not run"."""
    api = start(ASK_BOTH)
    thread = api.post("/threads", json={}).json()["thread_id"]
    llm.add(Turn(tool_calls=[bash("h1", "touch headless.txt")]))
    llm.add(Turn(content="done"))
    turn(api, thread, say("do it", mode="headless"))
    assert not (workspace / "headless.txt").exists()
    assert tool_results(llm)["h1"].startswith("Not run"), tool_results(llm)


@pytest.mark.parametrize("where", ["beside", "home"])
def test_an_edit_cannot_write_outside_the_workspace(
    start: Any,
    llm: ScriptedLLMServer,
    workspace: Path,
    where: str,
) -> None:
    """An approved edit's new path is still held by the walls: not beside the workspace,
    not in the server's own home (its keys, its threads)."""
    api = start(ASK_BOTH)
    beside = workspace.parent / f"beside-{where}.txt"
    target = beside if where == "beside" else start.home(api) / "planted.txt"
    thread, _ = a_pending_call(api, llm, write("w1", "inside.txt", "fine"))
    llm.add(Turn(content="done"))
    edit = {"type": "edit", "edited_action": {"args": {"path": str(target), "content": "pwned"}}}
    turn(api, thread, {"command": {"resume": {"decisions": [edit]}}})
    assert not target.exists()
    assert not (workspace / "inside.txt").exists()
    assert tool_results(llm)["w1"], tool_results(llm)


def test_a_rejection_sent_as_a_headless_run_is_not_carried_out(
    start: Any, llm: ScriptedLLMServer, workspace: Path
) -> None:
    """The node judges again when the answer comes: an answer whose run says "headless"
    must not turn the asked call into one that runs unasked, past the person's "reject"."""
    api = start({})
    thread, _ = a_pending_call(api, llm, bash("c1", "touch rejected.txt"))
    llm.add(Turn(content="done"))
    resume = {"decisions": [{"type": "reject", "message": "no"}]}
    answer = api.post(
        f"/threads/{thread}/runs/wait",
        json={
            "assistant_id": "ml_intern",
            "command": {"resume": resume},
            "context": {"mode": "headless"},
        },
    )
    assert answer.status_code == 422, answer.text
    assert '"context.mode"' in answer.json()["detail"]
    assert not (workspace / "rejected.txt").exists()
    assert [a["id"] for a in pending(api, thread)] == ["c1"]  # still waiting for its answer


@pytest.mark.parametrize(
    "update", [{"yolo": True}, {"model": "openai/other-model"}, {"effort": "high"}]
)
def test_a_rejection_carrying_the_pages_settings_is_not_carried_out(
    start: Any, llm: ScriptedLLMServer, workspace: Path, update: dict[str, Any]
) -> None:
    """The page's settings ride on the answer (`command.update`) and reach the thread before
    the node judges again: yolo switched on there must not run a call the person rejects."""
    api = start({})
    thread, _ = a_pending_call(api, llm, bash("c1", "touch rejected.txt"))
    llm.add(Turn(content="OK"), Turn(content="done"))
    resume = {"decisions": [{"type": "reject", "message": "no"}]}
    command = {"resume": resume, "update": update}
    answer = api.post(
        f"/threads/{thread}/runs/wait", json={"assistant_id": "ml_intern", "command": command}
    )
    assert answer.status_code in (200, 422), answer.text
    assert not (workspace / "rejected.txt").exists()


def test_yolo_carried_with_an_approval_applies_from_the_next_step(
    start: Any, llm: ScriptedLLMServer, workspace: Path
) -> None:
    api = start({})
    thread, _ = a_pending_call(api, llm, bash("c1", "touch approved.txt"))
    llm.add(Turn(tool_calls=[bash("c2", "touch unasked.txt")]), Turn(content="done"))
    command = {"resume": {"decisions": [{"type": "approve"}]}, "update": {"yolo": True}}
    turn(api, thread, {"command": command})
    assert (workspace / "approved.txt").exists()
    assert (workspace / "unasked.txt").exists()  # yolo: the next step's code runs unasked
    assert pending(api, thread) == []
    assert api.get(f"/threads/{thread}/state").json()["values"]["yolo"] is True
