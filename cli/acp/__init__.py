"""`ml-intern acp`: the agent on stdio for editors speaking the Agent Client Protocol (Zed...).

stdout carries the protocol only; every message for a person goes to stderr. Start-up checks
(config, model, key, sandbox) are the CLI's, and fail before the protocol starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.database_option import DB_OPTION, use_database

app = typer.Typer(add_completion=False, rich_markup_mode=None)


@app.command(
    help="Serve the agent to an editor over the Agent Client Protocol on stdin/stdout "
    "(e.g. Zed's agent_servers). Sessions are threads of the same store.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def acp(
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="litellm model id (default from config).")
    ] = None,
    yolo: Annotated[
        bool, typer.Option("--yolo", help="Auto-approve everything except never-auto operations.")
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", metavar="USD", help="Stop when a thread's spend passes this."),
    ] = None,
    max_iterations: Annotated[
        int | None, typer.Option("--max-iterations", min=1, help="Model calls allowed per turn.")
    ] = None,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Run the agent's commands under bubblewrap.")
    ] = False,
    no_stream: Annotated[
        bool, typer.Option("--no-stream", help="Do not stream the model's tokens.")
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", metavar="PATH", help="Extra config file.")
    ] = None,
    db: Annotated[str | None, DB_OPTION] = None,
) -> None:
    from cli.acp.serve import AcpFlags, serve

    use_database(db)
    flags = AcpFlags(
        model=model, yolo=yolo, max_cost=max_cost, max_iterations=max_iterations,
        sandbox=sandbox, no_stream=no_stream, config=config,
    )  # fmt: skip
    raise typer.Exit(serve(flags))
