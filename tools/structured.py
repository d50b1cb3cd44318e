"""How every built-in tool is made: description from its argument schema, errors as text.

A `ToolException` or a validation error comes back to the model as a message it
can act on ("Invalid arguments for `read`: path: Field required. Fix them and call
`read` again."), never as an exception that ends the run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, ValidationError


def validation_message(name: str) -> Callable[[ValidationError], str]:
    def handle(error: ValidationError) -> str:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}"
            for err in error.errors()
        )
        return f"Invalid arguments for `{name}`: {problems}. Fix them and call `{name}` again."

    return handle


def structured_tool(
    name: str, schema: type[BaseModel], coroutine: Callable[..., Awaitable[Any]]
) -> StructuredTool:
    """An async tool described by `schema`'s docstring (as one paragraph)."""
    return StructuredTool.from_function(
        coroutine=coroutine,
        name=name,
        description=" ".join((schema.__doc__ or "").split()),
        args_schema=schema,
        handle_tool_error=True,
        handle_validation_error=validation_message(name),
    )
