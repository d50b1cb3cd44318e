"""The model client's front door: a model id becomes a chat model (ours or ChatLiteLLM), with
the patches litellm needs installed first (compat/: each pinned, checked before it patches)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from configs.model_profile import ModelProfile
    from configs.settings import Settings

ChatModelFactory = Callable[[str], "BaseChatModel"]


def litellm_chat_model(settings: Settings) -> ChatModelFactory:
    """The chat model for a model id: our own OpenAI-compatible path where it serves
    (models/openai_chat.py), else ChatLiteLLM; retries are ours (call_model), so
    litellm's are off."""

    def make(model_id: str) -> BaseChatModel:
        from configs.model_profile import profile_of
        from models import anthropic_chat, openai_chat
        from models.own_paths import anthropic_serves, openai_serves
        from tools.hub.client import hf_token
        from tools.hub.user_tokens import people_sign_in

        profile = profile_of(model_id, settings)
        if profile.needs_hf_token and not people_sign_in():  # the HF token, for the router only
            profile = profile_of(model_id, settings, hf_token=hf_token())
        if openai_serves(profile, settings):  # our own path, litellm's answers, no import
            return openai_chat.openai_chat_model(profile, settings)
        if anthropic_serves(profile, settings):  # ours for plain requests, else ChatLiteLLM
            return anthropic_chat.anthropic_chat_model(
                profile, settings, partial(chat_litellm, profile, settings)
            )
        return chat_litellm(profile, settings)

    return make


def chat_litellm(profile: ModelProfile, settings: Settings) -> BaseChatModel:
    """ChatLiteLLM for `profile`, with the patches litellm needs installed first."""
    import litellm
    from langchain_litellm import ChatLiteLLM

    from compat import httpx as httpx_compat
    from compat import litellm as litellm_compat
    from compat import openai_sdk

    litellm.suppress_debug_info = True  # its banners would land in the user's stdout
    litellm_compat.install()  # pricing ml-intern does itself, and the like
    httpx_compat.install()  # httpx's json= bodies (Anthropic's) through orjson
    if openai_sdk.serves(profile.provider):
        openai_sdk.install()
        litellm_compat.install_tool_walk()
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


def through_litellm(model_id: str, settings: Settings) -> bool:
    """Whether `model_id`'s calls go through ChatLiteLLM (else our own OpenAI-compatible or
    Anthropic path, which import litellm only when a request is not plain): what a launch
    imports before its first request."""
    from configs.model_profile import profile_of
    from models.own_paths import anthropic_serves, openai_serves

    profile = profile_of(model_id, settings)
    return not (openai_serves(profile, settings) or anthropic_serves(profile, settings))
