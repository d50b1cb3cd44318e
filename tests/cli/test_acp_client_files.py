"""What the ACP agent lets an editor open for the file tools: a path is checked beneath the
workspace by descriptor before the editor hears of it; under the sandbox the editor is not
asked at all and the disk is reached by descriptor (cli/acp/client_files.py)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from acp.schema import ReadTextFileResponse, WriteTextFileResponse
from langchain_core.tools import ToolException

from cli.acp.client_files import ClientFiles
from tests.configs.test_prompt_snapshot import check_snapshot
from tools import safe_paths


class Editor:
    """The client's side of `fs/*` (the protocol boundary): records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def read_text_file(self, session_id: str, path: str, **_: Any) -> ReadTextFileResponse:
        self.asked.append(("read", path))
        return ReadTextFileResponse(content="buffer\n")

    async def write_text_file(
        self, session_id: str, path: str, content: str, **_: Any
    ) -> WriteTextFileResponse:
        self.asked.append(("write", path))
        return WriteTextFileResponse()


@pytest.fixture(params=[True, False], ids=["openat2", "fallback"])
def ws(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A workspace with a symlinked folder, a FIFO and a hard link to a file outside; on
    openat2 and on the per-component route a kernel without it takes."""
    place = tmp_path / "ws"
    place.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "kept.txt").write_text("host file\n")
    (place / "link").symlink_to(tmp_path / "outside", target_is_directory=True)
    (place / "notes.txt").write_text("disk\n")
    os.mkfifo(place / "pipe")
    os.link(tmp_path / "outside" / "kept.txt", place / "twin.txt")
    before = safe_paths.openat2_available()
    safe_paths.use_openat2(request.param and before)
    yield place
    safe_paths.use_openat2(before)


async def refusal(files: ClientFiles, verb: str, path: Path) -> str:
    call = files.read_text if verb == "read" else lambda p: files.write_text(p, "new\n")
    with pytest.raises(ToolException) as refused:
        await asyncio.to_thread(call, path)
    return str(refused.value)


async def test_the_editor_hears_only_of_regular_files_reached_without_a_link(ws: Path) -> None:
    editor = Editor()
    files = ClientFiles(editor, ws, reads=True, writes=True)  # type: ignore[arg-type]
    said = [
        await refusal(files, "write", ws / "link" / "kept.txt"),
        await refusal(files, "read", ws / "link" / "kept.txt"),
        await refusal(files, "write", ws / "pipe"),
        await refusal(files, "write", ws / "twin.txt"),
        await refusal(files, "write", ws.parent / "outside" / "kept.txt"),
    ]
    assert editor.asked == []
    assert await asyncio.to_thread(files.read_text, ws / "notes.txt") == "buffer\n"
    await asyncio.to_thread(files.write_text, ws / "new" / "file.txt", "x")
    assert editor.asked == [("read", str(ws / "notes.txt")), ("write", str(ws / "new/file.txt"))]
    guarded = ClientFiles(editor, ws, reads=True, writes=True, guarded=True)  # type: ignore[arg-type]
    said.append(await refusal(guarded, "write", ws / "link" / "kept.txt"))
    said.append(await refusal(guarded, "read", ws / "pipe"))
    text = "\n".join(said).replace(str(ws.parent), "/tmp")
    check_snapshot("acp_editor_refusals.md", text + "\n")
    assert (ws.parent / "outside" / "kept.txt").read_text() == "host file\n"


async def test_under_the_sandbox_the_disk_is_reached_by_descriptor(ws: Path) -> None:
    editor = Editor()
    files = ClientFiles(editor, ws, reads=True, writes=True, guarded=True)  # type: ignore[arg-type]
    assert await asyncio.to_thread(files.read_text, ws / "notes.txt") == "disk\n"
    await asyncio.to_thread(files.write_text, ws / "sub" / "new.txt", "fresh\n")
    await asyncio.to_thread(files.write_text, ws / "twin.txt", "replaced\n")
    assert (ws / "sub" / "new.txt").read_text() == "fresh\n"
    assert (ws / "twin.txt").read_text() == "replaced\n"
    assert (ws.parent / "outside" / "kept.txt").read_text() == "host file\n"  # link broken
    assert editor.asked == []
