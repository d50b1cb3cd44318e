"""Where the git guard puts what a sandboxed command planted: `$ML_INTERN_HOME/quarantine/`.

A planted hook or config is moved out of its folder by descriptor (tools/safe_moves.py), never
followed; one that cannot be kept across file systems (a FIFO) is removed. Each action is a
note for the model and the user.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from configs.environment import ml_intern_home
from tools.result_texts import tool_text
from tools.result_texts.sandbox import MOVED, NOT_MOVED, REMOVED
from tools.safe_moves import move_out
from tools.safe_paths import anchor_fd


class Quarantine:
    """Where taken-away files go: `$ML_INTERN_HOME/quarantine/<time>-<pid>/`."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.moved: list[str] = []
        self._taken: set[str] = set()

    def take(self, dir_fd: int, name: str, what: str, place: str) -> list[str]:
        """`name` in the folder `dir_fd` (shown as `place`) moved here, never followed."""
        if self.folder is None:
            stamp = time.strftime("%Y%m%dT%H%M%S")
            self.folder = ml_intern_home() / "quarantine" / f"{stamp}-{os.getpid()}-{id(self)}"
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.folder / f"{len(self.moved)}-{what}"
        try:
            with anchor_fd(self.folder) as box:
                move_out(dir_fd, name, box, target.name)
        except OSError as error:
            if error.errno == errno.EXDEV and _removed(dir_fd, name):
                self._taken.add(place)
                return [tool_text("git_guard", REMOVED, what=what, path=shown(place))]
            why = error.strerror
            return [tool_text("git_guard", NOT_MOVED, what=what, path=shown(place), error=why)]
        self.moved.append(str(target))
        self._taken.add(place)
        return [tool_text("git_guard", MOVED, what=what, path=shown(place), target=target)]

    def took(self, place: str) -> bool:
        """True when `place` was moved here."""
        return place in self._taken


def _removed(dir_fd: int, name: str) -> bool:
    """True when the FIFO, socket or device `name` in `dir_fd` was removed (not a folder)."""
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        return False
    return True


def shown(path: str) -> str:
    """A path on one readable line: control characters and bytes that are not UTF-8 escaped."""
    raw = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)
