"""`ml-intern threads fork ID [--at N] [--workspace DIR]`: a copy of a thread, cut back to its
first N messages, in its own copy of the workspace when asked."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cli.undo_report import listed, report_lines
from tools.safe_tree import copy_tree

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
    skipped: list[str] = []
    if workspace is not None:
        source = Path(info.cwd or session.workspace)
        workspace, skipped = await asyncio.to_thread(
            copy_workspace, source, workspace, session.deps.home
        )
    target = await session.fork(workspace=workspace)
    lines: list[str] = []
    if skipped:
        lines.append(f"Not copied (changed while it was copied): {listed(skipped)}")
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


def copy_workspace(source: Path, target: Path, home: Path) -> tuple[Path, list[str]]:
    """The whole workspace (symlinks as symlinks, no FIFO, socket or device), less the thread
    store if it lives there, into a new or empty folder, copied by descriptor beneath the
    workspace (tools/safe_tree.py: a folder flipped with a link to a host folder is never
    followed); returns where it went and what changed under the copy and was left out."""
    target = target.expanduser().resolve()
    if target.exists() and any(target.iterdir()):
        raise ForkRefused(f"{target} is not empty: give a new folder for the fork's files.")
    try:
        store = os.stat(home)
    except OSError:
        store = None

    def is_store(st: os.stat_result) -> bool:
        return store is not None and (st.st_dev, st.st_ino) == (store.st_dev, store.st_ino)

    return target, copy_tree(source, target, leave_out=is_store)
