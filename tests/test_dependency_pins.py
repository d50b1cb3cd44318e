"""The pinned set works together: langchain-litellm completes a tool call with mcp 1.x installed.

litellm >= 1.106 with mcp 1.x fails every completion that passes `tools`, and
langchain-mcp-adapters 0.3 needs mcp < 2: a bump that breaks this fails here.
"""

from __future__ import annotations

from importlib.metadata import version

from langchain_core.tools import tool

from tests.fakes.llm_server import ScriptedLLMServer, Turn


@tool
def lookup(name: str) -> str:
    """Look a name up."""
    return name


async def test_langchain_litellm_and_mcp_adapters_complete_a_tool_call(
    llm: ScriptedLLMServer,
) -> None:
    import langchain_mcp_adapters.client  # noqa: F401  (must import beside litellm)
    from langchain_litellm import ChatLiteLLM

    assert int(version("mcp").split(".")[0]) == 1
    llm.add(Turn(tool_calls=[{"name": "lookup", "id": "c1", "arguments": {"name": "bert"}}]))
    model = ChatLiteLLM(
        model="openai/scripted-model", api_base=llm.url, api_key="sk-test", max_retries=1
    )
    reply = await model.bind_tools([lookup]).ainvoke("find bert")
    assert reply.tool_calls == [
        {"name": "lookup", "args": {"name": "bert"}, "id": "c1", "type": "tool_call"}
    ]
    assert llm.requests[0]["tools"][0]["function"]["name"] == "lookup"
