"""A model describes itself: one resolver turns a model id into an immutable `ModelProfile`.

Everything the launcher, the nodes, the REPL, the web UI and the server need to know about a
model id is answered here, once: where its requests go and with which key, whether it is
priced, its context window and where that number came from, whether it takes a reasoning
effort, whether it writes tool calls as text, the prompt-cache breakpoints it needs, whether
it gets the small-window prompt and toolset, and the temperature it is sent. Nothing else
parses model ids (tests/configs/test_model_profile.py holds that).

    >>> p = profile_of("llamacpp/qwen2.5-coder-1.5b", env={})
    >>> (p.route.kind, p.text_tool_calls, p.small_window, p.temperature)
    ('local', True, True, 0.0)

No litellm import: litellm's own price and window list is read as the JSON file it ships, so
the CLI can check a model before the runtime loads.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from configs.advice import COMMAND_LINE, Advice
from configs.model_routes import (
    KEY_VARIABLES,
    ROUTER_DEFAULT_MODEL,
    Route,
    default_model,
    provider_of,
    route,
    route_variables,
)

if TYPE_CHECKING:
    from configs.model_prices import ModelPrice
    from configs.settings import Settings

WindowSource = Literal["config", "server", "litellm", "unknown"]
# At or under this many tokens a model gets the compact prompt and the core toolset.
SMALL_WINDOW_TOKENS = 32_768
# Local servers sample at ~0.8 unless told; tool calling wants steady output. 0 is greedy
# decoding in llama.cpp, Ollama and vLLM: the same request gets the same reply.
LOCAL_TEMPERATURE = 0.0
# A small-window model's longest reply (the `reply-limit` rule); past this the server cuts it.
# Why: useful replies were 48-244 tokens, runaways 2,900 and 5,584 (docs/lab/2026-11-25.md).
SMALL_REPLY_TOKENS = 1024
# Of a small window, what one `read` may fill (the `read-fit` rule, tools/local/read_fit.py): an eighth still shows
# the head, the tail and how to search the rest. A local server that did not say its window is
# taken to have 8,192.
# Why: a quarter (2,304 tokens) took a loaded CPU 270-550 s to read in (docs/lab/2026-11-25.md).
READ_SHARE = 8
UNKNOWN_SMALL_WINDOW = 8_192
CHECKED_PROVIDERS = ("anthropic", "openai")
OPENAI_BASE_VARIABLES = ("OPENAI_BASE_URL", "OPENAI_API_BASE")
ANTHROPIC_BREAKPOINTS = (("message", "system"), ("message", -2))
__all__ = ["ROUTER_DEFAULT_MODEL", "ModelProfile", "default_model", "model_problem", "profile_of"]


@dataclass(frozen=True)
class ModelProfile:
    """Every fact about one model id, resolved once (see `profile_of`)."""

    model_id: str
    route: Route
    provider: str  # the litellm provider, or "local" / "router"
    key_variable: str | None  # what to set when the key is missing; None: no key needed
    endpoint: str | None  # where requests go when not the provider's default
    price: ModelPrice | None  # configured prices, else None
    priced: bool  # whether spend on it can be counted (config or litellm's list)
    context_window: int | None
    window_source: WindowSource
    takes_effort: bool
    text_tool_calls: bool
    takes_images: bool  # image blocks may go in its requests (litellm's supports_vision, or config)
    # Anthropic: one breakpoint after the system prompt, one on the last history message.
    cache_breakpoints: tuple[tuple[str, str | int], ...]
    small_window: bool
    small_window_configured: bool  # True when the config decided `small_window`
    temperature: float | None
    # For a local server: which kind ("llamacpp", "ollama", "vllm", "lm_studio") and the name
    # it serves the model under; they say where to ask the server for its window.
    local_server: str | None = None
    served_name: str | None = None
    # The names of the harness's rules active for this model, any role (adaptations/registry.py),
    # set by `adaptations.resolve.adapted`; none here: a model with no rules works as a large
    # one. The nodes and tools get the rule objects for their role (`adaptations.resolve.active`).
    rules: frozenset[str] = frozenset()

    @property
    def local(self) -> bool:
        return self.route.kind == "local"

    @property
    def needs_hf_token(self) -> bool:
        return self.route.kind == "router"

    def with_window(self, window: int, source: WindowSource = "server") -> ModelProfile:
        """This profile with a window the server stated; config wins over the server."""
        if self.window_source == "config":
            return self
        small = self.small_window if self.small_window_configured else _small(window, self.local)
        return replace(self, context_window=window, window_source=source, small_window=small)

    def cache_kwargs(self) -> dict[str, Any]:
        """The request's prompt-cache markers (litellm's injection points), if it needs any."""
        points = [
            {"location": where, "role": at}
            if isinstance(at, str)
            else {"location": where, "index": at}
            for where, at in self.cache_breakpoints
        ]
        return {"cache_control_injection_points": points} if points else {}


def profile_of(
    model_id: str,
    settings: Settings | None = None,
    *,
    env: Mapping[str, str] | None = None,
    hf_token: str | None = None,
) -> ModelProfile:
    """The profile of `model_id` under `settings` (defaults when None) and `env`."""
    env = os.environ if env is None else env
    api_base = settings.api_base if settings is not None else None
    found = route(model_id, api_base, hf_token=hf_token, env=env)
    provider = provider_of(model_id) if found.kind == "provider" else found.kind
    listed = _listed(model_id)
    price = settings.model_prices.get(model_id) if settings is not None else None
    configured = dict(settings.context_window) if settings is not None else {}
    window, source = _window(model_id, configured, listed)
    small_config = dict(settings.small_window) if settings is not None else {}
    local = found.kind == "local"
    return ModelProfile(
        model_id=model_id,
        route=found,
        provider=provider,
        key_variable=_key_variable(found, provider),
        endpoint=_endpoint(found, model_id, env),
        price=price,
        priced=price is not None or bool(listed.get("input_cost_per_token") is not None),
        context_window=window,
        window_source=source,
        takes_effort=bool(listed.get("supports_reasoning")),
        text_tool_calls=_choice(settings, "text_tool_calls", model_id, default=local),
        takes_images=_choice(
            settings, "takes_images", model_id, default=bool(listed.get("supports_vision"))
        ),
        cache_breakpoints=ANTHROPIC_BREAKPOINTS if provider == "anthropic" else (),
        small_window=small_config.get(model_id, _small(window, local)),
        small_window_configured=model_id in small_config,
        temperature=_temperature(settings, model_id, local),
        local_server=model_id.partition("/")[0] if local else None,
        served_name=model_id.partition("/")[2] if local else None,
    )


def profile_inputs(
    model_id: str, settings: Settings, env: Mapping[str, str] | None = None
) -> tuple[object, ...]:
    """What `profile_of(model_id, settings, env=env)` reads besides litellm's list (fixed per
    process): equal inputs, an equal profile (nodes/thread_rules.py keeps one by them)."""
    env = os.environ if env is None else env
    variables = route_variables(model_id)
    if model_id.startswith("openai/"):
        variables += OPENAI_BASE_VARIABLES
    return (
        settings.api_base,
        settings.model_prices.get(model_id),
        settings.context_window.get(model_id),
        settings.small_window.get(model_id),
        settings.text_tool_calls.get(model_id),
        settings.takes_images.get(model_id),
        settings.temperature.get(model_id),
        *[env.get(variable) for variable in variables],
    )


def _window(
    model_id: str, configured: Mapping[str, int], listed: Mapping[str, Any]
) -> tuple[int | None, WindowSource]:
    if model_id in configured:
        return int(configured[model_id]), "config"
    listed_window = listed.get("max_input_tokens") or listed.get("max_tokens")
    if isinstance(listed_window, int) and listed_window > 0:
        return listed_window, "litellm"
    return None, "unknown"


def _small(window: int | None, local: bool) -> bool:
    """Small when the window is known to be small, or unknown on a local server."""
    return window <= SMALL_WINDOW_TOKENS if window is not None else local


def _choice(settings: Settings | None, key: str, model_id: str, *, default: bool) -> bool:
    configured = getattr(settings, key, None) or {}
    return bool(configured.get(model_id, default))


def _temperature(settings: Settings | None, model_id: str, local: bool) -> float | None:
    configured = dict(settings.temperature) if settings is not None else {}
    if model_id in configured:
        return configured[model_id]
    return LOCAL_TEMPERATURE if local else None


def _key_variable(found: Route, provider: str) -> str | None:
    if found.kind == "local":
        return None
    return found.key_variable or KEY_VARIABLES.get(provider)


def _endpoint(found: Route, model_id: str, env: Mapping[str, str]) -> str | None:
    """Where requests go when not the provider's default: config, then env."""
    if found.kind != "provider" or found.api_base:
        return found.api_base
    if model_id.startswith("openai/"):
        return next((env[v] for v in OPENAI_BASE_VARIABLES if env.get(v)), None)
    return None


