"""Our own Anthropic path against ChatLiteLLM: the same exchanges, the same requests as the
Anthropic-shaped server received them, the same replies, chunks and errors (real loopback
servers); what it does not send itself goes to ChatLiteLLM unchanged."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from cli.server_address import free_port
from configs.settings import Settings
from models.chat_model import litellm_chat_model
from models.provider_errors import (
    classify,
)
from models.streamed_chat import shared_client
from tests.fakes.anthropic_server import AnthropicTurn, ScriptedAnthropicServer, Turn
from tests.fakes.failure_reading import as_the_product_reads_it

MODEL = "anthropic/claude-sonnet-4-5-20250929"
KEY = "sk-ant-test-0123456789abcdefghij"
TWO_CALLS = [
    {"id": "toolu_a", "name": "read", "arguments": {"path": "a.py"}},
    {"id": "toolu_b", "name": "grep", "arguments": {}},
]
# Headers that say who sent the request or how, not what was asked.
TRANSPORT = {"host", "user-agent", "accept-encoding", "connection", "content-length"}


@tool
def read(path: str) -> str:
    """Read a file."""
    return path


@tool
def grep(pattern: str, glob: str = "*") -> str:
    """Search files."""
    return pattern


@cache
def catalog_tools() -> tuple[Any, ...]:
    """ml-intern's own tools, as a step binds them."""
    from tools.families import build_catalog

    return tuple(build_catalog(Settings(model_name=MODEL)).tools)


@pytest.fixture(autouse=True)
def anthropic_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    yield


def loop_history() -> list[BaseMessage]:
    """A tool loop: parallel calls, a call without text, a runtime note after the results."""
    return [
        SystemMessage("You are ml-intern."),
        HumanMessage("look at a.py"),
        AIMessage(
            "Reading it.", tool_calls=[{"name": "read", "args": {"path": "a.py"}, "id": "t1"}]
        ),
        ToolMessage("print('hi')  # é", tool_call_id="t1"),
        AIMessage(
            "",
            tool_calls=[
                {"name": "grep", "args": {"pattern": "x"}, "id": "t2"},
                {"name": "read", "args": {"path": "b.py"}, "id": "t3"},
            ],
        ),
        ToolMessage("no match", tool_call_id="t2"),
        ToolMessage("b", tool_call_id="t3"),
        HumanMessage("[runtime] 3 steps so far", additional_kwargs={"ml_intern": "runtime"}),
    ]


def after_an_answer() -> list[BaseMessage]:
    """Text turns, one with spaces around it, one empty (litellm fills it)."""
    return [
        SystemMessage("You are ml-intern."),
        HumanMessage("hi"),
        AIMessage("\n Hello! What next?  \n"),
        HumanMessage("  "),
        AIMessage(""),
        HumanMessage("read a.py"),
    ]


def with_thinking() -> list[BaseMessage]:
    """A history litellm must send (signed thinking): ours hands it to ChatLiteLLM."""
    reply = AIMessage(
        "",
        tool_calls=[{"name": "read", "args": {"path": "a.py"}, "id": "t1"}],
        additional_kwargs={
            "thinking_blocks": [{"type": "thinking", "thinking": "hm", "signature": "x"}]
        },
    )
    return [HumanMessage("go"), reply, ToolMessage("a", tool_call_id="t1")]


