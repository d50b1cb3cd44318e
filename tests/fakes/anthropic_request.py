"""What the Anthropic fake reads from a Messages request: blocks, tokens, cache, refusals.

A request is read as one sequence of blocks in the order Anthropic caches them: each tool,
then each system block, then each content block of each message. A block that carries
``cache_control`` (or a top-level ``cache_control``, which marks the last block) is a
breakpoint. Tokens are ``len(json.dumps(block)) // 4`` per block, so counts are
deterministic and a test can compute them with `block_tokens`.

For each request `PromptCache.account` finds the longest prefix, ending at a block boundary
at most 20 blocks before one of the request's breakpoints, that an earlier request wrote
in the last five minutes: those tokens are ``cache_read_input_tokens``. The rest up to the
last breakpoint is written (``cache_creation_input_tokens``); what follows is plain
``input_tokens``. Markers are not part of a block's identity, so moving a breakpoint
forward still reads what the previous request wrote.

Thinking: the fake signs each thinking block it sends (`signature`); `validate` refuses a
thinking block whose text or signature was changed, and, with thinking enabled, a last
assistant turn that made tool calls without starting with its thinking block, as the API does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = [
    "PromptCache",
    "RequestError",
    "block_tokens",
    "prompt_blocks",
    "request_tokens",
    "signature",
    "thinking_enabled",
    "tool_results",
    "validate",
]

CACHE_TTL_S = 300.0
LOOKBACK_BLOCKS = 20
MAX_BREAKPOINTS = 4
MIN_THINKING_BUDGET = 1024
_SIGNING_KEY = b"tests.fakes.anthropic_server thinking"
_THINKING = frozenset({"thinking", "redacted_thinking"})
_THINKING_DOCS = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"


class RequestError(Exception):
    """A request Anthropic would refuse: answered with this status and error type."""

    def __init__(self, message: str, status: int = 400, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status = status
        self.kind = kind


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return [b for b in content or [] if isinstance(b, dict)]


def _marked(block: dict[str, Any]) -> bool:
    nested = block.get("content") if isinstance(block.get("content"), list) else []
    return "cache_control" in block or any(
        isinstance(b, dict) and "cache_control" in b for b in nested
    )


def _bare(block: dict[str, Any]) -> dict[str, Any]:
    """The block without its cache markers (they do not change what is cached)."""
    out = {k: v for k, v in block.items() if k != "cache_control"}
    if isinstance(out.get("content"), list):
        out["content"] = [
            {k: v for k, v in b.items() if k != "cache_control"} if isinstance(b, dict) else b
            for b in out["content"]
        ]
    return out


def prompt_blocks(request: dict[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    """Every cacheable block in Anthropic's order, with whether it is a breakpoint."""
    found: list[tuple[dict[str, Any], bool]] = []
    for tool in request.get("tools") or []:
        found.append(({"tool": _bare(tool)}, "cache_control" in tool))
    for block in _blocks(request.get("system")):
        found.append(({"system": _bare(block)}, _marked(block)))
    for message in request.get("messages") or []:
        for block in _blocks(message.get("content")):
            found.append(({str(message.get("role")): _bare(block)}, _marked(block)))
    if isinstance(request.get("cache_control"), dict) and found:
        found[-1] = (found[-1][0], True)  # automatic caching: the last block
    return found


def block_tokens(block: dict[str, Any]) -> int:
    """The fake's token count of one block (as `prompt_blocks` returns it)."""
    return len(json.dumps(block, sort_keys=True, ensure_ascii=False)) // 4


def request_tokens(request: dict[str, Any]) -> int:
    """The fake's token count of a whole request's prompt."""
    return sum(block_tokens(block) for block, _ in prompt_blocks(request))


