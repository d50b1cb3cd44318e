"""A program a model put between `<code>` and `</code>` in its reply, made a `bash` call that
runs it with python3 from a here-document (the way smolagents' CodeAgent acts).

The program is plain text in the reply, not a string inside a call's JSON: no quotes to nest
and no `\\n` that the JSON turns into a line break. Only the marker the runtime note teaches
(configs/prompt.py `CODE_BLOCK`) runs: a program shown in a Markdown fence is an answer.
Why: a 1.5B model's `python3 -c` calls failed on both (docs/lab/2026-11-25.md).

A reply that has calls of its own is left alone. A block opens with `<code>` at the start of a
line (a tag named inside a sentence opens none). The first block runs; a closing `</code>`
may be missing (the reply ended inside it); a Markdown fence inside the block is taken off.
The text before the block is kept as the reply's words; what follows it (a model that writes
on imagines the program's output) is dropped: the call's result is what the model reads next.
The call is a `bash` call like any other: the approval policy and the sandbox apply.
"""

from __future__ import annotations

import re
import uuid

from langchain_core.messages import AIMessage

from configs.suggested_paths import python_heredoc

_BLOCK = re.compile(r"(?:^|\n)[ \t]*<code>[ \t]*\n?(.*?)(?:</code>|$)", re.DOTALL)
_FENCE = re.compile(r"^```[\w+-]*[ \t]*\n(.*?)\n?```[ \t]*$", re.DOTALL)


def with_code_call(response: AIMessage) -> AIMessage:
    """`response` with its first `<code>` block made a `bash` call running it, or as it is."""
    if response.tool_calls or response.invalid_tool_calls or not isinstance(response.content, str):
        return response
    match = _BLOCK.search(response.content)
    program = _unfenced(match.group(1).strip()) if match else ""
    if match is None or not program:
        return response
    call = {
        "name": "bash",
        "args": {"command": python_heredoc(program)},
        "id": f"call_code_{uuid.uuid4().hex[:12]}",
        "type": "tool_call",
    }
    words = response.content[: match.start()].strip()
    return response.model_copy(update={"content": words, "tool_calls": [call]})


def _unfenced(program: str) -> str:
    """`program` without a Markdown fence around it (```python ... ```)."""
    fenced = _FENCE.match(program)
    return fenced.group(1).strip() if fenced else program
