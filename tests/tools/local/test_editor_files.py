"""The file tools with an editor serving text (tools/editor_files.py): which paths it may
serve, and the read-before-write rule on the text it serves. The editor here is a dict of
buffers behind the EditorFiles protocol, as a front end would hand one in."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool

from tests.fakes.tool_calls import call_context
from tools.call_context import calling
from tools.local.family import local_specs
from tools.places import editor_serves


@dataclasses.dataclass
class Buffers:
    """An editor: open buffers by path, else the file on disk; what it was asked, in order."""

    reads: bool = True
    writes: bool = True
    open: dict[Path, str] = dataclasses.field(default_factory=dict)
    asked: list[tuple[str, Path]] = dataclasses.field(default_factory=list)

    def read_text(self, path: Path) -> str:
        self.asked.append(("read", path))
        return self.open[path] if path in self.open else path.read_text()

    def write_text(self, path: Path, content: str) -> None:
        self.asked.append(("write", path))
        self.open[path] = content


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


Run = Callable[..., Awaitable[Any]]


@pytest.fixture
def run(workspace: Path) -> Run:
    """Calls the file tools (one set per test: one read registry) with `editor` serving."""
    tools: dict[str, BaseTool] = {spec.name: spec.tool for spec in local_specs()}

    async def call(editor: Buffers, name: str, **args: Any) -> Any:
        context = dataclasses.replace(call_context(name, workspace), editor=editor)
        with calling(context):
            payload = {"name": name, "args": args, "id": "c1", "type": "tool_call"}
            return await tools[name].ainvoke(payload)

    return call


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("src/train.py", True),
        (".env", False),
        ("config/.env.local", False),
        (".git/config", False),
        ("../outside.txt", False),
        ("~/.ssh/id_rsa", False),
    ],
)
def test_an_editor_serves_only_workspace_files_that_are_no_credential(
    workspace: Path, path: str, served: bool
) -> None:
    target = (workspace / Path(path).expanduser()).resolve()
    assert editor_serves(target, workspace, None) is served


async def test_an_editor_that_only_reads_serves_the_buffer_and_writes_go_to_disk(
    workspace: Path, run: Run
) -> None:
    notes = workspace / "notes.txt"
    notes.write_text("disk\n")
    editor = Buffers(writes=False, open={notes: "a\nb\nbuffer\n"})
    shown = await run(editor, "read", path="notes.txt", offset=3)
    assert "3\tbuffer" in shown.content and "disk" not in shown.content
    edited = await run(editor, "edit", path="notes.txt", old_str="buffer", new_str="c")
    assert edited.status == "success", edited.content
    assert notes.read_text() == "a\nb\nc\n"  # the buffer's text, edited, on disk
    assert editor.asked == [("read", notes), ("read", notes)]


async def test_a_write_needs_a_read_of_the_buffer_as_it_is_now(workspace: Path, run: Run) -> None:
    notes = workspace / "notes.txt"
    notes.write_text("disk\n")
    editor = Buffers(open={notes: "first\n"})
    refused = await run(editor, "write", path="notes.txt", content="new\n")
    assert refused.status == "error" and "have not read it" in refused.content
    await run(editor, "read", path="notes.txt")
    editor.open[notes] = "first\ntyped by the user\n"
    stale = await run(editor, "write", path="notes.txt", content="new\n")
    assert stale.status == "error" and "changed in the editor" in stale.content
    await run(editor, "read", path="notes.txt")
    written = await run(editor, "write", path="notes.txt", content="new\n")
    assert written.status == "success" and editor.open[notes] == "new\n"
    assert notes.read_text() == "disk\n"  # the editor keeps it unsaved
