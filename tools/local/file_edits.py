"""Changing files safely, for the `write` and `edit` tools in `tools.local.files`.

The read registry (read before write), atomic writes, and the replacement rules of `edit`:
exact first, then whitespace-tolerant. `apply_edit` is pure, so its rules test without files.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import stat
import threading
from collections import Counter
from pathlib import Path

from langchain_core.tools import ToolException

from tools.editor_files import EditorFiles, text_version
from tools.local.file_checks import Place, opened_file, unsafe
from tools.result_texts import tool_text
from tools.result_texts.files import (
    BLANK_OLD,
    CHANGED_SINCE,
    CLOSEST,
    CREATE_HINT,
    EDITED,
    EMPTY_OLD,
    FUZZY,
    FUZZY_PLACES,
    IDENTICAL,
    IN_EDITOR,
    NO_MATCH,
    NOT_READ,
    NOT_REGULAR,
    NOT_TEXT,
    OCCURS,
    ON_DISK,
    REINDENTED,
    SAME_WORDS,
    WRITE_FOLDER,
)
from tools.safe_paths import DEFAULT_LIMIT, UnsafePath, kind_of, lstat_at, write_bytes
from tools.safe_paths import WRITE_TEMP as WRITE_TEMP  # undo's scans skip it
from tools.text import numbered

# (who serves a file's current text, who takes the write); None: the disk.
Editors = tuple[EditorFiles | None, EditorFiles | None]


class TextNotFound(ToolException):
    """An edit whose text is not in the file, not even ignoring whitespace."""


@dataclasses.dataclass(frozen=True)
class EditOutcome:
    """The edited text and what happened, for the tool's reply."""

    text: str
    replacements: int
    first_line: int  # 1-based line where the (first) replacement starts
    new_line_count: int  # lines the (first) replacement occupies
    fuzzy: bool = False
    reindented: bool = False


