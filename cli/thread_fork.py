"""`ml-intern threads fork ID [--at N] [--workspace DIR]`: a copy of a thread, cut back to its
first N messages, in its own copy of the workspace when asked."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from cli.undo_report import report_lines

if TYPE_CHECKING:
    from graph.session import Session
    from store.thread_index import ThreadInfo


class ForkRefused(ValueError):
    """The fork cannot be made as asked (the folder exists, N is past the end)."""


async def fork_thread(
    session: Session, info: ThreadInfo, at: int | None, workspace: Path | None
) -> tuple[str, list[str]]:
    """The fork's id and what to tell the user about its files."""
    from graph.session import Session
    from models.messages import is_user_message

    asked = sum(1 for m in await session.messages() if is_user_message(m))
    if at is not None and at > asked:
        raise ForkRefused(f"--at {at}: the thread has only {asked} message(s) of yours.")
    if workspace is not None:
        source = Path(info.cwd or session.workspace)
        workspace = await asyncio.to_thread(copy_workspace, source, workspace, session.deps.home)
    target = await session.fork(workspace=workspace)
    lines: list[str] = []
    if at is None:
        return target, lines
    async with Session.open(
        session.settings, thread_id=target, workspace=workspace or session.workspace
    ) as forked:
        while sum(1 for m in await forked.messages() if is_user_message(m)) > at:
            event = await forked.undo(keep_files=workspace is None)
            lines += [line for line, _ in report_lines(event.data.get("files"))]
    if workspace is None:
        lines = ["Files left as they are: give --workspace DIR for a copy at the fork point."]
    return target, lines


def copy_workspace(source: Path, target: Path, home: Path) -> Path:
    """The whole workspace (symlinks as symlinks), less the thread store if it lives there,
    into a new or empty folder; returns where it went."""
    target = target.expanduser().resolve()
    if target.exists() and any(target.iterdir()):
        raise ForkRefused(f"{target} is not empty: give a new folder for the fork's files.")
    skip = home.resolve()

    def ignore(folder: str, names: list[str]) -> list[str]:
        """The thread store, and FIFOs, sockets and devices (the agent can plant them; a
        FIFO made the whole copy fail)."""
        return [n for n in names if (Path(folder) / n).resolve() == skip or _special(folder, n)]

    shutil.copytree(source, target, symlinks=True, ignore=ignore, dirs_exist_ok=True)
    return target


def _special(folder: str, name: str) -> bool:
    try:
        mode = os.lstat(os.path.join(folder, name)).st_mode
    except OSError:
        return True
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))
