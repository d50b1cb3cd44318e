"""`ml-intern threads`: list, show, fork, delete, export and prune the threads in $ML_INTERN_HOME.

`list` reads the thread index only (no agent runtime); `show`, `delete` and `export`
go through a Session.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from graph.session import Session
    from graph.thread_index import ThreadIndex, ThreadInfo

T = TypeVar("T")
app = typer.Typer(
    help="List, show, fork, delete, export and prune threads.",
    add_completion=False,
    no_args_is_help=True,
)


class ExportFormat(StrEnum):
    md = "md"
    jsonl = "jsonl"


def index() -> ThreadIndex:
    from configs.environment import ml_intern_home
    from graph.thread_index import ThreadIndex

    return ThreadIndex(ml_intern_home() / "threads.sqlite")


def require(thread_id: str) -> ThreadInfo:
    info = index().get(thread_id)
    if info is None:
        typer.echo(
            f"ml-intern: no thread {thread_id!r}. List them with: ml-intern threads list --all",
            err=True,
        )
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    return info


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
def show(thread_id: Annotated[str, typer.Argument(help="The thread's ID.")]) -> None:
    """Print a thread's transcript (markdown, secrets redacted)."""
    info = require(thread_id)
    values = asyncio.run(with_session(thread_id, lambda session: session.values()))
    typer.echo(render(info, values, ExportFormat.md), nl=False)


@app.command()
def delete(thread_id: Annotated[str, typer.Argument(help="The thread's ID.")]) -> None:
    """Delete a thread: its checkpoints, its index entry and its spilled tool outputs."""
    require(thread_id)
    asyncio.run(with_session(thread_id, lambda session: session.delete()))
    typer.echo(f"Deleted thread {thread_id}.")


@app.command()
def fork(thread_id: Annotated[str, typer.Argument(help="The thread to copy.")]) -> None:
    """Start a new thread from a copy of this one (history, checkpoints); the original stays."""
    from graph.thread_lock import ThreadBusyError

    require(thread_id)
    try:
        forked = asyncio.run(with_session(thread_id, lambda session: session.fork()))
    except ThreadBusyError as busy:
        typer.echo(f"ml-intern: {busy}", err=True)
        raise typer.Exit(int(ExitCode.RUNTIME_ERROR)) from None
    typer.echo(f"Forked thread {thread_id} into {forked}; the original is unchanged.")
    typer.echo(f"Continue it with: ml-intern --resume {forked}")


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
    from graph.store import prune as prune_all
    from graph.store import prune_thread

    if thread_id is not None:
        require(thread_id)
    report = prune_all(keep=keep) if thread_id is None else prune_thread(thread_id, keep=keep)
    saved = max(report.bytes_before - report.bytes_after, 0)
    note = (
        "" if report.vacuumed else " (database in use: space is reused but the file did not shrink)"
    )
    typer.echo(
        f"Pruned {report.threads} thread(s): {report.checkpoints_deleted} checkpoint(s) and "
        f"{report.messages_deleted} unreferenced message(s) removed, {saved / 1e6:.1f} MB freed{note}."
    )


@app.command()
def export(
    thread_id: Annotated[str, typer.Argument(help="The thread's ID.")],
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
    values = asyncio.run(with_session(thread_id, lambda session: session.values()))
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


async def with_session(thread_id: str, action: Callable[[Session], Awaitable[T]]) -> T:
    """Run `action` on the thread's Session (settings from the usual config files)."""
    import configs  # noqa: F401 - before anything imports litellm
    from configs.settings import ConfigError, load_settings
    from graph.session import Session

    try:
        settings = load_settings()
    except ConfigError as error:
        typer.echo(f"ml-intern: {error}", err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
    async with Session.open(settings, thread_id=thread_id) as session:
        return await action(session)
