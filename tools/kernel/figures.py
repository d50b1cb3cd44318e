"""Where a kernel's images go: `.ml-intern/figures/` in the workspace, under the file rules.

`figure_file` is the one answer to "may this figure be shown?", asked by the model's prompt
(nodes/tool_images.py) and the web page's figure route (serve/web_figures.py) alike.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from pathlib import Path

from tools.call_context import CallContext
from tools.local.file_checks import confined
from tools.local.sandbox import Sandbox
from tools.places import is_secret, resolve

FIGURES = Path(".ml-intern") / "figures"
# What FigureFolder names a figure; nothing else is ever served or sent as one.
FIGURE_NAME = re.compile(r"[0-9a-f]{10}-[0-9]{1,4}\.(png|jpg|gif)")
MAX_FIGURE_BYTES = 20 * 2**20  # a larger "figure" is neither served nor sent
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif"}
MAGIC = {"png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",), "gif": (b"GIF87a", b"GIF89a")}


class FigureFolder:
    """Saves one call's images as `<random>-<n>.<suffix>`; the result names each by its
    workspace path."""

    def __init__(self, call: CallContext, sandbox: Sandbox | None) -> None:
        self.call, self.walls = call, sandbox.walls if sandbox is not None else None
        self.stem = uuid.uuid4().hex[:10]
        self._numbers = itertools.count(1)
        self.saved: list[Path] = []

    def save(self, image: bytes, suffix: str) -> str:
        name = FIGURES / f"{self.stem}-{next(self._numbers)}.{suffix}"
        target = confined(self.call, str(name), "write", self.walls)
        target.parent.mkdir(parents=True, exist_ok=True)
        ignore = target.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")  # figures are outputs, not part of the project
        target.write_bytes(image)
        self.saved.append(target)
        return f"image saved to {self.call.show(target)}"

    @property
    def names(self) -> list[str]:
        """The saved figures' file names (what a result's artifact lists)."""
        return [path.name for path in self.saved]


def figure_file(workspace: Path, name: str) -> Path | None:
    """The figure `name` of `workspace` when it may be shown, else None: a name FigureFolder
    gives, a regular file right in the figures folder, reached through no symlink, in no
    credential place."""
    if not isinstance(name, str) or not FIGURE_NAME.fullmatch(name):
        return None
    real = workspace.resolve()
    target = real / FIGURES / name
    if resolve(target, real) != target or not target.is_file():
        return None  # a symlink on the way (the file or a folder) leads elsewhere
    return None if is_secret(target, real) else target


def media_type(name: str) -> str:
    return MEDIA_TYPES[name.rsplit(".", 1)[-1]]


def read_figure(workspace: Path, name: str) -> bytes | None:
    """Blocking: the bytes of `figure_file(workspace, name)`, or None (not a figure, larger
    than MAX_FIGURE_BYTES, not the image its suffix says, or swapped for a symlink since the
    check)."""
    target = figure_file(workspace, name)
    if target is None:
        return None
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_FIGURE_BYTES + 1)
    if len(data) > MAX_FIGURE_BYTES or not data.startswith(MAGIC[name.rsplit(".", 1)[-1]]):
        return None  # too large, or not the image its name says (a page, a script...)
    return data
