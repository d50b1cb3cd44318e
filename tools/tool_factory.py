"""How every built-in tool is made: description from its argument schema, errors as text.

A handler is `async def handler(call: CallContext, **args)`: it gets the current call (its
workspace, thread, id and progress stream) and the validated arguments. A `ToolException`
or a validation error comes back to the model as a message it can act on ("Invalid
arguments for `read`: path: Field required. Fix them and call `read` again."), never as an
exception that ends the run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, ValidationError

from tools.call_context import current_call
from tools.result_texts import arguments as texts
from tools.result_texts import tool_text

Handler = Callable[..., Awaitable[Any]]


def _problem(location: tuple[int | str, ...], message: str) -> str:
    """One problem as the model reads it: where in the arguments, and what."""
    if not location:
        return tool_text("arguments", texts.CALL_PROBLEM, message=message)
    where = ".".join(str(part) for part in location)
    return tool_text("arguments", texts.PROBLEM, where=where, message=message)


def validation_message(name: str) -> Callable[[ValidationError], str]:
    def handle(error: ValidationError) -> str:
        problems = "; ".join(_problem(err["loc"], err["msg"]) for err in error.errors())
        return tool_text("arguments", texts.INVALID, name=name, problems=problems)

    return handle


def describe_schema(schema: type[BaseModel]) -> str:
    """The schema's docstring as one paragraph: what the model reads about the tool."""
    return " ".join((schema.__doc__ or "").split())


def make_tool(
    name: str, schema: type[BaseModel], handler: Handler, *, artifact: bool = False
) -> StructuredTool:
    """An async tool described by `schema`; `handler(call, **args)` does the work.

    With `artifact`, the handler returns `(content, artifact)`: the artifact (a plan, a
    sub-agent's usage, a call's outcome: tools/outcome.py) reaches the graph, not the model.
    """

    async def coroutine(**args: Any) -> Any:
        return await handler(current_call(), **args)

    return StructuredTool.from_function(
        coroutine=coroutine,
        name=name,
        description=describe_schema(schema),
        args_schema=schema,
        response_format="content_and_artifact" if artifact else "content",
        handle_tool_error=True,
        handle_validation_error=validation_message(name),
    )
