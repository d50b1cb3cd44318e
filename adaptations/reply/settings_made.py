"""A request that sets named values in a file is done once the files the turn wrote hold them.

`asked_settings` reads the settings a request names ("set `max_batch_size` to 16"), and
`settings_made` says whether a file this turn wrote or edited now holds each of them on a
line of its own (`key = value`, `key: value`), read beneath the workspace by descriptor, and
still holds every other line this turn's `read` of it showed.

Why: told to set two values, a 1.5B model rewrote the file and lost lines (docs/lab/2026-12-02.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from adaptations.reply.unseen_numbers import without_gutter
from tools.safe_paths import read_bytes, rel_beneath

FILE_TOOLS = ("edit", "write")
LIMIT = 1_000_000  # bytes: a larger file is not read on the event loop
_VALUE = r"(?:[-+]?\d[\d_]*(?:\.\d+)?(?:e[-+]?\d+)?|true|false|\"[^\"]*\"|'[^']*'|`[^`]+`)"
_SETTING = re.compile(
    rf"`?\b([A-Za-z_][\w.\-]*)\b`?\s+(?:to|=)\s+({_VALUE})(?=$|[\s,;)]|\.(?:\s|$))", re.I
)
_SET = re.compile(r"\b(?:set|change|update|make)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def asked_settings(request: str) -> dict[str, str]:
    """The settings `request` names, key to value as written (quotes and backticks off): each
    `KEY to VALUE` (or `KEY = VALUE`) after a verb that sets (set, change, update, make) in
    its sentence; the value a number, true or false, or quoted."""
    found: dict[str, str] = {}
    for sentence in _SENTENCE.split(request):
        verb = _SET.search(sentence)
        for match in _SETTING.finditer(sentence):
            if verb is not None and verb.end() <= match.start():
                found[match.group(1)] = match.group(2).strip("`\"'")
    return found


def _same(found: str, wanted: str) -> bool:
    found = found.strip().strip("\"'")
    if found.lower() == wanted.lower():
        return True
    try:
        return float(found.replace("_", "")) == float(wanted.replace("_", ""))
    except ValueError:
        return False


def setting_line(keys: Sequence[str]) -> re.Pattern[str]:
    """A line (`KEY = VALUE`, `KEY: VALUE`, a comment after it) that sets one of `keys`, a
    dotted key by its last part; the value is its group 1."""
    names = "|".join(re.escape(key.rsplit(".", 1)[-1]) for key in keys)
    return re.compile(rf"^\s*[\"']?(?:{names})[\"']?\s*[:=]\s*(.*?)\s*(?:#.*)?$", re.M)


def holds(text: str, key: str, value: str) -> bool:
    """`text` has a line setting `key` (its last part, for a dotted key) to `value`."""
    return any(_same(m.group(1), value) for m in setting_line([key]).finditer(text))


def written_paths(since_request: Sequence[BaseMessage]) -> list[str]:
    """The paths this turn's `write` and `edit` calls named whose results did not fail."""
    results = {m.tool_call_id: m for m in since_request if isinstance(m, ToolMessage)}
    paths: list[str] = []
    for message in since_request:
        if not isinstance(message, AIMessage):
            continue
        for call in message.tool_calls:
            result = results.get(call["id"])
            path = (call.get("args") or {}).get("path")
            if call["name"] not in FILE_TOOLS or result is None or not isinstance(path, str):
                continue
            if result.status == "error":
                continue
            if path not in paths:
                paths.append(path)
    return paths


def lines_read(since_request: Sequence[BaseMessage], path: str) -> list[str]:
    """The lines this turn's `read` calls of `path` showed (without `read`'s line numbers)."""
    calls = {
        call["id"]
        for message in since_request
        if isinstance(message, AIMessage)
        for call in message.tool_calls
        if call["name"] == "read" and (call.get("args") or {}).get("path") == path
    }
    return [
        line.rstrip()
        for message in since_request
        if isinstance(message, ToolMessage) and message.tool_call_id in calls
        for line in without_gutter(message).splitlines()
    ]


def kept_the_rest(text: str, shown: list[str], keys: list[str]) -> bool:
    """Every line of `shown` that sets none of `keys` is still a line of `text`."""
    now = {line.rstrip() for line in text.splitlines()}
    setting = setting_line(keys)
    return all(line in now for line in shown if line.strip() and not setting.match(line))


def settings_made(request: str, since_request: Sequence[BaseMessage], workspace: Path) -> bool:
    """The request names settings, the files this turn wrote hold every one of them, and
    each of those files still has every other line this turn's `read` of it showed."""
    if not (wanted := asked_settings(request)):
        return False
    texts = []
    for path in written_paths(since_request):
        rel = rel_beneath(workspace, path)
        if rel is None:
            continue
        try:
            text = read_bytes(workspace, rel, LIMIT).decode("utf-8", "replace")
        except OSError:
            continue
        if not kept_the_rest(text, lines_read(since_request, path), list(wanted)):
            return False
        texts.append(text)
    return bool(texts) and all(any(holds(t, k, v) for t in texts) for k, v in wanted.items())
