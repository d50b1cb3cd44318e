"""What the model reads in a tool's result, in one place: the templates tools/ writes into
tool results, keyed by their kind (`ToolTextKind`). A tool writes one with
`tool_text(kind, TEMPLATE, **fields)`; tests/tools/test_result_texts.py checks, from the code,
that every kind used is declared and every declared kind and template is used, under its own
kind and with the template's fields. The snapshots in tests/snapshots/ pin the texts byte for
byte, and docs/reference/texts.md lists them (through models/texts.py, which sits above).

Every template is a `str.format` template (a literal brace is doubled), so a tool's wording
lives here and its arithmetic stays in the tool. Kinds named like an adaptation
(adaptations/registry.py) are the notes that rule adds; the others are the tool's own texts.
"""

from __future__ import annotations

from typing import Literal

ToolTextKind = Literal[
    "files",
    "read",
    "read_fit",
    "folder_read",
    "write",
    "written_notes",
    "edit",
    "text_elsewhere",
    "bash",
    "traceback_focus",
    "failure_context",
    "sed_unchanged",
    "one_line_python",
    "skill",
    "skill_close_match",
    "kernel",
    "figures",
]


# files (tools/local/file_checks.py, file_edits.py): what every file tool may answer
THROUGH_LINK = (
    "{path} goes through a symlink (it leads to {target}); the host does not follow links "
    "inside the workspace. Use the real path instead."
)
NO_FILE = "File not found: {path}. {hint}"
IS_FOLDER = "{path} is a directory, not a file. Use `glob` to list it."
UNSAFE = "{path}: {error}."
OS_ERROR = "Operating system error{where}: {error}."
ON_FILE = " on {path}"  # {where}, when the error names a file
NOT_READ = (
    "{path} already exists and you have not read it in this conversation. Call `read` on it "
    "first, then retry, so you do not overwrite content you have not seen."
)
CHANGED_SINCE = (
    "{path} changed {where} since you last read it. `read` it again and redo your change on "
    "the current content."
)
ON_DISK = "on disk"  # {where}
IN_EDITOR = "in the editor"  # {where}, when an editor serves the file
WRITE_FOLDER = "{path} is a directory; give a file path to write."
NOT_REGULAR = "{path} is {kind}, not a regular file; the file tools replace only regular files."


# read (tools/local/read.py)
READ_HINT = "Check the path, or use `glob` to find the file."
BINARY = "{path} is a binary file ({size} bytes); content not shown."
TOO_LARGE = (
    "{path} is {size:,} bytes, more than `read` takes ({limit:,}). "
    "Use `bash` with head, tail, sed -n or grep on it."
)
EMPTY = "{path} is empty."
PAST_END = "offset {offset} is past the end of {path} ({total} lines)."
LINE_TRUNCATED = " [line truncated]"
SHOWING = "\n[Showing lines {first}-{last} of {total}.{further}]"
FURTHER = " Call read with offset={offset} to continue."  # in {further}, when lines are left


# read_fit (tools/local/read_fit.py): a file too large for a small window, cut
READ_CUT = (
    "[... lines {first}-{last} of {path} not shown: the file ({total:,} lines, {size}) is too "
    "large to read whole in your context window. Search it instead: {next_step}]"
)
KB = "{kb:,.1f} kB"  # {size}, from 1,000 bytes
BYTES = "{size} bytes"  # {size}, below
# {next_step}, by the file's kind: a table, JSON, anything else
TABLE_STEP = (
    "to count or compute, run with `bash` {program}\n"
    "changing the print to what you need; to find a value, `grep` it."
)
JSON_STEP = (
    "to see its keys, run with `bash` {program}\n"
    "then print the part you need; to find a value, `grep` it."
)
TEXT_STEP = (
    "`grep` with `pattern` set to the name or word you need and `path` {path}; "
    "the last lines: `bash` with tail -n 20 {quoted}."
)
# The {program} lines (configs/suggested_paths.py `python_heredoc` makes the here-document)
ANY_PATH = "'PATH'"  # for a path that cannot be written plainly in Python
TABLE_LOAD = "import pandas as pd\ndf = pd.read_csv({path}{sep})"
TAB_SEP = ", sep='\\t'"  # {sep} for a .tsv
TABLE_PRINT = "print(len(df), df.head())"
JSON_LOAD = "import json\nd = json.load(open({path}))"
JSON_KEYS = "print(list(d)[:20] if isinstance(d, dict) else len(d))"


