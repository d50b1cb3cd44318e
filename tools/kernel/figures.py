"""Where a kernel's images go: `.ml-intern/figures/` in the workspace, under the file rules.

An image is re-encoded from its pixels when it is saved and again when it is read
(image_strip.py): no text chunk, EXIF or comment the agent's code put in it, or in a file it
planted in the folder, is written, served or sent.

`read_figure` (and `figure_version`) is the one answer to "may this figure be shown?", asked
by the model's prompt (nodes/tool_images.py) and the web page's figure route
(serve/web_figures.py) alike. Every touch of the folder goes through tools/safe_paths.py: the
agent's code can plant symlinks and FIFOs there.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from pathlib import Path

from tools.call_context import CallContext
from tools.kernel.image_strip import stripped
from tools.local.file_checks import confined
from tools.local.sandbox import Sandbox
from tools.places import is_secret
from tools.result_texts import tool_text
from tools.result_texts.kernel import NOT_AN_IMAGE, NOT_SAVED
from tools.safe_paths import folder_at, open_at, read_bytes, regular_file, write_in

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
        """Blocking: write `image` into the workspace's figures folder (made if needed, never
        through a symlink), and say where, or why it was not saved."""
        clean = stripped(image, suffix)
        if clean is None:
            return tool_text("figures", NOT_AN_IMAGE, kind=suffix.upper())
        name = FIGURES / f"{self.stem}-{next(self._numbers)}.{suffix}"
        target = confined(self.call, str(name), "write", self.walls)
        try:
            with folder_at(self.call.workspace, FIGURES, make=True) as folder:
                _ignore_all(folder)
                write_in(folder, name.name, clean)
        except OSError:
            return tool_text("figures", NOT_SAVED, folder=FIGURES.as_posix())
        self.saved.append(target)
        return f"image saved to {self.call.show(target)}"

    @property
    def names(self) -> list[str]:
        """The saved figures' file names (what a result's artifact lists)."""
        return [path.name for path in self.saved]


def _ignore_all(folder: int) -> None:
    """A `.gitignore` of `*` in the figures folder unless something is already there
    (figures are outputs, not part of the project); a planted symlink is left, not followed."""
    try:
        fd = open_at(folder, ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    try:
        os.write(fd, b"*\n")
    finally:
        os.close(fd)


def _figure_rel(workspace: Path, name: str) -> str | None:
    """The figure's path in `workspace` when `name` is one FigureFolder gives and the place
    is no credential place, else None."""
    if not isinstance(name, str) or not FIGURE_NAME.fullmatch(name):
        return None
    real = workspace.resolve()
    return None if is_secret(real / FIGURES / name, real) else (FIGURES / name).as_posix()


def figure_version(workspace: Path, name: str) -> tuple[int, int] | None:
    """Blocking: (mtime in ns, size) of the figure `name` when it may be shown (see
    `read_figure`), else None."""
    rel = _figure_rel(workspace, name)
    if rel is None:
        return None
    try:
        with regular_file(workspace, rel, MAX_FIGURE_BYTES) as file:
            return file.st.st_mtime_ns, file.st.st_size
    except OSError:
        return None


def media_type(name: str) -> str:
    return MEDIA_TYPES[name.rsplit(".", 1)[-1]]


def read_figure(workspace: Path, name: str) -> bytes | None:
    """Blocking: the bytes of the figure `name` of `workspace`, or None: not a name
    FigureFolder gives, in a credential place, not a regular file right in the figures folder
    reached through no symlink (opened by descriptor, tools/safe_paths.py: no check a symlink
    can race), larger than MAX_FIGURE_BYTES, or not the image its suffix says. The bytes are
    the picture re-encoded from its pixels (image_strip.py: no metadata the file held)."""
    rel = _figure_rel(workspace, name)
    if rel is None:
        return None
    try:
        data = read_bytes(workspace, rel, MAX_FIGURE_BYTES)
    except OSError:
        return None
    suffix = name.rsplit(".", 1)[-1]
    if not data.startswith(MAGIC[suffix]):
        return None  # not the image its name says (a page, a script...)
    return stripped(data, suffix)
