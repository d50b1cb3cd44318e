"""A function that loads models, called in a process of its own; prints what it returns.

    python tests/skills/call.py tiny FUNCTION FOLDER [ARG ...]   # FUNCTION(Path(FOLDER), *ARGS)
    python tests/skills/call.py TEMPLATE.py FUNCTION [ARG ...]   # a template's FUNCTION(*ARGS)
    python tests/skills/call.py facts FUNCTION [ARG ...]         # as JSON; guards, snippets too

The first builds a tiny model of tests/skills/tiny.py or tiny_speech.py (`build` in
tests/skills/conftest.py); the third calls a function of tests/skills/facts.py, guards.py or
snippets.py (`measure`); a SystemExit the second raises ends the process so, its message on
stderr (tests/skills/test_distillation_template.py). Each is forked like a template run from a
zygote that has imported torch and the Hugging Face libraries: in a test process, importing
them would cost each test worker ~9 s of CPU.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType


def template(path: str | Path) -> ModuleType:
    """A template imported by path (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"template_{Path(path).stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    name, function, *args = argv
    if name.endswith(".py"):
        print(getattr(template(name), function)(*args))
    elif name in ("facts", "guards", "snippets"):
        module = importlib.import_module(f"tests.skills.{name}")
        print(json.dumps(getattr(module, function)(*args)))
    else:
        folder, *rest = args
        builder = getattr(importlib.import_module(f"tests.skills.{name}"), function)
        print(builder(Path(folder), *rest))


if __name__ == "__main__":
    main(sys.argv[1:])
