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
    """`lines` as one `python3 - <<'EOF'` command: no quotes to nest in the model's JSON call,
    nothing quoted or expanded by the shell. The end line is `EOF` unless a line of the program
    is that (then `EOF_2`, ...), so the whole program always reaches Python.

    Why: given `python3 -c "..."`, a 1.5B model nested its quotes wrongly (docs/lab/2026-11-25.md).
    """
    held = {part for line in lines for part in line.split("\n")}
    end, n = "EOF", 1
    while end in held:
        n += 1
        end = f"EOF_{n}"
    return f"python3 - <<'{end}'\n" + "\n".join(lines) + f"\n{end}"
