"""The `notebook` tool: cells read and changed in the file, runs with a real kernel write
their outputs into it, bad notebooks refused without a change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.fakes.tool_calls import call_tool
from tools.kernel.notebook import notebook_rule, notebook_spec
from tools.kernel.pool import KernelPool
from tools.local.sandbox import Sandbox
from tools.policy import PolicyContext, decide


async def act(ws: Path, pool: KernelPool | None = None, **args: Any) -> tuple[str, str]:
    spec = notebook_spec(pool or KernelPool())
    message = await call_tool(spec.tool, args, ws, as_tool_call=True)
    return str(message.content), message.status


def cells_of(path: Path) -> list[Any]:
    return nbformat.read(str(path), as_version=4).cells


async def test_a_run_writes_outputs_into_the_file_and_stops_at_the_first_error(
    tmp_path: Path,
) -> None:
    for source in ["x = 6\nprint('x is', x)", "x * 7", "1 / 0", "print('never')"]:
        await act(tmp_path, path="nb.ipynb", action="insert", source=source)
    await act(
        tmp_path, path="nb.ipynb", action="insert", source="# Title", cell_type="markdown", cell=0
    )
    out, _ = await act(tmp_path, path="nb.ipynb", action="run")
    assert "x is 6" in out and "]: 42" in out
    assert "stopped at cell 3: it raised ZeroDivisionError" in out
    saved = cells_of(tmp_path / "nb.ipynb")
    assert saved[0].cell_type == "markdown" and saved[0].source == "# Title"
    assert saved[1].outputs[0]["text"] == "x is 6\n"
    assert saved[2].outputs[0]["data"]["text/plain"] == "42"
    assert saved[3].outputs[0]["ename"] == "ZeroDivisionError"
    assert saved[4].outputs == [] and saved[4].execution_count is None

    shown, _ = await act(tmp_path, path="nb.ipynb")  # read: numbered cells with outputs
    assert "nb.ipynb: 5 cells" in shown and "[2] code (ran as 2)\nx * 7\n--- output" in shown


async def test_edit_clears_outputs_delete_removes_and_bad_cells_are_named(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("a")]
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"})]
    nbformat.write(nb, str(path))
    out, _ = await act(tmp_path, path="nb.ipynb", action="edit", cell=-1, source="a + 1")
    assert "Replaced cell 1" in out
    assert cells_of(path)[1].source == "a + 1" and cells_of(path)[1].outputs == []
    out, status = await act(tmp_path, path="nb.ipynb", action="delete", cell=5)
    assert status == "error" and "There is no cell 5: the cells are numbered 0 to 1" in out
    await act(tmp_path, path="nb.ipynb", action="delete", cell=0)
    assert [c.source for c in cells_of(path)] == ["a + 1"]
    out, status = await act(tmp_path, path="nb.ipynb", action="edit", cell=0)
    assert status == "error" and "needs the cell's text in `source`" in out


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({"cells": "nope", "nbformat": 4}), ""],
    ids=["not-json", "wrong-shape", "empty"],
)
async def test_a_malformed_notebook_is_refused_and_left_as_it_was(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    for args in ({"action": "read"}, {"action": "insert", "source": "1"}, {"action": "run"}):
        out, status = await act(tmp_path, path="bad.ipynb", **args)
        assert (
            status == "error" and "is not a valid notebook" in out and "nothing was changed" in out
        )
    assert path.read_text() == content


async def test_a_notebook_for_another_language_is_not_run(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    nb.cells = [nbformat.v4.new_code_cell("print(1)")]
    nbformat.write(nb, str(tmp_path / "r.ipynb"))
    out, status = await act(tmp_path, path="r.ipynb", action="run")
    assert status == "error" and "uses the R kernel; only Python notebooks" in out


async def test_a_cell_that_never_ends_is_interrupted_and_what_ran_is_saved(tmp_path: Path) -> None:
    for source in ["print('before')", "import time\nwhile True:\n    time.sleep(0.05)", "2"]:
        await act(tmp_path, path="slow.ipynb", action="insert", source=source)
    out, _ = await act(tmp_path, path="slow.ipynb", action="run", timeout=1)
    assert "stopped at cell 1: interrupted after 1 s" in out
    saved = cells_of(tmp_path / "slow.ipynb")
    assert saved[0].outputs[0]["text"] == "before\n"
    assert saved[1].outputs[-1]["ename"] == "KeyboardInterrupt" and saved[2].outputs == []


def test_notebook_approval_follows_the_file_rules_and_runs_ask_like_python(
    tmp_path: Path,
) -> None:
    host, walled = notebook_rule(None, False), notebook_rule(Sandbox().walls, True)
    ctx = PolicyContext(mode="interactive", workspace=tmp_path)
    inside = {"path": "nb.ipynb"}
    assert decide("notebook", {**inside, "action": "read"}, host, ctx) == "auto"
    assert decide("notebook", {**inside, "action": "insert", "source": "1"}, host, ctx) == "auto"
    assert decide("notebook", {**inside, "action": "run"}, host, ctx) == "ask"
    assert decide("notebook", {**inside, "action": "run"}, walled, ctx) == "auto"
    outside = {"path": "/var/tmp/elsewhere.ipynb", "action": "edit", "source": "1"}
    assert decide("notebook", outside, host, ctx) == "ask"
    secret = {"path": "~/.ssh/keys.ipynb", "action": "insert", "source": "1"}
    assert host(secret, tmp_path) == "never_auto"


async def test_under_the_sandbox_a_notebook_outside_the_workspace_is_not_written(
    tmp_path: Path,
) -> None:
    """The attacker's call: insert a cell into a notebook outside the writable roots."""
    ws = tmp_path / "ws"
    ws.mkdir()
    pool = KernelPool(Sandbox())
    out, status = await act(ws, pool, path="../evil.ipynb", action="insert", source="1")
    assert status == "error" and not (tmp_path / "evil.ipynb").exists()
    assert "evil.ipynb" in out


async def test_a_huge_notebook_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.ipynb"
    with path.open("wb") as f:
        f.truncate(65 * 2**20)  # sparse: large on paper, no time to write
    out, status = await act(tmp_path, path="huge.ipynb", action="run")
    assert status == "error" and "more than the 64 MiB" in out and "--clear-output" in out


async def test_outputs_written_into_the_file_are_masked_like_tool_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cell that prints a token (from the environment, from the workspace's .env) must not
    leave it in the notebook on disk, where Jupyter, git and the next read would show it."""
    token, planted = "hf_" + "Q7x" * 12, "sk-proj-" + "Zt4" * 16
    monkeypatch.setenv("HF_TOKEN", token)
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={planted}\n")
    for source in ["import os\nprint(os.environ['HF_TOKEN'])", "open('.env').read()"]:
        await act(tmp_path, path="leak.ipynb", action="insert", source=source)
    out, _ = await act(tmp_path, path="leak.ipynb", action="run")
    on_disk = (tmp_path / "leak.ipynb").read_text()
    assert token not in on_disk and planted not in on_disk
    assert token not in out and planted not in out
    assert "REDACTED" in on_disk and cells_of(tmp_path / "leak.ipynb")[1].outputs
