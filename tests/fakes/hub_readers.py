"""Template runs forked from a zygote that has imported the Hugging Face libraries too.

huggingface_hub, transformers, datasets, TRL, PEFT and sentence-transformers read the Hub's
address and the cache folder (HF_ENDPOINT, HF_HOME) when imported: the ML zygote
(tests/fakes/cli_zygote.py) leaves them to each template run (~4 s of CPU a run), whose setup
is its own. A run started by `TemplatePopen` first asks the ML zygote where the zygote of its
Hub setup listens (`setup_of`: its HF_* variables, HOME and XDG_CACHE_HOME). On the first ask
of a setup the ML zygote forks one that imports HUB_READERS with that run's environment,
watched (tests/fakes/import_watch.py); every ask with the same setup gets the same answer.
The run is then forked from it, and one whose environment differs in any variable those
imports read is a fresh interpreter instead, as for the CLI zygote's own modules.

The skills' tests give all the tests of a worker one Hub setup (tests/skills/conftest.py: one
Hub address, one HF_HOME emptied before each test), so a worker's template runs share one.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import socket
import traceback
from collections.abc import Mapping

from tests.fakes import import_watch
from tests.fakes.fork_loop import Fork, listen, serve_forks
from tests.fakes.os_threads import require_one_thread

# What reads the Hub's address or caches at import; the ML zygote imports none of them.
HF_READERS = ("huggingface_hub", "transformers", "datasets", "trl", "accelerate", "peft")
# ... and what two or more templates import beside them (what only one does would cost its
# zygote the CPU its run saves), with the trainers' modules they load.
HUB_READERS = (
    *HF_READERS, "sentence_transformers", "transformers.trainer", "trl.trainer.sft_trainer",
    "trackio", "scipy.io",
)  # fmt: skip
# `transformers.utils.auto_docstring` keeps a path under the working directory for its
# documentation tooling (PATH_TO_TRANSFORMERS), which nothing a run does reads.
TOLERATED = frozenset({"transformers.utils.auto_docstring reads the working directory"})
SETUP = ("HOME", "XDG_CACHE_HOME")  # beside every HF_* variable
_ZYGOTES: dict[str, tuple[int, str]] = {}  # setup -> the pid and socket of its zygote
_NUMBERS = itertools.count()


def setup_of(env: Mapping[str, str]) -> dict[str, str]:
    """The Hub setup of an environment: what tells one run's Hub and caches from another's."""
    return {k: v for k, v in sorted(env.items()) if k.startswith("HF_") or k in SETUP}


def zygote_for(ml_socket: str, env: Mapping[str, str]) -> str:
    """(In a test process.) Where the zygote for `env`'s Hub setup listens, as the ML zygote
    listening at `ml_socket` answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(ml_socket)
        conn.sendall(json.dumps({"hub_setup": True, "env": dict(env)}).encode() + b"\n")
        with contextlib.closing(conn.makefile("r")) as answer:
            path = answer.readline().strip()
    if not path:
        raise RuntimeError("the ML zygote did not say where its Hugging Face zygote listens")
    return path


def answer(listener: socket.socket, conn: socket.socket, env: dict[str, str], fork: Fork) -> int:
    """(In the ML zygote, which listens on `listener`.) Send on `conn` where the zygote for
    `env`'s Hub setup listens, forked first if there is none (or it died); its pid. It forks
    each run with `fork`."""
    setup = json.dumps(setup_of(env))
    pid, path = _ZYGOTES.get(setup, (0, ""))
    if not _alive(pid):
        path = f"{listener.getsockname()}.hub{next(_NUMBERS)}"
        pid = _fork_zygote(listener, listen(path), env, fork)
        _ZYGOTES[setup] = (pid, path)
    conn.sendall(f"{path}\n".encode())
    return pid


def _alive(pid: int) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _fork_zygote(
    listener: socket.socket, own: socket.socket, env: dict[str, str], fork: Fork
) -> int:
    """A child that imports HUB_READERS with `env` as its environment, watched, then serves
    runs on `own` (bound here, so a run may connect before the imports end)."""
    pid = os.fork()
    if pid:
        own.close()
        return pid
    try:
        listener.close()
        os.environ.clear()
        os.environ.update(env)
        import_watch.WATCH.tolerated = TOLERATED
        ours = tuple(dict.fromkeys(name.split(".")[0] for name in HUB_READERS))
        import_watch.watched_import(HUB_READERS, ours)
        require_one_thread("after preload")
        gc.freeze()  # as the ML zygote's: runs' collections do not walk what it imported
        serve_forks(own, fork)  # never returns
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(1)
