"""A tiny MCP server over stdio (JSON-RPC lines, standard library only: it starts in ~50 ms).

    python -m tests.fakes.mcp_stdio_server            # answers like a real server
    python -m tests.fakes.mcp_stdio_server --hang     # reads requests and never answers

Tools: `echo` (readOnlyHint), `write_note` (no hints: needs approval), `fail` (an MCP tool
error), `crash` (the process exits without answering), `env` (reports one environment
variable, to check what a server is given), `slow` (answers after `seconds`, from a thread:
the server reads on meanwhile, and exits at once when its client closes stdin, as servers that
run calls beside their reading do) and `steps` (sends a progress notification per step when the
request carries a progress token).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

WRITING = threading.Lock()  # a slow call's answer and the other messages never interleave

TOOLS: list[dict[str, Any]] = [
    {
        "name": "echo",
        "description": "Return the text unchanged.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string"}},
            "required": ["text"],
        },
        "annotations": {"readOnlyHint": True},
    },
    {
        "name": "write_note",
        "description": "Pretend to write a note.",
        "inputSchema": {"type": "object", "properties": {"note": {"type": "string"}}},
    },
    {"name": "fail", "description": "Always fails.", "inputSchema": {"type": "object"}},
    {"name": "crash", "description": "Kills the server.", "inputSchema": {"type": "object"}},
    {
        "name": "env",
        "description": "One environment variable of the server process.",
        "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
        "annotations": {"readOnlyHint": True},
    },
    {
        "name": "slow",
        "description": "Answers after a delay.",
        "inputSchema": {"type": "object", "properties": {"seconds": {"type": "number"}}},
    },
    {
        "name": "steps",
        "description": "Reports progress for `count` steps, then answers.",
        "inputSchema": {"type": "object", "properties": {"count": {"type": "integer"}}},
        "annotations": {"readOnlyHint": True},
    },
]


def text_result(text: str, *, error: bool = False) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": error}


def call_tool(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "echo":
        return text_result(str(args.get("text", "")))
    if name == "write_note":
        return text_result(f"noted: {args.get('note', '')}")
    if name == "fail":
        return text_result("the fake tool failed on purpose", error=True)
    if name == "crash":
        os._exit(3)
    if name == "env":
        return text_result(os.environ.get(str(args.get("name")), "<unset>"))
    if name == "steps":
        return text_result(f"did {args.get('count', 3)} steps")
    if name == "slow":
        time.sleep(float(args.get("seconds", 1)))
        return text_result("finally")
    raise KeyError(name)


def report_progress(params: dict[str, Any]) -> None:
    token = (params.get("_meta") or {}).get("progressToken")
    count = int((params.get("arguments") or {}).get("count", 3))
    for step in range(1, count + 1):
        if token is None:
            break
        note = {"progressToken": token, "progress": step, "total": count, "message": f"step {step}"}
        message = {"jsonrpc": "2.0", "method": "notifications/progress", "params": note}
        with WRITING:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()


def answer(request: dict[str, Any]) -> dict[str, Any] | None:
    method, params = request.get("method"), request.get("params") or {}
    if "id" not in request:
        return None  # a notification
    reply: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
    if method == "initialize":
        reply["result"] = {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "fake-stdio", "version": "0.0.1"},
        }
    elif method == "tools/list":
        reply["result"] = {"tools": TOOLS}
    elif method == "ping":
        reply["result"] = {}
    elif method == "tools/call":
        if params.get("name") == "steps":
            report_progress(params)
        try:
            reply["result"] = call_tool(params.get("name", ""), params.get("arguments") or {})
        except KeyError:
            reply["error"] = {"code": -32602, "message": f"Unknown tool: {params.get('name')}"}
    else:
        reply["error"] = {"code": -32601, "message": f"Method not found: {method}"}
    return reply


def reply_to(request: dict[str, Any]) -> None:
    """Answers `request` on stdout (a notification: nothing)."""
    reply = answer(request)
    if reply is not None:
        with WRITING:
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


def main() -> int:
    """Answers stdin's requests until it ends; the process ends with it, a slow call too."""
    hang = "--hang" in sys.argv
    for line in sys.stdin:
        if hang or not line.strip():
            continue
        request = json.loads(line)
        if (request.get("params") or {}).get("name") == "slow":
            threading.Thread(target=reply_to, args=(request,), daemon=True).start()
        else:
            reply_to(request)
    return 0


if __name__ == "__main__":
    sys.exit(main())
