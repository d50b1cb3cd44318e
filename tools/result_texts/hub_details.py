"""The Hub's repo details tool's texts (tools/hub/repo_details.py): one block per repo, its
facts joined by " · "."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

HEADING = "## {id} ({kind})"
NOT_READ = "{heading}\n{error}"  # a repo that could not be read: its heading, then why
TASK = "task: {task}"
LIBRARY = "library: {library}"
SDK = "sdk: {sdk}"
STAGE = "stage: {stage}"
DOWNLOADS = "↓{count} downloads"
LIKES = "♥{count} likes"
UPDATED = "updated {date}"
GATED = "gated ({gated}): request access on the repo page first"
PRIVATE = "private"
PARAMETERS = "parameters: {count:,} (safetensors)"
TAGS = "tags: {tags}"
CARD = "card: {parts}"  # the card's metadata, its parts joined by "; "
CARD_PART = "{key}: {value}"
SUMMARY = "summary: {summary}"
NO_FILES = "files: none listed"
FILES = "files ({count}, {size}): {shown}{more}"  # the largest first, joined by " · "
FILE = "{name} {size}"
MORE_FILES = " · +{count} more (hf_repo_files list)"


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hf_repo_details": (
        HEADING,
        NOT_READ,
        TASK,
        LIBRARY,
        SDK,
        STAGE,
        DOWNLOADS,
        LIKES,
        UPDATED,
        GATED,
        PRIVATE,
        PARAMETERS,
        TAGS,
        CARD,
        CARD_PART,
        SUMMARY,
        NO_FILES,
        FILES,
        FILE,
        MORE_FILES,
    ),
}
