"""litellm's tool-schema walk, remembered: the same schemas are sent, each walked once."""

from collections.abc import Callable

from litellm.litellm_core_utils.prompt_templates.common_utils import (
    drop_non_python_regex_patterns,
    tool_with_sanitized_parameters,
)
from litellm.llms.openai.chat import gpt_transformation

from compat.litellm import install_tool_walk as install
from compat.litellm import remembering


def tool(name: str, pattern: str) -> dict:
    properties = {"path": {"type": "string", "pattern": pattern}}
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": properties}}}  # fmt: skip


def counting(walks: list[str]) -> Callable[..., dict]:
    """litellm's walk, remembered, noting the name of each tool it really walks."""

    def counted(t: dict, sanitize: object) -> dict:
        walks.append(t["function"]["name"])
        return tool_with_sanitized_parameters(t, sanitize)  # type: ignore[arg-type]

    return remembering(counted)  # type: ignore[arg-type]


def test_a_schema_litellm_rewrites_is_rewritten_every_time_and_a_clean_one_walked_once() -> None:
    walks: list[str] = []
    walk = counting(walks)
    clean, ecma = tool("read", r"^[a-z/]+$"), tool("grep", r"\p{L}+")
    for _ in range(3):
        assert walk(clean, drop_non_python_regex_patterns) is clean
        sent = walk(ecma, drop_non_python_regex_patterns)
        assert "pattern" not in sent["function"]["parameters"]["properties"]["path"]
    assert walks == ["read", "grep", "grep", "grep"]
    # the same text under another walk is that walk's to judge
    walk(clean, lambda schema: schema)
    assert walks[-1] == "read"


def test_litellm_sends_the_same_tools_with_the_walk_remembered() -> None:
    config = gpt_transformation.OpenAIGPTConfig()
    params = {"custom_llm_provider": "openai", "api_base": "http://127.0.0.1:1/v1"}
    tools = [tool("read", r"^[a-z/]+$"), tool("grep", r"\p{L}+")]
    before = config.transform_request("m", [], {"tools": tools}, params, {})
    install()
    for _ in range(2):
        after = config.transform_request("m", [], {"tools": tools}, params, {})
        assert after["tools"] == before["tools"]
    assert "pattern" not in after["tools"][1]["function"]["parameters"]["properties"]["path"]


def test_the_same_schema_object_sent_again_and_an_equal_copy_are_judged_alike() -> None:
    walks: list[str] = []
    walk = counting(walks)
    bound, ecma = tool("glob", r"^[a-z*]+$"), tool("find", r"\p{N}+")
    for _ in range(3):  # the bound tools: the same objects on every request
        assert walk(bound, drop_non_python_regex_patterns) is bound
        assert walk(ecma, drop_non_python_regex_patterns) is not ecma
    copy = tool("glob", r"^[a-z*]+$")  # equal text, another object: already known clean
    assert walk(copy, drop_non_python_regex_patterns) is copy
    assert walks == ["glob", "find", "find", "find"]
