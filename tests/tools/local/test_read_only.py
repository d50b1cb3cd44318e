"""The read-only allowlist as a table: each program with a flag known to be safe runs without
asking, and the same program with a flag that runs a program, reads a file list or writes a
file (the negative control beside it) asks."""

from __future__ import annotations

import pytest

from tools.local.read_only import is_read_only_command

# (safe command, the same program made dangerous, why the second must ask)
PAIRS = [
    ("sort -n -k 2 notes.txt", "sort -S 1K --compress-program=sh notes.txt", "runs a program"),
    ("sort -u notes.txt", "sort --files0-from=list", "reads the files a list names"),
    ("sort -r notes.txt", "sort -o out.txt notes.txt", "writes a file"),
    ("sort -t , -k2 notes.csv", "sort -T /var/tmp notes.csv", "writes temporary files elsewhere"),
    ("find . -name x.py -type f", "find . -name x.py -exec sh", "runs a program"),
    ("find . -maxdepth 2 -print0", "find . -fprint out.txt", "writes a file"),
    ("find . -empty -ls", "find . -fprintf out.txt %p", "writes a file"),
    ("find . -newer a.txt", "find . -delete", "deletes files"),
    ("find src -iname readme", "find src -okdir rm", "runs a program"),
    ("wc -l data.csv", "wc --files0-from=list", "reads the files a list names"),
    ("du -sh .", "du --files0-from=list", "reads the files a list names"),
    ("ls -la", "xargs rm", "xargs runs its input as commands"),
    ("cat notes.txt", "awk 'BEGIN {system(\"sh\")}'", "awk can run programs"),
    ("grep -rn TODO src", "grep -f patterns.txt -r .", "reads patterns from a file (not listed)"),
    ("rg -n TODO src", "rg --pre ./script.sh TODO", "runs a program per file"),
    ("rg --glob '*.py' TODO", "rg -z TODO", "runs decompressors"),
    ("nvidia-smi", "nvidia-smi -r", "resets the GPU"),
    ("nvidia-smi -L", "nvidia-smi -pl 100", "changes the power limit"),
    ("nvidia-smi -q -d MEMORY", "nvidia-smi -c 3", "changes the compute mode"),
    ("nvidia-smi --query-gpu=name --format=csv", "nvidia-smi -pm 1", "changes persistence mode"),
    ("nvidia-smi -i 0 -q", "nvidia-smi -f log.txt", "writes a log file"),
    ("date -u", "date -us 2001-01-01", "sets the clock"),
    ("date +%s", "date 010100002020", "sets the clock"),
    ("hostname -f", "hostname evil", "sets the host's name"),
    ("git status --short", "git status; sh", "chains a command"),
    ("git log --oneline -5", "git log --output=patch.txt", "writes a file"),
    ("git diff --stat", "git diff --ext-diff", "runs an external diff"),
    ("git branch -a", "git branch -D main", "deletes a branch"),
    ("git remote -v", "git remote add x y", "changes the config"),
    (
        "git rev-parse --show-toplevel",
        "git -c core.pager=sh log",
        "sets config on the command line",
    ),
    ("head -n 5 a.txt", "head -n 5 a.txt > b.txt", "redirects into a file"),
    ("tail -20 a.txt", "tail -20 $HOME/.netrc", "expands a variable"),
    ("cat a.txt", "cat sub/.{env,x}", "expands braces"),
    ("stat -c %s a.txt", "stat a.txt | sh", "pipes into a shell"),
    ("file -b a.bin", "file -f list.txt", "reads the files a list names"),
    ("diff -u a b", "diff --to-file=x -r a", "not a known flag"),
    ("python --version", "python -c 'import os'", "runs code"),
    ("echo hello", "echo hello `id`", "substitutes a command"),
]


@pytest.mark.parametrize(("safe", "dangerous", "why"), PAIRS)
def test_known_safe_flags_run_and_the_rest_asks(safe: str, dangerous: str, why: str) -> None:
    assert is_read_only_command(safe) is True, safe
    assert is_read_only_command(dangerous) is False, why


@pytest.mark.parametrize(
    "command",
    ["head -n", "sort -k", "git", "git frobnicate", "ls --color", "uname extra", "free 3"],
)
def test_a_missing_value_or_unknown_word_asks(command: str) -> None:
    assert is_read_only_command(command) is False
