"""A small model's final answer is checked against the files its request names.

An answer while a file the request names was never opened is not final: the model is told
which file, and can still look.

Why: a 1.5B model picked a GPU without opening model.md (docs/lab/2026-11-25.md, cheapest-hardware).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from adaptations.reply.asked_changes import FILE_TOOLS, left_alone
from adaptations.reply.asked_files import FILE_NAME, PLAIN_TABLE, fill
from adaptations.reply.orders import asks_how
from adaptations.reply.unseen_numbers import FACT_FILES
from models.texts import UNREAD, UNREAD_ASKED, UNUSED_TABLE
from tools.policy import inside_workspace
from tools.safe_paths import is_regular_at, rel_beneath

# Asked to predict every row of test.csv, it trained and predicted on a split of train.csv;
# sent to `read` test.csv, it saw a cut view of it and gave the same answer (train-classifier).
# A table is used by a program, not read.
REQUEST_CHARS = 400
WRITTEN_TEXT = ("content", "old_str", "new_str")


def unread_files(request: str, workspace: Path, turn: Sequence[BaseMessage]) -> list[str]:
    """The workspace files `request` names, each once, that no tool call of this turn (`turn`:
    the messages after the request) named in its arguments; not one it says to leave alone
    (sent to read data.csv, shifted-labels edited it though told not to change it), and none
    when the request only asks how to do something (`asks_how`)."""
    if asks_how(request):
        return []
    said = _call_arguments(turn)
    unread: list[str] = []
    kept = set(left_alone(request))
    for match in FILE_NAME.finditer(request):
        name = match.group(1)
        if name in unread or name in kept or not inside_workspace(name, workspace):
            continue
        if not _is_file(workspace, name) or name in said or Path(name).name in said:
            continue
        unread.append(name)
    return unread


def unread_note(files: list[str], request: str = "") -> str:
    """The note naming `files`, with the request said again after it when there is one."""
    said = " ".join(request.split())
    if len(said) > REQUEST_CHARS:
        said = said[:REQUEST_CHARS].rsplit(" ", 1)[0] + " ..."
    if said and PLAIN_TABLE.fullmatch(files[0]):
        note = UNUSED_TABLE.replace("{request}", _braced(said))
    else:
        note = UNREAD_ASKED.replace("{request}", _braced(said)) if said else UNREAD
    return fill(note.replace("{first}", _braced(json.dumps(files[0])[1:-1])), files)


def _braced(text: str) -> str:
    """`text` kept as it is by `str.format`."""
    return text.replace("{", "{{").replace("}", "}}")


def _call_arguments(turn: Sequence[BaseMessage]) -> str:
    """Every argument of this turn's tool calls, as one text, but the text an `edit` or `write`
    puts in a file of facts (a card that names reviews.csv has not opened it: dataset-card);
    a program or a list of paths (.gitignore) that names a file uses it."""
    return "\n".join(
        json.dumps(_looked_up(call["name"], call.get("args") or {}), ensure_ascii=False)
        for message in turn
        if isinstance(message, AIMessage)
        for call in message.tool_calls
    )


def _looked_up(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    path = args.get("path")
    if tool not in FILE_TOOLS or (isinstance(path, str) and Path(path).suffix not in FACT_FILES):
        return args
    return {k: v for k, v in args.items() if k not in WRITTEN_TEXT}


def _is_file(workspace: Path, name: str) -> bool:
    rel = rel_beneath(workspace, name)
    return rel is not None and is_regular_at(workspace, rel)