class PromptCache:
    """Prefix cache shared by every request to one server (thread-safe)."""

    def __init__(
        self,
        *,
        ttl_s: float = CACHE_TTL_S,
        min_tokens: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.min_tokens = min_tokens  # Anthropic: 1024 to 4096 depending on the model
        self.clock = clock
        self._written: dict[str, float] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._written.clear()

    def account(self, request: dict[str, Any]) -> dict[str, int]:
        """Input, cache-write and cache-read tokens of `request`; records what it writes."""
        found = prompt_blocks(request)
        sizes = [0, *itertools.accumulate(block_tokens(b) for b, _ in found)]
        digest = hashlib.sha256(str(request.get("model")).encode())
        keys = [digest.hexdigest()]
        for block, _ in found:
            digest.update(json.dumps(block, sort_keys=True).encode())
            keys.append(digest.hexdigest())
        ends = [i + 1 for i, (_, mark) in enumerate(found) if mark]
        ends = [end for end in ends if sizes[end] >= self.min_tokens]
        now = self.clock()
        with self._lock:
            self._written = {k: t for k, t in self._written.items() if now - t < self.ttl_s}
            hit = 0
            for end in ends:
                for k in range(end, max(end - LOOKBACK_BLOCKS, 0), -1):
                    if keys[k] in self._written:
                        hit = max(hit, k)
                        break
            for end in [*ends, hit] if hit else ends:
                self._written[keys[end]] = now
        written = max(ends, default=0)
        read = sizes[hit]
        creation = sizes[written] - read if written > hit else 0
        return {
            "input_tokens": sizes[-1] - read - creation,
            "cache_creation_input_tokens": creation,
            "cache_read_input_tokens": read,
        }


def _tool_ids(message: dict[str, Any] | None, kind: str, key: str) -> list[str]:
    if message is None:
        return []
    return [str(b.get(key)) for b in _blocks(message.get("content")) if b.get("type") == kind]


def validate(request: dict[str, Any]) -> None:
    """Raise RequestError for what the real API refuses (a subset, worded like it)."""
    if not isinstance(request.get("model"), str) or not request["model"]:
        raise RequestError("model: Field required")
    if not isinstance(request.get("max_tokens"), int) or request["max_tokens"] < 1:
        raise RequestError("max_tokens: Field required (an integer >= 1)")
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("messages: at least one message is required")
    system = request.get("system")
    if system is not None and not isinstance(system, str | list):
        raise RequestError("system: Input should be a string or a list of text blocks")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise RequestError(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        previous = messages[i - 1] if i else None
        following = messages[i + 1] if i + 1 < len(messages) else None
        if message["role"] == "assistant":
            answered = set(_tool_ids(following, "tool_result", "tool_use_id"))
            missing = [u for u in _tool_ids(message, "tool_use", "id") if u not in answered]
            if missing:
                raise RequestError(
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(missing)}. Each `tool_use` block must have "
                    "a corresponding `tool_result` block in the next message."
                )
            if _tool_ids(message, "tool_result", "tool_use_id"):
                raise RequestError(f"messages.{i}: `tool_result` blocks belong in user messages")
        called = set(_tool_ids(previous, "tool_use", "id"))
        stray = [r for r in _tool_ids(message, "tool_result", "tool_use_id") if r not in called]
        if stray:
            raise RequestError(
                f"messages.{i}: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(stray)}. Each `tool_result` block must have a corresponding "
                "`tool_use` block in the previous message."
            )
    _check_thinking(request, messages)
    marks = sum(mark for _, mark in prompt_blocks(request))
    if marks > MAX_BREAKPOINTS:
        raise RequestError(
            f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {marks}."
        )


def signature(thinking: str) -> str:
    """The fake's signature of a thinking block's text (opaque to clients, like the real one)."""
    mac = hmac.new(_SIGNING_KEY, thinking.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def thinking_enabled(request: dict[str, Any]) -> bool:
    config = request.get("thinking")
    return isinstance(config, dict) and config.get("type") in ("enabled", "adaptive")


def _check_thinking(request: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    """The extended-thinking rules: budget, temperature, signed blocks, the tool loop's turn."""
    enabled = thinking_enabled(request)
    budget = (request.get("thinking") or {}).get("budget_tokens") if enabled else None
    if budget is not None and (not isinstance(budget, int) or budget < MIN_THINKING_BUDGET):
        raise RequestError(
            f"thinking.enabled.budget_tokens: Input should be greater than or equal to "
            f"{MIN_THINKING_BUDGET}"
        )
    if budget is not None and budget >= request["max_tokens"]:
        raise RequestError(
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
            f"documentation at {_THINKING_DOCS}#max-tokens-and-context-window-size"
        )
    if enabled and request.get("temperature", 1) != 1:
        raise RequestError(
            "`temperature` may only be set to 1 when thinking is enabled or in "
            f"interleaved thinking mode. Please consult our documentation at {_THINKING_DOCS}"
        )
    last: int | None = None
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        last = i
        for j, block in enumerate(_blocks(message.get("content"))):
            sent = block.get("signature")
            if block.get("type") == "thinking" and sent != signature(str(block.get("thinking"))):
                raise RequestError(
                    f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
                )
    if not enabled or last is None or not _tool_ids(messages[last], "tool_use", "id"):
        return
    first = _blocks(messages[last].get("content"))[0].get("type")
    if first not in _THINKING:
        raise RequestError(
            f"messages.{last}.content.0.type: Expected `thinking` or `redacted_thinking`, but "
            f"found `{first}`. When `thinking` is enabled, a final `assistant` message must "
            "start with a thinking block (preceeding the lastmost set of `tool_use` and "
            "`tool_result` blocks). We recommend you include thinking blocks from previous "
            "turns. To avoid this requirement, disable `thinking`. Please consult our "
            f"documentation at {_THINKING_DOCS}"
        )


def tool_results(request: dict[str, Any]) -> dict[str, str]:
    """tool_use_id -> the text of its tool_result, from one recorded request."""
    found: dict[str, str] = {}
    for message in request.get("messages") or []:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "tool_result":
                inner = block.get("content")
                if isinstance(inner, list):
                    inner = "".join(b.get("text", "") for b in inner if isinstance(b, dict))
                found[str(block.get("tool_use_id"))] = str(inner or "")
    return found
