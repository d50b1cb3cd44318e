"""Where a model id goes: a litellm provider, a local OpenAI-compatible server, or the HF router.

- `vllm/`, `ollama/`, `lm_studio/`, `llamacpp/` + a name: the local server's OpenAI-compatible
  API at `VLLM_BASE_URL`, `OLLAMA_BASE_URL`, `LMSTUDIO_BASE_URL`, `LLAMACPP_BASE_URL` (or
  `LOCAL_LLM_BASE_URL` for all of them), localhost defaults, no API key needed.
- `org/model[:provider|:fastest|:cheapest]` where `org` is not a litellm provider, or a litellm
  id whose `:suffix` is a router policy or router provider: the Hugging Face Inference Providers
  router at `HF_ROUTER_URL` (default https://router.huggingface.co/v1), authenticated with the HF
  token, which goes to that host only. `openai/gpt-oss-120b:groq` is the router; `openai/gpt-4o`
  is OpenAI; `bedrock/...-v1:0`, `openrouter/...:free`, `ollama_chat/llama3.1:8b` stay litellm's.
- Anything else: litellm as named (`anthropic/...`, `openai/...`, `huggingface/...`).

No litellm import here: the CLI checks routes before the runtime loads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from configs.litellm_providers import LITELLM_PROVIDERS

ROUTER_URL = "https://router.huggingface.co/v1"
# With only an HF token, the default model goes through the router (documented in README).
ROUTER_DEFAULT_MODEL = "moonshotai/Kimi-K2.6"
LOCAL_SERVERS = {
    "vllm": ("VLLM_BASE_URL", "http://localhost:8000/v1"),
    "ollama": ("OLLAMA_BASE_URL", "http://localhost:11434/v1"),
    "lm_studio": ("LMSTUDIO_BASE_URL", "http://localhost:1234/v1"),
    "llamacpp": ("LLAMACPP_BASE_URL", "http://localhost:8080/v1"),
}
LOCAL_KEY = "sk-local"  # the OpenAI client insists on a key; local servers ignore it
# Suffixes that make a litellm id a router id: the router's policies and its providers
# (https://huggingface.co/docs/inference-providers). Other suffixes are part of litellm ids.
ROUTER_POLICIES = frozenset({"fastest", "cheapest", "preferred"})
ROUTER_PROVIDERS = frozenset(
    {
        "baseten", "cerebras", "cohere", "deepinfra", "fal-ai", "featherless-ai", "fireworks-ai",
        "groq", "hf-inference", "hyperbolic", "nebius", "novita", "nscale", "openai", "ovhcloud",
        "publicai", "replicate", "sambanova", "scaleway", "together", "wavespeed", "zai-org",
    }
)  # fmt: skip
KEY_VARIABLES = {
    "anthropic": "ANTHROPIC_API_KEY",
    "openai": "OPENAI_API_KEY",
    "huggingface": "HF_TOKEN",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
}


def provider_of(model_id: str) -> str:
    return model_id.split("/", 1)[0] if "/" in model_id else "openai"


@dataclass(frozen=True)
class Route:
    """How to reach a model: the id litellm gets, the endpoint, the key, who serves it."""

    model: str  # what litellm is asked for
    kind: str  # "provider" | "local" | "router"
    api_base: str | None = None
    api_key: str | None = None  # only for local servers and the router; providers read env
    key_variable: str | None = None  # what to set when the key is missing


def is_router_id(model_id: str) -> bool:
    """`org/model` ids litellm has no provider for, and litellm ids whose `:suffix` names a
    router policy or router provider (`openai/gpt-oss-120b:groq`, not `bedrock/...-v1:0`)."""
    if "/" not in model_id:
        return False
    prefix, _, rest = model_id.partition("/")
    if prefix in LOCAL_SERVERS:
        return False
    if prefix not in LITELLM_PROVIDERS:
        return True
    _, colon, suffix = rest.rpartition(":")
    return bool(colon) and suffix in ROUTER_POLICIES | ROUTER_PROVIDERS


def route(
    model_id: str,
    api_base: str | None = None,
    *,
    hf_token: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Route:
    """Where requests for `model_id` go. `api_base` (config) wins for provider routes."""
    env = os.environ if env is None else env
    prefix, _, name = model_id.partition("/")
    if prefix in LOCAL_SERVERS and name:
        variable, default = LOCAL_SERVERS[prefix]
        base = env.get(variable) or env.get("LOCAL_LLM_BASE_URL") or api_base or default
        return Route(f"openai/{name}", "local", base.rstrip("/"), LOCAL_KEY)
    if is_router_id(model_id):
        base = (env.get("HF_ROUTER_URL") or ROUTER_URL).rstrip("/")
        return Route(f"openai/{model_id}", "router", base, hf_token, "HF_TOKEN")
    return Route(model_id, "provider", api_base)


@cache
def route_variables(model_id: str) -> tuple[str, ...]:
    """The environment variables `route` reads for `model_id` (a local server's base URL, the
    router's): a route kept across calls holds while they say the same."""
    prefix, _, name = model_id.partition("/")
    if prefix in LOCAL_SERVERS and name:
        return (LOCAL_SERVERS[prefix][0], "LOCAL_LLM_BASE_URL")
    return ("HF_ROUTER_URL",) if is_router_id(model_id) else ()


def default_model(
    configured: str, *, explicit: bool, hf_token: str | None, env: Mapping[str, str]
) -> str:
    """The configured default, unless nobody chose it, its key is missing and an HF token is
    there: then the router's default, so one token is enough to start."""
    if explicit or not hf_token or is_router_id(configured):
        return configured
    variable = KEY_VARIABLES.get(provider_of(configured))
    if variable is None or env.get(variable):
        return configured
    return ROUTER_DEFAULT_MODEL
