"""Walking a directory tree the way `glob` and `grep` do: patterns, skipped dirs, text lines."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tools.local.file_checks import is_binary

SKIP_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__"})
GREP_MAX_FILE_BYTES = 20_000_000


def _expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [p for alt in match.group(1).split(",") for p in _expand_braces(head + alt + tail)]


def _segment_regex(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        ch = segment[i]
        close = segment.find("]", i + 2) if ch == "[" else -1
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif close != -1:
            body = segment[i + 1 : close]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = close
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Regex for relative POSIX paths matching a pathlib-style pattern (with `**` and `{}`)."""
    alternatives = []
    for alt in _expand_braces(pattern.strip().removeprefix("./").rstrip("/")):
        parts = alt.split("/")
        pieces = [
            (".*" if i == len(parts) - 1 else "(?:.*/)?")
            if part == "**"
            else _segment_regex(part) + ("" if i == len(parts) - 1 else "/")
            for i, part in enumerate(parts)
        ]
        alternatives.append("".join(pieces))
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


def walk(
    base: Path, max_depth: int | None, dirs: bool, hidden: Callable[[Path], bool]
) -> Iterator[Path]:
    """Files (and directories if `dirs`) under `base`, sorted, skipping SKIP_DIRS and what
    `hidden` says (credential places: never entered, never shown)."""
    for root, dirnames, filenames in os.walk(base):
        here = Path(root)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not hidden(here / d))
        files = [f for f in filenames if not hidden(here / f)]
        names = sorted([*dirnames, *files] if dirs else files)
        if max_depth is not None and len(here.relative_to(base).parts) >= max_depth:
            dirnames[:] = []  # the pattern cannot match anything deeper
        yield from (here / name for name in names)


def mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a text file; nothing for binary, huge or unreadable files."""
    try:
        if path.stat().st_size > GREP_MAX_FILE_BYTES or is_binary(path):
            return
        with path.open("rb") as f:
            for n, raw in enumerate(f, start=1):
                yield n, raw.decode("utf-8", errors="replace").rstrip("\n").removesuffix("\r")
    except OSError:
        return
