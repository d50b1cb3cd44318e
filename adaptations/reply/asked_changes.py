"""A small model's final answer is checked against the files its request asks it to fix.

An answer that leaves such a file unchanged is not final: the model is told which file is
unchanged, and can still look.

Why: asked to fix train.py, a 1.5B model answered unopened (docs/lab/2026-11-25.md, shifted-labels).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from adaptations.reply.asked_files import FILE_NAME, SENTENCE, asked_files_note, fill, missing_files
from adaptations.reply.orders import ordered
from models.messages import text_of
from models.texts import ASKED_CHANGES
from tools.outcome import outcome_of
from tools.policy import inside_workspace
from tools.safe_paths import is_regular_at, rel_beneath, sha256_at

_CHANGE = re.compile(r"\b(?:fix|change|edit|update|modify|correct|repair|patch)\b", re.I)
_NEGATED = re.compile(r"\b(?:not|never|don't|do not)\s+$", re.I)
# A bash command that rewrites a file in place or by redirection.
_REWRITES = re.compile(r"\bsed\s+-i|\bperl\s+-[a-z]*i|>\s*\S|\btee\b|\bpatch\b|open\(.*['\"][wa]")
FILE_TOOLS = ("edit", "write")
_OWN_FRAME = re.compile(r'File "<stdin>", line (\d+), in ')
_NOTE = re.compile(r"Do not call it again\b")  # a repeated call's answer ends so
DIGEST_LIMIT = (
    1_000_000  # bytes, read on the event loop; a larger file is judged by the calls naming it
)


def asked_changes(request: str) -> list[str]:
    """The files `request` orders fixed or changed, in order, each once: named in a sentence
    whose change verb leads its clause (orders.py: "Fix utils.py", not "the last change to
    train.py"); a name right after a negated verb ("do not change data.csv") is not."""
    return [name for name, negated in _named_with_verbs(request) if not negated]


def left_alone(request: str) -> list[str]:
    """The files `request` says not to change ("do not change data.csv"), each once."""
    return [name for name, negated in _named_with_verbs(request) if negated]


def _named_with_verbs(request: str) -> list[tuple[str, bool]]:
    """Each file named after a change verb, once, and whether that verb is negated."""
    names: dict[str, bool] = {}
    for sentence in SENTENCE.split(request):
        verbs = list(_CHANGE.finditer(sentence))
        if not verbs:
            continue
        for match in FILE_NAME.finditer(sentence):
            before = [v for v in verbs if v.end() <= match.start()]
            last = before[-1] if before else None
            right_after = last is not None and match.start() - last.end() <= 3
            if right_after and _NEGATED.search(sentence[: last.start()]):
                names.setdefault(match.group(1), True)
            elif any(
                ordered(sentence, v) and not _NEGATED.search(sentence[: v.start()]) for v in verbs
            ):
                names.setdefault(match.group(1), False)
    return list(names.items())


def unchanged_files(
    request: str,
    workspace: Path,
    turn: Sequence[BaseMessage],
    before: Mapping[str, str] | None = None,
) -> list[str]:
    """The files `request` asks to fix that exist and still hold what they held when the turn
    began (`before`, from `file_digests`); a file without a digest counts as changed when an
    `edit`, `write` or rewriting `bash` call of this turn (`turn`) named it."""
    touched: set[str] | None = None
    unchanged: list[str] = []
    for name in asked_changes(request):
        rel = rel_beneath(workspace, name)
        if rel is None or not is_regular_at(workspace, rel):
            continue
        if before and name in before:
            if _digest(workspace, name) != before[name]:
                continue
        else:
            touched = _touched(turn) if touched is None else touched
            if name in touched or Path(name).name in touched:
                continue
        unchanged.append(name)
    return unchanged


def file_digests(request: str, workspace: Path) -> dict[str, str]:
    """What each file `request` asks to fix holds now, as a hash, so a change is judged by
    content, not by a tool's exit code.

    Why: a `sed -i` that matched nothing exited 0 (docs/lab/2026-11-25.md, fix-bug).
    """
    digests: dict[str, str] = {}
    for name in asked_changes(request):
        if inside_workspace(name, workspace) and (digest := _digest(workspace, name)):
            digests[name] = digest
    return digests


def _digest(workspace: Path, name: str) -> str | None:
    """The file's hash, read by descriptor beneath the workspace (tools/safe_paths.py)."""
    rel = rel_beneath(workspace, name)
    digest = sha256_at(workspace, rel, DIGEST_LIMIT) if rel is not None else None
    return digest[:32] if digest else None


def asked_note(
    request: str,
    workspace: Path,
    turn: Sequence[BaseMessage],
    before: Mapping[str, str] | None = None,
    *,
    files: bool = True,
    changes: bool = True,
) -> str | None:
    """What a small model's final answer is sent back with: a file the request asks it to
    write that is missing (`files`: the asked-files rule), else one it asks it to fix that is
    unchanged (`changes`: asked-changes); None when neither."""
    if files and (missing := missing_files(request, workspace)):
        return asked_files_note(missing, last_failure(turn))
    if changes and (unchanged := unchanged_files(request, workspace, turn, before)):
        return asked_changes_note(unchanged)
    return None


def last_failure(turn: Sequence[BaseMessage]) -> str | None:
    """The error line of this turn's last `bash` result when that command failed, else None."""
    names = {
        call["id"]: call["name"]
        for message in turn
        if isinstance(message, AIMessage)
        for call in message.tool_calls
    }
    for message in reversed(turn):
        if isinstance(message, ToolMessage) and names.get(message.tool_call_id) == "bash":
            found = outcome_of(message)
            if found is None or not found.exit_code:
                return None
            lines = [line.strip() for line in text_of(message.content).splitlines()]
            lines = [line for line in lines if line and not _NOTE.match(line)]
            # The command's output, then the tool's exit-code line; the tool's notes on a
            # failure (tools/local/failure_context.py) follow it.
            lines = lines[: max(0, len(lines) - found.notes + 1)]
            if len(lines) < 2:
                return None
            return _failing_line(lines) + lines[-2]
    return None


def _failing_line(lines: list[str]) -> str:
    """Where the model's own here-document program failed, as "line N, `code`: ", from the
    last frame whose line the traceback shows (tools/local/traceback_focus.py); else ""."""
    for i in range(len(lines) - 2, -1, -1):
        frame = _OWN_FRAME.match(lines[i])
        if frame and i + 1 < len(lines) - 1 and not lines[i + 1].startswith(("File ", "[")):
            return f"line {frame.group(1)}, `{lines[i + 1]}`: "
    return ""


def asked_changes_note(files: list[str]) -> str:
    return fill(ASKED_CHANGES, files)


def _touched(turn: Sequence[BaseMessage]) -> set[str]:
    """Names of the files this turn's calls may have changed (paths and their last parts)."""
    names: set[str] = set()
    for message in turn:
        if not isinstance(message, AIMessage):
            continue
        for call in message.tool_calls:
            args = call.get("args") or {}
            if call["name"] in FILE_TOOLS and isinstance(args.get("path"), str):
                names |= {args["path"], Path(args["path"]).name}
            command = args.get("command")
            if call["name"] == "bash" and isinstance(command, str) and _REWRITES.search(command):
                for match in FILE_NAME.finditer(command):
                    names |= {match.group(1), Path(match.group(1)).name}
    return names
