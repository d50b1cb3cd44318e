"""Wording for settings errors: what pydantic wanted, said as a person would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def expected_from(error: Mapping[str, Any]) -> str:
    """A short description of what pydantic wanted, for keys not in ``_EXPECTED``."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "literal_error":
        return f"one of {ctx.get('expected')}"
    if kind.startswith("int_"):
        return "an integer"
    if kind.startswith("float_"):
        return "a number"
    if kind.startswith("bool_"):
        return "true or false"
    if kind.startswith("string_"):
        return "a string"
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return "a JSON object"
    return str(error["msg"]).lower()
