"""Small checks the file tools share: is it a file, is it binary, run it off the event loop."""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException

from tools.call_context import CallContext
from tools.editor_files import EditorFiles
from tools.places import Access, SecretMap, Walls, editor_serves, refusal, secret_map
from tools.result_texts import tool_text
from tools.result_texts.files import IS_FOLDER, NO_FILE, ON_FILE, OS_ERROR, THROUGH_LINK, UNSAFE
from tools.safe_paths import (
    RegularFile,
    UnsafePath,
    lstat_at,
    regular_file,
    relative_anchor,
)

SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Place:
    """Where a file tool works: the resolved `target` (what approvals and messages name) and
    the same file as `rel` beneath a trusted `anchor`, opened only through tools/safe_paths.py
    (no symlink followed after the approval's resolution)."""

    target: Path
    anchor: Path
    rel: str


def place_of(call: CallContext, path: str, access: Access, walls: Walls | None) -> Place:
    """`path` for this call (see `confined`). A path named inside the workspace is taken as
    named, beneath the workspace: when a part of it is a symlink the call is refused with the
    real path to use instead (which the approval then judges on its own), so a link the agent
    planted, or a folder swapped for one while the call runs, is never followed."""
    target = confined(call, path, access, walls)
    workspace = call.workspace
    named = Path(os.path.normpath(workspace / Path(path).expanduser()))
    if named.is_relative_to(workspace) and named != target:
        shown = call.show(named)
        raise ToolException(tool_text("files", THROUGH_LINK, path=shown, target=target))
    anchor, rel = relative_anchor(target, workspace)
    return Place(target, anchor, rel)


def require_file(place: Place, hint: str) -> None:
    """A ToolException unless a regular file is at `place` (see `opened_file`)."""
    with opened_file(place, hint, None):
        pass


def is_folder(place: Place) -> bool:
    """True when a real folder (not a link to one) is at `place` now."""
    try:
        st = lstat_at(place.anchor, place.rel)
    except OSError:
        return False
    return st is not None and stat.S_ISDIR(st.st_mode)


@contextmanager
def opened_file(place: Place, hint: str, limit: int | None) -> Iterator[RegularFile]:
    """The regular file at `place`, opened once (non-blocking, no link followed) and checked
    on that descriptor; a folder, a missing file, a FIFO, a device or a file over `limit`
    bytes is a ToolException saying so."""
    try:
        with regular_file(place.anchor, place.rel, limit) as file:
            yield file
    except FileNotFoundError:
        raise ToolException(tool_text("files", NO_FILE, path=place.target, hint=hint)) from None
    except UnsafePath as error:
        if error.errno == errno.EISDIR:
            raise ToolException(tool_text("files", IS_FOLDER, path=place.target)) from None
        raise ToolException(unsafe(place, error)) from None


def unsafe(place: Place, error: OSError) -> str:
    """What a file tool answers when tools/safe_paths.py refused `place`."""
    return tool_text("files", UNSAFE, path=place.target, error=error.strerror)


def confined(call: CallContext, path: str, access: Access, walls: Walls | None) -> Path:
    """`path` resolved for this call; a ToolException when the sandbox's walls refuse it
    (tools/places.py), whatever the approval said."""
    target = call.resolve(path)
    reason = refusal(target, call.workspace, access, walls)
    if reason is not None:
        raise ToolException(reason)
    return target


def editor_for(
    call: CallContext, target: Path, access: Access, walls: Walls | None
) -> EditorFiles | None:
    """The editor that serves this `access` to the resolved `target`, or None for the disk;
    decided here, before the editor hears of the path (tools/places.py `editor_serves`)."""
    editor = call.editor
    if editor is None or not (editor.reads if access == "read" else editor.writes):
        return None
    return editor if editor_serves(target, call.workspace, walls) else None


def secret_filter(call: CallContext, walls: Walls | None) -> Callable[[Path], bool]:
    """For a search's walk: True for a path it must neither enter nor show (a credential
    place, a file named like one, or a link to one). The places are resolved on the first
    question (a command whose output names no file asks none)."""
    secrets: list[SecretMap] = []

    def hidden(path: Path) -> bool:
        if path.is_symlink():
            try:
                path = path.resolve()
            except (OSError, RuntimeError):
                return True
        if not secrets:
            secrets.append(secret_map(call.workspace, walls))
        return secrets[0].covers(path)

    return hidden


def is_binary(file: RegularFile) -> bool:
    return b"\0" in file.read(SNIFF_BYTES)


def off_loop[Result](fn: Callable[..., Result], *bound: object) -> Callable[..., Awaitable[Result]]:
    """`fn(call, *bound, **args)` run in a worker thread, OS errors turned into messages."""

    async def run(call: CallContext, **args: Any) -> Result:
        try:
            return await asyncio.to_thread(fn, call, *bound, **args)
        except OSError as e:
            where = tool_text("files", ON_FILE, path=e.filename) if e.filename else ""
            error = e.strerror or e
            raise ToolException(tool_text("files", OS_ERROR, where=where, error=error)) from e

    return run


def outside_workspace(verb: str) -> Callable[[Any], str]:
    """How an approval describes a file tool's call: it only asks outside the workspace."""

    def describe(args: Any) -> str:
        return f"{verb} {args.get('path')} (outside the workspace)"

    return describe


def named_path(args: Mapping[str, Any]) -> list[str]:
    """The one file a `write` or `edit` call changes (its workspace record)."""
    path = args.get("path")
    return [path] if isinstance(path, str) else []
