"""Races over ACP (issue 51): a folder of the workspace flipped with a symlink to a place
outside while an editor that saves takes the agent's writes, or while a prompt's linked
file is read for the model."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from acp import PROTOCOL_VERSION, resource_link_block, text_block
from acp.schema import ClientCapabilities, FileSystemCapabilities

from tests.cli.acp_client import RecordingClient, acp_agent
from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.path_flipper import PathFlipper, planted_flip
from tests.fakes.transcript_checks import tool_results
from tools.local.sandbox import Sandbox, sandbox_problem

pytestmark = pytest.mark.cli_e2e

MODEL = ("--model", "openai/scripted-model")
EDITOR_FS = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=True, write_text_file=True))
ROUNDS, CALLS = 5, 10  # writes the model asks for: ROUNDS turns of CALLS calls
PROMPTS = 10  # prompts of those at most, until what a test needs happened
MIN_FLIPS = 2_000

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or sandbox_problem(Sandbox()) is not None,
    reason="bubblewrap cannot run here",
)


def write(call_id: str, path: str, content: str) -> dict:
    return {"id": call_id, "name": "write", "arguments": {"path": path, "content": content}}


async def flipped_writes(
    cli: Cli,
    llm: ScriptedLLMServer,
    outside: Path,
    *args: str,
    mode: str | None = None,
    until: Callable[[dict[str, str]], bool] = lambda _results: True,
) -> tuple[dict[str, str], list[str]]:
    """The attack: `sub` flips between a folder and a symlink to `outside` while the model
    writes `sub/f*.txt` and an editor that saves (as Zed does) takes the writes inside the
    workspace; every permission (asked for a write resolved outside) is rejected. The tool
    results by call id, and the files that took the editor's route (the tool resolved them
    inside the workspace) yet landed outside; a write the tool resolved outside never takes
    it (the file tools' own race is tested with them). `mode`: the session's, set first.
    Prompted again (at most PROMPTS times) until `until(results)` holds: a turn's writes come
    in one burst, and under load a prompt's can all land within the same few flips."""
    cli.use_server(llm)
    real, link = planted_flip(cli.cwd, outside)
    client = RecordingClient(choose=lambda _c, _o: "reject", saves=True)
    results: dict[str, str] = {}
    async with acp_agent(cli, *MODEL, *args, client=client) as agent:
        await agent.conn.initialize(
            protocol_version=PROTOCOL_VERSION, client_capabilities=EDITOR_FS
        )
        session_id = (await agent.conn.new_session(cwd=str(cli.cwd))).session_id
        if mode is not None:
            await agent.conn.set_session_mode(session_id=session_id, mode_id=mode)
        with PathFlipper(real, link) as flipper:
            for p in range(PROMPTS):
                llm.add(*[
                    Turn(tool_calls=[write(f"w{p}x{r}-{c}", f"sub/f{p}x{r}-{c}.txt", "landed\n")
                                     for c in range(CALLS)])
                    for r in range(ROUNDS)
                ], Turn(content="Done."))  # fmt: skip
                await agent.conn.prompt(session_id=session_id, prompt=[text_block("write them")])
                results = {k: v for req in llm.requests for k, v in tool_results(req).items()}
                if until(results):
                    break
            while not flipper.at_least(MIN_FLIPS):
                await asyncio.sleep(0)  # a poll: the flipper is a thread of its own
    assert flipper.flips >= MIN_FLIPS
    inside = {
        f"f{n[1:]}.txt" for n, text in results.items() if f"{real}/" in text or "to sub/" in text
    }
    landed = sorted(p.name for p in outside.iterdir() if p.name in inside)
    took = f"{len(inside)} writes took the editor route"
    print(f"\n{args} {mode}: {flipper.flips:,} flips, {took}, {len(landed)} landed outside")
    return results, landed


def wrote(results: dict[str, str]) -> list[str]:
    """The calls whose write reached the workspace."""
    return [n for n, text in results.items() if text.startswith("Wrote 1 line to sub/")]


def refused(results: dict[str, str]) -> list[str]:
    """The calls the check refused for a symlinked folder before the editor heard of them."""
    return [
        n
        for n, text in results.items()
        if "The editor was not asked" in text or "goes through a symlink" in text
    ]


@needs_bwrap
@pytest.mark.parametrize("switched", [False, True], ids=["--sandbox", "sandbox-mode"])
async def test_in_sandbox_mode_no_editor_write_lands_through_a_flipping_folder(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path, switched: bool
) -> None:
    """Under the sandbox (the whole agent's, or the session's mode) the disk write goes by
    descriptor beneath the workspace: a folder that is a symlink at that moment refuses the
    write, it never lands outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    how = {"mode": "sandbox"} if switched else {}
    results, landed = await flipped_writes(
        cli, llm, outside, *([] if switched else ["--sandbox"]), **how, until=wrote
    )
    assert landed == [], f"{len(landed)} editor writes landed outside"
    written = wrote(results)
    said = sorted({text.split("\n")[0][:120] for text in results.values()})
    asked = f"{len(llm.requests)} model requests, {len(results)} results"
    assert written, f"no write reached the workspace, the attack did not run ({asked}): {said}"


async def test_without_the_sandbox_the_editor_is_not_asked_through_a_symlinked_folder(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    """Without the sandbox the editor saves by name; a folder that is a symlink when the
    agent checks (after the tool resolved the path) is refused before the editor hears of
    it. What the check cannot close (a flip between it and the editor's own open) is
    counted and printed: the sandbox route above closes it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    results, _landed = await flipped_writes(cli, llm, outside, until=refused)
    assert refused(results), "the check never refused a write through a symlinked folder"


async def test_a_linked_file_is_never_read_through_a_flipping_folder(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    """The attack on a prompt's links: `sub/notes.txt` is a workspace file, but `sub` flips
    with a symlink to a folder whose `notes.txt` is a host file; the link is read for the
    model from the disk (an editor without fs), by name after the check before the fix."""
    cli.use_server(llm)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.txt").write_text("HOST-PRIVATE\n")
    real, link = planted_flip(cli.cwd, outside)
    (real / "notes.txt").write_text("workspace notes\n")
    uri = (cli.cwd / "sub" / "notes.txt").as_uri()
    async with acp_agent(cli, *MODEL) as agent:
        await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
        session_id = (await agent.conn.new_session(cwd=str(cli.cwd))).session_id
        links = [resource_link_block("notes.txt", uri) for _ in range(CALLS * 4)]
        rounds = 0
        with PathFlipper(real, link) as flipper:
            # A prompt's links are read in one burst, often within one flip: prompt until a
            # read landed inside (the attack ran) and the folder flipped enough.
            while rounds < ROUNDS or (
                rounds < 20 * ROUNDS and "workspace notes" not in repr(llm.requests[-1])
            ):
                llm.add(Turn(content="Seen."))
                await agent.conn.prompt(session_id=session_id, prompt=[text_block("see"), *links])
                rounds += 1
            while not flipper.at_least(MIN_FLIPS):
                await asyncio.sleep(0)
    seen = repr(llm.requests)
    print(
        f"\nlinks read in {rounds} prompts: {seen.count('workspace notes')} inside, "
        f"{seen.count('HOST-PRIVATE')} host"
    )
    assert "workspace notes" in seen
    assert "HOST-PRIVATE" not in seen
