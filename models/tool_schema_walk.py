"""litellm's per-request walk of every tool schema, done once per schema instead.

Before each OpenAI or Azure request litellm rebuilds every tool's `parameters` to drop the
regex patterns Python cannot compile (and, for api.openai.com, to flatten top-level
combinators): a walk in Python of all ~30 schemas on every request, the largest single cost of
a model step on a busy `ml-intern web` (py-spy, 32 runs at once). Our tools are the same
every step, so whether the walk changes a schema is remembered per schema text and walk; a
schema it does change still goes through litellm's own code every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

_installed = False
_MAX_REMEMBERED = 4096
# (walk, the schema's JSON text) -> the walk returns the schema unchanged
_unchanged: dict[tuple[Callable[..., Any], str], bool] = {}
# id(parameters) -> (parameters, its JSON text): the bound tools send the same schema objects
# on every request, and writing their text each time cost as much as encoding the whole
# request (py-spy, 128 runs at once). The object is kept so its id is not reused; schemas
# are built once with the catalog (a frozen ToolSpec each) and never changed in place.
_texts: dict[int, tuple[dict[str, Any], str]] = {}


def install() -> None:
    """Put the remembering walk where litellm's OpenAI and Azure configs call it (once)."""
    global _installed
    if _installed:
        return
    from litellm.llms.azure.chat import gpt_transformation as azure
    from litellm.llms.openai.chat import gpt_transformation as openai

    for module in (openai, azure):
        module.tool_with_sanitized_parameters = remembering(module.tool_with_sanitized_parameters)  # type: ignore[attr-defined]
    _installed = True


def remembering(
    walk_tool: Callable[[Mapping[str, object], Callable[..., Any]], Mapping[str, object]],
) -> Callable[[Mapping[str, object], Callable[..., Any]], Mapping[str, object]]:
    """`walk_tool` that skips a schema it already found unchanged (same text, same walk)."""

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
