"""compat/langgraph.py: the run context's JSON schema built once per class, on the LangGraph pinned."""

from __future__ import annotations

from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel


class State(TypedDict, total=False):
    n: int


def graph_on(context: type) -> Any:
    from langgraph.graph import StateGraph

    builder = StateGraph(State, context_schema=context)
    builder.add_node("step", lambda state: {"n": 1})
    builder.set_entry_point("step")
    return builder.compile()


def test_a_run_s_context_schema_is_langgraph_s_own_and_built_once_per_class() -> None:
    from compat.langgraph import install_context_schema_once as install

    built: list[str] = []

    class Context(BaseModel):
        mode: str = "chat"
        max_iterations: int = 50

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            built.append(cls.__name__)
            return super().model_json_schema(*args, **kwargs)

    class Other(BaseModel):
        budget: float = 1.0

    expected = BaseModel.model_json_schema.__func__(Context)  # type: ignore[attr-defined]
    assert install()
    first = graph_on(
        Context
    ).get_context_jsonschema()  # a new graph per run, as the server's copies
    first["properties"].clear()  # a caller that changes its copy changes no other run's
    again = [graph_on(Context).get_context_jsonschema() for _ in range(3)]
    assert again == [expected] * 3 and built == ["Context"]
    assert graph_on(Other).get_context_jsonschema()["properties"] == {
        "budget": {"default": 1.0, "title": "Budget", "type": "number"}
    }


def test_the_installed_langgraph_has_the_method_compat_langgraph_wraps() -> None:
    from compat import langgraph as fence
    from compat.pins import problems

    found = problems(fence.PIN, fence.HOOKS)
    assert found == [], "compat/langgraph.py: " + "\n".join(found)


def test_a_router_reads_the_run_s_context_through_runtime_of() -> None:
    from langgraph.graph import END, START, StateGraph

    from compat.langgraph import RunnableCallable, runtime_of

    class Context(BaseModel):
        mode: str = "chat"

    seen: list[Any] = []

    async def route(state: State, config: RunnableConfig) -> str:
        runtime = runtime_of(config)
        seen.append(runtime.context if runtime is not None else "no runtime")
        return END

    builder = StateGraph(State, context_schema=Context)
    builder.add_node("step", lambda state: {"n": 1})
    builder.add_edge(START, "step")
    builder.add_conditional_edges("step", RunnableCallable(None, route, trace=False), [END])
    import asyncio

    asyncio.run(builder.compile().ainvoke({"n": 0}, context=Context(mode="headless")))
    assert seen == [Context(mode="headless")], "LangGraph no longer passes the run's Runtime "
    "under CONFIG_KEY_RUNTIME: fix compat/langgraph.py `runtime_of` (calls now all take "
    "approval's step)"
