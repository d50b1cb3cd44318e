"""Readable transcripts of kept benchmark runs: one Markdown page per harness, a section per task.

Reads a `run.py --keep-exchanges` folder (`<harness>/<task>/<repeat>/NN-request.json` and
`NN-reply.txt`, written by bench/recording_proxy.py) and the pass's rows, and writes, for each
model call, what reached the model since its previous reply (the request on the first call, then
the tool results and notes) and the reply it wrote. Long texts are cut to `--cut` characters and
every line is wrapped at 100, so a pass of five harnesses stays small enough to keep in the repo.
The system prompt is given by its size only (it is the harness's own text, the same every call).

    uv run python -m bench.ml_tasks.transcripts EXCHANGES_ROOT ROWS_FILE OUT.md [--repeat 0]
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

WIDTH = 100


def _text(content: object) -> str:
    """A message's content as plain text (OpenAI content parts joined)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
        )
    return "" if content is None else str(content)


def _cut(text: str, cut: int) -> str:
    if len(text) <= cut:
        return text
    return f"{text[:cut]}\n[... {len(text) - cut} more characters]"


def _block(text: str) -> list[str]:
    """A fenced block of `text`, every line wrapped at the page width."""
    lines = ["~~~text"]
    for line in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(line, WIDTH, replace_whitespace=False) or [""])
    return [*lines, "~~~", ""]


def _new_messages(messages: list[dict], first: bool) -> list[dict]:
    """What reached the model since its previous reply, the system prompt left out: every message on
    the first call, then the messages after the last assistant message."""
    last = (
        -1
        if first
        else max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    )
    return [m for m in messages[last + 1 :] if m.get("role") != "system"]


def run_lines(folder: Path, cut: int) -> list[str]:
    """The transcript of one kept run (one folder of exchanges)."""
    lines: list[str] = []
    first, calls = True, 0
    for request in sorted(folder.glob("*-request.json")):
        number = request.name.split("-", 1)[0]
        try:
            body = json.loads(request.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            body = None
        messages = body.get("messages") if isinstance(body, dict) else None
        if not messages:  # a probe of the server (model list, health), not a model call
            continue
        system = sum(len(_text(m.get("content"))) for m in messages if m.get("role") == "system")
        calls += 1
        head = f"**Call {calls}** ({len(messages)} messages"
        head += f", system prompt {system} characters)" if first else ")"
        lines += [head, ""]
        for message in _new_messages(messages, first=first):
            role = message.get("role", "?")
            text = _text(message.get("content"))
            for call in message.get("tool_calls") or []:
                function = call.get("function", {})
                text += f"\n[call {function.get('name')}] {function.get('arguments')}"
            lines += [f"*{role}*", "", *_block(_cut(text.strip(), cut))]
        reply = folder / f"{number}-reply.txt"
        if reply.is_file():
            lines += ["*reply*", "", *_block(_cut(reply.read_text(encoding="utf-8").strip(), cut))]
        else:
            lines += ["*no reply recorded* (the call failed or was not a chat completion)", ""]
        first = False
    return lines


def page(exchanges: Path, rows: list[dict], title: str, repeat: int, cut: int) -> str:
    """The whole page: a header line per task (solved, why, calls, tokens), then its transcript."""
    lines = [f"# {title}", ""]
    for row in rows:
        if row.get("repeat") != repeat:
            continue
        task = row["task"]
        verdict = "solved" if row.get("solved") else "not solved"
        lines += [
            f"## {task}",
            "",
            f"{verdict}: {row.get('why', '')}; {row.get('model_calls')} calls, "
            f"{row.get('input_tokens')} tokens in, {row.get('wall_s')} s, "
            f"ended: {row.get('exit_reason', '?')}",
            "",
        ]
        folder = exchanges / task / str(repeat)
        lines += run_lines(folder, cut) if folder.is_dir() else ["(no exchanges kept)", ""]
    wrapped = [
        piece
        for line in lines
        for piece in (textwrap.wrap(line, WIDTH) if len(line) > WIDTH else [line])
    ]
    return "\n".join(wrapped).rstrip() + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "exchanges", type=Path, help="a harness's folder: <keep-exchanges>/<harness>"
    )
    parser.add_argument("rows", type=Path, help="the pass's rows (.jsonl) for that harness")
    parser.add_argument("out", type=Path, help="the Markdown page to write")
    parser.add_argument("--repeat", type=int, default=0)
    parser.add_argument("--cut", type=int, default=700, help="characters kept of each text")
    parser.add_argument("--title", default="")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.rows.read_text().splitlines() if line.strip()]
    title = args.title or f"{args.rows.stem}: pass {args.repeat + 1}"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page(args.exchanges, rows, title, args.repeat, args.cut), encoding="utf-8")


if __name__ == "__main__":
    main()
