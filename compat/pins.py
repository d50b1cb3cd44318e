"""What a compat module relies on in a library, checked against the library installed.

A compat module declares its `Pin` (the library and the versions it was written for) and each
`Hook` (an attribute it replaces, wraps or writes, with the parameters it had then). `problems`
lists, as sentences naming the library, its version and the attribute, every way the installed
library differs: outside the pin, an attribute gone, a signature changed. A module patches
nothing when there is one (`allowed` logs it), and tests/compat/ fails on it.

    >>> problems(Pin("httpx", ">=0.28,<0.29"), [Hook("httpx._content", "encode_json", ("json",))])
    []
"""

from __future__ import annotations

import importlib
import inspect
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger("ml_intern.compat")


@dataclass(frozen=True)
class Pin:
    """A library (its distribution name) and the versions a compat module was written for."""

    library: str
    versions: str

    def installed(self) -> str | None:
        """The installed version, read from the metadata's headers only (parsing the whole
        file, a long README for some, cost launch ~4 ms a library)."""
        from importlib import metadata  # not at import: `ml-intern --help` needs none of it

        try:
            found = metadata.distribution(self.library)
        except metadata.PackageNotFoundError:
            return None
        for line in (found.read_text("METADATA") or "").splitlines():
            if not line:  # the headers end
                break
            if line.startswith("Version:"):
                return line.removeprefix("Version:").strip()
        return found.version


@dataclass(frozen=True)
class Hook:
    """One attribute of a library that a compat module replaces or writes: `module`'s dotted
    `attribute` (`Class.method` for a method), with its parameters' names when it is a
    function (None: a value, only its presence counts)."""

    module: str
    attribute: str
    parameters: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return f"{self.module}.{self.attribute}"


_MISSING = object()


def problems(pin: Pin, hooks: Iterable[Hook]) -> list[str]:
    """Every way the installed library differs from what the hooks were written for."""
    version = pin.installed()
    if version is None:
        return [f"{pin.library} is not installed"]
    found = []
    if not within(version, pin.versions):
        found.append(
            f"{pin.library} {version} is outside {pin.versions}, the versions its compat module "
            "was written for: check each hook against this release, then move the pin"
        )
    for hook in hooks:
        target = _resolve(hook)
        if target is _MISSING:
            found.append(f"{pin.library} {version}: {hook.name} is gone")
            continue
        if hook.parameters is None:
            continue
        now = _parameters(target)
        if now != hook.parameters:
            found.append(
                f"{pin.library} {version}: {hook.name} now takes ({', '.join(now or ['?'])}), "
                f"written for ({', '.join(hook.parameters)})"
            )
    return found


def allowed(pin: Pin, hooks: Iterable[Hook]) -> bool:
    """True when every hook may be installed; else False, each problem logged."""
    found = problems(pin, hooks)
    for problem in found:
        log.warning("ml-intern: %s; left as the library has it", problem)
    return not found


def within(version: str, versions: str) -> bool:
    """`version` meets every clause of `versions` (`>=1.2,<1.3`, `==0.11.1`, `==0.11.*`):
    release numbers compared as numbers, anything after them (`rc1`, `.post1`) ignored."""
    have = _release(version)
    for clause in versions.split(","):
        clause = clause.strip()
        op = clause[:2] if clause[:2] in (">=", "<=", "==", "!=") else clause[:1]
        text = clause[len(op) :].strip()
        if text.endswith(".*"):
            want = _release(text[:-2])
            if (have[: len(want)] == want) != (op == "=="):
                return False
            continue
        want = _release(text)
        width = max(len(have), len(want))
        a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        ok = {">=": a >= b, "<=": a <= b, "==": a == b, "!=": a != b, ">": a > b, "<": a < b}
        if not ok[op]:
            return False
    return True


def _release(version: str) -> tuple[int, ...]:
    """`1.105.3` -> (1, 105, 3); `2.0rc1` -> (2, 0); `0.11.post1` -> (0, 11)."""
    numbers = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
        if digits.end() < len(part):
            break
    return tuple(numbers)


def _resolve(hook: Hook) -> object:
    try:
        value: object = importlib.import_module(hook.module)
    except ImportError:
        return _MISSING
    for depth, part in enumerate(hook.attribute.split(".")):
        # A module's own names may load on first use (PEP 562); a class's are read as stored.
        value = (
            getattr(value, part, _MISSING)
            if depth == 0
            else inspect.getattr_static(value, part, _MISSING)
        )
        if value is _MISSING:
            return _MISSING
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
    return value


def _parameters(target: object) -> tuple[str, ...] | None:
    """The parameter names of the library's own function (a wrapper of ours is looked
    through: each keeps `__wrapped__`)."""
    try:
        return tuple(inspect.signature(target).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
