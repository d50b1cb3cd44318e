"""Where an edit's missing text is: another file of the workspace, when it is there.

Qwen2.5-Coder-1.5B, asked to fix stats.py so that check.py passes, sent as old_str of an edit
of stats.py the assertion it had seen in check.py's traceback, four times, each answered "not
found" (bench/README.md, fix-bug). The file that holds the text tells it which file it was
looking at.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tools.local.file_checks import is_binary
from tools.local.file_walk import walk

ELSEWHERE = "\nThat text is in {path}, line {line}, not in {target}."
MAX_FILES = 200
MAX_BYTES = 1_000_000
MAX_DEPTH = 4


def text_elsewhere(
    workspace: Path, target: Path, wanted: str, hidden: Callable[[Path], bool]
) -> str:
    """The note naming the first other workspace file (credential files never looked at) that
    holds `wanted`, with its line; empty when none does or `wanted` is blank."""
    if not wanted.strip():
        return ""
    for n, path in enumerate(walk(workspace, MAX_DEPTH, dirs=False, hidden=hidden)):
        if n >= MAX_FILES:
            break
        try:
            if path == target or path.is_symlink() or not path.is_file():
                continue
            if path.stat().st_size > MAX_BYTES or is_binary(path):
                continue
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if (at := text.find(wanted)) >= 0:
            shown, where = path.relative_to(workspace).as_posix(), target.name
            return ELSEWHERE.format(path=shown, line=text.count("\n", 0, at) + 1, target=where)
    return ""
