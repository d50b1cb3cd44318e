"""Notebooks as data: read and write an .ipynb with nbformat, show it compactly, change cells.

Everything here is about the file; running it is notebook_run.py.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException

from tools.kernel.image_strip import stripped
from tools.kernel.outputs import IMAGE_TYPES, plain, render
from tools.safe_paths import UnsafePath, lstat_at, regular_file, relative_anchor, write_bytes

NOTEBOOK_MAX_BYTES = 64 * 1024 * 1024
CELL_OUTPUT_CHARS = 2_000  # per cell when reading: the head of its outputs
SOURCE_CHARS = 6_000  # per cell when reading


def load(path: Path, workspace: Path) -> Any:
    """The notebook at the resolved `path` (nbformat 4), opened once by descriptor beneath
    `workspace` (tools/safe_paths.py: no symlink followed, no FIFO waited on); a
    ToolException the model can act on otherwise."""
    import nbformat

    anchor, rel = relative_anchor(path, workspace)
    try:
        with regular_file(anchor, rel, None) as file:
            size = file.st.st_size
            if size > NOTEBOOK_MAX_BYTES:
                raise ToolException(
                    f"{path} is {size / 1e6:.0f} MB, more than the {NOTEBOOK_MAX_BYTES // 2**20} "
                    "MiB this tool opens (its outputs are probably large): clear them in Jupyter "
                    "(`jupyter nbconvert --clear-output --inplace`) or read it with `read`."
                )
            data = file.read()
    except FileNotFoundError:
        raise ToolException(f"No notebook at {path}. Create it by inserting a cell.") from None
    except UnsafePath as error:
        raise ToolException(f"{path}: {error.strerror}.") from None
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:
        said = " ".join(str(error).split())[:300]
        raise ToolException(
            f"{path} is not a valid notebook ({type(error).__name__}: {said}); nothing was "
            "changed. Look at it with `read`, or fix its JSON with `edit`."
        ) from None
    return notebook


def exists(path: Path, workspace: Path) -> bool:
    """True when something (a file, a link, anything) is at the resolved `path`."""
    anchor, rel = relative_anchor(path, workspace)
    try:
        return lstat_at(anchor, rel) is not None
    except UnsafePath:
        return True  # not nothing: `load` says what


def new_notebook() -> Any:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def save(notebook: Any, path: Path, workspace: Path) -> None:
    """Write atomically beneath `workspace` (a temporary file in the same folder, then a
    rename; tools/safe_paths.py), keeping the mode; a ToolException when a symlink or
    something other than a regular file is in the way."""
    import nbformat

    anchor, rel = relative_anchor(path, workspace)
    text = nbformat.writes(notebook)
    text += "" if text.endswith("\n") else "\n"  # as nbformat.write does
    try:
        write_bytes(anchor, rel, text.encode("utf-8"))
    except UnsafePath as error:
        raise ToolException(f"{path}: {error.strerror}.") from None


def describe_outputs(outputs: list[Any], limit: int = CELL_OUTPUT_CHARS) -> str:
    """A cell's outputs as text, images only named (nothing is saved when reading)."""

    def named(raw: bytes, suffix: str) -> str:
        return f"a {suffix} image of {len(raw):,} bytes, in the notebook"

    text = render(outputs, named)
    if len(text) > limit:
        text = f"{text[:limit]}\n[... {len(text) - limit:,} more characters of output ...]"
    return text


def show(notebook: Any, name: str, first: int = 0, last: int | None = None) -> str:
    """The cells from `first` to `last` (inclusive), numbered, with their outputs."""
    cells = notebook.cells
    last = len(cells) - 1 if last is None else min(last, len(cells) - 1)
    spec = notebook.metadata.get("kernelspec", {}).get("name", "none")
    lines = [f"{name}: {len(cells)} cells (kernel: {spec})"]
    for index in range(first, last + 1):
        cell = cells[index]
        ran = cell.get("execution_count")
        head = f"[{index}] {cell.cell_type}" + (f" (ran as {ran})" if ran else "")
        source = plain(cell.source)
        if len(source) > SOURCE_CHARS:
            source = (
                f"{source[:SOURCE_CHARS]}\n[... {len(source) - SOURCE_CHARS:,} more characters]"
            )
        lines += [head, source]
        if outputs := cell.get("outputs"):
            lines += ["--- output", describe_outputs(outputs)]
    if not cells:
        lines.append("(no cells: insert one)")
    return "\n".join(lines)


