"""The client's file system (`fs/read_text_file`, `fs/write_text_file`) as the file tools'
editor for one session: reads get its buffers, unsaved changes included; writes go to them.

The tools call from their worker threads; the requests run on the protocol's event loop.
Which paths may reach the editor is the tools' decision (tools/places.py `editor_serves`),
made before any request is sent.

The editor opens what it is told by name, following links, and sandboxed code can swap a
folder of the workspace for a symlink at any moment. So, before a path goes to the editor,
it is checked beneath the workspace by descriptor (tools/safe_paths.py): no component is a
symlink, and the file is a regular one with no other hard link, or absent. A swap after that
check is the editor's to follow; where that matters (`guarded`: under the sandbox, whose
walls a swap would cross) the editor is not asked at all, and reads and writes go to the
disk by descriptor instead (a write lands in the workspace or nowhere). The editor then sees
the change from the disk, and the call's diff in the thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import stat
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from acp import RequestError
from langchain_core.tools import ToolException

from tools.safe_paths import kind_of, lstat_at, parts_of, read_bytes, write_bytes

if TYPE_CHECKING:
    from acp.interfaces import Client

ANSWER_WITHIN_S = 60.0  # an editor that does not answer a file request fails the call
MAX_TEXT_BYTES = 64 << 20  # a file read for the tools from the disk (guarded)
Verb = Literal["read", "write"]
HARD_LINKED = (
    "it has other hard links, so the editor could change a file outside the workspace "
    "through it; write a new file instead"
)


class ClientFiles:
    """One session's view of the client's files; `session_id` is set once the thread is open,
    `guarded` while its tools run under the sandbox."""

    def __init__(
        self, client: Client, workspace: Path, *, reads: bool, writes: bool, guarded: bool = False
    ) -> None:
        self.client = client
        self.workspace = workspace  # resolved: the paths the tools give are
        self.reads = reads
        self.writes = writes
        self.guarded = guarded
        self.session_id = ""
        self.loop = asyncio.get_running_loop()

    def read_text(self, path: Path) -> str:
        rel = self._checked(path, "read")
        if self.guarded:
            with _disk(path, "read"):
                return read_bytes(self.workspace, rel, MAX_TEXT_BYTES).decode("utf-8", "replace")
        request = self.client.read_text_file(session_id=self.session_id, path=str(path))
        return str(self._answer(request, f"read {path}").content)

    def write_text(self, path: Path, content: str) -> None:
        rel = self._checked(path, "write")
        if self.guarded:
            with _disk(path, "write"):
                write_bytes(self.workspace, rel, content.encode("utf-8", "surrogatepass"))
            return
        request = self.client.write_text_file(
            session_id=self.session_id, path=str(path), content=content
        )
        self._answer(request, f"write {path}")

    def _checked(self, path: Path, verb: Verb) -> str:
        """`path` relative to the workspace, after checking by descriptor what the editor
        would open: no symlink on the way, a regular file with one link (or, for a write,
        nothing yet). A ToolException says why not."""
        if not path.is_relative_to(self.workspace):
            raise refused(verb, path, "it is outside the workspace")
        rel = path.relative_to(self.workspace).as_posix()
        try:
            parts_of(rel)
            now = None if self.guarded else lstat_at(self.workspace, rel)
        except OSError as error:  # UnsafePath: a symlink on the way
            raise refused(verb, path, error.strerror or str(error)) from None
        if now is not None and not stat.S_ISREG(now.st_mode):
            kind = kind_of(now.st_mode)
            raise refused(verb, path, f"{kind} is there now, not a regular file")
        if now is not None and now.st_nlink > 1:
            raise refused(verb, path, HARD_LINKED)
        return rel

    def _answer(self, request: Coroutine[Any, Any, Any], what: str) -> Any:
        if _running_loop() is self.loop:  # waiting here would stop the loop that answers
            request.close()
            raise RuntimeError("ClientFiles blocks: call it from a worker thread, not the loop")
        future = asyncio.run_coroutine_threadsafe(request, self.loop)
        try:
            return future.result(timeout=ANSWER_WITHIN_S)
        except RequestError as error:
            raise ToolException(f"The editor could not {what}: {error}.") from None
        except (TimeoutError, concurrent.futures.TimeoutError):
            future.cancel()
            raise ToolException(
                f"The editor did not answer within {ANSWER_WITHIN_S:.0f} s when asked to "
                f"{what}. Try again; if it keeps happening, use bash to reach the file."
            ) from None
        except ConnectionError:
            raise ToolException(f"The editor went away; could not {what}.") from None


@contextlib.contextmanager
def _disk(path: Path, verb: Verb) -> Iterator[None]:
    """The guarded route's refusal (tools/safe_paths.py `UnsafePath`) in the editor's words."""
    try:
        yield
    except OSError as error:
        raise refused(verb, path, error.strerror or str(error), guarded=True) from None


def refused(verb: Verb, path: Path, reason: str, *, guarded: bool = False) -> ToolException:
    """Why `path` was not read or written for the editor, in words the model can act on."""
    who = "Could not" if guarded else "The editor was not asked to"
    return ToolException(f"{who} {verb} {path}: {reason}.")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def client_files(
    client: Client, capabilities: Any, workspace: Path, *, guarded: bool
) -> ClientFiles | None:
    """A ClientFiles when the client offered `fs.readTextFile` or `fs.writeTextFile`
    (`workspace` resolved; `guarded`: the session runs under the sandbox)."""
    fs = getattr(capabilities, "fs", None)
    reads, writes = (
        bool(getattr(fs, "read_text_file", False)),
        bool(getattr(fs, "write_text_file", False)),
    )
    if not (reads or writes):
        return None
    return ClientFiles(client, workspace, reads=reads, writes=writes, guarded=guarded)
