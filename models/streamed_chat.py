"""What ml-intern's own streamed chat clients share (models/openai_chat.py,
models/anthropic_chat.py): async only, connection pools per event loop (a thread's calls in
one), and a response read as litellm reads it: an error status raised as litellm's exception,
the stream's events turned into chunks, a failure after the finish reason ending the stream
with the reply standing, any other failure raised as litellm's mid-stream exception.

A client says how it sends a request (`_send`), reads its stream (`reading`), names a
failure (`refusal`, `_broken`, `stream_failures`) and what it adds after the stream (`_closing`).
"""

from __future__ import annotations

import asyncio
import weakref
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, ClassVar, Protocol

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langgraph.config import get_config
from pydantic import Field

from models.openai_chat_stream import sse_data
from tools.tls import verifying_context

# Connection pools per event loop, a thread's calls in one of them (`pool_here`). Why so many:
# httpcore's pool polls the socket of every idle connection on each request and each release.
# A team server's 128 runs at once in one pool spent 2.7% of its CPU there (issue 63); by
# thread in 64 pools, a call costs what it did when each opened a connection of its own
# (py-spy: 4.6% then, 4.5% now), and a provider's TLS handshake is made once a pool, not once
# a call. Upstream: encode/httpcore#1035.
POOLS = 64
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)


class Reading(Protocol):
    """A stream being read: each event's chunk (or None), and how far it got."""

    finished: bool
    first_sent: bool

    def chunk(self, event: Any) -> AIMessageChunk | None: ...


class StreamedChat(BaseChatModel):
    """A streamed chat model over `shared_client()` that answers as ChatLiteLLM does."""

    model: str  # litellm's id ("<provider>/<name>"): the replies' `model_name`
    api_key: str | None = Field(default=None, repr=False)
    temperature: float | None = None
    request_timeout: float = 600.0
    streaming: bool = True
    # What ends a stream early (the connection, the JSON, the shape of an event, an error event).
    stream_failures: ClassVar[tuple[type[Exception], ...]] = ()
    # The stream's reader, made with `model_name`; litellm's exception for an error status
    # (the response read, the model's id).
    reading: ClassVar[Callable[..., Reading]]
    refusal: ClassVar[Callable[[httpx.Response, str], Exception]]

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        raise NotImplementedError(f"{type(self).__name__} is async only: use ainvoke or astream")

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        raise NotImplementedError(f"{type(self).__name__} is async only: use ainvoke or astream")

    async def _send(self, body: dict[str, Any], key: str | None) -> httpx.Response:
        """The streamed response to `body`, or litellm's exception when none came."""
        raise NotImplementedError

    def _broken(
        self, failure: Exception, response: httpx.Response, text: str, began: bool
    ) -> Exception:
        """litellm's exception for a stream that failed after it began (`text` so far)."""
        raise NotImplementedError

    def _closing(self, reading: Any, body: dict[str, Any]) -> Iterable[AIMessageChunk]:
        """What follows the stream's last chunk (its usage)."""
        return ()

    async def _exchange(
        self, body: dict[str, Any], key: str | None
    ) -> AsyncIterator[ChatGenerationChunk]:
        response = await self._send(body, key)
        try:
            if not response.is_success:  # an error, or a redirect: nothing follows it
                await response.aread()
                raise self.refusal(response, self.model)
            reading = self.reading(model_name=self.model)
            async for chunk in self._chunks(response, reading):
                yield chunk
            for chunk in self._closing(reading, body):
                yield _generation(chunk)
        finally:
            await response.aclose()

    async def _chunks(
        self, response: httpx.Response, reading: Reading
    ) -> AsyncIterator[ChatGenerationChunk]:
        """The stream's chunks; a failure after the finish reason ends it as litellm does
        (the reply stands), before it raises litellm's exception."""
        text: list[str] = []
        events = sse_data(response.aiter_bytes())
        while True:
            try:
                event = await anext(events)
                chunk = reading.chunk(event)
            except StopAsyncIteration:
                return
            except self.stream_failures as failure:
                if reading.finished and isinstance(failure, httpx.TransportError):
                    return
                joined = "".join(text)
                raise self._broken(failure, response, joined, reading.first_sent) from failure
            if chunk is not None:
                text.append(chunk.content if isinstance(chunk.content, str) else "")
                yield _generation(chunk)


def _generation(chunk: AIMessageChunk) -> ChatGenerationChunk:
    """The chunk as a generation. LangChain's stream loop hands each one to the run's
    callbacks; handing it here too sent every piece twice (the web page, under load, showed an
    answer twice)."""
    return ChatGenerationChunk(message=chunk)


def pool_here() -> int:
    """The pool of the call being made: its graph run's thread's (LangGraph's config of the
    running node), so one thread's calls share a connection; 0 outside a graph."""
    try:
        configurable = get_config().get("configurable") or {}
    except RuntimeError:  # not called from a graph's node
        return 0
    return pool_for(configurable.get("thread_id"))


def pool_for(thread_id: Any) -> int:
    """A thread's pool, the same in every process; 0 outside a thread."""
    return zlib.crc32(str(thread_id).encode()) % POOLS if thread_id else 0


def shared_client(pool: int | None = None) -> httpx.AsyncClient:
    """Connection pool `pool` (of `POOLS`; by default the calling thread's, `pool_here`) of this
    event loop, kept while the loop is: up to 1,000 connections (the openai SDK's limit), every
    one kept once opened. Why: with the SDK's 100 kept, a server's 128 runs at once opened 28
    new connections a round (issue 63)."""
    pool = pool_here() if pool is None else pool
    clients = _clients.setdefault(asyncio.get_running_loop(), {})
    client = clients.get(pool)
    if client is None or client.is_closed:
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
        client = httpx.AsyncClient(limits=limits, timeout=None, verify=verifying_context())
        clients[pool] = client
    return client
