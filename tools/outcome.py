"""What a tool call came to, beside the text the model reads: a command's exit code, the
files a call wrote.

A tool that runs a command (`bash`, `hf_sandbox` exec, a `python` cell: 1 when it raised) or
writes workspace files (`write`, `edit`) attaches an `Outcome` to its result, under
`"outcome"` in the ToolMessage's artifact (JSON, checkpointed with the message; paths, never
contents). Nodes and the graph read it with `outcome_of`, never from the result's words: a
command's output can say anything, e.g. a `cat` of a log that ends in "[exit code: 0]".

>>> found = outcome_of(("...\\n[exit code: 2]", Outcome(exit_code=2, notes=1).artifact()))
>>> found.exit_code, found.wrote
(2, ())
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KEY = "outcome"  # its key in a result's artifact, beside others ("figures", "usage", "plan")


@dataclass(frozen=True)
class Outcome:
    """`exit_code`: how the command ended; None when it did not end by itself (timed out, not
    run) or the tool runs none. `wrote`: the files the call wrote, as its result names them
    (relative to the workspace inside it). `notes`: how many non-blank lines at the end of the
    text are the tool's own (its exit-code line and the notes after it), not the command's."""

    exit_code: int | None = None
    wrote: tuple[str, ...] = ()
    notes: int = 0

    def artifact(self, **others: Any) -> dict[str, Any]:
        """The result's artifact: `others` (a tool's other keys) and this outcome, as JSON."""
        mine = {"exit_code": self.exit_code, "wrote": list(self.wrote), "notes": self.notes}
        return {**others, KEY: mine}

    def quoted(self) -> Outcome:
        """What an answer that quotes this result without running the call again carries:
        the same exit, and no file written this time."""
        return Outcome(exit_code=self.exit_code, notes=self.notes)


def outcome_of(result: Any) -> Outcome | None:
    """The outcome a tool attached to `result` (a ToolMessage, or the `(content, artifact)`
    pair a tool returns); None when there is none: a tool that runs no command and writes no
    file, a call that failed or was refused, or a result recorded before tools attached one.

    Why: threads recorded by earlier releases have no outcomes, and their words are not parsed
    instead; the checks that read outcomes judge the current turn, whose results have them.
    """
    artifact = result[1] if isinstance(result, tuple) and len(result) == 2 else None
    artifact = getattr(result, "artifact", artifact)
    found = artifact.get(KEY) if isinstance(artifact, dict) else None
    if not isinstance(found, dict):
        return None
    code, wrote, notes = found.get("exit_code"), found.get("wrote"), found.get("notes")
    return Outcome(
        exit_code=code if isinstance(code, int) else None,
        wrote=tuple(p for p in wrote if isinstance(p, str)) if isinstance(wrote, list) else (),
        notes=notes if isinstance(notes, int) and notes >= 0 else 0,
    )


def nonblank_lines(text: str) -> int:
    """How many lines of `text` hold more than whitespace (what `notes` counts)."""
    return sum(1 for line in text.splitlines() if line.strip())