FIRST = [SystemMessage("You are ml-intern."), HumanMessage("hi")]
# (turn, invoke kwargs, prompt, with the catalog's tools)
EXCHANGES: dict[str, tuple[Turn, dict[str, Any], list[BaseMessage], bool]] = {
    "a launch's first request, the catalog bound": (
        Turn(content="hello there", usage="auto"),
        {},
        FIRST,
        True,
    ),
    "two calls, one without arguments": (
        Turn(content="On it.", tool_calls=TWO_CALLS, usage="auto"),
        {},
        FIRST,
        False,
    ),
    "a tool loop's history": (Turn(content="done", usage="auto"), {}, loop_history(), True),
    "after an answer": (Turn(content="ok", usage="auto"), {}, after_an_answer(), False),
    "cut by the length limit": (Turn(content="x" * 40, finish_reason="length"), {}, FIRST, False),
    "usage without cache fields": (
        Turn(content="y", usage={"input_tokens": 9, "output_tokens": 2}),
        {},
        FIRST,
        False,
    ),
    "a probe's one token": (
        Turn(content="OK"),
        {"max_tokens": 1},
        [HumanMessage("Reply with OK.")],
        False,
    ),
    "malformed call arguments": (
        Turn(tool_calls=[{"id": "toolu_m", "name": "read", "arguments": "{not json"}]),
        {},
        FIRST,
        False,
    ),
    "a reasoning effort (ChatLiteLLM's)": (
        Turn(content="42", thinking="let me see", usage="auto"),
        {"reasoning_effort": "low"},
        FIRST,
        False,
    ),
    "thinking in the history (ChatLiteLLM's)": (Turn(content="ok"), {}, with_thinking(), False),
}


async def ask(
    client: str,
    turn: Turn,
    kwargs: dict[str, Any],
    prompt: Sequence[BaseMessage],
    catalog: bool = False,
    timeout: float = 600,
) -> tuple[Any, list[dict[str, Any]], list[dict[str, str]]]:
    """The reply (or failure) through `client` ("litellm" or "auto"), the requests the server
    received and their headers."""
    with ScriptedAnthropicServer([copy.deepcopy(turn)], api_key=KEY) as server:
        settings = Settings(
            model_name=MODEL, api_base=server.url, model_client=client, request_timeout_s=timeout
        )
        model = litellm_chat_model(settings)(MODEL)
        assert type(model).__name__ == (
            "ChatLiteLLM" if client == "litellm" else "AnthropicChatModel"
        )
        bound = model.bind_tools([read, grep, *(catalog_tools() if catalog else ())])
        try:
            reply = await bound.ainvoke(list(prompt), **kwargs)
        except Exception as error:  # compared below, as the product reads it
            return error, server.requests, server.request_headers
        headers = [
            {k: v for k, v in h.items() if k not in TRANSPORT} for h in server.request_headers
        ]
        return without_origin(reply.model_dump(exclude={"id"})), server.requests, headers


def without_origin(reply: dict[str, Any]) -> dict[str, Any]:
    """The reply without langchain-litellm's per-model mark on thinking blocks (it differs
    between two ChatLiteLLM objects too)."""
    for block in reply["additional_kwargs"].get("thinking_blocks") or []:
        block.pop("origin", None)
    return reply


@pytest.mark.parametrize("name", list(EXCHANGES))
async def test_a_scripted_exchange_sends_and_returns_what_it_did_through_litellm(name: str) -> None:
    turn, kwargs, prompt, catalog = EXCHANGES[name]
    theirs, their_requests, their_headers = await ask("litellm", turn, kwargs, prompt, catalog)
    ours, our_requests, our_headers = await ask("auto", turn, kwargs, prompt, catalog)
    assert our_requests == their_requests and len(our_requests) == 1
    assert our_headers == their_headers
    assert ours == theirs
    assert not isinstance(ours, Exception)


async def test_the_requests_carry_the_cache_markers_and_the_tools() -> None:
    """Not vacuous: the compared requests hold what the prompt cache and the model need."""
    _, requests, _ = await ask("auto", Turn(content="ok"), {}, loop_history(), True)
    sent = requests[0]
    assert sent["system"] == [
        {"type": "text", "text": "You are ml-intern.", "cache_control": {"type": "ephemeral"}}
    ]
    marked = [b for m in sent["messages"] for b in m["content"] if "cache_control" in b]
    assert marked == [{"type": "tool_result", "tool_use_id": "t3", "content": "b", "cache_control": {"type": "ephemeral"}}]  # fmt: skip
    assert {"read", "bash", "write"} <= {t["name"] for t in sent["tools"]}
    assert sent["stream"] is True and sent["max_tokens"] == 64000


