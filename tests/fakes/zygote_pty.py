"""`pexpect.spawn` of `python -m cli ...` on a pty, the run forked from the CLI zygote.

A fresh interpreter for each REPL costs ~5 s of CPU in imports. Here the test opens the pty
itself and hands its terminal side to a run forked from the zygote (tests/fakes/cli_zygote.py)
as stdin, stdout and stderr; the run starts its own session with that pty as its controlling
terminal, as pexpect's child does, so Ctrl-C, Ctrl-D, echo and the window size behave as
with a fresh process. `ML_INTERN_TESTS_FRESH_CLI=1` spawns fresh interpreters instead.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import termios
from typing import Any

import pexpect
from ptyprocess import PtyProcess

from tests.fakes.cli_zygote import FRESH_ENV, ZygotePopen


class _TerminalPopen(ZygotePopen):
    controlling_tty = True


class ZygotePty(PtyProcess):  # type: ignore[misc]
    """A zygote run on a pty: what pexpect needs of its child, through the zygote
    (the run is not this process's child, so `waitpid` cannot see it)."""

    popen: ZygotePopen

    @classmethod
    def spawn(  # type: ignore[override]
        cls, argv: list[Any], cwd: str | None = None, env: dict[str, str] | None = None,
        echo: bool = True, preexec_fn: Any = None, dimensions: tuple[int, int] = (24, 80),
        **_unused: Any,
    ) -> ZygotePty:  # fmt: skip
        if preexec_fn is not None:
            raise ValueError("a zygote run takes no preexec_fn")
        args = [a.decode() if isinstance(a, bytes) else a for a in argv]
        parent, child = pty.openpty()
        try:
            rows, cols = dimensions
            fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            if not echo:
                attrs = termios.tcgetattr(child)
                attrs[3] &= ~termios.ECHO
                termios.tcsetattr(child, termios.TCSANOW, attrs)
            popen = _TerminalPopen(
                args, stdin=child, stdout=child, stderr=child, cwd=cwd, env=env,
                start_new_session=True,
            )  # fmt: skip
        except BaseException:
            os.close(parent)
            raise
        finally:
            os.close(child)
        process = cls(popen.pid, parent)
        process.popen = popen
        return process

    def isalive(self) -> bool:
        if self.terminated:
            return False
        code = self.popen.wait() if self.flag_eof else self.popen.poll()
        if code is None:
            return True
        self.exitstatus, self.signalstatus = (code, None) if code >= 0 else (None, -code)
        self.status = code << 8 if code >= 0 else -code  # as os.waitpid reports it
        self.terminated = True
        return False

    def wait(self) -> int | None:
        self.popen.wait()
        self.isalive()
        return self.exitstatus

    def kill(self, sig: int) -> None:
        if self.isalive():
            os.kill(self.pid, sig)


class ZygoteSpawn(pexpect.spawn):
    """`pexpect.spawn(sys.executable, ["-m", MODULE, ...])` forked from the CLI zygote."""

    def _spawnpty(self, args: list[Any], **kwargs: Any) -> PtyProcess:
        if os.environ.get(FRESH_ENV) == "1":
            return super()._spawnpty(args, **kwargs)
        return ZygotePty.spawn(args, **kwargs)
