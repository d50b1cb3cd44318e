"""The approval record: proof, carried with a call to `execute_tools`, that the approval judgement
decided it, for that AI message, in this thread, in the step just before.

For each call it approves (by policy or by a human, edited arguments included),
approval_interrupt writes `record(...)`, and so does the route after `call_model` for calls
it sends straight to their tasks (graph/builder.py `sent_at_once`, at call_model's step): the
id of the AI message whose call it is and an HMAC-SHA256 over (thread id, approval's step, that message id, call id, tool name, canonical
JSON of the arguments), keyed by the server's approval key (configs/server_secret.py, its own
label). No client and no tool holds that key, so a call that reaches `execute_tools` any other
way (a `Send` in a run's input, a state update written as if by approval_interrupt, a task or a
checkpoint copied from another thread, an approved task sent again in a later step) has no
record that `holds`: it is answered `refusal` and logged, and nothing of it runs.

The record travels in `approved_calls` and then in the call's task (graph/builder.py
`route_after_approval`), which LangGraph keeps in the checkpoint; the task runs in the step
after approval's, also when it is re-run after a crash, so it verifies as before. Both sides
take the thread id and the step from LangGraph's own config (`Site`), never from a run context
a client may pass. One HMAC per call, no read of the thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from langchain_core.messages import AIMessage, ToolMessage
from typing_extensions import TypedDict

from configs.server_secret import derived_key, secret_at_hand
from tools.result_texts import tool_text
from tools.result_texts.approval import NOT_APPROVED

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

log = logging.getLogger(__name__)
LABEL = "approval record"
RECORD = "approval"  # the key an approved call carries its record under in `approved_calls`


class ApprovalRecord(TypedDict):
    message_id: str  # the AI message whose call was approved
    mac: str  # hex HMAC-SHA256 (see the module's docstring)


class Site(NamedTuple):
    """Where a call was approved: LangGraph's thread ("" for a run without one) and step."""

    thread: str
    step: int | None

    @classmethod
    def of_approval(cls, config: RunnableConfig | None) -> Site:
        """The site of approval_interrupt running under `config`."""
        thread = ((config or {}).get("configurable") or {}).get("thread_id")
        step = ((config or {}).get("metadata") or {}).get("langgraph_step")
        return cls(str(thread) if thread is not None else "", step if type(step) is int else None)

    @classmethod
    def before(cls, config: RunnableConfig | None) -> Site:
        """The site a task running under `config` was approved at: its thread, the step before."""
        here = cls.of_approval(config)
        return here._replace(step=here.step - 1 if here.step is not None else None)


def calling_message_id(messages: Sequence[Any]) -> str:
    """The id of the newest AI message: the one whose pending calls approval decides."""
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return str(message.id or "")
    return ""


async def approval_key() -> bytes:
    """The records' key; read off the event loop when it comes from the key file the first
    time (configs/server_secret.py), at once after that."""
    if secret_at_hand():
        return derived_key(LABEL)
    return await asyncio.to_thread(derived_key, LABEL)


def record(key: bytes, site: Site, message_id: str, call: Mapping[str, Any]) -> ApprovalRecord:
    """The record of `call` approved at `site` as a call of message `message_id`."""
    return {"message_id": message_id, "mac": _mac(key, site, message_id, call)}


def with_record(key: bytes, call: Mapping[str, Any], site: Site, message_id: str) -> dict[str, Any]:
    """`call` as `approved_calls` keeps it: with its record."""
    return {**call, RECORD: record(key, site, message_id, call)}


def detached(entry: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """An `approved_calls` entry as (the call, its record or None)."""
    call = {k: v for k, v in entry.items() if k != RECORD}
    return call, entry.get(RECORD)


def holds(key: bytes, task: Mapping[str, Any], site: Site) -> bool:
    """True when the task's call carries a record approval wrote for it at `site`."""
    call, given = task.get("call"), task.get(RECORD)
    if not (isinstance(call, Mapping) and isinstance(given, Mapping)):
        return False
    message_id, mac = given.get("message_id"), given.get("mac")
    if not (isinstance(message_id, str) and isinstance(mac, str)):
        return False
    return hmac.compare_digest(mac, _mac(key, site, message_id, call))


def refusal(task: Mapping[str, Any], site: Site) -> ToolMessage:
    """The answer to a task without a record that holds; logged (no arguments, no secrets)."""
    call = task.get("call") if isinstance(task.get("call"), Mapping) else {}
    call_id, name = str(call.get("id") or ""), _shown_name(call.get("name"))
    reason = "a record that does not verify" if task.get(RECORD) else "no approval record"
    log.warning(
        "not run: %s call %r in thread %r came with %s", name, call_id[:80], site.thread, reason
    )
    text = tool_text("approval", NOT_APPROVED, name=name)
    return ToolMessage(content=text, tool_call_id=call_id, name=name, status="error")


def _mac(key: bytes, site: Site, message_id: str, call: Mapping[str, Any]) -> str:
    signed = [*site, message_id, str(call.get("id")), str(call.get("name")), call.get("args")]
    text = json.dumps(signed, sort_keys=True, separators=(",", ":"), default=repr)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _shown_name(name: Any) -> str:
    """A tool name as the refusal and the log show it: a name's characters, at most 64."""
    return re.sub(r"[^A-Za-z0-9_.:-]", "_", str(name or ""))[:64] or "unnamed"
