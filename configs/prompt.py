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

from configs.suggested_paths import plain, python_heredoc

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
# The marker adaptations/reply/code_block.py runs (`<code>`, as smolagents' CodeAgent writes).
CODE_BLOCK = (
    "To run Python, write the program between <code> and </code> and stop there: it runs "
    "with python3 in the workspace, and you read what it prints."
)
# With only the line above it ran `wc -l sales.csv` and answered the row count: a table in
# the listing gets a call to start from. Given `python3 -c "..."` it wrote the right filter
# but nested its quotes wrongly (a syntax error, then "0"): a here-document needs no quoting.
COMPUTE_EXAMPLE = "For {table}, `bash` with: " + python_heredoc(
    "import pandas as pd", "df = {read}", "print(<an expression over df>)"
)
# Why: given the example above it printed one expression that kept one of the question's two
# conditions (a sum of the region's amounts, not a count above 100); smolagents' CodeAgent,
# which writes its plan before its code, counted right on the same model (csv-count, dev).
STEP_COMMENTS = (
    "Start that program with each condition and step of the request as a `# ...` comment "
    "line, and write the code for each under its comment."
)
# Why: asked which file is the largest, it globbed and answered with the first path printed
# (largest-file, dev): a program that sorts, or takes the max, picks by the numbers.
PICK_IN_PROGRAM = (
    "The request asks for the {word}: let a python3 program find it (`sorted`, `max` or "
    "`min` with a key, `.idxmax()`, `.idxmin()`) and print it with its value; do not pick it "
    "from printed lines yourself."
)
# An order to write a file from a table gets the program whole, written for the file's kind.
# Why: given one line of four ways to write, it wrote its metrics.json as JSON Lines; told
# "The file asked for, metrics.json, ...: `bash` with:", it `write`-ed the program into it.
ORDER_EXAMPLE = "To make {name} from {table}, run this with `bash`: " + python_heredoc(
    "import pandas as pd", "df = {read}", "{value}", "{write}"
)
# What the program computes and how it writes it, by the ordered file's suffix; each takes
# numpy's numbers as they come (json.dump alone refuses an int64).
ORDER_WRITES = {
    ".csv": ("out = <a frame computed from df>", "out.to_csv('{name}', index=False)"),
    ".jsonl": (
        "out = <a frame computed from df>",
        "out.to_json('{name}', orient='records', lines=True)",
    ),
    ".json": (
        "out = {{<each key asked for>: <its value computed from df>}}",
        "import json; json.dump(out, open('{name}', 'w'), default=lambda v: v.tolist())",
    ),
    ".txt": (
        "out = <a column, list or value computed from df>",
        "pd.Series(out).to_csv('{name}', index=False, header=False)",
    ),
}
# How pandas reads each kind of table the example can name, by its suffix.
TABLE_READERS = {
    ".csv": "pd.read_csv('{table}')",
    ".jsonl": "pd.read_json('{table}', lines=True)",
    ".parquet": "pd.read_parquet('{table}')",
}
# It wrote the right program for a file of ids with `f.write(f'{id}\n')`, but the JSON of its
# call turned that `\n` into a line break: a syntax error, twice. pandas and json write files
# with no `\n` to type.
WRITE_EXAMPLE = (
    "To write a file, end the program with <a frame or column>.to_csv('NAME', index=False) "
    "(header=False for values only) or json.dump(<a dict>, open('NAME', 'w'))."
)
_TABLE = re.compile(r"^(\S+(?:\.csv|\.jsonl|\.parquet)) ", re.MULTILINE)
# Each listed path (a line `path size...` or `folder/ (...)` of the workspace's files).
_LISTED = re.compile(r"^(\S+) (?:[\d.]+ [kMG]?B\b|\()", re.MULTILINE)
# A request speaks of a table when it names a listed one or says these words.
_TABLE_TALK = re.compile(r"\b(?:tables?|rows?|columns?|dataframes?|spreadsheets?|csv)\b", re.I)
# The runtime note's lines, in order (models/texts.py lists them under "runtime").
TODAY = "[runtime] Today is {date}."
WORKSPACE = "Workspace (where tools run): {workspace}"
PLAN = "Your plan:"
PLAN_STEP = "  {mark} {content}"
RUNS = "Runs this thread launched, as measured (the `experiments` tool has more):"
FILES = "Files in the workspace as this turn began (path, size; largest first):\n{files}"


# A superlative that measures (sizes, counts, ranks), not one that judges (`best`, `worst`,
# `cheapest`): `the most` / `the least` before a noun (not before an adjective, an adverb or
# `of`: "the most important", "the least tested"), `most often`; never `at least` / `at most`.
_EXTREME = re.compile(
    r"(?<!\bat )\b(largest|smallest|biggest|highest|lowest|longest|shortest|fewest"
    r"|most(?=\s+(?:often|common|frequent))"
    r"|(?<=\bthe )(?:most|least)"
    r"(?!\s+(?:\w+(?:ly|ive|ant|ent|ful|able|ible|ous|al|ed)|of)\b))\b",
    re.I,
)
_WHICH = re.compile(r"\bwhich\b", re.I)
_FILE_TALK = re.compile(r"\b(?:files?|folders?|director(?:y|ies)|workspace)\b", re.I)
# A listed file whose contents a program can rank: data, logs, lists, a folder.
_DATA_FILE = re.compile(r"\.(?:csv|tsv|jsonl?|parquet|log|txt)$|/$", re.I)


