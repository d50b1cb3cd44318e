"""Our own modules imported once in the CLI zygote, their import watched for what it reads of
the process it runs in.

A module the zygote imports keeps, in every run forked from it, what its import saw; a fresh
`python -m cli` imports it in the run itself. The two agree when the import reads nothing that
differs between the zygote and a run. While `watched_import` imports our modules (and fills
the product caches the zygote warms):

- each environment variable read is recorded with the value seen (`Watch.environment`): a run
  whose environment has another value for one of them is not forked but exec'ed as a fresh
  interpreter (tests/fakes/cli_zygote.py `_fresh_if_preload_differs`);
- reading the working directory, `sys.argv`, a file or directory outside the interpreter's
  and the repository's; writing the environment; starting a process or a connection;
  installing a signal handler; starting a thread; keeping a standard stream in a module
  global: refused (`ImportWatchError`, naming the module), as a run's own would differ.

Time, randomness and the pid are not watched: our modules read none of them at import.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
# Where an import may read files: our code and the interpreter's (stdlib, site-packages).
READABLE = tuple(str(Path(p).resolve()) for p in {REPO, sys.prefix, sys.base_prefix})
READS = frozenset({"open", "os.listdir", "os.scandir"})
REFUSED_EVENTS = frozenset(
    {"subprocess.Popen", "os.fork", "os.system", "os.exec", "os.posix_spawn", "socket.connect",
     "os.chdir", "os.putenv", "os.unsetenv"}
)  # fmt: skip


class ImportWatchError(RuntimeError):
    """An import read what a run's own import would see differently."""


@dataclass
class Watch:
    """What watched imports read: each environment variable with its value (None: unset), and
    what they were refused."""

    environment: dict[str, str | None] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    readable: tuple[str, ...] = READABLE  # where the imports may read files
    # what an import may do although a run's own would see it differently, each because the
    # value it keeps is never used when a run runs (`"<module> <what>"`, as refusals say it)
    tolerated: frozenset[str] = frozenset()

    def differs(self, env: dict[str, str]) -> list[str]:
        """The variables read at import whose value in `env` is another."""
        return sorted(k for k, v in self.environment.items() if env.get(k) != v)


WATCH = Watch()  # what the zygote's watched imports read (empty in any other process)
_active: Watch | None = None
_hooked = False


def watched_import(
    names: tuple[str, ...], ours: tuple[str, ...], watch: Watch = WATCH, warm: tuple[str, ...] = ()
) -> Watch:
    """Import `names` (and what they import), then call each `module:attribute.path` of
    `warm` (what the product builds on first use from its installed code alone: a cache, a
    deferred validator), under `watch`; ImportWatchError on a refused read. `ours`: the
    packages whose module globals must hold no standard stream."""
    before = _process_state()
    with _watching(watch):
        for name in names:
            importlib.import_module(name)
        for name in warm:
            module, _, path = name.partition(":")
            found: Any = importlib.import_module(module)
            for attribute in path.split("."):
                found = getattr(found, attribute)
            found()
    after = _process_state()
    watch.refused += [
        f"the imports changed the {what}" for what in before if before[what] != after[what]
    ]
    watch.refused += _kept_streams(ours)
    if watch.refused:
        said = "; ".join(dict.fromkeys(watch.refused))
        raise ImportWatchError(f"imports read what a forked run would not see as its own: {said}")
    return watch


@contextmanager
def _watching(watch: Watch) -> Iterator[None]:
    global _active, _hooked
    environ_class, getcwd, argv = type(os.environ), os.getcwd, sys.argv
    if not _hooked:  # an audit hook stays installed: it acts only while watching
        sys.addaudithook(_on_audit_event)
        _hooked = True

    def watched_getcwd() -> str:
        _refuse("reads the working directory")
        return getcwd()

    os.environ.__class__ = _WatchedEnviron
    os.getcwd = watched_getcwd
    sys.argv = _WatchedArgv(argv)
    _active = watch
    try:
        yield
    finally:
        _active = None
        os.environ.__class__ = environ_class
        os.getcwd = getcwd
        sys.argv = argv


def _saw(key: str, value: str | None) -> None:
    if _active is not None:
        _active.environment.setdefault(key, value)


def _refuse(what: str) -> None:
    if _active is not None and (refusal := f"{_importing()} {what}") not in _active.tolerated:
        _active.refused.append(refusal)


class _WatchedEnviron(os._Environ):  # type: ignore[misc,name-defined]
    """`os.environ` while watching: reads recorded, writes and whole-environment reads refused."""

    def __getitem__(self, key: str) -> str:
        try:
            value: str = super().__getitem__(key)
        except KeyError:
            _saw(key, None)
            raise
        _saw(key, value)
        return value

    def __setitem__(self, key: str, value: str) -> None:
        _refuse(f"writes the environment ({key})")
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        _refuse(f"writes the environment ({key})")
        super().__delitem__(key)

    def __iter__(self) -> Iterator[str]:
        _refuse("reads the whole environment")
        return super().__iter__()  # type: ignore[no-any-return]


class _WatchedArgv(list):  # type: ignore[type-arg]
    """`sys.argv` while watching: the zygote's, never a run's."""

    def __getitem__(self, index: Any) -> Any:
        _refuse("reads sys.argv")
        return super().__getitem__(index)

    def __iter__(self) -> Iterator[str]:
        _refuse("reads sys.argv")
        return super().__iter__()

    def __len__(self) -> int:
        _refuse("reads sys.argv")
        return super().__len__()


def _on_audit_event(event: str, args: tuple[Any, ...]) -> None:
    if _active is None:
        return
    if event in READS and args[0] is None:
        _refuse("lists the working directory")
    elif event in READS and isinstance(args[0], str | bytes | os.PathLike):
        path = os.path.realpath(os.fsdecode(args[0]))  # the import system lists its path
        if not path.startswith(_active.readable):
            _refuse(f"reads {path}")
    elif event in REFUSED_EVENTS:
        _refuse(f"calls {event}")


def _importing() -> str:
    """The module whose top level is running (the innermost)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            return str(frame.f_globals.get("__name__", frame.f_code.co_filename))
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


def _process_state() -> dict[str, Any]:
    signals = {s: signal.getsignal(s) for s in signal.valid_signals()}
    return {"signal handlers": signals, "running threads": threading.active_count()}


def _kept_streams(ours: tuple[str, ...]) -> list[str]:
    """Module globals of ours holding the zygote's standard streams (a run has its own)."""
    std = [s for s in (sys.stdin, sys.stdout, sys.stderr) if s is not None]
    streams = {id(s) for s in std} | {id(s.buffer) for s in std if hasattr(s, "buffer")}
    return [
        f"{name}.{attr} keeps a standard stream"
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ours
        for attr, value in list(vars(module).items())
        if id(value) in streams
    ]


def main() -> None:
    """One JSON line: which of argv's modules this process started with, and its values of
    the variables the zygote's watched imports read (none: a fresh process); a probe run."""
    import json

    from tests.fakes import import_watch  # the zygote's, in a forked run (not this __main__)

    started = [name for name in sys.argv[1:] if name in sys.modules]
    read = {k: os.environ.get(k) for k in import_watch.WATCH.environment}
    print(json.dumps({"started_with": started, "read_at_import": read}))


if __name__ == "__main__":
    main()
