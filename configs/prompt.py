"""The system prompt, rendered per mode, and the runtime note that travels at the end.

The system prompt holds only what stays the same for a thread (who the agent is, the mode,
the workspace, the skills list, the project's AGENTS.md, the Hugging Face user), so it is
byte-stable and providers can cache it. What changes (the date, the plan) goes in
`runtime_note`, sent after the history on each model call and never stored.

A template line starting with `@needs(tool, ...)` is kept only when every named tool
exists, so the prompt never names a tool the model does not have.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from configs.memory import MemoryFile
    from configs.run_context import Mode
    from configs.skills import Skill

PROMPTS_DIR = Path(__file__).with_name("prompts")
# Whose prompt: the agent the user talks to, or the research sub-agent it delegates to.
Role = Literal["agent", "research"]
_NEEDS = re.compile(r"^@needs\(([^)]*)\) ?")


@cache
def _template(name: str) -> str:
    return (PROMPTS_DIR / name).read_text(encoding="utf-8").strip()


def _keep_lines_for(text: str, tools: set[str]) -> str:
    kept = []
    for line in text.splitlines():
        match = _NEEDS.match(line)
        if match is None:
            kept.append(line)
        elif {t.strip() for t in match.group(1).split(",")} <= tools:
            kept.append(line[match.end() :])
    return "\n".join(kept)


def render_system_prompt(
    *,
    mode: Mode,
    cwd: Path | str,
    model: str,
    tools: Sequence[str],
    skills: Sequence[Skill] = (),
    memory: Sequence[MemoryFile] = (),
    hf_user: str | None = None,
    role: Role = "agent",
    sandbox: str | None = None,
) -> str:
    """The main agent's prompt for `mode`, or with role="research" the research sub-agent's."""
    available = set(tools)
    if role == "research":
        parts = [_template("research.md")]
    else:
        parts = [_template("system.md"), _template(f"{mode}.md")]
    context = [f"- Workspace: {cwd}", f"- Model: {model}"]
    if sandbox:
        context.append(f"- Sandbox: {sandbox}")
    if hf_user:
        context.append(
            f"- Hugging Face user: {hf_user} (new repos go in this namespace, "
            f"e.g. `{hf_user}/<name>`, unless the user says otherwise)"
        )
    parts.append("# Context\n" + "\n".join(context))
    if skills and "skill" in available:
        listed = "\n".join(f"- {s.name}: {s.description}" for s in skills)
        parts.append(
            "# Skills\nPlaybooks for recurring ML work. When a task matches one, load it with "
            f"`skill` before you start.\n{listed}"
        )
    if memory:
        files = "\n\n".join(
            f"## {m.path}\n{m.text}" + ("\n[cut: the file is longer]" if m.truncated else "")
            for m in memory
        )
        parts.append(
            "# Project instructions (AGENTS.md)\nThe project's own instructions for agents; "
            f"where they differ from the above, they win.\n\n{files}"
        )
    return _keep_lines_for("\n\n".join(parts), available).rstrip() + "\n"


def runtime_note(plan: Sequence[dict[str, Any]] = (), today: dt.date | None = None) -> str:
    """What is true now, sent after the history: the date and the plan."""
    lines = [f"[runtime] Today is {(today or dt.date.today()).isoformat()}."]
    if plan:
        marks = {"pending": "[ ]", "in_progress": "[~]", "completed": "[x]"}
        lines.append("Your plan:")
        lines += [f"  {marks.get(t.get('status', ''), '[ ]')} {t.get('content', '')}" for t in plan]
    return "\n".join(lines)
