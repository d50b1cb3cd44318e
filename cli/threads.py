"""`ml-intern threads`: list, show, fork, undo, delete, export and prune the threads in $ML_INTERN_HOME.

`list` reads the thread index only (no agent runtime); `show`, `delete` and `export`
go through a Session.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from graph.session import Session
    from store.thread_index import ThreadIndex, ThreadInfo

app = typer.Typer(
    help="List, show, fork, undo, delete, export and prune threads.",
    add_completion=False,
    no_args_is_help=True,
)


ID_HELP = "The thread's ID, or enough of its start to tell it apart."


class ExportFormat(StrEnum):
    md = "md"
    jsonl = "jsonl"


def index() -> ThreadIndex:
    from configs.environment import ml_intern_home
    from store.thread_index import ThreadIndex

    return ThreadIndex(ml_intern_home() / "threads.sqlite")


class ThreadNotFound(LookupError):
    """No thread, or several, answer to what the user typed; the message says which."""


def find_thread(threads: ThreadIndex, given: str) -> ThreadInfo:
    """The thread whose id is `given`, or the only one whose id starts with it."""
    if (exact := threads.get(given)) is not None:
        return exact
    found = [t for t in threads.list(limit=ALL) if t.thread_id.startswith(given)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ThreadNotFound(
            f"No thread {given!r}. List threads with: ml-intern threads list --all"
        )
    listed = "\n".join(f"  {t.thread_id}  {t.title}" for t in found[:10])
    more = f"\n  … and {len(found) - 10} more" if len(found) > 10 else ""
    raise ThreadNotFound(
        f"{given!r} starts {len(found)} thread ids; give more of the one you mean:\n{listed}{more}"
    )


ALL = 1_000_000  # every thread: a prefix may match an old one


def require(thread_id: str) -> ThreadInfo:
    """The thread named by its id or a unique prefix, or a clear exit."""
    try:
        return find_thread(index(), thread_id)
    except ThreadNotFound as missing:
        typer.echo(f"ml-intern: {missing}", err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None


def when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


@app.command("list")
def list_threads(
    all_: Annotated[
        bool, typer.Option("--all", help="All threads, not only this directory's.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array, for scripts.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
) -> None:
    """Recent threads, newest first (only those started in this directory unless --all)."""
    from tools.secrets import redact

    found = index().list(cwd=None if all_ else str(Path.cwd().resolve()), limit=limit)
    found = [replace(info, title=redact(info.title)) for info in found]  # titles are prompts
    if as_json:
        typer.echo(json.dumps([asdict(info) for info in found], ensure_ascii=False))
        return
    if not found:
        where = "" if all_ else " in this directory (try --all)"
        typer.echo(f"No threads{where}.")
        return
    for info in found:
        model = info.model or "-"
        typer.echo(f"{info.thread_id}  {when(info.updated_at)}  {model}  {info.title}")


@app.command()
def show(thread_id: Annotated[str, typer.Argument(help=ID_HELP)]) -> None:
    """Print a thread's transcript (markdown, secrets redacted)."""
    info = require(thread_id)
    values = asyncio.run(with_session(info.thread_id, lambda session: session.values()))
    typer.echo(render(info, values, ExportFormat.md), nl=False)


@app.command()
def delete(thread_id: Annotated[str, typer.Argument(help=ID_HELP)]) -> None:
    """Delete a thread: its checkpoints, its index entry and its spilled tool outputs."""
    thread_id = require(thread_id).thread_id
    asyncio.run(with_session(thread_id, lambda session: session.delete()))
    typer.echo(f"Deleted thread {thread_id}.")


@app.command()
def fork(
    thread_id: Annotated[
        str, typer.Argument(help="The thread to copy (its ID or the start of it).")
    ],
    at: Annotated[
        int | None,
        typer.Option("--at", min=0, help="Keep only the first N of your messages (and replies)."),
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            help="Give the fork its own copy of the workspace in this new folder, with the "
            "files as they were at the fork point.",
        ),
    ] = None,
) -> None:
    """Start a new thread from a copy of this one (history, checkpoints); the original stays."""
    from cli.thread_fork import ForkRefused, fork_thread
    from store.thread_lock import ThreadBusyError

    info = require(thread_id)
    try:
        forked, lines = asyncio.run(
            with_session(info.thread_id, lambda s: fork_thread(s, info, at, workspace))
        )
    except (ThreadBusyError, ForkRefused) as refused:
        typer.echo(f"ml-intern: {refused}", err=True)
        code = ExitCode.USAGE_ERROR if isinstance(refused, ForkRefused) else ExitCode.RUNTIME_ERROR
        raise typer.Exit(int(code)) from None
    typer.echo(f"Forked thread {info.thread_id} into {forked}; the original is unchanged.")
    for line in lines:
        typer.echo(line)
    where = f"cd {workspace} && " if workspace else ""
    typer.echo(f"Continue it with: {where}ml-intern --resume {forked}")


