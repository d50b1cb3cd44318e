"""The figures a request carries: the most recent within the budget, and what they cost."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from nodes.tool_images import (
    IMAGE_TOKENS,
    IMAGES_PER_RESULT,
    PROMPT_IMAGES,
    image_tokens,
    sent_figures,
)


def result(call_id: str, count: int) -> list[BaseMessage]:
    names = [f"{int(call_id[1:]):010x}-{n}.png" for n in range(1, count + 1)]
    call = {"name": "python", "args": {"code": "plot()"}, "id": call_id}
    return [
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content="[image saved]", tool_call_id=call_id, artifact={"figures": names}),
    ]


def test_a_request_carries_the_most_recent_figures_within_the_budget() -> None:
    history = [*result("p1", 3), *result("p2", 6), *result("p3", 2)]
    chosen = sent_figures(history)
    assert [len(chosen[i]) for i in sorted(chosen)] == [2, IMAGES_PER_RESULT, 2]
    assert sum(map(len, chosen.values())) == PROMPT_IMAGES
    assert chosen[1] == ["0000000001-1.png", "0000000001-2.png"]  # the oldest lose the rest
    assert image_tokens(history) == PROMPT_IMAGES * IMAGE_TOKENS
    assert image_tokens(result("p9", 0)) == 0
