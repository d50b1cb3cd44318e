"""Our own OpenAI-compatible path against ChatLiteLLM: the same exchanges, the same requests
as the server received them, the same replies and the same errors (real loopback servers)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from cli.server_address import free_port
from configs.settings import Settings
from models.chat_model import litellm_chat_model
from models.provider_errors import (
    classify,
    describe,
)
from tests.fakes.failure_reading import as_the_product_reads_it
from tests.fakes.llm_server import ScriptedLLMServer, Turn

MODEL = "llamacpp/qwen"
CACHED = {"prompt_tokens": 50, "completion_tokens": 7, "total_tokens": 57, "prompt_tokens_details": {"cached_tokens": 32}}  # fmt: skip
TWO_CALLS = [
    {"id": "call_a", "name": "read", "arguments": {"path": "a.py"}},
    {"id": "call_b", "name": "bash", "arguments": "{not json"},
]
CHUNK = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}'  # fmt: skip


@tool
def read(path: str) -> str:
    """Read a file."""
    return path


@tool
def grep(pattern: str, glob: str = "*") -> str:
    """Search files."""
    return pattern


GREP_SCHEMA = {
    "type": "function",
    "function": {
        "name": "find",
        "description": "Find names.",
        "parameters": {
            "type": "object",
            "properties": {"name": {"type": "string", "pattern": r"\p{L}+"}},
            "required": ["name"],
        },
    },
}


def sse(*events: str) -> str:
    return "".join(f"data: {e}\n\n" for e in events)


def history() -> list[BaseMessage]:
    """A thread with a tool round, reasoning sent back, an image and an unparsed call."""
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    return [
        SystemMessage("You are ml-intern."),
        HumanMessage([{"type": "text", "text": "look at this"}, image]),
        AIMessage(
            "",
            tool_calls=[{"name": "read", "args": {"path": "a.py"}, "id": "call_1"}],
            additional_kwargs={"reasoning_content": "read it first"},
        ),
        ToolMessage("print('hi')  # é", tool_call_id="call_1"),
        AIMessage(
            "",
            invalid_tool_calls=[{"name": "bash", "args": "{x", "id": "call_2", "error": None}],
            additional_kwargs={
                "tool_calls": [
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "bash", "arguments": "{x"},
                    }
                ]
            },
        ),
        ToolMessage("not JSON", tool_call_id="call_2", status="error"),
        HumanMessage("go on"),
    ]


# (turn, invoke kwargs, tool choice bound, prompt)
EXCHANGES: dict[str, tuple[Turn, dict[str, Any], Any, list[BaseMessage] | None]] = {
    "text, cached prompt tokens": (Turn(content="hello there", usage=CACHED), {}, None, None),
    "two parallel calls, one invalid JSON": (Turn(tool_calls=TWO_CALLS), {}, None, None),
    "cut by the length limit": (Turn(content="x" * 40, finish_reason="length"), {}, None, None),
    "calls cut by the length limit": (
        Turn(tool_calls=TWO_CALLS[:1], finish_reason="length"),
        {},
        None,
        None,
    ),
    "reasoning_content": (Turn(content="42", thinking="let me think about it"), {}, None, None),
    "reasoning and calls": (Turn(thinking="hmm ok", tool_calls=TWO_CALLS), {}, None, None),
    "stated reasoning tokens": (
        Turn(
            content="ok",
            usage={
                "prompt_tokens": 9,
                "completion_tokens": 5,
                "completion_tokens_details": {"reasoning_tokens": 3},
            },
        ),
        {},
        None,
        None,
    ),
    "every kwarg": (
        Turn(content="fine", thinking="short"),
        {
            "reasoning_effort": "low",
            "max_tokens": 1024,
            "extra_body": {"dry_multiplier": 0.8, "dry_base": 1.75},
            "tool_choice": "none",
        },
        None,
        None,
    ),
    "a bound tool choice": (Turn(tool_calls=TWO_CALLS[:1]), {}, "read", None),
    "a thread's history": (Turn(content="done"), {"max_tokens": 64}, "any", history()),
    "no usage from the server": (Turn(content="counted by litellm", usage=None), {}, None, None),
    "no usage, with reasoning and a call": (
        Turn(thinking="hm", tool_calls=TWO_CALLS[:1], usage=None),
        {},
        None,
        None,
    ),
    "DeepSeek's cache field": (
        Turn(
            content="x",
            usage={
                "prompt_tokens": 5,
                "completion_tokens": 1,
                "total_tokens": 6,
                "prompt_cache_hit_tokens": 4,
            },
        ),
        {},
        None,
        None,
    ),
    "vLLM's `reasoning` field": (
        Turn(
            raw_body=sse(
                CHUNK % ('{"role":"assistant","reasoning":"think"}', "null"),
                CHUNK % ('{"content":"ok"}', '"stop"'),
                "[DONE]",
            )
        ),
        {},
        None,
        None,
    ),
    "a stream without a finish reason": (
        Turn(raw_body=sse(CHUNK % ('{"content":"ab"}', "null"), "[DONE]")),
        {},
        None,
        None,
    ),
    "an empty stream": (Turn(raw_body=sse("[DONE]")), {}, None, None),
    "a finish reason of its own, after a comment": (
        Turn(
            raw_body=": keep-alive\r\n\r\n" + sse(CHUNK % ('{"content":"ab"}', '"eos"'), "[DONE]")
        ),
        {},
        None,
        None,
    ),
}


async def ask(
    client: str,
    turn: Turn,
    kwargs: dict[str, Any],
    choice: Any,
    prompt: Sequence[BaseMessage] | None,
    monkeypatch: pytest.MonkeyPatch,
    timeout: float = 3600,
) -> tuple[Any, list[dict[str, Any]]]:
    """The reply (or failure) through `client` ("litellm" or "auto") and the requests the
    server received."""
    with ScriptedLLMServer([copy.deepcopy(turn)]) as server:
        monkeypatch.setenv("LLAMACPP_BASE_URL", server.url)
        settings = Settings(model_name=MODEL, model_client=client, local_request_timeout_s=timeout)
        model = litellm_chat_model(settings)(MODEL)
        assert type(model).__name__ == ("ChatLiteLLM" if client == "litellm" else "OpenAIChatModel")
        bound = model.bind_tools([read, grep, GREP_SCHEMA], tool_choice=choice)
        try:
            reply = await bound.ainvoke(list(prompt or [HumanMessage("hi")]), **kwargs)
        except Exception as error:  # compared below, as the product reads it
            return error, server.requests
        return reply.model_dump(exclude={"id"}), server.requests


@pytest.mark.parametrize("name", list(EXCHANGES))
async def test_a_scripted_exchange_sends_and_returns_what_it_did_through_litellm(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    turn, kwargs, choice, prompt = EXCHANGES[name]
    theirs, their_requests = await ask("litellm", turn, kwargs, choice, prompt, monkeypatch)
    ours, our_requests = await ask("auto", turn, kwargs, choice, prompt, monkeypatch)
    assert our_requests == their_requests and len(our_requests) == 1
    assert ours == theirs
    sent = our_requests[0]  # not vacuous: what was asked for is in the request
    assert set(kwargs) - {"extra_body"} <= set(sent) and set(kwargs.get("extra_body", {})) <= set(
        sent
    )
    assert len(sent["messages"]) == len(prompt or [1]) and len(sent["tools"]) == 3


async def unbound_requests(client: str, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    with ScriptedLLMServer(default=Turn(content="a")) as server:
        monkeypatch.setenv("LLAMACPP_BASE_URL", server.url)
        model = litellm_chat_model(Settings(model_name=MODEL, model_client=client))(MODEL)
        await model.bind_tools([]).ainvoke([HumanMessage("hi")])
        await model.bind_tools([], tool_choice="none").ainvoke([HumanMessage("hi")], max_tokens=1)
        await model.ainvoke([HumanMessage("hi")], stop=["\n\n"])
        return server.requests


async def test_requests_without_tools_are_sent_as_through_litellm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An empty toolset goes as `tools: []` without a choice; a model never bound sends none."""
    ours = await unbound_requests("auto", monkeypatch)
    assert ours == await unbound_requests("litellm", monkeypatch)
    assert ours[0]["tools"] == [] and "tool_choice" not in ours[1] and "tools" not in ours[2]