# folder_read (tools/local/read.py `folder_note`)
NO_FILES = "{folder} is a directory, not a file, and has no files of its own."
FOLDER_FILES = (
    "{folder} is a directory, not a file. Its files: {names}{more}. "
    "`read` each one you need, e.g. {first}."
)
MORE_FILES = ", and {count} more"  # {more}, past the files named


# write (tools/local/write.py)
WROTE = "Wrote {lines} {noun} to {path}{new}"
NEW_FILE = " (new file)"  # {new}, when nothing was there


# written_notes (tools/local/written_checks.py): follows WROTE
NOT_JSON = (
    ", but it is not valid JSON ({error}). "
    'Write it again as JSON, keys in double quotes, e.g. {{"name": 0.5, "table": [[1, 2], [3, 4]]}}.'
)
PLACEHOLDERS = (
    ", but it still holds placeholders ({shown}): find the real values with your tools (`bash` "
    "with python3), then write the file again with them."
)


# edit (tools/local/edit.py, file_edits.py)
CREATE_HINT = "To create a new file, use `write`."  # {hint} of NO_FILE
NOT_TEXT = (
    "{path} is not a UTF-8 text file, and editing it could corrupt it. "
    "Use bash (e.g. a short Python script) to change it."
)
EDITED = "Edited {path}: {count} replacement{s}{how}.\n{region}"
FUZZY = " (old_str matched ignoring whitespace differences{reindented})"  # {how}
REINDENTED = "; new_str re-indented to fit"  # {reindented}
EMPTY_OLD = "old_str is empty. To create a file or replace all of it, use `write`."
IDENTICAL = "old_str and new_str are identical; nothing to change."
OCCURS = (
    "old_str occurs {count} times in the file. Include more surrounding lines in old_str so it "
    "matches exactly one place, or set replace_all=true to change every occurrence."
)
BLANK_OLD = "old_str contains only whitespace; give the text to replace."
FUZZY_PLACES = (
    "old_str was not found exactly, and it matches {count} places when whitespace is ignored. "
    "Copy the exact text from `read` output (without the line-number prefix) and include more "
    "surrounding lines."
)
NO_MATCH = (
    "old_str was not found in the file, not even ignoring whitespace. "
    "`read` the file again and copy the exact text (without the line-number prefix)."
)
CLOSEST = "\nClosest line to the start of old_str is line {line}: {text!r}"  # after NO_MATCH
SAME_WORDS = (  # after NO_MATCH, when no line is close
    "\nLine {line} holds the same words and signs, in another order or with more around "
    "them: {text!r}"
)


# text_elsewhere (tools/local/text_elsewhere.py): after an `edit`'s text was not found
ELSEWHERE = "\nThat text is in {path}, line {line}, not in {target}."


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


# kernel (tools/kernel/pool.py, python.py, notebook.py, interpreter.py)
GONE_NOTE = (
    "[the Python kernel your earlier python calls in this thread used has ended (the session "
    "closed or was resumed): this is a fresh kernel, so re-run the imports and loading you need]"
)
STALE_NOTE = (
    "[this conversation was rewound (undo) since the kernel last ran: its variables may hold "
    "what the undone calls made; restart=true gives a fresh kernel, replay=true re-runs this "
    "thread's python calls]"
)
LATE_CREDENTIAL_NOTE = (
    "[kernel restarted: a credential file appeared since it started ({places}), and the "
    "sandbox hides such a file only from programs started after it appeared; every earlier "
    "variable is gone]"
)
STARTED_IN = "the interpreter it was started with: {interpreter}"
KERNEL_STARTED = "[kernel started: {interpreter}{walls}]"
INSIDE_SANDBOX = ", inside the sandbox"  # {walls}, under the sandbox
WITHHELD_NOTE = (
    "[a credential file appeared while this code ran ({places}); the kernel could read it, "
    "so its output is withheld and the kernel was stopped: the next call starts a fresh "
    "kernel that cannot]"
)
RUN_WITHHELD = (
    "[a credential file appeared while the notebook ran ({places}); its cells could read it, "
    "so their outputs are withheld, from this result and from the file: run it again, a "
    "fresh kernel cannot]"
)
WRITTEN_SINCE = (
    "{path} was made or changed after this session started, and without the sandbox a "
    "kernel never runs an interpreter that could have been written during the session (the "
    "approval shows the code, not the interpreter); it was passed over. To use it, start "
    "ml-intern again, or use --sandbox (there it runs inside the walls)"
)


