"""Which provider serves a model, which variable holds its key, and where its requests go.

Shared by the CLI (checks before a run) and the nodes (error messages during one).
"""

from __future__ import annotations

import os

from configs.model_routes import KEY_VARIABLES, provider_of

CHECKED_PROVIDERS = ("anthropic", "openai")
OPENAI_BASE_VARIABLES = ("OPENAI_BASE_URL", "OPENAI_API_BASE")


def endpoint_for(model: str, api_base: str | None) -> str | None:
    """Where requests for `model` go when not the provider's default: config, then env."""
    from configs.model_routes import route

    found = route(model, api_base)
    if found.kind != "provider":
        return found.api_base
    if api_base:
        return api_base
    if model.startswith("openai/"):
        return next((os.environ[v] for v in OPENAI_BASE_VARIABLES if os.environ.get(v)), None)
    return None


def unknown_model_message(model: str) -> str | None:
    """One line when litellm cannot tell which provider serves `model`."""
    from configs.model_routes import route

    if route(model).kind != "provider":
        return None  # a local server or the HF router: the server knows its models
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


def missing_key_message(
    model: str, api_base: str | None, hf_token: str | None = None
) -> str | None:
    """One line naming the variable to set, when a known provider's key is missing."""
    from configs.model_routes import ROUTER_DEFAULT_MODEL, route

    kind = route(model, api_base).kind
    if kind == "local":
        return None
    if kind == "router":
        if hf_token:
            return None
        return (
            f"HF_TOKEN is not set, and {model} goes through the Hugging Face router, which "
            "needs it. Set HF_TOKEN (https://huggingface.co/settings/tokens) or run "
            "`hf auth login`."
        )
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
            f"{variable}=... or put it in .env); or set HF_TOKEN alone to use a Hugging Face "
            f"router model such as {ROUTER_DEFAULT_MODEL}; or pick another model with --model "
            "(e.g. ollama/<name> for a local server)."
        )
    if provider == "openai":
        # litellm's OpenAI client refuses to send a request without a key, even to a local server.
        return (
            f"{variable} is not set; the OpenAI-compatible server at {endpoint} is reached "
            f"through a client that needs one. Set it (any placeholder such as 'sk-local' works "
            f"for a server without auth), or pick another model with --model."
        )
    return None
