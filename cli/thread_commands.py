"""The REPL's slash commands about threads: list, switch (by id, prefix or a picker), fork, new."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from rich.console import Console

    from graph.session import Session
    from store.thread_index import ThreadInfo


class Repl(Protocol):
    """What these commands use of the REPL (cli/repl.py)."""

    console: Console
    session: Session | None
    home: Path
    thread_id: str | None
    approvals: PromptSession[str]

    async def switch_to(self, thread_id: str | None) -> None: ...


async def threads(repl: Repl, _argument: str) -> None:
    from store.thread_index import ThreadIndex
    from tools.secrets import redact

    found = ThreadIndex(repl.home / "threads.sqlite").list(limit=15)
    if not found:
        repl.console.print("No threads yet.")
        return
    table = Table(box=None, padding=(0, 2))
    for column in ("", "thread", "updated", "title"):
        table.add_column(column)
    for info in found:
        mark = "*" if info.thread_id == repl.thread_id else ""
        table.add_row(mark, info.thread_id, ago(info.updated_at), redact(info.title))
    repl.console.print(table)
    repl.console.print(
        Text("Switch with /resume ID (or its start), or /resume to pick.", style="dim")
    )


async def resume(repl: Repl, argument: str) -> None:
    """/resume ID (or the start of it) switches; /resume alone offers the recent threads."""
    from cli.threads import ThreadNotFound, find_thread
    from store.thread_index import ThreadIndex

    with ThreadIndex(repl.home / "threads.sqlite") as index:
        if not argument and (argument := await pick_thread(repl, index.list(limit=PICKS))) is None:
            return
        try:
            thread_id = find_thread(index, argument).thread_id
        except ThreadNotFound as missing:
            repl.console.print(Text(str(missing), style="yellow"))
            return
    await repl.switch_to(thread_id)


PICKS = 15


async def pick_thread(repl: Repl, found: list[ThreadInfo]) -> str | None:
    """Number the recent threads and ask which one; None when the user picks nothing."""
    from tools.secrets import redact

    others = [info for info in found if info.thread_id != repl.thread_id]
    if not others:
        repl.console.print(Text("No other thread to resume yet.", style="yellow"))
        return None
    table = Table(box=None, padding=(0, 2))
    for column in ("#", "thread", "updated", "model", "title"):
        table.add_column(column)
    for number, info in enumerate(others, start=1):
        when = ago(info.updated_at)
        table.add_row(str(number), info.thread_id, when, info.model, redact(info.title))
    repl.console.print(table)
    try:
        reply = await repl.approvals.prompt_async("Resume which? (number or id, Enter: none) › ")
    except (KeyboardInterrupt, EOFError):
        reply = ""
    reply = reply.strip()
    if reply.isdigit() and 1 <= int(reply) <= len(others):
        return others[int(reply) - 1].thread_id
    return reply or None


async def fork(repl: Repl, _argument: str) -> None:
    from store.thread_lock import ThreadBusyError

    if repl.session is None or not await repl.session.exists():
        repl.console.print(Text("Nothing to fork yet: send a message first.", style="yellow"))
        return
    original = repl.session.thread_id
    try:
        forked = await repl.session.fork()
    except ThreadBusyError as busy:
        repl.console.print(Text(str(busy), style="yellow"))
        return
    await repl.switch_to(forked)
    repl.console.print(
        Text(f"Forked thread {original} into {forked}; the original is unchanged.", style="green")
    )


async def new(repl: Repl, _argument: str) -> None:
    await repl.switch_to(None)
    repl.console.print(Text("New thread: your next message starts it.", style="green"))


def ago(timestamp: float) -> str:
    seconds = max(0, int(time.time() - timestamp))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"
