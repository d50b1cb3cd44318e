"""A Jupyter notebook as text a model can read: cells in order, code fenced, outputs trimmed.

Raw `.ipynb` JSON buries the code in escaped strings and base64 images; this keeps what a
reader needs (markdown, code, short text outputs) and says what was left out.
"""

from __future__ import annotations

import json
from typing import Any

from tools.result_texts import tool_text
from tools.result_texts.external import CELL, CODE, MORE_CHARS, NOT_SHOWN, OUTPUT, RAISED

MAX_OUTPUT_CHARS = 600


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _outputs(outputs: list[Any]) -> list[str]:
    shown: list[str] = []
    for output in outputs:
        if not isinstance(output, dict):
            continue
        if output.get("output_type") == "stream":
            text = _text(output.get("text"))
        elif output.get("output_type") == "error":
            name, value = output.get("ename", "Error"), output.get("evalue", "")
            text = tool_text("notebook", RAISED, name=name, value=value)
        else:
            data = output.get("data") or {}
            text = _text(data.get("text/plain")) if "text/plain" in data else ""
            if not text and data:
                text = tool_text("notebook", NOT_SHOWN, types=", ".join(sorted(data)))
        if text.strip():
            cut = text[:MAX_OUTPUT_CHARS]
            more = (
                tool_text("notebook", MORE_CHARS, count=len(text) - MAX_OUTPUT_CHARS)
                if len(text) > len(cut)
                else ""
            )
            shown.append(tool_text("notebook", OUTPUT, text=cut.rstrip(), more=more))
    return shown


def notebook_as_markdown(raw: str) -> str | None:
    """The notebook rendered as markdown cells, or None when `raw` is not a notebook."""
    try:
        notebook = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    language = (notebook.get("metadata") or {}).get("kernelspec", {}).get("language") or "python"
    parts: list[str] = []
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict):
            continue
        kind, source = cell.get("cell_type", "code"), _text(cell.get("source")).rstrip()
        parts.append(tool_text("notebook", CELL, number=number, kind=kind))
        if kind == "code":
            parts.append(tool_text("notebook", CODE, language=language, source=source))
            parts.extend(_outputs(cell.get("outputs") or []))
        else:
            parts.append(source)
    return "\n\n".join(parts) + "\n"