async def test_a_growing_history_is_sent_as_through_litellm_at_every_step() -> None:
    """The history's messages are the same objects from one step to the next, and each is
    converted once (models/message_memo.py): the cache marker moves from a reply (its call
    without text, marked as litellm marks it) to the result after it, as through ChatLiteLLM."""
    *history, note = loop_history()
    call = {"name": "read", "args": {"path": "c.py"}, "id": "t4"}
    for new in (AIMessage("", tool_calls=[call]), ToolMessage("c", tool_call_id="t4")):
        history.append(new)
        prompt = [*history, note.model_copy()]  # a new runtime note each step
        turn = Turn(content="ok", usage="auto")
        _, theirs, _ = await ask("litellm", turn, {}, prompt)
        _, ours, _ = await ask("auto", turn, {}, prompt)
        assert ours == theirs
    marked = [b for m in ours[0]["messages"] for b in m["content"] if "cache_control" in b]
    assert [b.get("tool_use_id") for b in marked] == ["t4"]


async def streamed(client: str) -> list[dict[str, Any]]:
    turn = Turn(content="hi you", tool_calls=TWO_CALLS, usage="auto")
    with ScriptedAnthropicServer([turn], api_key=KEY) as server:
        settings = Settings(model_name=MODEL, api_base=server.url, model_client=client)
        model = litellm_chat_model(settings)(MODEL).bind_tools([read, grep])
        return [c.model_dump(exclude={"id"}) async for c in model.astream(FIRST)]


async def test_the_stream_s_chunks_are_the_ones_chatlitellm_yields() -> None:
    """What the front ends show while a reply streams (graph/events.py) is the same too."""
    theirs = await streamed("litellm")
    ours = await streamed("auto")
    assert ours == theirs and len(ours) > 8


ERRORS: dict[str, Turn] = {
    "429 with retry-after": Turn(status=429, headers={"retry-after": "7"}),
    "500": Turn(status=500),
    "529 overloaded": Turn(status=529, error_code="overloaded_error"),
    "401": Turn(status=401, error_code="authentication_error"),
    "404 model": Turn(status=404, error_message="model: claude-x"),
    "400 prompt too long": Turn(status=400, error_code="prompt_too_long"),
    "400 other": Turn(status=400, error_message="bad param"),
    "an overloaded event mid-stream": AnthropicTurn(content="hi", stream_error="overloaded_error"),
    "cut after the finish reason": Turn(content="hi", cut_stream_after=7),
    "read timeout": Turn(content="late", delay=2),
}
CUT = {
    "cut before the first chunk": Turn(content="hello world foo", cut_stream_after=1),
    "cut mid-reply": Turn(content="hello world foo", cut_stream_after=4),
}


@pytest.mark.parametrize("name", list(ERRORS))
async def test_a_failure_is_read_as_it_was_through_litellm(name: str) -> None:
    timeout = 0.5 if "timeout" in name else 600
    theirs, _, _ = await ask("litellm", ERRORS[name], {}, FIRST, timeout=timeout)
    ours, _, _ = await ask("auto", ERRORS[name], {}, FIRST, timeout=timeout)
    words = "timeout" not in name  # litellm says how long it waited, to the millisecond
    assert as_the_product_reads_it(ours, MODEL, words=words) == as_the_product_reads_it(
        theirs, MODEL, words=words
    )
    if name.startswith("cut after"):
        assert ours["content"] == "hi"  # the reply stands


@pytest.mark.parametrize("name", list(CUT))
async def test_a_stream_cut_before_its_finish_is_a_transient_failure_as_through_litellm(
    name: str,
) -> None:
    theirs, _, _ = await ask("litellm", CUT[name], {}, FIRST)
    ours, _, _ = await ask("auto", CUT[name], {}, FIRST)
    assert as_the_product_reads_it(ours, MODEL, words=False) == as_the_product_reads_it(
        theirs, MODEL, words=False
    )
    assert classify(ours) == "transient"


