"""Where a kernel's images go: `.ml-intern/figures/` in the workspace, under the file rules."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

from tools.call_context import CallContext
from tools.local.file_checks import confined
from tools.local.sandbox import Sandbox

FIGURES = Path(".ml-intern") / "figures"


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
