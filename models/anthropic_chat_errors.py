"""A failed Anthropic Messages request raised as litellm's exception for it.

The rest of ml-intern (models/provider_errors.py: retry, compact or stop; the sentence a
person reads) knows litellm's exception classes, so a failure on our own Anthropic path
goes through the steps litellm's Anthropic handler takes: its `AnthropicError` with the
error body as bytes (a status) or the failure's words (no answer), litellm's
`exception_type` mapping for the anthropic provider, and for a stream that fails after it
began, its stream wrapper's rule (a 4xx other than 429 raised as mapped, else
`MidStreamFallbackError`). litellm is imported here only when something failed.
"""

from __future__ import annotations

import httpx

from models.litellm_exception import litellm_exception


def refused(response: httpx.Response, model: str) -> Exception:
    """litellm's exception for a request the server answered with an error status (read body)."""
    from litellm.llms.anthropic.common_utils import AnthropicError

    error = AnthropicError(
        status_code=response.status_code, message=response.content, headers=response.headers
    )
    return litellm_exception(error, model, "anthropic")


def unreached(failure: httpx.TransportError, timeout: float, model: str) -> Exception:
    """litellm's exception for a request that got no answer (refused, timed out, cut)."""
    import litellm
    from litellm.llms.anthropic.common_utils import AnthropicError

    error: Exception
    if isinstance(failure, httpx.TimeoutException):
        error = litellm.Timeout(
            message=f"Connection timed out. Timeout passed={timeout}, time taken={timeout} seconds",
            model="default-model-name",
            llm_provider="litellm-httpx-handler",
            headers={},
        )
    else:
        error = AnthropicError(status_code=500, message=str(failure))
    return litellm_exception(error, model, "anthropic")


def broken(failure: Exception, model: str, text: str, began: bool) -> Exception:
    """litellm's exception for a stream that failed after its response began (`text`: what
    came before; `began`: whether a chunk was already handed on)."""
    from litellm.exceptions import MidStreamFallbackError
    from litellm.llms.anthropic.common_utils import AnthropicError

    from models.anthropic_chat_stream import StreamError

    if isinstance(failure, StreamError):
        failure = AnthropicError(status_code=500, message=failure.message)
    mapped = litellm_exception(failure, model, "anthropic")
    status = getattr(mapped, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500 and status != 429:
        return mapped
    return MidStreamFallbackError(
        message=str(mapped),
        model=model,
        llm_provider="anthropic",
        original_exception=mapped,
        generated_content=text,
        is_pre_first_chunk=not began,
    )
