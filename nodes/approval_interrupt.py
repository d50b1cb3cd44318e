"""approval_interrupt: decide which tool calls run, asking a human once per step.

Everything before `interrupt()` is deterministic and side-effect free: on resume
LangGraph runs this node again from the top. The judgement is nodes/approval_judgement.py's
(the policy and the rules' hooks); this node applies it and asks for the calls it leaves to a
person. Each call it approves carries its record (nodes/approval_record.py): `execute_tools`
runs nothing without one. The route after `call_model` skips this node when nobody is asked
and nothing is answered in a call's place (graph/builder.py `after_model_router`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.types import interrupt

from nodes.approval_judgement import judge, records
from nodes.deps import AgentDeps

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.runtime import Runtime


async def approval_interrupt(
    state: Mapping[str, Any], config: RunnableConfig, runtime: Runtime, *, deps: AgentDeps
) -> dict[str, Any]:
    judged = await judge(state, config, runtime, deps)
    results, approved = list(judged.results), list(judged.approved)
    update: dict[str, Any] = {}
    if asking := judged.asking:
        answer = interrupt(
            {
                "action_requests": [action_request(c, deps) for c in asking],
                "review_configs": [
                    {
                        "action_name": c["name"],
                        "allowed_decisions": ["approve", "edit", "reject", "respond"],
                    }
                    for c in asking
                ],
            }
        )
        if isinstance(answer, Mapping) and answer.get("yolo"):
            update["yolo"] = True
        edited = _apply_answers(asking, parse_decisions(answer, len(asking)), approved, results)
        if edited:
            update["messages"] = [_with_edited_calls(state["messages"], edited)]
    if messages := [*update.get("messages", []), *results]:  # none: no write to save
        update["messages"] = messages
    update["approved_calls"] = await records(judged.calls, approved, config, state["messages"])
    return update


def _apply_answers(
    asking: Sequence[Mapping[str, Any]],
    decisions: Sequence[Mapping[str, Any]],
    approved: list[Mapping[str, Any]],
    results: list[ToolMessage],
) -> dict[str, dict[str, Any]]:
    """The human's decisions applied: approved calls (edited ones with their new arguments)
    join `approved`, the rest answer in `results`; the edited calls by id."""
    edited: dict[str, dict[str, Any]] = {}
    for call, decision in zip(asking, decisions, strict=True):
        kind = decision["type"]
        if kind == "approve":
            approved.append(call)
        elif kind == "edit":
            new_call = {**call, "args": edited_args(decision, call)}
            edited[call["id"]] = new_call
            approved.append(new_call)
        else:
            results.append(_human_answer(call, decision))
    return edited


def action_request(call: Mapping[str, Any], deps: AgentDeps) -> dict[str, Any]:
    args = call.get("args") or {}
    spec = deps.catalog.get(call["name"])
    description = (
        spec.describe_call(args) if spec is not None else f"Call {call['name']} with {args}"
    )
    return {"name": call["name"], "args": args, "id": call["id"], "description": description}


def parse_decisions(answer: Any, expected: int) -> list[dict[str, Any]]:
    """The human's decisions, one per request; anything missing or malformed rejects."""
    raw: Sequence[Any] = []
    if isinstance(answer, Mapping):
        raw = answer.get("decisions") or []
    elif isinstance(answer, list):
        raw = answer
    decisions: list[dict[str, Any]] = []
    for i in range(expected):
        item = raw[i] if i < len(raw) else None
        if isinstance(item, str):
            item = {"type": item}
        if not isinstance(item, Mapping) or item.get("type") not in {
            "approve",
            "reject",
            "edit",
            "respond",
        }:
            item = {"type": "reject", "message": "No valid decision was given for this call."}
        decisions.append(dict(item))
    return decisions


def edited_args(decision: Mapping[str, Any], call: Mapping[str, Any]) -> dict[str, Any]:
    action = decision.get("edited_action") or {}
    args = action.get("args") if isinstance(action, Mapping) else None
    if args is None:
        args = decision.get("args")
    return dict(args) if isinstance(args, Mapping) else dict(call.get("args") or {})


def _human_answer(call: Mapping[str, Any], decision: Mapping[str, Any]) -> ToolMessage:
    message = str(decision.get("message") or "").strip()
    if decision["type"] == "respond":
        content = message or "(the user answered without text)"
        return ToolMessage(content=content, tool_call_id=call["id"], name=call["name"])
    content = (
        f"The user rejected this call; it was not run. Feedback: {message}"
        if message
        else (
            "The user rejected this call; it was not run. Ask what they want instead, or take another approach."
        )
    )
    return ToolMessage(content=content, tool_call_id=call["id"], name=call["name"], status="error")


def _with_edited_calls(messages: Sequence[Any], edited: Mapping[str, dict[str, Any]]) -> AIMessage:
    """The AI message again (same id, so it replaces itself) with the human's edits."""
    for message in reversed(messages):
        if isinstance(message, AIMessage) and any(c["id"] in edited for c in message.tool_calls):
            calls = [edited.get(c["id"], c) for c in message.tool_calls]
            return message.model_copy(update={"tool_calls": calls})
    raise ValueError("edited calls do not belong to any AI message")
