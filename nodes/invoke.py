"""Asking the model once: transient provider errors retried with backoff (honouring
Retry-After), and a step without the reasoning effort when the provider refuses the thinking.
call_model and compact ask through it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage
from langgraph.config import get_stream_writer

from configs.advice import COMMAND_LINE, Advice
from models.provider_errors import ProviderError, classify, describe, failed, retry_after_seconds
from nodes.deps import AgentDeps
from nodes.reasoning import THINKING_PAUSED, lost_thinking

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig


async def invoke_thinking(
    deps: AgentDeps,
    model_id: str,
    prompt: list[BaseMessage],
    config: RunnableConfig,
    extra: dict[str, Any],
    tools: Sequence[Any] | None = None,
    advice: Advice = COMMAND_LINE,
    *,
    with_tools: bool = True,
) -> AIMessage:
    """`invoke_with_retries` with the reasoning effort in `extra`, and without it for one
    step when Anthropic refuses the thinking because the last tool call's did not come back."""
    ask = partial(
        invoke_with_retries,
        deps,
        model_id,
        prompt,
        config,
        tools=tools,
        advice=advice,
        with_tools=with_tools,
    )
    try:
        return await ask(extra=extra)
    except ProviderError as error:
        if "reasoning_effort" not in extra or not lost_thinking(error):
            raise
    get_stream_writer()({"type": "error", "warning": True, "message": THINKING_PAUSED})
    return await ask()


async def invoke_with_retries(
    deps: AgentDeps,
    model_id: str,
    prompt: list[BaseMessage],
    config: RunnableConfig,
    *,
    with_tools: bool = True,
    extra: dict[str, Any] | None = None,
    tools: Sequence[Any] | None = None,
    advice: Advice = COMMAND_LINE,
) -> AIMessage:
    """Retry transient provider errors with exponential backoff (honouring Retry-After); the
    error that ends the run says what to do in `advice`'s words."""
    model = await deps.achat_model(model_id, with_tools=with_tools, tools=tools)
    attempts = deps.settings.model_retries + 1
    for attempt in range(attempts):
        try:
            result = await model.ainvoke(prompt, config, **(extra or {}))
            return result if isinstance(result, AIMessage) else AIMessage(**result.model_dump())
        except Exception as error:  # provider errors come in many classes; classify decides
            kind = classify(error)
            if kind != "transient" or attempt == attempts - 1:
                raise ProviderError(describe(error, model_id, advice), kind=kind) from error
            delay = retry_after_seconds(error)
            if delay is None:
                delay = deps.settings.retry_base_delay_s * (2**attempt)
            delay = min(delay, deps.settings.retry_max_delay_s)
            get_stream_writer()(
                {
                    "type": "error",
                    "retrying": True,
                    "message": f"{failed(error, model_id)} Retrying in {delay:.1f}s "
                    f"(attempt {attempt + 2} of {attempts}).",
                }
            )
            await deps.sleep(delay)
    raise AssertionError("unreachable")
