"""An in-process chat model that plays a script: for unit tests and benchmarks (no HTTP)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

Step = AIMessage | Callable[[list[BaseMessage]], AIMessage] | BaseException
_CALL_NUMBERS = itertools.count(1)


def tool_call(name: str, args: dict[str, Any], call_id: str | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "args": args,
        # Unique per call, as a provider's ids are: two identical calls never share one.
        "id": call_id or f"call_{name}_{next(_CALL_NUMBERS)}",
    }


def says(
    text: str, *calls: dict[str, Any], input_tokens: int = 100, output_tokens: int = 20
) -> AIMessage:
    """An AI reply with optional tool calls and usage, as a provider would send it."""
    return AIMessage(
        content=text,
        tool_calls=list(calls),
        usage_metadata={
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
        response_metadata={"finish_reason": "tool_calls" if calls else "stop"},
    )


class ScriptedChatModel(BaseChatModel):
    """Plays `steps` in order (a message, a function of the prompt, or an exception to raise)."""

    steps: list[Any] = Field(default_factory=list)
    default: Any = None
    delay: float = 0.0
    _prompts: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _bound_tools: list[Any] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def prompts(self) -> list[list[BaseMessage]]:
        return self._prompts

    def bind_tools(self, tools: Sequence[Any], **_: Any) -> ScriptedChatModel:
        self._bound_tools = list(tools)
        return self

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        self._prompts.append(list(messages))
        step = self.steps.pop(0) if self.steps else self.default
        if step is None:
            raise RuntimeError("ScriptedChatModel ran out of steps")
        if isinstance(step, BaseException):
            raise step
        message = step(messages) if callable(step) else step
        return message.model_copy(deep=True)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.delay:
            await asyncio.sleep(self.delay)
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])
