"""The `ml-intern` command (placeholder until the CLI issue lands): help and version only."""

from __future__ import annotations

import typer

app = typer.Typer(help="ml-intern: an autonomous ML-engineering agent for your terminal.", add_completion=False)


@app.command()
def main_command(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        from importlib.metadata import version as dist_version

        typer.echo(f"ml-intern {dist_version('ml-intern')}")


def main() -> None:
    app()
