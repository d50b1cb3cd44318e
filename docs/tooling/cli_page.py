"""The CLI reference: every command and option of the typer apps `cli.dispatch` routes to."""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import typer
from typer.main import get_command

import cli
from docs.tooling.markdown import banner, code_block, wrap

# typer vendors its own click: its classes are reached through the objects, not `import click`.
Command = Any

# argv[0] -> the typer app `cli.dispatch` hands it to ("" is the bare `ml-intern`).
APPS = {
    "": "cli:app",
    "threads": "cli.threads:app",
    "experiments": "cli.experiments:list_app",
    "experiments compare": "cli.experiments:compare_app",
    "studio": "cli.studio:app",
    "web": "cli.web:app",
    "worker": "cli.worker:app",
    "acp": "cli.acp:app",
    "models": "cli.models:app",
    "config": "cli.config_command:app",
}


def routed_names() -> set[str]:
    """The first words `cli.dispatch` routes, read from its source (so a new one is noticed)."""
    return set(re.findall(r'argv\[:1\] == \["([\w-]+)"\]', inspect.getsource(cli.dispatch)))


def commands() -> dict[str, Command]:
    """`ml-intern ...` command line -> its click command, sub-commands of groups included."""
    missing = routed_names() - {name.split()[0] for name in APPS if name}
    if missing:
        raise RuntimeError(
            f"cli.dispatch routes {sorted(missing)} but docs/tooling/cli_page.py APPS lacks "
            "them: add each with its typer app"
        )
    found: dict[str, Command] = {}
    for words, target in APPS.items():
        module, attr = target.split(":")
        app: typer.Typer = getattr(importlib.import_module(module), attr)
        command = get_command(app)
        prefix = f"ml-intern {words}".strip()
        found[prefix] = command
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                found[f"{prefix} {name}"] = sub
    return found


def options_of(line: str) -> dict[str, bool]:
    """Each option spelling (`--model`, `-m`) of the command `line` (e.g. `ml-intern web`)
    -> whether it takes a value."""
    found = {"--help": False, "-h": False}
    for param in commands()[line].params:
        if param.param_type_name == "option":
            takes = not param.is_flag and not param.count
            found.update({name: takes for name in (*param.opts, *param.secondary_opts)})
    return found


def _section(line: str, command: Command) -> str:
    ctx = command.context_class(command, info_name=line)
    parts = [f"## `{line}`\n", code_block(command.get_usage(ctx))]
    if command.help:
        parts.append(code_block(inspect.cleandoc(command.help)))
    rows = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            if param.param_type_name == "argument":
                rows.append(f"- `{param.human_readable_name}` (argument)")
            continue
        names, text = record
        rows.append(wrap(text or "", indent="    ", first=f"- `{names}`: "))
    if hasattr(command, "commands"):
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
