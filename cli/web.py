"""`ml-intern web`: the agent in your browser, on this directory and the CLI's threads.

Like `ml-intern studio` (same server, same threads, its files under `$ML_INTERN_HOME/web`),
plus the page from `serve/app.py`, mounted through langgraph.json's `"http": {"app"}`.
Binding beyond loopback needs an access token (`ML_INTERN_WEB_TOKEN` or `--token-file`;
never on the command line, where `ps` shows it): the page
can run commands on this machine. On a Hugging Face Space with `hf_oauth: true` (the Space
sets OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET and OPENID_PROVIDER_URL) people sign in with
Hugging Face instead: serve/oauth.py signs them in, serve/auth.py keeps each
person's threads their own, and each run uses its person's token. Ctrl-C stops it.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from cli.database_option import DB_OPTION, use_database
from cli.exit_codes import ExitCode
from cli.server_address import is_loopback
from cli.studio import (
    CHECK_BLOCKING_ENV,
    MODEL_OPTION,
    PACKAGE_ROOT,
    Servers,
    model_env,
    runs_at_once,
    say_walls_warning,
    serve,
    write_config,
)
from cli.team_server import TeamReplica, secret_problem

app = typer.Typer(add_completion=False)
NEEDS_TOKEN = (
    "ml-intern web: refusing to serve on {host} without an access token: anyone who can "
    "reach this address could run commands in {cwd}. Set ML_INTERN_WEB_TOKEN (for example "
    "ML_INTERN_WEB_TOKEN={example}) or pass --token-file FILE, or bind to 127.0.0.1."
)
ARGV_TOKEN = (
    "ml-intern web: --token is not accepted: a token on the command line is visible to "
    "everyone on this machine (ps). Set ML_INTERN_WEB_TOKEN, or put the token in a file "
    "and pass --token-file FILE."
)


OAUTH_VARIABLES = ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OPENID_PROVIDER_URL")
# The server's environment when people sign in: no shared token anywhere (each run uses its
# person's own), and no access token (sign-in replaces it).
SIGN_IN_ENV = {"ML_INTERN_WEB_AUTH": "oauth", "ML_INTERN_WEB_TOKEN": "", "HF_TOKEN": ""}


def signs_in_with_hf(env: Mapping[str, str] | None = None) -> bool:
    """True on a Space with `hf_oauth: true`, which sets these variables."""
    env = os.environ if env is None else env
    return all(env.get(name) for name in OAUTH_VARIABLES)


def write_web_config(directory: Path, *, sign_in: bool = False) -> Path:
    """Studio's langgraph.json plus the web app, by absolute path; with `sign_in`, the
    per-person authorization of serve/auth.py (Studio's own sign-in off)."""
    path = write_config(directory)
    config = json.loads(path.read_text())
    if sign_in:
        auth = f"{PACKAGE_ROOT / 'serve' / 'auth.py'}:auth"
        config["auth"] = {"path": auth, "disable_studio_auth": True}
    config["http"] = {"app": f"{PACKAGE_ROOT / 'serve' / 'app.py'}:app"}
    # Studio's graph, holding the thread's lock while a run executes (as the CLI does).
    config["graphs"]["ml_intern"] = "serve.web_graph:make_graph"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def read_token(token_file: Path | None) -> str | None:
    """The access token: from `--token-file` (its first line), else ML_INTERN_WEB_TOKEN;
    never from the command line, where `ps` shows it to everyone on the machine."""
    if token_file is None:
        return os.environ.get("ML_INTERN_WEB_TOKEN") or None
    try:
        lines = token_file.read_text().splitlines()
    except OSError as error:
        typer.echo(
            f"ml-intern web: cannot read --token-file {token_file}: {error.strerror}", err=True
        )
        raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
    token = lines[0].strip() if lines else ""
    if not token:
        typer.echo(
            f"ml-intern web: --token-file {token_file} is empty; put the token on its first line.",
            err=True,
        )
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    return token


@app.command()
def web(
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free port).")] = 7860,
    host: Annotated[
        str, typer.Option(help="Interface to bind (loopback by default).")
    ] = "127.0.0.1",
    token_file: Annotated[
        Path | None,
        typer.Option(
            help="File whose first line is the access token the page must present "
            "(or set ML_INTERN_WEB_TOKEN)."
        ),
    ] = None,
    token: Annotated[str | None, typer.Option(hidden=True)] = None,
    model: Annotated[str | None, MODEL_OPTION] = None,
    db: Annotated[str | None, DB_OPTION] = None,
    workers: Annotated[int | None, typer.Option(hidden=True)] = None,
    redis: Annotated[str | None, REDIS_OPTION] = None,
    runs: Annotated[
        bool,
        typer.Option(
            help="Team server only: run the team's runs here too; --no-runs serves the page "
            "and the API, and `ml-intern worker` processes run them."
        ),
    ] = True,
) -> None:
    """Serve the web UI with this directory as the agent's workspace."""
    use_database(db)
    from configs.environment import ml_intern_home

    if token is not None:
        typer.echo(ARGV_TOKEN, err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    say_config_warnings()
    say_walls_warning("web")
    if workers is not None:
        typer.echo(NO_WORKERS, err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    token = read_token(token_file)
    team = team_replica(redis or os.environ.get(REDIS_ENV), runs=runs)
    chosen = model_env(model)
    cwd = Path.cwd().resolve()
    if signs_in_with_hf():
        serve_signed_in(cwd, host=host, port=port, extra_env=chosen, servers=team)
        return
    if not token and not is_loopback(host):
        example = secrets.token_urlsafe(16)
        typer.echo(NEEDS_TOKEN.format(host=host, cwd=cwd, example=example), err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))

    def announce(url: str, count: int) -> list[str]:
        page = f"{url}/?token={token}" if token else f"{url}/"
        return [f"ml-intern web: serving {cwd} ({count} threads)", f"Open: {page}"]

    config = write_web_config(ml_intern_home() / "web")
    extra = {"ML_INTERN_WEB_TOKEN": token or "", "ML_INTERN_WEB_AUTH": "", **chosen}
    extra |= blocking_checks()
    serve(config, host=host, port=port, announce=announce, token=token, extra_env=extra,
          jobs=runs_at_once() if team else web_jobs(), servers=team)  # fmt: skip


REDIS_ENV = "ML_INTERN_REDIS_URL"
REDIS_OPTION = typer.Option(
    "--redis",
    metavar="URL",
    help="Redis URL (redis://host:6379/0): serve as a replica of the team server on Aegra, "
    "runs queued in Redis and kept in PostgreSQL (--db). Same as ML_INTERN_REDIS_URL.",
)
TEAM_NEEDS_DB = (
    "ml-intern web: --redis serves a team server, which keeps its runs in PostgreSQL: pass "
    "--db postgresql://user@host:5432/db (or set ML_INTERN_DATABASE_URL)."
)
NO_WORKERS = (
    "ml-intern web: --workers is gone. For many runs at once across processes or machines, "
    "serve the team server: `ml-intern web --db URL --redis URL` on each replica, and "
    "`ml-intern worker --db URL --redis URL` for more workers."
)


def team_replica(redis: str | None, *, runs: bool = True) -> TeamReplica | None:
    """A team-server replica for `--redis` (None without it); what cannot serve is said now."""
    if not redis:
        return None
    from store.database import database_url

    database = database_url()
    if not database:
        typer.echo(TEAM_NEEDS_DB, err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    if problem := secret_problem("web"):
        typer.echo(problem, err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    return TeamReplica(database=database, redis=redis, workers=1 if runs else 0)


def say_config_warnings() -> None:
    """The config's warnings (unknown or retired keys) said now; a config that cannot be
    read is an error now, before any server starts."""
    from configs.settings import ConfigError, load_settings

    try:
        warnings = load_settings().warnings
    except ConfigError as error:
        typer.echo(f"ml-intern: {error}", err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
    for warning in warnings:
        typer.echo(f"ml-intern: warning: {warning}", err=True)


def blocking_checks() -> dict[str, str]:
    """People's runs are not failed over a blocking call, unless the environment asks."""
    return {CHECK_BLOCKING_ENV: os.environ.get(CHECK_BLOCKING_ENV, "0")}


def web_jobs() -> int:
    """The runs `langgraph dev` hands over at once: those that go and those that wait their
    turn in serve/run_admission.py, which decides (and can say why a run waits)."""
    from serve.run_admission import WAITING_ROOM

    return runs_at_once() + WAITING_ROOM


def serve_signed_in(
    cwd: Path, *, host: str, port: int, extra_env: dict[str, str], servers: Servers | None = None
) -> None:
    """Serve with Sign in with Hugging Face: no access token, and the CLI's threads are not
    offered to anyone (they have no owner)."""
    from configs.environment import ml_intern_home

    def announce(url: str, _count: int) -> list[str]:
        return [
            f"ml-intern web: serving {cwd}; people sign in with Hugging Face",
            f"Open: {url}/",
        ]

    config = write_web_config(ml_intern_home() / "web", sign_in=True)
    env = {**SIGN_IN_ENV, **extra_env, **blocking_checks()}
    serve(config, host=host, port=port, announce=announce, extra_env=env, register=False,
          jobs=runs_at_once() if servers else web_jobs(), servers=servers)  # fmt: skip
