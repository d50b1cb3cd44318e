"""The search tools' texts (tools/local: glob, grep), the plan tool's, and the workspace
listing a small model is sent with each call."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# glob (tools/local/glob.py)
NOT_A_FOLDER = "{path} is not a directory. Give a directory as `path`."
ABSOLUTE = "pattern must be relative; put the directory in `path`."
NO_FILES_MATCH = "No files match {pattern!r} in {path}.{hint}"
DEEPER = " Try '**/{pattern}' to search subdirectories."  # {hint}, at the top level only
MORE_HITS = "[{count} more not shown; narrow the pattern]"


# grep (tools/local/grep.py)
BAD_REGEX = (
    "Invalid regular expression {pattern!r}: {error}. grep uses Python `re` syntax; "
    "escape literal characters such as ( [ . * + ? with a backslash."
)
CREDENTIAL_PLACE = "{path} is a credential place: grep does not search it."
NO_PATH = "Path not found: {path}. Check it, or use `glob` to find it."
STOPPED = "[stopped at {count} matches; narrow it down]"
MATCH = "{path}:{line}:{text}"
NO_MATCHES = "No matches for {pattern!r} in {path}."
LINKS_SKIPPED = "\n[skipped {count} symlink(s): grep does not follow links]"


# plan (tools/local/plan.py)
PLAN_UPDATED = "Plan updated ({done}/{total} done):\n{plan}"
PLAN_LINE = "{mark} {id}. {content}"  # each item of {plan}
# {mark}, by the item's status (pending also for a status not known)
PENDING = "[ ]"
IN_PROGRESS = "[~]"
COMPLETED = "[x]"


# listing (tools/local/workspace_listing.py): a small model's first look at the workspace
LISTED = "{path} {size}{first}"
FIRST_LINE = ", first line: {line}"  # {first}, for a table
FOLDER_NOT_LISTED = "{path}/ (not listed)"
MORE_NOT_LISTED = "[more files not listed: use `glob` to find them]"


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "glob": (NOT_A_FOLDER, ABSOLUTE, NO_FILES_MATCH, DEEPER, MORE_HITS),
    "grep": (BAD_REGEX, CREDENTIAL_PLACE, NO_PATH, STOPPED, MATCH, NO_MATCHES, LINKS_SKIPPED),
    "plan": (PLAN_UPDATED, PLAN_LINE, PENDING, IN_PROGRESS, COMPLETED),
    "listing": (LISTED, FIRST_LINE, FOLDER_NOT_LISTED, MORE_NOT_LISTED),
}
