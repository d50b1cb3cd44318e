"""How a workspace path goes into a command we suggest to the model: never as code.

A small model copies a suggested command as written, and a file's name is chosen by whoever
put the file there (a cloned repo, a downloaded dataset)."""

from __future__ import annotations

import re
import shlex

PLAIN_PATH = re.compile(r"[\w./-]+")


def plain(path: str) -> bool:
    """Whether `path` reads the same in Python source, a shell and a person's eye."""
    return bool(PLAIN_PATH.fullmatch(path)) and not path.startswith("-")


def for_shell(path: str) -> str:
    """`path` as one shell word that expands to nothing else."""
    return path if plain(path) else shlex.quote(path if not path.startswith("-") else f"./{path}")


def python_heredoc(*lines: str) -> str:
    """`lines` as one `python3 - <<'EOF'` command: no quotes to nest in the model's JSON call.

    Why: given `python3 -c "..."`, a 1.5B model nested its quotes wrongly (docs/lab/2026-11-25.md).
    """
    return "python3 - <<'EOF'\n" + "\n".join(lines) + "\nEOF"
