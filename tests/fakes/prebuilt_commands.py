"""The CLI's click commands, built once in the CLI zygote for every run forked from it.

Typer builds an app's click command each time the app is called (`typer.main.get_command`:
every command function's signature read, its annotations evaluated, its parameters made):
~20 ms of CPU in each forked run, ~10% of a short headless one. The zygote builds the command
of each app the CLI's entry points call, under its import watch (tests/fakes/import_watch.py,
so whatever building reads of the environment is recorded like an import's reads), and
`typer.main.get_command` answers those apps with their built command. A forked run calls one
app once, as a fresh process does; any other app is built as typer builds it.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer.main

# The apps `cli.dispatch` calls whose modules the zygote preloads (cli/models.py's is not).
APPS = (
    "cli:app", "cli.threads:app", "cli.config_command:app", "cli.studio:app", "cli.acp:app",
    "cli.web:app", "cli.worker:app",
)  # fmt: skip
BUILD = typer.main.get_command  # typer's own


def install() -> int:
    """Build each app of APPS and have `typer.main.get_command` answer it; how many."""
    built: dict[Any, Any] = {}
    for name in APPS:
        module, _, attr = name.partition(":")
        app = getattr(importlib.import_module(module), attr)
        built[app] = BUILD(app)

    def get_command(app: typer.Typer) -> Any:
        command = built.get(app)
        return command if command is not None else BUILD(app)

    typer.main.get_command = get_command
    return len(built)


def main() -> None:
    """One JSON line: for each app of APPS, whether the command this process starts with is
    prebuilt, and its help and parameters beside those of one typer builds now."""
    import contextlib
    import io
    import json

    def described(command: Any, name: str = "ml-intern", parent: Any = None) -> dict[str, Any]:
        context = command.context_class(command, info_name=name, parent=parent)
        params = [
            [p.name, p.opts, p.secondary_opts, p.required, repr(p.default)] for p in command.params
        ]
        commands = getattr(command, "commands", {})
        with contextlib.redirect_stdout(io.StringIO()) as printed:  # rich prints its help
            text = command.get_help(context)
        return {
            "help": [text, printed.getvalue()],
            "params": params,
            "commands": {n: described(c, n, context) for n, c in commands.items()},
        }

    build = importlib.import_module(__spec__.name).BUILD  # run as __main__: typer's own
    seen = {}
    for name in APPS:
        module, _, attr = name.partition(":")
        app = getattr(importlib.import_module(module), attr)
        command = typer.main.get_command(app)
        seen[name] = {
            "prebuilt": command is typer.main.get_command(app),
            "same": described(command) == described(build(app)),
        }
    print(json.dumps(seen, default=str))


if __name__ == "__main__":
    main()
