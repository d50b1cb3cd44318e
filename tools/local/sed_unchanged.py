"""A `sed -i` that changed nothing, said so: sed exits 0 when its pattern matches no line.

Why: a 1.5B model resent a no-op `sed -i` until the repeat guard (docs/lab/2026-11-25.md, fix-bug).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

from tools.result_texts import tool_text
from tools.result_texts.shell import UNCHANGED
from tools.safe_paths import rel_beneath, sha256_at

MAX_BYTES = 2_000_000
_IN_PLACE = re.compile(r"-[A-Za-z]*i\S*|--in-place(?:=\S*)?")


def sed_targets(command: str, workspace: Path, hidden: Callable[[Path], bool]) -> dict[Path, str]:
    """The workspace files an in-place `sed` in `command` names, with their digests now; empty
    when the command has no such sed (or is not simple enough to read)."""
    try:
        words = shlex.split(command, comments=False)
    except ValueError:
        return {}
    targets: dict[Path, str] = {}
    for start, word in enumerate(words):
        if Path(word).name != "sed":
            continue
        args = _until_separator(words[start + 1 :])
        if not any(_IN_PLACE.fullmatch(a) for a in args):
            continue
        for arg in args:
            if arg.startswith("-"):
                continue
            rel = rel_beneath(workspace, arg)
            if rel is None or hidden(workspace / rel):
                continue
            if (digest := sha256_at(workspace, rel, MAX_BYTES)) is not None:
                targets[workspace / rel] = digest
    return targets


def unchanged_note(targets: dict[Path, str], workspace: Path, exit_code: int | None) -> str:
    """The note when the command succeeded (`exit_code` 0) and every file its `sed -i` named
    is as before."""
    if not targets or exit_code != 0:
        return ""
    if any(_now(workspace, path) != digest for path, digest in targets.items()):
        return ""
    names = [f"`{p.relative_to(workspace).as_posix()}`" for p in targets]
    files = " and ".join(names)
    are = "are" if len(names) > 1 else "is"
    return "\n\n" + tool_text("sed_unchanged", UNCHANGED, files=files, are=are)


def _until_separator(words: list[str]) -> list[str]:
    for i, word in enumerate(words):
        if word in {"&&", "||", ";", "|", "&"} or word.endswith(";"):
            return words[:i] + ([word[:-1]] if word.endswith(";") and word != ";" else [])
    return words


def _now(workspace: Path, path: Path) -> str | None:
    return sha256_at(workspace, path.relative_to(workspace), MAX_BYTES)
