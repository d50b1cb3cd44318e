"""The Hub repo tools' texts (tools/hub/repo_files.py, repo_git.py): file listings, reads,
commits, refs and pull requests."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# hf_repo_files (tools/hub/repo_files.py)
FILE_COUNT = "{count} files, {size}"
FILE_LINE = "{path}  {size}"
SUMMARISED = "{head} (summarised; narrow with `path` or `patterns`)\nby folder:"
FOLDER_LINE = "  {folder}  {count} files, {size}"
BY_EXTENSION = "by extension: {counts}"  # each "{extension} {count}", joined by ", "
EXTENSION = "{extension} {count}"
LARGEST = "largest:"
LARGE_LINE = "  {path}  {size}"
BINARY = "{path} is a binary file ({size}, {bytes:,} bytes); content not shown."
FIRST_BYTES = "\n[showing the first {shown:,} of {total:,} bytes]"
READ = "{path} ({size}):\n{text}{note}"
ONE_SOURCE = "upload needs exactly one of `content` (text) or `local_path`."
CHECK_PATH = "Check the path."  # after a local file that cannot be read
TOO_BIG = (
    "{path} is {size}; hf_repo_files uploads files up to {limit}. Push big files from a job or "
    "with `hf upload`."
)
COMMITTED = "{what} in {repo}: commit {commit} {url}"
OPENED_PR = "\nOpened pull request {url}"
NO_MATCH = "No files in {repo}{path} match {patterns}."
IN_FOLDER = "/{path}"  # {path}, when one was given
LISTING = "{repo} ({kind}): {files}"
NEEDS_PATH = "{operation} needs `path`, the file inside the repo."
UPLOADED = "Uploaded {path} ({size})"  # {what}
NOTHING_TO_DELETE = "Nothing to delete: give `path`, or `patterns` matching files in {repo}."
DELETED = "Deleted {paths}{more}"  # {what}
MORE = " +{count} more"  # {more}, past the first twenty


# hf_repo_git (tools/hub/repo_git.py)
NEEDS = "{operation} needs `{name}`."
REF = "  {name}  {commit}"
BRANCHES = "{repo} branches:"
TAGS = "tags:"
NO_TAGS = "tags: none"
PR = (  # {line}: PR_LINE
    "PR {line} · target {target}\n{url}\n"
    "push more commits with hf_repo_files upload, revision='refs/pr/{number}'"
)
CONFLICTS = "conflicts: {files}"
COMMENT = "- {author}: {text}"
DIFF = "diff:\n{diff}"
CREATED_BRANCH = "Created branch {name} in {repo} from {revision}."
DELETED_BRANCH = "Deleted branch {name} of {repo}."
DELETED_TAG = "Deleted tag {name} of {repo}."
TAGGED = "Tagged {revision} of {repo} as {name}."
NO_PRS = "No {status} pull requests on {repo}."
PR_LINE = "#{number} {title!r} by {author} · {status}"
MORE_PRS = "+{count} more"
PRS = "{count} {status} pull requests on {repo}:"
OPENED = "Opened {pr}"
MERGED = "Merged PR #{number} into {repo}."
COMMENTED = "Commented on #{number} of {repo}."
CREATED_PRIVATE = "Created private {kind} repo {url}"
CREATED_PUBLIC = "Created public {kind} repo {url}"
UPDATE_NEEDS = "update_repo needs `private` and/or `gated`."
UPDATED = "Updated {repo}: {changes}."
PRIVATE_SET = "private={private}"  # each of {changes}, joined by ", "
GATED_SET = "gated={gated}"


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hf_repo_files": (
        FILE_COUNT,
        FILE_LINE,
        SUMMARISED,
        FOLDER_LINE,
        BY_EXTENSION,
        EXTENSION,
        LARGEST,
        LARGE_LINE,
        BINARY,
        FIRST_BYTES,
        READ,
        ONE_SOURCE,
        CHECK_PATH,
        TOO_BIG,
        COMMITTED,
        OPENED_PR,
        NO_MATCH,
        IN_FOLDER,
        LISTING,
        NEEDS_PATH,
        UPLOADED,
        NOTHING_TO_DELETE,
        DELETED,
        MORE,
    ),
    "hf_repo_git": (
        NEEDS,
        REF,
        BRANCHES,
        TAGS,
        NO_TAGS,
        PR,
        CONFLICTS,
        COMMENT,
        DIFF,
        CREATED_BRANCH,
        DELETED_BRANCH,
        DELETED_TAG,
        TAGGED,
        NO_PRS,
        PR_LINE,
        MORE_PRS,
        PRS,
        OPENED,
        MERGED,
        COMMENTED,
        CREATED_PRIVATE,
        CREATED_PUBLIC,
        UPDATE_NEEDS,
        UPDATED,
        PRIVATE_SET,
        GATED_SET,
    ),
}
