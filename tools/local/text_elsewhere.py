"""Where an edit's missing text is: another file of the workspace, when it is there.

The file that holds the text tells the model which file it was looking at.

Why: a 1.5B model sent check.py's text as old_str for stats.py (docs/lab/2026-11-25.md, fix-bug).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tools.local.file_checks import Place, is_binary
from tools.local.file_walk import walk
from tools.result_texts import tool_text
from tools.result_texts.files import ELSEWHERE
from tools.safe_paths import regular_file

MAX_FILES = 200
MAX_BYTES = 1_000_000
MAX_DEPTH = 4


def text_elsewhere(
    workspace: Path, target: Path, wanted: str, hidden: Callable[[Path], bool]
) -> str:
    """The note naming the first other workspace file (credential files never looked at) that
    holds `wanted`, with its line; empty when none does or `wanted` is blank. Files are
    opened through tools/safe_paths.py: links are never followed, special files never read."""
    if not wanted.strip():
        return ""
    root = Place(workspace, workspace, "")
    for n, hit in enumerate(walk(root, MAX_DEPTH, dirs=False, hidden=hidden)):
        if n >= MAX_FILES:
            break
        if hit.path == target or not hit.regular or hit.st.st_size > MAX_BYTES:
            continue
        try:
            with regular_file(workspace, hit.place.rel, MAX_BYTES) as file:
                if is_binary(file):
                    continue
                text = file.read().decode("utf-8", errors="replace")
        except OSError:
            continue
        if (at := text.find(wanted)) >= 0:
            shown, where = hit.rel, target.name
            line = text.count("\n", 0, at) + 1
            return tool_text("text_elsewhere", ELSEWHERE, path=shown, line=line, target=where)
    return ""
