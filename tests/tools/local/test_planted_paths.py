"""Attacks on the file tools through what the agent can plant in its workspace: a folder
swapped for a symlink while calls run, a FIFO, a link to a host file. The file tools touch
the disk only through tools/safe_paths.py, so none reaches outside or hangs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.path_flipper import PathFlipper, planted_flip
from tests.fakes.tool_calls import call_tool
from tools.local.family import local_specs
from tools.local.sandbox import Sandbox

FLIPS = 2000


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    workspace = tmp_path / "home" / "project"
    workspace.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("HOST-SECRET\n")
    return workspace, outside


async def run(ws: Path, tool: str, **args: Any) -> Any:
    spec = {s.name: s for s in local_specs(Sandbox())}[tool]
    return await call_tool(spec.tool, args, ws, as_tool_call=True)


async def test_writes_into_a_folder_flipping_with_a_symlink_never_land_outside(lab) -> None:
    ws, outside = lab
    real, link = planted_flip(ws, outside)
    results = []
    with PathFlipper(real, link) as flipper:
        n = 0
        while n < 200 or not flipper.at_least(FLIPS):
            results.append(await run(ws, "write", path=f"sub/f{n}.txt", content="x"))
            n += 1
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert any(r.status == "success" for r in results)  # the tool still works between flips


async def test_reads_of_a_file_flipping_with_a_link_to_a_host_file_never_show_it(lab) -> None:
    ws, outside = lab
    (ws / "data.txt").write_text("workspace data\n")
    (ws / ".swap").symlink_to(outside / "secret.txt")
    shown = []
    with PathFlipper(ws / "data.txt", ws / ".swap") as flipper:
        while len(shown) < 200 or not flipper.at_least(FLIPS):
            shown.append((await run(ws, "read", path="data.txt")).content)
    assert not [text for text in shown if "HOST-SECRET" in text]
    assert any("workspace data" in text for text in shown)


async def test_a_planted_link_to_a_host_file_is_refused_with_its_real_path(lab) -> None:
    ws, outside = lab
    (ws / "notes.txt").symlink_to(outside / "secret.txt")
    read = await run(ws, "read", path="notes.txt")
    assert read.status == "error" and "HOST-SECRET" not in read.content
    assert str(outside / "secret.txt") in read.content and "real path" in read.content
    write = await run(ws, "write", path="notes.txt", content="payload")
    assert write.status == "error"
    assert (outside / "secret.txt").read_text() == "HOST-SECRET\n"


async def test_a_fifo_never_hangs_a_file_tool(lab) -> None:
    ws, _ = lab
    os.mkfifo(ws / "pipe.txt")
    (ws / "real.txt").write_text("needle\n")

    async def bounded(tool: str, **args: Any) -> Any:
        return await asyncio.wait_for(run(ws, tool, **args), timeout=30)

    read = await bounded("read", path="pipe.txt")
    assert read.status == "error" and "FIFO" in read.content
    grep = await bounded("grep", pattern="needle")
    assert "real.txt:1:needle" in grep.content
    write = await bounded("write", path="pipe.txt", content="x")
    assert write.status == "error" and "FIFO" in write.content
    edit = await bounded("edit", path="pipe.txt", old_str="a", new_str="b")
    assert edit.status == "error"


async def test_searches_never_enter_a_planted_link_to_a_host_folder(lab) -> None:
    ws, outside = lab
    (ws / "data").symlink_to(outside, target_is_directory=True)
    grep = await run(ws, "grep", pattern="HOST-S[E]CRET")
    assert "secret.txt" not in grep.content
    glob = await run(ws, "glob", pattern="**/*.txt")
    assert "secret.txt" not in glob.content


async def test_what_the_model_reads_when_a_planted_path_is_refused(lab) -> None:
    ws, outside = lab
    (ws / "notes.txt").symlink_to(outside / "secret.txt")
    (ws / "data").symlink_to(outside, target_is_directory=True)
    os.mkfifo(ws / "pipe.txt")
    with open(ws / "huge.log", "wb") as f:
        f.write(b"step loss\n" * 1000)  # text where `read` sniffs for binary
        f.truncate(300 << 20)  # the rest sparse: over what `read` takes
    (ws / "real.txt").write_text("needle\n")
    texts = [
        (await run(ws, "read", path="notes.txt")).content,
        (await run(ws, "read", path="data/secret.txt")).content,
        (await run(ws, "read", path="pipe.txt")).content,
        (await run(ws, "write", path="pipe.txt", content="x")).content,
        (await run(ws, "read", path="huge.log")).content,
        (await run(ws, "grep", pattern="needle")).content,
    ]
    text = "\n---\n".join(texts).replace(str(outside), "OUTSIDE").replace(str(ws), "WORKSPACE")
    check_snapshot("planted_paths.md", text + "\n")
