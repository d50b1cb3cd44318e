"""`undo`: what the workspace record keeps so `/undo` can put files back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Folders never recorded: version control, environments and caches that their own tools
# rebuild (undo would fight `git` and `pip`, not help).
DEFAULT_SKIP = [
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
]


class UndoSettings(BaseModel):
    """`enabled: false` turns the record off (undo then rewinds the conversation only)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    enabled: bool = True
    # A file bigger than this is listed when it changes, but its content is not kept.
    max_file_mb: float = Field(50, ge=0)
    # Workspace folders (relative) whose files are listed, not kept: data, outputs,
    # checkpoints. Folders and files `.gitignore` names are treated the same way.
    not_kept: list[str] = Field(default_factory=list)
    # A workspace with more files than this (a home folder, a dataset tree) is not scanned:
    # what programs change there is not recorded (file tools' own paths still are).
    max_files: int = Field(200_000, ge=1)
    # Folder names never walked nor recorded, wherever they are.
    skip: list[str] = Field(default_factory=lambda: list(DEFAULT_SKIP))
