"""The shell's texts (tools/local: bash and the notes added to its output) and the skill tool's."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# bash (tools/local/bash_process.py)
EXIT_CODE = "[exit code: {code}]"
KILLED = "[exit code: {code} (killed by {signal})]"
NO_OUTPUT = "(no output)"
OMITTED = "[... {count} lines omitted ...]"
TIMED_OUT = "[timed out after {seconds} s; process group killed]"
BREACH = "[ml-intern: not run: {breach}]"
SANDBOX_DOWN = "The sandbox is on but cannot run: {error} Not run."
NOT_STARTED = "Could not start bash in {cwd}: {error}. Check that the workspace exists."


# traceback_focus (tools/local/traceback_focus.py)
FOLDED = "{indent}[{count} frame{s} in library code not shown]"


# failure_context (tools/local/failure_context.py)
MISSING_COLUMN = "`{key}` is a column of {having}; {lacking}."
LACKING = "{table} (no `{key}`)"  # each table in {lacking}
NO_TABLE_HAS = "No table here has a column `{key}`. {columns}."
COLUMNS = "{name} has {columns}"  # each table in {lacking} and {columns}
CALLED = "`{name}`, which the failing line calls ({path}, lines {first}-{last}):\n{source}"


# sed_unchanged (tools/local/sed_unchanged.py)
UNCHANGED = (
    "`sed -i` changed nothing: {files} {are} as before, because the pattern matched no line "
    "there. `read` the file and `edit` it with text copied from what `read` shows."
)


# one_line_python (tools/local/one_line_python.py)
ONE_LINE_NOTE = (
    "Python cannot put `{keyword}` after `;` on one line. The same program as a "
    "here-document, which can:\n{program}"
)


# quoted_python (tools/local/quoted_python.py)
QUOTED_NOTE = (
    "The shell cut your program at the first {quote} inside it (a program between {quote} "
    "quotes cannot hold one). The same program as a here-document, which needs no quoting:\n"
    "{program}"
)


# skill (tools/local/skill.py)
UNKNOWN_SKILL = "No skill is named {name!r}. Available: {names}."
NO_SKILLS = "none"  # {names}, when there is no skill
UNREADABLE_SKILL = "Skill {name!r} cannot be read now ({error})."
SKILL = "# Skill: {name} ({source})\n\n{body}{beside}"
BESIDE = "\n\nFiles beside this skill (open with `read`):\n{listing}"  # {beside}
BESIDE_FILE = "- {path}"  # each line of {listing}


# skill_close_match (tools/local/skill.py): a small model is shown only the close names.
# Why: shown every name, a 1.5B model loaded asr-fine-tuning for a CSV (docs/lab/2026-11-25.md).
SMALL_UNKNOWN = (
    "No skill is named {name!r}{close}. A skill is an optional playbook; without one, do the "
    "task with the tools you have (`bash` with python3 for work on the workspace's files)."
)
CLOSE = " (close: {names})"  # {close}, when a name is close


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "bash": (EXIT_CODE, KILLED, NO_OUTPUT, OMITTED, TIMED_OUT, BREACH, SANDBOX_DOWN, NOT_STARTED),
    "traceback_focus": (FOLDED,),
    "failure_context": (MISSING_COLUMN, LACKING, NO_TABLE_HAS, COLUMNS, CALLED),
    "sed_unchanged": (UNCHANGED,),
    "one_line_python": (ONE_LINE_NOTE,),
    "quoted_python": (QUOTED_NOTE,),
    "skill": (UNKNOWN_SKILL, NO_SKILLS, UNREADABLE_SKILL, SKILL, BESIDE, BESIDE_FILE),
    "skill_close_match": (SMALL_UNKNOWN, CLOSE),
}
