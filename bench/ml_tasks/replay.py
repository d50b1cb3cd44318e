"""Ask the model again from a kept request, as it was or changed: would a change to what the
harness sends change what the model writes? A screen that takes seconds, before a pass that
takes an hour.

Reads one request a run kept (`run.py --keep-exchanges`:
`<harness>/<task>/<repeat>/NN-request.json`, as bench/recording_proxy.py wrote it), changes it
as asked (the messages cut after the first `--upto`, `--append` added to the last message's text,
`--say` sent as a new user message, in that order), sends it `--times` times to the model server
(`--base-url`, OpenAI-compatible, one answer at a time, not streamed) and appends a row a reply
to `--out`: the request, the change, the sampling, the reply's text and calls, and `same_call`:
whether its first call is the last call the request holds, as sent (None when either has none).

    uv run python -m bench.ml_tasks.replay REQUEST.json --base-url URL [--upto N]
        [--append TEXT] [--say TEXT] [--times 2] [--temperature T] [--out FILE]

Why: whether a note stops a greedy model resending a failing call is one request's question.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.report import run_context

RESULTS = Path(__file__).resolve().parent / "results" / "replays"
TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Change:
    """What is changed in the kept request before it is sent again (nothing by default)."""

    upto: int | None = None  # keep the first N messages (the system prompt is one)
    append: str = ""  # added, after a line break, to the last kept message's text
    say: str = ""  # a new user message after the kept ones

    def described(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if value not in (None, "")}


def changed(request: dict[str, Any], change: Change, temperature: float | None) -> dict[str, Any]:
    """The request to send: `change` applied, not streamed, `temperature` when given."""
    sent = copy.deepcopy(request)
    messages = sent["messages"] if change.upto is None else sent["messages"][: change.upto]
    if not messages:
        raise ValueError("--upto leaves no message to send")
    if change.append:
        last = messages[-1]
        last["content"] = f"{_text(last.get('content'))}\n{change.append}"
    if change.say:
        messages.append({"role": "user", "content": change.say})
    sent["messages"] = messages
    sent["stream"] = False
    sent.pop("stream_options", None)
    if temperature is not None:
        sent["temperature"] = temperature
    return sent


def _text(content: object) -> str:
    """A message's content as text (OpenAI content parts joined)."""
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return "" if content is None else str(content)


def calls_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A message's tool calls as `{name, arguments}`, the arguments parsed when they are JSON."""
    found = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        arguments = function.get("arguments")
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
        found.append({"name": function.get("name"), "arguments": arguments})
    return found


def last_call(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first call of the last assistant message that made calls, if any."""
    for message in reversed(messages):
        if message.get("role") == "assistant" and (calls := calls_of(message)):
            return calls[0]
    return None


def ask(base_url: str, sent: dict[str, Any]) -> dict[str, Any]:
    """The server's reply message to `sent` (a clear error when it answers otherwise)."""
    url = f"{base_url.rstrip('/')}/chat/completions"
    response = httpx.post(url, json=sent, timeout=TIMEOUT_S)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
    return response.json()["choices"][0]["message"]


def replayed(
    path: Path, base_url: str, change: Change, times: int, temperature: float | None
) -> list[dict[str, Any]]:
    """One row a reply: `times` replies to the kept request at `path`, changed by `change`."""
    sent = changed(json.loads(path.read_text(encoding="utf-8")), change, temperature)
    before = last_call(sent["messages"])
    rows = []
    for attempt in range(times):
        reply = ask(base_url, sent)
        calls = calls_of(reply)
        same = None if before is None or not calls else calls[0] == before
        rows.append({"request": str(path), "change": change.described(), "attempt": attempt,
                     "temperature": sent.get("temperature"), "text": _text(reply.get("content")),
                     "calls": calls, "same_call": same})  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("request", type=Path, help="a kept NN-request.json")
    parser.add_argument("--base-url", required=True, help="the model server, e.g. …:8091/v1")
    parser.add_argument("--upto", type=int, help="keep the first N messages")
    parser.add_argument("--append", default="", help="text added to the last message")
    parser.add_argument("--say", default="", help="a new user message")
    parser.add_argument("--times", type=int, default=2, help="replies to ask for")
    parser.add_argument("--temperature", type=float, help="else the kept request's")
    parser.add_argument("--out", type=Path, help="rows appended here (default: results/replays)")
    args = parser.parse_args(argv)
    change = Change(args.upto, args.append, args.say)
    try:
        rows = replayed(args.request, args.base_url, change, args.times, args.temperature)
    except (OSError, ValueError, KeyError, RuntimeError, httpx.HTTPError) as error:
        raise SystemExit(f"replay: {args.request}: {error}") from error
    context = run_context()
    out = args.out or RESULTS / f"{context['date'][:10]}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps({**row, **context}, ensure_ascii=False) + "\n")
    for row in rows:
        shown = row["calls"][0] if row["calls"] else row["text"]
        print(f"{row['attempt']}: same call: {row['same_call']}: {json.dumps(shown)[:300]}")
    print(f"appended {len(rows)} row(s) to {out}")


if __name__ == "__main__":
    main()
