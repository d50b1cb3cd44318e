"""The model client's front door: a model id becomes a chat model (ours or ChatLiteLLM), with
the patches litellm needs installed first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from configs.settings import Settings

ChatModelFactory = Callable[[str], "BaseChatModel"]


def litellm_chat_model(settings: Settings) -> ChatModelFactory:
    """The chat model for a model id: our own OpenAI-compatible path where it serves
    (models/openai_chat.py), else ChatLiteLLM; retries are ours (call_model), so
    litellm's are off."""

    def make(model_id: str) -> BaseChatModel:
        import litellm
        from langchain_litellm import ChatLiteLLM

        from configs.model_profile import profile_of
        from models import (
            json_request_body,
            litellm_overheads,
            openai_chat,
            openai_request_path,
            tool_schema_walk,
        )
        from tools.hub.client import hf_token
        from tools.hub.user_tokens import people_sign_in

        litellm.suppress_debug_info = True  # its banners would land in the user's stdout
        profile = profile_of(model_id, settings)
        if profile.needs_hf_token and not people_sign_in():  # the HF token, for the router only
            profile = profile_of(model_id, settings, hf_token=hf_token())
        if openai_chat.serves(profile, settings):  # our own path, litellm's answers
            return openai_chat.openai_chat_model(profile, settings)
        skip_logging_scan()
        litellm_overheads.install()  # pricing ml-intern does itself, and the like
        json_request_body.install()  # httpx's json= bodies (Anthropic's) through orjson
        defer_default_tokenizer()
        if openai_request_path.serves(profile.provider):
            openai_request_path.install()
            tool_schema_walk.install()
        target = profile.route
        keys = {"api_key": target.api_key, "openai_api_key": target.api_key}
        sampling = {} if profile.temperature is None else {"temperature": profile.temperature}
        return ChatLiteLLM(
            model=target.model,
            api_base=target.api_base,
            streaming=settings.stream,
            **(keys if target.api_key else {}),
            **sampling,
            max_retries=1,
            request_timeout=(
                settings.local_request_timeout_s if profile.local else settings.request_timeout_s
            ),
            model_kwargs={"max_retries": 0, **profile.cache_kwargs()},
        )

    return make


def skip_logging_scan() -> None:
    """After each call litellm copies every message to shorten base64 data URIs in its logging
    payload, which ml-intern sends nowhere: a walk of the whole history per step (~4% of a
    300-step run's CPU). 0 is litellm's own "off" (`MAX_BASE64_LENGTH_FOR_LOGGING`, an
    environment variable read when litellm is imported, which is before any config is)."""
    from litellm.litellm_core_utils import logging_utils

    logging_utils.MAX_BASE64_LENGTH_FOR_LOGGING = 0  # type: ignore[misc]


class LazyTokenizer:
    """litellm's default tokenizer (tiktoken's cl100k), loaded on its first use."""

    def __getattr__(self, name: str) -> Any:
        from litellm._lazy_imports import _get_default_encoding

        return getattr(_get_default_encoding(), name)


def defer_default_tokenizer() -> None:
    """litellm's Anthropic path loads its default tokenizer (~37 MB) on the first call only to
    hand it on, for counting a reply that comes without usage; Anthropic always sends usage.
    The tokenizer now loads when something first counts with it."""
    import litellm.main

    if getattr(litellm.main, "_encoding_cache", object()) is None:
        litellm.main._encoding_cache = LazyTokenizer()  # type: ignore[assignment]
