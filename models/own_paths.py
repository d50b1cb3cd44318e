"""Whether a model's calls take one of our own paths (models/openai_chat.py,
models/anthropic_chat.py) rather than ChatLiteLLM, decided without importing either client.

Why: the REPL asks before its prompt shows (what to warm up), and each client imports
LangChain's model classes, about half a second of CPU.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from configs.model_profile import ModelProfile
    from configs.settings import Settings

# Settings that make litellm and the SDK send headers our OpenAI path does not (organisation,
# project).
OPENAI_LITELLM_ONLY_ENV = ("OPENAI_ORGANIZATION", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")
# Settings under which litellm sends what our Anthropic path does not (a bearer token, a bare
# URL).
ANTHROPIC_LITELLM_ONLY_ENV = ("ANTHROPIC_AUTH_TOKEN", "LITELLM_ANTHROPIC_DISABLE_URL_SUFFIX")
# Names litellm sends through its GPT-5 config (`gpt_5_transformation.py`), a body of its own.
_REASONING_SERIES = ("gpt-5", "gpt-6")


def openai_serves(profile: ModelProfile, settings: Settings) -> bool:
    """Whether `profile`'s calls take our OpenAI-compatible path: streamed, litellm's plain
    `openai/` route (a local server, the HF router, OpenAI or an OpenAI-compatible base), a key
    at hand (on a server where people sign in, a router model gets each person's with the
    call), no organisation or project headers, and a model litellm sends without rewriting the
    body (its reasoning models' `max_completion_tokens` and the like stay litellm's)."""
    if getattr(settings, "model_client", "auto") != "auto" or not settings.stream:
        return False
    if not profile.route.model.startswith("openai/"):
        return False
    if openai_api_key(profile) is None and not profile.needs_hf_token:  # the router's: per call
        return False
    if any(os.environ.get(name) for name in OPENAI_LITELLM_ONLY_ENV):
        return False
    return openai_config(profile.route.model.removeprefix("openai/")) is not None


def anthropic_serves(profile: ModelProfile, settings: Settings) -> bool:
    """Whether `profile`'s calls take our Anthropic path: streamed, litellm's `anthropic/`
    route with a key at hand, no setting that makes litellm send otherwise."""
    if getattr(settings, "model_client", "auto") != "auto" or not settings.stream:
        return False
    if profile.provider != "anthropic" or not profile.route.model.startswith("anthropic/"):
        return False
    unsent = any(os.environ.get(name) for name in ANTHROPIC_LITELLM_ONLY_ENV)
    return anthropic_api_key(profile) is not None and not unsent


def openai_config(name: str) -> str | None:
    """Which plain OpenAI config litellm gives `name` (its `ProviderConfigManager` choice for
    the openai provider, read from its bundled list without importing it; tests/models/
    test_openai_chat_plain.py holds the two equal): "known" (a model on its list) or
    "unknown" (a local or router model: `reasoning_effort` forwarded); None for a subclass
    that rewrites the body (OpenAI's o-series and GPT-5 reasoning models)."""
    from configs.model_profile import openai_list

    last = name.split("/")[-1]
    if len(last) > 1 and last[0] == "o" and last[1].isdigit() and openai_list(last) == "chat":
        return None
    if any(marker in name for marker in _REASONING_SERIES) and "gpt-5-chat" not in last:
        return None
    checked = name.split("responses/", 1)[1] if "responses/" in name else name
    return "known" if openai_list(checked) is not None else "unknown"


def openai_api_key(profile: ModelProfile) -> str | None:
    return profile.route.api_key or os.environ.get("OPENAI_API_KEY") or None


def anthropic_api_key(profile: ModelProfile) -> str | None:
    return profile.route.api_key or os.environ.get("ANTHROPIC_API_KEY") or None