async def streamed(client: str, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    turn = Turn(content="hi you", thinking="hmm ok", tool_calls=TWO_CALLS, usage=CACHED)
    with ScriptedLLMServer([turn]) as server:
        monkeypatch.setenv("LLAMACPP_BASE_URL", server.url)
        model = litellm_chat_model(Settings(model_name=MODEL, model_client=client))(MODEL)
        return [c.model_dump(exclude={"id"}) async for c in model.astream([HumanMessage("hi")])]


async def test_the_stream_s_chunks_are_the_ones_chatlitellm_yields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the front ends show while a reply streams (graph/events.py) is the same too."""
    theirs = await streamed("litellm", monkeypatch)
    ours = await streamed("auto", monkeypatch)
    assert ours == theirs and len(ours) > 10


ERRORS: dict[str, Turn] = {
    "429 with Retry-After": Turn(
        status=429, error_code="rate_limit_exceeded", headers={"Retry-After": "7"}
    ),
    "500": Turn(status=500, error_message="boom"),
    "500, not JSON": Turn(status=500, raw_body="upstream exploded"),
    "502": Turn(status=502, error_message="bad gateway"),
    "503": Turn(status=503, error_message="unavailable"),
    "401": Turn(status=401, error_message="Incorrect API key provided"),
    "403": Turn(status=403, error_message="forbidden"),
    "404 model not found": Turn(
        status=404, error_message="The model `x` does not exist", error_code="model_not_found"
    ),
    "400 OpenAI's context window": Turn(status=400, error_code="context_length_exceeded"),
    "400 llama.cpp's context window": Turn(
        status=400,
        error_message="the request exceeds the available context size (9216 tokens), try increasing it",
    ),
    "400 other": Turn(status=400, error_message="bad param"),
    "cut after the finish reason": Turn(content="hi", cut_stream_after=4),
    "cut before [DONE]": Turn(content="hi", cut_stream_after=5),
    "malformed SSE JSON": Turn(raw_body="data: {not json\n\n"),
    "JSON of the wrong shape": Turn(raw_body=sse("[1,2]", "[DONE]")),
    "an error event": Turn(raw_body=sse('{"error": {"message": "overloaded", "code": 503}}')),
    "read timeout": Turn(content="late", delay=2),
}
# A stream cut before its finish reason: the transport's own words differ (litellm's aiohttp
# against httpx), everything the product decides by is the same.
CUT: dict[str, Turn] = {
    "cut before the first chunk": Turn(content="hello world foo", cut_stream_after=1),
    "cut mid-reply": Turn(content="hello world foo", cut_stream_after=2),
    "cut at the finish reason": Turn(content="hi", cut_stream_after=3),
}


@pytest.mark.parametrize("name", list(ERRORS))
async def test_a_failure_is_read_as_it_was_through_litellm(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeout = 0.5 if "timeout" in name else 3600
    theirs, _ = await ask("litellm", ERRORS[name], {}, None, None, monkeypatch, timeout)
    ours, _ = await ask("auto", ERRORS[name], {}, None, None, monkeypatch, timeout)
    assert as_the_product_reads_it(ours, MODEL) == as_the_product_reads_it(theirs, MODEL)
    if name.startswith("cut after") or name.startswith("cut before [DONE]"):
        assert ours["content"] == "hi"  # the reply stands


@pytest.mark.parametrize("name", list(CUT))
async def test_a_stream_cut_before_its_finish_is_a_transient_failure_as_through_litellm(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs, _ = await ask("litellm", CUT[name], {}, None, None, monkeypatch)
    ours, _ = await ask("auto", CUT[name], {}, None, None, monkeypatch)
    assert as_the_product_reads_it(ours, MODEL, words=False) == as_the_product_reads_it(
        theirs, MODEL, words=False
    )
    assert classify(ours) == "transient" and "incomplete chunked read" in describe(ours, MODEL)


async def test_a_refused_connection_names_the_server_as_through_litellm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()  # a port nobody listens on
    monkeypatch.setenv("LLAMACPP_BASE_URL", f"http://127.0.0.1:{port}/v1")
    outcomes = []
    for client in ("litellm", "auto"):
        model = litellm_chat_model(Settings(model_name=MODEL, model_client=client))(MODEL)
        try:
            await model.ainvoke([HumanMessage("hi")])
        except Exception as error:  # compared below
            outcomes.append(as_the_product_reads_it(error, MODEL, words=False))
    assert outcomes[0] == outcomes[1] and outcomes[1]["unreachable"]
    assert outcomes[1]["kind"] == "transient"


async def test_a_router_model_sends_the_run_s_person_s_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`_per_person` binds the token per call; it goes in the Authorization header."""
    with ScriptedLLMServer([Turn(content="hi")]) as server:
        monkeypatch.setenv("HF_ROUTER_URL", server.url)
        monkeypatch.setenv("HF_TOKEN", "hf_default")
        model = litellm_chat_model(Settings(model_name="moonshotai/Kimi-K2.6"))(
            "moonshotai/Kimi-K2.6"
        )
        assert type(model).__name__ == "OpenAIChatModel"
        await model.bind(api_key="hf_person").ainvoke([HumanMessage("hi")])
        assert server.request_headers[0]["authorization"] == "Bearer hf_person"
        assert server.requests[0]["model"] == "moonshotai/Kimi-K2.6"


async def test_where_people_sign_in_a_router_model_carries_each_person_s_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """No server-wide key at all: the run's person's token goes with each call."""
    from nodes.deps import AgentDeps
    from tools.catalog import ToolCatalog
    from tools.hub.user_tokens import MODE_VARIABLE, acting_for

    monkeypatch.setenv(MODE_VARIABLE, "oauth")
    monkeypatch.delenv("OPENAI_API_KEY")
    with ScriptedLLMServer(default=Turn(content="hi")) as server:
        monkeypatch.setenv("HF_ROUTER_URL", server.url)
        model_id = "moonshotai/Kimi-K2.6"
        deps = AgentDeps(
            settings=Settings(model_name=model_id), catalog=ToolCatalog([]), home=tmp_path
        )
        for person in ("hf_ada", "hf_bob"):
            with acting_for(person):
                model = deps.chat_model(model_id, with_tools=False)
                assert type(model.bound).__name__ == "OpenAIChatModel"
                await model.ainvoke([HumanMessage("hi")])
        said = [h["authorization"] for h in server.request_headers]
    assert said == ["Bearer hf_ada", "Bearer hf_bob"]


def test_litellm_keeps_what_our_path_does_not_serve() -> None:
    """Not streamed, a reasoning model litellm rewrites the body for, Anthropic, or asked to."""
    chosen = {
        (model_id, stream, client): type(
            litellm_chat_model(Settings(model_name=model_id, stream=stream, model_client=client))(
                model_id
            )
        ).__name__
        for model_id, stream, client in [
            (MODEL, True, "auto"),
            (MODEL, False, "auto"),
            (MODEL, True, "litellm"),
            ("llamacpp/o3-mini", True, "auto"),
        ]
    }
    assert chosen == {
        (MODEL, True, "auto"): "OpenAIChatModel",
        (MODEL, False, "auto"): "ChatLiteLLM",
        (MODEL, True, "litellm"): "ChatLiteLLM",
        ("llamacpp/o3-mini", True, "auto"): "ChatLiteLLM",
    }


def test_openai_s_own_host_gets_the_body_litellm_makes_for_it() -> None:
    """api.openai.com cannot be reached from a test: the body is compared with litellm's own
    transform for that host (combinators flattened, cache markers stripped)."""
    from litellm.llms.openai.chat.gpt_transformation import OpenAIGPTConfig

    from models.openai_chat_body import request_body, served_tools

    either = {"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}]}
    tools = [GREP_SCHEMA, {"type": "function", "function": {"name": "pick", "parameters": either}}]
    marked = {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}
    for base in ("https://api.openai.com/v1", "http://127.0.0.1:8080/v1"):
        params = {"custom_llm_provider": "openai", "api_base": base}
        theirs = OpenAIGPTConfig().transform_request(
            "gpt-4o",
            [{"role": "user", "content": [dict(marked)]}],
            {"tools": copy.deepcopy(tools)},
            params,
            {},
        )
        sent = served_tools(copy.deepcopy(tools), base)
        ours = request_body("gpt-4o", [HumanMessage([dict(marked)])], {"tools": sent}, base)
        assert (ours["tools"], ours["messages"]) == (theirs["tools"], theirs["messages"])
    assert "cache_control" in str(ours["messages"]) and "anyOf" in str(ours["tools"])


async def known_model_outcomes(client: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """OpenAI's gpt-4o at an OpenAI-compatible base: a reply, then a refused parameter."""
    with ScriptedLLMServer(default=Turn(content="a", usage=CACHED)) as server:
        settings = Settings(model_name="openai/gpt-4o", api_base=server.url, model_client=client)
        model = litellm_chat_model(settings)("openai/gpt-4o").bind_tools([read])
        reply = (await model.ainvoke([HumanMessage("hi")], max_tokens=5)).model_dump(exclude={"id"})
        try:
            await model.ainvoke([HumanMessage("hi")], reasoning_effort="low")
        except Exception as error:  # litellm refuses it before sending
            refusal = as_the_product_reads_it(error, MODEL)
        return [reply, refusal, server.requests]


async def test_a_model_litellm_knows_is_sent_and_refused_as_through_litellm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ours = await known_model_outcomes("auto", monkeypatch)
    assert ours == await known_model_outcomes("litellm", monkeypatch)
    assert len(ours[2]) == 1 and ours[1]["class"] == "UnsupportedParamsError"


async def test_a_redirect_is_a_failure_and_nothing_follows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The attack: a model server (or whoever answers at its address) redirects the call to a
    host of its choosing; the conversation and the key must not follow."""
    with ScriptedLLMServer([Turn(content="taken")]) as elsewhere:
        moved = Turn(
            status=307, raw_body="", headers={"Location": f"{elsewhere.url}/chat/completions"}
        )
        outcome, _ = await ask("auto", moved, {}, None, None, monkeypatch)
        assert elsewhere.requests == []
    assert isinstance(outcome, Exception) and classify(outcome) == "fatal"
    assert "307" in describe(outcome, MODEL)


async def test_each_streamed_piece_reaches_a_graph_s_message_stream_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a front end streams is the reply once. (The model used to hand each piece to the
    run's callbacks itself as well as LangChain's loop; with that, the web page showed an answer
    twice in 2 of 6 loaded runs of test_undo_model_switch_fork_and_delete, 0 of 12 without. This
    in-process stream does not reproduce that race; the web test is what caught it.)"""
    from langgraph.graph import END, START, MessagesState, StateGraph

    with ScriptedLLMServer([Turn(content="hello there, you")]) as server:
        monkeypatch.setenv("LLAMACPP_BASE_URL", server.url)
        model = litellm_chat_model(Settings(model_name=MODEL))(MODEL)

        async def answer(state: MessagesState) -> dict[str, Any]:
            return {"messages": [await model.ainvoke(state["messages"])]}

        graph = StateGraph(MessagesState).add_node("answer", answer)
        graph = graph.add_edge(START, "answer").add_edge("answer", END).compile()
        pieces = [
            chunk.content
            async for chunk, _ in graph.astream(
                {"messages": [HumanMessage("hi")]}, stream_mode="messages"
            )
        ]
    assert "".join(str(p) for p in pieces) == "hello there, you"
