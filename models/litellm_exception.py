"""litellm's own mapping of a failure to the exception it raises for a provider, for ml-intern's
streamed clients (models/openai_chat_errors.py, models/anthropic_chat_errors.py), so the rest of
ml-intern sees litellm's classes whichever path sent the request. litellm is imported here only
when something failed; its `exception_type` is a name compat/litellm.py declares.
"""

from __future__ import annotations


def litellm_exception(error: Exception, model: str, provider: str) -> Exception:
    """What litellm's `exception_type` maps `error` to for `provider` (it raises its result);
    `error` itself when the mapping raises nothing."""
    import litellm
    from litellm.litellm_core_utils.exception_mapping_utils import exception_type

    litellm.suppress_debug_info = True  # its banner would land in the user's stdout
    try:
        exception_type(
            model=model,
            custom_llm_provider=provider,
            original_exception=error,
            completion_kwargs={},
            extra_kwargs={},
        )
    except Exception as mapped:  # the mapping's result
        return mapped
    return error
