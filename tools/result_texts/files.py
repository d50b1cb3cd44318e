"""The file tools' texts (tools/local: read, write, edit and what they share)."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

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


# kept_lines (tools/local/kept_lines.py): in place of a write that would drop most of a file
REWRITTEN = (
    "Not written: {path} has {total} lines with text, and this content keeps {kept} of them "
    "({written} lines in all). If the request asks to change {path}, `edit` only the lines it "
    "names, one call each: old_str the line as `read` showed it (without the line number), "
    "new_str the line as it should be; leave every other line as it is. If {path} is an input "
    "to read, write your result to the file the request names instead."
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


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
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
    "kept_lines": (REWRITTEN,),
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
}
