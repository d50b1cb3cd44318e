"""Local tools on the user's machine: bash, read, write, edit, glob, grep.

Paths are relative to the workspace (the `workspace` argument, else `configurable.workspace`,
else the current directory). `write` and `edit` only change an existing file that this thread
has read and that has not changed on disk since (the read registry lives in the tools).
Failures raise ToolException, which the tools hand back to the model as text.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field

from tools.local.bash_process import run_bash
from tools.local.file_edits import ReadRegistry, describe_edit, edit_file, numbered, write_file
from tools.structured import structured_tool

SKIP_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__"})
MAX_TIMEOUT_S = 600
MAX_RESULTS = 200
SNIFF_BYTES = 8192
MAX_LINE_CHARS = 2000
GREP_MAX_FILE_BYTES = 20_000_000


class BashArgs(BaseModel):
    """Run a shell command with /bin/bash in the workspace and return its combined stdout and
    stderr, followed by the exit code. stdin is /dev/null, so pass flags like `-y` instead of
    answering prompts. Every call starts a fresh shell: `cd` and `export` do not persist.
    The timeout defaults to 120 s (max 600 s); on timeout the command and all its child
    processes are killed. For longer jobs start them in the background with output sent to a
    file (`nohup cmd > run.log 2>&1 &`) and check the log later. Use read, glob, grep and edit
    rather than cat, find, grep and sed for files."""

    command: str = Field(description="Shell command, run with `/bin/bash -c` in the workspace.")
    timeout: int = Field(
        120, gt=0, le=MAX_TIMEOUT_S, description="Seconds before the command is killed (max 600)."
    )
    description: str | None = Field(
        None, description="Five to ten words saying what the command does, shown to the user."
    )


class ReadArgs(BaseModel):
    """Read a text file. Lines come numbered like `cat -n` (number, tab, text); the numbers are
    not part of the file. Shows up to `limit` lines (default 2000) starting at line `offset`
    (1-based), and says how to read further. Binary files report only their size. You must
    read an existing file before `write` or `edit` may change it."""

    path: str = Field(description="File to read, relative to the workspace or absolute.")
    offset: int | None = Field(None, ge=1, description="First line to show (1-based).")
    limit: int = Field(2000, ge=1, description="Maximum number of lines to show.")


class WriteArgs(BaseModel):
    """Create or overwrite a file with `content` (UTF-8), creating parent directories; the
    write is atomic. Overwriting an existing file requires a `read` of it first in this
    conversation, and it must not have changed since. Prefer `edit` for small changes."""

    path: str = Field(description="File to create or overwrite.")
    content: str = Field(description="The complete new content of the file.")


class EditArgs(BaseModel):
    """Replace `old_str` with `new_str` in a file you have read. `old_str` must match the file
    exactly (copy it from `read` output without the line-number prefix) and be unique: add
    surrounding lines to make it unique, or set replace_all=true to change every occurrence.
    If there is no exact match but exactly one match ignoring whitespace, that one is replaced
    and the result says so. Returns the edited region with line numbers."""

    path: str = Field(description="File to change; `read` it first.")
    old_str: str = Field(description="Exact text to replace, copied without line-number prefixes.")
    new_str: str = Field(description="Text to put in its place.")
    replace_all: bool = Field(False, description="Replace every occurrence instead of one.")


class GlobArgs(BaseModel):
    """Find files and directories by name pattern (pathlib glob: `*`, `?`, `[abc]`, `**` for
    any depth, `{a,b}` for alternatives). `**/*.py` searches subdirectories; `*.py` only the
    top directory. Newest first, at most 200. Skips .git, .venv, node_modules, __pycache__."""

    pattern: str = Field(description="Glob pattern such as `**/*.py` or `configs/*.json`.")
    path: str | None = Field(None, description="Directory to search (default: the workspace).")


class GrepArgs(BaseModel):
    """Search file contents with a Python regular expression and return `path:line:text` for
    each matching line (at most 200). `path` is a file or a directory (default: the
    workspace); `glob` limits which files are searched, e.g. `*.py` or `src/**/*.ts`.
    Binary files and .git, .venv, node_modules, __pycache__ are skipped."""

    pattern: str = Field(description="Python regular expression to search for.")
    path: str | None = Field(None, description="File or directory (default: the workspace).")
    glob: str | None = Field(None, description="Only search files matching this, e.g. `*.py`.")


@dataclass(frozen=True)
class _Call:
    """What one tool call needs from its config: where it runs and for which thread."""

    workspace: Path
    thread: str
    tool_call_id: str | None

    @classmethod
    def from_config(cls, config: RunnableConfig, workspace: Path | None) -> _Call:
        conf = config.get("configurable") or {}
        root = workspace or conf.get("workspace") or Path.cwd()
        call_id = conf.get("tool_call_id") or (config.get("metadata") or {}).get("tool_call_id")
        return cls(
            Path(root).expanduser().resolve(), str(conf.get("thread_id", "default")), call_id
        )

    def resolve(self, path: str) -> Path:
        return (self.workspace / Path(path).expanduser()).resolve()

    def show(self, path: Path) -> str:
        """`path` relative to the workspace when inside it, else absolute."""
        try:
            return path.relative_to(self.workspace).as_posix() or "."
        except ValueError:
            return str(path)


async def _bash(call: _Call, command: str, timeout: int, description: str | None) -> str:  # noqa: ASYNC109
    return await run_bash(call.workspace, call.tool_call_id, command, timeout)


# --- files --------------------------------------------------------------------------------


def _require_file(path: Path, hint: str) -> None:
    if path.is_dir():
        raise ToolException(f"{path} is a directory, not a file. Use `glob` to list it.")
    if not path.exists():
        raise ToolException(f"File not found: {path}. {hint}")


def _is_binary(path: Path) -> bool:
    with path.open("rb") as f:
        return b"\0" in f.read(SNIFF_BYTES)


def _read(call: _Call, seen: ReadRegistry, path: str, offset: int | None, limit: int) -> str:
    target = call.resolve(path)
    _require_file(target, "Check the path, or use `glob` to find the file.")
    st = target.stat()
    seen.record(call.thread, target, st)
    if _is_binary(target):
        return f"{call.show(target)} is a binary file ({st.st_size} bytes); content not shown."
    first = offset or 1
    shown: list[str] = []
    total = 0
    with target.open("rb") as f:
        for total, raw in enumerate(f, start=1):
            if first <= total < first + limit:
                line = raw.decode("utf-8", errors="replace").rstrip("\n").removesuffix("\r")
                cut = len(line) > MAX_LINE_CHARS
                shown.append(line[:MAX_LINE_CHARS] + (" [line truncated]" if cut else ""))
    if total == 0:
        return f"{call.show(target)} is empty."
    if first > total:
        raise ToolException(f"offset {first} is past the end of {target} ({total} lines).")
    last = first + len(shown) - 1
    text = numbered(shown, first)
    if first > 1 or last < total:
        text += f"\n[Showing lines {first}-{last} of {total}."
        text += f" Call read with offset={last + 1} to continue.]" if last < total else "]"
    return text


def _write(call: _Call, seen: ReadRegistry, mode: int, path: str, content: str) -> str:
    target = call.resolve(path)
    existed = write_file(seen, call.thread, target, content, mode)
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    noun = "line" if lines == 1 else "lines"
    return f"Wrote {lines} {noun} to {call.show(target)}" + ("" if existed else " (new file)")


def _edit(
    call: _Call, seen: ReadRegistry, path: str, old_str: str, new_str: str, replace_all: bool
) -> str:
    target = call.resolve(path)
    _require_file(target, "To create a new file, use `write`.")
    outcome = edit_file(seen, call.thread, target, old_str, new_str, replace_all)
    return describe_edit(call.show(target), outcome)


# --- search -------------------------------------------------------------------------------


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


def _glob_regex(pattern: str) -> re.Pattern[str]:
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


def _walk(base: Path, max_depth: int | None, dirs: bool) -> Iterator[Path]:
    """Files (and directories if `dirs`) under `base`, sorted, skipping SKIP_DIRS."""
    for root, dirnames, filenames in os.walk(base):
        here = Path(root)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        names = sorted([*dirnames, *filenames] if dirs else filenames)
        if max_depth is not None and len(here.relative_to(base).parts) >= max_depth:
            dirnames[:] = []  # the pattern cannot match anything deeper
        yield from (here / name for name in names)


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _glob(call: _Call, pattern: str, path: str | None) -> str:
    base = call.resolve(path) if path else call.workspace
    if not base.is_dir():
        raise ToolException(f"{base} is not a directory. Give a directory as `path`.")
    if pattern.startswith("/"):
        raise ToolException("pattern must be relative; put the directory in `path`.")
    regex = _glob_regex(pattern)
    depth = None if "**" in pattern else pattern.strip("/").count("/")
    hits = [
        p for p in _walk(base, depth, dirs=True) if regex.fullmatch(p.relative_to(base).as_posix())
    ]
    if not hits:
        hint = f" Try '**/{pattern}' to search subdirectories." if depth == 0 else ""
        return f"No files match {pattern!r} in {call.show(base)}.{hint}"
    hits.sort(key=_mtime, reverse=True)
    shown = [call.show(p) + ("/" if p.is_dir() else "") for p in hits[:MAX_RESULTS]]
    more = len(hits) - MAX_RESULTS
    return "\n".join(shown) + (f"\n[{more} more not shown; narrow the pattern]" if more > 0 else "")


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a text file; nothing for binary, huge or unreadable files."""
    try:
        if path.stat().st_size > GREP_MAX_FILE_BYTES or _is_binary(path):
            return
        with path.open("rb") as f:
            for n, raw in enumerate(f, start=1):
                yield n, raw.decode("utf-8", errors="replace").rstrip("\n").removesuffix("\r")
    except OSError:
        return


