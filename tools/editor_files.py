"""An editor that serves the file tools' text (its open buffers, unsaved changes included).

A front end that has one (the Agent Client Protocol's `fs/read_text_file` and
`fs/write_text_file`) hands it to the session; without one the file tools use the disk. The
file tools decide, before the editor hears of a path, whether it may serve it
(`tools/local/file_checks.py` `editor_for`): only files inside the workspace that are no
credential place.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol


class EditorFiles(Protocol):
    """Blocking calls, made from a tool's worker thread; failures raise ToolException.

    `path` is resolved and inside the workspace when the tools call, but sandboxed code may
    swap a folder on the way for a symlink right after: an implementation checks beneath
    the workspace by descriptor before an editor opens the name, and reaches the disk
    itself only by descriptor (tools/safe_paths.py; cli/acp/client_files.py does both).
    """

    reads: bool  # the editor serves reads
    writes: bool  # the editor takes writes

    def read_text(self, path: Path) -> str: ...

    def write_text(self, path: Path, content: str) -> None: ...


def text_version(text: str) -> tuple[str, str]:
    """What the read registry keeps for a text read through the editor (no stat there)."""
    return ("text", hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
