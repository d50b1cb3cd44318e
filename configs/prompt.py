"""The system prompt, rendered per mode, and the runtime note that travels at the end.

The system prompt holds only what stays the same for a thread (who the agent is, the mode,
the skills list, the project's AGENTS.md, the Hugging Face user), so it is byte-stable and
providers can cache it, across threads too. What changes or differs between threads (the
date, the plan, the workspace) goes in `runtime_note`, sent with each model call and never
stored.

A model with a small context window (its profile says so, configs/model_profile.py) gets
the compact prompt (`small.md`) and one line per skill; with the rule `lean-request` on
(adaptations/shaping.py `LeanRequest`) the skills by name only, and no line naming the model.

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
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)\.\s")
SKILLS = (
    "# Skills\nPlaybooks for recurring ML work. When a task matches one, load it with `skill` "
    "before you start."
)
# Why: the skills' descriptions were ~600 of a 9,216-token window, resent with every call.
SKILL_NAMES = SKILLS.removesuffix(".") + ": {names}."


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
    model: str,
    tools: Sequence[str],
    skills: Sequence[Skill] = (),
    memory: Sequence[MemoryFile] = (),
    hf_user: str | None = None,
    role: Role = "agent",
    sandbox: str | None = None,
    small: bool = False,
    lean: bool = False,
) -> str:
    """The main agent's prompt for `mode`, or with role="research" the research sub-agent's;
    `small`: the compact form for a small context window; `lean`: the skills by name only
    and no line naming the model (adaptations/shaping.py `LeanRequest`)."""
    available = set(tools)
    if role == "research":
        parts = [_template("research.md")]
    else:
        parts = [_template("small.md" if small else "system.md"), _template(f"{mode}.md")]
    context = [] if lean else [f"- Model: {model}"]
    if sandbox:
        context.append(f"- Sandbox: {sandbox}")
    if hf_user:
        context.append(
            f"- Hugging Face user: {hf_user} (new repos go in this namespace, "
            f"e.g. `{hf_user}/<name>`, unless the user says otherwise)"
        )
    parts += ["# Context\n" + "\n".join(context)] if context else []
    if skills and "skill" in available:
        parts.append(_skills_section(skills, small=small, lean=lean))
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


def _skills_section(skills: Sequence[Skill], *, small: bool, lean: bool) -> str:
    """The skills, each with its description (its first sentence when `small`), or by name
    only when `lean`."""
    if lean:
        return SKILL_NAMES.format(names=", ".join(s.name for s in skills))
    listed = "\n".join(
        f"- {s.name}: {first_sentence(s.description) if small else s.description}" for s in skills
    )
    return f"{SKILLS}\n{listed}"


def first_sentence(text: str) -> str:
    """The first sentence (or line) of `text`: the one-line form of a description."""
    line = text.strip().split("\n", 1)[0]
    end = _SENTENCE_END.search(line)
    return line[: end.start() + 1] if end else line


# Why: a 1.5B model answered README.md's port "8080" unread (docs/lab/2026-11-23.md).
LOOK_FIRST = (
    "Facts about the workspace (what a file says, what a command prints) come from your "
    "tools: look before you answer."
)
# Why: it grepped a CSV and answered "0", invented a confusion matrix (docs/lab/2026-11-24.md).
COMPUTE_WITH_CODE = (
    "Counts and arithmetic (rows, sums, metrics, token counts) come from python3 run with "
    "`bash`, never from your head."
)
# Why: a program in `python3 -c '...'` broke on its own quotes in the shell (docs/lab/2026-12-01.md).
PYTHON_FIRST = (
    "For data and arithmetic, call the `python` tool with a program: it runs as written, with "
    "no shell quoting, and its variables stay for your next call. Print what you compute."
)
# The marker adaptations/reply/code_block.py runs (`<code>`, as smolagents' CodeAgent writes).
CODE_BLOCK = (
    "To run Python, write the program between <code> and </code> and stop there: it runs "
    "with python3 in the workspace, and you read what it prints."
)
# Why: given the example above it printed one expression that kept one of the question's two
# conditions (a sum of the region's amounts, not a count above 100); smolagents' CodeAgent,
# which writes its plan before its code, counted right on the same model (csv-count, dev).
STEP_COMMENTS = (
    "Start that program with each condition and step of the request as a `# ...` comment "
    "line, and write the code for each under its comment."
)
# The runtime note's lines, in order (models/texts.py lists them under "runtime").
TODAY = "[runtime] Today is {date}."
WORKSPACE = "Workspace (where tools run): {workspace}"
PLAN = "Your plan:"
PLAN_STEP = "  {mark} {content}"
RUNS = "Runs this thread launched, as measured (the `experiments` tool has more):"
FILES = "Files in the workspace as this turn began (path, size; largest first):\n{files}"


def runtime_facts(note: str) -> str:
    """The runtime note's lines that report the world (runs measured, the workspace's files,
    the rules' lines), without the date, the workspace's path and the plan: our words and the
    model's own, which show no fact about its data."""
    kept: list[str] = []
    in_plan = False
    for number, line in enumerate(note.split("\n")):
        if number == 0 and line.startswith(TODAY.partition("{")[0]):
            continue
        if line.startswith(WORKSPACE.partition("{")[0]):
            continue
        if line == PLAN or (in_plan and _PLAN_STEP.match(line)):
            in_plan = True
            continue
        in_plan = False
        kept.append(line)
    return "\n".join(kept)


_PLAN_STEP = re.compile(r"  \[[ ~x]\] ")


def runtime_note(
    plan: Sequence[dict[str, Any]] = (),
    today: dt.date | None = None,
    workspace: Path | str | None = None,
    runs: Sequence[str] = (),
    lines: Sequence[str] = (),
) -> str:
    """What is true now, sent with each call: the date, the workspace, the plan and (once a
    compaction has shortened the history) one line per run this thread launched; then the
    `lines` the thread's rules add (adaptations/rule.py `Rule.note_lines`: for a small-window
    model the workspace's files, a line to look before it answers, ...)."""
    note = [TODAY.format(date=(today or dt.date.today()).isoformat())]
    if workspace is not None:
        note.append(WORKSPACE.format(workspace=workspace))
    if plan:
        marks = {"pending": "[ ]", "in_progress": "[~]", "completed": "[x]"}
        note.append(PLAN)
        note += [
            PLAN_STEP.format(
                mark=marks.get(t.get("status", ""), "[ ]"), content=t.get("content", "")
            )
            for t in plan
        ]
    if runs:
        note.append(RUNS)
        note += list(runs)
    return "\n".join([*note, *lines])
