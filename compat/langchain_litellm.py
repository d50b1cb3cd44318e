"""The compat module of langchain-litellm: the private helpers ml-intern's own model clients
(models/openai_chat*.py, models/anthropic_chat.py) read so that they answer exactly as
ChatLiteLLM does.

Nothing here is patched. The OpenAI-compatible client imports `_convert_message_to_dict` (a
message as the request's dict) and `_create_usage_metadata` (a reply's usage as LangChain's)
where it uses them, and rebuilds the first for a text message without importing either
library (models/openai_chat_plain.py; tests/models/test_openai_chat_plain.py holds the two
equal). The Anthropic client hands a request it does not send itself to ChatLiteLLM's own
stream (`streamed`). `PIN` is the release pyproject.toml pins (with litellm, as a set);
tests/compat/ fails naming the helper when a release moves or changes one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from compat.pins import Hook, Pin

if TYPE_CHECKING:
    from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGenerationChunk

PIN = Pin("langchain-litellm", "==0.11.1")
_MODULE = "langchain_litellm.chat_models.litellm"
HOOKS = (
    Hook(_MODULE, "_convert_message_to_dict", ("message",)),
    Hook(_MODULE, "_create_usage_metadata", ("token_usage",)),
    Hook(_MODULE, "ChatLiteLLM._astream", ("self", "messages", "stop", "run_manager", "kwargs")),
)


def streamed(
    model: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
    **kwargs: Any,
) -> AsyncIterator[ChatGenerationChunk]:
    """`model`'s (a ChatLiteLLM's) own stream of the request, inside the caller's run: its
    private `_astream`, which the public `astream` wraps in a run of its own."""
    return model._astream(messages, stop, run_manager, **kwargs)
