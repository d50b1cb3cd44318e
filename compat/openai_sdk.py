"""A faster OpenAI-compatible request path: the SDK's per-request walk of the history, skipped.

litellm sends OpenAI-compatible requests through the `openai` SDK, whose `create` walks the
whole body against its TypedDicts (`async_maybe_transform`) to rename aliased keys and encode
formatted fields. For `messages` and `tools` that walk renames and encodes nothing (no message
or tool type declares an alias or a format), yet it costs about a millisecond per message: most
of a late step's time in a long thread; the tools' walk (every schema, against each member of
the tool union) was ~0.7 ms of every step. `install()` makes the walk skip those two and still
transform everything else (omitted arguments dropped, options as before). It installs only when
the SDK's message and tool types are proven alias- and format-free, so an SDK that adds one
keeps its own path.
It installs only for providers litellm sends through the SDK: importing the SDK's resources
costs ~0.3 s and 13 MB that an Anthropic session never needs.
The body is then encoded by orjson whenever that gives the SDK's bytes exactly (plain JSON
values, floats orjson writes as Python does): a 6 MB history took 19 ms of CPU and a 12 MB
peak through `json`, 1.2 ms and 8 MB this way. Anything else goes through the SDK's encoder.

The SDK's generated packages (`GENERATED`) load each name on first use (compat/lazy_packages.py).

The compat module of the `openai` SDK: both hooks are private; `PIN` and `HOOKS` say what they
were written for, and nothing is patched when the installed SDK differs (tests/compat/).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import typing_extensions

from compat.pins import Hook, Pin, allowed

PIN = Pin("openai", ">=2.54,<2.55")  # the release the hooks were read in
HOOKS = (
    Hook("openai.resources.chat.completions.completions", "async_maybe_transform",
         ("data", "expected_type")),
    Hook("openai._base_client", "openapi_dumps", ("obj",)),
    Hook("openai._utils._transform", "PropertyInfo"),
    # Read, not patched: models/openai_chat_body.py encodes a body as the SDK does.
    Hook("openai._utils._json", "openapi_dumps", ("obj",)),
)  # fmt: skip
# Every re-export-only package under `openai.` loads lazily; these two (every API type and
# resource) are why, and tests/compat/ fails when one loads whole at import again.
GENERATED = "openai."
LAZY_PACKAGES = ("openai.types", "openai.resources")
_installed = False
# The body's keys sent as they are: their types rename and encode nothing (checked at install).
PLAIN_KEYS = ("messages", "tools")
# Besides litellm's `openai_compatible_providers`: local servers and the HF router (both
# OpenAI-compatible endpoints) and the SDK's own providers.
_SDK_PROVIDERS = frozenset({"openai", "azure", "custom_openai", "local", "router"})


def serves(provider: str) -> bool:
    """True when litellm sends `provider`'s chat requests through the openai SDK."""
    import litellm

    return provider in _SDK_PROVIDERS or provider in litellm.openai_compatible_providers


def install() -> bool:
    """Put the fast path in place (once per process); False when the SDK's types forbid it."""
    global _installed
    if _installed:
        return True
    if not allowed(PIN, HOOKS):
        return False
    from openai.resources.chat.completions import completions
    from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolUnionParam

    if annotated_fields(ChatCompletionMessageParam) or annotated_fields(
        ChatCompletionToolUnionParam
    ):
        return False
    original = completions.async_maybe_transform

    @functools.wraps(original)
    async def transform(data: object, expected_type: object) -> Any:
        if not isinstance(data, Mapping) or "messages" not in data:
            return await original(data, expected_type)  # type: ignore[arg-type]
        plain = {k: list(data[k]) for k in PLAIN_KEYS if _is_list(data.get(k))}
        rest = await original({k: v for k, v in data.items() if k not in plain}, expected_type)  # type: ignore[arg-type]
        return {**plain, **rest}

    completions.async_maybe_transform = transform  # type: ignore[assignment]
    from openai import _base_client

    _base_client.openapi_dumps = same_bytes_faster(_base_client.openapi_dumps)
    _installed = True
    return True


def same_bytes_faster(sdk_dumps: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    """The SDK's body encoder, through orjson for bodies whose bytes come out the same."""
    import orjson

    strict = (
        orjson.OPT_PASSTHROUGH_SUBCLASS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
    )

    @functools.wraps(sdk_dumps)
    def dumps(body: Any) -> bytes:
        if plain_json(body):
            try:
                return orjson.dumps(body, option=strict)
            except TypeError:  # a non-str key, an int past 64 bits: the SDK decides
                pass
        return sdk_dumps(body)

    return dumps


def plain_json(value: Any) -> bool:
    """Only dicts, lists, tuples, str, int, bool, None, and floats orjson writes as `json`
    does (not NaN, infinities or `1e-05`): exact types, no subclass, Enum or model."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is float:
            if not math.isfinite(item) or "e-" in repr(item):
                return False
        elif kind not in _SCALARS:
            return False
    return True


_SCALARS = frozenset({str, int, bool, type(None)})


def _is_list(value: object) -> bool:
    """A list or tuple of plain values (a NotGiven or None goes through the SDK's own walk)."""
    return isinstance(value, list | tuple)


def annotated_fields(tp: Any, seen: set[int] | None = None) -> list[str]:
    """Every field under `tp` (TypedDicts, unions, lists) that the SDK would rename or encode."""
    from openai._utils._transform import PropertyInfo

    seen = set() if seen is None else seen
    if id(tp) in seen:
        return []
    seen.add(id(tp))
    found: list[str] = []
    if typing_extensions.is_typeddict(tp):
        for name, hint in typing_extensions.get_type_hints(tp, include_extras=True).items():
            if any(isinstance(m, PropertyInfo) for m in getattr(hint, "__metadata__", ())):
                found.append(f"{tp.__name__}.{name}")
            found += annotated_fields(hint, seen)
        return found
    for arg in typing_extensions.get_args(tp):
        found += annotated_fields(arg, seen)
    return found
