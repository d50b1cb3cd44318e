"""Small checks the file tools share: is it a file, is it binary, run it off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException

from tools.call_context import CallContext
from tools.editor_files import EditorFiles
from tools.places import Access, SecretMap, Walls, editor_serves, refusal

SNIFF_BYTES = 8192


def require_file(path: Path, hint: str) -> None:
    if path.is_dir():
        raise ToolException(f"{path} is a directory, not a file. Use `glob` to list it.")
    if not path.exists():
        raise ToolException(f"File not found: {path}. {hint}")


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
    place, a file named like one, or a link to one)."""
    secrets = SecretMap(call.workspace, walls)

    def hidden(path: Path) -> bool:
        if path.is_symlink():
            try:
                path = path.resolve()
            except (OSError, RuntimeError):
                return True
        return secrets.covers(path)

    return hidden


def is_binary(path: Path) -> bool:
    with path.open("rb") as f:
        return b"\0" in f.read(SNIFF_BYTES)


def off_loop(fn: Callable[..., str], *bound: object) -> Callable[..., Awaitable[str]]:
    """`fn(call, *bound, **args)` run in a worker thread, OS errors turned into messages."""

    async def run(call: CallContext, **args: Any) -> str:
        try:
            return await asyncio.to_thread(fn, call, *bound, **args)
        except OSError as e:
            where = f" on {e.filename}" if e.filename else ""
            raise ToolException(f"Operating system error{where}: {e.strerror or e}.") from e

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