@app.command()
def undo(
    thread_id: Annotated[str, typer.Argument(help=ID_HELP)],
    keep_files: Annotated[
        bool, typer.Option("--keep-files", help="Rewind the conversation only; leave the files.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The file report as JSON.")] = False,
) -> None:
    """The REPL's /undo on this thread: back before its last message, files put back.
    Exit 3 when some files were left as they are (changed since, or not writable)."""
    from cli.undo_report import report_lines

    info = require(thread_id)
    event = asyncio.run(
        with_session(info.thread_id, lambda s: s.undo(keep_files=keep_files), folder_of(info))
    )
    if event.type == "error":
        typer.echo(f"ml-intern: {event.data['message']}", err=True)
        busy = event.data.get("kind") == "busy"
        raise typer.Exit(int(ExitCode.RUNTIME_ERROR if busy else ExitCode.USAGE_ERROR))
    files = event.data.get("files") or {}
    if as_json:
        typer.echo(json.dumps({"undone_message": event.data.get("undone_message"), **files}))
    else:
        typer.echo(f"Undone: {event.data.get('undone_message')!r}")
        for line, _style in report_lines(files):
            typer.echo(line)
    if files.get("conflicts") or files.get("failed"):
        raise typer.Exit(UNDO_LEFT_FILES)


UNDO_LEFT_FILES = 3  # `threads undo`: some files were not put back (conflicts, failures)


def folder_of(info: ThreadInfo) -> Path | None:
    """The folder the thread was started in, if it is still there."""
    return Path(info.cwd) if info.cwd and os.path.isdir(info.cwd) else None


@app.command()
def prune(
    thread_id: Annotated[
        str | None, typer.Argument(help="Only this thread (default: every thread).")
    ] = None,
    keep: Annotated[
        int, typer.Option("--keep", min=1, help="Checkpoints to keep per thread, newest first.")
    ] = 20,
) -> None:
    """Drop old checkpoints (undo of the latest turn still works), then compact the database."""
    from store.checkpointer import prune as prune_all
    from store.checkpointer import prune_thread
    from store.database import database_url

    if thread_id is not None:
        thread_id = require(thread_id).thread_id
    contents = (0, 0)
    if thread_id is None:  # file contents only deleted threads used (undo's record)
        from configs.environment import ml_intern_home
        from store.workspace_records import WorkspaceRecords

        with WorkspaceRecords(ml_intern_home() / "threads.sqlite") as records:
            contents = (0, 0) if records.absent() else records.collect_garbage()
    report = prune_all(keep=keep) if thread_id is None else prune_thread(thread_id, keep=keep)
    saved = max(report.bytes_before - report.bytes_after, 0)
    note = (
        "" if report.vacuumed else " (database in use: space is reused but the file did not shrink)"
    )
    if database_url():
        note = " (PostgreSQL reuses the space; VACUUM FULL would give it back to the disk)"
    typer.echo(
        f"Pruned {report.threads} thread(s): {report.checkpoints_deleted} checkpoint(s) and "
        f"{report.messages_deleted} unreferenced message(s) removed, {saved / 1e6:.1f} MB freed{note}."
    )
    if contents[0]:
        typer.echo(f"Removed {contents[0]} file content(s) ({contents[1] / 1e6:.1f} MB) that "
                   "only deleted threads' undo records used.")  # fmt: skip
    if report.busy:
        typer.echo(
            f"Left alone, running now: {', '.join(report.busy)}. Prune them once they finish.",
            err=True,
        )


@app.command()
def export(
    thread_id: Annotated[str, typer.Argument(help=ID_HELP)],
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="md: a readable transcript; jsonl: one JSON object per message "
            "(Claude Code session records).",
        ),
    ] = ExportFormat.md,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Export a thread's transcript; secrets are redacted."""
    info = require(thread_id)
    values = asyncio.run(with_session(info.thread_id, lambda session: session.values()))
    text = render(info, values, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}.", err=True)


def render(info: ThreadInfo, values: dict[str, Any], fmt: ExportFormat) -> str:
    from graph.transcript import to_jsonl, to_markdown

    messages = values.get("messages") or []
    if fmt is ExportFormat.jsonl:
        model = values.get("model") or info.model
        return to_jsonl(messages, thread_id=info.thread_id, model=model, cwd=info.cwd)
    return to_markdown(
        messages, thread_id=info.thread_id, title=info.title, usage=values.get("usage")
    )


# -- reading threads ---------------------------------------------------------


async def with_session[T](
    thread_id: str, action: Callable[[Session], Awaitable[T]], workspace: Path | None = None
) -> T:
    """Run `action` on the thread's Session (settings from the usual config files), in
    `workspace` (default: the current directory)."""
    import configs  # noqa: F401 - before anything imports litellm
    from configs.settings import ConfigError, load_settings
    from graph.session import Session

    try:
        settings = load_settings()
    except ConfigError as error:
        typer.echo(f"ml-intern: {error}", err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
    async with Session.open(settings, thread_id=thread_id, workspace=workspace) as session:
        return await action(session)
