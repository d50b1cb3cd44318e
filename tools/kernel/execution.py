"""What a cell did: its outputs in nbformat's shape and how it ended (tools/kernel/process.py
gathers them from the kernel's iopub messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

STREAM_KEEP_CHARS = 200_000  # printed text kept from the start of a cell, and again at its end
Outcome = Literal["ok", "error", "interrupted", "died", "killed"]


@dataclass
class Execution:
    """What a cell did: its outputs (nbformat-shaped dicts) and how it ended."""

    outcome: Outcome = "ok"
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    exit_code: int | None = None  # when the kernel died
    cwd: str | None = None  # the kernel's working directory after the cell (when it ended)
    _kept: int = 0  # printed characters kept at the head
    _tail: str = ""  # printed text past the head, its last STREAM_KEEP_CHARS
    _dropped: int = 0

    def add(self, output: dict[str, Any]) -> None:
        """Keep an output; printed text beyond the budget keeps only its head and tail."""
        if output["output_type"] != "stream":
            self.outputs.append(output)
            return
        room = 0 if self._tail else STREAM_KEEP_CHARS - self._kept
        text, over = output["text"][:room], output["text"][room:]
        if over:
            self._tail += over
            if len(self._tail) > STREAM_KEEP_CHARS:
                self._dropped += len(self._tail) - STREAM_KEEP_CHARS
                self._tail = self._tail[-STREAM_KEEP_CHARS:]
        if not text:
            return
        self._kept += len(text)
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == output["name"]:
            last["text"] += text
        else:
            self.outputs.append({**output, "text": text})

    def finish(self) -> Execution:
        """Add the kept tail of a flood of printed text, with what was left out."""
        if self._tail:
            gap = f"\n[... {self._dropped:,} printed characters omitted ...]\n"
            text, self._tail = gap * bool(self._dropped) + self._tail, ""
            self.outputs.append({"output_type": "stream", "name": "stdout", "text": text})
        return self


def output_of(kind: str, content: dict[str, Any]) -> dict[str, Any] | None:
    """An iopub message as an nbformat output (execute_input and clear_output kept as markers)."""
    if kind == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if kind == "execute_result":
        count = content.get("execution_count")
        return {"output_type": kind, "data": content.get("data", {}), "metadata": {},
                "execution_count": count}  # fmt: skip
    if kind == "display_data":
        return {"output_type": kind, "data": content.get("data", {}), "metadata": {}}
    if kind == "error":
        return {"output_type": "error", **{k: content.get(k) for k in ("ename", "evalue")},
                "traceback": content.get("traceback", [])}  # fmt: skip
    if kind in ("execute_input", "clear_output"):
        return {"output_type": kind}
    return None