class ReadRegistry:
    """Per thread, the files it has seen: (mtime_ns, size) when it last read them from disk,
    or the text's digest when an editor served them (tools/editor_files.py)."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[Path, object]] = {}
        self.lock = threading.Lock()  # held across check-and-write so concurrent edits serialise

    def record(
        self, thread: str, path: Path, st: os.stat_result | None = None, *, version: object = None
    ) -> None:
        if version is None:
            if st is None:
                raise ValueError("record needs the file's stat or the editor's version")
            version = (st.st_mtime_ns, st.st_size)
        self._seen.setdefault(thread, {})[path] = version

    def has_read(self, thread: str, path: Path) -> bool:
        """Whether `thread` has read `path` (in any version)."""
        return path in self._seen.get(thread, {})

    def check(
        self, thread: str, path: Path, version: object = None, now: os.stat_result | None = None
    ) -> None:
        """Raise unless `thread` has seen the current version of the existing file `path`
        (`version`: what an editor serves now; else `now`, the file's stat on disk)."""
        seen = self._seen.get(thread, {}).get(path)
        if seen is None:
            raise ToolException(tool_text("files", NOT_READ, path=path))
        served = version
        if version is None and now is not None:
            version = (now.st_mtime_ns, now.st_size)
        if version != seen:
            on_disk = served is None
            where = tool_text("files", ON_DISK) if on_disk else tool_text("files", IN_EDITOR)
            raise ToolException(tool_text("files", CHANGED_SINCE, path=path, where=where))


def write_file(
    seen: ReadRegistry,
    thread: str,
    place: Place,
    content: str,
    new_file_mode: int,
    editor: Editors = (None, None),
) -> bool:
    """Write `content` to `place` under the read-before-write rule; True if it existed.
    `editor`: who serves the current text and who takes the write (None: the disk). Only a
    regular file is replaced, and the disk is reached only through tools/safe_paths.py."""
    reader, writer = editor
    target = place.target
    with seen.lock:
        now = _now(place)
        data = content.encode("utf-8")
        if now is not None:
            current = (
                reader.read_text(target).encode("utf-8")
                if reader
                else _same_size_bytes(place, now, len(data))
            )
            if current == data:
                # Nothing would change (e.g. a call re-run after a crash): no unseen edit to lose.
                _record(seen, thread, place, reader and content)
                return True
            seen.check(thread, target, reader and text_version(current.decode("utf-8")), now)
        if writer is not None:
            writer.write_text(target, content)
        else:
            _write(place, data, new_file_mode)
        _record(seen, thread, place, reader and content)
    return now is not None


def edit_file(
    seen: ReadRegistry,
    thread: str,
    place: Place,
    old: str,
    new: str,
    replace_all: bool,
    editor: Editors = (None, None),
) -> EditOutcome:
    """Apply one `edit` to the existing UTF-8 file at `place` under the read-before-write
    rule."""
    reader, writer = editor
    target = place.target
    with seen.lock:
        if reader is not None:
            text: str | None = reader.read_text(target)  # the buffer, unsaved text included
            seen.check(thread, target, text_version(text or ""))
        else:
            with opened_file(place, tool_text("edit", CREATE_HINT), DEFAULT_LIMIT) as file:
                seen.check(thread, target, now=file.st)
                text = _text_or_none(file.read())
        if text is None:
            raise ToolException(tool_text("edit", NOT_TEXT, path=target))
        outcome = apply_edit(text, old, new, replace_all=replace_all)
        if writer is not None:
            writer.write_text(target, outcome.text)
        else:
            _write(place, outcome.text.encode("utf-8"), None)
        _record(seen, thread, place, reader and outcome.text)
    return outcome


def _now(place: Place) -> os.stat_result | None:
    """What is at `place` now (not followed); a ToolException unless nothing or a regular
    file is there."""
    try:
        now = lstat_at(place.anchor, place.rel)
    except UnsafePath as error:
        raise ToolException(unsafe(place, error)) from None
    if now is None or stat.S_ISREG(now.st_mode):
        return now
    if stat.S_ISDIR(now.st_mode):
        raise ToolException(tool_text("files", WRITE_FOLDER, path=place.target))
    kind = kind_of(now.st_mode)
    raise ToolException(tool_text("files", NOT_REGULAR, path=place.target, kind=kind))


def _same_size_bytes(place: Place, now: os.stat_result, size: int) -> bytes | None:
    """The file's bytes when it is `size` bytes long (it may then hold the same text)."""
    if now.st_size != size:
        return None
    with opened_file(place, "", size) as file:
        return file.read()


def _write(place: Place, data: bytes, new_file_mode: int | None) -> None:
    try:
        write_bytes(place.anchor, place.rel, data, new_file_mode)
    except UnsafePath as error:
        raise ToolException(unsafe(place, error)) from None


def _record(seen: ReadRegistry, thread: str, place: Place, served: str | None) -> None:
    """What the thread now knows of the file: the text an editor serves, else the disk's."""
    if served is not None:
        seen.record(thread, place.target, version=text_version(served))
    elif (now := lstat_at(place.anchor, place.rel)) is not None:
        seen.record(thread, place.target, now)


def _text_or_none(data: bytes) -> str | None:
    """`data` as text, or None if it is binary (NUL bytes early on) or not UTF-8."""
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def describe_edit(shown: str, outcome: EditOutcome) -> str:
    """What `edit` did, with the edited region and a few lines around it, numbered."""
    count = outcome.replacements
    how = ""
    if outcome.fuzzy:
        shift = tool_text("edit", REINDENTED) if outcome.reindented else ""
        how = tool_text("edit", FUZZY, reindented=shift)
    lines = [line.removesuffix("\r") for line in outcome.text.removesuffix("\n").split("\n")]
    start = max(1, outcome.first_line - 3)
    end = min(len(lines), outcome.first_line + outcome.new_line_count + 2, start + 30)
    region = numbered(lines[start - 1 : end], start)
    s = "s" if count > 1 else ""
    return tool_text("edit", EDITED, path=shown, count=count, s=s, how=how, region=region)


def apply_edit(text: str, old: str, new: str, *, replace_all: bool = False) -> EditOutcome:
    """Replace `old` by `new` in `text`; raise ToolException when that is not unambiguous.

    CRLF files are edited as LF and converted back, so the model may send plain newlines.
    """
    if not old:
        raise ToolException(tool_text("edit", EMPTY_OLD))
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    if crlf:
        text, old, new = (s.replace("\r\n", "\n") for s in (text, old, new))
    if old == new:
        # Absent text is the more useful error than "identical".
        # Why: a 1.5B model sent one line as both strings (docs/lab/2026-11-25.md, fix-bug).
        _exact(text, old, new, True) or _fuzzy(text, old, new)
        raise ToolException(tool_text("edit", IDENTICAL))
    outcome = _exact(text, old, new, replace_all) or _fuzzy(text, old, new)
    if crlf:
        outcome = dataclasses.replace(outcome, text=outcome.text.replace("\n", "\r\n"))
    return outcome


def _exact(text: str, old: str, new: str, replace_all: bool) -> EditOutcome | None:
    count = text.count(old)
    if count == 0:
        return None
    if count > 1 and not replace_all:
        raise ToolException(tool_text("edit", OCCURS, count=count))
    first_line = text[: text.index(old)].count("\n") + 1
    return EditOutcome(text.replace(old, new), count, first_line, new.count("\n") + 1)


def _norm(line: str) -> str:
    """A line with surrounding whitespace removed and inner runs collapsed."""
    return " ".join(line.split())


def _fuzzy(text: str, old: str, new: str) -> EditOutcome:
    """Match `old` line by line ignoring whitespace differences; exactly one match applies."""
    lines = _split_keepends(text)
    old_lines = old.split("\n")
    while old_lines and not old_lines[0].strip():
        old_lines.pop(0)
    while old_lines and not old_lines[-1].strip():
        old_lines.pop()
    if not old_lines:
        raise ToolException(tool_text("edit", BLANK_OLD))
    wanted = [_norm(line) for line in old_lines]
    normed = [_norm(line) for line in lines]
    size = len(wanted)
    starts = [i for i in range(len(lines) - size + 1) if normed[i : i + size] == wanted]
    if not starts:
        raise TextNotFound(_no_match_message(lines, wanted[0]))
    if len(starts) > 1:
        raise ToolException(tool_text("edit", FUZZY_PLACES, count=len(starts)))
    start = starts[0]
    window = lines[start : start + size]
    shift = _indent_shift(old_lines, window)
    block = _apply_shift(new, shift) if shift else new
    if block and window[-1].endswith("\n") and not block.endswith("\n"):
        block += "\n"
    edited = "".join(lines[:start]) + block + "".join(lines[start + size :])
    new_lines = max(block.count("\n"), 1)
    return EditOutcome(edited, 1, start + 1, new_lines, fuzzy=True, reindented=bool(shift))


def _split_keepends(text: str) -> list[str]:
    """Lines split on `\\n` only (unlike str.splitlines), each keeping its newline."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _indent_shift(old_lines: list[str], window: list[str]) -> tuple[bool, str] | None:
    """(add?, prefix) that turns old_str's indentation into the file's, if one fits every line."""
    shifts = set()
    for old_line, file_line in zip(old_lines, window, strict=True):
        if not old_line.strip():
            continue
        old_indent, file_indent = _indent(old_line), _indent(file_line)
        if file_indent.startswith(old_indent):
            shifts.add((True, file_indent[len(old_indent) :]))
        elif old_indent.startswith(file_indent):
            shifts.add((False, old_indent[len(file_indent) :]))
        else:  # tabs versus spaces: no single shift
            return None
    shift = shifts.pop() if len(shifts) == 1 else None
    return shift if shift and shift[1] else None


def _apply_shift(new: str, shift: tuple[bool, str]) -> str:
    add, prefix = shift
    return "\n".join(
        (prefix + line if add else line.removeprefix(prefix)) if line.strip() else line
        for line in new.split("\n")
    )


def _no_match_message(lines: list[str], first_wanted: str) -> str:
    message = tool_text("edit", NO_MATCH)
    candidates: dict[str, int] = {}
    for n, line in enumerate(lines, start=1):
        if line.strip():
            candidates.setdefault(_norm(line), n)
    close = difflib.get_close_matches(first_wanted, list(candidates), n=1, cutoff=0.6)
    if close:
        n = candidates[close[0]]
        message += tool_text("edit", CLOSEST, line=n, text=lines[n - 1].rstrip())
    elif (n := _line_with_the_words(lines, first_wanted)) is not None:
        message += tool_text("edit", SAME_WORDS, line=n, text=lines[n - 1].rstrip())
    return message


_WORDS = re.compile(r"\w+|[^\w\s]")


def _line_with_the_words(lines: list[str], wanted: str) -> int | None:
    """The number (from 1) of the shortest line holding every word and sign of `wanted`, in
    any order; None when no line does.

    Why: a 1.5B model sent old_str 'lo + hi' for '(hi + lo)' (docs/lab/2026-11-25.md, fix-bug).
    """
    need = Counter(_WORDS.findall(wanted))
    if not need:
        return None
    holding = [n for n, line in enumerate(lines, 1) if not need - Counter(_WORDS.findall(line))]
    return min(holding, key=lambda n: len(lines[n - 1].strip()), default=None)
