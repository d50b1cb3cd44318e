"""`ml-intern web`: the agent in your browser, on this directory and the CLI's threads.

Like `ml-intern studio` (same server, same threads, its files under `$ML_INTERN_HOME/web`),
plus the page from `graph/web_app.py`, mounted through langgraph.json's `"http": {"app"}`.
Binding beyond loopback needs an access token (`--token` or `ML_INTERN_WEB_TOKEN`): the page
can run commands on this machine. Ctrl-C stops it.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from pathlib import Path
from typing import Annotated

import typer

from cli.exit_codes import ExitCode
from cli.studio import PACKAGE_ROOT, serve, write_config

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

    def announce(url: str, count: int) -> list[str]:
        page = f"{url}/?token={token}" if token else f"{url}/"
        return [f"ml-intern web: serving {cwd} ({count} threads)", f"Open: {page}"]

    config = write_web_config(ml_intern_home() / "web")
    extra = {"ML_INTERN_WEB_TOKEN": token or ""}
    serve(config, host=host, port=port, announce=announce, token=token, extra_env=extra)
