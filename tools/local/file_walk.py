"""Walking a directory tree the way `glob` and `grep` do: patterns, skipped dirs, text lines."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tools.local.file_checks import Place, is_binary
from tools.safe_paths import regular_file
from tools.safe_tree import walk_at

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


@dataclass(frozen=True)
class Hit:
    """One thing a walk found: `path` (absolute, for showing), `rel` (to the walked folder),
    `place` (to open it through tools/safe_paths.py) and its own `lstat`."""

    path: Path
    rel: str
    place: Place
    st: os.stat_result

    @property
    def folder(self) -> bool:
        return stat.S_ISDIR(self.st.st_mode)

    @property
    def regular(self) -> bool:
        return stat.S_ISREG(self.st.st_mode)


def walk(
    base: Place, max_depth: int | None, dirs: bool, hidden: Callable[[Path], bool]
) -> Iterator[Hit]:
    """Files and other non-folders (and folders if `dirs`) under `base`, sorted per folder,
    skipping SKIP_DIRS and what `hidden` says (credential places: never entered, never
    shown). Folders are opened by descriptor: a symlink is listed, never entered."""
    root = base.target

    def keep(rel: str) -> bool:
        return rel.rsplit("/", 1)[-1] not in SKIP_DIRS and not hidden(root / rel)

    for entry in walk_at(base.anchor, base.rel, enter=keep, max_depth=max_depth):
        if (entry.is_dir and not dirs) or not keep(entry.rel):
            continue
        rel = f"{base.rel}/{entry.rel}" if base.rel not in ("", ".") else entry.rel
        yield Hit(root / entry.rel, entry.rel, Place(root / entry.rel, base.anchor, rel), entry.st)


def mtime(hit: Hit) -> float:
    return hit.st.st_mtime


def text_lines(place: Place) -> Iterator[tuple[int, str]]:
    """Numbered lines of a regular text file; nothing for binary, huge, special or
    unreadable files (opened once, by descriptor, never through a link)."""
    try:
        with regular_file(place.anchor, place.rel, GREP_MAX_FILE_BYTES) as file:
            if is_binary(file):
                return
            with open(file.fd, "rb", closefd=False) as f:
                for n, raw in enumerate(f, start=1):
                    yield n, raw.decode("utf-8", errors="replace").rstrip("\n").removesuffix("\r")
    except OSError:
        return
