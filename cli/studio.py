"""`ml-intern studio`: LangGraph's development server for this directory, on the CLI's threads.

Works from any directory: it writes its own `langgraph.json` (absolute paths to this package's
graph and checkpointer) under `$ML_INTERN_HOME/studio`, runs the server there (its own files
stay out of your project) with your current directory as the agent's workspace, and registers
the CLI's threads with the server so Studio's thread list shows them. Ctrl-C stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

import typer

from cli.database_option import DB_OPTION, use_database
from cli.exit_codes import ExitCode
from cli.server_address import claimable_port, guard_env, local_url
from serve.parent_watch import PARENT_ENV

if TYPE_CHECKING:
    from store.thread_lock import ThreadLock

app = typer.Typer(add_completion=False)
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}
START_TIMEOUT_S = 120.0
# How often a starting server is asked whether it is up: each look is a refused connect
# until it listens, and every start waited half of this on average after it was ready.
UP_POLL_S = 0.05


def write_config(directory: Path) -> Path:
    """A langgraph.json naming this package's graph and checkpointer by module: a file path
    would make the server load serve/studio.py a second time, beside `serve.studio`, and the
    graph built at start (and the checkpointer the web page's settings use) would be another
    copy's."""
    config = {
        "dependencies": [str(PACKAGE_ROOT)],
        "graphs": {"ml_intern": "serve.studio:make_graph"},
        "env": {},
        "checkpointer": {"path": "serve.studio.create_checkpointer"},
        "http": {"app": f"{PACKAGE_ROOT / 'serve' / 'studio_app.py'}:app"},
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "langgraph.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def register_threads(url: str, home: Path, token: str | None = None) -> int:
    """Make the CLI's threads known to the server, so Studio (or the web UI) lists them; how
    many. `token`: the web UI's access token, when the server requires one."""
    import httpx

    from store.thread_index import ThreadIndex, is_uuid
    from tools.tls import verifying_context

    with ThreadIndex(home / "threads.sqlite") as index:
        threads = index.list(limit=500)
    # LangGraph's server keys threads by UUID: one named with `--thread-id x` stays CLI-only.
    shown = [info for info in threads if is_uuid(info.thread_id)]
    if skipped := len(threads) - len(shown):
        typer.echo(
            f"ml-intern: {skipped} thread(s) named with --thread-id are not shown here (the "
            "LangGraph server takes only UUID thread ids); resume them with `ml-intern -r ID`.",
            err=True,
        )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(
        base_url=url, timeout=10, trust_env=False, headers=headers, verify=verifying_context()
    ) as client:
        for info in shown:
            metadata = {"title": info.title, "model": info.model, "cwd": info.cwd,
                        "last_activity": info.updated_at}  # fmt: skip
            body = {"thread_id": info.thread_id, "if_exists": "do_nothing", "metadata": metadata}
            client.post("/threads", json=body).raise_for_status()
    return len(shown)


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    from tools.tls import verifying_context

    deadline = time.monotonic() + START_TIMEOUT_S
    # One client for every look, with the CA bundle loaded only for https (never, here).
    with httpx.Client(
        base_url=url, timeout=1, trust_env=False, verify=verifying_context()
    ) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the LangGraph server exited ({server.returncode}):\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/ok").status_code == 200:
                    return
            time.sleep(UP_POLL_S)
    raise RuntimeError(
        f"the LangGraph server did not answer within {START_TIMEOUT_S:g} s; see {log}"
    )


@app.command()
def studio(
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free port).")] = 2024,
    host: Annotated[
        str, typer.Option(help="Interface to bind (loopback by default).")
    ] = "127.0.0.1",
    model: Annotated[str | None, MODEL_OPTION] = None,
    db: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Serve the agent to LangGraph Studio (and the SDK) with this directory as the workspace."""
    use_database(db)
    from configs.environment import ml_intern_home

    workdir = ml_intern_home() / "studio"

    def announce(url: str, count: int) -> list[str]:
        return [
            f"ml-intern studio: serving {Path.cwd()} at {url} ({count} threads)",
            f"Studio: https://smith.langchain.com/studio/?baseUrl={url}",
        ]

    from serve.origin_guard import ORIGINS_ENV, STUDIO_ORIGIN

    extra = {ORIGINS_ENV: STUDIO_ORIGIN, "CORS_ALLOW_ORIGINS": STUDIO_ORIGIN, **model_env(model)}
    say_walls_warning("studio")
    serve(write_config(workdir), host=host, port=port, announce=announce, extra_env=extra)


Announce = Callable[[str, int], list[str]]
MODEL_OPTION = typer.Option(
    "--model",
    help="Model for new threads (default: the CLI's configured one); a thread keeps its own.",
)


def say_walls_warning(command: str) -> None:
    """Said loudly at start when this server's tools that run code are off, because its
    sandbox cannot start here (serve/server_walls.py); the server still starts."""
    from serve.server_walls import start_warning

    if (warning := start_warning()) is not None:
        typer.echo(f"ml-intern {command}: WARNING: {warning}", err=True)


def model_env(model: str | None) -> dict[str, str]:
    """The server's environment for `--model`; a missing key or an unknown adaptation in
    the config is an error now, not at the first message."""
    from configs.settings import ConfigError, load_settings

    with contextlib.suppress(ConfigError):  # said where the server reads its settings
        if switches := load_settings().adaptations:  # else no rule to know (3 s of imports)
            from adaptations.resolve import unknown_rules_message

            if problem := unknown_rules_message(switches):
                typer.echo(f"ml-intern: warning: {problem}", err=True)  # it runs without it
    if not model:
        return {}
    from cli.hf_token import token_for
    from configs.environment import load_dotenv_files
    from configs.model_profile import model_problem
    from serve.server_settings import MODEL_ENV

    load_dotenv_files()
    if found := model_problem(model, load_settings(), token_for(model)):
        typer.echo(f"ml-intern: {found[0]}", err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    return {MODEL_ENV: model}


class Servers(Protocol):
    """The server processes `serve` runs: one `langgraph dev` (`OneServer`), or a replica
    of the team server (cli/team_server.py)."""

    def start(self, config: Path, env: dict[str, str], host: str, port: int,
              jobs: int | None) -> None: ...  # fmt: skip
    def wait_until_up(self) -> None: ...
    def notes(self) -> list[str]: ...
    def run(self) -> None: ...
    def stop(self) -> None: ...


class OneServer:
    """One `langgraph dev` on the served address, its log in the config's directory."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log = Path()

    def start(self, config: Path, env: dict[str, str], host: str, port: int,
              jobs: int | None) -> None:  # fmt: skip
        argv = [langgraph_program(), *dev_args(config, host, port, jobs, env)]
        self.url, self.log = local_url(host, port), config.parent / "server.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                argv, cwd=config.parent, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def wait_until_up(self) -> None:
        assert self.proc is not None
        wait_until_up(self.url, self.proc, self.log)

    def notes(self) -> list[str]:
        return []

    def run(self) -> None:
        assert self.proc is not None
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)


def serve(
    config: Path,
    *,
    host: str,
    port: int,
    announce: Announce,
    token: str | None = None,
    extra_env: dict[str, str] | None = None,
    register: bool = True,
    jobs: int | None = None,
    servers: Servers | None = None,
) -> None:
    """Run `langgraph dev` on `config` (or `servers`) until Ctrl-C: the CLI's threads
    registered (unless `register` is False), what `announce(url, threads)` says printed,
    the servers stopped however this ends. `jobs`: how many runs a server takes on at once
    (default: the config's `server.runs_at_once`)."""
    from configs.environment import ml_intern_home

    check_database()
    hold = None if servers else one_embedded_server()
    servers = servers or OneServer()
    jobs = jobs or runs_at_once()
    port = claimable_port(host, port)
    env = server_env(host, port, extra_env)
    url = local_url(host, port)
    signal.signal(signal.SIGTERM, interrupted)  # `kill` stops the server too, like Ctrl-C
    try:
        servers.start(config, env, host, port, jobs)
        servers.wait_until_up()
        count = register_threads(url, ml_intern_home(), token) if register else 0
        for line in [*announce(url, count), *servers.notes(), "Ctrl-C to stop."]:
            typer.echo(line)
        servers.run()
    except typer.Exit:  # said already (it is a RuntimeError too)
        raise
    except RuntimeError as error:
        typer.echo(f"ml-intern: {error}", err=True)
        raise typer.Exit(int(ExitCode.RUNTIME_ERROR)) from None
    except KeyboardInterrupt:
        typer.echo("Stopping…")
    finally:
        servers.stop()
        if hold is not None:
            hold.release()


def one_embedded_server() -> ThreadLock:
    """This process's hold on its database as its one embedded server (store/server_lock.py);
    another one serving it is said, with the fix, before anything starts."""
    from configs.environment import ml_intern_home
    from store.database import DatabaseError
    from store.server_lock import ServerRunning
    from store.server_lock import one_embedded_server as hold

    try:
        try:
            return hold(ml_intern_home(), wait_s=0)
        except ServerRunning as running:
            if not running.elsewhere:
                raise
        typer.echo(WAITING_FOR_HOLDER, err=True)
        return hold(ml_intern_home())
    except (ServerRunning, DatabaseError) as refused:
        typer.echo(f"ml-intern: {refused}", err=True)
        raise typer.Exit(int(ExitCode.RUNTIME_ERROR)) from None


WAITING_FOR_HOLDER = (
    "ml-intern: an embedded server on another machine holds this database; waiting up to 30 s "
    "in case that machine is gone (the database lets its lock go then)…"
)


def langgraph_program() -> str:
    """The `langgraph` command (on PATH, else beside this interpreter)."""
    langgraph = shutil.which("langgraph") or str(Path(sys.executable).with_name("langgraph"))
    if not Path(langgraph).exists():
        typer.echo(
            "ml-intern: langgraph-cli is missing: pip install 'langgraph-cli[inmem]'", err=True
        )
        raise typer.Exit(int(ExitCode.RUNTIME_ERROR))
    return langgraph


def server_env(host: str, port: int, extra_env: dict[str, str] | None) -> dict[str, str]:
    """A server process's environment: offline, on this directory, guarded, stopping when
    this process is gone."""
    env = {**os.environ, **OFFLINE, "ML_INTERN_WORKSPACE": str(Path.cwd().resolve())}
    env[PARENT_ENV] = str(os.getpid())  # the server stops if this process is killed
    env.update(guard_env(host, port))
    env.update(extra_env or {})
    return env


# "0": the server does not patch blocking calls to fail the run that makes one (the dev
# runtime's blockbuster). `web` serves people with it off unless this is "1" (the suite sets
# it, so a blocking call still fails a test); Studio keeps it on.
# Why: blockbuster took ~4% of a loaded server's CPU (docs/lab/index.md).
CHECK_BLOCKING_ENV = "ML_INTERN_CHECK_BLOCKING"


def dev_args(
    config: Path, host: str, port: int, jobs: int | None, env: Mapping[str, str]
) -> list[str]:
    """`langgraph dev`'s arguments (after the program's name), for a server run in `env`."""
    # Without the flag `langgraph dev` takes one run at a time (langgraph_api/cli.py sets
    # N_JOBS_PER_WORKER=1 whatever the flag's help says): every thread waits for the others.
    jobs = jobs or runs_at_once()
    checked = [] if env.get(CHECK_BLOCKING_ENV, "1") == "1" else ["--allow-blocking"]
    return ["dev", "--config", str(config), "--no-browser", "--no-reload",
            "--host", host, "--port", str(port), "--n-jobs-per-worker", str(jobs),
            *checked]  # fmt: skip


def runs_at_once() -> int:
    """The config's `server.runs_at_once`: runs of different threads served side by side
    (a bad config is an error now, before a server starts)."""
    from configs.settings import ConfigError, load_settings

    try:
        return load_settings().server.runs_at_once
    except ConfigError as error:
        typer.echo(f"ml-intern: {error}", err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None


def check_database() -> None:
    """With a database URL, reach it (and ready its schema) now: a server that cannot would
    fail at its first request, behind a log file."""
    from store.database import DatabaseError, database_url

    if (url := database_url()) is None:
        return
    from store.postgres_schema import ensure_schema

    try:
        ensure_schema(url)
    except DatabaseError as error:
        typer.echo(f"ml-intern: {error}", err=True)
        raise typer.Exit(int(ExitCode.RUNTIME_ERROR)) from None


def interrupted(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
