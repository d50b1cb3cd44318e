"""A resource link in a prompt (`file://` in the workspace) read for the user, through the
editor when it serves reads (unsaved text included), else from the disk.

Only what the file tools could read without asking is read (tools/places.py
`editor_serves`: inside the workspace, no credential or hidden place); any other link stays
a link, which the model may `read` under the usual approvals.
"""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import unquote, urlparse

from langchain_core.tools import ToolException

from cli.acp.client_files import ClientFiles
from cli.acp.prompt_content import MAX_ATTACHED_CHARS, LinkReader
from tools.places import Walls, editor_serves, resolve
from tools.safe_paths import lstat_at, regular_file

SNIFF_BYTES = 8192


def link_reader(workspace: Path, editor: ClientFiles | None, walls: Walls | None) -> LinkReader:
    """Blocking: call the reader off the event loop (the editor answers on it)."""
    root = workspace.resolve()

    def read(uri: str) -> str | None:
        parsed = urlparse(uri)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            return None
        target = resolve(unquote(parsed.path), workspace)
        if not editor_serves(target, workspace, walls) or not _regular(root, target):
            return None
        if editor is not None and editor.reads:
            try:
                return editor.read_text(target)
            except ToolException:
                return None
        return _disk_text(root, target)

    return read


def _regular(root: Path, target: Path) -> bool:
    """True for a regular file beneath `root`, reached without a link (by descriptor)."""
    try:
        st = lstat_at(root, target.relative_to(root))
    except (OSError, ValueError):
        return False
    return st is not None and stat.S_ISREG(st.st_mode)


def _disk_text(root: Path, target: Path) -> str | None:
    """The file's first MAX_ATTACHED_CHARS characters and a little more (so the cut shows),
    or None for a binary file; read by descriptor beneath the workspace (tools/safe_paths.py:
    no link followed, never blocking on a FIFO)."""
    try:
        with regular_file(root, target.relative_to(root), None) as file:
            data = file.read(4 * MAX_ATTACHED_CHARS + 4)
    except OSError:
        return None
    if b"\0" in data[:SNIFF_BYTES]:
        return None
    return data.decode("utf-8", errors="replace")
