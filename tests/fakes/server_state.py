"""What importing the server zygote's modules leaves behind, as JSON on stdout.

    python -m tests.fakes.server_state

Imports tests/fakes/server_zygote.py's SERVER_PRELOAD (unless the zygote it was forked from
did) and prints, for each of this package's modules then loaded, a view of what it holds: its
globals, its classes' attributes and field defaults, its functions' default arguments
(containers three levels deep, memory addresses left out). Two runs forked from one zygote
print the same unless importing read something of the run's own (environment, directory,
files, clock) or drew something random: what every server forked from the server zygote
would then share (tests/fakes/test_server_zygote.py).
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import types
from typing import Any

from tests.fakes.server_zygote import SERVER_PRELOAD, preload_server

PACKAGES = ("adaptations", "cli", "compat", "configs", "graph", "models", "nodes", "serve", "store",
            "tools")  # fmt: skip
ADDRESS = re.compile(r" at 0x[0-9a-f]+|0x[0-9a-f]{6,}")
DEPTH = 3


def shown(value: Any, depth: int = 0) -> Any:
    """`value` as JSON that two equal imports print alike."""
    if isinstance(value, (str, int, float, bool, bytes, type(None))):
        return repr(value)
    if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)):
        return f"<{type(value).__name__} {getattr(value, '__qualname__', value.__name__)}>"
    if depth >= DEPTH:
        return ADDRESS.sub("", repr(value))
    if isinstance(value, dict):
        return {repr(k): shown(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(json.dumps(shown(v, depth + 1)) for v in value)
    if isinstance(value, (list, tuple)):
        return [shown(v, depth + 1) for v in value]
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return {"type": type(value).__qualname__, "attributes": shown(attributes, depth + 1)}
    return ADDRESS.sub("", repr(value))


def defined(value: Any) -> Any:
    """A module's own function or class: what it fixed when defined."""
    if isinstance(value, types.FunctionType):
        return {"defaults": shown(value.__defaults__), "kw": shown(value.__kwdefaults__)}
    fields = {}
    if dataclasses.is_dataclass(value):
        fields = {f.name: shown((f.default, f.default_factory)) for f in dataclasses.fields(value)}
    kept = {
        name: shown(attr)
        for name, attr in vars(value).items()
        if not name.startswith("__") and not callable(attr) and not isinstance(attr, property)
    }
    return {"fields": fields, "attributes": kept}


def state(names: list[str]) -> dict[str, dict[str, Any]]:
    """What modules `names` hold."""
    held: dict[str, dict[str, Any]] = {}
    for name in names:
        module = sys.modules[name]
        held[name] = {}
        for key, value in vars(module).items():
            own = getattr(value, "__module__", None) == name
            if own and isinstance(value, (types.FunctionType, type)):
                held[name][key] = defined(value)
            elif not key.startswith("__"):
                held[name][key] = shown(value)
    return held


def main() -> None:
    preloaded = [name for name in SERVER_PRELOAD if name in sys.modules]
    preload_server()
    ours = sorted(name for name in sys.modules if name.split(".")[0] in PACKAGES)
    found = {"preloaded": preloaded, "modules": ours, "state": state(ours)}
    print(json.dumps(found, sort_keys=True))


if __name__ == "__main__":
    main()
