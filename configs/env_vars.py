"""The one `${VAR}` / `${VAR:-default}` expander, for settings files and MCP server entries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class UnsetVariable(Exception):
    """`${name}` has no value and no default; `loc` is where it was, as JSON keys/indexes."""

    def __init__(self, name: str, loc: tuple[str | int, ...]) -> None:
        super().__init__(name)
        self.name = name
        self.loc = loc


def expand_vars(value: Any, env: Mapping[str, str], loc: tuple[str | int, ...] = ()) -> Any:
    """`value` with every string (nested in dicts and lists) expanded from `env`.

    `${VAR:-default}` uses the default when VAR is unset or empty; `${VAR}` unset raises
    UnsetVariable (an empty value is kept: the user set it so).
    """
    if isinstance(value, Mapping):
        return {k: expand_vars(v, env, (*loc, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_vars(v, env, (*loc, i)) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        found = env.get(name)
        if default is not None and not found:
            return default
        if found is None:
            raise UnsetVariable(name, loc)
        return found

    return _VAR.sub(replace, value)
