"""The CLI reference: every command and option of the typer apps `cli.dispatch` routes to."""

from __future__ import annotations

import importlib
import inspect
import re

import click
import typer
from typer.main import get_command

import cli
from docs.tooling.markdown import banner, code_block, wrap

# argv[0] -> the typer app `cli.dispatch` hands it to ("" is the bare `ml-intern`).
APPS = {
    "": "cli:app",
    "threads": "cli.threads:app",
    "experiments": "cli.experiments:list_app",
    "experiments compare": "cli.experiments:compare_app",
    "studio": "cli.studio:app",
    "web": "cli.web:app",
    "acp": "cli.acp:app",
}


def routed_names() -> set[str]:
    """The first words `cli.dispatch` routes, read from its source (so a new one is noticed)."""
    return set(re.findall(r'argv\[:1\] == \["([\w-]+)"\]', inspect.getsource(cli.dispatch)))


def commands() -> dict[str, click.Command]:
    """`ml-intern ...` command line -> its click command, sub-commands of groups included."""
    missing = routed_names() - {name.split()[0] for name in APPS if name}
    if missing:
        raise RuntimeError(
            f"cli.dispatch routes {sorted(missing)} but docs/tooling/cli_page.py APPS lacks "
            "them: add each with its typer app"
        )
    found: dict[str, click.Command] = {}
    for words, target in APPS.items():
        module, attr = target.split(":")
        app: typer.Typer = getattr(importlib.import_module(module), attr)
        command = get_command(app)
        prefix = f"ml-intern {words}".strip()
        found[prefix] = command
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                found[f"{prefix} {name}"] = sub
    return found


def options_of(line: str) -> set[str]:
    """Every option spelling (`--model`, `-m`) of the command `line` (e.g. `ml-intern web`)."""
    command = commands()[line]
    return {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)} | {"--help"}


def _section(line: str, command: click.Command) -> str:
    ctx = click.Context(command, info_name=line)
    parts = [f"## `{line}`\n", code_block(command.get_usage(ctx))]
    if command.help:
        parts.append(code_block(inspect.cleandoc(command.help)))
    rows = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            if isinstance(param, click.Argument):
                rows.append(f"- `{param.human_readable_name}` (argument)")
            continue
        names, text = record
        rows.append(wrap(text or "", indent="    ", first=f"- `{names}`: "))
    if isinstance(command, click.Group):
        rows.extend(f"- `{line} {name}`: see below" for name in sorted(command.commands))
    if rows:
        parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


def render() -> str:
    body = [
        banner("the typer apps in cli/"),
        "# Command line\n",
        "Every command and option, as `--help` prints them. `ml-intern` without a command runs",
        "the agent: headless with a prompt, the REPL without one.\n",
    ]
    body.extend(_section(line, command) for line, command in commands().items())
    return "\n".join(body)
