"""The run context's JSON schema, built once per schema instead of once per run.

The LangGraph server asks the graph for its context's JSON schema on every run it starts
(to filter the run's context), and LangGraph builds it afresh each time: a new pydantic
`TypeAdapter` for the context dataclass, then its schema, ~2.4 ms of CPU per run (~2% of a
busy `ml-intern web`'s). A class's schema does not change, so it is built once per context
class and each caller gets its own copy. `install` wraps `Pregel.get_context_jsonschema`;
if LangGraph renames it, nothing is wrapped (and tests/web/test_context_schema_once.py fails).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

_installed = False


def install() -> bool:
    """Wrap LangGraph's schema builder (once per process); False when it is not there."""
    global _installed
    if _installed:
        return True
    from langgraph.pregel import Pregel

    build = getattr(Pregel, "get_context_jsonschema", None)
    if not callable(build):
        return False
    built: dict[int, tuple[Any, dict[str, Any] | None]] = {}

    @functools.wraps(build)
    def get_context_jsonschema(self: Any) -> dict[str, Any] | None:
        schema = self.context_schema
        if not isinstance(schema, type):  # not a class: LangGraph decides, every time
            return build(self)
        kept = built.get(id(schema))
        if kept is None or kept[0] is not schema:  # the class is held, so its id stays its own
            kept = built[id(schema)] = (schema, build(self))
        return copy.deepcopy(kept[1])

    Pregel.get_context_jsonschema = get_context_jsonschema  # type: ignore[method-assign]
    _installed = True
    return True