KEPT = (
    "litellm_provider",
    "input_cost_per_token",
    "supports_reasoning",
    "supports_vision",
    "max_input_tokens",
    "max_tokens",
    "max_output_tokens",
    "mode",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
)
# The prices of an entry whose cost is one rate per kind of token (models/list_price.py):
# an allowlist, so a new kind of price in litellm's list leaves the entry to litellm. Batch
# rates, 1-hour cache writes and the web search's per-query price apply to requests
# ml-intern does not send.
FLAT_PRICE_KEYS = frozenset(
    {
        *("input_cost_per_token", "output_cost_per_token"),
        *("cache_read_input_token_cost", "cache_creation_input_token_cost"),
        "cache_creation_input_token_cost_above_1hr",
        *("input_cost_per_token_batches", "output_cost_per_token_batches"),
        *("cache_read_input_token_cost_batches", "cache_creation_input_token_cost_batches"),
        "search_context_cost_per_query",
    }
)


@cache
def _price_list() -> dict[str, dict[str, Any]]:
    """litellm's bundled price and window list, read as data (no litellm import), keeping
    only what a profile reads: the whole list held twice (here and in litellm) cost ~10 MB."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return {}
    path = Path(spec.origin).parent / "model_prices_and_context_window_backup.json"
    try:
        listed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        model: {key: entry[key] for key in KEPT if key in entry} | _flat(entry)
        for model, entry in listed.items()
        if isinstance(entry, dict)
    }


def _flat(entry: Mapping[str, Any]) -> dict[str, bool]:
    """{"flat_prices": True} when every price `entry` lists is a FLAT_PRICE_KEYS one."""
    priced = [key for key in entry if "cost" in key]
    return {"flat_prices": True} if all(key in FLAT_PRICE_KEYS for key in priced) else {}


def listed_entry(model_id: str) -> Mapping[str, Any]:
    """What the list says of `model_id` (full id, else without the provider prefix), as
    kept: windows, capabilities, the flat rates; {} when it is not listed."""
    return _listed(model_id)


def _listed(model_id: str) -> Mapping[str, Any]:
    """litellm's entry for `model_id`, under its full id or without the provider prefix."""
    prices = _price_list()
    if model_id in prices:
        return prices[model_id]
    _, slash, name = model_id.partition("/")
    return prices.get(name, {}) if slash else {}


