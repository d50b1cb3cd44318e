"""A load balancer in front of several servers: each new TCP connection goes to the next
server in turn, skipping one that refuses connections (a stopped server), as an HTTP load
balancer with health checks would. Bytes pass through untouched (streams included).

    with RoundRobinProxy(["127.0.0.1:8001", "127.0.0.1:8002"]) as proxy:
        httpx.get(proxy.url + "/ok")      # one request per connection: see `client`
        proxy.landed                       # the server index each connection went to
        proxy.send_next_to(1)              # the next connection goes to server 1
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from types import TracebackType

import httpx


class RoundRobinProxy:
    def __init__(self, backends: list[str]) -> None:
        self.backends = [(h, int(p)) for h, _, p in (b.rpartition(":") for b in backends)]
        self.landed: list[int] = []
        self._next = 0
        self._loop = asyncio.new_event_loop()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def client(self, **kwargs: object) -> httpx.Client:
        """A client that opens a connection per request, so requests take turns too."""
        limits = httpx.Limits(max_keepalive_connections=0)
        return httpx.Client(base_url=self.url, limits=limits, trust_env=False, **kwargs)  # type: ignore[arg-type]

    def send_next_to(self, index: int) -> None:
        self._next = index

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, sock=self._sock)

    async def _close(self) -> None:
        self._server.close()
        for task in asyncio.all_tasks(self._loop) - {asyncio.current_task()}:
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None
        for _ in self.backends:
            index = self._next % len(self.backends)
            self._next = index + 1
            with contextlib.suppress(OSError):
                upstream = await asyncio.open_connection(*self.backends[index])
                self.landed.append(index)
                break
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                return_exceptions=True,
            )  # fmt: skip
        finally:
            for end in (up_writer, writer):
                with contextlib.suppress(OSError, RuntimeError):
                    end.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError, RuntimeError):
            writer.write_eof()  # the other way may still have an answer to carry
