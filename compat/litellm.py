"""The compat module of litellm: work it does on every call that ml-intern never uses, skipped.

Every hook here is a private litellm name; `PIN` and the hooks say what each was written for,
and nothing is patched when the installed litellm differs (tests/compat/ fails, naming it).

- **Pricing each response.** litellm prices every response three times (when it assembles a
  stream's usage, when it stamps the response's hidden fields, in its success log), each a
  walk of its model list with fallbacks for a model it does not know: ~20% of a model call's
  CPU (3.4 ms of 17 ms, an OpenAI-compatible streamed step) and ~11% of a busy
  `ml-intern web`'s. ml-intern prices a call itself from the usage (models/usage.py
  `call_cost`: the configured price, else litellm's `cost_per_token`), so litellm's figure
  went nowhere. Its response now carries no `response_cost`; usage, streaming and errors are
  untouched.
- **Reading a signature per stream.** At each stream's end litellm asks `inspect.signature`
  whether anyio's `run_sync` takes `abandon_on_cancel` (~2.5% of a busy server's CPU at 128
  runs); a function's signature does not change, so the answer is remembered.
- **Logging each success for no one.** After every call litellm builds its standard logging
  payload (the request, the response, timings, a cache estimate) in a task of its own and
  hands it to its success callbacks; ml-intern registers none, so nothing reads it: ~3 ms of
  a 12-16 ms streamed call's CPU. It is now built only when some callback would receive it
  (a global or per-call success callback, litellm's cache or budget); the caller's response
  is never touched by it (it runs after the response is returned).
- **Walking every tool schema per request** (`install_tool_walk`, OpenAI and Azure only).
  Before each request litellm rebuilds every tool's `parameters` to drop the regex patterns
  Python cannot compile (and, for api.openai.com, to flatten top-level combinators): a walk of
  all ~30 schemas, the largest single cost of a model step on a busy `ml-intern web` (py-spy,
  32 runs at once). Our tools are the same every step, so whether the walk changes a schema
  is remembered per schema text and walk; a schema it does change is walked every time.
- **Copying the history for its logging** (`MAX_BASE64_LENGTH_FOR_LOGGING`): after each call
  litellm copies every message to shorten base64 data URIs in its logging payload, which
  ml-intern sends nowhere: a walk of the whole history per step (~4% of a 300-step run's CPU).
  0 is litellm's own "off" (an environment variable read when litellm is imported, which is
  before any config is: hence the write).
- **Loading its default tokenizer** (`_encoding_cache`): litellm's Anthropic path loads
  tiktoken's cl100k (~37 MB) on the first call only to hand it on, for counting a reply that
  comes without usage; Anthropic always sends usage. It now loads when something first counts.
- **Keeping what start-up parsed** (`LEFTOVERS`, dropped by cli/startup_heap.py before the heap
  is frozen): litellm.utils parses the Anthropic tokenizer (13.7 MB of objects) only to keep
  its text, `claude_json_str`, and never reads the parsed copy again.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

from compat.pins import Hook, Pin, allowed

PIN = Pin("litellm", ">=1.101,<1.106")  # as pyproject.toml pins it
_LOGGING = "litellm.litellm_core_utils.litellm_logging"
_RESULT = ("self", "result", "start_time", "end_time", "cache_hit", "kwargs")
HOOKS = (
    Hook(_LOGGING, "Logging._response_cost_calculator",
         ("self", "result", "cache_hit", "litellm_model_name", "router_model_id")),
    Hook(_LOGGING, "Logging.success_handler", _RESULT),
    Hook(_LOGGING, "Logging.async_success_handler", _RESULT),
    Hook("litellm.litellm_core_utils.asyncify", "function_has_argument", ("function", "arg_name")),
    Hook("litellm", "callbacks"),
    Hook("litellm", "success_callback"),
    Hook("litellm", "_async_success_callback"),
    Hook("litellm.litellm_core_utils.logging_utils", "MAX_BASE64_LENGTH_FOR_LOGGING"),
    Hook("litellm.main", "_encoding_cache"),
    Hook("litellm._lazy_imports", "_get_default_encoding", ()),
)  # fmt: skip
TOOL_WALK_HOOKS = tuple(
    Hook(f"litellm.llms.{provider}.chat.gpt_transformation", "tool_with_sanitized_parameters",
         ("tool", "sanitize"))
    for provider in ("openai", "azure")
)  # fmt: skip
# Read, not patched: litellm's internals ml-intern's own OpenAI-compatible client
# (models/openai_chat*.py) calls so that it sends and fails exactly as litellm would.
_COMMON = "litellm.litellm_core_utils.prompt_templates.common_utils"
CLIENT_HOOKS = (
    Hook(_COMMON, "drop_non_python_regex_patterns", ("schema",)),
    Hook(_COMMON, "filter_value_from_dict", ("dictionary", "key", "depth")),
    Hook(_COMMON, "flatten_combinators_and_drop_non_python_regex_patterns", ("schema",)),
    Hook(_COMMON, "tool_with_sanitized_parameters", ("tool", "sanitize")),
    Hook("litellm.llms.openai.chat.gpt_transformation", "OpenAIGPTConfig"),
    Hook("litellm.llms.openai.chat.gpt_transformation", "OpenAIGPTConfig._transform_messages",
         ("self", "messages", "model", "is_async")),
    Hook("litellm.llms.openai.chat.gpt_transformation", "OpenAIUnknownModelConfig"),
    Hook("litellm.llms.openai.common_utils", "OpenAIError"),
    Hook("litellm.litellm_core_utils.exception_mapping_utils", "exception_type",
         ("model", "original_exception", "custom_llm_provider", "completion_kwargs",
          "extra_kwargs")),
    Hook("litellm.utils", "ProviderConfigManager.get_provider_chat_config",
         ("model", "provider", "base_model")),
    # Rebuilt without importing litellm (models/openai_chat_plain.py, `openai_config` in
    # models/own_paths.py); tests/models/test_openai_chat_plain.py holds them equal.
    Hook(_COMMON, "_TOP_LEVEL_SCHEMA_COMBINATORS"),
    Hook(_COMMON, "_OPENAI_REJECTED_TOP_LEVEL_SCHEMA_KEYS"),
    Hook("litellm.llms.openai.chat.gpt_5_transformation", "GPT_REASONING_SERIES_MARKERS"),
    # ml-intern's own Anthropic client (models/anthropic_chat*.py): its exception, and what
    # it rebuilds without importing litellm (tests/models/test_anthropic_chat.py holds them
    # equal to these).
    Hook("litellm.llms.anthropic.common_utils", "AnthropicError"),
    Hook("litellm.llms.anthropic.chat.transformation", "AnthropicConfig.get_max_tokens_for_model",
         ("model",)),
    Hook("litellm.litellm_core_utils.prompt_templates.factory", "_EMPTY_TEXT_PLACEHOLDER"),
    Hook("litellm.litellm_core_utils.core_helpers", "_FINISH_REASON_MAP"),
    Hook("litellm.types.llms.anthropic", "AnthropicInputSchema"),
)  # fmt: skip
# Module globals litellm's import leaves behind and never reads again (tests/compat/ fails
# when it starts to): deleted, not patched.
LEFTOVERS = (Hook("litellm.utils", "json_data"),)
_installed = False
_walk_installed = False


def install() -> bool:
    """Skip the per-call work above (the patches once a process; the tokenizer each time, as
    something may have loaded it since); False, changing nothing, when litellm differs."""
    global _installed
    if not _installed:
        if not allowed(PIN, HOOKS):
            return False
        from litellm.litellm_core_utils import asyncify, logging_utils
        from litellm.litellm_core_utils.litellm_logging import Logging

        Logging._response_cost_calculator = functools.wraps(Logging._response_cost_calculator)(
            _unpriced
        )
        asyncify.function_has_argument = functools.lru_cache(maxsize=64)(
            asyncify.function_has_argument
        )
        _log_only_when_listened(Logging)
        logging_utils.MAX_BASE64_LENGTH_FOR_LOGGING = 0  # type: ignore[misc]
        _installed = True
    import litellm.main

    if litellm.main._encoding_cache is None:
        litellm.main._encoding_cache = LazyTokenizer()  # type: ignore[assignment]
    return True


def install_tool_walk() -> bool:
    """Put the remembering walk where litellm's OpenAI and Azure configs call it (once);
    False, changing nothing, when litellm differs."""
    global _walk_installed
    if _walk_installed:
        return True
    if not allowed(PIN, TOOL_WALK_HOOKS):
        return False
    from litellm.llms.azure.chat import gpt_transformation as azure
    from litellm.llms.openai.chat import gpt_transformation as openai

    for module in (openai, azure):
        module.tool_with_sanitized_parameters = remembering(module.tool_with_sanitized_parameters)  # type: ignore[attr-defined]
    _walk_installed = True
    return True


def drop_leftovers() -> None:
    """Free the leftovers of the litellm modules already imported (it imports none); a
    litellm outside `PIN` keeps them."""
    loaded = [
        (module, hook.attribute)
        for hook in LEFTOVERS
        if (module := sys.modules.get(hook.module)) is not None and hook.attribute in vars(module)
    ]
    if loaded and allowed(PIN, ()):
        for module, name in loaded:
            delattr(module, name)


def openai_messages(config: Any, messages: list[Any], model: str) -> list[Any]:
    """litellm's own OpenAI request transform of `messages` (image blocks, tool-message
    images...), through `config` (an `OpenAIGPTConfig`): its private `_transform_messages`."""
    return config._transform_messages(messages=messages, model=model)


class LazyTokenizer:
    """litellm's default tokenizer (tiktoken's cl100k), loaded on its first use."""

    def __getattr__(self, name: str) -> Any:
        from litellm._lazy_imports import _get_default_encoding

        return getattr(_get_default_encoding(), name)


# A `Logging` object's own success callbacks (the call's `callbacks=` / `success_callback=`).
_OWN_LISTENERS = ("dynamic_success_callbacks", "dynamic_async_success_callbacks")


def _log_only_when_listened(logging_class: Any) -> None:
    """Wrap litellm's two success handlers so they run only when something listens."""
    import litellm

    def listened(logging: Any) -> bool:
        if any(getattr(litellm, name) for name in _GLOBAL_LISTENERS):
            return True
        if getattr(litellm, "cache", None) is not None or getattr(litellm, "max_budget", 0):
            return True
        return any(getattr(logging, name, None) for name in _OWN_LISTENERS)

    sync_handler = logging_class.success_handler
    async_handler = logging_class.async_success_handler

    @functools.wraps(sync_handler)
    def success_handler(self: Any, *args: Any, **kwargs: Any) -> Any:
        return sync_handler(self, *args, **kwargs) if listened(self) else None

    @functools.wraps(async_handler)
    async def async_success_handler(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await async_handler(self, *args, **kwargs) if listened(self) else None

    logging_class.success_handler = success_handler
    logging_class.async_success_handler = async_success_handler


# litellm's global success listeners: callbacks of every kind, and the success-only lists.
_GLOBAL_LISTENERS = ("callbacks", "success_callback", "_async_success_callback")


def _unpriced(self: Any, *args: Any, **kwargs: Any) -> None:
    """litellm's callers take None as "no price known" (as for a model it cannot price)."""
    return None


_MAX_REMEMBERED = 4096
# (walk, the schema's JSON text) -> the walk returns the schema unchanged
_unchanged: dict[tuple[Callable[..., Any], str], bool] = {}
# id(parameters) -> (parameters, its JSON text): the bound tools send the same schema objects
# on every request, and writing their text each time cost as much as encoding the whole
# request (py-spy, 128 runs at once). The object is kept so its id is not reused; schemas
# are built once with the catalog (a frozen ToolSpec each) and never changed in place.
_texts: dict[int, tuple[dict[str, Any], str]] = {}


def remembering(
    walk_tool: Callable[[Mapping[str, object], Callable[..., Any]], Mapping[str, object]],
) -> Callable[[Mapping[str, object], Callable[..., Any]], Mapping[str, object]]:
    """`walk_tool` that skips a schema it already found unchanged (same text, same walk)."""

    @functools.wraps(walk_tool)
    def walk(tool: Mapping[str, object], sanitize: Callable[..., Any]) -> Mapping[str, object]:
        key = _key(tool, sanitize)
        if key is not None and _unchanged.get(key):
            return tool
        walked = walk_tool(tool, sanitize)
        if key is not None:
            if len(_unchanged) >= _MAX_REMEMBERED:
                _unchanged.clear()
            _unchanged[key] = walked is tool
        return walked

    return walk


def _key(tool: Mapping[str, object], sanitize: Callable[..., Any]) -> tuple[Any, str] | None:
    """The schema's exact JSON text (None when it is not plain JSON: never remembered)."""
    function = tool.get("function")
    parameters = function.get("parameters") if isinstance(function, dict) else None
    if not isinstance(parameters, dict):
        return None
    known = _texts.get(id(parameters))
    if known is not None and known[0] is parameters:
        return sanitize, known[1]
    try:
        text = json.dumps(parameters, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None
    if len(_texts) >= _MAX_REMEMBERED:
        _texts.clear()
    _texts[id(parameters)] = (parameters, text)
    return sanitize, text