def _grep(call: _Call, pattern: str, path: str | None, glob: str | None) -> str:
    try:
        regex = re.compile(pattern)
    except re.error as e:
        raise ToolException(
            f"Invalid regular expression {pattern!r}: {e}. grep uses Python `re` syntax; "
            "escape literal characters such as ( [ . * + ? with a backslash."
        ) from e
    base = call.resolve(path) if path else call.workspace
    if not base.exists():
        raise ToolException(f"Path not found: {base}. Check it, or use `glob` to find it.")
    wanted = _glob_regex(glob or "**")
    by_name = bool(glob) and "/" not in glob
    files = [base] if base.is_file() else _walk(base, None, dirs=False)
    matches: list[str] = []
    skipped = 0
    for file in files:
        rel = file.name if by_name else file.relative_to(base).as_posix()
        if file != base and not wanted.fullmatch(rel):
            continue
        if file != base and not file.resolve().is_relative_to(base):
            skipped += 1  # a symlink out of the searched tree: the approval covered `base` only
            continue
        for n, line in _text_lines(file):
            if not regex.search(line):
                continue
            if len(matches) == MAX_RESULTS:
                return "\n".join([*matches, f"[stopped at {MAX_RESULTS} matches; narrow it down]"])
            matches.append(f"{call.show(file)}:{n}:{line[:300]}")
    note = (
        f"\n[skipped {skipped} symlinked file(s) pointing outside {call.show(base)}]"
        if skipped
        else ""
    )
    return ("\n".join(matches) or f"No matches for {pattern!r} in {call.show(base)}.") + note


