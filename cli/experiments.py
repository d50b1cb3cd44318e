"""`ml-intern experiments`: a thread's runs as a table (or JSON), and two runs compared.

ml-intern experiments [THREAD_ID] [--json]     the runs of a thread (default: the latest
                                               thread started in this directory)
ml-intern experiments compare A B [--thread T] what differs between two runs, and their
                                               metrics side by side
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from store.experiments import Experiment

THREAD_HELP = "The thread's ID (or a unique start of it); default: the latest one here."
list_app = typer.Typer(add_completion=False, help="The runs a thread launched.")
compare_app = typer.Typer(add_completion=False, help="Compare two runs of a thread.")


def fail(message: str) -> typer.Exit:
    typer.echo(f"ml-intern: {message}", err=True)
    return typer.Exit(int(ExitCode.USAGE_ERROR))


def thread_of(given: str | None) -> str:
    """The thread named (by id or prefix), else the latest one started in this directory."""
    from cli.threads import ThreadNotFound, find_thread, index

    threads = index()
    if given:
        try:
            return find_thread(threads, given).thread_id
        except ThreadNotFound as missing:
            raise fail(str(missing)) from None
    latest = threads.latest(str(Path.cwd().resolve()))
    if latest is None:
        raise fail("No thread was started in this directory; name one: ml-intern experiments ID")
    return latest.thread_id


def runs_of(thread_id: str, *, series: bool) -> list[Experiment]:
    from configs.environment import ml_intern_home
    from graph.thread_runs import thread_runs

    db = ml_intern_home() / "threads.sqlite"
    return asyncio.run(thread_runs(db, thread_id, series=series))


@list_app.command()
def experiments(
    thread_id: Annotated[str | None, typer.Argument(help=THREAD_HELP)] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="The runs with their metric series, as JSON.")
    ] = False,
) -> None:
    """A thread's runs: status, duration, cost and the main metric's final value."""
    from graph.experiment_report import table

    thread = thread_of(thread_id)
    runs = runs_of(thread, series=as_json)
    if as_json:
        typer.echo(json.dumps({"thread_id": thread, "experiments": [r.to_json() for r in runs]}))
        return
    typer.echo(f"thread {thread}")
    typer.echo(table(runs, spark=True))


@compare_app.command()
def compare(
    a: Annotated[str, typer.Argument(help="A run: its number, id, name or job id.")],
    b: Annotated[str, typer.Argument(help="The other run.")],
    thread_id: Annotated[str | None, typer.Option("--thread", help=THREAD_HELP)] = None,
) -> None:
    """What differs between two runs (arguments, script, data, hardware) and their metrics."""
    from graph.experiment_report import compare as compared
    from store.experiments import find_run

    runs = runs_of(thread_of(thread_id), series=True)
    try:
        typer.echo(compared(find_run(a, runs), find_run(b, runs)))
    except LookupError as missing:
        raise fail(str(missing)) from None


def run(argv: list[str]) -> None:
    """`compare ...` goes to its own command; anything else lists a thread's runs."""
    if argv[:1] == ["compare"]:
        compare_app(args=argv[1:], prog_name="ml-intern experiments compare")
    else:
        list_app(args=argv, prog_name="ml-intern experiments")


async def repl_command(repl: Any, argument: str) -> None:
    """`/experiments` (the table with a sparkline per run) and `/experiments compare A B`."""
    from rich.text import Text

    from graph import experiment_report as report
    from graph.thread_runs import thread_runs
    from store.experiments import find_run

    thread = repl.session.thread_id if repl.session is not None else repl.thread_id
    if not thread:
        repl.console.print("No experiments yet: the runs this thread launches appear here.")
        return
    words = argument.split()
    runs = await thread_runs(repl.home / "threads.sqlite", thread, series=bool(words))
    if words[:1] == ["compare"] and len(words) == 3:
        try:
            text = report.compare(find_run(words[1], runs), find_run(words[2], runs))
        except LookupError as missing:
            text = str(missing)
    elif words:
        text = "Usage: /experiments, or /experiments compare A B (run numbers or ids)."
    else:
        text = report.table(runs, spark=True)
    repl.console.print(Text(text))