def asks_for_extreme(request: str, listed: Sequence[str]) -> str | None:
    """The measuring superlative (`largest`, `the most` before a noun...) of a question (a `?`)
    that asks which thing is it, about the workspace: it names one of the `listed` data files
    (a table, a log, a list, a folder) or speaks of files. None for a judgement ("the best
    way"), a question about code or settings (which line of train.py is most likely wrong), an
    order, or a `which` without a superlative."""
    if "?" not in request or not _WHICH.search(request):
        return None
    found = _EXTREME.search(request)
    if found is None:
        return None
    data = [f for f in listed if _DATA_FILE.search(f)]
    about_files = _FILE_TALK.search(request) or any(_names(request, f) for f in data)
    return found.group(1).lower() if about_files else None


def example_pick(files: str, request: str) -> str | None:
    """`PICK_IN_PROGRAM` for a question asking which listed thing is the most or least of
    something (`asks_for_extreme`; adaptations/shaping.py `PickInProgram`), else None."""
    word = asks_for_extreme(request, _LISTED.findall(files))
    return PICK_IN_PROGRAM.format(word=word) if word else None


def asks_about_table(request: str, tables: Sequence[str], listed: Sequence[str] = ()) -> bool:
    """`request` asks a question (it holds a `?`) about one of `tables`: it names one (or its
    file name), or it speaks of a table (rows, columns, a dataframe) and names none of the
    other `listed` files. An order that names a table (move it, ignore it, read it from a
    script) is no question about its contents, nor is a question about train.py's rows."""
    if "?" not in request:
        return False
    if any(_names(request, t) for t in tables):
        return True
    return bool(_TABLE_TALK.search(request)) and not any(_names(request, f) for f in listed)


# A file an order can ask written from a table's data (not inside a URL, not `x.csv.bak`).
_OUTPUT = re.compile(r"(?<![\w./:-])([\w./-]+\.(?:csv|jsonl?|txt))(?![\w-]|\.\w)", re.I)
# What makes an order about something else than a table's data: a file of code, docs, settings
# or an archive named; a script, test, README, commit or explanation asked for; a file moved.
_OTHER_FILE = re.compile(
    r"(?<![\w./-])[\w./-]+\.(?:py|sh|ipynb|md|rst|toml|ya?ml|cfg|ini|js|ts|zip|gz|tar)(?![\w-])",
    re.I,
)
_OTHER_WORK = re.compile(
    r"\b(?:scripts?|tests?|readme|commit|git|zip|explain|bugs?|fix)\b(?![./\w-])", re.I
)
_FILE_MOVE = re.compile(
    r"\b(?:move|copy|rename|delete|remove)\s+(?:the\s+)?(?:file\s+)?[\w./-]+\.\w+", re.I
)
# An output named as settings is written for the data, not computed from it.
_SETTINGS = re.compile(r"config|settings|hparams", re.I)


def orders_from_table(
    request: str, tables: Sequence[str], listed: Sequence[str]
) -> tuple[str, str] | None:
    """The listed table an order (no `?`) computes a new file from, and that file: it names
    one of `tables` and a .csv, .json, .jsonl or .txt file that is not `listed` and not named
    as settings (a config); it names no other listed file (a script to change) and no file of
    code, docs or settings, asks for no script, test, README, commit, fix or explanation, and
    moves no file. None otherwise."""
    if "?" in request or any(
        pattern.search(request) for pattern in (_OTHER_FILE, _OTHER_WORK, _FILE_MOVE)
    ):
        return None
    if any(_names(request, f) for f in listed if f not in tables):
        return None
    named = [t for t in tables if _names(request, t)]
    new = [
        f
        for f in _OUTPUT.findall(request)
        if not any(_names(f, known) for known in listed) and not _SETTINGS.search(f)
    ]
    return (named[0], new[0]) if named and new else None


def _names(request: str, path: str) -> bool:
    """`request` names `path` or its file name as a word of its own (`metadata.csv` does not
    name `data.csv`); a folder (`runs/`) only with its slash, as a bare word is ordinary."""
    folder = path.endswith("/")
    tail = path.rstrip("/").rsplit("/", 1)[-1] + ("/" if folder else "")
    return any(
        re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w-])", request) for name in {path, tail}
    )


def example_order(files: str, request: str) -> str | None:
    """The here-document example over the listed table an order computes a new file from
    (`orders_from_table`; adaptations/shaping.py `TableOrder`), else None."""
    ordered = orders_from_table(request, _plain_tables(files), _LISTED.findall(files))
    if ordered is None:
        return None
    table, name = ordered
    value, write = ORDER_WRITES[name[name.rindex(".") :].lower()]
    return ORDER_EXAMPLE.format(
        name=name,
        table=table,
        read=_reader(table),
        value=value.format(),
        write=write.format(name=name),
    )


def _plain_tables(files: str) -> list[str]:
    """The tables a listing of the workspace's files names whose names are plain (no code)."""
    return [t for t in _TABLE.findall(files) if plain(t)]


def _reader(table: str) -> str:
    """How pandas reads `table`, by its suffix (`TABLE_READERS`)."""
    return TABLE_READERS[table[table.rindex(".") :]].format(table=table)


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


def example_table(files: str, request: str) -> str | None:
    """The here-document example over a listed table (adaptations/shaping.py
    `TableExample`), when the `request` asks a question about a table (`asks_about_table`):
    over the first plain table the request names, else the first plain one listed in `files`.
    A name that is not plain would be code in the example: none is given."""
    tables = _plain_tables(files)
    listed = _LISTED.findall(files)
    if not tables or not asks_about_table(request, tables, listed):
        return None
    named = [t for t in tables if _names(request, t)]
    table = (named or tables)[0]
    return COMPUTE_EXAMPLE.format(table=table, read=_reader(table))
