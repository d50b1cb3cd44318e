"""A failed OpenAI-compatible chat request raised as litellm's exception for it.

The rest of ml-intern (models/provider_errors.py: retry, compact or stop; the sentence a
person reads) knows litellm's exception classes, so a failure on our own path goes through
the same steps litellm's OpenAI path takes: the openai SDK's error for the response, litellm's
`OpenAIError` around it, litellm's `exception_type` mapping, and for a stream that breaks
after it began, litellm's `MidStreamFallbackError` (a 4xx other than 429 is raised as mapped).
litellm and the SDK are imported here only when something failed.
"""

from __future__ import annotations

from typing import Any

import httpx

from models.litellm_exception import litellm_exception
from models.openai_chat_stream import StreamError


def refused(response: httpx.Response, model: str) -> Exception:
    """litellm's exception for a request the server answered with an error status (read body)."""
    from litellm.llms.openai.common_utils import OpenAIError

    sdk_error = _sdk_status_error(response)
    error = OpenAIError(
        status_code=response.status_code,
        message=str(sdk_error),
        headers=response.headers,
        body=sdk_error.body,  # type: ignore[arg-type]
    )
    error.__cause__ = sdk_error
    return litellm_exception(error, model, "openai")


def unreached(failure: httpx.TransportError, request: httpx.Request, model: str) -> Exception:
    """litellm's exception for a request that got no answer (refused, timed out, cut)."""
    import openai
    from litellm.llms.openai.common_utils import OpenAIError

    sdk_error: Exception
    if isinstance(failure, httpx.TimeoutException):
        sdk_error = openai.APITimeoutError(request=request)
    else:
        sdk_error = openai.APIConnectionError(request=request)
    sdk_error.__cause__ = failure
    error = OpenAIError(status_code=500, message=str(sdk_error))
    error.__cause__ = sdk_error
    return litellm_exception(error, model, "openai")


def broken(
    failure: Exception, request: httpx.Request, model: str, text: str, began: bool
) -> Exception:
    """litellm's exception for a stream that failed after its response began (`text`: what
    came before; `began`: whether a chunk was already handed on)."""
    from litellm.exceptions import MidStreamFallbackError

    if isinstance(failure, StreamError):
        import openai

        cause = failure
        failure = openai.APIError(str(cause), request, body=cause.body)
        failure.__cause__ = cause
    mapped = litellm_exception(failure, model, "openai")
    status = getattr(mapped, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500 and status != 429:
        return mapped
    return MidStreamFallbackError(
        message=str(mapped),
        model=model,
        llm_provider="openai",
        original_exception=mapped,
        generated_content=text,
        is_pre_first_chunk=not began,
    )


def unsupported(params: list[str], model: str) -> Exception:
    """litellm's refusal of a parameter its config for `model` does not take (it sends none)."""
    from litellm.exceptions import UnsupportedParamsError

    message = (
        f"openai does not support parameters: {params}, for model={model}. To drop these, set "
        "`litellm.drop_params=True` or for proxy:\n\n`litellm_settings:\n drop_params: true`\n. "
        f"\n If you want to use these params dynamically send allowed_openai_params={params} in "
        "your request."
    )
    return litellm_exception(
        UnsupportedParamsError(status_code=500, message=message), model, "openai"
    )


def _sdk_status_error(response: httpx.Response) -> Any:
    """The openai SDK's exception for an error response (its message and body)."""
    import json

    import openai

    text = response.text.strip()
    body: Any = text
    try:
        body = json.loads(text)
        message = f"Error code: {response.status_code} - {body}"
    except Exception:
        message = text or f"Error code: {response.status_code}"
    data = body.get("error", body) if isinstance(body, dict) else body
    kind = _SDK_CLASSES.get(response.status_code)
    if kind is None:
        kind = "InternalServerError" if response.status_code >= 500 else "APIStatusError"
    return getattr(openai, kind)(message, response=response, body=data)


_SDK_CLASSES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}
