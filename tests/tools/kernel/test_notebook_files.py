"""A notebook's file and the agent's symlinks: loading and saving go through
tools/safe_paths.py, so a folder flipped with a symlink (2,000+ flips) never makes the host
read another notebook or write outside, and a FIFO named like a notebook is refused at once."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import nbformat
from langchain_core.tools import ToolException

from tests.fakes.path_flipper import PathFlipper, planted_flip
from tests.fakes.tool_calls import call_tool
from tools.kernel import notebook_cells as cells
from tools.kernel.notebook import notebook_spec
from tools.kernel.pool import KernelPool


def notebook_with(text: str) -> nbformat.NotebookNode:
    notebook = cells.new_notebook()
    notebook.cells.append(cells.make_cell("code", text))
    return notebook


def test_a_folder_flipping_with_a_symlink_never_loads_another_notebook(tmp_path: Path) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    real, link = planted_flip(ws, outside)
    nbformat.write(notebook_with("ours"), str(real / "nb.ipynb"))
    nbformat.write(notebook_with("theirs"), str(outside / "nb.ipynb"))
    seen: set[str] = set()
    with PathFlipper(real, link) as flipper:
        while not flipper.at_least(2000):
            with contextlib.suppress(ToolException):
                seen.add(cells.load(ws / "sub" / "nb.ipynb", ws).cells[0].source)
    assert seen <= {"ours"}


def test_a_folder_flipping_with_a_symlink_never_saves_outside(tmp_path: Path) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    real, link = planted_flip(ws, outside)
    saves = 0
    with PathFlipper(real, link) as flipper:
        while not flipper.at_least(2000) or saves < 200:
            with contextlib.suppress(ToolException):
                cells.save(notebook_with("x"), ws / "sub" / f"nb{saves}.ipynb", ws)
            saves += 1
    assert list(outside.iterdir()) == []


async def test_a_fifo_named_like_a_notebook_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "nb.ipynb")
    spec = notebook_spec(KernelPool())
    message = await call_tool(spec.tool, {"path": "nb.ipynb"}, tmp_path, as_tool_call=True)
    assert message.status == "error" and "FIFO" in str(message.content)
