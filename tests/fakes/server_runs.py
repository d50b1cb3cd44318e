"""What tests send a LangGraph-shaped server (`ml-intern web`, the team server) and how they
wait on it: a run body of one human message, headless, and a condition polled until it holds."""

from __future__ import annotations

import time
from collections.abc import Callable


def run_body(text: str | None) -> dict[str, object]:
    """A run of the `ml_intern` assistant, headless, with `text` as the human message (or no
    input: a resume of what the thread holds)."""
    messages = {"messages": [{"type": "human", "content": text}]} if text else None
    return {"assistant_id": "ml_intern", "input": messages, "context": {"mode": "headless"}}


def wait_until(condition: Callable[[], object], what: str, timeout: float = 90) -> None:
    """Poll `condition` every 0.1 s until it is truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
