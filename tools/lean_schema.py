"""A tool's schema in its lean form: what a small window pays for on every call, and no more.

The lean form of an OpenAI tool schema (already cut to one-line descriptions) keeps the
required arguments and the optional ones its spec lists (`ToolSpec.lean_args`; None keeps
every one), shows an optional `X | None` as `X` with no `null` default, and drops numeric
bounds (the tool still checks them, and its error says the limit). Nothing is taken from the
tool: an argument left out of the schema is taken as before.

>>> lean_schema({"type": "function", "function": {"name": "t", "description": "T.",
...     "parameters": {"type": "object", "required": ["a"], "properties": {
...         "a": {"type": "integer", "minimum": 1},
...         "b": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
...         "c": {"type": "boolean", "default": False}}}}}, frozenset({"b"}))["function"]
{'name': 't', 'description': 'T.', 'parameters': {'type': 'object', 'required': ['a'], \
'properties': {'a': {'type': 'integer'}, 'b': {'type': 'string'}}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The numeric bounds a lean schema leaves to the tool's own check.
BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
NULL = {"type": "null"}


def lean_schema(schema: Mapping[str, Any], shown: frozenset[str] | None) -> dict[str, Any]:
    """`schema` (an OpenAI tool schema) in its lean form, showing the optional arguments in
    `shown` (None: every one)."""
    function = dict(schema["function"])
    function["parameters"] = lean_object(function.get("parameters") or {}, shown)
    return {**schema, "function": function}


def lean_object(params: Mapping[str, Any], shown: frozenset[str] | None) -> dict[str, Any]:
    """An object's schema with its required properties and those in `shown`, each lean."""
    required = set(params.get("required") or ())
    properties = {
        name: lean_property(prop)
        for name, prop in (params.get("properties") or {}).items()
        if shown is None or name in shown or name in required
    }
    return {**params, "properties": properties}


def lean_property(prop: Mapping[str, Any]) -> dict[str, Any]:
    """One property: `X | None` as `X`, no `null` default, no bounds; its items' and nested
    objects' properties lean too."""
    lean = {key: value for key, value in prop.items() if key not in BOUNDS}
    kinds = [kind for kind in lean.get("anyOf") or () if kind != NULL]
    if "anyOf" in lean and len(kinds) == 1:
        del lean["anyOf"]
        lean = {**lean_property(kinds[0]), **lean}
    if "default" in lean and lean["default"] is None:
        del lean["default"]
    if isinstance(lean.get("items"), Mapping):
        lean["items"] = lean_property(lean["items"])
    if isinstance(lean.get("properties"), Mapping):
        lean = lean_object(lean, None)
    return lean
