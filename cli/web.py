"""`ml-intern web`: the agent in your browser, on this directory and the CLI's threads.

Like `ml-intern studio` (same server, same threads, its files under `$ML_INTERN_HOME/web`),
plus the page from `graph/web_app.py`, mounted through langgraph.json's `"http": {"app"}`.
Binding beyond loopback needs an access token (`--token` or `ML_INTERN_WEB_TOKEN`): the page
can run commands on this machine. Ctrl-C stops it.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.exit_codes import ExitCode
from cli.studio import OFFLINE, PACKAGE_ROOT, register_threads, stop, wait_until_up, write_config

app = typer.Typer(add_completion=False)
NEEDS_TOKEN = (
    "ml-intern web: refusing to serve on {host} without an access token: anyone who can "
    "reach this address could run commands in {cwd}. Pass --token (or set "
    "ML_INTERN_WEB_TOKEN), for example --token {example}, or bind to 127.0.0.1."
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def write_web_config(directory: Path) -> Path:
    """Studio's langgraph.json plus the web app, by absolute path."""
    path = write_config(directory)
    config = json.loads(path.read_text())
    config["http"] = {"app": f"{PACKAGE_ROOT / 'graph' / 'web_app.py'}:app"}
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


@app.command()
def web(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 7860,
    host: Annotated[
        str, typer.Option(help="Interface to bind (loopback by default).")
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(envvar="ML_INTERN_WEB_TOKEN", help="Access token the page must present."),
    ] = None,
) -> None:
    """Serve the web UI with this directory as the agent's workspace."""
    from configs.environment import ml_intern_home

    cwd = Path.cwd().resolve()
    if not token and not is_loopback(host):
        example = secrets.token_urlsafe(16)
        typer.echo(NEEDS_TOKEN.format(host=host, cwd=cwd, example=example), err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    langgraph = shutil.which("langgraph") or str(Path(sys.executable).with_name("langgraph"))
    if not Path(langgraph).exists():
        typer.echo(
            "ml-intern: langgraph-cli is missing: pip install 'langgraph-cli[inmem]'", err=True
        )
        raise typer.Exit(int(ExitCode.RUNTIME_ERROR))
    home = ml_intern_home()
    workdir = home / "web"
    config = write_web_config(workdir)
    log = workdir / "server.log"
    env = {**os.environ, **OFFLINE, "ML_INTERN_WORKSPACE": str(cwd)}
    env["ML_INTERN_WEB_TOKEN"] = token or ""
    argv = [langgraph, "dev", "--config", str(config), "--no-browser", "--no-reload",
            "--host", host, "--port", str(port)]  # fmt: skip
    with log.open("w") as out:
        server = subprocess.Popen(
            argv, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    local = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    url = f"http://{local}:{port}"
    try:
        wait_until_up(url, server, log)
        count = register_threads(url, home, token or "")
        page = f"{url}/?token={token}" if token else f"{url}/"
        typer.echo(f"ml-intern web: serving {cwd} ({count} threads)")
        typer.echo(f"Open: {page}")
        typer.echo("Ctrl-C to stop.")
        server.wait()
    except RuntimeError as error:
        typer.echo(f"ml-intern: {error}", err=True)
        raise typer.Exit(int(ExitCode.RUNTIME_ERROR)) from None
    except KeyboardInterrupt:
        typer.echo("Stopping…")
    finally:
        stop(server)
