"""Which provider serves a model, which variable holds its key, and where its requests go.

Shared by the CLI (checks before a run) and the nodes (error messages during one).
"""

from __future__ import annotations

import os

CHECKED_PROVIDERS = ("anthropic", "openai")
OPENAI_BASE_VARIABLES = ("OPENAI_BASE_URL", "OPENAI_API_BASE")
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


def endpoint_for(model: str, api_base: str | None) -> str | None:
    """Where requests for `model` go when not the provider's default: config, then env."""
    if api_base:
        return api_base
    if model.startswith("openai/"):
        return next((os.environ[v] for v in OPENAI_BASE_VARIABLES if os.environ.get(v)), None)
    return None


def unknown_model_message(model: str) -> str | None:
    """One line when litellm cannot tell which provider serves `model`."""
    import litellm

    litellm.suppress_debug_info = True  # its banner would land on stdout
    try:
        litellm.get_llm_provider(model)
    except Exception:
        return (
            f"unknown model {model!r}: litellm cannot tell which provider serves it. Use a "
            "provider prefix, e.g. anthropic/claude-sonnet-4-5-20250929, openai/gpt-4o, "
            "ollama/llama3.1, huggingface/<org>/<model>, or openai/<name> with OPENAI_API_BASE "
            "for an OpenAI-compatible server."
        )
    return None


def missing_key_message(model: str, api_base: str | None) -> str | None:
    """One line naming the variable to set, when a known provider's key is missing."""
    provider = provider_of(model)
    if provider not in CHECKED_PROVIDERS:
        return None
    variable = KEY_VARIABLES[provider]
    if os.environ.get(variable):
        return None
    endpoint = endpoint_for(model, api_base)
    if endpoint is None:
        return (
            f"{variable} is not set, and the model {model} needs it. Set it (export "
            f"{variable}=... or put it in .env), or pick another model with --model."
        )
    if provider == "openai":
        # litellm's OpenAI client refuses to send a request without a key, even to a local server.
        return (
            f"{variable} is not set; the OpenAI-compatible server at {endpoint} is reached "
            f"through a client that needs one. Set it (any placeholder such as 'sk-local' works "
            f"for a server without auth), or pick another model with --model."
        )
    return None