# figures (tools/kernel/figures.py)
NOT_SAVED = (
    "[image not saved: {folder} in the workspace is not a plain folder (a symlink or a file "
    "is there); figures are written only into a real folder: remove or rename it]"
)


# Each kind's templates: what the model reads in a tool result of that kind.
TOOL_TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "files": (
        THROUGH_LINK,
        NO_FILE,
        IS_FOLDER,
        UNSAFE,
        OS_ERROR,
        ON_FILE,
        NOT_READ,
        CHANGED_SINCE,
        ON_DISK,
        IN_EDITOR,
        WRITE_FOLDER,
        NOT_REGULAR,
    ),
    "read": (READ_HINT, BINARY, TOO_LARGE, EMPTY, PAST_END, LINE_TRUNCATED, SHOWING, FURTHER),
    "read_fit": (
        READ_CUT,
        KB,
        BYTES,
        TABLE_STEP,
        JSON_STEP,
        TEXT_STEP,
        ANY_PATH,
        TABLE_LOAD,
        TAB_SEP,
        TABLE_PRINT,
        JSON_LOAD,
        JSON_KEYS,
    ),
    "folder_read": (NO_FILES, FOLDER_FILES, MORE_FILES),
    "write": (WROTE, NEW_FILE),
    "written_notes": (NOT_JSON, PLACEHOLDERS),
    "edit": (
        CREATE_HINT,
        NOT_TEXT,
        EDITED,
        FUZZY,
        REINDENTED,
        EMPTY_OLD,
        IDENTICAL,
        OCCURS,
        BLANK_OLD,
        FUZZY_PLACES,
        NO_MATCH,
        CLOSEST,
        SAME_WORDS,
    ),
    "text_elsewhere": (ELSEWHERE,),
    "bash": (EXIT_CODE, KILLED, NO_OUTPUT, OMITTED, TIMED_OUT, BREACH, SANDBOX_DOWN, NOT_STARTED),
    "traceback_focus": (FOLDED,),
    "failure_context": (MISSING_COLUMN, LACKING, NO_TABLE_HAS, COLUMNS, CALLED),
    "sed_unchanged": (UNCHANGED,),
    "one_line_python": (ONE_LINE_NOTE,),
    "skill": (UNKNOWN_SKILL, NO_SKILLS, UNREADABLE_SKILL, SKILL, BESIDE, BESIDE_FILE),
    "skill_close_match": (SMALL_UNKNOWN, CLOSE),
    "kernel": (
        GONE_NOTE,
        STALE_NOTE,
        LATE_CREDENTIAL_NOTE,
        STARTED_IN,
        KERNEL_STARTED,
        INSIDE_SANDBOX,
        WITHHELD_NOTE,
        RUN_WITHHELD,
        WRITTEN_SINCE,
    ),
    "figures": (NOT_SAVED,),
}


def tool_text(kind: ToolTextKind, template: str, /, **fields: object) -> str:
    """`template`, one of `kind`'s, filled with `fields` (`str.format`).

    >>> tool_text("bash", EXIT_CODE, code=0)
    '[exit code: 0]'
    """
    if not any(t is template for t in TOOL_TEXTS[kind]):
        raise ValueError(f"not a template of the {kind!r} tool texts: {template[:60]!r}")
    return template.format(**fields)
