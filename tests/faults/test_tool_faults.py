"""Tool faults, one table: a tool call goes wrong, the model is told what to do, the run goes on.

Each row is one agent run over HTTP: the scripted model makes the faulty call, then answers
"done". The assertions are on what the model receives next (the tool result in its next
request) and on the run finishing normally. Rows marked `reject` run in interactive mode:
the call needs approval, the human rejects it, and the model hears why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import StructuredTool

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results

RUN_TIMEOUT_S = 60
TEN_MB = 10_000_000
SECRET = "outside-the-workspace-secret-7b1e"
Setup = Callable[[Path, Path], None]  # (workspace, a directory outside it)
Check = Callable[[str, Path, Path], None]  # (what the model saw, workspace, outside)


def _explode() -> str:
    raise RuntimeError("the tool broke in an unexpected way")


def _big() -> str:
    return "0123456789" * (TEN_MB // 10 - 1) + "THE-END-MARK"


def extra_specs() -> list[Any]:
    """Two tools that misbehave the way third-party tools (MCP, plugins) can."""
    from tools.catalog import ToolSpec
    from tools.policy import always

    broken = StructuredTool.from_function(_explode, name="explode", description="Always fails.")
    big = StructuredTool.from_function(_big, name="huge", description="Returns 10 MB of text.")
    return [ToolSpec(broken, "local", always("auto")), ToolSpec(big, "local", always("auto"))]


@dataclass(frozen=True)
class ToolFault:
    name: str
    args: dict[str, Any] | str  # a string is sent as the raw (possibly broken) JSON
    sees: tuple[str, ...]  # the model's next request carries these in the result
    error: bool = True  # the result is marked as an error
    reject: bool = False  # interactive: an approval is asked, and rejected
    setup: Setup | None = None
    check: Check | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] | None = None  # a call made (and answered) in the turn before


def outside_file(ws: Path, out: Path) -> None:
    (out / "secret.txt").write_text(SECRET + "\n")
    (ws / "link.txt").symlink_to(out / "secret.txt")


def latin1_file(ws: Path, _out: Path) -> None:
    (ws / "menu.txt").write_bytes("café crème\n".encode("latin-1"))


def binary_file(ws: Path, _out: Path) -> None:
    (ws / "model.bin").write_bytes(bytes(range(256)) * 64)


def process_was_killed(_seen: str, ws: Path, _out: Path) -> None:
    pid = int((ws / "pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(pid):
        assert time.monotonic() < deadline, f"the timed-out command (pid {pid}) still runs"
        time.sleep(0.02)


def bash_output_spilled(seen: str, _ws: Path, _out: Path) -> None:
    assert len(seen) < 21_000 and seen.rstrip().endswith("[exit code: 0]")
    spill = Path(seen.split(" returned are in ")[1].split(" — ")[0]).read_text()
    assert len(spill) > 500_000 and "lines omitted ...]" in spill  # what bash kept, in full


def tool_output_spilled(seen: str, _ws: Path, _out: Path) -> None:
    assert len(seen) < 21_000 and seen.endswith("THE-END-MARK")
    spill = Path(seen.split(" returned are in ")[1].split(" — ")[0])
    assert spill.stat().st_size == TEN_MB + 2  # every character, nothing lost


def secret_not_shown(seen: str, _ws: Path, _out: Path) -> None:
    assert SECRET not in seen


REJECTED = ("The user rejected this call; it was not run", "Feedback: stay in the workspace")
TEN_MB_OF_LINES = "python3 -c \"import sys; sys.stdout.write(('y' * 9999 + '\\n') * 1000)\""
BINARY = "printf 'a\\000b\\377\\376'; head -c 3000 /dev/urandom; echo"
READ_MENU = {"name": "read", "id": "r0", "arguments": {"path": "menu.txt"}}
OUTSIDE: dict[str, Any] = {"reject": True, "setup": outside_file, "check": secret_not_shown}

FAULTS = {
    "exception": ToolFault("explode", {}, ("explode failed", "RuntimeError", "the tool broke")),
    "timeout": ToolFault(
        "bash",
        {"command": "echo $$ > pid; sleep 30"},
        ("did not finish within 0.5 s and was stopped",),
        settings={"tool_timeout_s": 0.5},
        check=process_was_killed,
    ),
    "10 MB from bash": ToolFault(
        "bash",
        {"command": TEN_MB_OF_LINES},
        ("characters omitted", "read it with `read`"),
        error=False,
        check=bash_output_spilled,
    ),
    "10 MB from a tool": ToolFault(
        "huge", {}, ("characters omitted", "read it with `read`"), False, check=tool_output_spilled
    ),
    "binary output": ToolFault("bash", {"command": BINARY}, ("[exit code: 0]",), error=False),
    "binary file": ToolFault(
        "read", {"path": "model.bin"}, ("is a binary file (16384 bytes)",), False, setup=binary_file
    ),
    "non-UTF-8 file": ToolFault(
        "read", {"path": "menu.txt"}, ("caf\ufffd cr\ufffdme",), False, setup=latin1_file
    ),
    "non-UTF-8 edit": ToolFault(
        "edit",
        {"path": "menu.txt", "old_str": "caf", "new_str": "tea"},
        ("is not a UTF-8 text file", "Use bash"),
        setup=latin1_file,
        before=READ_MENU,
    ),
    "path outside": ToolFault("read", {"path": "OUTSIDE/secret.txt"}, REJECTED, **OUTSIDE),
    "dot-dot traversal": ToolFault("read", {"path": "../outside/secret.txt"}, REJECTED, **OUTSIDE),
    "symlink out (read)": ToolFault("read", {"path": "link.txt"}, REJECTED, **OUTSIDE),
    "symlink out (write)": ToolFault(
        "write", {"path": "link.txt", "content": "x"}, REJECTED, **OUTSIDE
    ),
    "malformed JSON arguments": ToolFault(
        "read", '{"path": "notes.txt"', ("not a valid JSON object", "Send the call again")
    ),
    "arguments not an object": ToolFault(
        "read", "[1, 2]", ("Invalid arguments for `read`", "path: Field required")
    ),
    "missing arguments": ToolFault(
        "read", {}, ("Invalid arguments for `read`", "path: Field required")
    ),
    "wrong argument type": ToolFault(
        "bash", {"command": "ls", "timeout": "soon"}, ("Invalid arguments for `bash`", "timeout")
    ),
    "unknown tool": ToolFault(
        "run_shell", {"command": "ls"}, ("no tool named 'run_shell'", "The closest tools you have:")
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
async def test_tool_fault(
    name: str, llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    fault = FAULTS[name]
    outside = tmp_path / "outside"
    outside.mkdir()
    if fault.setup is not None:
        fault.setup(workspace, outside)
    args = fault.args
    if isinstance(args, dict) and str(args.get("path", "")).startswith("OUTSIDE/"):
        args = {**args, "path": str(outside / args["path"].removeprefix("OUTSIDE/"))}
    if fault.before is not None:
        llm.add(Turn(tool_calls=[fault.before]))
    llm.add(
        Turn(tool_calls=[{"name": fault.name, "id": "t1", "arguments": args}]),
        Turn(content="understood, moving on"),
    )
    from tools.families import build_catalog

    settings = fast_settings(llm.url, **fault.settings)
    catalog = build_catalog(settings).extended(extra_specs())
    mode = "interactive" if fault.reject else "headless"
    async with open_session(settings, workspace, mode=mode, catalog=catalog) as session:
        events = await asyncio.wait_for(collect(session.send("do it")), RUN_TIMEOUT_S)
        asked = [e for e in events if e.type == "approval_required"]
        if fault.reject:
            assert (
                len(asked) == 1
                and "outside the workspace" in asked[0].data["action_requests"][0]["description"]
            )
            decision = {"type": "reject", "message": "stay in the workspace"}
            events = await asyncio.wait_for(collect(session.resume([decision])), RUN_TIMEOUT_S)
        else:
            assert not asked
        messages = await session.messages()

    assert len(llm.requests) == 2 + (fault.before is not None)
    seen = tool_results(llm.requests[-1])["t1"]
    for words in fault.sees:
        assert words in seen, seen[:2000]
    result = next(m for m in messages if m.type == "tool" and m.tool_call_id == "t1")
    assert (result.status == "error") == fault.error, result.content[:500]
    assert_valid_tool_pairing(llm.requests[-1]["messages"])
    assert events[-1].type == "turn_complete" and events[-1].data["stop_reason"] == "done"
    assert events[-1].data["final_text"] == "understood, moving on"
    if fault.check is not None:
        fault.check(seen, workspace, outside)


# --- faults the product does not handle yet -------------------------------------------------


async def test_grep_does_not_read_through_a_symlink_out_of_the_workspace(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    outside_file(workspace, outside)
    llm.add(
        Turn(tool_calls=[{"name": "grep", "id": "g1", "arguments": {"pattern": "secret"}}]),
        Turn(content="done"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="interactive") as session:
        events = await asyncio.wait_for(collect(session.send("grep")), RUN_TIMEOUT_S)
    asked = any(e.type == "approval_required" for e in events)
    leaked = len(llm.requests) > 1 and SECRET in tool_results(llm.requests[1])["g1"]
    assert asked or not leaked, "grep returned an outside file's content without approval"


async def test_10_mb_of_short_lines_does_not_flood_the_event_stream(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    command = f"yes 0123456789abcdef | head -c {TEN_MB}"
    llm.add(
        Turn(tool_calls=[{"name": "bash", "id": "b1", "arguments": {"command": command}}]),
        Turn(content="done"),
    )
    limit = 20_000  # far more than any terminal shows; the output itself is capped and spilled
    logs = 0
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        async for event in session.send("flood"):
            logs += event.type == "tool_log"
            if logs == limit + 1:
                session.cancel()  # failing fast: the remaining ~570,000 events take ~30 s
    assert logs <= limit, f"more than {limit} tool_log events for one command"


async def test_the_model_is_told_when_bash_output_was_cut_before_spilling(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    command = TEN_MB_OF_LINES
    llm.add(
        Turn(tool_calls=[{"name": "bash", "id": "b1", "arguments": {"command": command}}]),
        Turn(content="done"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await asyncio.wait_for(collect(session.send("big")), RUN_TIMEOUT_S)
    seen = tool_results(llm.requests[1])["b1"]
    note = seen[seen.index("\n\n[... ") : seen.index("...]\n\n") + 4]
    assert "lines omitted" in seen or f"{TEN_MB:,}" in seen, note


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