def index_of(notebook: Any, cell: int | None, *, allow_end: bool = False) -> int:
    """`cell` checked against the notebook (negative counts from the end)."""
    count = len(notebook.cells)
    top = count if allow_end else count - 1
    if cell is None:
        if allow_end:
            return count
        raise ToolException("Say which cell with `cell` (its number, from 0).")
    index = cell + count if cell < 0 else cell
    if not 0 <= index <= top:
        valid = f"0 to {top}" if top >= 0 else "none (the notebook is empty)"
        raise ToolException(f"There is no cell {cell}: the cells are numbered {valid}.")
    return index


def make_cell(kind: str, source: str) -> Any:
    import nbformat

    if kind == "markdown":
        return nbformat.v4.new_markdown_cell(source)
    if kind == "raw":
        return nbformat.v4.new_raw_cell(source)
    return nbformat.v4.new_code_cell(source)


def edit(notebook: Any, index: int, source: str, kind: str | None) -> None:
    """Replace a cell's source (and type); its old outputs no longer match, so they go."""
    old = notebook.cells[index]
    if kind is not None and kind != old.cell_type:
        notebook.cells[index] = make_cell(kind, source)
        return
    old.source = source
    if old.cell_type == "code":
        old.outputs, old.execution_count = [], None


def is_python(notebook: Any) -> bool:
    """True when the notebook's kernel is a Python one (or it names none)."""
    spec = notebook.metadata.get("kernelspec") or {}
    language = spec.get("language") or notebook.metadata.get("language_info", {}).get("name")
    name = str(spec.get("name") or "")
    return (language or "python").lower() == "python" or name.startswith("python")


def kernel_name(notebook: Any) -> str:
    spec = notebook.metadata.get("kernelspec") or {}
    return str(spec.get("display_name") or spec.get("name") or "unknown")


# Data kinds that hold base64 pictures, not text: re-encoded, not masked.
_PICTURES = IMAGE_TYPES


def mask_outputs(notebook: Any, workspace: Path) -> None:
    """Blocking: every text the outputs hold, masked as tool output is (tools/secrets), so a
    token a cell printed never reaches the file, Jupyter or git; the display metadata masked
    too, and every picture re-encoded from its pixels (image_strip.py: a token in a PNG's
    text chunk or a JPEG's EXIF goes; a picture that cannot be read goes whole)."""
    from tools.secrets import mask_secrets
    from tools.secrets.sources import refresh

    refresh(workspace)  # the workspace's .env and credential files: known values first
    for cell in notebook.cells:
        for output in cell.get("outputs") or []:
            for key in ("text", "evalue", "traceback"):
                if key in output:
                    output[key] = _masked(output[key], mask_secrets)
            if "metadata" in output:
                output["metadata"] = _masked_tree(output["metadata"], mask_secrets)
            data = output.get("data") or {}
            for kind in [k for k in data if k not in _PICTURES]:
                data[kind] = _masked(data[kind], mask_secrets)
            for kind in [k for k in data if k in _PICTURES]:
                if (clean := _picture(data[kind], _PICTURES[kind])) is None:
                    del data[kind]
                else:
                    data[kind] = clean


def _picture(encoded: Any, suffix: str) -> str | None:
    """A base64 picture of an output, re-encoded from its pixels (None: not one)."""
    text = "".join(encoded) if isinstance(encoded, list) else encoded
    try:
        clean = stripped(base64.b64decode(str(text)), suffix)
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(clean).decode() if clean is not None else None


def _masked_tree(value: Any, mask: Any) -> Any:
    """JSON data (display metadata) with every string in it masked, its shape kept."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask(str(k)): _masked_tree(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_tree(v, mask) for v in value]
    return value


def _masked(value: Any, mask: Any) -> Any:
    """A string, a list of lines, or JSON data with its secrets masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return [mask(line) for line in value]
    text = json.dumps(value, ensure_ascii=False)
    masked = mask(text)
    return value if masked == text else masked  # JSON with a secret becomes its masked text
