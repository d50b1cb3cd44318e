"""`ml-intern worker --db URL --redis URL [--jobs N]`: runs for the team server, no page.

A worker is an Aegra process like a replica (cli/team_server.py), bound to a free loopback
port of its own: it claims runs from the Redis queue, runs up to N of them at once, and
streams their events through Redis to whichever replica a person is connected to. Where people
sign in, a run uses its person's Hub token, read from the sign-in store every process of the
team server shares (serve/sign_in_sessions.py), with the keys derived from the same
OAUTH_CLIENT_SECRET (or ML_INTERN_SESSION_SECRET) the replicas have. Ctrl-C
stops it; its runs go back to the queue for another worker after their leases end.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from cli.database_option import DB_OPTION, use_database
from cli.exit_codes import ExitCode
from cli.server_address import free_port
from cli.studio import MODEL_OPTION, model_env, runs_at_once, say_walls_warning, serve
from cli.team_server import TeamReplica, secret_problem
from cli.web import (
    REDIS_ENV,
    REDIS_OPTION,
    SIGN_IN_ENV,
    TEAM_NEEDS_DB,
    blocking_checks,
    signs_in_with_hf,
    write_web_config,
)

app = typer.Typer(add_completion=False)
NEEDS_REDIS = (
    "ml-intern worker: a worker runs the team server's runs and needs the team server's queue: "
    "pass --redis redis://host:6379/0, the URL its replicas were given (or set "
    "ML_INTERN_REDIS_URL). Without a team server, `ml-intern web` runs its own runs."
)


@app.command()
def worker(
    db: Annotated[str | None, DB_OPTION] = None,
    redis: Annotated[str | None, REDIS_OPTION] = None,
    jobs: Annotated[
        int | None,
        typer.Option(min=1, help="Runs at once (default: the config's server.runs_at_once)."),
    ] = None,
    model: Annotated[str | None, MODEL_OPTION] = None,
) -> None:
    """Run the team server's runs with this directory as the agent's workspace."""
    use_database(db)
    from configs.environment import ml_intern_home
    from store.database import database_url

    redis = redis or os.environ.get(REDIS_ENV)
    database = database_url()
    if not redis or not database:
        typer.echo(TEAM_NEEDS_DB if redis else NEEDS_REDIS, err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    if problem := secret_problem("worker"):
        typer.echo(problem, err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    cwd = Path.cwd().resolve()
    say_walls_warning("worker")

    def announce(url: str, _count: int) -> list[str]:
        return [f"ml-intern worker: running team-server runs in {cwd} (control: {url})"]

    config = write_web_config(ml_intern_home() / "worker")
    # Where people sign in, their runs are theirs here too (their folders, no shared token).
    signed = SIGN_IN_ENV if signs_in_with_hf() else {}
    extra = {**model_env(model), **blocking_checks(), **signed}
    # Nobody drives a worker over HTTP: its loopback API is closed with a token no one holds
    # (it would run commands for anyone on this machine otherwise).
    extra["ML_INTERN_WEB_TOKEN"] = secrets.token_urlsafe(32)
    replica = TeamReplica(database=database, redis=redis, workers=1)
    serve(config, host="127.0.0.1", port=free_port(), announce=announce, extra_env=extra,
          register=False, jobs=jobs or runs_at_once(), servers=replica)  # fmt: skip
