"""The model's read-only `experiments` tool: list, show and compare this thread's runs.

It reads the same ledger and prints the same text as `ml-intern experiments`, so the model
picks its next run from measured results rather than from a memory a compaction shortened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from graph import experiment_report as report
from graph.thread_runs import launching_calls, thread_runs, visible_runs
from store.experiments import Experiment, find_run
from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.policy import always
from tools.tool_factory import make_tool


class ExperimentsArgs(BaseModel):
    """The runs this thread launched (Hugging Face Jobs; training commands run by bash or
    hf_sandbox exec for over a minute), as measured: status, duration,
    cost, hardware, arguments and the metrics parsed from their logs or read from the
    Trackio project they logged to (final and best).
    list: one line per run. show: one run in full (`a`). compare: what differs between runs
    `a` and `b` (arguments, script diff, data, hardware) and their metrics side by side. A run
    is named by its number in the list, its id (exp-...), its name or its job id. Compare
    runs before concluding which setting is better."""

    operation: Literal["list", "show", "compare"] = "list"
    a: str | None = Field(None, description="show/compare: the (first) run.")
    b: str | None = Field(None, description="compare: the second run.")


def experiments_spec(db: Path) -> ToolSpec:
    """The tool over the ledger in `db` (the thread's own database)."""

    async def experiments(
        call: CallContext, operation: str, a: str | None = None, b: str | None = None
    ) -> str:
        runs = await thread_runs(db, call.thread_id, series=operation != "list")
        if operation == "list":
            return report.table(runs)
        try:
            first = _pick(runs, a, "a")
            if operation == "show":
                return report.show(first)
            return report.compare(first, _pick(runs, b, "b"))
        except LookupError as missing:
            raise ToolException(str(missing)) from None

    async def note_lines(thread_id: str, messages: Sequence[Any]) -> list[str]:
        runs = await asyncio.to_thread(visible_runs, db, thread_id, launching_calls(messages))
        return report.runtime_lines(runs)

    return ToolSpec(
        tool=make_tool("experiments", ExperimentsArgs, experiments),
        family="local",
        approval=always("auto"),
        read_only=True,
        summary="operation",
        runtime_lines=note_lines,
    )


def _pick(runs: list[Experiment], ref: str | None, name: str) -> Experiment:
    if not ref:
        raise LookupError(f"Name the run in `{name}` (its number in the list, or its id).")
    return find_run(ref, runs)
