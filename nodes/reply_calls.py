"""A reply's tool calls made answerable: those whose arguments were not valid JSON carry the
raw text, and calls cut off by the output limit are dropped."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from models.call_arguments import RAW_ARGUMENTS


def tidy_tool_calls(response: AIMessage) -> tuple[AIMessage, bool]:
    """Make every tool call answerable; drop calls cut off by the output limit.

    Calls whose arguments were not valid JSON become calls carrying the raw text,
    so execute_tools can answer them with an error the model can act on.
    Returns the message and whether calls were dropped for `finish_reason == "length"`.
    """
    finish = (response.response_metadata or {}).get("finish_reason")
    calls = list(response.tool_calls)
    for bad in response.invalid_tool_calls:
        calls.append(
            {
                "name": bad.get("name") or "unknown",
                "args": {RAW_ARGUMENTS: bad.get("args") or "", "_error": bad.get("error") or ""},
                "id": bad.get("id") or f"call_invalid_{len(calls)}",
                "type": "tool_call",
            }
        )
    if finish == "length" and calls:
        # The provider's raw copy of the calls goes too, or it would be sent back.
        extra = {k: v for k, v in response.additional_kwargs.items() if k != "tool_calls"}
        update = {"tool_calls": [], "invalid_tool_calls": [], "additional_kwargs": extra}
        return response.model_copy(update=update), True
    if response.invalid_tool_calls:
        response = response.model_copy(update={"tool_calls": calls, "invalid_tool_calls": []})
    return response, False
