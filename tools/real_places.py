"""The real paths of places (`Path.resolve`, non-strict), resolved again only when a directory
on their way changed: the credential map (tools/places.py) asks for the same ~70 places on
every tool call, and resolving them was a tenth of a step's CPU (bench/step_profile.py).

A place is remembered only when no component of it is a link (its real path is itself) and
every directory on its way, down to `/`, last changed before its clock's slack
(tools/settled_times.py). Each use first compares those directories' inode, mtime and ctime
(one `lstat` each, ~20 for the credential places) with what they were: a link planted on the
way (a component created, renamed, replaced or removed) changes its parent directory, and the
ctime cannot be set back by `touch`. A change in the same clock tick as the look could keep the
times; hence the slack: a directory changed within it (two seconds where times are whole
seconds, a tenth of a second elsewhere) is looked at again on every use. Places with a link on
their way are resolved on every use; a changed directory forgets only the places whose way
passes it.

`held_real_paths` also gives a version under which all its places hold, so that what is made
of them (tools/places.py `secret_map`) is kept while `holds(version)`: the same look at the
directories, without resolving each place again.

`maybe_present` uses the same marks for the masking's look at every credential place
(tools/secrets/sources.py): a place missing on a remembered way stays missing until a
directory on it changes.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from tools.settled_times import settled

_MAX_PLACES = 4096
_lock = threading.Lock()
_real: dict[str, Path] = {}  # a place without a link on its way -> itself, as a Path
_missing: set[str] = set()  # those of them found missing
_dirs: dict[str, tuple[int, int, int]] = {}  # directories on their ways -> (inode, mtime, ctime)
_ways: dict[str, tuple[str, ...]] = {}  # a remembered place -> the directories on its way
_version = 0  # moves whenever a remembered place is forgotten


def real_paths(places: Iterable[str]) -> list[Path]:
    """Each absolute place with every symlink and `..` resolved, as `Path.resolve()` gives it
    now (its absolute form when that fails)."""
    return held_real_paths(places)[0]


def held_real_paths(places: Iterable[str]) -> tuple[list[Path], int | None]:
    """`real_paths`, and the version under which they all hold while `holds(version)`; None
    when one of them is not remembered (a link or a recent change on its way)."""
    with _lock:
        _forget_if_changed()
        keys = list(places)
        found = [_real_path(key) for key in keys]
        return found, (_version if all(key in _real for key in keys) else None)


def holds(version: int) -> bool:
    """True while every place remembered under `version` still is: no directory on their ways
    changed since (each looked at again, one `lstat`)."""
    with _lock:
        _forget_if_changed()
        return version == _version


def maybe_present(places: Iterable[str]) -> list[str]:
    """The absolute places that may exist now: all but those found missing on a way that
    did not change since."""
    return presence(places)[0]


def presence(places: Iterable[str]) -> tuple[list[str], int | None]:
    """`maybe_present`, and the version under which the others stay missing while
    `holds(version)`; None when one of those is not remembered."""
    with _lock:
        _forget_if_changed()
        found, held = [], True
        for key in places:
            if key not in _real:
                _real_path(key)
            if key not in _missing:
                found.append(key)
            held = held and key in _real
        return found, (_version if held else None)


def _forget_if_changed() -> None:
    """Forget the places whose way passes a directory that changed (a temporary folder on
    the way of a few changes often; the home directory's places stay)."""
    global _version
    changed = {folder for folder, mark in _dirs.items() if _mark(folder) != mark}
    if not changed:
        return
    _version += 1
    for key in [key for key, way in _ways.items() if not changed.isdisjoint(way)]:
        del _real[key], _ways[key]
        _missing.discard(key)
    for folder in changed:
        del _dirs[folder]


def _real_path(key: str) -> Path:
    real = _real.get(key)
    if real is None:
        real = _resolved(key)
        if str(real) == key:
            _remember(key, real)
    return real


def _resolved(place: str) -> Path:
    try:
        return Path(place).resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(place))


def _mark(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_ctime_ns


def _remember(key: str, real: Path) -> None:
    """Remember `key` (its real path is itself) with the directories on its way, unless one
    changed too recently to be sure or a component is a link."""
    global _version
    looked_ns = time.time_ns()
    marks: dict[str, tuple[int, int, int]] = {}
    parent, missing = "/", False
    for part in key.strip("/").split("/"):
        mark = _mark(parent)
        if mark is None or not settled(max(mark[1], mark[2]), looked_ns):
            return
        if _dirs.get(parent, mark) != mark:
            return  # it changed since this call began: the next call starts over
        marks[parent] = mark
        component = os.path.join(parent, part)
        try:
            mode = os.lstat(component).st_mode
        except OSError:
            missing = True
            break  # missing: creating it changes `parent`
        if stat.S_ISLNK(mode):
            return
        if not stat.S_ISDIR(mode):
            break  # a file: replacing it changes `parent`
        parent = component
    if len(_real) >= _MAX_PLACES:
        _version += 1
        _real.clear()
        _missing.clear()
        _dirs.clear()
        _ways.clear()
    _dirs.update(marks)
    _real[key], _ways[key] = real, tuple(marks)
    if missing:
        _missing.add(key)
