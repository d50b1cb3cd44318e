"""Render the system prompt with the facts of this run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

PROMPT_FILE = Path(__file__).with_name("system_prompt.md")


@cache
def _template() -> str:
    return PROMPT_FILE.read_text(encoding="utf-8")


def render_system_prompt(
    *,
    cwd: Path | str,
    model: str,
    tools: Sequence[str],
    plan: Sequence[dict[str, Any]] = (),
    today: dt.date | None = None,
) -> str:
    plan_text = ""
    if plan:
        marks = {"pending": "[ ]", "in_progress": "[~]", "completed": "[x]"}
        items = "\n".join(
            f"  {marks.get(t.get('status', ''), '[ ]')} {t.get('content', '')}" for t in plan
        )
        plan_text = f"- Current plan:\n{items}"
    return (
        _template()
        .format(
            date=(today or dt.date.today()).isoformat(),
            cwd=str(cwd),
            model=model,
            tools=", ".join(tools) or "none",
            plan=plan_text,
        )
        .rstrip()
        + "\n"
    )
