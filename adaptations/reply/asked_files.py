"""A small model's final answer is checked against the files its request asks it to write.

An answer while a file the request asks for is missing from the workspace is not final: the
model is told which file, and can still write it.

Why: a 1.5B model said the numbers asked for in words, no file (docs/lab/2026-11-25.md, split-leak).
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

from adaptations.reply.orders import ordered
from models.texts import ASKED_AFTER_ERROR, ASKED_FILES, ASKED_TABLE
from tools.local.file_walk import SKIP_DIRS
from tools.policy import inside_workspace
from tools.safe_paths import is_regular_at, rel_beneath
from tools.safe_tree import walk_at

# Asked to save predictions for test.csv, its program failed (KeyError: 'label') and the note
# above sent it to `write`: it wrote eight invented rows (train-classifier). When a program
# failed, the file is its output, so the error is what to fix.
ERROR_CHARS = 200
# Sent to `write` predictions.csv, it typed 100 invented rows (train-classifier): a table the
# request asks for is a program's output.
# What a file a person names in a request is usually called; a bare `e.g.` or a host name is not.
EXTENSIONS = (
    "csv|tsv|json|jsonl|txt|md|py|ipynb|yaml|yml|toml|ini|cfg|log|parquet|html|xml|sh|npy|"
    "npz|pkl|pt|safetensors|png|jpg|svg|pdf"
)
FILE_NAME = re.compile(
    rf"(?<![\w./~-])((?:[\w-]+/)*[\w-][\w.-]*\.(?:{EXTENSIONS}))(?![\w/-])", re.I
)
# A file is asked for when a sentence orders something written, saved or created (the verb
# leads its clause: orders.py), and the name follows that verb or one of the words that lead
# to an output ("save the rows to X", "as X"); "How do I save a model to X?" asks how.
_VERB = re.compile(r"\b(?:write|save|create|store|export|output|produce|dump|generate)\b", re.I)
_LEAD = re.compile(r"(?:\b(?:to|as|into|named|called|file|write|save|create))\W*$", re.I)
SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
MAX_SHOWN = 3
PLAIN_TABLE = re.compile(r"[\w./-]+\.csv")  # a name that is plain code inside quotes
WALK_LIMIT = 2000  # entries looked at for a bare name anywhere in the workspace
WALK_DEPTH = 4


def asked_files(request: str) -> list[str]:
    """The files `request` asks to be written, in order, each once."""
    names: list[str] = []
    for sentence in SENTENCE.split(request):
        verb = next((v for v in _VERB.finditer(sentence) if ordered(sentence, v)), None)
        if verb is None:
            continue
        for match in FILE_NAME.finditer(sentence, verb.start()):
            if _LEAD.search(sentence[verb.start() : match.start()]):
                names.append(match.group(1))
    return list(dict.fromkeys(names))


def missing_files(request: str, workspace: Path) -> list[str]:
    """The files `request` asks for that the workspace does not hold: a name with a folder at
    that path, a bare name anywhere (a few folders down); names that would lead outside the
    workspace are not looked up."""
    missing: list[str] = []
    basenames: set[str] | None = None
    for name in asked_files(request):
        if not inside_workspace(name, workspace):
            continue
        if (rel := rel_beneath(workspace, name)) is not None and is_regular_at(workspace, rel):
            continue
        if "/" not in name:
            basenames = basenames if basenames is not None else set(_file_names(workspace))
            if name in basenames:
                continue
        missing.append(name)
    return missing


def asked_files_note(files: list[str], error: str | None = None) -> str:
    """The note naming `files`; `error`, the last line of a failed program, sends the model to
    fix it rather than to `write` the file by hand."""
    if not error and PLAIN_TABLE.fullmatch(files[0]):
        return fill(ASKED_TABLE.replace("{first}", files[0]), files)
    if not error:
        return fill(ASKED_FILES, files)
    said = error if len(error) <= ERROR_CHARS else error[:ERROR_CHARS] + " ..."
    return fill(
        ASKED_AFTER_ERROR.replace("{error}", said.replace("{", "{{").replace("}", "}}")), files
    )


def fill(note: str, files: list[str]) -> str:
    """`note` naming `files` (the first few, quoted) and `it` or `them` for them."""
    shown = ", ".join(f"`{f}`" for f in files[:MAX_SHOWN]) + (
        ", ..." if len(files) > MAX_SHOWN else ""
    )
    return note.format(files=shown, it="it" if len(files) == 1 else "them")


def _file_names(workspace: Path) -> Iterator[str]:
    """The names of the files a few folders down, breadth first, within `WALK_LIMIT` entries."""

    def enter(rel: str) -> bool:
        return rel.rsplit("/", 1)[-1] not in SKIP_DIRS

    found = walk_at(workspace, "", enter=enter, max_depth=WALK_DEPTH - 1)
    for seen, entry in enumerate(found, start=1):
        if seen > WALK_LIMIT:
            return
        if not entry.is_dir and not stat.S_ISLNK(entry.st.st_mode):
            yield entry.rel.rsplit("/", 1)[-1]