def listed_max_output(name: str) -> int | None:
    """litellm's `get_max_tokens` for `name` as listed: its output window, else its window."""
    entry = _price_list().get(name, {})
    value = entry.get("max_output_tokens", entry.get("max_tokens"))
    return value if isinstance(value, int) else None


def openai_list(name: str) -> Literal["chat", "text"] | None:
    """Which of litellm's OpenAI model sets lists `name` (no prefix): "chat" for its
    `open_ai_chat_completion_models` ("openai" entries of this list but fine-tune price
    keys), "text" for `open_ai_text_completion_models` ("text-completion-openai"), else None."""
    provider = _price_list().get(name, {}).get("litellm_provider")
    if provider == "openai" and not (name.startswith("ft:") and name.count(":") <= 1):
        return "chat"
    return "text" if provider == "text-completion-openai" else None


def is_known_bare_id(model_id: str) -> bool:
    return "/" in model_id or model_id in _price_list()


# --- what to tell a person about a model id ---------------------------------------------


def unknown_model_message(model_id: str) -> str | None:
    """One line when nobody can tell which provider serves `model_id` (a bare name litellm
    does not list): before any missing-key advice, which would name the wrong variable."""
    if is_known_bare_id(model_id):
        return None
    return (
        f"unknown model {model_id!r}: no provider is known to serve it. Use a provider prefix, "
        "e.g. anthropic/claude-sonnet-4-5-20250929 or openai/gpt-4o; a Hugging Face router id "
        "such as moonshotai/Kimi-K2.6; a local server such as ollama/llama3.1 or "
        "llamacpp/<name>; or openai/<name> with OPENAI_API_BASE for an OpenAI-compatible server."
    )


def missing_key_message(
    profile: ModelProfile,
    hf_token: str | None = None,
    env: Mapping[str, str] | None = None,
    advice: Advice = COMMAND_LINE,
) -> str | None:
    """One line naming the variable to set, when the model's key is missing."""
    env = os.environ if env is None else env
    model, kind = profile.model_id, profile.route.kind
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
    variable = profile.key_variable
    if profile.provider not in CHECKED_PROVIDERS or variable is None or env.get(variable):
        return None
    endpoint = profile.endpoint
    if endpoint is None:
        return (
            f"{variable} is not set, and the model {model} needs it. Set it (export "
            f"{variable}=... or put it in ~/.config/ml-intern/.env; a workspace .env sets "
            f"nothing of ml-intern); or set HF_TOKEN alone to use a Hugging Face "
            f"router model such as {ROUTER_DEFAULT_MODEL}; or {advice.other_model()} "
            "(e.g. ollama/<name> for a local server)."
        )
    if profile.provider == "openai":
        # litellm's OpenAI client refuses to send a request without a key, even to a local server.
        return (
            f"{variable} is not set; the OpenAI-compatible server at {endpoint} is reached "
            f"through a client that needs one. Set it (any placeholder such as 'sk-local' works "
            f"for a server without auth), or {advice.other_model()}."
        )
    return None


def model_problem(
    model_id: str, settings: Settings, hf_token: str | None = None, advice: Advice = COMMAND_LINE
) -> tuple[str, Literal["usage", "credentials"]] | None:
    """What stops `model_id` from running under `settings`, and what kind of problem it is:
    an unknown id or an unpriced model under a spend limit (usage), a missing key
    (credentials). The launcher, `/model` and the web UI's model picker all ask this."""
    if (problem := unknown_model_message(model_id)) is not None:
        return problem, "usage"
    profile = profile_of(model_id, settings, hf_token=hf_token)
    if (problem := missing_key_message(profile, hf_token, advice=advice)) is not None:
        return problem, "credentials"
    if settings.max_cost_usd is not None and not profile.priced:
        from configs.model_prices import unpriced_message

        return unpriced_message(model_id), "usage"
    return None
