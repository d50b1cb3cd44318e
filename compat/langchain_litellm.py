"""The compat module of langchain-litellm: the private helpers ml-intern's own OpenAI-compatible
client (models/openai_chat*.py) reads so that it answers exactly as ChatLiteLLM does.

Nothing here is patched; the client imports `_convert_message_to_dict` (a message as the
request's dict) and `_create_usage_metadata` (a reply's usage as LangChain's) where it uses
them, and rebuilds the first for a text message without importing either library
(models/openai_chat_plain.py; tests/models/test_openai_chat_plain.py holds the two equal).
`PIN` is the release pyproject.toml pins (with litellm, as a set); tests/compat/ fails
naming the helper when a release moves or changes one.
"""

from __future__ import annotations

from compat.pins import Hook, Pin

PIN = Pin("langchain-litellm", "==0.11.1")
_MODULE = "langchain_litellm.chat_models.litellm"
HOOKS = (
    Hook(_MODULE, "_convert_message_to_dict", ("message",)),
    Hook(_MODULE, "_create_usage_metadata", ("token_usage",)),
)
