"""A model call's outcome as the product reads it (models/provider_errors.py): for comparing
our own clients' failures with litellm's, field by field."""

from __future__ import annotations

from typing import Any

from models.provider_errors import (
    classify,
    connection_failure,
    describe,
    retry_after_seconds,
    stated_window,
)


def as_the_product_reads_it(outcome: Any, model: str, *, words: bool = True) -> Any:
    """`outcome` itself unless it is an exception; then its class, status, kind, retry wait,
    stated window, whether it is a connection failure and (with `words`) the sentence shown."""
    if not isinstance(outcome, Exception):
        return outcome
    read = {
        "class": type(outcome).__name__,
        "status": getattr(outcome, "status_code", None),
        "kind": classify(outcome),
        "retry_after": retry_after_seconds(outcome),
        "window": stated_window(outcome),
        "unreachable": connection_failure(outcome) is not None,
    }
    return read | ({"said": describe(outcome, model)} if words else {})
