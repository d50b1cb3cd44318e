"""A Python traceback as a small model can use it: its own lines shown, library frames folded.

The failing line of the model's own program (Python shows no source for `<stdin>`) is shown
under its frame; library frames such as pandas' internals are folded.

Why: six pandas frames hid a `<stdin>` KeyError (docs/lab/2026-11-25.md, train-classifier).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tools.result_texts import tool_text
from tools.result_texts.shell import FOLDED

_HEREDOC = re.compile(
    r"\bpython(?:3(?:\.\d+)?)?\s+-\s*<<-?\s*(['\"]?)(\w+)\1[^\n]*\n(.*?)\n\s*\2\s*(?:\n|$)",
    re.S,
)
_FRAME = re.compile(r'^(\s*)File "([^"]+)", line (\d+), in (.+)$')
_LIBRARY = re.compile(
    r"/(?:site-packages|dist-packages)/|/lib/python3\.\d+/|^<frozen |\.(?:pyx|pxd|pxi)$"
)


class Frame(NamedTuple):
    path: str
    number: int
    function: str
    line: str  # its source line, stripped; empty when Python printed none


def failing_frames(output: str) -> list[Frame]:
    """The frames of the tracebacks in `output` (as `focus_traceback` shows them), outermost
    first, each with the source line printed under it."""
    lines = output.split("\n")
    frames: list[Frame] = []
    for i, text in enumerate(lines):
        if match := _FRAME.match(text):
            after = lines[i + 1] if i + 1 < len(lines) else ""
            indented = len(after) - len(after.lstrip()) > len(match.group(1))
            source = after.strip() if indented and not _FRAME.match(after) else ""
            frames.append(Frame(match.group(2), int(match.group(3)), match.group(4), source))
    return frames


def heredoc_program(command: str) -> list[str] | None:
    """The lines of the Python program `command` feeds through a here-document, if any."""
    match = _HEREDOC.search(command)
    return match.group(3).split("\n") if match else None


def focus_traceback(command: str, output: str) -> str:
    """`output` with each library frame of a traceback folded into a count and each frame of
    the command's here-document program followed by its line; other output is unchanged."""
    if "Traceback (most recent call last):" not in output:
        return output
    program = heredoc_program(command)
    lines = output.split("\n")
    shown: list[str] = []
    folded, indent, i = 0, "", 0
    while i < len(lines):
        frame = _FRAME.match(lines[i])
        body_end = _frame_end(lines, i) if frame else i + 1
        if frame and _LIBRARY.search(frame.group(2)):
            folded, indent = folded + 1, frame.group(1)
            i = body_end
            continue
        if folded:
            shown.append(_folded(indent, folded))
            folded = 0
        shown.extend(lines[i:body_end])
        if frame and frame.group(2) == "<stdin>" and program and body_end == i + 1:
            number = int(frame.group(3))
            if 0 < number <= len(program) and program[number - 1].strip():
                shown.append(f"{frame.group(1)}  {program[number - 1].strip()}")
        i = body_end
    if folded:
        shown.append(_folded(indent, folded))
    return "\n".join(shown)


def _folded(indent: str, count: int) -> str:
    s = "" if count == 1 else "s"
    return tool_text("traceback_focus", FOLDED, indent=indent, count=count, s=s)


def _frame_end(lines: list[str], start: int) -> int:
    """The index after a frame's header line and the source and caret lines indented under it."""
    depth = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and lines[end].strip() and not _FRAME.match(lines[end]):
        if len(lines[end]) - len(lines[end].lstrip()) <= depth:
            break
        end += 1
    return end
