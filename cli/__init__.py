"""The `ml-intern` command: options, and dispatch to headless mode, the REPL or `threads`.

Only typer is imported at module level: `ml-intern --help` and `--version` must stay fast,
so everything heavy (litellm, langchain, langgraph, rich rendering) is imported by the
code path that needs it.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.database_option import DB_OPTION, use_database
from cli.exit_codes import EPILOG


class Effort(StrEnum):
    minimal = "minimal"
    low = "low"
    medium = "medium"
    high = "high"


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    stream_json = "stream-json"


HELP = """An autonomous ML-engineering agent for your terminal.

With PROMPT (or "-" to read it from stdin) the agent runs one turn headless and exits;
without one, in a terminal, it opens the interactive REPL (type /help there).

Threads: ml-intern threads list [--all] [--json] | show ID | delete ID | export ID
  --format md|jsonl | prune [ID] [--keep N]
(see: ml-intern threads --help).

Studio: ml-intern studio [--port 2024] [--host 127.0.0.1] serves this directory to
LangGraph Studio on the same threads. Web UI: ml-intern web [--port 7860] [--host 127.0.0.1]
[--token T] (a token is required off loopback); a team server on Aegra: ml-intern web
--db URL --redis URL on each replica, ml-intern worker --db URL --redis URL for more workers.

Config: ml-intern config trust PATH lets a config file in the workspace (or named by its
.env) start MCP servers, open the walls or switch rules off, until the file changes.

Editors: ml-intern acp [--model M] [--yolo] serves the Agent Client Protocol on stdio
(Zed's agent_servers and other ACP clients; see: ml-intern acp --help).
"""

app = typer.Typer(add_completion=False, rich_markup_mode=None)


@app.command(help=HELP, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
def run(
    prompt: Annotated[
        str | None,
        typer.Argument(
            help='Task for a headless run; "-" reads it from stdin.',
            metavar="PROMPT",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="litellm model id, e.g. anthropic/claude-sonnet-4-5-20250929 or openai/<name> "
            "(with OPENAI_API_BASE for an OpenAI-compatible server). Default from config.",
        ),
    ] = None,
    max_iterations: Annotated[
        int | None,
        typer.Option("--max-iterations", min=1, help="Model calls allowed per turn (default 300)."),
    ] = None,
    no_stream: Annotated[
        bool, typer.Option("--no-stream", help="Do not stream the model's tokens.")
    ] = False,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            "-r",
            metavar="THREAD_ID",
            help="Reopen a thread (REPL, or headless with PROMPT / --headless).",
        ),
    ] = None,
    continue_: Annotated[
        bool,
        typer.Option(
            "--continue", "-c", help="Reopen the most recent thread started in this directory."
        ),
    ] = False,
    thread_id: Annotated[
        str | None,
        typer.Option("--thread-id", metavar="ID", help="Name a new thread (for scripts)."),
    ] = None,
    headless: Annotated[
        bool,
        typer.Option(
            "--headless",
            help="Headless even without PROMPT (with --resume: finish pending work, exit).",
        ),
    ] = False,
    yolo: Annotated[
        bool,
        typer.Option("--yolo", help="Auto-approve everything except never-auto operations."),
    ] = False,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--output-format", help="Headless output: text, json or stream-json."),
    ] = OutputFormat.text,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", metavar="USD", help="Stop when the thread's spend passes this."),
    ] = None,
    max_job_cost: Annotated[
        float | None,
        typer.Option(
            "--max-job-cost",
            metavar="USD",
            help="Budget for paid Jobs' worst case (price x timeout) per thread (default 10).",
        ),
    ] = None,
    effort: Annotated[
        Effort | None,
        typer.Option("--effort", help="Reasoning effort for models that take one."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", metavar="PATH", help="Extra config file (same as ML_INTERN_CLI_CONFIG)."
        ),
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Run the agent's commands under bubblewrap: workspace writable, no network.",
        ),
    ] = False,
    db: Annotated[str | None, DB_OPTION] = None,
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    if version:
        from importlib.metadata import version as dist_version

        typer.echo(f"ml-intern {dist_version('ml-intern')}")
        return
    from cli.launch import Flags, launch

    use_database(db)
    flags = Flags(
        prompt=prompt,
        model=model,
        max_iterations=max_iterations,
        no_stream=no_stream,
        resume=resume,
        continue_=continue_,
        thread_id=thread_id,
        headless=headless,
        yolo=yolo,
        output_format=output_format.value,
        max_cost=max_cost,
        max_job_cost=max_job_cost,
        config=config,
        sandbox=sandbox,
        effort=effort.value if effort else None,
    )
    raise typer.Exit(launch(flags))


def main() -> None:
    """Console-script entry: `threads ...` goes to its own sub-app, everything else to `run`."""
    from cli.startup_heap import freeze_for_exit

    try:
        dispatch(sys.argv[1:])
    finally:
        freeze_for_exit()


def dispatch(argv: list[str]) -> None:
    if argv[:1] == ["threads"]:
        from cli.threads import app as threads_app

        threads_app(args=argv[1:], prog_name="ml-intern threads")
    elif argv[:1] == ["experiments"]:
        from cli.experiments import run as experiments

        experiments(argv[1:])
    elif argv[:1] == ["models"]:
        from cli.models import app as models_app

        models_app(args=argv[1:], prog_name="ml-intern models")
    elif argv[:1] == ["config"]:
        from cli.config_command import app as config_app

        config_app(args=argv[1:], prog_name="ml-intern config")
    elif argv[:1] == ["studio"]:
        from cli.studio import app as studio_app

        studio_app(args=argv[1:], prog_name="ml-intern studio")
    elif argv[:1] == ["acp"]:
        from cli.acp import app as acp_app

        acp_app(args=argv[1:], prog_name="ml-intern acp")
    elif argv[:1] == ["web"]:
        from cli.web import app as web_app

        web_app(args=argv[1:], prog_name="ml-intern web")
    elif argv[:1] == ["worker"]:
        from cli.worker import app as worker_app

        worker_app(args=argv[1:], prog_name="ml-intern worker")
    else:
        app(prog_name="ml-intern")
