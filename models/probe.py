"""Asking a model's server about itself: one cheap request that tells whether a model id
works before a thread switches to it, and the context window a local server was started with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from langchain_core.messages import HumanMessage

from configs.advice import COMMAND_LINE, Advice
from configs.model_profile import ModelProfile
from models.provider_errors import describe
from tools.tls import verifying_context

PROBE_TIMEOUT_S = 30.0
WINDOW_TIMEOUT_S = 10.0


class ChatModels(Protocol):
    """Where a chat model for a model id comes from (nodes/deps.py's AgentDeps)."""

    def chat_model(self, model_id: str, *, with_tools: bool = True) -> Any: ...


async def probe_model(deps: ChatModels, model_id: str, advice: Advice = COMMAND_LINE) -> str | None:
    """None when `model_id` answers a one-token request; else one line saying why not (the
    fix in `advice`'s words)."""
    try:
        model = deps.chat_model(model_id, with_tools=False)
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            await model.ainvoke([HumanMessage(content="Reply with OK.")], max_tokens=1)
    except TimeoutError:
        return f"{model_id} did not answer within {PROBE_TIMEOUT_S:g} s."
    except Exception as error:  # providers raise many classes; describe() words them
        return describe(error, model_id, advice)
    return None


async def server_window(profile: ModelProfile) -> int | None:
    """The context size a local server states: llama.cpp's `/props`, Ollama's `/api/show`,
    vLLM's (and LM Studio's) `/v1/models`. None when it states none or cannot be reached:
    the run goes on with what the profile knows."""
    import httpx

    base = (profile.route.api_base or "").rstrip("/")
    root = base.removesuffix("/v1")
    try:
        # A server that states no window is asked again at each step: a client each time.
        async with httpx.AsyncClient(
            timeout=WINDOW_TIMEOUT_S, verify=verifying_context()
        ) as client:
            if profile.local_server == "llamacpp":
                response = await client.get(f"{root}/props")
                return _llamacpp_window(response.json())
            if profile.local_server == "ollama":
                response = await client.post(
                    f"{root}/api/show", json={"model": profile.served_name}
                )
                return _ollama_window(response.json())
            response = await client.get(f"{base}/models")
            return _listed_window(response.json(), profile.served_name)
    except (httpx.HTTPError, ValueError, TypeError, AttributeError):
        return None


def _llamacpp_window(props: Mapping[str, Any]) -> int | None:
    settings = props.get("default_generation_settings") or {}
    return _positive(settings.get("n_ctx") or props.get("n_ctx"))


def _ollama_window(show: Mapping[str, Any]) -> int | None:
    """`num_ctx` when the model's parameters set it (Ollama cuts prompts there), else the
    length the model was trained for."""
    for line in str(show.get("parameters") or "").splitlines():
        key, _, value = line.strip().partition(" ")
        if key == "num_ctx":
            return _positive(value.strip())
    info = show.get("model_info") or {}
    return next((_positive(v) for k, v in info.items() if k.endswith(".context_length")), None)


def _listed_window(models: Mapping[str, Any], name: str | None) -> int | None:
    for entry in models.get("data") or []:
        if entry.get("id") == name:
            return _positive(entry.get("max_model_len") or entry.get("max_context_length"))
    return None


def _positive(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
