"""Classify model-provider failures: retry, compact, or end the run with a clear message."""

from __future__ import annotations

import re
from typing import Literal

from configs.advice import COMMAND_LINE, Advice
from configs.model_profile import profile_of
from tools.text import one_line

ErrorKind = Literal["transient", "context_window", "auth", "fatal"]

_MISSING_KEY_HINTS = ("missing credentials", "api_key client option must be set", "no api key")
_CONTEXT_HINTS = (
    "context_length_exceeded",
    "context window",
    "maximum context length",
    "too many tokens",
)


class ProviderError(RuntimeError):
    """The model provider failed and retrying will not help; the run ends. A RuntimeError:
    the LangGraph server passes such a message on to Studio and the web page (for other
    exception types it says only "An internal error occurred")."""

    def __init__(self, message: str, *, kind: ErrorKind = "fatal") -> None:
        super().__init__(message)
        self.kind = kind


def classify(error: BaseException) -> ErrorKind:
    import litellm

    if isinstance(error, litellm.ContextWindowExceededError):
        return "context_window"
    if any(hint in str(error).lower() for hint in _MISSING_KEY_HINTS):
        return "auth"  # litellm reports a missing key as a server error
    if isinstance(error, litellm.AuthenticationError | litellm.PermissionDeniedError):
        return "auth"
    if isinstance(error, litellm.BadRequestError):
        text = str(error).lower()
        return "context_window" if any(h in text for h in _CONTEXT_HINTS) else "fatal"
    transient = (
        litellm.RateLimitError,
        litellm.Timeout,
        litellm.APIConnectionError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.BadGatewayError,
        TimeoutError,
    )
    if isinstance(error, transient):
        return "transient"
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and (status == 429 or status >= 500):
        return "transient"
    return "fatal"


def retry_after_seconds(error: BaseException) -> float | None:
    """The provider's Retry-After, in seconds, when it sent one."""
    for headers in (
        getattr(error, "litellm_response_headers", None),
        getattr(getattr(error, "response", None), "headers", None),
        getattr(error, "headers", None),
    ):
        if not headers:
            continue
        value = headers.get("retry-after") or headers.get("Retry-After")
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            continue
    return None


def connection_failure(error: BaseException) -> BaseException | None:
    """The connection failure under `error`, if the server could not be reached at all
    (litellm reports it as a 500 "Connection error."; the cause says what happened)."""
    import socket

    import httpx

    seen: set[int] = set()
    causes, found = [error], None
    while causes:
        cause = causes.pop()
        if id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, ConnectionError | socket.gaierror | httpx.ConnectError):
            found = cause  # the deepest says it plainest: "Connect call failed (host, port)"
        causes += [c for c in (cause.__cause__, cause.__context__) if c is not None]
    return found


def failed(error: BaseException, model_id: str) -> str:
    """What failed, without the fix: for a failure that is being retried."""
    detail = one_line(getattr(error, "message", None) or str(error), 300)
    return f"The model call to {model_id} failed: {detail}."


def describe(error: BaseException, model_id: str, advice: Advice = COMMAND_LINE) -> str:
    """One line for a person: what failed, why, what to do (in `advice`'s front end's words)."""
    import litellm

    kind = classify(error)
    detail = one_line(getattr(error, "message", None) or str(error), 300)
    if kind == "auth":
        variable = profile_of(model_id).key_variable or "the provider's API key variable"
        return (
            f"The model provider rejected the credentials for {model_id} ({detail}). "
            f"Set {variable}, or {advice.other_model()}."
        )
    if isinstance(error, litellm.NotFoundError):
        return (
            f"The model provider does not know the model {model_id} ({detail}). Check the "
            f"model id, or {advice.other_model()}."
        )
    if (refused := connection_failure(error)) is not None:
        where = profile_of(model_id).endpoint or "the model's server"
        return (
            f"Could not reach {where} for {model_id} ({one_line(str(refused), 200)}). Check "
            f"that the server is up and its address is right, then try again; or "
            f"{advice.other_model()}."
        )
    if isinstance(error, litellm.RateLimitError):
        return (
            f"The model provider is rate-limiting {model_id} ({detail}). Wait a minute and "
            f"send again, or {advice.other_model()}."
        )
    if kind == "transient":
        return f"The model provider kept failing for {model_id}: {detail}. Try again later."
    if kind == "context_window":
        return f"The conversation no longer fits {model_id}'s context window: {detail}"
    return f"The model call to {model_id} failed: {detail}"


# How providers state the window when a prompt overflows it: OpenAI and vLLM ("maximum context
# length is 8192 tokens"), llama.cpp ("exceeds the available context size (9216 tokens)"),
# Anthropic ("prompt is too long: 210000 tokens > 200000 maximum").
_STATED_WINDOW = (
    re.compile(r"maximum context length is (\d+)"),
    re.compile(r"context size \((\d+) tokens\)"),
    re.compile(r"max_model_len[^0-9]{0,20}(\d+)"),
    re.compile(r"> ?(\d+) maximum"),
    re.compile(r"n_ctx[^0-9]{0,20}(\d+)"),
)


def stated_window(error: BaseException) -> int | None:
    """The context window a provider's overflow error states, if it states one."""
    text = f"{getattr(error, 'message', '')} {error} {error.__cause__ or ''}"
    for pattern in _STATED_WINDOW:
        if match := pattern.search(text):
            return int(match.group(1))
    return None
