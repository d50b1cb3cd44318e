"""Cell outputs as text for the model: printed text, values, tables, errors, saved images.

Rich outputs become text a model reads well: an HTML table (a DataFrame, a styled table)
becomes a Markdown table, an image is saved as a file in the workspace and named.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
HTML_KEEP_CHARS = 200_000  # an HTML output larger than this is not converted, only noted
TRACEBACK_FRAMES = 12
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_OBJECT_REPR = re.compile(r"^<[\w.]+ (object|at 0x)[^>]*>$")
# (image bytes, its file suffix) -> how the result speaks of it ("image saved to <path>")
SaveImage = Callable[[bytes, str], str]


def plain(text: str) -> str:
    """Terminal colours removed and `\\r` progress settled to what was last shown."""
    text = _ANSI.sub("", text)
    if "\r" not in text:
        return text
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def render(outputs: Iterable[dict[str, Any]], save: SaveImage) -> str:
    """All outputs of one cell, in order, as text."""
    parts = [part for output in outputs if (part := render_one(output, save))]
    return "\n".join(part.rstrip("\n") for part in parts)


def render_one(output: dict[str, Any], save: SaveImage) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        text = plain(_joined(output.get("text")))
        return f"[stderr]\n{text}" if output.get("name") == "stderr" and text.strip() else text
    if kind == "error":
        return error_text(output)
    if kind in ("execute_result", "display_data"):
        count = output.get("execution_count")
        text = data_text(output.get("data") or {}, save)
        return f"Out[{count}]: {text}" if kind == "execute_result" and count else text
    return ""


def error_text(output: dict[str, Any]) -> str:
    """The traceback without colours, its last frames only (the cause is at the end)."""
    lines = [plain(line) for line in output.get("traceback") or []]
    if len(lines) > TRACEBACK_FRAMES:
        gap = f"[... {len(lines) - TRACEBACK_FRAMES} traceback frames omitted ...]"
        lines = [gap, *lines[-TRACEBACK_FRAMES:]]
    return "\n".join(lines) or f"{output.get('ename')}: {output.get('evalue')}"


def data_text(data: dict[str, Any], save: SaveImage) -> str:
    """One rich value as text: images saved and named, HTML as Markdown, else its text form."""
    for mime, suffix in IMAGE_TYPES.items():
        if mime in data:
            return _image(data[mime], suffix, save)
    text = _joined(data.get("text/plain"))
    html = _joined(data.get("text/html"))
    if html and (not text or _OBJECT_REPR.match(text.strip())):
        return html_text(html)  # a DataFrame's own text form is already a table
    if not text and "text/markdown" in data:
        return _joined(data["text/markdown"])
    if not text and "application/json" in data:
        return json.dumps(data["application/json"], ensure_ascii=False)[:HTML_KEEP_CHARS]
    if not text and data:
        return f"[output of type {', '.join(sorted(data))}, not shown as text]"
    return plain(text)


def html_text(html: str) -> str:
    """HTML (tables included) as Markdown."""
    if len(html) > HTML_KEEP_CHARS:
        return f"[HTML output of {len(html):,} characters, too large to show]"
    from markdownify import markdownify

    return re.sub(r"\n{3,}", "\n\n", markdownify(html, heading_style="ATX")).strip()


def _image(encoded: Any, suffix: str, save: SaveImage) -> str:
    try:
        raw = base64.b64decode(_joined(encoded), validate=False)
    except (binascii.Error, ValueError):
        return "[an image the kernel sent could not be decoded]"
    return f"[{save(raw, suffix)}]"


def _joined(value: Any) -> str:
    """nbformat keeps multi-line text as a list of lines."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)
