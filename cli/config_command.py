"""`ml-intern config trust PATH`: let a workspace config file loosen what it sets.

ml-intern config trust ./ml-intern.json    trust the file as it is now (its SHA-256)

A config file the agent could have written (in the workspace, or named by the workspace's
`.env`) may only tighten until the user trusts it (configs/trust.py); the trust is kept in
the user's config folder and ends when the file changes. The REPL asks the same question
once (`ask_on_terminal`); headless runs and ACP refuse and name this command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.exit_codes import ExitCode

app = typer.Typer(add_completion=False, help="Trust a workspace config file.")


@app.callback()
def config() -> None:
    """Trust a workspace config file."""


@app.command()
def trust(
    path: Annotated[Path, typer.Argument(help="The config file to trust as it is now.")],
) -> None:
    """Record the file's SHA-256 as trusted (in ~/.config/ml-intern): it may then start MCP
    servers, open the walls or switch rules off, until it changes."""
    from configs.trust import record_trust, store_path

    try:
        data = path.read_bytes()
    except OSError as error:
        typer.echo(f"ml-intern: cannot read {path}: {error.strerror}. Check the path.", err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
    record_trust(path, data)
    typer.echo(f"Trusted {path.resolve()} as it is now (recorded in {store_path()}).")


def ask_on_terminal(question: str) -> bool:
    """The REPL's question before a workspace config loosens anything: True on y/yes."""
    print(f"ml-intern: {question}", file=sys.stderr)
    try:
        answer = input("Trust this file as it is now? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}