async def test_a_refused_connection_names_the_server_as_through_litellm() -> None:
    port = free_port()  # a port nobody listens on
    outcomes = []
    for client in ("litellm", "auto"):
        settings = Settings(
            model_name=MODEL, api_base=f"http://127.0.0.1:{port}", model_client=client
        )
        model = litellm_chat_model(settings)(MODEL)
        try:
            await model.ainvoke(FIRST)
        except Exception as error:  # compared below
            outcomes.append(as_the_product_reads_it(error, MODEL, words=False))
    assert outcomes[0] == outcomes[1] and outcomes[1]["unreachable"]
    assert outcomes[1]["kind"] == "transient"


def test_what_the_body_rebuilds_is_litellm_s_own() -> None:
    """The facts models/anthropic_chat*.py keeps without importing litellm (compat/litellm.py
    lists where each lives)."""
    from litellm.litellm_core_utils.core_helpers import _FINISH_REASON_MAP
    from litellm.litellm_core_utils.prompt_templates.factory import _EMPTY_TEXT_PLACEHOLDER
    from litellm.llms.anthropic.chat.transformation import AnthropicConfig
    from litellm.types.llms.anthropic import AnthropicInputSchema

    from models import anthropic_chat, anthropic_chat_body, anthropic_chat_stream

    assert anthropic_chat_body.EMPTY_TEXT == _EMPTY_TEXT_PLACEHOLDER
    assert set(AnthropicInputSchema.__annotations__) == anthropic_chat_body._SCHEMA_KEYS
    assert all(_FINISH_REASON_MAP[k] == v for k, v in anthropic_chat_stream.FINISH_REASONS.items())
    for name in ("claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022", "claude-nobody"):
        assert anthropic_chat._max_tokens(name) == AnthropicConfig.get_max_tokens_for_model(name)


@pytest.mark.parametrize(
    ("prompt", "kwargs"),
    [
        (FIRST, {"reasoning_effort": "low"}),
        (FIRST, {"stop": ["\n"]}),
        (with_thinking(), {}),
        ([HumanMessage([{"type": "text", "text": "a list"}])], {}),
        ([SystemMessage("a"), HumanMessage("b"), SystemMessage("c"), HumanMessage("d")], {}),
        ([AIMessage("first"), HumanMessage("b")], {}),
        ([HumanMessage("named", additional_kwargs={"name": "bob"})], {}),
        ([HumanMessage("b"), AIMessage("prefill ")], {}),
        (
            [
                HumanMessage("x"),
                AIMessage("", tool_calls=[{"name": "read", "args": {}, "id": "t"}]),
                ToolMessage("", tool_call_id="t"),
            ],
            {},
        ),
    ],
)
def test_what_is_not_plain_goes_to_chatlitellm(
    prompt: list[BaseMessage], kwargs: dict[str, Any]
) -> None:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from models.anthropic_chat_body import request_body

    tools = [convert_to_openai_tool(read)]
    params = {"tools": tools, "tool_choice": None, **kwargs}
    assert request_body("claude-x", prompt, params, [], 4096) is None
    assert request_body("claude-x", FIRST, {"tools": tools}, [], 4096) is not None


async def test_calls_one_after_another_share_one_connection() -> None:
    """Each stream is read to its end, so its connection goes back to the pool: three calls
    to a server that keeps connections (as the provider does) open one."""
    with ScriptedAnthropicServer(default=Turn(content="a"), api_key=KEY, keep_alive=True) as server:
        settings = Settings(model_name=MODEL, api_base=server.url, model_client="auto")
        model = litellm_chat_model(settings)(MODEL)
        try:
            for _ in range(3):
                assert (await model.ainvoke([HumanMessage("hi")])).content == "a"
            assert server.connections_opened == 1 and len(server.requests) == 3
        finally:
            await shared_client().aclose()  # no kept socket outlives the test
