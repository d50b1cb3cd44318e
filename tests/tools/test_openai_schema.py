"""What a model is sent for each tool: LangChain's own format, worked out once a process for a
built-in tool, each caller's copy its own."""

from __future__ import annotations

from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field

from configs.settings import Settings
from tools.families import build_catalog, one_line_schema
from tools.openai_schema import openai_schema
from tools.tool_factory import make_tool


async def _nothing(call: object, **args: object) -> str:
    return ""


class Greeting(BaseModel):
    """Say hello. Then more words that a one-line schema drops."""

    name: str = Field(description="Who to greet. Said in full here.")


def test_every_built_in_tool_is_sent_as_langchain_formats_it() -> None:
    settings = Settings()
    first, second = build_catalog(settings), build_catalog(settings)
    assert len(first.tools) > 20
    for a, b in zip(first.tools, second.tools, strict=True):
        assert openai_schema(a) == convert_to_openai_tool(a) == openai_schema(b), a.name


def test_a_copy_changed_by_one_caller_changes_nothing_for_the_next() -> None:
    tool = make_tool("greet", Greeting, _nothing)
    short = one_line_schema(tool)
    assert short["function"]["description"] == "Say hello."
    full = openai_schema(make_tool("greet", Greeting, _nothing))
    assert full["function"]["description"].endswith("a one-line schema drops.")
    assert full["function"]["parameters"]["properties"]["name"]["description"].endswith("here.")


def test_tools_alike_but_in_name_each_get_their_own() -> None:
    hello, hi = make_tool("hello", Greeting, _nothing), make_tool("hi", Greeting, _nothing)
    assert openai_schema(hello)["function"]["name"] == "hello"
    assert openai_schema(hi)["function"]["name"] == "hi"
