"""The client's file system (`fs/read_text_file`, `fs/write_text_file`) as the file tools'
editor for one session: reads get its buffers, unsaved changes included; writes go to them.

The tools call from their worker threads; the requests run on the protocol's event loop.
Which paths may reach the editor is the tools' decision (tools/places.py `editor_serves`),
made before any request is sent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acp import RequestError
from langchain_core.tools import ToolException

if TYPE_CHECKING:
    from acp.interfaces import Client

ANSWER_WITHIN_S = 60.0  # an editor that does not answer a file request fails the call


class ClientFiles:
    """One session's view of the client's files; `session_id` is set once the thread is open."""

    def __init__(self, client: Client, *, reads: bool, writes: bool) -> None:
        self.client = client
        self.reads = reads
        self.writes = writes
        self.session_id = ""
        self.loop = asyncio.get_running_loop()

    def read_text(self, path: Path) -> str:
        request = self.client.read_text_file(session_id=self.session_id, path=str(path))
        return str(self._answer(request, f"read {path}").content)

    def write_text(self, path: Path, content: str) -> None:
        request = self.client.write_text_file(
            session_id=self.session_id, path=str(path), content=content
        )
        self._answer(request, f"write {path}")

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


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def client_files(client: Client, capabilities: Any) -> ClientFiles | None:
    """A ClientFiles when the client offered `fs.readTextFile` or `fs.writeTextFile`."""
    fs = getattr(capabilities, "fs", None)
    reads, writes = (
        bool(getattr(fs, "read_text_file", False)),
        bool(getattr(fs, "write_text_file", False)),
    )
    return ClientFiles(client, reads=reads, writes=writes) if reads or writes else None
