"""A small model's final answer is checked for numbers that nothing it was shown contains.

Such an answer is not final: the model is told which numbers no tool showed, and can look.

Why: a 1.5B model invented a confusion matrix (docs/lab/2026-11-24.md, f1-confusion).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from adaptations.reply.asked_files import FILE_NAME, asked_files
from configs.prompt import runtime_facts
from models.messages import RuleKind, last_user_index, note, note_kind, text_of
from models.texts import UNSEEN_NUMBERS, UNSEEN_WRITTEN
from tools.outcome import outcome_of

UNSEEN_KIND = RuleKind("unseen_numbers")  # the notes about numbers no tool showed
# How many times a turn a small model is told, right after a write, that the file it wrote
# states numbers no tool showed.
WRITTEN_UNSEEN_TIMES = 2
# Files whose numbers are facts the request asked for (a card, metrics, a report); a program's
# numbers (a seed, a split) are choices.
FACT_FILES = frozenset({".md", ".txt", ".json", ".csv", ".tsv", ".yaml", ".yml"})
# `read` shows each line after its number and a tab: those numbers were not in the file.
_GUTTER = re.compile(r"^ *\d+\t", re.M)
# Small integers are counts and list numbers more often than results.
SMALL_INTEGER = 10
MAX_SHOWN = 4
# Tools whose result holds what the model wrote, or only counts its lines.
_ECHOES = frozenset({"write", "edit"})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\.?\w)")


def names_a_source(request: str, besides: str | None = None) -> bool:
    """`request` names a file that numbers could come from: not one it orders written
    (asked_files.py), nor `besides`. A knowledge question ("what batch size fits a 7B model
    on 24 GB?") or a config asked for by its own name ("write a LoRA config as lora.yaml")
    states numbers no tool shows."""
    named = {m.group(1) for m in FILE_NAME.finditer(request)} - set(asked_files(request))
    return bool(named - {besides, PurePath(besides).name} if besides else named)


def numbers_in(text: str) -> list[str]:
    """The numbers written in `text` (1,000 as 1000), skipping those inside names (l4x1, v2)."""
    return _NUMBER.findall(_THOUSANDS.sub("", text))


def unseen_numbers(
    answer: str, shown: Sequence[BaseMessage], workspace: PurePath | None = None
) -> list[str]:
    """The numbers of `answer` that no message in `shown` but the model's own holds, even
    rounded or as a percentage; small integers are let through. The `workspace`'s own path
    shows none (under /tmp/run-500, an invented 500 is still unseen)."""
    text = _shown_text(shown)
    if workspace is not None:  # the path itself, not a longer name it begins
        text = re.sub(rf"(?<![\w.-]){re.escape(str(workspace))}(?![\w.-])", " ", text)
    seen = [float(n) for n in set(numbers_in(text))]
    unseen: list[str] = []
    for written in dict.fromkeys(numbers_in(answer)):
        value = float(written)
        if "." not in written and value <= SMALL_INTEGER:
            continue
        if not any(_same(written, value, s) for s in seen):
            unseen.append(written)
    return unseen


def unseen_note(numbers: Sequence[str]) -> str:
    shown = ", ".join(numbers[:MAX_SHOWN]) + (", ..." if len(numbers) > MAX_SHOWN else "")
    return UNSEEN_NUMBERS.format(numbers=shown, them="it" if len(numbers) == 1 else "them")


def unseen_written(
    turn: Sequence[BaseMessage],
    shown: Sequence[BaseMessage],
    request: str | None = None,
    workspace: PurePath | None = None,
) -> tuple[str, list[str]] | None:
    """The first file of facts this turn's `write` calls (their last content per path) put
    numbers in that no message in `shown` holds, with those numbers; None when there is none.
    Given the `request`, only a file written while it names another (`names_a_source`)."""
    written: dict[str, str] = {}
    for message in turn:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                args = call.get("args") or {}
                path, content = args.get("path"), args.get("content")
                if call["name"] == "write" and isinstance(path, str) and isinstance(content, str):
                    written[path] = content
    for path, content in written.items():
        if request is not None and not names_a_source(request, path):
            continue
        if PurePath(path).suffix.lower() in FACT_FILES and (
            numbers := unseen_numbers(content, shown, workspace)
        ):
            return path, numbers
    return None


def landed_writes(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The `write` calls of `messages` that landed (their outcome names the file), in order, as
    replies holding only those calls: a refused or failed write put nothing in a file."""
    landed = {
        m.tool_call_id
        for m in messages
        if isinstance(m, ToolMessage) and (found := outcome_of(m)) is not None and found.wrote
    }
    replies: list[BaseMessage] = []
    for message in messages:
        if isinstance(message, AIMessage):
            calls = [
                c for c in message.tool_calls if c["name"] == "write" and c.get("id") in landed
            ]
            replies += [AIMessage(content="", tool_calls=calls)] if calls else []
    return replies


def last_step(history: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The last reply and its results, when those results end the history; else empty."""
    i = len(history)
    while i > 0 and isinstance(history[i - 1], ToolMessage):
        i -= 1
    if i == len(history) or i == 0 or not isinstance(history[i - 1], AIMessage):
        return []
    return list(history[i - 1 :])


def unseen_written_note(path: str, numbers: Sequence[str]) -> str:
    shown = ", ".join(numbers[:MAX_SHOWN]) + (", ..." if len(numbers) > MAX_SHOWN else "")
    them = "it" if len(numbers) == 1 else "them"
    return UNSEEN_WRITTEN.format(path=path, numbers=shown, them=them)


def _shown_text(shown: Iterable[BaseMessage]) -> str:
    """What tools and people said; not the model's own words (its calls, the plan the runtime
    note and a plan reminder repeat, the text an `edit` result echoes), a `write`'s result (its
    line count is no fact), the runtime note's date and workspace, or this check's notes, which
    quote the numbers they doubt.

    Why: dataset-card wrote 18 rows in an 18-line card (docs/lab/2026-11-25.md, dataset-card).
    """
    return "\n".join(
        runtime_facts(text_of(m.content)) if note_kind(m) == "runtime" else without_gutter(m)
        for m in shown
        if not isinstance(m, AIMessage)
        and not (isinstance(m, ToolMessage) and m.name in _ECHOES)
        and note_kind(m) not in (UNSEEN_KIND, "plan_reminder")
    )


def without_gutter(message: BaseMessage) -> str:
    """A message's text; a `read` result without the line numbers `read` put before each
    line (they were not in the file)."""
    text = text_of(message.content)
    return (
        _GUTTER.sub("", text)
        if isinstance(message, ToolMessage) and message.name == "read"
        else text
    )


def _same(written: str, value: float, seen: float) -> bool:
    """`written` is `seen` rounded to its own decimals, or a fraction `seen` as a percentage
    (or back)."""
    decimals = len(written.partition(".")[2])
    tolerance = 0.5 * 10**-decimals + 1e-9
    forms = [seen]
    if 0 < seen < 1:
        forms.append(seen * 100)
    elif 1 < seen <= 100 and not seen.is_integer():
        forms.append(seen / 100)
    return any(abs(value - form) <= tolerance for form in forms)


def written_unseen_notes(
    history: Sequence[BaseMessage],
    prompt: Sequence[BaseMessage],
    told: int = 0,
    workspace: PurePath | None = None,
) -> list[BaseMessage]:
    """A small model that just wrote a file of facts with numbers no tool showed is told
    before its next step, not after it answers. Twice a turn (`told`: how often so far); the
    rule counts a note once the reply to it is stored.

    Why: it wrote invented counts twice, then answered (docs/lab/2026-11-25.md, dataset-card).
    """
    if told >= WRITTEN_UNSEEN_TIMES:
        return []
    i = last_user_index(history)
    request = text_of(history[i].content) if i >= 0 else ""
    writes = landed_writes(last_step(history))
    if not (written := unseen_written(writes, prompt, request, workspace)):
        return []
    return [note(UNSEEN_KIND, unseen_written_note(*written))]
