"""The GitHub tools' texts (tools/external/github*.py). GitHub's own message comes in as a
field ({said})."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# github (tools/external/github.py): a failed request, as a sentence; {action} says what failed
TOO_MANY_REDIRECTS = "{action} failed: more than {count} redirects."
UNREACHABLE = (
    "{action} failed: could not reach {host} ({error}). Check the network and GITHUB_API_URL."
)
RATE_LIMIT = "{action} failed: GitHub's rate limit is reached. {hint}"
WAIT_A_MINUTE = "Wait a minute before retrying.{token}"  # {hint}, when GitHub gives no time
RESETS_AT = "It resets at {at} (in {seconds:.0f} s): wait until then or do something else.{token}"
SET_TOKEN = " Setting GITHUB_TOKEN raises the limit."  # {token}, without one
NOT_ACCEPTED = "{action} failed: GitHub did not accept the credentials (401). {fix}"  # stripped
CHECK_TOKEN = "Check GITHUB_TOKEN (it may be expired or revoked)."  # {fix}, with a token
NOT_FOUND = (
    "{action} failed: not found (404). Check the owner/name, path and ref; "
    "private repositories need a GITHUB_TOKEN with access."
)
REJECTED = "{action} failed: GitHub rejected the query (422: {said}). Fix it and retry."
ANSWERED = "{action} failed: GitHub answered {status}{detail}."
SAID = ": {said}"  # {detail}, when GitHub said why
# {action}, by tool
READING = "Reading {what}"
LISTING_FILES = "Listing the files of {repo}@{ref}"
CODE_SEARCH = "Code search"
REPO_SEARCH = "Repository search"
LISTING_REPOS = "Listing {owner}'s repositories"


# github_find_examples (tools/external/github_find_examples.py)
NOT_A_REPO = "repo must be owner/name, e.g. huggingface/trl; got {repo!r}."
TRUNCATED = " (GitHub truncated the tree: very large repository, some files not seen)"  # {note}
NO_PATHS = (
    "No paths in {repo}@{ref} match {query!r} among {total:,} files{note}. "
    "Try a shorter or different word (e.g. the trainer or method name)."
)
PATHS = "{count} of {total:,} files in {repo}@{ref} match {query!r}{note}:"
PATH_LINE = "- {path} ({size:,} bytes)"
READ_ONE = "Read one with github_read_file(repo={repo!r}, path=..., ref={ref!r})."


# github_search_code (tools/external/github_search_code.py)
NEEDS_TOKEN = (
    "github_search_code needs a token: GitHub only allows code search to signed-in "
    "users. Ask the user to set GITHUB_TOKEN (a token with no scopes is enough). "
    "github_read_file and github_list_repos work without one."
)
NO_CODE = "No code matches {query!r}. Try fewer or other words, or drop a qualifier."
CODE_MATCHES = "{total:,} files match {query!r}; showing {count}:"
CODE_FILE = "- {repo}:{path}{fragments}"
FRAGMENTS = "\n{lines}"  # {fragments}, the matched lines, when GitHub shows them
FRAGMENT_LINE = "    {line}"


# github_read_file (tools/external/github_read_file.py)
FOLDER = "{path} is a directory with {count} entries:\n{entries}"
NOT_A_FILE = "{path} is a {kind}, not a file."
BINARY = "{path} is a binary file ({size:,} bytes)."
LINES_SHOWN = "\n[{label}: lines {first}-{last} of {total}; read on with offset={next}]"
PAST_END = "[{label} has {total} lines; offset {offset} is past the end]"


# github_list_repos (tools/external/github_list_repos.py)
EXACTLY_ONE = "Give exactly one of `owner` or `query` to github_list_repos."
NO_REPOS = "No repositories found for {what!r}."
REPO = "- {name} ({facts}){description}"
STARS = "★{count:,}"  # the first of {facts}
FORKS = "forks {count:,}"
PUSHED = "pushed {date}"
ARCHIVED = "archived"
DESCRIPTION = ": {text}"  # {description}, when there is one


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "github": (
        TOO_MANY_REDIRECTS,
        UNREACHABLE,
        RATE_LIMIT,
        WAIT_A_MINUTE,
        RESETS_AT,
        SET_TOKEN,
        NOT_ACCEPTED,
        CHECK_TOKEN,
        NOT_FOUND,
        REJECTED,
        ANSWERED,
        SAID,
        READING,
        LISTING_FILES,
        CODE_SEARCH,
        REPO_SEARCH,
        LISTING_REPOS,
    ),
    "github_find_examples": (NOT_A_REPO, TRUNCATED, NO_PATHS, PATHS, PATH_LINE, READ_ONE),
    "github_search_code": (
        NEEDS_TOKEN,
        NO_CODE,
        CODE_MATCHES,
        CODE_FILE,
        FRAGMENTS,
        FRAGMENT_LINE,
    ),
    "github_read_file": (FOLDER, NOT_A_FILE, BINARY, LINES_SHOWN, PAST_END),
    "github_list_repos": (
        EXACTLY_ONE,
        NO_REPOS,
        REPO,
        STARS,
        FORKS,
        PUSHED,
        ARCHIVED,
        DESCRIPTION,
    ),
}