# --- tools --------------------------------------------------------------------------------


def _in_thread(fn: Callable[..., str], *bound: object) -> Callable[..., Awaitable[str]]:
    """`fn` run off the event loop, with OS errors turned into messages for the model."""

    async def run(call: _Call, **args: Any) -> str:
        try:
            return await asyncio.to_thread(fn, call, *bound, **args)
        except OSError as e:
            where = f" on {e.filename}" if e.filename else ""
            raise ToolException(f"Operating system error{where}: {e.strerror or e}.") from e

    return run


def _default_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _tool(
    name: str, schema: type[BaseModel], run: Callable[..., Awaitable[str]], workspace: Path | None
) -> BaseTool:
    async def coroutine(config: RunnableConfig, **args: Any) -> str:
        # LangChain passes the validated arguments, plus `config` because of its annotation.
        return await run(_Call.from_config(config, workspace), **args)

    return structured_tool(name, schema, coroutine)


def make_local_tools(workspace: Path | None = None) -> list[BaseTool]:
    """bash, read, write, edit, glob and grep; they share one read registry, kept per thread."""
    seen = ReadRegistry()
    specs: list[tuple[str, type[BaseModel], Callable[..., Awaitable[str]]]] = [
        ("bash", BashArgs, _bash),
        ("read", ReadArgs, _in_thread(_read, seen)),
        ("write", WriteArgs, _in_thread(_write, seen, _default_file_mode())),
        ("edit", EditArgs, _in_thread(_edit, seen)),
        ("glob", GlobArgs, _in_thread(_glob)),
        ("grep", GrepArgs, _in_thread(_grep)),
    ]
    return [_tool(name, schema, run, workspace) for name, schema, run in specs]
