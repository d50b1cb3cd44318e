"""The `notebook` tool: read, change and run a Jupyter notebook in place."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.kernel import notebook_cells as cells
from tools.kernel.figures import FigureFolder
from tools.kernel.notebook_run import NotebookRun, run_cells
from tools.kernel.outputs import render
from tools.kernel.pool import KernelPool
from tools.kernel.process import INTERRUPT_GRACE_S, KernelStartError
from tools.local.file_checks import place_of
from tools.local.sandbox import walls_unasked
from tools.places import Walls
from tools.policy import Code, CodeRule, Need, file_rule
from tools.result_texts import tool_text
from tools.result_texts.kernel import RUN_WITHHELD
from tools.tool_factory import make_tool

Action = Literal["read", "edit", "insert", "delete", "run"]
RUN_OUTPUT_CHARS = 4_000  # per cell, in the run's result (the file keeps them all)


class NotebookArgs(BaseModel):
    """Read, change or run a Jupyter notebook (.ipynb) in place. `read` shows its cells,
    numbered from 0, with their outputs. `edit` replaces cell `cell`'s source (its old
    outputs are cleared); `insert` adds a cell before `cell` (at the end without `cell`),
    creating the notebook if needed; `delete` removes cell `cell`. `run` runs the code cells
    from `cell` to `end` (all by default) in order in a fresh kernel, stops at the first
    error, and writes the outputs into the file, so the user sees them in Jupyter; it shares
    no variables with the `python` tool."""

    path: str = Field(description="The .ipynb file.")
    action: Action = Field("read", description="read, edit, insert, delete or run.")
    cell: int | None = Field(
        None, description="Cell number from 0 (negative: from the end); for run, the first."
    )
    end: int | None = Field(None, description="read and run: the last cell (inclusive).")
    source: str | None = Field(None, description="edit and insert: the cell's new source.")
    cell_type: Literal["code", "markdown", "raw"] | None = Field(
        None, description="insert (default code) and edit: the cell's type."
    )
    timeout: int = Field(
        120, gt=0, le=3600, description="run: seconds per cell before it is interrupted."
    )


def notebook_code(args: Mapping[str, Any], _workspace: Path) -> Code | None:
    """`run` runs the notebook's cells, whose text is in the file, not in the call: code
    whose meaning the rule cannot see. The other actions run nothing."""
    return Code() if args.get("action") == "run" else None


def notebook_rule(walls: Walls | None, sandboxed: bool) -> CodeRule:
    """Reading and changing follow the file rules (tools/places.py); running passes the one
    rule for code (tools/policy.py), like `python`."""
    read, write = file_rule("read", walls), file_rule("write", walls, "source")

    def paths(args: Mapping[str, Any], workspace: Path) -> Need:
        return (read if (args.get("action") or "read") == "read" else write)(args, workspace)

    return CodeRule(notebook_code, walled=sandboxed, paths=paths)


def describe_notebook(args: Mapping[str, Any]) -> str:
    action = args.get("action") or "read"
    where = f" cell {args['cell']}" if args.get("cell") is not None else ""
    if action == "run":
        return f"Run the code of {args.get('path')}{where or ' (all cells)'} and save its outputs"
    return f"{str(action).capitalize()}{where} of {args.get('path')}"


def _change(notebook: Any, args: NotebookArgs) -> str:
    """Apply edit / insert / delete to `notebook`; what was done, in one line."""
    if args.action == "delete":
        index = cells.index_of(notebook, args.cell)
        notebook.cells.pop(index)
        return f"Deleted cell {index}"
    if args.source is None:
        raise ToolException(f"`{args.action}` needs the cell's text in `source`.")
    if args.action == "edit":
        index = cells.index_of(notebook, args.cell)
        cells.edit(notebook, index, args.source, args.cell_type)
        return f"Replaced cell {index}"
    index = cells.index_of(notebook, args.cell, allow_end=True)
    notebook.cells.insert(index, cells.make_cell(args.cell_type or "code", args.source))
    return f"Inserted a {args.cell_type or 'code'} cell at {index}"


def _edit_file(call: CallContext, walls: Walls | None, args: NotebookArgs) -> str:
    target = place_of(call, args.path, "write", walls).target
    fresh = args.action == "insert" and not cells.exists(target, call.workspace)
    notebook = cells.new_notebook() if fresh else cells.load(target, call.workspace)
    done = _change(notebook, args)
    cells.save(notebook, target, call.workspace)
    created = " (new notebook)" if fresh else ""
    return f"{done} of {call.show(target)}{created}; it has {len(notebook.cells)} cells."


def _read_file(call: CallContext, walls: Walls | None, args: NotebookArgs) -> str:
    target = place_of(call, args.path, "read", walls).target
    notebook = cells.load(target, call.workspace)
    first = cells.index_of(notebook, args.cell) if args.cell is not None and notebook.cells else 0
    return cells.show(notebook, call.show(target), first, args.end)


async def _run(call: CallContext, pool: KernelPool, walls: Walls | None, args: NotebookArgs) -> str:
    target = (await asyncio.to_thread(place_of, call, args.path, "write", walls)).target
    notebook = await asyncio.to_thread(cells.load, target, call.workspace)
    if not cells.is_python(notebook):
        raise ToolException(
            f"{call.show(target)} uses the {cells.kernel_name(notebook)} kernel; only Python "
            "notebooks can be run here. Read and edit it, or run its code with bash."
        )
    if not notebook.cells:
        return f"{call.show(target)} has no cells to run."
    first = cells.index_of(notebook, args.cell) if args.cell is not None else 0
    last = cells.index_of(notebook, args.end) if args.end is not None else len(notebook.cells) - 1
    try:
        kernel, notes = await pool.start_kernel(target.parent, call.workspace)
    except KernelStartError as error:
        raise ToolException(f"The notebook's kernel did not start: {error}") from None
    late: list[str] = []
    try:
        run = await run_cells(notebook, kernel, list(range(first, last + 1)), args.timeout)
    finally:
        await asyncio.shield(kernel.shutdown())
        if late := await asyncio.shield(pool.unhidden_now(kernel)):
            for cell in notebook.cells[first : last + 1]:
                if cell.cell_type == "code":
                    cell.outputs = []
        await asyncio.shield(asyncio.to_thread(_save_masked, notebook, target, call.workspace))
    if late:
        return "\n".join([*notes, tool_text("kernel", RUN_WITHHELD, places=", ".join(late))])
    figures = FigureFolder(call, pool.sandbox)
    report = await asyncio.to_thread(_report, notebook, run, figures, args.timeout)
    head = f"Ran {call.show(target)} in a fresh kernel; outputs saved in the file."
    return "\n".join([*notes, head, report])


def _save_masked(notebook: Any, target: Path, workspace: Path) -> None:
    cells.mask_outputs(notebook, workspace)
    cells.save(notebook, target, workspace)


def _report(notebook: Any, run: NotebookRun, figures: FigureFolder, timeout: int) -> str:
    lines = []
    for index in run.ran:
        text = render(notebook.cells[index].outputs, figures.save)
        if len(text) > RUN_OUTPUT_CHARS:
            text = f"{text[:RUN_OUTPUT_CHARS]}\n[... {len(text) - RUN_OUTPUT_CHARS:,} more characters in the file]"
        lines += [f"[{index}]", text or "(no output)"]
    why = {
        "error": f"stopped at cell {run.stopped_at}: it raised {run.detail}",
        "timeout": f"stopped at cell {run.stopped_at}: interrupted after {timeout} s",
        "killed": f"stopped at cell {run.stopped_at}: still running {INTERRUPT_GRACE_S} s "
        f"after being interrupted at {timeout} s, so the kernel was killed",
        "died": f"stopped at cell {run.stopped_at}: the kernel died (often out of memory)",
    }
    if run.stopped:
        lines.append(f"[{why[run.stopped]}; the cells after it did not run]")
    return "\n".join(lines) or "(no code cells in that range)"


def notebook_spec(pool: KernelPool) -> ToolSpec:
    walls = pool.sandbox.walls if pool.sandbox is not None else None

    async def notebook(call: CallContext, **raw: Any) -> str:
        args = NotebookArgs(**raw)
        if args.action == "read":
            return await asyncio.to_thread(_read_file, call, walls, args)
        if args.action == "run":
            return await _run(call, pool, walls, args)
        return await asyncio.to_thread(_edit_file, call, walls, args)

    return ToolSpec(
        tool=make_tool("notebook", NotebookArgs, notebook),
        family="local",
        kind="execute",
        path_arg="path",
        approval=notebook_rule(walls, walls_unasked(pool.sandbox)),
        describe=describe_notebook,
        summary="path",
        own_deadline=True,
        workspace_effect="programs",
        close=pool.close,
        status=pool.status,
    )
