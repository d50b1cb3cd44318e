"""How an undo's file report reads in a terminal (the REPL's /undo and `threads undo`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.shown_names import shown

SHOWN = 8  # paths listed per kind; the rest are counted


def report_lines(files: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(text, rich style) lines for `files` (graph's RestoreReport as JSON)."""
    if not files:
        return []
    if files.get("kept_files"):
        lines = [("Files left as they are (--keep-files): only the conversation went back.", "dim")]
    else:
        lines = _restored(files)
    for key, style, heading in SECTIONS:
        if files.get(key):
            lines.append((f"{heading} {listed(files[key])}", style))
    return lines


def _restored(files: Mapping[str, Any]) -> list[tuple[str, str]]:
    restored, removed = files.get("restored") or [], files.get("removed") or []
    lines: list[tuple[str, str]] = []
    if files.get("finished_interrupted"):
        lines.append(
            ("An earlier undo was cut off; this one finished putting its files back.", "yellow")
        )
    if not restored and not removed:
        return [*lines, ("No file to put back.", "dim")]
    lines.append((f"Files put back: {len(restored)} restored, {len(removed)} removed.", "magenta"))
    if restored:
        lines.append((f"  restored {listed(restored)}", "dim"))
    if removed:
        lines.append((f"  removed {listed(removed)}", "dim"))
    return lines


SECTIONS = [
    ("conflicts", "bold yellow", "Changed since the agent wrote them, so left as they are:"),
    ("failed", "bold red", "Could not be put back:"),
    ("not_kept", "yellow", "Changed, but not kept (too big, a data folder or a credential file):"),
    ("not_undoable", "yellow", "Not undone (outside the workspace or on another service):"),
    (
        "not_recorded",
        "yellow",
        "Files these calls changed were not recorded (recording off, an older ml-intern, or a workspace over undo.max_files):",
    ),
]


def listed(items: list[str]) -> str:
    """The first items, each on one line however it was named (`shown`: escaping twice is
    harmless, so a report from any server is safe to print)."""
    names = ", ".join(shown(str(item)) for item in items[:SHOWN])
    more = f" … and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return names + more
