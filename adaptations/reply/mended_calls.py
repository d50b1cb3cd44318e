"""A reply's `python` calls whose code the compiler refuses for a slip it names, made with the
code mended (tools/kernel/mended_python.py) as the reply is kept, before the approval policy
judges it: what a person is asked to approve, and what the kernel runs, is the mended code,
and the history shows the model its program as it ran.

The code as sent stays beside the reply, never shown to the model: `additional_kwargs`
`MENDED_KEY`, by call id, the code sent and the changes made ("`)` added at the end of line
3"). A call whose code compiles, or that a mend does not make whole, is left as it is.
Why: a 1.5B model sent a program with a bracket left open again and again (docs/lab/2026-12-01.md).
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from tools.kernel.compiler_reason import kernel_refusal
from tools.kernel.mended_python import mended

MENDED_KEY = "mended_python"
MENDED_TOOLS = frozenset({"python"})


def with_mended_calls(response: AIMessage) -> AIMessage:
    """`response` with each kernel call's code mended where it can be, or as it is."""
    calls: list[Any] = []
    record: dict[str, dict[str, Any]] = {}
    for call in response.tool_calls:
        code = (call.get("args") or {}).get("code")
        found = None
        if call["name"] in MENDED_TOOLS and isinstance(code, str):
            found = mended(code, kernel_refusal)
        if found is None:
            calls.append(call)
            continue
        calls.append({**call, "args": {**call["args"], "code": found.code}})
        record[call.get("id") or ""] = {"sent": code, "changes": list(found.changes)}
    if not record:
        return response
    kept = {**response.additional_kwargs, MENDED_KEY: record}
    return response.model_copy(update={"tool_calls": calls, "additional_kwargs": kept})
